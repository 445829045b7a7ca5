"""Time limits in working days, with a clock the tests move: reminders, breaches, escalation up the
region's chain, deferral pause/resume, auto-close, reopen, and workers sharing the sweep."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from sla.scheduler.sweep import sweep
from tests.helpers import Api
from web import create_app
from workflows.audit import AuditEvent
from workflows.clock import OFFSET_KEY, ManualClock
from workflows.complaints.models import Complaint
from workflows.complaints.service import NewComplaint
from workflows.db import transaction
from workflows.notifications.models import Notification
from workflows.org.models import Region
from workflows.service import Aduan
from workflows.settings import Setting
from workflows.sla import rules as sla_rules
from workflows.sla.models import Deadline, SlaBreach
from workflows.tasks.models import HumanTask

WIB = ZoneInfo("Asia/Jakarta")


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB)


@pytest.fixture
def clocked(database_url, world):
    """Services and an API client on the test database, with a hand-moved clock."""
    clock = ManualClock(wib(2025, 7, 7, 9, 0))  # Monday, no holidays that week
    services = Aduan(database_url, clock=clock)
    api = Api(create_app({"TESTING": True, "SECRET_KEY": "t"}, services=services).test_client(), world)
    yield services, api, clock
    services.sql_engine.dispose()


def _due(api: Api, user: str, tid: str) -> datetime:
    return datetime.fromisoformat(api.task_for(user, tid)["due_at"])


def _events(services: Aduan, action: str) -> list[AuditEvent]:
    with transaction(services.sessions) as db:
        return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_verification_due_date_skips_nyepi_lebaran_and_cuti_bersama(clocked):
    services, api, clock = clocked
    clock.set(wib(2025, 3, 28, 10, 0))  # Friday, cuti bersama Nyepi, before Lebaran 2025
    tid = api.submit()["tracking_id"]
    assert _due(api, "admin_a", tid) == wib(2025, 4, 10, 16, 0)


def test_region_override_moves_the_due_date(clocked, world):
    services, api, clock = clocked
    clock.set(wib(2025, 3, 28, 10, 0))
    with transaction(services.sessions) as db:
        regency = db.get(Region, world.regency)
        sla_rules.set_day(db, services.policy, datetime(2025, 4, 9).date(), "off", regency, "libur daerah",
                          now=clock())
    services.policy.invalidate()
    tid = api.submit()["tracking_id"]
    assert _due(api, "admin_a", tid) == wib(2025, 4, 11, 16, 0)
    # a province override reaches its regencies too; cancelling a cuti bersama day moves it earlier
    with transaction(services.sessions) as db:
        province = db.get(Region, world.province)
        sla_rules.set_day(db, services.policy, datetime(2025, 4, 7).date(), "on", province, now=clock())
    services.policy.invalidate()
    tid = api.submit()["tracking_id"]
    assert _due(api, "admin_a", tid) == wib(2025, 4, 10, 16, 0)


def test_limits_are_data_per_region_and_tier(clocked, world):
    services, api, clock = clocked
    with transaction(services.sessions) as db:
        sla_rules.set_limit(db, services.policy, "verify", "1WD", region=db.get(Region, world.province), now=clock())
    services.policy.invalidate()
    tid = api.submit()["tracking_id"]
    assert _due(api, "admin_a", tid) == wib(2025, 7, 8, 16, 0)
    verify = api.task_for("admin_a", tid)
    api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1, "tier": "ringan"})
    assert _due(api, "pp_a1", tid) == wib(2025, 7, 7, 12, 0)  # light complaint: 3 working hours


def test_reminder_then_breach_then_escalation_up_the_chain(clocked, world):
    services, api, clock = clocked
    tid = api.submit()["tracking_id"]
    assert _due(api, "admin_a", tid) == wib(2025, 7, 10, 16, 0)

    clock.set(wib(2025, 7, 10, 9, 0))          # 80% of 31 working hours is Thu 09:48
    assert sweep(services).fired == 0
    clock.set(wib(2025, 7, 10, 10, 0))
    assert sweep(services).kinds == {"reminder": 1}
    with transaction(services.sessions) as db:
        [note] = db.scalars(select(Notification)).all()
        assert (note.kind, note.role, note.instansi_id) == ("reminder", "admin_instansi", world.inst_a)
    assert [e.data["step"] for e in _events(services, "sla_reminder")] == ["verify"]
    seen = api.client.get("/api/notifications", headers=api.auth("admin_a")).json
    assert [(n["kind"], n["data"]["tracking_id"]) for n in seen] == [("reminder", tid)]
    assert api.client.get("/api/notifications", headers=api.auth("admin_b")).json == []

    clock.set(wib(2025, 7, 10, 16, 30))
    assert sweep(services).kinds == {"timer": 1}
    public = api.track(tid).json
    assert [e["action"] for e in public["timeline"]].count("sla_breach") == 1
    assert public["status"] == "belum_diproses"  # non-interrupting: the verification is still open
    with transaction(services.sessions) as db:
        [breach] = db.scalars(select(SlaBreach)).all()
        assert (breach.step, breach.instansi_id) == ("verify", world.inst_a)
    first = api.task_for("koord", tid, "escalation")
    assert first["title"].startswith("Eskalasi")
    assert all(t["name"] != "escalation" for t in api.tasks("nasional"))

    clock.set(wib(2025, 7, 14, 16, 30))        # the coordinator's 2 working days are up: next level
    assert sweep(services).kinds == {"escalate": 1}
    api.task_for("nasional", tid, "escalation")
    assert [e.data["to_role"] for e in _events(services, "escalated")] == ["admin_koordinator", "admin_nasional"]

    verify = api.task_for("admin_a", tid, "verify")
    assert api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1}).status_code == 200
    assert all(t["name"] != "escalation" for t in api.tasks("koord") + api.tasks("nasional"))
    with transaction(services.sessions) as db:
        assert db.scalar(select(func.count()).select_from(Deadline).where(
            Deadline.kind == "escalate", Deadline.state == "pending")) == 0


def test_escalation_task_is_acknowledged_with_a_note(clocked, world):
    services, api, clock = clocked
    tid = api.submit()["tracking_id"]
    clock.set(wib(2025, 7, 11, 9, 0))
    sweep(services)
    esc = api.task_for("koord", tid, "escalation")
    r = api.complete("koord", esc["id"], {})
    assert r.status_code == 422 and "note" in r.json["fields"]
    r = api.complete("koord", esc["id"], {"note": "Admin instansi sudah ditegur."})
    assert r.status_code == 200 and r.json["state"] == "completed"


def test_deferral_stops_the_clock_and_resumes_with_the_time_left(clocked, world):
    services, api, clock = clocked
    s = api.submit()
    tid, token = s["tracking_id"], s["reporter_token"]
    clock.set(wib(2025, 7, 8, 9, 0))           # Mon 7h + Tue 1h (from 08:00) of 31 used: 23 left
    verify = api.task_for("admin_a", tid)
    api.complete("admin_a", verify["id"], {"action": "defer", "note": "Mohon lengkapi lokasi."})
    clock.set(wib(2025, 7, 18, 9, 0))          # ten days later: nothing may fire while paused
    assert sweep(services).fired == 0
    assert api.track(tid).json["status"] == "dipending"
    api.reply(tid, token, {"additional_info": "Depan pasar, sisi utara."})
    # 23 working hours from Fri 18 Jul 09:00: 7 (Fri) + 8 (Mon) + 8 (Tue) -> Tue 22 Jul 16:00
    assert _due(api, "admin_a", tid) == wib(2025, 7, 22, 16, 0)
    paused = _events(services, "sla_paused")
    assert [(e.data["step"], e.data["remaining_seconds"]) for e in paused] == [("verify", 23 * 3600)]


def test_reporter_silence_closes_the_complaint_after_ten_working_days(clocked, world):
    services, api, clock = clocked
    tid = api.submit()["tracking_id"]
    api.complete("admin_a", api.task_for("admin_a", tid)["id"], {"action": "dispatch", "unit_id": world.unit_a1})
    api.complete("pp_a1", api.task_for("pp_a1", tid)["id"], {"follow_up_text": "Sudah diperbaiki."})
    # 10 working days after Mon 7 Jul: 8..11, 14..18, 21 -> Mon 21 Jul 16:00
    clock.set(wib(2025, 7, 21, 15, 59))
    sweep(services)
    assert api.track(tid).json["closed_at"] is None
    clock.set(wib(2025, 7, 21, 16, 1))
    assert sweep(services).kinds == {"timer": 1}
    public = api.track(tid).json
    assert public["closed_at"] is not None and public["status"] == "diselesaikan"
    assert [e["data"].get("outcome") for e in public["timeline"] if e["action"] == "process_ended"] == ["auto_closed"]
    with transaction(services.sessions) as db:
        assert db.scalar(select(func.count()).select_from(SlaBreach)) == 0
        # the reporter is told, by the outbox, of each step and of the closing without an answer
        from workflows.mail.models import OutboxMessage
        assert list(db.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id))) == [
            "submitted", "followed_up", "auto_closed"]


def test_reopening_starts_a_fresh_follow_up_clock(clocked, world):
    services, api, clock = clocked
    s = api.submit()
    tid, token = s["tracking_id"], s["reporter_token"]
    api.complete("admin_a", api.task_for("admin_a", tid)["id"], {"action": "dispatch", "unit_id": world.unit_a1})
    assert _due(api, "pp_a1", tid) == wib(2025, 7, 14, 16, 0)
    api.complete("pp_a1", api.task_for("pp_a1", tid)["id"], {"follow_up_text": "Sudah."})
    clock.set(wib(2025, 7, 16, 10, 0))
    api.reply(tid, token, {"satisfied": False, "comment": "Belum beres."})
    assert _due(api, "pp_a1", tid) == wib(2025, 7, 23, 16, 0)


def _complaints(services: Aduan, world, count: int) -> None:
    for i in range(count):
        with transaction(services.sessions) as db:
            services.complaints.submit(db, NewComplaint(
                type="pengaduan", category="uji", title=f"Laporan {i}", description="Uji beban tenggat waktu.",
                region_id=world.regency, instansi_id=world.inst_a, reporter_name="Uji"))


@pytest.mark.postgres
def test_two_workers_fire_200_due_timers_exactly_once(database_url, world):
    clock = ManualClock(wib(2025, 7, 7, 9, 0))
    setup = Aduan(database_url, clock=clock)
    _complaints(setup, world, 200)
    clock.set(wib(2025, 7, 11, 9, 0))
    workers = [Aduan(database_url, clock=clock) for _ in range(2)]
    results = []
    barrier = threading.Barrier(2)

    def run(services):
        barrier.wait()
        results.append(sweep(services, batch=10))

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.kinds.get("timer", 0) for r in results) == 200
    assert sum(r.kinds.get("reminder", 0) for r in results) == 200
    assert all(r.fired > 0 for r in results), "both workers took a share"
    with transaction(setup.sessions) as db:
        per_complaint = db.execute(select(SlaBreach.complaint_id, func.count()).group_by(SlaBreach.complaint_id)).all()
        assert len(per_complaint) == 200 and {n for _c, n in per_complaint} == {1}
        assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "sla_breach")) == 200
        assert db.scalar(select(func.count()).select_from(HumanTask).where(HumanTask.kind == "escalation")) == 200
    for services in [setup, *workers]:
        services.sql_engine.dispose()


def test_a_worker_killed_mid_sweep_fires_nothing_twice_and_misses_nothing(database_url, world, tmp_path):
    """A real `aduan sweep` process is killed while it works; the next sweep finishes the job."""
    setup = Aduan(database_url)  # the database clock, shared with the worker process
    _complaints(setup, world, 120)
    with transaction(setup.sessions) as db:
        db.add(Setting(key=OFFSET_KEY, value=str(timedelta(days=8).total_seconds())))
    env = {**os.environ, "DATABASE_URL": database_url, "ADUAN_SWEEP_BATCH": "5"}
    worker = subprocess.Popen([sys.executable, "-m", "web.cli", "sweep"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with transaction(setup.sessions) as db:
                done = db.scalar(select(func.count()).select_from(SlaBreach))
            if done >= 10 or worker.poll() is not None:
                break
            time.sleep(0.05)
        assert worker.poll() is None, "the worker finished before it could be killed; make the batch smaller"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    with transaction(setup.sessions) as db:
        partial = db.scalar(select(func.count()).select_from(SlaBreach))
    assert 0 < partial < 120
    setup.clock.forget()
    sweep(setup)
    with transaction(setup.sessions) as db:
        per_complaint = dict(db.execute(select(SlaBreach.complaint_id, func.count())
                                        .group_by(SlaBreach.complaint_id)).all())
        complaints = db.scalars(select(Complaint.id)).all()
        assert set(per_complaint) == set(complaints) and set(per_complaint.values()) == {1}
        assert db.scalar(select(func.count()).select_from(Deadline).where(
            Deadline.state == "pending", Deadline.due_at <= setup.clock())) == 0
    setup.sql_engine.dispose()


@pytest.mark.postgres
def test_the_sweep_skips_an_instance_an_officer_is_changing(clocked, world):
    """While an officer's transaction holds an instance, the sweep leaves its timer for the next
    sweep instead of waiting (or deadlocking); the other due timers fire."""
    from workflows.processes.models import ProcessInstance
    services, api, clock = clocked
    busy, free = api.submit()["tracking_id"], api.submit()["tracking_id"]
    clock.set(wib(2025, 7, 11, 9, 0))
    officer = services.sessions()
    try:
        busy_id = officer.scalars(select(Complaint.id).where(Complaint.tracking_id == busy)).one()
        officer.scalars(select(ProcessInstance).where(ProcessInstance.complaint_id == busy_id)
                        .with_for_update()).one()
        first = sweep(services)
        assert first.kinds.get("timer") == 1
        officer.rollback()
    finally:
        officer.close()
    assert sweep(services).kinds.get("timer") == 1
    for tid in (busy, free):
        assert [e["action"] for e in api.track(tid).json["timeline"]].count("sla_breach") == 1
