"""The moments monev measures, written onto the complaint when its status first reaches them.

- verified: the first decision on it, dispatched or archived (a deferral is not a decision);
- dispatched: first sent to a unit;
- followed up: the first follow-up answer (the status turns "diselesaikan" after a dispatch);
- reopened: a dissatisfied reporter sent it back after it was settled.

Durations are working seconds by the complaint's regional calendar (time deferred waiting for the
reporter included). Whether a limit was missed is what the SLA sweep recorded (``sla_breaches``),
which honours paused clocks and regional limits.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ..complaints import statuses
from ..complaints.models import Complaint
from .models import SlaBreach
from .policy import FOLLOW_UP, VERIFY, SlaPolicy

DECIDED = (statuses.DIDISPOSISI, statuses.DALAM_PROSES, statuses.DIARSIPKAN)
DISPATCHED = (statuses.DIDISPOSISI, statuses.DALAM_PROSES)


def record(session: Session, policy: SlaPolicy, complaint: Complaint, old: str | None, new: str,
           now: datetime) -> None:
    """Called on every status change, before the new status is set."""
    complaint.updated_at = now  # the monev rollup rereads complaints changed since its last run
    if complaint.verified_at is None and new in DECIDED:
        complaint.verified_at = now
        complaint.verify_seconds = _working_seconds(policy, complaint, complaint.created_at, now)
        complaint.verify_late = _breached(session, complaint, VERIFY)
    if complaint.dispatched_at is None and new in DISPATCHED:
        complaint.dispatched_at = now
    if new == statuses.DISELESAIKAN and complaint.dispatched_at is not None and complaint.followed_up_at is None:
        complaint.followed_up_at = now
        complaint.follow_up_seconds = _working_seconds(policy, complaint, complaint.dispatched_at, now)
        complaint.follow_up_late = _breached(session, complaint, FOLLOW_UP)
    if old == statuses.DISELESAIKAN and new in DISPATCHED:
        complaint.reopened = (complaint.reopened or 0) + 1


def _working_seconds(policy: SlaPolicy, complaint: Complaint, start: datetime, end: datetime) -> int:
    return policy.calendar(complaint.region_id).working_seconds_between(start, end)


def _breached(session: Session, complaint: Complaint, step: str) -> bool:
    # No autoflush: breaches are written by the sweep, never pending here, and flushing now would
    # write the complaint twice in one save.
    with session.no_autoflush:
        return bool(session.scalar(select(exists().where(SlaBreach.complaint_id == complaint.id,
                                                         SlaBreach.step == step))))
