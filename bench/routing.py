"""What the routing table costs a new report: submitting N reports (the process starts, the SOP's `route`
task evaluates the region's DMN table) with an empty routing table and with a full one (the national,
province and city tables at their 200-row ceiling, keyword rows included), on the demo's regions.

    .venv/bin/python bench/routing.py [--reports 200] [--url postgresql+psycopg://postgres@127.0.0.1:5432/bench_routing]

Default: a throw-away SQLite file. With --url the database is emptied first -- point it at a scratch database.
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
from workflows.complaints import categories  # noqa: E402
from workflows.complaints.service import NewComplaint  # noqa: E402
from workflows.db import transaction  # noqa: E402
from workflows.org.models import Instansi, Region  # noqa: E402
from workflows.routing import table as routing  # noqa: E402
from workflows.routing.table import MAX_ROWS  # noqa: E402
from workflows.service import Aduan  # noqa: E402


def prepare(url: str) -> Aduan:
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine
        with create_engine(url).begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(url)
    services = Aduan(url)
    for _line in demo.seed(services):
        pass
    return services


def fill_tables(services: Aduan) -> int:
    """Every table the city's reports read, filled to its ceiling with keyword rows (the costliest kind)."""
    now = services.clock()
    added = 0
    with transaction(services.sessions) as db:
        instansi = db.scalars(select(Instansi)).first()
        for code in (None, "32", "32.73"):
            region = db.scalars(select(Region).where(Region.code == code)).first() if code else None
            have = len([r for r, source in routing.applicable(db, region) if source == "here"])
            for i in range(MAX_ROWS - have):
                category = f"uji_{code or 'n'}_{i}".replace(".", "_")
                categories.add(db, category, category, category, user=None, now=now)
                routing.add_row(db, region, category=category, keywords=f"kata{i}, lain{i}",
                                instansi_id=instansi.id, user=None, now=now)
                added += 1
    return added


def submit_many(services: Aduan, reports: int) -> list[float]:
    with transaction(services.sessions) as db:
        city = db.scalars(select(Region).where(Region.code == "32.73")).one()
        region_id = city.id
    took = []
    for i in range(reports):
        start = time.perf_counter()
        with transaction(services.sessions) as db:
            services.complaints.submit(db, NewComplaint(
                type="pengaduan", category="infrastruktur", title=f"Jalan rusak {i}",
                description="Jalan berlubang di depan sekolah, mohon segera diperbaiki.", region_id=region_id,
                instansi_id=None, reporter_name="Warga"))
        took.append(time.perf_counter() - start)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/bench_routing.sqlite3"
        services = prepare(url)
        try:
            empty = submit_many(services, args.reports)
            rows = fill_tables(services)
            full = submit_many(services, args.reports)
        finally:
            services.sql_engine.dispose()
    backend = url.split(":", 1)[0]
    for label, took in (("demo tables (6 rows)", empty), (f"full tables (+{rows} rows)", full)):
        ms = sorted(t * 1000 for t in took)
        print(f"{backend:22} submit, {label:28} median {statistics.median(ms):6.1f} ms"
              f"  p95 {ms[int(len(ms) * 0.95) - 1]:6.1f} ms  (n={len(ms)})")


if __name__ == "__main__":
    main()
