"""`aduan check` finds what is out of step after an incident, and a backup restores to a database
that passes it -- on SQLite (the online backup API) and PostgreSQL (pg_dump / pg_restore)."""
from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from sla.scheduler.sweep import sweep
from tests.helpers import Api
from web import create_app
from web.cli import cli
from workflows.backup import BackupError, backup
from workflows.clock import ManualClock
from workflows.processes.consistency import check
from workflows.service import Aduan

WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def busy(database_url, world):
    """Complaints at every stage; a sweep 3.5 working days on fires the late verification (breach, escalation)."""
    clock = ManualClock(datetime(2025, 7, 7, 9, 0, tzinfo=WIB))
    services = Aduan(database_url, clock=clock)
    api = Api(create_app({"TESTING": True, "SECRET_KEY": "t"}, services=services).test_client(), world)
    waiting = api.submit()["tracking_id"]
    dispatched = api.submit()["tracking_id"]
    closed = api.submit()
    api.complete("admin_a", api.task_for("admin_a", dispatched, "verify")["id"],
                 {"action": "dispatch", "unit_id": world.unit_a1})
    api.complete("admin_a", api.task_for("admin_a", closed["tracking_id"], "verify")["id"],
                 {"action": "dispatch", "unit_id": world.unit_a1})
    follow = api.task_for("pp_a1", closed["tracking_id"], "follow_up")
    api.claim("pp_a1", follow["id"])
    api.complete("pp_a1", follow["id"], {"follow_up_text": "Sudah diperbaiki."})
    assert api.reply(closed["tracking_id"], closed["reporter_token"],
                     {"satisfied": True, "rating": "puas"}).status_code == 200
    clock.set(datetime(2025, 7, 10, 17, 0, tzinfo=WIB))  # verification late, follow-up still running
    result = sweep(services)
    assert result.fired and not result.failed
    yield services, {"waiting": waiting, "dispatched": dispatched, "closed": closed["tracking_id"]}
    services.sql_engine.dispose()


def _corrupt(services, sql: str, **params) -> None:
    with services.sql_engine.begin() as conn:
        assert conn.execute(sa.text(sql), params).rowcount == 1


def _found(services) -> set[tuple[str, str]]:
    report = check(services.sessions, services.progress)
    return {(p.invariant, p.tracking_id) for p in report.problems}


def test_a_consistent_database_passes(busy):
    services, _ = busy
    report = check(services.sessions, services.progress, batch=2)  # several batches
    assert report.ok, report.problems
    assert report.instances == report.complaints == 3


def test_each_kind_of_drift_is_found_and_named(busy):
    services, tid = busy
    _corrupt(services, "UPDATE human_tasks SET state = 'cancelled' WHERE id = (SELECT min(h.id) FROM human_tasks h "
                       "JOIN complaints c ON c.id = h.complaint_id WHERE c.tracking_id = :t AND h.state = 'open' "
                       "AND h.kind = 'bpmn')", t=tid["waiting"])
    assert _found(services) == {("projection", tid["waiting"])}

    _corrupt(services, "UPDATE deadlines SET state = 'cancelled' WHERE id = (SELECT min(d.id) FROM deadlines d "
                       "JOIN complaints c ON c.id = d.complaint_id WHERE c.tracking_id = :t AND d.state = 'pending' "
                       "AND d.kind = 'timer')", t=tid["dispatched"])
    _corrupt(services, "UPDATE complaints SET status = 'dipending' WHERE tracking_id = :t", t=tid["closed"])
    found = _found(services)
    assert ("timers", tid["dispatched"]) in found and ("status", tid["closed"]) in found

    _corrupt(services, "INSERT INTO audit_events (complaint_id, at, actor_kind, action, data, public) "
                       "SELECT id, :at, 'system', 'late_entry', '{}', false FROM complaints WHERE tracking_id = :t",
             t=tid["closed"], at=datetime(2024, 1, 1, tzinfo=WIB))
    assert ("audit", tid["closed"]) in _found(services)

    r = CliRunner().invoke(cli, ["check"], env={"DATABASE_URL": services.sql_engine.url.render_as_string(
        hide_password=False), "SECRET_KEY": "t"})
    assert r.exit_code == 1
    assert tid["waiting"] in r.output and "projection" in r.output and "problems" in r.output


def test_a_backup_restores_to_a_database_that_passes_the_check(busy, backend, tmp_path, request):
    services, tid = busy
    url = services.sql_engine.url.render_as_string(hide_password=False)
    target = tmp_path / ("copy.sqlite3" if backend == "sqlite" else "copy.dump")
    said = backup(target, url)
    assert str(target) in said and target.stat().st_size > 0
    with pytest.raises(BackupError, match="exists already"):
        backup(target, url)
    if backend == "sqlite":
        restored_url = f"sqlite:///{target}"
    else:
        admin = request.getfixturevalue("pg_admin")
        name = f"aduan_restore_{tmp_path.name[-8:].replace('-', '_')}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        restored = sa.engine.make_url(url).set(database=name)
        dsn = restored.set(drivername="postgresql").render_as_string(hide_password=False)
        run = subprocess.run(["pg_restore", "--no-owner", f"--dbname={dsn}", str(target)],
                             capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        restored_url = restored.render_as_string(hide_password=False)
        request.addfinalizer(lambda: _drop(admin, name))
    copy = Aduan(restored_url)
    try:
        report = check(copy.sessions, copy.progress)
        assert report.ok, report.problems
        assert report.complaints == 3
        r = CliRunner().invoke(cli, ["check"], env={"DATABASE_URL": restored_url, "SECRET_KEY": "t"})
        assert r.exit_code == 0 and "consistent" in r.output
    finally:
        copy.sql_engine.dispose()


def _drop(admin, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class TickingClock(ManualClock):
    """Every reading is a minute later than the one before: a slow sweep on a busy system."""

    def __call__(self):
        self.now += timedelta(minutes=1)
        return self.now


def test_a_long_sweep_dates_what_it_does_when_it_does_it(database_url, world):
    """Found by `aduan check` under load (bench/faults.py): the sweep took its moment once, so the
    breaches and escalations of its later batches were dated before the events the same
    transactions wrote through the process."""
    clock = TickingClock(datetime(2025, 7, 7, 9, 0, tzinfo=WIB))
    services = Aduan(database_url, clock=clock)
    try:
        api = Api(create_app({"TESTING": True, "SECRET_KEY": "t"}, services=services).test_client(), world)
        for _ in range(4):
            api.submit()
        clock.set(datetime(2025, 7, 10, 17, 0, tzinfo=WIB))  # every verification is late
        result = sweep(services, batch=1)
        assert result.kinds.get("timer", 0) >= 4 and not result.failed
        report = check(services.sessions, services.progress)
        assert report.ok, report.problems
    finally:
        services.sql_engine.dispose()
