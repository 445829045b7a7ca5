"""One complaint re-run through a process with the real engine and the real calendar, on a virtual clock.

The complaint arrives when it arrived. Each human task the process makes takes the working time the
same step took for this complaint (its k-th occurrence against the k-th time it happened), and is
answered as it was answered, so gateways take the same branches; a step this complaint never went
through (a new step, or one more round) takes a duration and an answer drawn, seeded, from that step's
history in the same unit, else instansi, else anywhere (:class:`Pools`). A step that was never done
(the reporter never answered, or it is still open) is never done in the replay either. Timers fire when
the candidate's calendar and limits say, by the engine itself (auto-closing included); the sweep's
reminders and escalations follow from the times (:mod:`workflows.sla.timing`). Nothing touches a
database: everything the diagram asks (``sla_due`` ...) reads the candidate's :class:`Rules`.
"""
from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from engine.forms import FormInvalid
from engine.runtime import Engine, EngineError, ReadyTask
from sla.calendar import BusinessCalendar

from ..accounts.roles import OFFICER_ROLES, task_role
from ..clock import ManualClock
from ..sla import diagram_functions, pause, timing
from ..sla.policy import Rules
from .records import PastComplaint, Path, TaskRun, queue_of

MAX_EVENTS = 300          # a complaint still moving after this many steps is reported, not looped on
MIN_POOL = 5              # fewer observations than this in a unit: draw from the instansi, then everywhere
UNKNOWN_STEP_SECONDS = 8 * 3600  # a step with no history anywhere: one working day (said in the report)


@dataclass(frozen=True)
class Diagram:
    key: str          # e.g. "v12" (a deployed version) or "d3" (a draft)
    bpmn_xml: str
    process_id: str


class Pools:
    """Past durations (working seconds) and answers of each step, by unit, instansi and overall."""

    def __init__(self, pasts: list[PastComplaint], calendar_of) -> None:
        self.entries: dict[tuple, list[tuple[int, dict[str, Any]]]] = {}
        for past in pasts:
            cal = calendar_of(past.region_id)
            for step in past.steps:
                if step.completed_at is None:
                    continue
                entry = (cal.working_seconds_between(step.created_at, step.completed_at), step.answer)
                for key in ((step.name, "u", step.unit_id), (step.name, "i", step.instansi_id), (step.name, "*")):
                    if None not in key:
                        self.entries.setdefault(key, []).append(entry)

    def draw(self, rng: random.Random, name: str, unit_id: int | None, instansi_id: int | None
             ) -> tuple[int, dict[str, Any]] | None:
        for key in ((name, "u", unit_id), (name, "i", instansi_id), (name, "*")):
            found = self.entries.get(key)
            if found and (len(found) >= MIN_POOL or key[1] == "*"):
                return found[rng.randrange(len(found))]
        return None


@dataclass
class _Waiting:
    ready: ReadyTask
    role: str
    at: datetime
    done_at: datetime | None      # planned
    answer: dict[str, Any] | None
    unit_id: int | None
    instansi_id: int | None


