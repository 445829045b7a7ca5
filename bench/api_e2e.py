"""Benchmarks 2 and 3: Aduan end to end through the HTTP API (gunicorn, 2 workers).

2. Complete lifecycles per second (submit -> verify/dispatch -> claim -> follow-up -> reporter
   satisfied), driven over HTTP by a few client threads, on PostgreSQL and on SQLite.
3. Task-completion latency p50/p95/p99 with 20 concurrent officers (PostgreSQL), two ways:

   * **officers at work** (the goal's measure): 20 officers working at the same time the way people
     do. Each one, in their own instansi, loops: list my tasks -> open the first one (GET, the form)
     -> think -> claim it (liaison officers; an Admin Instansi's verification needs no claim) ->
     think -> complete it -> think. Think times are exponentially distributed (mean ``--think``
     seconds, default 1 s; seeded with ``--seed``, one generator per officer, so every run draws the
     same sequence). Ten officers are Admin Instansi verifying (dispatch), ten are liaison officers
     following up tasks dispatched to them before the clock starts. Reported: p50/p95/p99 of the
     completion request and of the task-list request, and the request rate the 20 officers achieved.
   * **saturation, 20 in flight, no think time**: the 20 Admin Instansi list and complete back to
     back, so 20 requests are always queued on 2 workers: this measures queueing (Little's law), not
     what an officer waits for; it is kept so nothing is hidden.

    .venv/bin/python bench/api_e2e.py [--seconds 20] [--backends postgresql sqlite] [--per-officer 20]
                                      [--think 1.0] [--seed 5] [--no-throughput] [--no-saturation] [--json]

``ADUAN_BENCH_THREADS`` sets gunicorn's gthread threads per worker (default 8), ``ADUAN_BENCH_PORT`` its port (5077).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from migrations import upgrade  # noqa: E402
from workflows.accounts import credentials, roles  # noqa: E402
from workflows.db import transaction  # noqa: E402
from workflows.org.models import Instansi, Region, Unit  # noqa: E402
from workflows.service import Aduan  # noqa: E402

PG_ADMIN = os.environ.get("ADUAN_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PORT = int(os.environ.get("ADUAN_BENCH_PORT", 5077))
PASSWORD = "bench-password"
OFFICERS = 20


def make_database(backend: str) -> tuple[str, callable]:
    if backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="aduan-bench-")
        url = f"sqlite:///{folder}/bench.sqlite3"
        return url, lambda: shutil.rmtree(folder, ignore_errors=True)
    name = f"aduan_bench_api_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return url, drop


def seed_world(url: str) -> dict:
    """A province with OFFICERS instansi, each with one admin, one unit and its liaison officer."""
    upgrade(url)
    services = Aduan(url)
    world = {"instansi": []}
    with transaction(services.sessions) as db:
        services.registry.deploy_bundled(db)
        province = Region(code="99", name="Provinsi Bench", kind="province")
        db.add(province)
        db.flush()
        for i in range(OFFICERS):
            inst = Instansi(code=f"inst-{i}", name=f"Instansi {i}", region_id=province.id)
            db.add(inst)
            db.flush()
            unit = Unit(instansi_id=inst.id, code="u", name=f"Unit {i}", region_id=province.id)
            db.add(unit)
            db.flush()
            credentials.create_user(db, f"admin{i}", f"Admin {i}", PASSWORD, roles.ADMIN_INSTANSI,
                                 region_id=province.id, instansi_id=inst.id)
            credentials.create_user(db, f"pp{i}", f"PP {i}", PASSWORD, roles.PEJABAT_PENGHUBUNG,
                                 region_id=province.id, instansi_id=inst.id, unit_id=unit.id)
            world["instansi"].append({"id": inst.id, "unit": unit.id, "region": province.id,
                                      "admin": f"admin{i}", "pp": f"pp{i}"})
    services.sql_engine.dispose()
    return world


seed = seed_world  # the previous name


class Client:
    """One keep-alive HTTP connection per thread."""

    def __init__(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)

    def call(self, method: str, path: str, body=None, token: str | None = None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                return response.status, (json.loads(data) if data else None)
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
                if attempt:
                    raise


def login(client: Client, username: str) -> str:
    status, body = client.call("POST", "/api/auth/login", {"username": username, "password": PASSWORD})
    assert status == 200, body
    return body["token"]


THREADS = int(os.environ.get("ADUAN_BENCH_THREADS", 8))  # gthread threads per worker


def start_server(url: str, port: int = PORT) -> subprocess.Popen:
    """gunicorn, 2 gthread workers, on the database at ``url``; returns once it answers."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-k", "gthread", "--threads", str(THREADS),
         "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "web:create_app()"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/regions")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not come up")


