"""Officer login with a limit on failed attempts, per username and per address.

The failures are rows in ``login_failures``, so every web process on the database counts the same
attempts. A username or address that has failed its limit within the window is refused (429) without
the password being checked, until enough of those failures have left the window.
"""
from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from ..clock import Clock
from ..db import transaction
from ..errors import TooManyAttempts, Unauthorized
from ..text import scrub, storable
from . import credentials
from .models import LoginFailure, User

MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_IP = 30
WINDOW = timedelta(minutes=15)
SWEEP_CHANCE = 0.01  # now and then a failure also removes everyone's expired rows


class LoginGuard:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock,
                 max_failures_per_user: int = MAX_FAILURES_PER_USER,
                 max_failures_per_ip: int = MAX_FAILURES_PER_IP, window: timedelta = WINDOW):
        self.sessions = sessions
        self.clock = clock
        self.max_failures_per_user = max_failures_per_user
        self.max_failures_per_ip = max_failures_per_ip
        self.window = window

    def login(self, username: str, password: str, ip: str | None) -> User:
        """The officer, with ``last_login_at`` set and their failures forgotten. Raises TooManyAttempts
        (nothing checked) or Unauthorized (the failure is recorded); runs its own transactions."""
        name, address = scrub(username[:80]), scrub((ip or "-")[:45])
        try:
            with transaction(self.sessions) as db:
                self._refuse_if_throttled(db, name, address, self.clock())
                if not storable(username) or not storable(password):  # no account has such a name
                    raise Unauthorized("wrong username or password")
                user = credentials.authenticate(db, username, password, self.clock)
                db.execute(delete(LoginFailure).where(LoginFailure.username == name))
            return user
        except Unauthorized:
            self._record_failure(name, address)
            raise

    def retry_after(self, db: Session, username: str, ip: str, now: datetime) -> int | None:
        """Seconds until this username and address may try again, or None if they may now."""
        waits = [self._wait(db, LoginFailure.username == username, self.max_failures_per_user, now),
                 self._wait(db, LoginFailure.ip == ip, self.max_failures_per_ip, now)]
        waits = [w for w in waits if w is not None]
        return max(waits) if waits else None

    def _refuse_if_throttled(self, db: Session, username: str, ip: str, now: datetime) -> None:
        wait = self.retry_after(db, username, ip, now)
        if wait is not None:
            raise TooManyAttempts("too many failed logins; try again later", retry_after=wait)

    def _wait(self, db: Session, who, limit: int, now: datetime) -> int | None:
        recent = (LoginFailure.at > now - self.window)
        count = db.scalar(select(func.count()).select_from(LoginFailure).where(who, recent)) or 0
        if count < limit:
            return None
        # Below the limit again once this failure (the oldest that keeps it at the limit) leaves the window.
        freeing = db.scalar(select(LoginFailure.at).where(who, recent)
                            .order_by(LoginFailure.at, LoginFailure.id).offset(count - limit).limit(1))
        if freeing is None:  # removed meanwhile by a successful login
            return None
        return max(1, math.ceil((freeing + self.window - now).total_seconds()))

    def _record_failure(self, username: str, ip: str) -> None:
        now = self.clock()
        expired = LoginFailure.at <= now - self.window
        with transaction(self.sessions) as db:
            db.add(LoginFailure(username=username, ip=ip, at=now))
            db.execute(delete(LoginFailure).where(
                expired, or_(LoginFailure.username == username, LoginFailure.ip == ip)))
            if random.random() < SWEEP_CHANCE:
                db.execute(delete(LoginFailure).where(expired))
