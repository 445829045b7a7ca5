"""Breach risk for the task list and the coordinators' at-risk list.

History: every officer's diagram task of the same step created in the last ``ADUAN_RISK_HISTORY_DAYS``
(365) days, completed ones as events and the rest (open, or ended without completion) censored, their
durations in working time by their complaint's region calendar. One query reads the history of all the
steps a list needs; the curves are kept per step for ``ADUAN_RISK_CACHE_SECONDS`` (300) seconds (or
until the domain clock moves that far, e.g. ``aduan simulate``). The estimate itself is
:func:`workflows.risk.model.assess`; the method and its calibration: docs/risk-calibration.md.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from ..accounts.models import User
from ..accounts.roles import ADMIN_TIER, OFFICER_ROLES
from ..accounts.scope import task_scope_filter
from ..clock import Clock
from ..complaints.models import Complaint
from ..errors import Forbidden
from ..sla.policy import SlaPolicy
from ..tasks import queries
from ..tasks.models import HumanTask
from ..tasks.projection import OPEN
from ..tasks.queries import TaskQuery
from .model import Observation, Risk, Settings, StepCurves, assess, build
from .worktime import WorkClocks

RISK_SORT = "risk"  # the task list's sort order "berisiko": highest risk first
BPMN = "bpmn"
_FAR = datetime.max.replace(tzinfo=timezone.utc)


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


class _Times(NamedTuple):
    """What an estimate needs of a task (a light row, or read off a loaded task)."""
    id: int
    name: str
    kind: str
    role: str
    unit_id: int | None
    instansi_id: int | None
    region_id: int | None  # the complaint's region: its calendar
    created_at: datetime
    due_at: datetime | None


_TIME_COLUMNS = (HumanTask.id, HumanTask.name, HumanTask.kind, HumanTask.role, HumanTask.unit_id,
                 HumanTask.instansi_id, Complaint.region_id, HumanTask.created_at, HumanTask.due_at)


@dataclass(frozen=True)
class Assessed:
    """A task as the lists show it: the row, its complaint, and its risk (None: late, not an officer's
    step, no limit, or too little history)."""
    task: HumanTask
    complaint: Complaint
    risk: Risk | None

    @property
    def breach_risk(self) -> float | None:
        return None if self.risk is None else round(self.risk.probability, 3)

    @property
    def breach_risk_basis(self) -> str | None:
        return None if self.risk is None else self.risk.level

    def __getattr__(self, name: str) -> Any:  # the API's task schema reads the row's fields through it
        return getattr(self.task, name)


@dataclass(frozen=True)
class AtRiskPage:
    items: list[Assessed]
    total: int        # tasks at or above the threshold among those looked at
    scanned: int      # open tasks not yet late looked at (the soonest due first)
    capped: bool      # more open tasks than ``scan`` in scope: those due later were not looked at
    threshold: float


class BreachRisk:
    def __init__(self, policy: SlaPolicy, clock: Clock, settings: Settings | None = None,
                 cache_seconds: float | None = None, history_days: float | None = None,
                 threshold: float | None = None, scan: int | None = None):
        self.policy = policy
        self.clock = clock
        self.settings = settings or Settings(
            min_observations=int(_env_float("ADUAN_RISK_MIN_HISTORY", 30)),
            min_at_risk=int(_env_float("ADUAN_RISK_MIN_AT_RISK", 5)))
        self.cache_seconds = _env_float("ADUAN_RISK_CACHE_SECONDS", 300) if cache_seconds is None else cache_seconds
        self.history = timedelta(days=_env_float("ADUAN_RISK_HISTORY_DAYS", 365) if history_days is None
                                 else history_days)
        self.threshold = _env_float("ADUAN_RISK_THRESHOLD", 0.5) if threshold is None else threshold
        if not 0 < self.threshold <= 1:
            raise ValueError("ADUAN_RISK_THRESHOLD must be a probability above 0 and at most 1, e.g. 0.5")
        # The most open tasks one list computes risks for (the "berisiko" sort, the at-risk list).
        self.scan = int(_env_float("ADUAN_RISK_SCAN", 5000)) if scan is None else scan
        self.clocks = WorkClocks()
        self._cache: dict[str, tuple[float, datetime, StepCurves]] = {}
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        self._cache.clear()

    # -- the lists ---------------------------------------------------------------------------------
    def task_page(self, session: Session, user: User, query: TaskQuery) -> tuple[list[Assessed], int]:
        """The task list (:func:`workflows.tasks.queries.page_for`) with each task's risk; ``sort="risk"``
        orders every matching task by risk, highest first (no estimate last, then by due date)."""
        now = self.clock()
        if query.sort != RISK_SORT:
            rows, total = queries.page_for(session, user, query, now)
            risks = self.estimate(session, [_times_of(t, c) for t, c in rows], now)
            return [Assessed(t, c, risks.get(t.id)) for t, c in rows], total
        stmt = queries.matching(user, replace(query, sort="due"), now)
        if stmt is None:
            return [], 0
        light = [_Times(*r) for r in session.execute(
            stmt.with_only_columns(*_TIME_COLUMNS).order_by(HumanTask.due_at.is_(None), HumanTask.due_at,
                                                              HumanTask.id).limit(self.scan))]
        total = len(light) if len(light) < self.scan else queries.count_for(session, user, replace(query, sort="due"), now)
        risks = self.estimate(session, light, now)
        ordered = sorted(light, key=lambda r: _by_risk(r, risks.get(r.id)))
        page = ordered[query.offset:query.offset + query.limit]
        return self._load(session, [r.id for r in page], risks), total

    def at_risk(self, session: Session, user: User, limit: int = 50, offset: int = 0) -> AtRiskPage:
        """Open officers' tasks in an admin's scope (any role: a coordinator sees the units' follow-ups
        too), not yet late, whose risk is at least the threshold; highest risk first."""
        if user.role not in ADMIN_TIER:
            raise Forbidden("the at-risk list is for admins")
        now = self.clock()
        stmt = (select(*_TIME_COLUMNS).join(Complaint, Complaint.id == HumanTask.complaint_id)
                .where(HumanTask.state == OPEN, HumanTask.kind == BPMN, HumanTask.role.in_(OFFICER_ROLES),
                       HumanTask.due_at > now, task_scope_filter(user))
                .order_by(HumanTask.due_at, HumanTask.id).limit(self.scan + 1))
        light = [_Times(*r) for r in session.execute(stmt)]
        capped = len(light) > self.scan
        light = light[:self.scan]
        risks = self.estimate(session, light, now)
        kept = sorted((r for r in light if (risk := risks.get(r.id)) is not None and risk.probability >= self.threshold),
                      key=lambda r: _by_risk(r, risks.get(r.id)))
        page = kept[offset:offset + limit]
        return AtRiskPage(self._load(session, [r.id for r in page], risks), len(kept), len(light), capped,
                          self.threshold)

    # -- estimates ---------------------------------------------------------------------------------
    def estimate(self, session: Session, tasks: list[_Times], now: datetime | None = None) -> dict[int, Risk]:
        """The risk of each task that has one (officer's diagram step, a due date still ahead)."""
        now = now or self.clock()
        eligible = [t for t in tasks if t.kind == BPMN and t.role in OFFICER_ROLES and t.due_at is not None
                    and t.created_at <= now < t.due_at]
        if not eligible:
            return {}
        curves = self._curves(session, {t.name for t in eligible}, now)
        result: dict[int, Risk] = {}
        for t in eligible:
            clock = self.clocks.of(self.policy.calendar(t.region_id))
            start = clock.at(t.created_at)
            risk = assess(curves[t.name], t.unit_id, t.instansi_id, clock.at(now) - start,
                          clock.at(t.due_at) - start, self.settings)  # type: ignore[arg-type]
            if risk is not None:
                result[t.id] = risk
        return result

    def _curves(self, session: Session, steps: set[str], now: datetime) -> dict[str, StepCurves]:
        fresh: dict[str, StepCurves] = {}
        tick = time.monotonic()
        for step in steps:
            cached = self._cache.get(step)
            if cached is not None and tick - cached[0] < self.cache_seconds \
                    and abs((now - cached[1]).total_seconds()) < self.cache_seconds:
                fresh[step] = cached[2]
        missing = steps - fresh.keys()
        if missing:
            loaded = self._load_history(session, missing, now)
            with self._lock:
                for step in missing:
                    self._cache[step] = (tick, now, loaded[step])
            fresh.update(loaded)
        return fresh

    def _load_history(self, session: Session, steps: set[str], now: datetime) -> dict[str, StepCurves]:
        """One query for the history of all ``steps``; their curves."""
        rows = session.execute(
            select(HumanTask.name, HumanTask.unit_id, HumanTask.instansi_id, Complaint.region_id, HumanTask.state,
                   HumanTask.created_at, HumanTask.completed_at)
            .join(Complaint, Complaint.id == HumanTask.complaint_id)
            .where(HumanTask.name.in_(sorted(steps)), HumanTask.kind == BPMN, HumanTask.role.in_(OFFICER_ROLES),
                   HumanTask.created_at >= now - self.history, HumanTask.created_at <= now))
        observations: dict[str, list[Observation]] = {step: [] for step in steps}
        calendars: dict[int | None, Any] = {}
        for name, unit_id, instansi_id, region_id, state, created, completed in rows:
            clock = calendars.get(region_id)
            if clock is None:
                clock = calendars[region_id] = self.clocks.of(self.policy.calendar(region_id))
            done = state == "completed" and completed is not None and completed <= now
            # a task ended without being completed (cancelled) is censored where it ended
            end = completed if completed is not None and completed <= now else now
            observations[name].append(Observation(unit_id, instansi_id, max(0.0, clock.at(end) - clock.at(created)),
                                                  done))
        return {step: build(rows) for step, rows in observations.items()}

    def _load(self, session: Session, ids: list[int], risks: dict[int, Risk]) -> list[Assessed]:
        """The page's tasks with their complaints (one query), in the order of ``ids``."""
        if not ids:
            return []
        found = {t.id: t for t in session.scalars(
            select(HumanTask).join(Complaint, Complaint.id == HumanTask.complaint_id)
            .options(contains_eager(HumanTask.complaint)).where(HumanTask.id.in_(ids)))}
        return [Assessed(found[i], found[i].complaint, risks.get(i)) for i in ids if i in found]


def _times_of(task: HumanTask, complaint: Complaint) -> _Times:
    return _Times(task.id, task.name, task.kind, task.role, task.unit_id, task.instansi_id, complaint.region_id,
                  task.created_at, task.due_at)


def _by_risk(row: _Times, risk: Risk | None) -> tuple:
    """Highest risk first; tasks without an estimate after them; then the soonest due, then the oldest."""
    return (risk is None, -(risk.probability if risk else 0.0), row.due_at is None, row.due_at or _FAR, row.id)
