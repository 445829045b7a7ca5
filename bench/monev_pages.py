"""Benchmark 5: the monev dashboard over year-scale databases (2M and 5M complaints) on PostgreSQL.

Against a database made by bench/generate.py (which ends with the full monev rollup), starts gunicorn
(2 gthread workers, as bench/api_e2e.py and bench/memory.py do), logs in over the API as the national
admin, the coordinator of the province that received the most complaints and the admin of the instansi
that received the most (the largest scopes of each role), and times, one request at a time after a
few warm-up requests, ``--requests`` requests of each:

* national admin: the HTML page for the last 12 months (``/monev?from=..&to=..``, which covers the
  generated year), the same with no period (this year so far, the landing page), sorted by another
  indicator (``sort=verify_days``), its second page, a province drill-down (``province_id``), an
  instansi drill-down (``instansi_id``), the CSV (``/monev.csv``) and the JSON API (``/api/monev``,
  bearer token);
* coordinator: the page, the CSV and the JSON API; instansi admin: the page and the JSON API.

Reported per page: p50, p95 (nearest rank) and max in ms, the HTTP status and the response size; and,
in-process on the same database, the domain's ``indicators.report`` alone for the national view
(what the database and the Python aggregation cost, without rendering).

Then the rollup (``workflows.monev.rollup.refresh``): a full rebuild (plus ``VACUUM ANALYZE`` of
``monev_daily``, which the full rebuild rewrites), and an incremental refresh after ``--changed``
complaints changed: ``--real-changes`` of them through the real services (a verification task of
the instansi admin completed with a dispatch), the rest touched (``updated_at = now()``, what any
status change does to the row); the refreshed rows are compared with a fresh aggregate of the
complaints; then the next refresh, which re-reads the same changes (the watermark is the previous
refresh's time minus a 2-minute overlap), and, once that window has passed, the last refresh that
rereads them and an idle refresh (nothing changed: the scheduler's cost every minute;
``--no-idle-wait`` skips the 2-minute wait). These changes stay
in the database (it is a generated one).

    .venv/bin/python bench/monev_pages.py --database aduan_gen_2m aduan_gen_5m [--requests 20]
                                          [--changed 1000] [--real-changes 50] [--no-rollup]
                                          [--no-idle-wait] [--explain] [--json]

From bench/run.py: ``monev_pages.run(["aduan_gen_2m", "aduan_gen_5m"], requests=20)`` returns the
same dict as ``--json`` prints.
"""
from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

import api_e2e  # noqa: E402

from workflows.accounts import roles  # noqa: E402
from workflows.accounts.models import User
from workflows.complaints.models import Complaint  # noqa: E402
from workflows.db import transaction  # noqa: E402
from workflows.monev import indicators, rollup  # noqa: E402
from workflows.org.models import Unit
from workflows.service import Aduan  # noqa: E402
from workflows.tasks.models import HumanTask

PG_ADMIN = os.environ.get("ADUAN_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "bench-password"
PORT = int(os.environ.get("ADUAN_BENCH_MONEV_PORT", 5079))
WIB = ZoneInfo("Asia/Jakarta")
GOAL_MS = 500
WARMUP = 4  # per page: both workers see it at least once


def url_for(name: str) -> str:
    return sa.engine.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)


