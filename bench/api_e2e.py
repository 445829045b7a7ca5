"""Benchmarks 2 and 3: Aduan end to end through the HTTP API (gunicorn, 2 workers).

2. Complete lifecycles per second (submit -> verify/dispatch -> claim -> follow-up -> reporter
   satisfied), driven over HTTP by a few client threads, on PostgreSQL and on SQLite.
3. Task-completion latency p50/p95/p99 with 20 concurrent officers (PostgreSQL): each officer, in
   their own instansi, lists their tasks and completes the first one, again and again.

    .venv/bin/python bench/api_e2e.py [--seconds 20] [--backends postgresql sqlite] [--json]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
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
from workflows import accounts, roles  # noqa: E402
from workflows.db import transaction  # noqa: E402
from workflows.models import Instansi, Region, Unit  # noqa: E402
from workflows.service import Aduan  # noqa: E402

PG_ADMIN = os.environ.get("ADUAN_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PORT = 5077
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


def seed(url: str) -> dict:
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
            accounts.create_user(db, f"admin{i}", f"Admin {i}", PASSWORD, roles.ADMIN_INSTANSI,
                                 region_id=province.id, instansi_id=inst.id)
            accounts.create_user(db, f"pp{i}", f"PP {i}", PASSWORD, roles.PEJABAT_PENGHUBUNG,
                                 region_id=province.id, instansi_id=inst.id, unit_id=unit.id)
            world["instansi"].append({"id": inst.id, "unit": unit.id, "region": province.id,
                                      "admin": f"admin{i}", "pp": f"pp{i}"})
    services.sql_engine.dispose()
    return world


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


def start_server(url: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-k", "gthread", "--threads", str(THREADS),
         "-b", f"127.0.0.1:{PORT}",
         "--log-level", "warning", "web:create_app()"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
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


def throughput(world: dict, seconds: float, threads: int = 4) -> float:
    done = []
    stop = time.monotonic() + seconds

    def run(i: int) -> None:
        client = Client()
        inst = world["instansi"][i]
        admin, pp = login(client, inst["admin"]), login(client, inst["pp"])
        count = 0
        while time.monotonic() < stop:
            lifecycle(client, inst, admin, pp)
            count += 1
        done.append(count)

    began = time.monotonic()
    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(done) / (time.monotonic() - began)


def completion_latency(world: dict, per_officer: int) -> dict:
    """20 officers, each completing `per_officer` verification tasks of their own instansi."""
    client = Client()
    for inst in world["instansi"]:
        for _ in range(per_officer):
            status, _body = client.call("POST", "/api/complaints", {
                "type": "pengaduan", "category": "bench", "title": "Lampu mati", "region_id": inst["region"],
                "description": "Benchmark: lampu jalan mati.", "instansi_id": inst["id"], "reporter_name": "B"})
            assert status == 201
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(OFFICERS)

    def officer(inst: dict) -> None:
        c = Client()
        token = login(c, inst["admin"])
        barrier.wait()
        for _ in range(per_officer):
            _, tasks = c.call("GET", "/api/tasks?limit=1", token=token)
            began = time.perf_counter()
            status, body = c.call("POST", f"/api/tasks/{tasks[0]['id']}/complete",
                                  {"data": {"action": "dispatch", "unit_id": inst["unit"]}}, token=token)
            elapsed = time.perf_counter() - began
            assert status == 200, body
            with lock:
                latencies.append(elapsed * 1000)

    threads = [threading.Thread(target=officer, args=(inst,)) for inst in world["instansi"]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cuts = statistics.quantiles(latencies, n=100)
    return {"n": len(latencies), "p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


def run_backend(backend: str, seconds: float, per_officer: int) -> dict:
    url, drop = make_database(backend)
    try:
        world = seed(url)
        server = start_server(url)
        try:
            result = {"backend": backend, "lifecycles_per_s": throughput(world, seconds)}
            if backend == "postgresql" and per_officer:
                result["latency_ms"] = completion_latency(world, per_officer)
        finally:
            server.terminate()
            server.wait(timeout=30)
        return result
    finally:
        drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--per-officer", type=int, default=25)
    parser.add_argument("--backends", nargs="+", default=["postgresql", "sqlite"])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = [run_backend(b, args.seconds, args.per_officer) for b in args.backends]
    if args.json:
        print(json.dumps(results))
        return
    for r in results:
        line = f"{r['backend']:10s} {r['lifecycles_per_s']:7.1f} lifecycles/s"
        if "latency_ms" in r:
            lat = r["latency_ms"]
            line += f"   completion p50 {lat['p50']:.1f} ms  p95 {lat['p95']:.1f} ms  p99 {lat['p99']:.1f} ms (n={lat['n']})"
        print(line)


if __name__ == "__main__":
    main()
