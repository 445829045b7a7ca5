"""What the SLA sweep would have done around one task, worked out after the fact.

Reminders and escalations never change a complaint's path through the diagram (they notify, and the
escalation tasks live outside it), so a replay need not fire them one by one: given when a task was
ready, due and done, the sweep's reminder (at ``reminder_share`` of the working time to the limit)
and its escalation rungs (the first at the limit, each next one when the rung above runs out of its
``after``, :mod:`workflows.sla.escalations`) follow from the calendar and the chain.
"""
from __future__ import annotations

from datetime import datetime

from sla.calendar import BusinessCalendar, Limit


def reminded(calendar: BusinessCalendar, share: float, ready: datetime, due: datetime | None,
             end: datetime) -> bool:
    """Whether the reminder went out: the task was still waiting when it was due (``end``: when the task
    was done, or the end of the replay)."""
    if due is None:
        return False
    budget = calendar.working_seconds_between(ready, due)
    at = due if budget <= 0 else calendar.add_working_seconds(ready, int(budget * share))
    return at < end


def escalations(calendar: BusinessCalendar, chain: list[tuple[str, Limit]], role: str, due: datetime | None,
                end: datetime) -> int:
    """How many rungs above ``role`` were called in before the late task was done at ``end``."""
    if due is None or end <= due:
        return 0
    roles = [r for r, _after in chain]
    position = roles.index(role) + 1 if role in roles else 0
    at, levels = due, 0
    while position < len(chain) and at < end:
        levels += 1
        at = calendar.due(at, chain[position][1])
        position += 1
    return levels
