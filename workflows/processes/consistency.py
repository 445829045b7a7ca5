"""``aduan check``: the invariants that hold between a process instance and everything that mirrors it.

After an incident (a killed process, a database restart, a restore from backup) an operator runs it
to learn whether anything is out of step. For every instance, in batches:

* **projection** -- the open diagram-task rows are exactly the engine's ready human tasks, and a
  finished instance has none;
* **timers** -- every timer the engine waits on has a pending ``timer`` deadline due at the same
  moment, and no pending timer or reminder deadline is left without its timer;
* **status** -- the complaint's status is what the engine's state says (the ready task's, or the end
  event's), and a complaint is closed exactly when its instance has finished;
* **audit trail** -- it begins with the submission, every completed diagram task has its
  ``task_completed`` event, and its moments never go back in time.

Nothing is changed: the problems are reported (tracking ID, what and why) for a person to judge.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ..audit import AuditEvent
from ..complaints.models import Complaint
from ..sla.models import Deadline
from ..tasks.models import HumanTask
from ..tasks.projection import OPEN
from .models import ProcessInstance
from .progress import Progress

BATCH = 500
SAME_MOMENT = timedelta(seconds=1)  # a timer's due moment and its row's, after storage rounding


@dataclass(frozen=True)
class Problem:
    invariant: str      # projection | timers | status | audit | instance
    tracking_id: str
    detail: str


@dataclass
class Report:
    instances: int = 0
    complaints: int = 0
    problems: list[Problem] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def check(sessions: sessionmaker[Session], progress: Progress, batch: int = BATCH) -> Report:
    report = Report(problems=[])
    with sessions() as db:
        report.complaints = db.scalar(select(func.count()).select_from(Complaint)) or 0
        without = db.scalars(select(Complaint.tracking_id).where(
            ~select(ProcessInstance.id).where(ProcessInstance.complaint_id == Complaint.id).exists())).all()
        report.problems.extend(Problem("instance", t, "the complaint has no process instance") for t in without)
    for chunk in _chunks(sessions, batch):
        with sessions() as db:
            report.instances += len(chunk)
            report.problems.extend(_check_chunk(db, progress, chunk))
    return report


def _chunks(sessions: sessionmaker[Session], batch: int) -> Iterator[list[int]]:
    last = 0
    while True:
        with sessions() as db:
            ids = list(db.scalars(select(ProcessInstance.id).where(ProcessInstance.id > last)
                                  .order_by(ProcessInstance.id).limit(batch)))
        if not ids:
            return
        yield ids
        last = ids[-1]


def _check_chunk(db: Session, progress: Progress, ids: list[int]) -> list[Problem]:
    instances = list(db.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(ids))))
    complaints = {c.id: c for c in db.scalars(select(Complaint).where(
        Complaint.id.in_([i.complaint_id for i in instances])))}
    open_rows: dict[int, list[HumanTask]] = defaultdict(list)
    for row in db.scalars(select(HumanTask).where(HumanTask.instance_id.in_(ids), HumanTask.state == OPEN,
                                                  HumanTask.kind == "bpmn")):
        open_rows[row.instance_id].append(row)
    pending: dict[int, dict[str, Deadline]] = defaultdict(dict)
    for row in db.scalars(select(Deadline).where(Deadline.instance_id.in_(ids), Deadline.state == "pending",
                                                 Deadline.kind.in_(("timer", "reminder")))):
        pending[row.instance_id][row.key] = row
    completed_tasks = Counter(dict(db.execute(select(HumanTask.complaint_id, func.count()).where(
        HumanTask.instance_id.in_(ids), HumanTask.kind == "bpmn", HumanTask.state == "completed")
        .group_by(HumanTask.complaint_id)).all()))
    events: dict[int, list[AuditEvent]] = defaultdict(list)
    for event in db.scalars(select(AuditEvent).where(AuditEvent.complaint_id.in_(list(complaints)))
                            .order_by(AuditEvent.complaint_id, AuditEvent.id)):
        events[event.complaint_id].append(event)

    problems: list[Problem] = []
    engine = progress.engine
    for instance in instances:
        complaint = complaints[instance.complaint_id]
        tid = complaint.tracking_id

        def problem(invariant: str, detail: str) -> None:
            problems.append(Problem(invariant, tid, detail))

        try:
            workflow = progress.open(db, instance)
        except Exception as exc:  # a state the engine cannot read is itself the finding
            problem("instance", f"the stored state cannot be read: {exc}")
            continue
        ready = engine.ready_tasks(workflow)
        finished = engine.is_completed(workflow)
        # projection
        wanted = {t.id: t.name for t in ready}
        have = {r.spiff_task_id: r.name for r in open_rows[instance.id]}
        for spiff_id, name in wanted.items():
            if spiff_id not in have:
                problem("projection", f"the engine waits at {name!r} but no open task row shows it")
        for spiff_id, name in have.items():
            if spiff_id not in wanted:
                problem("projection", f"open task row {name!r} has no ready task in the engine")
        if instance.completed != finished:
            problem("projection", f"the instance row says completed={instance.completed}, the engine {finished}")
        # timers
        timers = {f"timer:{t.id}": t for t in engine.pending_timers(workflow)}
        rows = pending[instance.id]
        for key, timer in timers.items():
            row = rows.get(key)
            if row is None:
                problem("timers", f"the engine waits on timer {timer.name!r} (due {timer.due_at:%Y-%m-%d %H:%M} UTC) "
                                  "but no pending deadline fires it")
            elif abs(row.due_at - timer.due_at) > SAME_MOMENT:
                problem("timers", f"timer {timer.name!r} is due {timer.due_at:%Y-%m-%d %H:%M} UTC, its deadline "
                                  f"{row.due_at:%Y-%m-%d %H:%M} UTC")
        for key, row in rows.items():
            timer_key = "timer:" + key.split(":", 1)[1]
            if timer_key not in timers:
                problem("timers", f"pending {row.kind} deadline {key} has no waiting timer in the engine")
        # status
        expected = progress.status_of(workflow, ready, open_rows[instance.id])
        if expected is not None and expected != complaint.status:
            problem("status", f"status is {complaint.status!r}, the process says {expected!r}")
        if finished != (complaint.closed_at is not None):
            problem("status", "closed_at is set but the process runs on" if not finished
                    else "the process has ended but the complaint is not closed")
        # audit trail
        trail = events[complaint.id]
        if not trail or trail[0].action != "submitted":
            problem("audit", "the audit trail does not begin with the submission")
        answered = sum(1 for e in trail if e.action == "task_completed")
        if answered != completed_tasks[complaint.id]:
            problem("audit", f"{completed_tasks[complaint.id]} completed tasks but {answered} task_completed events")
        for before, after in zip(trail, trail[1:]):
            if after.at < before.at - SAME_MOMENT:
                problem("audit", f"event {after.id} ({after.action}) is dated before event {before.id}")
                break
    return problems
