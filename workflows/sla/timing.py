"""What the SLA sweep would have done around one task, worked out after the fact (by the replay, and by
the import of another system's history, which recorded no reminders or escalations).

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


def rungs(calendar: BusinessCalendar, chain: list[tuple[str, Limit]], role: str, due: datetime | None,
          end: datetime) -> list[tuple[str, datetime, datetime]]:
    """The rungs above ``role`` called in before the late task was done at ``end``: (role, called at, its
    own due moment), as :func:`workflows.sla.escalations.escalate` calls them one after the other."""
    if due is None or end <= due:
        return []
    roles = [r for r, _after in chain]
    position = roles.index(role) + 1 if role in roles else 0
    at, called = due, []
    while position < len(chain) and at < end:
        rung_role, after = chain[position]
        next_at = calendar.due(at, after)
        called.append((rung_role, at, next_at))
        at = next_at
        position += 1
    return called


def escalations(calendar: BusinessCalendar, chain: list[tuple[str, Limit]], role: str, due: datetime | None,
                end: datetime) -> int:
    """How many rungs above ``role`` were called in before the late task was done at ``end``."""
    return len(rungs(calendar, chain, role, due, end))
