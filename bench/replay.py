"""Benchmark 7: the what-if replay (issue 15, "fast enough to use before every deploy").

1. Same-path ratio. On the same past complaints (the first ``--sample`` of the year), interleaved for
   ``--rounds`` rounds in one process, medians:
   (a) the engine alone on the same path: ``Engine.start``, then each human task completed with the answer
       its history recorded, the clock (a ManualClock) moved to when it was done, due timers fired
       when they come first -- nothing else (no replay bookkeeping, no database);
   (b) the replay's own speed, live scenario only (``Simulator.run`` on the live version and rules);
   (c) the full replay in one process (``runner.run(processes=1)``: as-it-happened tally, live and a
       candidate with verify in 2WD, the report).
   The issue's goal: (b)/(a) >= 0.5.
2. A year of a large province: ``--complaints`` past complaints (default 100,000) of Jawa Barat imported
   through the importer into a cached SQLite file, then ``service.request + claim + execute`` as
   ``aduan replay --region 32 --limit verify=2WD`` does, with 2 processes and with 1, each in a fresh
   process: wall time, the time to read the history, replay time, complaints/s, peak memory (VmHWM) of
   the main process and of a worker.

    .venv/bin/python bench/replay.py [--complaints 100000] [--sample 3000] [--rounds 5]
                                     [--processes 2 1] [--skip-year] [--skip-ratio] [--json]

The database is built once (~3 min for 100k) at /tmp/bench_replay_<N>_<seed>.sqlite3 and reused.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from workflows import demo  # noqa: E402
from workflows.clock import ManualClock  # noqa: E402
from workflows.complaints.models import Complaint  # noqa: E402
from workflows.db import transaction  # noqa: E402
from workflows.history import importer  # noqa: E402
from workflows.history.rows import RawRow  # noqa: E402
from workflows.org.models import Region  # noqa: E402
from workflows.processes.models import ProcessDefinition  # noqa: E402
from workflows.replay import history, runner, service  # noqa: E402
from workflows.replay.runner import Changes, Job  # noqa: E402
from workflows.replay.simulate import Diagram, Pools, Simulator  # noqa: E402
from workflows.service import Aduan  # noqa: E402
from workflows.sla import diagram_functions  # noqa: E402
from workflows.sla.policy import load_rules  # noqa: E402

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 1, 5, 10, 0, tzinfo=WIB)   # the history ends 3 days before: a year of 2025
PROVINCE = "32"                                  # Jawa Barat: the demo's province and its three regencies
CANDIDATE = {"verify": "2WD"}                    # the live limit is 3WD
SEED = 20250101
BATCH = 10_000                                   # rows per import transaction
PARTIAL = Path("/tmp/bench_replay_last.json")   # what is measured so far (a long run stopped half-way)


def say(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def vm_hwm_mb(pid: int | str = "self") -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


# -- the history -------------------------------------------------------------------------------------
def database_path(complaints: int, seed: int) -> Path:
    return Path(f"/tmp/bench_replay_{complaints}_{seed}.sqlite3")


def year_rows(services: Aduan, complaints: int, seed: int, days: int = demo.HISTORY_DAYS) -> list[dict]:
    """``complaints`` finished complaints of the demo's province over ``days`` days ending 3 days before
    now, drawn like the demo's history (``demo._history_row``: same instansi mix, durations, archived,
    deferred, reopened and unanswered reports) at a rate scaled up to the count, then thinned (seeded)
    to exactly the count."""
    places = demo.history_places(services)
    rng = random.Random(seed)
    end = services.clock() - timedelta(days=3)
    first_day = (end - timedelta(days=days)).date()
    weight = sum(demo.HISTORY_PER_DAY.get(code, 1.0) for code, _r, _i, units in places if units)
    effective_days = sum(0.35 if (first_day + timedelta(days=d)).weekday() >= 5 else 1.0 for d in range(days))
    scale = 1.1 * complaints / (weight * effective_days)
    rows: list[dict] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        for code, region_code, region_id, units in places:
            if not units:
                continue
            rate = scale * demo.HISTORY_PER_DAY.get(code, 1.0) * (0.35 if day.weekday() >= 5 else 1.0)
            for _ in range(_poisson(rng, rate)):
                row = demo._history_row(rng, services, code, region_code, region_id, units, day, end, len(rows) + 1)
                if row is not None:
                    rows.append(row)
    if len(rows) < complaints:
        raise RuntimeError(f"drew {len(rows)} rows, fewer than {complaints}")
    keep = sorted(rng.sample(range(len(rows)), complaints))
    return [rows[i] for i in keep]


def _poisson(rng: random.Random, rate: float) -> int:
    """Poisson by sums of halves (demo._poisson underflows for rates above ~700)."""
    if rate > 50:
        return _poisson(rng, rate / 2) + _poisson(rng, rate / 2)
    return demo._poisson(rng, rate)


def build(complaints: int, seed: int) -> Path:
    """The cached database of ``complaints`` past complaints (built once: org as in the demo, then rows
    through ``importer.import_rows`` in batches)."""
    from migrations import upgrade
    path = database_path(complaints, seed)
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    url = f"sqlite:///{partial}"
    began = time.perf_counter()
    upgrade(url)
    services = Aduan(url, clock=ManualClock(NOW))
    next(demo.seed(services))  # (the first step only: regions, instansi, units, officers, the bundled SOP)
    rows = year_rows(services, complaints, seed)
    drawn = time.perf_counter() - began
    say(f"{len(rows):,} rows drawn in {drawn:.0f} s; importing")
    for start in range(0, len(rows), BATCH):
        batch = [RawRow(start + n, fields) for n, fields in enumerate(rows[start:start + BATCH], 1)]
        result = importer.import_rows(services.sessions, services.registry, services.policy, batch, services.clock(),
                                      source="bench")
        if result.rejected:
            raise RuntimeError(f"rows refused: {result.rejected[:3]}")
        say(f"  {start + len(batch):,} imported ({time.perf_counter() - began:.0f} s)")
    services.sql_engine.dispose()
    partial.rename(path)
    say(f"built {path} in {time.perf_counter() - began:.0f} s")
    return path


def services_of(path: Path) -> Aduan:
    return Aduan(f"sqlite:///{path}", clock=ManualClock(NOW))


def period(services: Aduan) -> tuple[date, date]:
    with transaction(services.sessions) as db:
        first, last = db.execute(select(func.min(Complaint.received_on), func.max(Complaint.received_on))).one()
    return first, last


# -- 1. the same-path ratio ------------------------------------------------------------------------------
class EngineAlone:
    """The engine on a replayed complaint's path, nothing else: start, complete each human task with
    the answer its history recorded when it was done, fire timers that come first."""

    def __init__(self, diagrams: dict[str, Diagram], rules) -> None:
        from engine.runtime import Engine
        self.clock = ManualClock(NOW)
        self.engine = Engine(diagram_functions.build(self.clock, rules), clock=self.clock,
                             decisions=lambda ref, data: None)
        self.loaded = {key: self.engine.spec(("bench", d.key), d.bpmn_xml, d.process_id) for key, d in diagrams.items()}
        self.fields = {key: {name: {f["id"] for f in form.get("fields", [])}
                             for name, form in self.engine.forms(loaded).items()}
                       for key, loaded in self.loaded.items()}
        self.completed = self.fired = 0

    def run(self, past, key: str):
        from SpiffWorkflow.util.task import TaskState
        engine, clock, fields = self.engine, self.clock, self.fields[key]
        clock.set(past.arrived_at)
        workflow, _ = engine.start(self.loaded[key], {
            "complaint_id": past.id, "tracking_id": past.tracking_id, "instansi_id": past.instansi_id,
            "unit_id": None, "region_id": past.region_id, "type": past.type, "category": past.category})
        steps: dict[str, list] = {}
        for step in past.steps:
            steps.setdefault(step.name, []).append(step)
        used: dict[str, int] = {}
        for _ in range(300):
            doable = None
            for task in workflow.get_tasks(state=TaskState.READY, manual=True):
                name = task.task_spec.name
                happened = steps.get(name, ())
                k = used.get(name, 0)
                if k < len(happened) and happened[k].completed_at is not None and (
                        doable is None or happened[k].completed_at < doable[1].completed_at):
                    doable = (task, happened[k])
            timers = engine.pending_timers(workflow)
            timer = min((t.due_at for t in timers), default=None)
            if doable is not None and (timer is None or doable[1].completed_at <= timer):
                task, step = doable
                used[task.task_spec.name] = used.get(task.task_spec.name, 0) + 1
                clock.set(max(step.completed_at, clock()))
                allowed = fields.get(task.task_spec.name, ())
                engine.complete(workflow, str(task.id), {k: v for k, v in step.answer.items() if k in allowed})
                self.completed += 1
            elif timer is not None:
                clock.set(max(timer, clock()))
                engine.fire_due_timers(workflow)
                self.fired += 1
            else:
                break
            if engine.is_completed(workflow):
                break
        return workflow


def ratio(services: Aduan, sample: int, rounds: int, seed: int) -> dict:
    first, last = period(services)
    with transaction(services.sessions) as db:
        region = db.scalars(select(Region).where(Region.code == PROVINCE)).one()
        scope = history.Scope(first, first + timedelta(days=40), region.id)
        began = time.perf_counter()
        pasts = list(history.load(db, services.registry, scope))[:sample]
        read_s = time.perf_counter() - began
        rules = load_rules(db, services.policy.reminder_share)
        definitions = {d.id: d for d in db.scalars(select(ProcessDefinition).where(
            ProcessDefinition.id.in_({p.live_definition for p in pasts})))}
    diagrams = {f"v{d.id}": Diagram(f"v{d.id}", d.bpmn_xml, d.key) for d in definitions.values()}
    candidate = Changes(limits={(k, ""): v for k, v in CANDIDATE.items()}, scope=region.id).apply(rules)
    observed = NOW.astimezone(WIB)
    job = Job(pasts, diagrams, {}, rules, candidate, seed, observed)
    pools = Pools(pasts, rules.calendar)
    keys = [f"v{p.live_definition}" for p in pasts]
    alone = EngineAlone(diagrams, rules)
    live = Simulator(diagrams, rules, rules, pools, seed, observed)
    for past, key in list(zip(pasts, keys))[:50]:  # warm: parse, caches
        alone.run(past, key)
        live.run(past, key)
    # The same path? Outcomes and completed tasks of the engine alone against the replay's live scenario.
    same_outcome = same_tasks = errors = 0
    for past, key in zip(pasts, keys):
        before = alone.completed
        outcome = alone.engine.final_properties(alone.run(past, key)).get("outcome")
        path = live.run(past, key)
        errors += path.error is not None
        same_outcome += outcome == path.outcome
        same_tasks += alone.completed - before == sum(1 for r in path.tasks if r.done_at is not None and not r.cancelled)
    alone.completed = alone.fired = 0
    results: dict[str, list[float]] = {"engine": [], "replay_live": [], "replay_full": []}
    live_runs = 0
    for number in range(1, rounds + 1):
        began = time.perf_counter()
        for past, key in zip(pasts, keys):
            alone.run(past, key)
        results["engine"].append(len(pasts) / (time.perf_counter() - began))
        began = time.perf_counter()
        paths = [live.run(past, key) for past, key in zip(pasts, keys)]
        results["replay_live"].append(len(pasts) / (time.perf_counter() - began))
        live_runs = sum(1 for p in paths for r in p.tasks if r.done_at is not None and not r.cancelled)
        began = time.perf_counter()
        runner.run(job, {"regions": {}, "instansi": {None: "—"}, "queues": {}, "steps": {}}, {}, processes=1)
        results["replay_full"].append(len(pasts) / (time.perf_counter() - began))
        say(f"round {number}: engine {results['engine'][-1]:.0f}/s, replay (live) {results['replay_live'][-1]:.0f}/s, "
            f"full replay {results['replay_full'][-1]:.0f}/s (load {loadavg()})")
    engine_per_s = statistics.median(results["engine"])
    live_per_s = statistics.median(results["replay_live"])
    full_per_s = statistics.median(results["replay_full"])
    rounds_done = rounds
    return {"complaints": len(pasts), "period": [first.isoformat(), (first + timedelta(days=40)).isoformat()],
            "read_s": read_s, "rounds": rounds, "engine_per_s": engine_per_s, "replay_live_per_s": live_per_s,
            "replay_full_per_s": full_per_s, "ratio": live_per_s / engine_per_s,
            "full_ms_per_complaint": 1000 / full_per_s, "live_ms_per_complaint": 1000 / live_per_s,
            "engine_ms_per_complaint": 1000 / engine_per_s,
            "engine_tasks_per_complaint": alone.completed / (len(pasts) * rounds_done) if pasts else 0,
            "engine_timers_per_complaint": alone.fired / (len(pasts) * rounds_done) if pasts else 0,
            "replay_tasks_per_complaint": live_runs / len(pasts) if pasts else 0,
            "same_outcome": same_outcome, "same_task_count": same_tasks, "replay_errors": errors,
            "all": results, "load": loadavg()}


# -- 2. a year of a province ---------------------------------------------------------------------------
class Peaks(threading.Thread):
    """VmHWM of this process's descendants (the forkserver's workers), polled while the replay runs."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.peaks: dict[int, float] = {}

    def descendants(self) -> list[int]:
        parents: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                    parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    pass
        mine, found = {os.getpid()}, True
        while found:
            found = False
            for pid, parent in parents.items():
                if parent in mine and pid not in mine:
                    mine.add(pid)
                    found = True
        return sorted(mine - {os.getpid()})

    def run(self) -> None:
        while not self.stop.wait(0.5):
            for pid in self.descendants():
                peak = vm_hwm_mb(pid)
                if peak is not None:
                    self.peaks[pid] = max(peak, self.peaks.get(pid, 0))


