"""Benchmark 6: peak memory of the web and worker processes against a year-scale database.

Starts gunicorn (2 gthread workers, as in bench/api_e2e.py) and one ``aduan worker`` on a copy of a
database made by bench/generate.py, drives a realistic load for a while and samples VmRSS/VmHWM from
/proc/<pid>/status of every process (gunicorn's master and workers, the SLA worker):

* officers (admins and liaison officers who have open tasks) page through their task lists, open
  task forms and complaint pages, read notifications, and claim and complete tasks;
* the clock is moved forward (the ``aduan simulate`` offset in the database, which every process
  follows) so deadlines fall due and the worker's sweeps fire reminders, timers and escalations.

    .venv/bin/python bench/memory.py --database aduan_gen_1m_open [--seconds 120] [--clients 6]
                                     [--ahead-days 3] [--no-copy] [--json]

The generated database is copied first (``CREATE DATABASE ... TEMPLATE``) so it stays as generated;
``--no-copy`` works on it directly.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workflows.clock import OFFSET_KEY  # noqa: E402

PG_ADMIN = os.environ.get("ADUAN_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "bench-password"
PORT = 5078


def url_for(name: str) -> str:
    return sa.engine.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)


def clone(source: str) -> str:
    name = f"aduan_bench_mem_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{source}" STRATEGY FILE_COPY'))
    admin.dispose()
    return name


def drop(name: str) -> None:
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def status_kb(pid: int) -> dict[str, int]:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


class Sampler(threading.Thread):
    def __init__(self, processes: dict[str, int], every: float = 0.5):
        super().__init__(daemon=True)
        self.processes, self.every = processes, every
        self.peak: dict[str, dict[str, int]] = {}
        self.series: dict[str, list[tuple[float, int]]] = {}
        self.stop = threading.Event()
        self.began = time.monotonic()

    def targets(self) -> dict[str, int]:
        found = dict(self.processes)
        for n, child in enumerate(sorted(children(self.processes["gunicorn master"]))):
            found[f"web worker {n + 1}"] = child
        return found

    def run(self) -> None:
        while not self.stop.is_set():
            for label, pid in self.targets().items():
                kb = status_kb(pid)
                if not kb:
                    continue
                peak = self.peak.setdefault(label, {"VmRSS": 0, "VmHWM": 0})
                peak["VmRSS"] = max(peak["VmRSS"], kb["VmRSS"])
                peak["VmHWM"] = max(peak["VmHWM"], kb["VmHWM"])
                self.series.setdefault(label, []).append((time.monotonic() - self.began, kb["VmRSS"]))
            self.stop.wait(self.every)


class Client:
    def __init__(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)

    def call(self, method, path, body=None, token=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, ConnectionError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
            raise
        return response.status, (json.loads(data) if data and data[:1] in (b"{", b"[") else None)


def officers(url: str, count: int, seed: int) -> list[str]:
    """Admins and liaison officers with open tasks, spread over the country."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        admins = conn.execute(sa.text(
            "SELECT u.username FROM users u WHERE u.role = 'admin_instansi' AND EXISTS (SELECT 1 FROM human_tasks t "
            "WHERE t.state = 'open' AND t.instansi_id = u.instansi_id AND t.role = 'admin_instansi') "
            "ORDER BY random() LIMIT :n"), {"n": count // 2}).scalars().all()
        pps = conn.execute(sa.text(
            "SELECT u.username FROM users u WHERE u.role = 'pejabat_penghubung' AND EXISTS (SELECT 1 FROM human_tasks t "
            "WHERE t.state = 'open' AND t.unit_id = u.unit_id AND t.role = 'pejabat_penghubung') "
            "ORDER BY random() LIMIT :n"), {"n": count - count // 2}).scalars().all()
        kor = conn.execute(sa.text("SELECT username FROM users WHERE role IN ('admin_koordinator', 'admin_nasional') "
                                   "ORDER BY username LIMIT 3")).scalars().all()
    engine.dispose()
    people = list(admins) + list(pps) + list(kor)
    random.Random(seed).shuffle(people)
    return people


def drive(tokens: dict[str, str], seconds: float, clients: int, seed: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    names = list(tokens)

    def count(kind: str) -> None:
        with lock:
            counts[kind] = counts.get(kind, 0) + 1

    def run(n: int) -> None:
        rng = random.Random(seed + n)
        client = Client()
        mine = list(names)
        while time.monotonic() < stop and mine:
            who = rng.choice(mine)
            token = tokens[who]
            try:
                offset = rng.choice((0, 0, 0, 50))
                status, tasks = client.call("GET", f"/api/tasks?limit=50&offset={offset}", token=token)
                count(f"task list {status}")
                if status != 200 or not tasks:
                    if offset == 0 and len(mine) > 1:
                        mine.remove(who)  # nothing (left) for this officer: drive the others
                    continue
                task = rng.choice(tasks)
                status, _ = client.call("GET", f"/api/officer/complaints/{task['complaint_id']}", token=token)
                count(f"complaint page {status}")
                status, detail = client.call("GET", f"/api/tasks/{task['id']}", token=token)
                count(f"task form {status}")
                client.call("GET", "/api/notifications", token=token)
                count("notifications")
                if rng.random() < 0.5 and detail and detail.get("form"):
                    if task["name"] == "follow_up":
                        if task["assignee_id"] is None:
                            client.call("POST", f"/api/tasks/{task['id']}/claim", token=token)
                        status, _ = client.call("POST", f"/api/tasks/{task['id']}/complete", token=token,
                                                body={"data": {"follow_up_text": "Sudah ditindaklanjuti."}})
                    elif task["name"] == "verify":
                        status, _ = client.call("POST", f"/api/tasks/{task['id']}/complete", token=token,
                                                body={"data": {"action": "archive", "note": "Duplikat."}})
                    elif task["name"] == "escalation":
                        status, _ = client.call("POST", f"/api/tasks/{task['id']}/complete", token=token,
                                                body={"data": {"note": "Sudah ditegur."}})
                    else:
                        continue
                    count(f"complete {status}")
            except (OSError, http.client.HTTPException):
                count("connection error")

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts


def set_offset(url: str, seconds: float) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM settings WHERE key = :k"), {"k": OFFSET_KEY})
        conn.execute(sa.text("INSERT INTO settings (key, value) VALUES (:k, :v)"), {"k": OFFSET_KEY, "v": str(seconds)})
    engine.dispose()


def measure(database: str, seconds: float, clients: int, officer_count: int, ahead_days: float,
            copy: bool = True, seed: int = 7) -> dict:
    name = clone(database) if copy else database
    url = url_for(name)
    processes: list[subprocess.Popen] = []
    try:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            open_instances = conn.scalar(sa.text("SELECT count(*) FROM process_instances WHERE NOT completed"))
        engine.dispose()
        people = officers(url, officer_count, seed)
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "ADUAN_SWEEP_SECONDS": "2"}
        web = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-k", "gthread", "--threads", "8",
                                "-b", f"127.0.0.1:{PORT}", "--log-level", "warning", "web:create_app()"],
                               cwd=ROOT, env=env)
        processes.append(web)
        worker = subprocess.Popen([str(ROOT / ".venv/bin/aduan"), "worker", "--interval", "2"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(worker)
        deadline = time.monotonic() + 60
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
                c.request("GET", "/api/regions")
                if c.getresponse().status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not come up") from None
                time.sleep(0.3)
        sampler = Sampler({"gunicorn master": web.pid, "sla worker": worker.pid})
        sampler.start()
        client = Client()
        tokens = {}
        for username in people:
            status, body = client.call("POST", "/api/auth/login", {"username": username, "password": PASSWORD})
            if status == 200:
                tokens[username] = body["token"]
        # Deadlines fall due during the run: every process follows the moved clock within seconds.
        moved_from = time.time() + ahead_days * 86400
        set_offset(url, ahead_days * 86400)
        began = time.monotonic()
        counts = drive(tokens, seconds, clients, seed)
        elapsed = time.monotonic() - began
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            handled = conn.scalar(sa.text("SELECT count(*) FROM deadlines WHERE fired_at >= to_timestamp(:t)"),
                                  {"t": moved_from - 60})
        engine.dispose()
        time.sleep(1)
        sampler.stop.set()
        sampler.join()
        return {"database": database, "open_instances": open_instances, "seconds": round(elapsed, 1),
                "officers": len(tokens), "clients": clients, "requests": counts,
                "deadlines_handled": handled,
                "peak_mb": {k: round(v["VmHWM"] / 1024, 1) for k, v in sorted(sampler.peak.items())},
                "rss_mb_first_last": {k: (round(s[0][1] / 1024, 1), round(s[-1][1] / 1024, 1))
                                      for k, s in sorted(sampler.series.items())}}
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        if copy:
            drop(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", nargs="+", required=True, help="generated database(s), e.g. 100k and 1M")
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--officers", type=int, default=60)
    parser.add_argument("--ahead-days", type=float, default=3)
    parser.add_argument("--no-copy", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = [measure(db, args.seconds, args.clients, args.officers, args.ahead_days, copy=not args.no_copy)
               for db in args.database]
    if args.json:
        print(json.dumps(results))
        return
    for r in results:
        print(f"{r['database']}: {r['open_instances']:,} open instances, {r['seconds']} s, "
              f"{r['officers']} officers, deadlines handled {r['deadlines_handled']:,}")
        print(f"  requests: {r['requests']}")
        for label, mb in r["peak_mb"].items():
            first, last = r["rss_mb_first_last"][label]
            print(f"  {label:16s} peak (VmHWM) {mb:7.1f} MB   RSS first {first:7.1f} -> last {last:7.1f} MB")


if __name__ == "__main__":
    main()
