"""Wiring: one object per process holding the engine (and its spec cache) and the domain services
of every area (see ``workflows/__init__.py`` for the map)."""
from __future__ import annotations

import os
from datetime import timedelta

from sqlalchemy import Engine as SqlEngine
from sqlalchemy.orm import Session, sessionmaker

from engine.runtime import Engine

from . import tables  # noqa: F401  (every area's tables mapped before the first session)
from .accounts.logins import MAX_FAILURES_PER_IP, LoginGuard
from .accounts.users import Users
from .clock import Clock, OffsetClock
from .complaints.service import Complaints
from .db import make_engine, make_session_factory
from .processes.progress import Progress
from .processes.registry import Registry
from .sla import diagram_functions
from .sla.due import Timekeeper
from .sla.policy import SlaPolicy
from .tasks.service import Tasks


class Aduan:
    def __init__(self, database_url: str | None = None, clock: Clock | None = None,
                 sql_engine: SqlEngine | None = None, login_max_failures: int | None = None,
                 login_window: timedelta | None = None, login_max_failures_per_ip: int = MAX_FAILURES_PER_IP):
        self.sql_engine = sql_engine or make_engine(database_url)
        self.sessions: sessionmaker[Session] = make_session_factory(self.sql_engine)
        # Default: wall clock plus the offset `aduan simulate` may have stored in the database.
        self.clock: Clock = clock or OffsetClock(self.sessions)
        self.policy = SlaPolicy(self.sessions)
        self.engine = Engine(functions=diagram_functions.build(self.clock, self.policy), clock=self.clock)
        self.registry = Registry(self.engine)
        self.progress = Progress(self.registry, self.clock, self.policy)
        self.tasks = Tasks(self.progress)
        self.complaints = Complaints(self.progress, self.tasks)
        self.users = Users(self.clock)
        self.timekeeper = Timekeeper(self.progress)
        # Failed-login limits: per username (ADUAN_LOGIN_MAX_FAILURES) within ADUAN_LOGIN_WINDOW_SECONDS.
        if login_max_failures is None:
            login_max_failures = int(os.environ.get("ADUAN_LOGIN_MAX_FAILURES", 5))
        if login_window is None:
            login_window = timedelta(seconds=int(os.environ.get("ADUAN_LOGIN_WINDOW_SECONDS", 900)))
        # Monev: the follow-up share every instansi should reach (road map 2020-2024: 90%).
        self.monev_target = float(os.environ.get("ADUAN_MONEV_TARGET", 0.9))
        if not 0 < self.monev_target <= 1:
            raise ValueError("ADUAN_MONEV_TARGET must be a share between 0 and 1, e.g. 0.9")
        self.logins = LoginGuard(self.sessions, self.clock, max_failures_per_user=login_max_failures,
                                 max_failures_per_ip=login_max_failures_per_ip, window=login_window)