def year(path: Path, processes: int, seed: int) -> dict:
    """One ``aduan replay``-equivalent run over the whole database (run in a fresh process)."""
    services = services_of(path)
    first, last = period(services)
    timings: dict[str, float] = {}
    original = service._job

    def timed_job(*args, **kwargs):
        began = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            timings["read_s"] = time.perf_counter() - began
    service._job = timed_job

    def timed_pools(*args, **kwargs) -> Pools:  # built in the calling process before the workers start
        began = time.perf_counter()
        try:
            return Pools(*args, **kwargs)
        finally:
            timings["pools_s"] = time.perf_counter() - began
    runner.Pools = timed_pools
    peaks = Peaks()
    peaks.start()
    began = time.perf_counter()
    req = service.Request(period_from=first, period_to=last, region_code=PROVINCE, seed=seed,
                          limits=dict(CANDIDATE), label="bench/replay.py")
    with transaction(services.sessions) as db:
        run_id = service.request(db, None, req, services.clock()).id
    with transaction(services.sessions) as db:
        assert service.claim(db, services.clock(), run_id) is not None
    done = service.execute(services.sessions, services.registry, services.policy, services.clock, run_id,
                           processes=processes)
    wall = time.perf_counter() - began
    peaks.stop.set()
    peaks.join()
    report = done.report
    workers = {pid: mb for pid, mb in peaks.peaks.items()}
    return {"complaints": done.total, "processes": report["processes"], "wall_s": wall,
            "read_s": timings.get("read_s"), "pools_s": timings.get("pools_s"), "replay_s": done.seconds,
            "per_s": done.total / done.seconds,
            "main_vmhwm_mb": vm_hwm_mb(), "worker_vmhwm_mb": max(workers.values()) if workers else None,
            "children_vmhwm_mb": sorted(workers.values()), "period": [first.isoformat(), last.isoformat()],
            "late": {s: report["totals"][s].get("late") for s in ("actual", "live", "candidate")},
            "errors": {s: report["totals"][s].get("errors") for s in ("actual", "live", "candidate")},
            "load_end": loadavg()}


