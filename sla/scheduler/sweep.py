"""The SLA sweep: act on every due deadline, exactly once, in batches.

Each batch is one transaction: the domain (``workflows.sla.due.Timekeeper``) claims up to ``BATCH``
due rows (``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write lock first on SQLite) and
acts on each, marking it in the same transaction. Any number of workers share the work, each row is
handled by one, and a worker killed mid-sweep leaves its batch pending for the next sweep: nothing
fires twice, nothing is missed. The cost follows what is due, not what is open (a partial index).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from workflows.db import transaction
from workflows.service import Aduan

BATCH = int(os.environ.get("ADUAN_SWEEP_BATCH", 50))


@dataclass
class SweepResult:
    fired: int = 0
    failed: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


def sweep(services: Aduan, batch: int = BATCH, max_batches: int | None = None) -> SweepResult:
    """Act on everything due now; returns what was done."""
    result = SweepResult()
    batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        # Each batch acts at its own moment: a long sweep must not date its breaches, escalations and
        # notifications at the moment it began (aduan check found them dated before the events the
        # same transaction wrote through the process).
        now = services.clock()
        with transaction(services.sessions) as db:
            rows = services.timekeeper.claim(db, now, batch)
            for row in rows:
                outcome = services.timekeeper.handle(db, row, now)
                if outcome.done:
                    result.fired += 1
                    result.kinds[outcome.kind] = result.kinds.get(outcome.kind, 0) + 1
                else:
                    result.failed += 1
        if len(rows) < batch:
            break
    return result
