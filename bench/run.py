"""The year-scale benchmark harness (issue 5): runs every benchmark, prints a summary table and rewrites
the summary block of docs/PERFORMANCE.md (between ``<!-- bench:summary:start -->`` and
``<!-- bench:summary:end -->``) with the method, the machine and the date.

    make bench                                  # everything, full sizes: ~8 min when the generated
                                                # databases exist, ~20 min more to generate them
    .venv/bin/python bench/run.py --quick       # small sizes, a few minutes
    .venv/bin/python bench/run.py --only engine e2e latency sweep memory [--no-write]

1. raw engine ceiling (bench/engine_ceiling.py)
2. Aduan over HTTP, gunicorn 2 workers, PostgreSQL and SQLite in the same run, ratio to (1)
   (bench/api_e2e.py)
3. completion latency p50/p95/p99, 20 concurrent officers, PostgreSQL (bench/api_e2e.py): officers at work
   (think times between actions, the goal's measure) and, on its own row, saturation (20 requests in
   flight, no think time)
4. SLA sweep, 1,000 due among 100k and 1M open deadlines (bench/sla_sweep.py)
5. monev dashboard pages over 2M/5M complaints (bench/monev_pages.py on bench/generate.py databases)
6. peak memory of web and worker processes, 100k against 1M open instances (bench/generate.py,
   bench/memory.py)
7. the what-if replay: its speed against the engine alone on the same path, and a year of a large province
   (100,000 past complaints) with 2 processes (bench/replay.py)
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import api_e2e  # noqa: E402
import engine_ceiling  # noqa: E402
import generate  # noqa: E402
import memory  # noqa: E402
import monev_pages  # noqa: E402
import replay  # noqa: E402
import sla_sweep  # noqa: E402

DOC = ROOT / "docs" / "PERFORMANCE.md"
START, END = "<!-- bench:summary:start -->", "<!-- bench:summary:end -->"
ALL = ("engine", "e2e", "latency", "sweep", "monev", "memory", "replay")

FULL = {"engine_seconds": 10, "e2e_seconds": 20, "per_officer": 20, "think": 1.0, "think_seed": 5,
        "sweep_open": [100_000, 1_000_000],
        "sweep_due": 1000, "sweep_rounds": 3, "memory_open": [100_000, 1_000_000], "memory_seconds": 120,
        "monev_complaints": [2_000_000, 5_000_000], "monev_requests": 20,
        "replay_complaints": 100_000, "replay_sample": 3000, "replay_rounds": 5}
QUICK = {"engine_seconds": 3, "e2e_seconds": 8, "per_officer": 5, "think": 1.0, "think_seed": 5,
         "sweep_open": [10_000, 50_000],
         "sweep_due": 200, "sweep_rounds": 1, "memory_open": [10_000, 50_000], "memory_seconds": 30,
         "monev_complaints": [50_000], "monev_requests": 5,
         "replay_complaints": 10_000, "replay_sample": 1000, "replay_rounds": 3}


def say(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine() -> dict[str, str]:
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    admin = sa.create_engine(api_e2e.PG_ADMIN)
    with admin.connect() as conn:
        pg = conn.scalar(sa.text("SHOW server_version"))
        settings = {name: conn.scalar(sa.text(f"SHOW {name}")) for name in
                    ("shared_buffers", "synchronous_commit", "autovacuum")}
    admin.dispose()
    packages = ", ".join(f"{p} {metadata.version(p)}" for p in
                         ("SpiffWorkflow", "SQLAlchemy", "psycopg", "Flask", "flask-smorest", "gunicorn"))
    return {"nproc": str(os.cpu_count()), "cpu": cpu.group(1).strip() if cpu else platform.processor(),
            "ram": f"{mem_kb / 1024 / 1024:.1f} GiB", "postgresql": f"{pg} ({', '.join(f'{k} {v}' for k, v in settings.items())})",
            "python": platform.python_version(), "packages": packages}


def run_engine(sizes: dict) -> dict:
    stock_n, stock_t = engine_ceiling.stock_lifecycles(sizes["engine_seconds"])
    ours_n, ours_t = engine_ceiling.adapter_lifecycles(sizes["engine_seconds"])
    return {"stock_per_s": stock_n / stock_t, "adapter_per_s": ours_n / ours_t}


def run_e2e(sizes: dict, latency: bool) -> dict:
    out = {}
    for backend in ("postgresql", "sqlite"):
        say(f"e2e on {backend} (load {loadavg()})")
        out[backend] = api_e2e.run_backend(backend, sizes["e2e_seconds"], sizes["per_officer"] if latency else 0,
                                           think_mean=sizes["think"], seed=sizes["think_seed"])
    return out


def run_sweep(sizes: dict) -> list[dict]:
    admin = sa.create_engine(sla_sweep.SERVER_URL, isolation_level="AUTOCOMMIT")
    results = []
    try:
        for open_count in sizes["sweep_open"]:
            results.append(sla_sweep.Result(sla_sweep.prepare(admin, open_count, sizes["sweep_due"], 20250710)))
        for number in range(1, sizes["sweep_rounds"] + 1):
            for result in results:
                result.rounds.append(sla_sweep.measure_round(admin, result.prepared, number))
    finally:
        for result in results:
            sla_sweep.drop_database(admin, result.prepared.name)
        admin.dispose()
    return [{"open": r.prepared.open, "due": r.prepared.due, "sweep_s": r.median.sweep_seconds,
             "range": [min(x.sweep_seconds for x in r.rounds), max(x.sweep_seconds for x in r.rounds)],
             "claim_ms": r.median.claim_ms, "idle_ms": r.median.idle_sweep_ms,
             "index_used": all(x.index_used for x in r.rounds)} for r in results]


def database_exists(name: str) -> bool:
    admin = sa.create_engine(api_e2e.PG_ADMIN)
    with admin.connect() as conn:
        found = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
    admin.dispose()
    return bool(found)


def run_monev(sizes: dict, regenerate: bool, quick: bool) -> dict:
    """(5) the monev pages over year-scale databases (generated when missing: ~25 min for 2M, ~50 min
    for 5M, 13 GB and 33 GB)."""
    names = []
    for count in sizes["monev_complaints"]:
        label = f"{count // 1_000_000}m" if count % 1_000_000 == 0 else f"{count // 1000}k"
        name = f"aduan_gen_{label}"
        if regenerate or not database_exists(name):
            say(f"generating {count:,} complaints into {name}")
            generate.generate(name, count, 0.3, 1, replace=True)
        names.append(name)
    say(f"monev pages on {', '.join(names)} (load {loadavg()})")
    return monev_pages.run(names, requests=sizes["monev_requests"], idle_wait=not quick)


def run_memory(sizes: dict, regenerate: bool) -> list[dict]:
    results = []
    for open_count in sizes["memory_open"]:
        label = f"{open_count // 1_000_000}m" if open_count % 1_000_000 == 0 else f"{open_count // 1000}k"
        name = f"aduan_gen_{label}_open"
        generated = None
        if regenerate or not database_exists(name):
            say(f"generating {open_count:,} open complaints into {name}")
            generated = generate.generate(name, open_count, 1.0, 1, replace=True)
        say(f"memory against {name} (load {loadavg()})")
        result = memory.measure(name, sizes["memory_seconds"], clients=6, officer_count=60, ahead_days=3)
        if generated:
            result["generated"] = {k: generated[k] for k in ("rows", "load_seconds", "rows_per_s", "complaints_per_s")}
        results.append(result)
    return results


def run_replay(sizes: dict) -> dict:
    """(7) the replay (its database built once through the importer: ~2 min for 100k, cached in /tmp)."""
    return replay.measure(sizes["replay_complaints"], sizes["replay_sample"], sizes["replay_rounds"], [2])


def verdict(met: bool) -> str:
    return "goal met" if met else "goal missed"


def fmt(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def summary(results: dict, meta: dict, quick: bool) -> str:
    rows = []
    engine = results.get("engine")
    e2e = results.get("e2e", {})
    ceiling = engine["stock_per_s"] if engine else None
    if engine:
        rows.append(("1", "SpiffWorkflow alone, lifecycles/s (ceiling)", fmt(engine["stock_per_s"]), "ceiling"))
        rows.append(("1", "Aduan's engine adapter in-process, lifecycles/s", fmt(engine["adapter_per_s"]), "—"))
    for backend in ("postgresql", "sqlite"):
        if backend in e2e and "lifecycles_per_s" in e2e[backend]:
            per_s = e2e[backend]["lifecycles_per_s"]
            ratio = f" (ratio {per_s / ceiling:.2f}, {verdict(per_s / ceiling >= 0.5)})" if ceiling else ""
            cpu = e2e[backend].get("cpu_ms_per_lifecycle") or {}
            cost = ""
            if cpu.get("web"):
                cost = f"; CPU per lifecycle: web workers {cpu['web']:.0f} ms" + (
                    f", PostgreSQL {cpu['postgresql']:.0f} ms" if cpu.get("postgresql") else "") + (
                    f", client {cpu['client']:.0f} ms" if cpu.get("client") else "")
            rows.append(("2", f"HTTP end to end, gunicorn 2 workers, {backend}, lifecycles/s",
                         f"{fmt(per_s)}{ratio}{cost}", "ratio ≥ 0.5"))
    officers = e2e.get("postgresql", {}).get("officers")
    if officers:
        done, listed = officers["complete"], officers["list"]
        rows.append(("3", f"task completion, 20 concurrent officers at work (think time mean "
                          f"{officers['think_mean_s']:g} s), PostgreSQL (n = {done['n']})",
                     f"p50 {done['p50']:.0f} ms, p95 {done['p95']:.0f} ms, p99 {done['p99']:.0f} ms "
                     f"({verdict(done['p99'] < 50)}); task list p50 {listed['p50']:.0f} ms, p99 {listed['p99']:.0f} ms; "
                     f"{officers['requests_per_s']:.1f} requests/s", "p99 < 50 ms"))
    sat = e2e.get("postgresql", {}).get("saturation")
    if sat:
        done, listed = sat["complete"], sat["list"]
        rows.append(("3", f"saturation, 20 in flight, no think time, PostgreSQL (n = {done['n']})",
                     f"p50 {done['p50']:.0f} ms, p95 {done['p95']:.0f} ms, p99 {done['p99']:.0f} ms; "
                     f"task list p50 {listed['p50']:.0f} ms, p99 {listed['p99']:.0f} ms; "
                     f"{sat['requests_per_s']:.1f} requests/s", "(queueing, not the goal's measure)"))
    for s in results.get("sweep", []):
        rows.append(("4", f"SLA sweep, {s['due']:,} due among {s['open']:,} open",
                     f"{s['sweep_s']:.2f} s ({s['range'][0]:.2f}–{s['range'][1]:.2f}), claim {s['claim_ms']:.2f} ms, "
                     f"idle {s['idle_ms']:.2f} ms", "flat in open"))
    monev = results.get("monev")
    for db in (monev or {}).get("databases", []):
        pages = db["pages"]
        worst = max(pages, key=lambda p: p["p95_ms"])

        def p95(role: str) -> float:
            return max(p["p95_ms"] for p in pages if p["role"] == role)
        rollup_text = ""
        if db.get("rollup"):
            ro = db["rollup"]
            inc = ro["incremental"]
            rollup_text = (f"; rollup full {ro['full_seconds']} s, after {inc['changed']:,} changes "
                           f"{inc['seconds']} s" + (f", idle {ro['idle']['seconds']} s" if ro.get("idle") else ""))
        rows.append(("5", f"monev pages over {db['complaints']:,} complaints ({len(pages)} pages, "
                          f"{monev['requests']} requests each)",
                     f"slowest p95 {worst['p95_ms']:.0f} ms ({worst['role']}: {worst['page']}) "
                     f"({verdict(worst['p95_ms'] < 500)}); p95 national {p95('national'):.0f} ms, coordinator "
                     f"{p95('coordinator'):.0f} ms, instansi admin {p95('instansi admin'):.0f} ms{rollup_text}",
                     "< 500 ms a page"))
    for m in results.get("memory", []):
        peaks = m["peak_mb"]
        web = max(v for k, v in peaks.items() if k.startswith("web worker"))
        rows.append(("6", f"peak memory (VmHWM), {m['open_instances']:,} open instances",
                     f"web worker {web:.0f} MB, SLA worker {peaks.get('sla worker', 0):.0f} MB", "flat, < 300 MB"))
    rep = results.get("replay")
    if rep and rep.get("ratio"):
        r = rep["ratio"]
        rows.append(("7", f"what-if replay alone vs the engine alone on the same path, one process "
                          f"({r['complaints']:,} complaints), complaints/s",
                     f"{fmt(r['replay_live_per_s'])} vs {fmt(r['engine_per_s'])} (ratio {r['ratio']:.2f}, "
                     f"{verdict(r['ratio'] >= 0.5)}); full replay (as it happened + live + candidate) "
                     f"{r['full_ms_per_complaint']:.1f} ms a complaint", "ratio ≥ 0.5"))
    for y in (rep or {}).get("year", []):
        rows.append(("7", f"what-if replay, {y['complaints']:,} complaints of a year, {y['processes']} process(es)",
                     f"{y['wall_s'] / 60:.1f} min ({verdict(y['wall_s'] < 15 * 60)}): history read {y['read_s']:.0f} s, "
                     f"replay {y['replay_s']:.0f} s, {y['per_s']:.0f} complaints/s; VmHWM main "
                     f"{y['main_vmhwm_mb']:.0f} MB, worker {y['worker_vmhwm_mb'] or 0:.0f} MB", "minutes"))
    lines = [START, "",
             f"Last `bench/run.py{' --quick' if quick else ''}` run: {meta['date']}, total {meta['minutes']:.0f} min, "
             f"load average at start {meta['load_start']}, at end {meta['load_end']}.",
             f"Machine: {meta['machine']['nproc']} vCPUs ({meta['machine']['cpu']}), RAM {meta['machine']['ram']}, "
             f"PostgreSQL {meta['machine']['postgresql']}, Python {meta['machine']['python']}; "
             f"{meta['machine']['packages']}.", "",
             "| # | measure | result | goal |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    lines += ["", "Method: (1) `bench/engine_ceiling.py`, the national SOP in-process, restored and serialized after "
              "every step; (2)/(3) `bench/api_e2e.py`, gunicorn 2 gthread workers, 7 HTTP requests per lifecycle from 4 "
              "client threads (the ratio is to (1) measured in the same run, so both see the same machine load); "
              "(3) 20 officers at work, each in their own instansi (10 Admin Instansi verifying, 10 liaison officers "
              "following up): list -> open the task -> think -> claim (liaison) -> think -> complete -> think, think "
              "times exponential (seeded), latency of the completion and the list request as the client sees it; "
              "the saturation row runs the 20 Admin Instansi back to back with no think time (20 requests queued on "
              "2 workers: Little's law, not service time); (4) `bench/sla_sweep.py`, "
              "median of interleaved rounds on fresh copies; (5) `bench/monev_pages.py`, gunicorn 2 workers on "
              "`bench/generate.py` databases of 2M and 5M complaints over a year: the dashboard (HTML, sorted, page 2, "
              "province and instansi drill-downs, CSV, JSON API) as the national admin, a coordinator and an instansi "
              "admin, warm requests one at a time, plus the rollup's full, incremental and idle refresh; "
              "(6) `bench/generate.py` databases of only open "
              "complaints, `bench/memory.py` drives task lists, task forms, complaint pages, notifications and "
              "completions from 6 client threads while the clock is moved 3 days ahead so the SLA worker sweeps "
              "due deadlines; VmHWM from /proc; (7) `bench/replay.py`, see \"What-if replay\" below. Details below.", "", END]
    return "\n".join(lines)


ROWS_OF = {"engine": "1", "e2e": "2", "latency": "3", "sweep": "4", "monev": "5", "memory": "6", "replay": "7"}


def merge_earlier(block: str, ran: list[str]) -> str:
    """With --only, keep the earlier summary's rows of the benchmarks not run (and say where from)."""
    text = DOC.read_text(encoding="utf-8")
    if START not in text or END not in text:
        return block
    earlier = text[text.index(START):text.index(END)]
    kept_numbers = {n for name, n in ROWS_OF.items() if name not in ran}
    if "latency" in ran:  # api_e2e measures (2) whenever it runs, (3) only with "latency"
        kept_numbers.discard("2")
    kept = [line for line in earlier.splitlines()
            if line.startswith("| ") and line.split("|")[1].strip() in kept_numbers]
    if not kept:
        return block
    new = block.splitlines()
    rows = [line for line in new if line.startswith("| ") and line.split("|")[1].strip().isdigit()]
    merged = sorted(rows + kept, key=lambda line: int(line.split("|")[1]))
    first = new.index(rows[0]) if rows else new.index("|---|---|---|---|") + 1
    rest = [line for line in new[first:] if line not in rows]
    before = earlier.splitlines()
    last_run = next((line for line in before if line.startswith("Last `bench/run.py")), "an earlier run")
    note = (f"Rows {', '.join(sorted(kept_numbers))} are kept from the earlier summary ({last_run.rstrip('.')}; "
            "see the notes that came with them in git history).")
    notes = [line for line in before if line.startswith("Rows ") and " are kept from the earlier summary" not in line]
    return "\n".join(new[:first] + merged + ["", note] + [line for n in notes for line in ("", n)] + rest)


