"""Trusted helpers that diagrams may call from expressions (the sandbox exposes only these)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from .clock import Clock


def build(clock: Clock) -> dict[str, Callable[..., Any]]:
    def working_days(days: int) -> str:
        """ISO due datetime ``days`` working days from now. Weekends only for now; the business
        calendar with holidays and cuti bersama replaces this with the SLA work."""
        if not isinstance(days, int) or days < 0 or days > 400:
            raise ValueError("working_days() takes a whole number of days between 0 and 400")
        moment = clock()
        left = days
        while left:
            moment += timedelta(days=1)
            if moment.weekday() < 5:
                left -= 1
        return moment.isoformat()

    return {"working_days": working_days}
