"""Fast-forwarding a demo database: move the shared clock step by step and sweep after each step."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from workflows.clock import OFFSET_KEY, OffsetClock
from workflows.db import transaction
from workflows.models import Setting
from workflows.service import Aduan

from .sweep import SweepResult, sweep


def fast_forward(services: Aduan, total: timedelta, step: timedelta) -> Iterator[tuple[datetime, SweepResult]]:
    if not isinstance(services.clock, OffsetClock):
        raise ValueError("simulation needs the database clock (OffsetClock)")
    moved = timedelta(0)
    while moved < total:
        delta = min(step, total - moved)
        with transaction(services.sessions) as db:
            row = db.get(Setting, OFFSET_KEY)
            if row is None:
                row = Setting(key=OFFSET_KEY, value="0")
                db.add(row)
            row.value = str(float(row.value) + delta.total_seconds())
        services.clock.forget()
        moved += delta
        yield services.clock(), sweep(services)
