"""The one source of 'now' for the domain layer, so tests and simulations can move time.

* ``system_clock``: the wall clock.
* ``ManualClock``: a clock tests move by hand (a 5-working-day limit tested in milliseconds).
* ``OffsetClock``: wall clock plus an offset stored in the database (``aduan simulate`` moves it),
  so the web server and every worker of a demo database agree on the simulated time.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session, sessionmaker

from .db import transaction
from .settings import Setting, add_seconds

Clock = Callable[[], datetime]
OFFSET_KEY = "clock_offset_seconds"


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


class ManualClock:
    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self.now = start.astimezone(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment.astimezone(timezone.utc)


class OffsetClock:
    def __init__(self, sessions: sessionmaker[Session], refresh_seconds: float = 2.0):
        self.sessions = sessions
        self.refresh_seconds = refresh_seconds
        self._offset = 0.0
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def offset(self) -> float:
        if time.monotonic() - self._read_at > self.refresh_seconds:
            with self._lock:
                self._offset = read_offset(self.sessions)
                self._read_at = time.monotonic()
        return self._offset

    def __call__(self) -> datetime:
        return datetime.now(timezone.utc) + timedelta(seconds=self.offset())

    def forget(self) -> None:
        self._read_at = float("-inf")

    def move(self, delta: timedelta) -> None:
        """Move the shared clock of this database forward (every process follows within seconds)."""
        with transaction(self.sessions) as db:
            add_seconds(db, OFFSET_KEY, delta.total_seconds())
        self.forget()


def read_offset(sessions: sessionmaker[Session]) -> float:
    try:
        with sessions() as db:
            row = db.get(Setting, OFFSET_KEY)
            return float(row.value) if row else 0.0
    except Exception:  # before the first migration there is no settings table: no offset
        return 0.0