def lifecycle(client: Client, inst: dict, admin: str, pp: str) -> None:
    status, sub = client.call("POST", "/api/complaints", {
        "type": "pengaduan", "category": "bench", "title": "Jalan rusak", "region_id": inst["region"],
        "description": "Benchmark: jalan rusak di depan pasar.", "instansi_id": inst["id"], "reporter_name": "Bench"})
    assert status == 201, sub
    tid = sub["tracking_id"]
    _, tasks = client.call("GET", f"/api/tasks?tracking_id={tid}", token=admin)
    status, body = client.call("POST", f"/api/tasks/{tasks[0]['id']}/complete",
                               {"data": {"action": "dispatch", "unit_id": inst["unit"]}}, token=admin)
    assert status == 200, body
    _, tasks = client.call("GET", f"/api/tasks?tracking_id={tid}", token=pp)
    assert client.call("POST", f"/api/tasks/{tasks[0]['id']}/claim", token=pp)[0] == 200
    status, body = client.call("POST", f"/api/tasks/{tasks[0]['id']}/complete",
                               {"data": {"follow_up_text": "Sudah diperbaiki."}}, token=pp)
    assert status == 200, body
    status, body = client.call("POST", f"/api/complaints/{tid}/reply",
                               {"token": sub["reporter_token"], "data": {"satisfied": True, "rating": "puas"}})
    assert status == 200 and body["closed_at"], body


