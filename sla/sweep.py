"""The SLA sweep: claim due deadlines and act on each exactly once.

Only ``pending`` rows with ``due_at <= now`` are read, through a partial index, so the cost follows
what is due, not how much is open. On PostgreSQL each batch is claimed with
``SELECT ... FOR UPDATE OF deadlines, process_instances SKIP LOCKED`` (Airflow's ADR-0002 shape): any
number of workers share the work, each row is handled by exactly one, and an instance an officer is
changing at that moment is left for the next sweep. On SQLite the batch transaction first takes the
database's write lock, which gives the same guarantee with one writer at a time. A row is acted on
and marked in the same transaction, so a worker killed mid-sweep leaves its batch pending for the
next sweep: nothing fires twice, nothing is missed.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workflows.db import transaction
from workflows.errors import DomainError
from workflows.models import Deadline, ProcessInstance, Setting
from workflows.service import Aduan

from .actions import act

log = logging.getLogger(__name__)
BATCH = int(os.environ.get("ADUAN_SWEEP_BATCH", 50))


@dataclass
class SweepResult:
    fired: int = 0
    failed: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


def sweep(services: Aduan, batch: int = BATCH, max_batches: int | None = None) -> SweepResult:
    """Act on everything due now; returns what was done."""
    result = SweepResult()
    now = services.clock()
    batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        with transaction(services.sessions) as db:
            rows = _claim(db, now, batch)
            for row in rows:
                _handle(services, db, row, now, result)
        if len(rows) < batch:
            break
    return result


def _claim(db: Session, now, batch: int) -> list[Deadline]:
    if db.get_bind().dialect.name == "sqlite":
        # Take the write lock before reading, so a second worker waits instead of reading the same rows.
        db.execute(update(Setting).where(Setting.key == "sweep").values(value="sweep"))
    # Lock the instance too, and skip what an officer is changing right now: the officer's transaction
    # holds the instance row, so the sweep neither waits on it nor deadlocks with it (lock order).
    stmt = (select(Deadline).join(ProcessInstance, ProcessInstance.id == Deadline.instance_id)
            .where(Deadline.state == "pending", Deadline.due_at <= now)
            .order_by(Deadline.due_at, Deadline.id).limit(batch)
            .with_for_update(skip_locked=True, of=[Deadline.__table__, ProcessInstance.__table__]))
    return list(db.scalars(stmt))


def _handle(services: Aduan, db: Session, row: Deadline, now, result: SweepResult) -> None:
    try:
        with db.begin_nested():
            done = act(services, db, row, now)
            if done and row.state == "pending":
                row.state = "fired"
                row.fired_at = now
        result.fired += 1
        result.kinds[row.kind] = result.kinds.get(row.kind, 0) + 1
    except DomainError as exc:
        log.warning("deadline %s (%s) could not be handled: %s", row.id, row.key, exc.message)
        with db.begin_nested():
            row.state = "failed"
            row.fired_at = now
        result.failed += 1
