"""The designer's server work at scale: the heat-map query, a migration dry run and a migration run,
on N open complaints waiting at verification (the demo's regions and instansi, real migrations).

    .venv/bin/python bench/designer.py [--complaints 1000] [--url postgresql+psycopg://postgres@127.0.0.1:5432/bench_designer]

Default: a throw-away SQLite file. With --url the database is emptied first (drop and recreate the
schema) -- point it at a scratch database.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402

from migrations import upgrade  # noqa: E402
from workflows import demo  # noqa: E402
from workflows.accounts.models import User  # noqa: E402
from workflows.complaints.service import NewComplaint  # noqa: E402
from workflows.db import transaction  # noqa: E402
from workflows.org.models import Instansi  # noqa: E402
from workflows.processes import heatmap  # noqa: E402
from workflows.processes.registry import NATIONAL_SOP  # noqa: E402
from workflows.service import Aduan  # noqa: E402


def prepare(url: str, complaints: int) -> Aduan:
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine
        with create_engine(url).begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(url)
    services = Aduan(url)
    for _line in demo.seed(services):
        pass
    with transaction(services.sessions) as db:
        instansi = db.scalars(select(Instansi)).all()
    for i in range(complaints):
        inst = instansi[i % len(instansi)]
        with transaction(services.sessions) as db:
            services.complaints.submit(db, NewComplaint(
                type="pengaduan", category="infrastruktur", title=f"Laporan uji {i}",
                description="Jalan rusak di depan sekolah, mohon segera diperbaiki.", region_id=inst.region_id,
                instansi_id=inst.id, reporter_name="Warga"))
    return services


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=1000)
    parser.add_argument("--url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/designer.sqlite3"
        began = time.perf_counter()
        services = prepare(url, args.complaints)
        print(f"prepared {args.complaints} complaints in {time.perf_counter() - began:.1f} s ({url.split(':')[0]})")
        with transaction(services.sessions) as db:
            user = db.scalars(select(User).where(User.username == "nasional")).one()
            live = services.designer.versions(db)[0].definition
            shorter = live.bpmn_xml.replace('sla_due("verify")', "working_days(1)", 1)
            target = services.registry.deploy(db, NATIONAL_SOP, shorter, deployed_by_id=user.id, note="bench").version
            source = live.version
            user_id = user.id
        times = []
        for _ in range(7):
            with transaction(services.sessions) as db:
                user = db.get(User, user_id)
                start = time.perf_counter()
                load = heatmap.step_load(db, user, services.policy, services.clock(), NATIONAL_SOP)
                times.append(time.perf_counter() - start)
        waiting = sum(s.waiting for s in load)
        print(f"heat-map over {waiting} open tasks: median {statistics.median(times) * 1000:.1f} ms (7 runs)")
        with transaction(services.sessions) as db:
            start = time.perf_counter()
            plan = services.migrations.plan(db, db.get(User, user_id), NATIONAL_SOP, source, target)
            planned = time.perf_counter() - start
        print(f"dry run of {len(plan)} complaints: {planned:.2f} s ({planned / max(len(plan), 1) * 1000:.1f} ms each)")
        start = time.perf_counter()
        report = services.migrations.run(user_id, NATIONAL_SOP, source, target)
        ran = time.perf_counter() - start
        moved = sum(1 for c in report if c.outcome == "moved")
        print(f"run: {moved} of {len(report)} moved in {ran:.2f} s ({ran / max(len(report), 1) * 1000:.1f} ms each, "
              "one transaction per complaint)")
        services.sql_engine.dispose()


if __name__ == "__main__":
    main()
