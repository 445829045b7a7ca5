"""A step's clock across answers: paused by a deferral, carried from triage into verification.

Pure (no database): the tasks area applies it when an officer or the reporter answers, the replay
(``workflows.replay``) when it completes a step on its virtual clock.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.forms import condition_holds
from sla.calendar import BusinessCalendar


@dataclass(frozen=True)
class ClockAfter:
    remaining: dict[str, int]      # the process variable ``sla_remaining``: step -> working seconds left
    paused_seconds: int | None     # set when this answer paused the step's clock


def after_answer(properties: Mapping[str, str], data: Mapping[str, Any], cleaned: Mapping[str, Any],
                 due_at: datetime | None, calendar: BusinessCalendar, now: datetime) -> ClockAfter | None:
    """Pause a step's clock when the diagram says this answer pauses it (``sla_pause_when``, e.g. a
    deferral): keep the working time left, so the step resumes with it. ``sla_carry`` = true hands the
    time left to the next task of the same step (triage, then verification: one limit for both). Any
    other answer clears it. None: the task measures no step."""
    step = properties.get("sla_step")
    if not step:
        return None
    remaining = dict(data.get("sla_remaining") or {})
    pause = properties.get("sla_pause_when")
    paused = bool(pause) and condition_holds(pause, dict(cleaned))
    carried = properties.get("sla_carry") == "true"
    if (paused or carried) and due_at is not None:
        remaining[step] = max(1, calendar.working_seconds_between(now, due_at))
        return ClockAfter(remaining, remaining[step] if paused else None)
    remaining.pop(step, None)
    return ClockAfter(remaining, None)