class CpuMeter:
    """CPU seconds (user + system, from /proc) spent by the gunicorn workers, by the PostgreSQL backends
    serving the benchmark database, and by this process (the load generator) between ``start`` and
    ``stop``. On a shared machine wall-clock rates swing with everything else that runs; CPU time per
    lifecycle moves much less, so it is what shows a change in the cost of a request."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, server: subprocess.Popen, url: str):
        self.server, self.url = server, url

    @classmethod
    def _cpu(cls, pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / cls.TICK  # utime, stime

    def _workers(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.server.pid}/task/{self.server.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(c) for c in children]

    def _backends(self) -> list[int]:
        if not self.url.startswith("postgresql"):
            return []
        name = sa.engine.make_url(self.url).database
        admin = sa.create_engine(PG_ADMIN, poolclass=sa.pool.NullPool)
        try:
            with admin.connect() as conn:
                return list(conn.scalars(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :n"), {"n": name}))
        finally:
            admin.dispose()

    def _sample(self) -> dict[str, dict[int, float]]:
        return {"web": {p: self._cpu(p) for p in self._workers()},
                "postgresql": {p: self._cpu(p) for p in self._backends()}}

    def start(self) -> None:
        self.before = self._sample()
        self.client_before = time.process_time()

    def stop(self) -> dict[str, float]:
        client = time.process_time() - self.client_before
        after = self._sample()
        out = {}
        for kind in ("web", "postgresql"):
            out[kind] = sum(v - self.before[kind].get(p, 0.0) for p, v in after[kind].items())
        out["client"] = client
        return out


def throughput(world: dict, seconds: float, threads: int = 4, meter: CpuMeter | None = None) -> dict:
    """Lifecycles/s from ``threads`` client threads for ``seconds``; with ``meter``, also CPU ms per
    lifecycle of the web workers, the PostgreSQL backends and the client."""
    done = []
    stop = time.monotonic() + seconds
    ready = threading.Barrier(threads + 1)

    def run(i: int) -> None:
        client = Client()
        inst = world["instansi"][i]
        admin, pp = login(client, inst["admin"]), login(client, inst["pp"])
        ready.wait()
        count = 0
        while time.monotonic() < stop:
            lifecycle(client, inst, admin, pp)
            count += 1
        done.append(count)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    ready.wait()
    stop = time.monotonic() + seconds
    if meter:
        meter.start()
    began = time.monotonic()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - began
    result = {"lifecycles": sum(done), "seconds": elapsed, "lifecycles_per_s": sum(done) / elapsed}
    if meter:
        cpu = meter.stop()
        result["cpu_ms_per_lifecycle"] = {k: v * 1000 / max(1, sum(done)) for k, v in cpu.items()}
    return result


def _percentiles(values: list[float]) -> dict:
    if len(values) < 2:
        return {"n": len(values), "p50": values[0] if values else float("nan"),
                "p95": float("nan"), "p99": float("nan")}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"n": len(values), "p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


def _backlog(world: dict, instansi: list[dict], per_officer: int, dispatch: bool = False) -> None:
    """``per_officer`` new complaints in each of these instansi (4 client threads); with ``dispatch``
    the Admin Instansi dispatches each to the unit, so the liaison officer has a follow-up task."""
    def fill(part: list[dict]) -> None:
        c = Client()
        for inst in part:
            admin = login(c, inst["admin"]) if dispatch else None
            for _ in range(per_officer):
                status, sub = c.call("POST", "/api/complaints", {
                    "type": "pengaduan", "category": "bench", "title": "Lampu mati", "region_id": inst["region"],
                    "description": "Benchmark: lampu jalan mati.", "instansi_id": inst["id"], "reporter_name": "B"})
                assert status == 201, sub
                if dispatch:
                    _, tasks = c.call("GET", f"/api/tasks?tracking_id={sub['tracking_id']}", token=admin)
                    status, body = c.call("POST", f"/api/tasks/{tasks[0]['id']}/complete",
                                          {"data": {"action": "dispatch", "unit_id": inst["unit"]}}, token=admin)
                    assert status == 200, body
    parts = [instansi[i::4] for i in range(4)]
    threads = [threading.Thread(target=fill, args=(part,)) for part in parts if part]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def officers_at_work(world: dict, per_officer: int, think_mean: float, seed: int) -> dict:
    """20 officers working the way people do (see the module docstring): each completes
    ``per_officer`` tasks of their own, with exponential think times (mean ``think_mean`` s) between
    actions. Returns latency percentiles per request kind (ms) and the achieved request rate."""
    half = OFFICERS // 2
    verifiers = world["instansi"][:half]        # Admin Instansi: list, open, think, complete
    followers = world["instansi"][half:]        # liaison officers: list, open, think, claim, think, complete
    _backlog(world, verifiers, per_officer)
    _backlog(world, followers, per_officer, dispatch=True)
    latencies: dict[str, list[float]] = {"list": [], "open": [], "claim": [], "complete": []}
    requests = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(OFFICERS)

    def officer(number: int, inst: dict, liaison: bool) -> None:
        rng = random.Random(seed * 1000 + number)
        c = Client()
        token = login(c, inst["pp"] if liaison else inst["admin"])
        mine: dict[str, list[float]] = {k: [] for k in latencies}
        sent = 0

        def timed(kind: str, method: str, path: str, body=None):
            nonlocal sent
            began = time.perf_counter()
            status, answer = c.call(method, path, body, token=token)
            mine[kind].append((time.perf_counter() - began) * 1000)
            sent += 1
            assert status == 200, (kind, status, answer)
            return answer

        def think() -> None:
            time.sleep(rng.expovariate(1 / think_mean) if think_mean > 0 else 0)

        barrier.wait()
        think()  # officers do not all start in the same millisecond
        done = 0
        while done < per_officer:
            tasks = timed("list", "GET", "/api/tasks?limit=20")
            if not tasks:  # nothing waiting (cannot happen with the backlog above, kept for safety)
                think()
                continue
            task_id = tasks[0]["id"]
            timed("open", "GET", f"/api/tasks/{task_id}")
            think()
            if liaison:
                timed("claim", "POST", f"/api/tasks/{task_id}/claim")
                think()
                timed("complete", "POST", f"/api/tasks/{task_id}/complete",
                      {"data": {"follow_up_text": "Sudah diperbaiki, terima kasih."}})
            else:
                timed("complete", "POST", f"/api/tasks/{task_id}/complete",
                      {"data": {"action": "dispatch", "unit_id": inst["unit"]}})
            done += 1
            think()
        with lock:
            for kind, values in mine.items():
                latencies[kind].extend(values)
            requests[0] += sent

    threads = [threading.Thread(target=officer, args=(i, inst, i >= half))
               for i, inst in enumerate(world["instansi"][:OFFICERS])]
    elapsed = _run_all(threads)
    out = {kind: _percentiles(values) for kind, values in latencies.items() if values}
    out.update(requests=requests[0], seconds=elapsed, requests_per_s=requests[0] / elapsed,
               think_mean_s=think_mean, seed=seed)
    return out


def _run_all(threads: list[threading.Thread]) -> float:
    """Start the officers together, wait for all; the seconds it took."""
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - began


def completion_latency(world: dict, per_officer: int) -> dict:
    """Saturation: the 20 Admin Instansi each complete ``per_officer`` verification tasks of their own
    instansi back to back (list, complete, list, ...), no think time, so 20 requests are in flight."""
    _backlog(world, world["instansi"][:OFFICERS], per_officer)
    latencies: dict[str, list[float]] = {"list": [], "complete": []}
    lock = threading.Lock()
    barrier = threading.Barrier(OFFICERS)

    def officer(inst: dict) -> None:
        c = Client()
        token = login(c, inst["admin"])
        barrier.wait()
        mine: dict[str, list[float]] = {"list": [], "complete": []}
        for _ in range(per_officer):
            began = time.perf_counter()
            _, tasks = c.call("GET", "/api/tasks?limit=1", token=token)
            mine["list"].append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            status, body = c.call("POST", f"/api/tasks/{tasks[0]['id']}/complete",
                                  {"data": {"action": "dispatch", "unit_id": inst["unit"]}}, token=token)
            mine["complete"].append((time.perf_counter() - began) * 1000)
            assert status == 200, body
        with lock:
            for kind, values in mine.items():
                latencies[kind].extend(values)

    threads = [threading.Thread(target=officer, args=(inst,)) for inst in world["instansi"]]
    elapsed = _run_all(threads)
    requests = sum(len(v) for v in latencies.values())
    out = {kind: _percentiles(values) for kind, values in latencies.items()}
    out.update(requests=requests, seconds=elapsed, requests_per_s=requests / elapsed)
    # the previous result shape (completion percentiles at the top level), for older readers
    out.update({k: out["complete"][k] for k in ("n", "p50", "p95", "p99")})
    return out


def run_backend(backend: str, seconds: float, per_officer: int, think_mean: float = 1.0, seed: int = 5,
                throughput_run: bool = True, saturation: bool = True) -> dict:
    """One server on a fresh database: lifecycles/s (``seconds``; 0 or ``throughput_run=False``:
    skipped), then on PostgreSQL with ``per_officer`` > 0 the officers-at-work latency and the
    saturation latency."""
    url, drop = make_database(backend)
    try:
        world = seed_world(url)
        server = start_server(url)
        try:
            result = {"backend": backend, "gunicorn": f"2 workers, gthread, {THREADS} threads"}
            if throughput_run and seconds:
                measured = throughput(world, seconds, meter=CpuMeter(server, url))
                result["lifecycles_per_s"] = measured["lifecycles_per_s"]
                result["cpu_ms_per_lifecycle"] = measured.get("cpu_ms_per_lifecycle")
            if backend == "postgresql" and per_officer:
                result["officers"] = officers_at_work(world, per_officer, think_mean, seed)
                if saturation:
                    result["saturation"] = completion_latency(world, per_officer)
                    result["latency_ms"] = result["saturation"]  # the previous key, for older readers
        finally:
            server.terminate()
            server.wait(timeout=30)
        return result
    finally:
        drop()


def _line(label: str, lat: dict) -> str:
    return f"p50 {lat['p50']:.1f} ms  p95 {lat['p95']:.1f} ms  p99 {lat['p99']:.1f} ms (n={lat['n']})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="lifecycle throughput run length")
    parser.add_argument("--per-officer", type=int, default=20, help="tasks each of the 20 officers completes")
    parser.add_argument("--think", type=float, default=1.0, help="mean think time between actions, seconds")
    parser.add_argument("--seed", type=int, default=5, help="seed of the think-time generators")
    parser.add_argument("--backends", nargs="+", default=["postgresql", "sqlite"])
    parser.add_argument("--no-throughput", action="store_true", help="latency only")
    parser.add_argument("--no-saturation", action="store_true", help="leave out the no-think-time row")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = [run_backend(b, args.seconds, args.per_officer, args.think, args.seed,
                           throughput_run=not args.no_throughput, saturation=not args.no_saturation)
               for b in args.backends]
    if args.json:
        print(json.dumps(results))
        return
    for r in results:
        if "lifecycles_per_s" in r:
            print(f"{r['backend']:10s} {r['lifecycles_per_s']:7.1f} lifecycles/s ({r['gunicorn']})")
            if r.get("cpu_ms_per_lifecycle"):
                print("           CPU ms per lifecycle: " + ", ".join(
                    f"{k} {v:.1f}" for k, v in r["cpu_ms_per_lifecycle"].items()))
        if "officers" in r:
            o = r["officers"]
            print(f"{r['backend']:10s} 20 officers at work (think {o['think_mean_s']:g} s, seed {o['seed']}), "
                  f"{o['requests_per_s']:.1f} requests/s over {o['seconds']:.0f} s")
            for kind in ("complete", "list", "open", "claim"):
                if kind in o:
                    print(f"           {kind:9s} {_line(kind, o[kind])}")
        if "saturation" in r:
            sat = r["saturation"]
            print(f"{r['backend']:10s} saturation, 20 in flight, no think time, {sat['requests_per_s']:.1f} requests/s")
            for kind in ("complete", "list"):
                print(f"           {kind:9s} {_line(kind, sat[kind])}")


if __name__ == "__main__":
    main()

