"""The engine's share of one task completion, as the request path called it before ADR 0007 (read
every ready task, validate, then complete, which validated again) and as it does now (complete once:
one lookup, one validation, a prepare hook), interleaved in one process on the same stored states.

    .venv/bin/python bench/completion_path.py [--rounds 7] [--repeat 300]   (rounds x repeat completions per path)

Both paths then save the same way (the ready tasks after the step, the serialized state); that part
is measured too, so the share the change saves is seen against the whole engine work.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.forms import validate  # noqa: E402
from engine.runtime import Engine  # noqa: E402
from engine.sandbox import task_data_helper  # noqa: E402

SOP = ROOT / "bpmn" / "sop_nasional.bpmn"
FAR = "2099-01-01T00:00:00+00:00"
ANSWERS = {"verify": {"action": "dispatch", "unit_id": 1}, "follow_up": {"follow_up_text": "Sudah ditangani."},
           "reporter_response": {"satisfied": True, "rating": "puas"}}


def states(engine: Engine, loaded) -> list[tuple[str, str]]:
    """The stored state before each human step of one lifecycle, with the step's name."""
    workflow, _ = engine.start(loaded, {"region_id": 1, "instansi_id": 1})
    out = []
    while True:
        ready = engine.ready_tasks(workflow)
        if not ready:
            return out
        out.append((engine.dump(workflow), ready[0].name))
        engine.complete(workflow, ready[0].id, ANSWERS[ready[0].name])


def before(engine: Engine, loaded, state: str, name: str) -> None:
    workflow = engine.load(loaded, state)
    ready = next(t for t in engine.ready_tasks(workflow) if t.name == name)
    validate(ready.form, ANSWERS[name])
    engine.complete(workflow, ready.id, ANSWERS[name])
    _save(engine, workflow)


def after(engine: Engine, loaded, state: str, name: str, task_ids: dict[str, str]) -> None:
    workflow = engine.load(loaded, state)
    engine.complete(workflow, task_ids[state], ANSWERS[name], lambda ready, cleaned: {})
    _save(engine, workflow)


def _save(engine: Engine, workflow) -> None:
    engine.ready_tasks(workflow)
    engine.pending_timers(workflow)
    engine.dump(workflow)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=300, help="completions per path and round")
    args = parser.parse_args()
    engine = Engine(functions={"sla_due": task_data_helper(lambda data, step: FAR)})
    loaded = engine.spec("bench", SOP.read_text(encoding="utf-8"), "sop_nasional")
    cases = states(engine, loaded)
    # the task row knows its engine task id (the projection stores it); look it up once here
    task_ids = {state: engine.ready_tasks(engine.load(loaded, state))[0].id for state, _ in cases}
    # Alternate the two paths completion by completion on the same state, so the machine's drift
    # (a shared VM) falls on both alike; report the medians of the single completions.
    results: dict[str, list[float]] = {"before": [], "after": []}
    for i in range(args.rounds * args.repeat):
        state, name = cases[i % len(cases)]
        order = ("before", "after") if i % 2 == 0 else ("after", "before")
        for path in order:
            began = time.perf_counter()
            if path == "before":
                before(engine, loaded, state, name)
            else:
                after(engine, loaded, state, name, task_ids)
            results[path].append((time.perf_counter() - began) * 1000)
    for path, values in results.items():
        q = statistics.quantiles(values, n=4)
        print(f"{path:6s}: median {statistics.median(values):.3f} ms per completion "
              f"(quartiles {q[0]:.3f}-{q[2]:.3f}, n = {len(values)})")
    saved = statistics.median(results["before"]) - statistics.median(results["after"])
    pairs = [b - a for b, a in zip(results["before"], results["after"])]
    print(f"saved: {saved:.3f} ms per completion ({saved / statistics.median(results['before']):.0%}); "
          f"median of paired differences {statistics.median(pairs):.3f} ms")

if __name__ == "__main__":
    main()
