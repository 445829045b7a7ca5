"""What the breach-risk estimate costs the task list: a world of 4 instansi with 3 units each, a history
of N past tasks of two steps (verification by the Admin Instansi, follow-up by the units) over the last
300 days, and M open tasks; then, per call, the task list without the estimate (the bare query), with it
warm (curves cached) and cold (history read and curves built), the "risk" sort over an instansi's open
tasks, and a national admin's at-risk list.

    .venv/bin/python bench/risk_estimate.py [--history 5000] [--open 2000] [--repeat 30] [--url URL]

Default: a throw-away SQLite file. With --url (PostgreSQL) the database is emptied first -- a scratch one.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402

from migrations import upgrade  # noqa: E402
from workflows.accounts import credentials, roles  # noqa: E402
from workflows.accounts.models import User  # noqa: E402
from workflows.clock import ManualClock  # noqa: E402
from workflows.complaints.service import NewComplaint  # noqa: E402
from workflows.db import transaction  # noqa: E402
from workflows.org.models import Instansi, Region, Unit  # noqa: E402
from workflows.service import Aduan  # noqa: E402
from workflows.tasks import queries  # noqa: E402
from workflows.tasks.models import HumanTask  # noqa: E402
from workflows.tasks.queries import TaskQuery  # noqa: E402

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2025, 11, 12, 10, 0, tzinfo=WIB)  # a Wednesday
STEPS = (("verify_report", roles.ADMIN_INSTANSI, 3), ("follow_up", roles.PEJABAT_PENGHUBUNG, 5))


def prepare(url: str, history: int, open_tasks: int, seed: int) -> Aduan:
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine
        with create_engine(url).begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(url)
    services = Aduan(url, clock=ManualClock(NOW))
    rng = random.Random(seed)
    with transaction(services.sessions) as db:
        services.registry.deploy_bundled(db)
        province = Region(code="91", name="Provinsi Bench", kind="province")
        db.add(province)
        db.flush()
        regency = Region(code="91.01", name="Kota Bench", kind="regency", parent_id=province.id)
        db.add(regency)
        db.flush()
        units = []
        for i in range(4):
            inst = Instansi(code=f"inst-{i}", name=f"Instansi {i}", region_id=regency.id)
            db.add(inst)
            db.flush()
            credentials.create_user(db, f"admin{i}", f"Admin {i}", "bench-password-1", roles.ADMIN_INSTANSI,
                                    instansi_id=inst.id, region_id=regency.id)
            for j in range(3):
                unit = Unit(instansi_id=inst.id, code=f"u{j}", name=f"Unit {i}.{j}", region_id=regency.id)
                db.add(unit)
                db.flush()
                units.append((inst.id, unit.id, rng.choice((0.5, 1.0, 2.0, 4.0))))  # the unit's pace
        credentials.create_user(db, "nasional", "Nasional", "bench-password-1", roles.ADMIN_NASIONAL)
        services.complaints.submit(db, NewComplaint(
            type="pengaduan", category="infrastruktur", title="Jalan rusak", description="Jalan berlubang di depan.",
            region_id=regency.id, instansi_id=units[0][0], reporter_name="Warga"))
        anchor = db.scalars(select(HumanTask)).first()
        calendar = services.policy.calendar(regency.id)
        rows = []
        for n in range(history + open_tasks):
            name, role, days = STEPS[n % 2]
            inst_id, unit_id, pace = rng.choice(units)
            is_open = n >= history
            created = NOW - timedelta(days=rng.uniform(0, 5) if is_open else rng.uniform(0, 300))
            due = calendar.add_working_days(created, days)
            done = calendar.add_working_seconds(created, rng.lognormvariate(0, 1) * pace * 8 * 3600)
            finished = not is_open and done <= NOW
            rows.append(dict(instance_id=anchor.instance_id, complaint_id=anchor.complaint_id,
                             spiff_task_id=f"bench-{uuid.uuid4().hex}", kind="bpmn", name=name, title=name, role=role,
                             region_id=province.id, instansi_id=inst_id,
                             unit_id=unit_id if role == roles.PEJABAT_PENGHUBUNG else None,
                             state="completed" if finished else "open", created_at=created, due_at=due,
                             completed_at=done if finished else None, lock_version=1))
        db.execute(insert(HumanTask), rows)
    return services


def timed(fn, repeat: int) -> tuple[float, float]:
    took = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        took.append((time.perf_counter() - start) * 1000)
    return statistics.median(took), max(took)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--history", type=int, default=5000)
    parser.add_argument("--open", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--url")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='aduan-risk-')}/bench.sqlite3"
    services = prepare(url, args.history, args.open, args.seed)
    risk = services.risk
    with transaction(services.sessions) as db:
        admin = db.scalar(select(User).where(User.username == "admin0"))
        national = db.scalar(select(User).where(User.username == "nasional"))
        mine = queries.count_for(db, admin, TaskQuery(), NOW)

        def bare():
            queries.page_for(db, admin, TaskQuery(limit=50), NOW)

        def warm():
            risk.task_page(db, admin, TaskQuery(limit=50))

        def cold():
            risk.invalidate()
            risk.clocks.__init__()  # the working-time totals too
            risk.task_page(db, admin, TaskQuery(limit=50))

        def by_risk():
            risk.task_page(db, admin, TaskQuery(limit=50, sort="risk"))

        def at_risk():
            risk.at_risk(db, national)

        rows, _total = risk.task_page(db, admin, TaskQuery(limit=50))
        estimated = sum(r.risk is not None for r in rows)
        results = {name: timed(fn, args.repeat if name != "cold" else max(3, args.repeat // 5))
                   for name, fn in (("bare", bare), ("warm", warm), ("cold", cold), ("risk sort", by_risk),
                                    ("at-risk (national)", at_risk))}
        page = risk.at_risk(db, national)
    backend = url.split(":", 1)[0]
    print(f"backend {backend}; history {args.history} past tasks (2 steps, 4 instansi, 12 units, 300 days), "
          f"{args.open} open tasks; admin0's list: {mine} tasks, {estimated} of the first 50 with an estimate; "
          f"national at-risk list: {page.total} of {page.scanned} open tasks")
    print(f"{'call':<22}{'median ms':>12}{'max ms':>10}")
    for name, (median, worst) in results.items():
        print(f"{name:<22}{median:>12.2f}{worst:>10.2f}")
    print(f"estimate on a warm task list page of 50: +{results['warm'][0] - results['bare'][0]:.2f} ms "
          f"over the bare query")


if __name__ == "__main__":
    main()
