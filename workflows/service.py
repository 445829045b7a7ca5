"""Wiring: one object per process holding the engine (and its spec cache) and the domain services."""
from __future__ import annotations

from sqlalchemy import Engine as SqlEngine
from sqlalchemy.orm import Session, sessionmaker

from engine.runtime import Engine

from . import script_functions
from .clock import Clock, system_clock
from .complaints import Complaints
from .db import make_engine, make_session_factory
from .progress import Progress
from .registry import Registry
from .tasks import Tasks


class Aduan:
    def __init__(self, database_url: str | None = None, clock: Clock = system_clock,
                 sql_engine: SqlEngine | None = None):
        self.clock = clock
        self.sql_engine = sql_engine or make_engine(database_url)
        self.sessions: sessionmaker[Session] = make_session_factory(self.sql_engine)
        self.engine = Engine(functions=script_functions.build(clock))
        self.registry = Registry(self.engine)
        self.progress = Progress(self.registry, clock)
        self.tasks = Tasks(self.progress)
        self.complaints = Complaints(self.progress, self.tasks)
