"""Fast-forwarding a demo database: move the shared clock step by step and sweep after each step."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from workflows.clock import OffsetClock
from workflows.service import Aduan

from .sweep import SweepResult, sweep


def fast_forward(services: Aduan, total: timedelta, step: timedelta) -> Iterator[tuple[datetime, SweepResult]]:
    if not isinstance(services.clock, OffsetClock):
        raise ValueError("simulation needs the database clock (OffsetClock)")
    moved = timedelta(0)
    while moved < total:
        delta = min(step, total - moved)
        services.clock.move(delta)
        moved += delta
        yield services.clock(), sweep(services)