class Simulator:
    """Replays complaints through diagrams under one set of rules; one per worker process (the engine
    parses each diagram once)."""

    def __init__(self, diagrams: Mapping[str, Diagram], rules: Rules, measured_by: Rules, pools: Pools,
                 seed: int, horizon: datetime) -> None:
        self.diagrams = diagrams
        self.rules = rules
        self.measured_by = measured_by  # the calendar the history's working times are read with
        self.pools = pools
        self.seed = seed
        self.horizon = horizon
        self.clock = ManualClock(datetime(2000, 1, 1, tzinfo=timezone.utc))
        self.engine = Engine(diagram_functions.build(self.clock, rules), clock=self.clock,
                             decisions=lambda ref, data: None)  # (suggestions only pre-fill forms)
        self.unknown_steps: set[str] = set()

    def run(self, past: PastComplaint, diagram_key: str) -> Path:
        diagram = self.diagrams[diagram_key]
        loaded = self.engine.spec(("replay", diagram.key), diagram.bpmn_xml, diagram.process_id)
        calendar = self.rules.calendar(past.region_id)
        self.clock.set(past.arrived_at)
        data = {"complaint_id": past.id, "tracking_id": past.tracking_id, "instansi_id": past.instansi_id,
                "unit_id": None, "region_id": past.region_id, "type": past.type, "category": past.category}
        runs: list[TaskRun] = []
        waiting: dict[str, _Waiting] = {}
        seen: dict[str, int] = {}
        try:
            workflow, _ = self.engine.start(loaded, data)
            for _ in range(MAX_EVENTS):
                now = self.clock()
                ready_ids = self.engine.ready_ids(workflow)
                for task_id in ready_ids:
                    if task_id not in waiting:
                        waiting[task_id] = self._plan(workflow, task_id, past, seen, calendar, now)
                for task_id in [t for t in waiting if t not in ready_ids]:  # gone: an interrupting timer
                    runs.append(self._finish(waiting.pop(task_id), past, calendar, now, cancelled=True))
                if self.engine.is_completed(workflow):
                    break
                planned = min(((w.done_at, task_id) for task_id, w in waiting.items() if w.done_at is not None),
                              default=None)
                timer = min((t.due_at for t in self.engine.pending_timers(workflow)), default=None)
                if planned is not None and (timer is None or planned[0] <= timer):
                    if planned[0] > self.horizon:
                        break
                    self.clock.set(max(planned[0], now))
                    runs.append(self._complete(workflow, waiting.pop(planned[1]), past, calendar))
                elif timer is not None and timer <= self.horizon:
                    self.clock.set(max(timer, now))
                    self.engine.fire_due_timers(workflow)
                else:
                    break
            else:
                raise EngineError(f"still moving after {MAX_EVENTS} steps")
        except (EngineError, FormInvalid) as exc:
            return Path(past.id, past.region_id, past.instansi_id, past.arrived_at.timestamp(), None, None, None,
                        tuple(runs), error=str(exc)[:300])
        end = self.clock() if self.engine.is_completed(workflow) else None
        runs.extend(self._finish(w, past, calendar, None) for w in waiting.values())
        outcome = self.engine.final_properties(workflow).get("outcome") if end is not None else None
        instansi_id = self.engine.data(workflow).get("instansi_id")  # (where triage or a transfer left it)
        return Path(past.id, past.region_id, instansi_id if isinstance(instansi_id, int) else past.instansi_id,
                    past.arrived_at.timestamp(), outcome,
                    end.timestamp() if end else None,
                    calendar.working_seconds_between(past.arrived_at, end) if end else None,
                    tuple(sorted(runs, key=lambda r: r.ready_at)))

    # -- internals -------------------------------------------------------------------------------
    def _plan(self, workflow, task_id: str, past: PastComplaint, seen: dict[str, int], calendar: BusinessCalendar,
              now: datetime) -> _Waiting:
        """When the task will be done and with what answer: the k-th time this step happened, else drawn."""
        ready = self.engine.ready_task(workflow, task_id)
        k = seen.get(ready.name, 0)
        seen[ready.name] = k + 1
        unit_id = ready.data.get("unit_id") if isinstance(ready.data.get("unit_id"), int) else None
        instansi_id = ready.data.get("instansi_id") if isinstance(ready.data.get("instansi_id"), int) else None
        role = task_role(ready.candidate_groups, ready.lane) or ""
        happened = [s for s in past.steps if s.name == ready.name]
        if k < len(happened):
            step = happened[k]
            if step.completed_at is None:
                return _Waiting(ready, role, now, None, None, unit_id, instansi_id)
            seconds = self.measured_by.calendar(past.region_id).working_seconds_between(
                step.created_at, step.completed_at)
            done = calendar.add_working_seconds(now, seconds) if seconds > 0 \
                else now + (step.completed_at - step.created_at)
            return _Waiting(ready, role, now, done, dict(step.answer), unit_id, instansi_id)
        rng = random.Random(f"{self.seed}:{past.id}:{ready.name}:{k}")
        drawn = self.pools.draw(rng, ready.name, unit_id, instansi_id)
        if drawn is None:
            self.unknown_steps.add(ready.name)
            drawn = (UNKNOWN_STEP_SECONDS, {})
        return _Waiting(ready, role, now, calendar.add_working_seconds(now, drawn[0]), dict(drawn[1]),
                        unit_id, instansi_id)

    def _complete(self, workflow, waiting: _Waiting, past: PastComplaint, calendar: BusinessCalendar) -> TaskRun:
        ready, now = waiting.ready, self.clock()

        def prepare(ready_now: ReadyTask, cleaned: dict[str, Any]) -> dict[str, Any]:
            after = pause.after_answer(ready_now.properties, ready_now.data, cleaned, ready.due_at, calendar, now)
            return {"sla_remaining": after.remaining} if after is not None else {}

        fields = [f["id"] for f in (ready.form or {}).get("fields", [])]
        answer = {k: v for k, v in (waiting.answer or {}).items() if k in fields}
        try:
            self.engine.complete(workflow, ready.id, answer, prepare)
        except FormInvalid:  # the candidate's form asks otherwise: answer it as a designer's default would
            self.engine.complete(workflow, ready.id, _fill(ready.form, answer, past), prepare)
        return self._finish(waiting, past, calendar, now)

    def _finish(self, waiting: _Waiting, past: PastComplaint, calendar: BusinessCalendar, done: datetime | None,
                cancelled: bool = False) -> TaskRun:
        ready = waiting.ready
        officer = waiting.role in OFFICER_ROLES
        end = done or self.horizon
        due = ready.due_at
        late = officer and due is not None and end > due
        chain = self.rules.chain(past.region_id)
        return TaskRun(
            name=ready.name, role=waiting.role,
            unit_key=queue_of(waiting.role, waiting.unit_id, waiting.instansi_id, past.region_id),
            instansi_id=waiting.instansi_id, ready_at=waiting.at.timestamp(),
            done_at=done.timestamp() if done else None, due_at=due.timestamp() if due else None, late=late,
            escalations=timing.escalations(calendar, chain, waiting.role, due, end) if officer else 0,
            reminded=officer and timing.reminded(calendar, self.rules.reminder_share, waiting.at, due, end),
            working_seconds=calendar.working_seconds_between(waiting.at, done) if done and not cancelled else None,
            cancelled=cancelled, officer=officer)


def _fill(form: dict[str, Any] | None, answer: dict[str, Any], past: PastComplaint) -> dict[str, Any]:
    """An answer the form accepts: what was answered where it fits, else the field's default, the first
    option, the complaint's own unit or instansi, or a placeholder text."""
    filled = dict(answer)
    for f in (form or {}).get("fields", []):
        if filled.get(f["id"]) not in (None, ""):
            continue
        if f.get("default") not in (None, ""):
            filled[f["id"]] = f["default"]
        elif f.get("type") == "enum" and f.get("options"):
            filled[f["id"]] = f["options"][0]["id"]
        elif f.get("ref") == "unit":
            filled[f["id"]] = past.unit_id
        elif f.get("ref") == "instansi":
            filled[f["id"]] = past.instansi_id
        elif f.get("type") == "boolean":
            filled[f["id"]] = True
        elif f.get("type") == "string":
            filled[f["id"]] = "replay"
    return {k: v for k, v in filled.items() if v is not None}
