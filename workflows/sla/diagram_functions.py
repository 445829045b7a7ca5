"""Trusted helpers that diagrams may call from expressions (the sandbox exposes only these).

Timer boundary events on the SOP diagram use ``sla_due("verify")``: the due moment of a step by
the region's calendar and limits, resuming a paused clock where it stopped.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.moment import now
from engine.sandbox import task_data_helper

from ..clock import Clock
from .policy import SlaPolicy


def build(clock: Clock, policy: SlaPolicy) -> dict[str, Callable[..., Any]]:
    @task_data_helper
    def sla_due(data: Mapping[str, Any], step: str) -> str:
        """When the step is due: the remaining working time of a paused clock, else the full limit."""
        region_id = data.get("region_id")
        calendar = policy.calendar(region_id)
        remaining = (data.get("sla_remaining") or {}).get(step)
        if isinstance(remaining, (int, float)) and remaining > 0:
            return calendar.add_working_seconds(now(clock), remaining).isoformat()
        start = now(clock)
        limit = policy.limit(region_id, step, data.get("tier"), on=start.astimezone(calendar.zone).date())
        return calendar.due(start, limit).isoformat()

    @task_data_helper
    def working_days(data: Mapping[str, Any], days: int) -> str:
        """End of the ``days``-th working day from now by the region's calendar."""
        if not isinstance(days, int) or not 1 <= days <= 400:
            raise ValueError("working_days() takes a whole number of days between 1 and 400")
        return policy.calendar(data.get("region_id")).add_working_days(now(clock), days).isoformat()

    @task_data_helper
    def working_hours(data: Mapping[str, Any], hours: int) -> str:
        if not isinstance(hours, (int, float)) or not 0 < hours <= 2000:
            raise ValueError("working_hours() takes a number of hours between 0 and 2000")
        return policy.calendar(data.get("region_id")).add_working_hours(now(clock), hours).isoformat()

    return {"sla_due": sla_due, "working_days": working_days, "working_hours": working_hours}
