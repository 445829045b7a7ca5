"""Wiring: one object per process holding the engine (and its spec cache) and the domain services
of every area (see ``workflows/__init__.py`` for the map)."""
from __future__ import annotations

import os
from datetime import timedelta

from sqlalchemy import Engine as SqlEngine
from sqlalchemy.orm import Session, sessionmaker

from engine.runtime import Engine

from . import tables  # noqa: F401  (every area's tables mapped before the first session)
from .accounts.logins import LoginGuard
from .accounts.users import Users
from .clock import Clock, OffsetClock
from .complaints.service import REPLY_CODE, TOO_MANY_CODES, Complaints
from .db import make_engine, make_session_factory
from .mail.outbox import MailSettings, default_settings
from .processes.designer import Designer
from .processes.migration import Migrations
from .processes.progress import Progress
from .processes.registry import Registry
from .risk.estimate import BreachRisk
from .routing.decide import Routing
from .sla import diagram_functions
from .sla.due import Timekeeper
from .sla.policy import SlaPolicy
from .tasks.service import Tasks
from .throttle import Limits, Throttle


class Aduan:
    def __init__(self, database_url: str | None = None, clock: Clock | None = None,
                 sql_engine: SqlEngine | None = None, guess_limits: Limits | None = None,
                 mail: MailSettings | None = None):
        self.sql_engine = sql_engine or make_engine(database_url)
        self.sessions: sessionmaker[Session] = make_session_factory(self.sql_engine)
        # Default: wall clock plus the offset `aduan simulate` may have stored in the database.
        self.clock: Clock = clock or OffsetClock(self.sessions)
        self.policy = SlaPolicy(self.sessions)
        self.routing = Routing()
        self.engine = Engine(functions=diagram_functions.build(self.clock, self.policy), clock=self.clock,
                             decisions=self.routing)
        self.registry = Registry(self.engine)
        self.mail = mail or default_settings()  # (the environment's, unless given: tests pass their own)
        self.progress = Progress(self.registry, self.clock, self.policy, self.routing, self.mail)
        self.tasks = Tasks(self.progress)
        self.risk = BreachRisk(self.policy, self.clock)  # breach risk of open tasks (ADUAN_RISK_*)
        self.users = Users(self.clock)
        self.timekeeper = Timekeeper(self.progress)
        self.designer = Designer(self.registry, self.clock)
        self.migrations = Migrations(self.progress, self.sessions)
        # Guessing passwords and reply codes (workflows/throttle.py): free failures per subject and
        # address (ADUAN_LOGIN_MAX_FAILURES) within ADUAN_LOGIN_WINDOW_SECONDS, then growing delays.
        limits = guess_limits or Limits(free=int(os.environ.get("ADUAN_LOGIN_MAX_FAILURES", 5)),
                                        window=timedelta(seconds=int(os.environ.get("ADUAN_LOGIN_WINDOW_SECONDS", 900))))
        # Monev: the follow-up share every instansi should reach (road map 2020-2024: 90%).
        self.monev_target = float(os.environ.get("ADUAN_MONEV_TARGET", 0.9))
        if not 0 < self.monev_target <= 1:
            raise ValueError("ADUAN_MONEV_TARGET must be a share between 0 and 1, e.g. 0.9")
        self.logins = LoginGuard(self.sessions, self.clock, limits)
        self.complaints = Complaints(self.progress, self.tasks,
                                     Throttle(self.sessions, self.clock, REPLY_CODE, limits, TOO_MANY_CODES))

