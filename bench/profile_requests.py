"""Where a lifecycle's time goes on the request path: SQL statements and flushes per HTTP request,
in-process through Flask's test client (no gunicorn, no network), optionally under pyinstrument.

    .venv/bin/python bench/profile_requests.py [--backend postgresql|sqlite] [--lifecycles 50]
                                               [--profile out.html] [--statements]
"""
from __future__ import annotations

import argparse
import collections
import re
import sys
import time
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import api_e2e  # noqa: E402

from web import create_app  # noqa: E402
from workflows.service import Aduan  # noqa: E402


class Counter:
    def __init__(self, engine):
        self.statements = collections.Counter()
        self.per_request = collections.defaultdict(list)
        self.flushes = 0
        self.current = None
        self.n = 0
        self.seconds = collections.Counter()
        self.trace = False
        self.requests = collections.defaultdict(list)
        event.listen(engine, "before_cursor_execute", self._stmt)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(Session, "before_flush", self._flush)

    def _stmt(self, conn, cursor, statement, params, context, executemany):
        self.n += 1
        words = statement.split()
        head = " ".join(words[:3]) if words and words[0] in ("UPDATE", "INSERT", "DELETE") else (
            words[0] + " " + (words[words.index("FROM") + 1] if "FROM" in words else ""))
        self.statements[(self.current, head)] += 1
        if self.trace:
            print(f"    [{self.current}] {' '.join(words)[:230]}")
        self.key = (self.current, head)
        self.t0 = time.perf_counter()

    def _after(self, conn, cursor, statement, params, context, executemany):
        self.seconds[self.key] += time.perf_counter() - self.t0

    def _flush(self, session, ctx, instances):
        self.flushes += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="postgresql")
    parser.add_argument("--lifecycles", type=int, default=50)
    parser.add_argument("--profile")
    parser.add_argument("--statements", action="store_true")
    parser.add_argument("--trace", action="store_true", help="print every statement of one lifecycle")
    args = parser.parse_args()
    url, drop = api_e2e.make_database(args.backend)
    try:
        world = api_e2e.seed_world(url)
        services = Aduan(url)
        app = create_app({"TESTING": True, "SECRET_KEY": "bench"}, services=services)
        client = app.test_client()
        counter = Counter(services.sql_engine)

        class C:
            def call(self, method, path, body=None, token=None):
                counter.current = f"{method} " + re.sub(r"/(\d+|LAP-\w+)", "/<id>", path.split("?")[0])
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                began = time.perf_counter()
                r = client.open(path, method=method, json=body, headers=headers)
                counter.requests[counter.current].append(time.perf_counter() - began)
                return r.status_code, r.get_json(silent=True)

        c = C()
        inst = world["instansi"][0]
        admin, pp = api_e2e.login(c, inst["admin"]), api_e2e.login(c, inst["pp"])
        for _ in range(5):
            api_e2e.lifecycle(c, inst, admin, pp)
        if args.trace:
            counter.trace = True
            api_e2e.lifecycle(c, inst, admin, pp)
            counter.trace = False
        counter.statements.clear()
        counter.flushes = counter.n = 0
        counter.seconds.clear()
        counter.requests.clear()
        profiler = None
        if args.profile:
            from pyinstrument import Profiler
            profiler = Profiler(interval=0.0005)
            profiler.start()
        began = time.perf_counter()
        for _ in range(args.lifecycles):
            api_e2e.lifecycle(c, inst, admin, pp)
        elapsed = time.perf_counter() - began
        if profiler:
            profiler.stop()
            Path(args.profile).write_text(profiler.output_html())
            print(profiler.output_text(unicode=False, color=False, show_all=False)[:12000])
        n = args.lifecycles
        print(f"{args.backend}: {n / elapsed:.1f} lifecycles/s in-process; "
              f"{counter.n / n:.1f} statements and {counter.flushes / n:.1f} flushes per lifecycle")
        if args.statements:
            for (req, head), k in sorted(counter.statements.items()):
                print(f"  {k / n:5.1f}  {req:35s} {head:35s} {counter.seconds[(req, head)] / k * 1000:6.2f} ms")
            print(f"SQL execute time per lifecycle: {sum(counter.seconds.values()) / n * 1000:.1f} ms "
                  f"of {elapsed / n * 1000:.1f} ms")
            print("in-process time per request (median ms, statements):")
            for req, times in sorted(counter.requests.items()):
                statements = sum(k for (r, _h), k in counter.statements.items() if r == req) / len(times)
                print(f"  {req:35s} {sorted(times)[len(times) // 2] * 1000:6.1f} ms  {statements:4.1f}")
        services.sql_engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