def year_in_fresh_process(path: Path, processes: int, seed: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--year-child", str(path), "--processes", str(processes),
                          "--seed", str(seed)], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"the replay failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=3000, help="complaints of the same-path ratio")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--processes", type=int, nargs="+", default=[2, 1])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--history-seed", type=int, default=SEED)
    parser.add_argument("--skip-year", action="store_true")
    parser.add_argument("--skip-ratio", action="store_true")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--year-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.year_child:
        print(json.dumps(year(Path(args.year_child), args.processes[0], args.seed)))
        return
    result = measure(args.complaints, args.sample, args.rounds, args.processes, args.seed, args.history_seed,
                     not args.skip_ratio, not args.skip_year)
    if args.json:
        print(json.dumps(result))
        return
    print(report(result))


def report(result: dict) -> str:
    lines = [f"load average at start {result['load_start']}, at end {result['load_end']}; {result['nproc']} CPUs; "
             f"database {result['database']}"]
    r = result.get("ratio")
    if r:
        lines += [f"same path, {r['complaints']:,} complaints ({r['period'][0]} .. {r['period'][1]}), "
                  f"median of {r['rounds']} interleaved rounds, one process:",
                  f"  (a) engine alone           {r['engine_per_s']:8.1f} complaints/s  ({r['engine_ms_per_complaint']:.2f} ms)",
                  f"  (b) replay, live scenario  {r['replay_live_per_s']:8.1f} complaints/s  ({r['live_ms_per_complaint']:.2f} ms)"
                  f"   ratio (b)/(a) {r['ratio']:.2f} (goal >= 0.5)",
                  f"  (c) full replay            {r['replay_full_per_s']:8.1f} complaints/s  ({r['full_ms_per_complaint']:.2f} ms: "
                  "as it happened + live + candidate + report)",
                  f"  same path: {r['same_outcome']}/{r['complaints']} same outcome, {r['same_task_count']}/{r['complaints']} "
                  f"same number of completed tasks ({r['engine_tasks_per_complaint']:.2f} a complaint, "
                  f"{r['engine_timers_per_complaint']:.2f} timer firings); replay errors {r['replay_errors']}"]
    for y in result.get("year", []):
        worker = f"{y['worker_vmhwm_mb']:.0f} MB" if y["worker_vmhwm_mb"] else "-"
        lines.append(f"a year, {y['complaints']:,} complaints, {y['processes']} process(es): wall {y['wall_s']:.0f} s "
                     f"({y['wall_s'] / 60:.1f} min), history read {y['read_s']:.0f} s, replay {y['replay_s']:.0f} s "
                     f"(of which duration pools {y['pools_s']:.0f} s), "
                     f"{y['per_s']:.0f} complaints/s; VmHWM main {y['main_vmhwm_mb']:.0f} MB, worker {worker}; "
                     f"late: happened {y['late']['actual']}, live {y['late']['live']}, candidate {y['late']['candidate']}; "
                     f"load at end {y['load_end']}")
    return "\n".join(lines)

def measure(complaints: int, sample: int, rounds: int, processes: list[int], seed: int = 1,
            history_seed: int = SEED, do_ratio: bool = True, do_year: bool = True) -> dict:
    """Both measures (used by bench/run.py)."""
    result: dict = {"load_start": loadavg(), "nproc": os.cpu_count()}
    path = build(complaints, history_seed)
    result["database"] = str(path)
    if do_ratio:
        say(f"same-path ratio on {sample} complaints, {rounds} rounds (load {loadavg()})")
        services = services_of(path)
        result["ratio"] = ratio(services, sample, rounds, seed)
        services.sql_engine.dispose()
        PARTIAL.write_text(json.dumps(result))
    if do_year:
        result["year"] = []
        for n in processes:
            say(f"a year of {complaints:,} complaints, {n} process(es) (load {loadavg()})")
            result["year"].append(year_in_fresh_process(path, n, seed))
            say(f"  {result['year'][-1]['wall_s']:.0f} s")
            PARTIAL.write_text(json.dumps(result))
    result["load_end"] = loadavg()
    return result


if __name__ == "__main__":
    main()
