"""What a replay reads and writes, as plain picklable records (they cross process boundaries).

A :class:`PastComplaint` is one complaint as it happened (read by :mod:`workflows.replay.history`); a
:class:`Path` is one complaint's way through a process, either as it happened or as a replay ran it;
:mod:`workflows.replay.report` turns paths into the comparison.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..accounts.roles import ADMIN_INSTANSI, OFFICER_ROLES, PEJABAT_PENGHUBUNG


@dataclass(frozen=True)
class PastStep:
    """A human task as it happened. ``completed_at`` None: never done (cancelled by a timer, or still
    open when the history was read)."""
    name: str
    role: str
    unit_id: int | None
    instansi_id: int | None
    created_at: datetime
    completed_at: datetime | None
    due_at: datetime | None
    late: bool
    escalations: int
    answer: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PastComplaint:
    id: int
    tracking_id: str
    region_id: int
    instansi_id: int | None      # where it arrived (None: the reporter did not know, it went to triage)
    unit_id: int | None
    type: str
    category: str
    arrived_at: datetime
    outcome: str | None          # closed | auto_closed | archived | None (still running)
    closed_at: datetime | None
    steps: tuple[PastStep, ...]
    live_definition: int         # the version it runs on today (its region's variant or the national one)


@dataclass(frozen=True)
class TaskRun:
    """A human task in a path: when it waited, whether it missed its limit, how far it escalated."""
    name: str
    role: str
    unit_key: str                # "u<id>" for a unit's task, "i<id>" for an instansi's, "r<id>" for a region's
    instansi_id: int | None
    ready_at: float              # POSIX seconds
    done_at: float | None        # None: still waiting at the end of the replay (or cancelled: see ``cancelled``)
    due_at: float | None
    late: bool
    escalations: int
    reminded: bool
    working_seconds: int | None  # ready -> done, by the region's calendar
    cancelled: bool = False
    officer: bool = True


@dataclass(frozen=True)
class Path:
    complaint_id: int
    region_id: int
    instansi_id: int | None
    arrived_at: float
    outcome: str | None
    ended_at: float | None
    working_seconds: int | None  # arrival -> end, by the region's calendar
    tasks: tuple[TaskRun, ...]
    error: str | None = None     # the replay could not take this complaint through the candidate


def queue_of(role: str, unit_id: int | None, instansi_id: int | None, region_id: int) -> str:
    """Whose queue a task waits in: a liaison officer's unit ("u<id>"), an instansi's admins ("i<id>"), a
    region's coordinators ("r<id>"); the reporter's own tasks are nobody's workload ("pelapor")."""
    if role == PEJABAT_PENGHUBUNG and unit_id is not None:
        return f"u{unit_id}"
    if role in (PEJABAT_PENGHUBUNG, ADMIN_INSTANSI) and instansi_id is not None:
        return f"i{instansi_id}"
    if role in OFFICER_ROLES:
        return f"r{region_id}"
    return "pelapor"
