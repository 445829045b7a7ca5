"""The `aduan` command: init-db, seed-demo, the SLA rule commands and simulate, on a real database."""
from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from web.cli import cli
from workflows.complaints.models import Complaint
from workflows.db import transaction
from workflows.service import Aduan
from workflows.sla.models import Deadline, SlaLimit


def invoke(url: str, *args: str):
    return CliRunner().invoke(cli, list(args), env={"DATABASE_URL": url, "SECRET_KEY": "t"}, catch_exceptions=False)


def test_init_seed_and_rules(database_url):
    r = invoke(database_url, "init-db")
    assert r.exit_code == 0 and "sop_nasional v1" in r.output
    r = invoke(database_url, "seed-demo")
    assert r.exit_code == 0 and "diarsipkan" in r.output
    again = invoke(database_url, "seed-demo")
    assert again.exit_code != 0 and "already" in again.output
    assert invoke(database_url, "seed-demo", "--if-empty").exit_code == 0

    services = Aduan(database_url)
    try:
        with transaction(services.sessions) as db:
            statuses = set(db.scalars(select(Complaint.status)))
            assert statuses >= {"belum_diproses", "didisposisi", "dalam_proses", "dipending", "diselesaikan",
                                "diarsipkan"}
            assert db.scalar(select(func.count()).select_from(Deadline).where(Deadline.state == "pending")) > 0
    finally:
        services.sql_engine.dispose()

    r = invoke(database_url, "sla", "due", "3WD", "--start", "2025-03-28T10:00+07:00")
    assert r.output.strip() == "2025-04-10T16:00:00+07:00"
    r = invoke(database_url, "sla", "day", "2025-04-09", "off", "--region", "32.73")
    assert r.exit_code == 0
    r = invoke(database_url, "sla", "due", "3WD", "--region", "32.73", "--start", "2025-03-28T10:00+07:00")
    assert r.output.strip() == "2025-04-11T16:00:00+07:00"
    r = invoke(database_url, "sla", "limit", "follow_up", "4WD", "--tier", "normatif", "--region", "32.73")
    assert r.exit_code == 0
    with transaction(services.sessions) as db:
        assert db.scalars(select(SlaLimit.limit).where(SlaLimit.step == "follow_up", SlaLimit.tier == "normatif",
                                                       SlaLimit.region_id.is_not(None))).all() == ["4WD"]
    # the regulation's limits are maxima: a region may not loosen them, and is told in a sentence
    r = invoke(database_url, "sla", "limit", "follow_up", "7WD", "--tier", "normatif", "--region", "32.73")
    assert r.exit_code != 0 and "At most 5WD" in r.output and "not_one_of" not in r.output
    r = invoke(database_url, "sla", "show", "--region", "32.73")
    assert r.exit_code == 0 and "follow_up/normatif" in r.output and "4WD" in r.output and "here" in r.output
    assert "verify " in r.output and "national" in r.output
    # the demo's routing rows for Kota Bandung: its own first, then the province's and the national ones
    routing = r.output.split("routing (first match wins):")[1].splitlines()
    assert "infrastruktur [jalan, lubang, trotoar]" in routing[1] and "Dinas Pekerjaan Umum" in routing[1]
    assert routing[1].endswith("here") and routing[-1].endswith("province")
    # a chain level without its time is refused instead of replacing the whole chain with one level
    r = invoke(database_url, "sla", "chain", "pejabat_penghubung")
    assert r.exit_code != 0 and "ROLE:LIMIT" in r.output
    r = invoke(database_url, "sla", "chain", "pejabat_penghubung:2WD,kepala_dinas:2WD")
    assert r.exit_code != 0 and "Level 2" in r.output and "kepala_dinas" in r.output
    r = CliRunner().invoke(cli, ["sla", "limit", "verify", "3 days"], env={"DATABASE_URL": database_url})
    assert r.exit_code != 0
    r = invoke(database_url, "sla", "due", "3WD", "--region", "99.99")
    assert r.exit_code != 0


def test_simulate_moves_the_shared_clock_and_sweeps(database_url):
    assert invoke(database_url, "init-db").exit_code == 0
    assert invoke(database_url, "seed-demo").exit_code == 0
    r = invoke(database_url, "simulate", "--days", "8", "--step-hours", "24")
    assert r.exit_code == 0 and "timer" in r.output and "clock now" in r.output
    services = Aduan(database_url)
    try:
        with transaction(services.sessions) as db:
            due_left = db.scalar(select(func.count()).select_from(Deadline).where(
                Deadline.state == "pending", Deadline.due_at <= services.clock()))
        assert due_left == 0
    finally:
        services.sql_engine.dispose()
    assert invoke(database_url, "simulate", "--days", "-1").exit_code != 0


def test_monev_refresh(database_url):
    assert invoke(database_url, "init-db").exit_code == 0
    assert invoke(database_url, "seed-demo").exit_code == 0
    first = invoke(database_url, "monev", "refresh")
    assert first.exit_code == 0 and first.output.strip().endswith("day rows rebuilt (full)")
    rebuilt = int(first.output.split()[0])
    services = Aduan(database_url)
    try:
        with transaction(services.sessions) as db:
            # (a report waiting for triage has no instansi yet: monev counts it once routed)
            pairs = db.execute(select(Complaint.received_on, Complaint.instansi_id)
                               .where(Complaint.instansi_id.is_not(None)).distinct()).all()
    finally:
        services.sql_engine.dispose()
    assert rebuilt == len(pairs) > 0  # one rollup row per (arrival day, instansi)
    again = invoke(database_url, "monev", "refresh")
    assert again.exit_code == 0 and "(full)" not in again.output
    full = invoke(database_url, "monev", "refresh", "--full")
    assert full.output.strip() == first.output.strip()