def write_summary(block: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    if START in text and END in text:
        text = text[:text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        text = text.replace("# Performance\n", f"# Performance\n\n{block}\n", 1)
    DOC.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a few minutes")
    parser.add_argument("--only", nargs="+", choices=ALL, default=list(ALL))
    parser.add_argument("--regenerate", action="store_true", help="regenerate the memory databases")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite docs/PERFORMANCE.md")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    began = time.monotonic()
    meta = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "load_start": loadavg(),
            "machine": machine()}
    results: dict = {}
    if "engine" in args.only:
        say(f"engine ceiling (load {loadavg()})")
        results["engine"] = run_engine(sizes)
    if "e2e" in args.only or "latency" in args.only:
        results["e2e"] = run_e2e(sizes, latency="latency" in args.only)
    if "sweep" in args.only:
        say(f"SLA sweep (load {loadavg()})")
        results["sweep"] = run_sweep(sizes)
    if "monev" in args.only:
        results["monev"] = run_monev(sizes, args.regenerate, args.quick)
    if "memory" in args.only:
        results["memory"] = run_memory(sizes, args.regenerate)
    if "replay" in args.only:
        say(f"what-if replay (load {loadavg()})")
        results["replay"] = run_replay(sizes)
    meta.update(minutes=(time.monotonic() - began) / 60, load_end=loadavg())
    block = summary(results, meta, args.quick)
    print()
    print(block)
    (ROOT / "instance").mkdir(exist_ok=True)
    (ROOT / "instance" / "bench-results.json").write_text(json.dumps({"meta": meta, "results": results},
                                                                     default=str, indent=1))
    if not args.no_write:
        if set(args.only) != set(ALL):
            block = merge_earlier(block, args.only)
        write_summary(block)
        say(f"summary written to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
