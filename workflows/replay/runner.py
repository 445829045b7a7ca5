"""Running a replay: read the history once, replay each complaint through the live version and the
candidate (spread over the machine's cores), count the paths into the report.

The work crosses process boundaries as plain records: each worker gets the diagrams, both rule sets and
the duration pools once (its initializer), then chunks of complaints, and sends back their paths. Workers
start from a forkserver (a clean process, not a copy of a web server's threads). Small replays run in
the calling process: starting workers costs more than it saves.
"""
from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ..sla.policy import Rules
from . import actual
from .records import PastComplaint, Path
from .report import Tally, build
from .simulate import Diagram, Pools, Simulator

INLINE_BELOW = 300   # complaints: fewer run in the calling process
CHUNK = 50


@dataclass(frozen=True)
class Changes:
    """Changed rules a candidate tries, set at ``scope`` (a region id; None: national)."""
    limits: dict[tuple[str, str], str] = field(default_factory=dict)
    days_off: tuple[date, ...] = ()
    chain: tuple[tuple[str, str], ...] = ()
    scope: int | None = None

    def __bool__(self) -> bool:
        return bool(self.limits or self.days_off or self.chain)

    def apply(self, rules: Rules) -> Rules:
        return rules.changed(self.limits, list(self.days_off), list(self.chain) or None, self.scope)


@dataclass(frozen=True)
class Job:
    """Everything a replay needs, read from the database beforehand."""
    pasts: Sequence[PastComplaint]
    diagrams: dict[str, Diagram]           # by key: "v<definition id>" and, with a candidate diagram, "candidate"
    candidate_for: dict[int, str]          # past complaint id -> the diagram key the candidate runs it on
    live_rules: Rules
    candidate_rules: Rules
    seed: int
    observed_at: datetime


@dataclass
class Outcome:
    report: dict[str, Any]
    seconds: float
    processes: int


def run(job: Job, names: dict[str, dict], meta: dict[str, Any], processes: int | None = None,
        progress: Callable[[int], None] | None = None) -> Outcome:
    """Replay every complaint of the job; ``progress(n)`` is told after each chunk how many are done."""
    started = time.perf_counter()
    tallies = {s: Tally() for s in ("actual", "live", "candidate")}
    horizon = job.observed_at.timestamp()
    pools = Pools(list(job.pasts), job.live_rules.calendar)
    workers = _processes(processes, len(job.pasts))
    items = [(p, f"v{p.live_definition}", job.candidate_for.get(p.id, f"v{p.live_definition}")) for p in job.pasts]
    chunks = [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]
    args = (job.diagrams, job.live_rules, job.candidate_rules, pools, job.seed, job.observed_at)
    done = 0
    unknown: set[str] = set()
    if workers == 1:
        _init(*args)
        results = map(_replay_chunk, chunks)
        pool = None
    else:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["workflows.replay.simulate"])
        pool = context.Pool(workers, initializer=_init, initargs=args)
        results = pool.imap(_replay_chunk, chunks)
    try:
        for chunk, (paths, unknown_steps) in zip(chunks, results):
            unknown |= unknown_steps
            for (past, _live, _cand), (live_path, candidate_path) in zip(chunk, paths):
                tallies["actual"].add(actual.path(past, job.live_rules, job.observed_at), horizon)
                tallies["live"].add(live_path, horizon)
                tallies["candidate"].add(candidate_path, horizon)
            done += len(chunk)
            if progress is not None:
                progress(done)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    seconds = time.perf_counter() - started
    report = build(tallies, names, {**meta, "unknown_steps": sorted(unknown), "processes": workers})
    return Outcome(report, seconds, workers)


def _processes(asked: int | None, complaints: int) -> int:
    if asked is not None:
        return max(1, asked)
    if complaints < INLINE_BELOW:
        return 1
    return max(1, min(os.cpu_count() or 1, int(os.environ.get("ADUAN_REPLAY_PROCESSES", 0)) or os.cpu_count() or 1))


# -- in each worker ----------------------------------------------------------------------------------
_state: dict[str, Any] = {}


def _init(diagrams: dict[str, Diagram], live_rules: Rules, candidate_rules: Rules, pools: Pools, seed: int,
          observed_at: datetime) -> None:
    _state["live"] = Simulator(diagrams, live_rules, live_rules, pools, seed, observed_at)
    _state["same_rules"] = live_rules == candidate_rules
    _state["candidate"] = _state["live"] if _state["same_rules"] else \
        Simulator(diagrams, candidate_rules, live_rules, pools, seed, observed_at)


def _replay_chunk(chunk: list[tuple[PastComplaint, str, str]]) -> tuple[list[tuple[Path, Path]], set[str]]:
    live: Simulator = _state["live"]
    candidate: Simulator = _state["candidate"]
    paths = []
    for past, live_key, candidate_key in chunk:
        live_path = live.run(past, live_key)
        same = candidate_key == live_key and _state["same_rules"]
        paths.append((live_path, live_path if same else candidate.run(past, candidate_key)))
    return paths, live.unknown_steps | candidate.unknown_steps