# -- HTTP ------------------------------------------------------------------------------------------
class Client:
    """One keep-alive connection; remembers the session cookie the login set (for the HTML pages)."""

    def __init__(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        self.cookie: str | None = None

    def call(self, method: str, path: str, body=None, token: str | None = None) -> tuple[int, bytes, dict]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        elif self.cookie:
            headers["Cookie"] = self.cookie
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=json.dumps(body) if body is not None else None,
                                  headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                return response.status, data, {k.lower(): v for k, v in response.getheaders()}
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def login(self, username: str) -> str:
        status, data, headers = self.call("POST", "/api/auth/login", {"username": username, "password": PASSWORD})
        assert status == 200, (username, status, data[:200])
        cookie = headers.get("set-cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return json.loads(data)["token"]


def start_server(url: str) -> subprocess.Popen:
    return api_e2e.start_server(url, PORT)  # the same gunicorn set-up as benchmarks (2) and (3)


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def percentile(values: list[float], p: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def time_page(client: Client, path: str, token: str | None, requests: int) -> dict:
    statuses: dict[int, int] = {}
    size = 0
    for _ in range(WARMUP):
        client.call("GET", path, token=token)
    took = []
    for _ in range(requests):
        began = time.perf_counter()
        status, data, _ = client.call("GET", path, token=token)
        took.append((time.perf_counter() - began) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
        size = len(data)
    return {"path": path, "n": requests, "status": statuses, "bytes": size,
            "p50_ms": round(percentile(took, 50), 1), "p95_ms": round(percentile(took, 95), 1),
            "max_ms": round(max(took), 1), "ok": set(statuses) == {200}}


# -- the database ----------------------------------------------------------------------------------
def subjects(engine) -> dict:
    """Who and what to look at: the province and the instansi that received the most complaints."""
    with engine.connect() as conn:
        q = conn.execute(sa.text(
            "SELECT coalesce(r.parent_id, r.id) AS province, sum(m.received) AS n FROM monev_daily m "
            "JOIN instansi i ON i.id = m.instansi_id JOIN regions r ON r.id = i.region_id "
            "GROUP BY 1 ORDER BY 2 DESC LIMIT 1")).one()
        province, province_received = q
        inst, inst_received = conn.execute(sa.text(
            "SELECT instansi_id, sum(received) FROM monev_daily GROUP BY 1 ORDER BY 2 DESC LIMIT 1")).one()
        coordinator = conn.scalar(sa.text("SELECT username FROM users WHERE role = :r AND region_id = :p LIMIT 1"),
                                  {"r": roles.ADMIN_KOORDINATOR, "p": province})
        admin = conn.scalar(sa.text("SELECT username FROM users WHERE role = :r AND instansi_id = :i LIMIT 1"),
                            {"r": roles.ADMIN_INSTANSI, "i": inst})
        national = conn.scalar(sa.text("SELECT username FROM users WHERE role = :r ORDER BY id LIMIT 1"),
                               {"r": roles.ADMIN_NASIONAL})
        province_name = conn.scalar(sa.text("SELECT name FROM regions WHERE id = :p"), {"p": province})
        inst_name = conn.scalar(sa.text("SELECT name FROM instansi WHERE id = :i"), {"i": inst})
        province_instansi = conn.scalar(sa.text(
            "SELECT count(*) FROM instansi i JOIN regions r ON r.id = i.region_id "
            "WHERE coalesce(r.parent_id, r.id) = :p"), {"p": province})
    return {"province_id": province, "province": province_name, "province_received": int(province_received),
            "province_instansi": province_instansi, "instansi_id": inst, "instansi": inst_name,
            "instansi_received": int(inst_received), "national": national, "coordinator": coordinator,
            "admin": admin}


def describe(engine, name: str) -> dict:
    with engine.connect() as conn:
        return {
            "complaints": conn.scalar(sa.text("SELECT count(*) FROM complaints")),
            "open_instances": conn.scalar(sa.text("SELECT count(*) FROM process_instances WHERE NOT completed")),
            "monev_rows": conn.scalar(sa.text("SELECT count(*) FROM monev_daily")),
            "days": [str(d) for d in conn.execute(sa.text("SELECT min(day), max(day) FROM monev_daily")).one()],
            "size": conn.scalar(sa.text("SELECT pg_size_pretty(pg_database_size(:n))"), {"n": name}),
            "size_bytes": conn.scalar(sa.text("SELECT pg_database_size(:n)"), {"n": name}),
            "complaints_size": conn.scalar(sa.text("SELECT pg_size_pretty(pg_total_relation_size('complaints'))")),
            "monev_daily_size": conn.scalar(sa.text("SELECT pg_size_pretty(pg_total_relation_size('monev_daily'))")),
        }


def period(now: datetime) -> tuple[date, date]:
    """The last 12 months, by the national (WIB) calendar: covers the generated year."""
    today = now.astimezone(WIB).date()
    return today - timedelta(days=365), today


def domain_timing(url: str, subject: dict, start: date, end: date, requests: int) -> dict:
    """indicators.report in-process (database + Python aggregation, no HTTP, no rendering)."""
    services = Aduan(url)
    out = {}
    try:
        target = getattr(services, "monev_target", 0.8)
        cases = {"national, 12 months": (subject["national"], {}),
                 "national, province drill-down": (subject["national"], {"province_id": subject["province_id"]}),
                 "national, instansi drill-down": (subject["national"], {"instansi_id": subject["instansi_id"]}),
                 "coordinator, 12 months": (subject["coordinator"], {})}
        for label, (username, extra) in cases.items():
            took = []
            for n in range(requests + 2):
                with transaction(services.sessions) as db:
                    user = db.scalars(select(User).where(User.username == username)).one()
                    now = services.clock()
                    began = time.perf_counter()
                    indicators.report(db, user, indicators.Query(start=start, end=end, **extra), now, target)
                    if n >= 2:
                        took.append((time.perf_counter() - began) * 1000)
            out[label] = {"p50_ms": round(percentile(took, 50), 1), "p95_ms": round(percentile(took, 95), 1)}
    finally:
        services.sql_engine.dispose()
    return out


def explain(engine, start: date, end: date) -> str:
    """The plan of the national view's main query (every instansi, summed over the period)."""
    sums = ", ".join(f"coalesce(sum({f}), 0)" for f in indicators.FIELDS)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            f"EXPLAIN (ANALYZE, BUFFERS) SELECT instansi_id, {sums} FROM monev_daily "
            "WHERE day >= :s AND day <= :e GROUP BY instansi_id"), {"s": start, "e": end}).scalars().all()
    return "\n".join(rows)


# -- the rollup ------------------------------------------------------------------------------------
def rollup_timing(url: str, changed: int, real_changes: int, seed: int, idle_wait: bool = True) -> dict:
    engine = sa.create_engine(url)
    services = Aduan(url)
    rng = random.Random(seed)
    out: dict = {}
    try:
        began = time.perf_counter()
        result = rollup.refresh(services.sessions, services.clock(), full=True)
        out["full_seconds"] = round(time.perf_counter() - began, 2)
        out["full_rows"] = result.pairs
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            began = time.perf_counter()
            conn.execute(sa.text("VACUUM (ANALYZE) monev_daily"))
            out["vacuum_analyze_seconds"] = round(time.perf_counter() - began, 2)
            watermark = conn.scalar(sa.text("SELECT watermark FROM monev_state WHERE id = 1"))
            db_now = conn.scalar(sa.text("SELECT now()"))
            top = conn.scalar(sa.text("SELECT max(id) FROM complaints"))
        if watermark is not None and watermark > db_now + timedelta(minutes=1):
            out["warning"] = (f"monev watermark {watermark.isoformat()} is ahead of now: changes made now would be "
                              "missed (a --check run moved complaints ahead?)")
        # Real changes: verification tasks completed by their instansi admin (dispatch).
        dispatched = []
        with transaction(services.sessions) as db:
            tasks = db.execute(select(HumanTask.id, HumanTask.complaint_id, HumanTask.instansi_id)
                               .where(HumanTask.state == "open", HumanTask.name == "verify")
                               .order_by(sa.func.random()).limit(real_changes)).all()
        for task_id, complaint_id, inst_id in tasks:
            with transaction(services.sessions) as db:
                admin = db.scalars(select(User).where(User.role == roles.ADMIN_INSTANSI,
                                                      User.instansi_id == inst_id).limit(1)).one()
                unit = db.scalars(select(Unit.id).where(Unit.instansi_id == inst_id).limit(1)).one()
                services.tasks.complete(db, task_id, admin, {"action": "dispatch", "tier": "normatif", "unit_id": unit})
            dispatched.append(complaint_id)
        touched = rng.sample(range(1, top + 1), max(0, changed - len(dispatched)))
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE complaints SET updated_at = now() WHERE id = ANY(:ids)"), {"ids": touched})
        ids = dispatched + touched
        with engine.connect() as conn:
            pairs = conn.execute(sa.text("SELECT DISTINCT received_on, instansi_id FROM complaints "
                                         "WHERE id = ANY(:ids)"), {"ids": ids}).all()
        began = time.perf_counter()
        result = rollup.refresh(services.sessions, services.clock())
        out["incremental"] = {"changed": len(ids), "real_changes": len(dispatched), "touched": len(touched),
                              "pairs_rebuilt": result.pairs, "seconds": round(time.perf_counter() - began, 2)}
        out["incremental"]["consistent"] = compare(engine, pairs)
        changed_at = time.monotonic()
        # The next refresh still re-reads the same changes: its watermark is the previous refresh's time
        # minus rollup.OVERLAP (2 min), so a change is rebuilt by every refresh that starts within the
        # overlap after the one that first read it.
        began = time.perf_counter()
        result = rollup.refresh(services.sessions, services.clock())
        out["again"] = {"pairs_rebuilt": result.pairs, "seconds": round(time.perf_counter() - began, 3)}
        if idle_wait:  # once the window has passed: what the scheduler's refresh costs with nothing to do
            time.sleep(max(0.0, rollup.OVERLAP.total_seconds() + 5 - (time.monotonic() - changed_at)))
            began = time.perf_counter()
            result = rollup.refresh(services.sessions, services.clock())  # the last one to reread them
            out["last_reread"] = {"pairs_rebuilt": result.pairs, "seconds": round(time.perf_counter() - began, 3)}
            began = time.perf_counter()
            result = rollup.refresh(services.sessions, services.clock())
            out["idle"] = {"pairs_rebuilt": result.pairs, "seconds": round(time.perf_counter() - began, 3)}
    finally:
        services.sql_engine.dispose()
        engine.dispose()
    return out


def compare(engine, pairs: list) -> bool:
    """The rollup rows of these (day, instansi) equal a fresh aggregate of their complaints."""
    names = list(rollup._COLUMNS)
    c = Complaint.__table__  # the rollup's column expressions are bound to it
    m = sa.table("monev_daily", *[sa.column(n) for n in ["day", "instansi_id", *names]])
    keys = [(d, i) for d, i in pairs]
    with engine.connect() as conn:
        fresh = {(r[0], r[1]): tuple(int(v) for v in r[2:]) for r in conn.execute(
            select(c.c.received_on, c.c.instansi_id, *rollup._COLUMNS.values()).select_from(c)
            .where(sa.tuple_(c.c.received_on, c.c.instansi_id).in_(keys))
            .group_by(c.c.received_on, c.c.instansi_id))}
        kept = {(r[0], r[1]): tuple(int(v) for v in r[2:]) for r in conn.execute(
            select(m.c.day, m.c.instansi_id, *[m.c[n] for n in names])
            .where(sa.tuple_(m.c.day, m.c.instansi_id).in_(keys)))}
    return fresh == kept and len(kept) == len(set(keys))


# -- driver ----------------------------------------------------------------------------------------
def measure(database: str, requests: int, changed: int = 1000, real_changes: int = 50, do_rollup: bool = True,
            seed: int = 11, idle_wait: bool = True) -> dict:
    url = url_for(database)
    engine = sa.create_engine(url)
    result: dict = {"database": database, **describe(engine, database)}
    subject = subjects(engine)
    result["subjects"] = subject
    now = datetime.now(timezone.utc)
    start, end = period(now)
    result["period"] = [start.isoformat(), end.isoformat()]
    base = {"from": start.isoformat(), "to": end.isoformat()}

    def q(**extra) -> str:
        return urlencode({**base, **extra})

    cases = [
        ("national", "page, last 12 months", f"/monev?{q()}", False),
        ("national", "page, no period (this year so far)", "/monev", False),
        ("national", "page sorted by verify_days", f"/monev?{q(sort='verify_days')}", False),
        ("national", "page 2 of the instansi table", f"/monev?{q(page=2)}", False),
        ("national", f"province drill-down ({subject['province']})", f"/monev?{q(province_id=subject['province_id'])}", False),
        ("national", f"instansi drill-down ({subject['instansi']})", f"/monev?{q(instansi_id=subject['instansi_id'])}", False),
        ("national", "CSV", f"/monev.csv?{q()}", False),
        ("national", "JSON API", f"/api/monev?{q()}", True),
        ("coordinator", "page", f"/monev?{q()}", False),
        ("coordinator", "CSV", f"/monev.csv?{q()}", False),
        ("coordinator", "JSON API", f"/api/monev?{q()}", True),
        ("instansi admin", "page", f"/monev?{q()}", False),
        ("instansi admin", "JSON API", f"/api/monev?{q()}", True),
    ]
    users = {"national": subject["national"], "coordinator": subject["coordinator"], "instansi admin": subject["admin"]}
    server = start_server(url)
    pages = []
    try:
        clients, tokens = {}, {}
        for role, username in users.items():
            clients[role] = Client()
            tokens[role] = clients[role].login(username)
        for role, label, path, api in cases:
            timing = time_page(clients[role], path, tokens[role] if api else None, requests)
            pages.append({"role": role, "page": label, **timing})
    finally:
        stop_server(server)
    result["pages"] = pages
    result["domain"] = domain_timing(url, subject, start, end, requests)
    result["explain_national"] = explain(engine, start, end)
    engine.dispose()
    if do_rollup:
        result["rollup"] = rollup_timing(url, changed, real_changes, seed, idle_wait)
    return result


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run(databases: list[str], requests: int = 20, changed: int = 1000, real_changes: int = 50,
        do_rollup: bool = True, idle_wait: bool = True) -> dict:
    """For bench/run.py: every database measured in turn; the dict --json prints."""
    out = {"requests": requests, "goal_ms": GOAL_MS, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
           "databases": []}
    for db in databases:
        load_start = loadavg()
        result = measure(db, requests, changed, real_changes, do_rollup, idle_wait=idle_wait)
        result["load"] = [load_start, loadavg()]
        out["databases"].append(result)
    return out


def table(results: dict) -> str:
    lines = []
    for r in results["databases"]:
        s = r["subjects"]
        lines.append(f"{r['database']}: {r['complaints']:,} complaints ({r['open_instances']:,} open), "
                     f"{r['monev_rows']:,} monev_daily rows ({r['monev_daily_size']}), database {r['size']}, "
                     f"period {r['period'][0]} .. {r['period'][1]}; load average {r['load'][0]} -> {r['load'][1]}")
        lines.append(f"  coordinator {s['coordinator']} ({s['province']}: {s['province_instansi']} instansi, "
                     f"{s['province_received']:,} complaints); instansi admin {s['admin']} ({s['instansi']}: "
                     f"{s['instansi_received']:,} complaints)")
        lines.append(f"  {'role':15s} {'page':48s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s} {'bytes':>9s}  status")
        for p in r["pages"]:
            flag = "" if p["p95_ms"] < results["goal_ms"] else "  > goal"
            lines.append(f"  {p['role']:15s} {p['page'][:48]:48s} {p['p50_ms']:8.1f} {p['p95_ms']:8.1f} "
                         f"{p['max_ms']:8.1f} {p['bytes']:9,d}  {p['status']}{flag}")
        for label, d in r["domain"].items():
            lines.append(f"  in-process indicators.report, {label}: p50 {d['p50_ms']} ms, p95 {d['p95_ms']} ms")
        ro = r.get("rollup")
        if ro:
            inc, again = ro["incremental"], ro["again"]
            idle = ro.get("idle")
            lines.append(f"  rollup: full {ro['full_seconds']} s ({ro['full_rows']:,} rows) + VACUUM ANALYZE "
                         f"{ro['vacuum_analyze_seconds']} s; incremental after {inc['changed']:,} changed "
                         f"({inc['real_changes']} real dispatches) {inc['seconds']} s, {inc['pairs_rebuilt']:,} day rows "
                         f"rebuilt, consistent {inc['consistent']}; the next refresh (within the 2 min overlap) "
                         f"{again['seconds']} s, {again['pairs_rebuilt']:,} rows again"
                         + (f"; after the overlap {ro['last_reread']['seconds']} s "
                            f"({ro['last_reread']['pairs_rebuilt']} rows reread once more), then idle "
                            f"{idle['seconds']} s, {idle['pairs_rebuilt']} rows" if idle else ""))
            if ro.get("warning"):
                lines.append(f"  WARNING: {ro['warning']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", nargs="+", default=["aduan_gen_2m", "aduan_gen_5m"])
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page (after warm-up)")
    parser.add_argument("--changed", type=int, default=1000, help="complaints changed before the incremental refresh")
    parser.add_argument("--real-changes", type=int, default=50, help="of them, dispatched through the services")
    parser.add_argument("--no-rollup", action="store_true", help="pages only")
    parser.add_argument("--no-idle-wait", action="store_true",
                        help="skip the idle refresh (it waits out the rollup's 2 min overlap first)")
    parser.add_argument("--explain", action="store_true", help="print the national query's plan too")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run(args.database, args.requests, args.changed, args.real_changes, not args.no_rollup,
                  not args.no_idle_wait)
    if args.json:
        print(json.dumps(results, default=str))
        return
    print(table(results))
    if args.explain:
        for r in results["databases"]:
            print(f"\n{r['database']}: national query plan\n{r['explain_national']}")


if __name__ == "__main__":
    main()
