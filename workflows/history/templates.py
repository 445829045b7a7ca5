"""A finished process state for each way a complaint can end (archived, closed, closed without an
answer), made once per import by running the real engine through that path on a private clock.

An imported complaint's instance stores the state of its outcome, so everything that reads
instances (``aduan check``, the complaint page) finds a finished process that ended where the
complaint did.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from engine.runtime import Engine, LoadedSpec

from ..sla import diagram_functions
from ..sla.policy import SlaPolicy
from .importer import ARCHIVED, AUTO_CLOSED, CLOSED

START = datetime(2001, 1, 8, 2, 0, tzinfo=timezone.utc)  # a Monday morning in Jakarta


class _Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def finished_states(loaded: LoadedSpec, policy: SlaPolicy, region_id: int | None) -> dict[str, str]:
    """The serialized finished state for each outcome."""
    states = {}
    for outcome in (ARCHIVED, CLOSED, AUTO_CLOSED):
        clock = _Clock()
        engine = Engine(functions=diagram_functions.build(clock, policy), clock=clock, decisions=None)
        data = {"complaint_id": 0, "tracking_id": "", "instansi_id": 0, "unit_id": None, "region_id": region_id,
                "type": "pengaduan", "category": ""}
        workflow, _ = engine.start(loaded, data)

        def answer(name: str, values: dict) -> None:
            ready = [t for t in engine.ready_tasks(workflow) if t.name == name]
            if not ready:
                raise RuntimeError(f"the live SOP does not reach {name!r} on the {outcome} path")
            engine.complete(workflow, ready[0].id, values)

        if outcome == ARCHIVED:
            answer("verify", {"action": "archive", "note": "-"})
        else:
            answer("verify", {"action": "dispatch", "unit_id": 1, "tier": "normatif"})
            answer("follow_up", {"follow_up_text": "-"})
            if outcome == CLOSED:
                answer("reporter_response", {"satisfied": True, "rating": "puas"})
            else:
                clock.now = START + timedelta(days=400)
                engine.fire_due_timers(workflow)
        if not engine.is_completed(workflow) or engine.final_properties(workflow).get("outcome") != outcome:
            raise RuntimeError(f"the live SOP does not end {outcome!r} on the imported path")
        states[outcome] = engine.dump(workflow)
    return states
