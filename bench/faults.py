"""Faults under load: nothing lost, nothing doubled, and the app answers again soon after PostgreSQL.

    .venv/bin/python bench/faults.py [--seconds 60] [--backlog 300] [--json]

On 127.0.0.1 only, bounded in time. A fresh PostgreSQL database gets the bundled SOP, a province with
instansi and officers, and a backlog of complaints. Then gunicorn (2 workers) and two ``aduan
worker`` processes run while citizens submit reports and Admin Instansi verify them over HTTP, and:

1. the backlog's timers are due when the workers start (the shared clock was moved 6 days ahead
   first), and one ``aduan worker`` is killed with SIGKILL in the middle of its sweep (and started
   again);
2. a gunicorn worker is killed with SIGKILL (the master starts another);
3. PostgreSQL is restarted (``pg_ctlcluster ... restart``).

Afterwards, with the workers left to sweep what is due:

* every submission answered 201 exists; every completion answered 200 is in the audit trail once;
* no timer fired twice (one breach per late task and step), no notification was made twice;
* no request got a 500; requests while PostgreSQL was down got 503 (or no answer at all);
* the time from PostgreSQL answering again to the app's first success is measured;
* ``aduan check`` finds every complaint consistent with its process.

Needs root (to restart the local PostgreSQL cluster) and PostgreSQL on 127.0.0.1:5432.
"""
from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import api_e2e  # noqa: E402
from workflows.complaints.service import NewComplaint  # noqa: E402
from workflows.db import transaction  # noqa: E402
from workflows.processes.consistency import check  # noqa: E402
from workflows.service import Aduan  # noqa: E402

PORT = int(os.environ.get("ADUAN_FAULTS_PORT", 8765))
PASSWORD = api_e2e.PASSWORD


def call(method: str, path: str, body=None, token: str | None = None) -> tuple[int | None, dict | None]:
    """One request on a fresh connection; (None, None) when no answer came (refused, reset, timeout)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=15)
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        data = response.read()
        try:
            return response.status, (json.loads(data) if data else None)
        except ValueError:
            return response.status, None
    except (OSError, http.client.HTTPException):
        return None, None
    finally:
        conn.close()


class Log:
    """What the clients saw, with the moment of each answer."""

    def __init__(self):
        self.lock = threading.Lock()
        self.answers: list[tuple[float, str, int | None]] = []  # (time, kind, status)
        self.submitted: list[str] = []                            # tracking IDs answered 201
        self.completed: list[tuple[str, str]] = []                # (tracking ID, task name) answered 200

    def add(self, kind: str, status: int | None) -> None:
        with self.lock:
            self.answers.append((time.monotonic(), kind, status))


def citizen(stop: threading.Event, log: Log, world: dict, seed: int) -> None:
    rng = random.Random(seed)
    while not stop.is_set():
        inst = rng.choice(world["instansi"])
        status, body = call("POST", "/api/complaints", {
            "type": "pengaduan", "category": "uji", "title": "Jalan rusak", "region_id": inst["region"],
            "description": "Uji ketahanan: jalan rusak di depan pasar.", "instansi_id": inst["id"],
            "reporter_name": "Uji"})
        log.add("submit", status)
        if status == 201:
            with log.lock:
                log.submitted.append(body["tracking_id"])
        time.sleep(rng.uniform(0.05, 0.2))


def officer(stop: threading.Event, log: Log, inst: dict, seed: int) -> None:
    rng = random.Random(seed)
    token = None
    while not stop.is_set():
        if token is None:
            status, body = call("POST", "/api/auth/login", {"username": inst["admin"], "password": PASSWORD})
            log.add("login", status)
            token = body["token"] if status == 200 else None
            if token is None:
                time.sleep(0.5)
                continue
        status, tasks = call("GET", "/api/tasks?limit=10", token=token)
        log.add("list", status)
        verify = [t for t in (tasks or []) if status == 200 and t["name"] == "verify"]
        if not verify:
            time.sleep(0.3)
            continue
        task = rng.choice(verify)
        status, body = call("POST", f"/api/tasks/{task['id']}/complete",
                            {"data": {"action": "dispatch", "unit_id": inst["unit"]}}, token=token)
        log.add("complete", status)
        if status == 200:
            with log.lock:
                log.completed.append((task["tracking_id"], task["name"]))
        time.sleep(rng.uniform(0.05, 0.2))


def gunicorn_workers(master: subprocess.Popen) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def start_server(url: str, log_path: Path) -> subprocess.Popen:
    """gunicorn, 2 gthread workers, logging to a file; returns once it answers."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "faults"}
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-k", "gthread", "--threads", "4",
                               "-b", f"127.0.0.1:{PORT}", "--log-level", "warning", "web:create_app()"],
                              cwd=ROOT, env=env, stdout=log_path.open("a"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if call("GET", "/api/regions")[0] == 200:
            return server
        time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"gunicorn did not come up; see {log_path}")


def start_worker(url: str, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "faults", "ADUAN_SWEEP_SECONDS": "1",
           "ADUAN_SWEEP_BATCH": "5", "ADUAN_MONEV_SECONDS": "3600"}
    return subprocess.Popen([str(ROOT / ".venv/bin/aduan"), "worker"], cwd=ROOT, env=env,
                            stdout=log_path.open("a"), stderr=subprocess.STDOUT)


def fired(url: str) -> tuple[int, int]:
    """(deadlines fired so far, pending ones due by the shared clock)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            done = conn.execute(sa.text("SELECT count(*) FROM deadlines WHERE state = 'fired'")).scalar()
            offset = conn.execute(sa.text("SELECT value FROM settings WHERE key = 'clock_offset_seconds'")).scalar()
            due = conn.execute(sa.text(
                "SELECT count(*) FROM deadlines WHERE state = 'pending' AND due_at <= now() + "
                "make_interval(secs => :o)"), {"o": float(offset or 0)}).scalar()
            return done, due
    finally:
        engine.dispose()


def pg_cluster() -> tuple[str, str]:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    return version, "main"


def pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]).returncode == 0


def backlog(url: str, world: dict, n: int) -> None:
    """Complaints submitted and half of them dispatched before the load starts (timers to fire later)."""
    services = Aduan(url)
    try:
        with transaction(services.sessions) as db:
            for i in range(n):
                inst = world["instansi"][i % len(world["instansi"])]
                services.complaints.submit(db, NewComplaint(
                    type="pengaduan", category="uji", title="Lampu padam", description="Uji: lampu jalan padam.",
                    region_id=inst["region"], instansi_id=inst["id"], reporter_name="Uji"))
    finally:
        services.sql_engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--backlog", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench/faults.py restarts the local PostgreSQL cluster: run it as root")
    url, _drop = api_e2e.make_database("postgresql")
    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / f"aduan-faults-{os.getpid()}"
    workdir.mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen] = []
    faults: list[tuple[float, str]] = []
    began = time.monotonic()

    def note(what: str) -> None:
        faults.append((time.monotonic() - began, what))
        if not args.json:
            print(f"  {time.monotonic() - began:6.1f} s  {what}", flush=True)

    try:
        world = api_e2e.seed_world(url)
        backlog(url, world, args.backlog)
        # The backlog's timers fall due at once: the shared clock jumps before any process starts (a
        # jump while they run would leave each process on the old offset for up to 2 s, which dates
        # its writes before the others'; aduan simulate has the same 2 s of disagreement).
        Aduan(url).clock.move(timedelta(days=6))
        server = start_server(url, workdir / "gunicorn.log")
        processes.append(server)
        log, stop = Log(), threading.Event()
        threads = [threading.Thread(target=citizen, args=(stop, log, world, s), daemon=True) for s in range(3)]
        threads += [threading.Thread(target=officer, args=(stop, log, inst, 10 + i), daemon=True)
                    for i, inst in enumerate(world["instansi"][:3])]
        began = time.monotonic()
        for t in threads:
            t.start()
        workers = [start_worker(url, workdir / "worker-a.log"), start_worker(url, workdir / "worker-b.log")]
        processes.extend(workers)
        note(f"gunicorn (2 workers) and 2 aduan workers on {sa.engine.make_url(url).database}; backlog of "
             f"{args.backlog} complaints whose timers are due (the clock moved 6 days ahead)")
        s = args.seconds

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and fired(url)[0] == 0:
            time.sleep(0.05)
        killed = workers[0]
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait()
        done, due = fired(url)
        note(f"SIGKILL aduan worker {killed.pid} mid-sweep ({done} deadlines fired, {due} still due)")
        time.sleep(2)
        workers[0] = start_worker(url, workdir / "worker-a.log")
        processes.append(workers[0])
        note(f"aduan worker started again ({workers[0].pid})")

        time.sleep(max(0.0, s * 0.2 - (time.monotonic() - began)))
        victim = gunicorn_workers(server)[0]
        os.kill(victim, signal.SIGKILL)
        note(f"SIGKILL gunicorn worker {victim}")

        time.sleep(s * 0.2)
        version, cluster = pg_cluster()
        down_at = time.monotonic()
        note(f"PostgreSQL {version}/{cluster} restart begins")
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "restart"], check=True)
        while not pg_ready():
            time.sleep(0.05)
        up_at = time.monotonic()
        note(f"PostgreSQL answers again ({up_at - down_at:.1f} s after the restart began)")

        time.sleep(max(0.0, s - (time.monotonic() - began)))
        stop.set()
        for t in threads:
            t.join(timeout=30)
        note("load stopped; waiting for the workers to sweep what is due")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and fired(url)[1] > 0:
            time.sleep(1)
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

    result = verify(url, log, down_at, up_at, faults)
    result["leftover_due"] = fired(url)[1]
    result["logs"] = str(workdir)
    print(json.dumps(result) if args.json else json.dumps(result, indent=1))
    drop_database(url)
    sys.exit(0 if result["ok"] else 1)


def drop_database(url: str) -> None:
    """A fresh connection (the restart ended every earlier one)."""
    name = sa.engine.make_url(url).database
    admin = sa.create_engine(api_e2e.PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def verify(url: str, log: Log, down: float, up: float, faults: list) -> dict:
    """``down``/``up``: when the PostgreSQL restart began and when it answered again (monotonic)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        q = lambda sql, **p: conn.execute(sa.text(sql), p)  # noqa: E731
        known = {row[0] for row in q("SELECT tracking_id FROM complaints")}
        lost = [t for t in log.submitted if t not in known]
        trail = collections.Counter({(t, n): c for t, n, c in q(
            "SELECT c.tracking_id, a.task_name, count(*) FROM audit_events a JOIN complaints c "
            "ON c.id = a.complaint_id WHERE a.action = 'task_completed' GROUP BY c.tracking_id, a.task_name")})
        not_once = [(t, n, trail[(t, n)]) for t, n in log.completed if trail[(t, n)] != 1]
        breaches_twice = q("SELECT count(*) FROM (SELECT human_task_id, step FROM sla_breaches "
                           "GROUP BY human_task_id, step HAVING count(*) > 1) d").scalar()
        breach_events_twice = q("SELECT count(*) FROM (SELECT complaint_id, task_name FROM audit_events "
                                "WHERE action = 'sla_breach' GROUP BY complaint_id, task_name "
                                "HAVING count(*) > 1) d").scalar()
        notes_twice = q("SELECT count(*) FROM (SELECT kind, complaint_id, user_id, role, data::text FROM notifications "
                        "GROUP BY kind, complaint_id, user_id, role, data::text HAVING count(*) > 1) d").scalar()
        fired_total = q("SELECT count(*) FROM deadlines WHERE state = 'fired'").scalar()
        failed_total = q("SELECT count(*) FROM deadlines WHERE state = 'failed'").scalar()
        breaches = q("SELECT count(*) FROM sla_breaches").scalar()
    engine.dispose()
    services = Aduan(url)
    try:
        report = check(services.sessions, services.progress)
    finally:
        services.sql_engine.dispose()

    by_status = collections.Counter(str(status) for _t, _k, status in log.answers)
    outage = [(t, s) for t, _k, s in log.answers if down <= t <= up]
    after = [t for t, _k, s in log.answers if t > up and s is not None and s < 500]
    recovery = (min(after) - up) if after else None
    five_hundreds = [s for _t, _k, s in log.answers if s == 500]
    return {
        "ok": not lost and not not_once and not breaches_twice and not breach_events_twice and not notes_twice
              and not five_hundreds and report.ok,
        "requests": len(log.answers), "by_status": dict(sorted(by_status.items())),
        "submitted_201": len(log.submitted), "lost_submissions": len(lost),
        "completed_200": len(log.completed), "completions_not_in_the_trail_once": not_once[:10],
        "deadlines_fired": fired_total, "deadlines_failed": failed_total, "breaches": breaches,
        "breaches_recorded_twice": breaches_twice, "breach_events_twice": breach_events_twice,
        "notifications_twice": notes_twice,
        "during_outage_by_status": dict(collections.Counter(str(s) for _t, s in outage)),
        "postgres_down_s": round(up - down, 2), "recovery_after_postgres_s": None if recovery is None else round(recovery, 2),
        "check": {"complaints": report.complaints, "problems": [f"{p.tracking_id} {p.invariant}: {p.detail}"
                                                                for p in report.problems[:20]]},
        "faults": [f"{t:.1f} s {what}" for t, what in faults],
    }


if __name__ == "__main__":
    main()
