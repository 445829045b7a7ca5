"""``aduan import``: past complaints from another system become history the rest of Aduan reads like its own
(tasks with due moments by the region's rules, missed limits, monev milestones, the audit trail), every row
whole or not at all."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from click.testing import CliRunner
from sqlalchemy import func, select

from sla.calendar import Limit
from web.cli import cli
from workflows.audit import AuditEvent
from workflows.complaints.models import Complaint
from workflows.db import transaction
from workflows.history import importer
from workflows.history.models import ImportedComplaint
from workflows.history.rows import read
from workflows.monev import rollup
from workflows.monev.models import MonevDaily
from workflows.processes.consistency import check
from workflows.processes.models import ProcessInstance
from workflows.sla.models import SlaBreach
from workflows.tasks.models import HumanTask

HEADER = ("external_id,received_at,region,instansi,category,type,title,unit,tier,verify_started,verify_done,"
          "verify_action,follow_up_started,follow_up_done,reporter_response_done,satisfied,rating\n")
# 2025-03-03 is a Monday; Jakarta, working hours 08:00-16:00 (+07:00).
GOOD = [
    # on time everywhere, satisfied
    "X-1,2025-03-03T09:00:00+07:00,31.01,pemkab-uji,infrastruktur,pengaduan,Jalan rusak,dpu,normatif,"
    "2025-03-03T10:00:00+07:00,2025-03-04T10:00:00+07:00,dispatch,,2025-03-06T10:00:00+07:00,"
    "2025-03-07T10:00:00+07:00,yes,sangat_puas",
    # verification late (3WD from Mon 09:00 -> Thu 16:00), follow-up late (5WD from Mon 10 Mar 10:00 -> 17 Mar 16:00)
    "X-2,2025-03-03T09:00,31.01,pemkab-uji,kesehatan,pengaduan,,dinkes,,,2025-03-10T10:00,dispatch,"
    "2025-03-11T09:00,2025-03-19T10:00,,auto,",
    # archived
    "X-3,2025-03-04T08:30:00+07:00,31,pemprov-uji,lainnya,aspirasi,Uji,,,,2025-03-04T11:00:00+07:00,archive,,,,,",
]


def csv_text(*lines: str) -> str:
    return HEADER + "\n".join(lines) + "\n"


def run_import(services, text: str, fmt: str = "csv", skip_invalid: bool = False) -> importer.Result:
    return importer.import_rows(services.sessions, services.registry, services.policy, read(text, fmt),
                                datetime.now(timezone.utc), skip_invalid=skip_invalid, source="test")


def jkt(text: str) -> datetime:
    return datetime.fromisoformat(text + "+07:00").astimezone(timezone.utc)


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_a_good_file_becomes_history(services, world):
    result = run_import(services, csv_text(*GOOD))
    assert result.rejected == [] and result.loaded == 3
    with transaction(services.sessions) as db:
        by_ext = {i.external_id: db.get(Complaint, i.complaint_id) for i in db.scalars(select(ImportedComplaint))}
        one, two, three = by_ext["X-1"], by_ext["X-2"], by_ext["X-3"]
        # complaint 1: on time, closed with a rating
        assert one.channel == "import" and one.status == "diselesaikan" and one.rating == "sangat_puas"
        assert one.closed_at == jkt("2025-03-07T10:00:00") and one.unit_id == world.unit_a1
        assert one.verified_at == jkt("2025-03-04T10:00:00") and one.verify_late is False
        assert one.verify_seconds == 9 * 3600  # Mon 09:00 -> Tue 10:00 in working time (7 h + 2 h)
        assert one.dispatched_at == one.verified_at and one.followed_up_at == jkt("2025-03-06T10:00:00")
        assert one.follow_up_seconds == 16 * 3600 and one.follow_up_late is False
        tasks = db.scalars(select(HumanTask).where(HumanTask.complaint_id == one.id).order_by(HumanTask.id)).all()
        assert [(t.name, t.role, t.state) for t in tasks] == [
            ("verify", "admin_instansi", "completed"), ("follow_up", "pejabat_penghubung", "completed"),
            ("reporter_response", "pelapor", "completed")]
        assert tasks[0].due_at == jkt("2025-03-06T16:00:00") and tasks[0].instansi_id == world.inst_a
        assert tasks[0].claimed_at == jkt("2025-03-03T10:00:00") and tasks[0].region_id == world.province
        assert tasks[1].created_at == jkt("2025-03-04T10:00:00") and tasks[1].due_at == jkt("2025-03-11T16:00:00")
        assert tasks[1].unit_id == world.unit_a1
        assert tasks[2].due_at == jkt("2025-03-20T16:00:00")  # 10WD from Thu 6 Mar 10:00
        trail = db.scalars(select(AuditEvent).where(AuditEvent.complaint_id == one.id).order_by(AuditEvent.id)).all()
        actions = [e.action for e in trail]
        assert actions[0] == "submitted" and actions[-1] == "process_ended" and trail[-1].data["outcome"] == "closed"
        assert actions.count("task_completed") == 3
        verify = next(e for e in trail if e.action == "task_completed" and e.task_name == "verify")
        assert verify.data["action"] == "dispatch" and verify.data["unit_id"] == world.unit_a1
        assert verify.data["tier"] == "normatif" and verify.data["title"] == "Verifikasi laporan"
        answer = next(e for e in trail if e.action == "task_completed" and e.task_name == "reporter_response")
        assert answer.data["satisfied"] is True and answer.actor_kind == "citizen"
        assert [e.at for e in trail] == sorted(e.at for e in trail)
        statuses = [(e.data["from"], e.data["to"]) for e in trail if e.action == "status_changed"]
        assert statuses == [("belum_diproses", "didisposisi"), ("didisposisi", "diselesaikan")]
        assert db.scalar(select(func.count()).select_from(SlaBreach).where(SlaBreach.complaint_id == one.id)) == 0
        # complaint 2: both officer steps late, closed without an answer when the reply limit passed
        breaches = db.scalars(select(SlaBreach).where(SlaBreach.complaint_id == two.id).order_by(SlaBreach.id)).all()
        assert [(b.step, b.due_at) for b in breaches] == [("verify", jkt("2025-03-06T16:00:00")),
                                                          ("follow_up", jkt("2025-03-17T16:00:00"))]
        assert breaches[1].unit_id == world.unit_a2 and two.verify_late is True and two.follow_up_late is True
        # each late step called in the chain's rungs above its role until it was done, as the sweep would
        escalated = db.scalars(select(HumanTask).where(HumanTask.complaint_id == two.id,
                                                       HumanTask.kind == "escalation").order_by(HumanTask.id)).all()
        late_tasks = {t.id: t for t in db.scalars(select(HumanTask).where(HumanTask.complaint_id == two.id,
                                                                         HumanTask.kind == "bpmn"))}
        chain = services.policy.chain(world.regency)
        roles = [role for role, _after in chain]
        assert escalated and all(e.state == "resolved" and e.source_task_id in late_tasks for e in escalated)
        for e in escalated:
            late = late_tasks[e.source_task_id]
            assert roles.index(e.role) > (roles.index(late.role) if late.role in roles else -1)
            assert late.due_at <= e.created_at < late.completed_at == e.completed_at
        first = [e for e in escalated if late_tasks[e.source_task_id].name == "verify"][0]
        assert first.created_at == jkt("2025-03-06T16:00:00")  # called in at the missed limit
        events = db.scalars(select(AuditEvent).where(AuditEvent.complaint_id == two.id,
                                                     AuditEvent.action == "escalated")).all()
        assert len(events) == len(escalated)
        assert two.title == "Laporan X-2" and two.tier == "normatif"
        reply = db.scalars(select(HumanTask).where(HumanTask.complaint_id == two.id,
                                                   HumanTask.name == "reporter_response")).one()
        # 10 WD from Wed 19 Mar 10:00 over Nyepi, Idul Fitri and its cuti bersama
        expected = services.policy.calendar(world.regency).due(jkt("2025-03-19T10:00"), Limit.parse("10WD"))
        assert reply.state == "cancelled" and two.closed_at == reply.due_at == expected == jkt("2025-04-11T16:00")
        trail2 = db.scalars(select(AuditEvent).where(AuditEvent.complaint_id == two.id).order_by(AuditEvent.id)).all()
        assert [e.data.get("outcome") for e in trail2 if e.action == "process_ended"] == ["auto_closed"]
        assert sum(e.action == "sla_breach" for e in trail2) == 2
        assert ("didisposisi", "dalam_proses") in [(e.data["from"], e.data["to"]) for e in trail2
                                                   if e.action == "status_changed"]
        # complaint 3: archived at verification
        assert three.status == "diarsipkan" and three.closed_at == jkt("2025-03-04T11:00:00")
        assert three.unit_id is None and three.region_id == world.province
        instances = db.scalars(select(ProcessInstance)).all()
        assert len(instances) == 3 and all(i.completed for i in instances)
    # the consistency check reads the imported instances as finished processes that ended where the complaint did
    report = check(services.sessions, services.progress)
    assert report.ok, report.problems
    # monev counts them once the rollup is refreshed
    rollup.refresh(services.sessions, datetime.now(timezone.utc))
    with transaction(services.sessions) as db:
        row = db.get(MonevDaily, (one.received_on, world.inst_a))
        assert row.received == 2 and row.verified_late == 1 and row.follow_up_late == 1 and row.closed == 2


def test_json_with_deferral_and_reopening(services, world):
    rows = [{"external_id": "J-1", "received_at": "2025-03-03T09:00:00+07:00", "region": "31.01",
             "instansi": "pemkab-uji", "category": "infrastruktur", "unit": "dpu", "steps": [
                 {"step": "verify", "done": "2025-03-04T09:00:00+07:00", "action": "defer", "note": "Alamat?"},
                 {"step": "reporter_info", "done": "2025-03-10T09:00:00+07:00", "additional_info": "Jl. Merdeka 1"},
                 {"step": "verify", "done": "2025-03-10T10:00:00+07:00", "action": "dispatch", "tier": "tanpa_pemeriksaan"},
                 {"step": "follow_up", "done": "2025-03-11T10:00:00+07:00", "text": "Diperbaiki."},
                 {"step": "reporter_response", "done": "2025-03-12T10:00:00+07:00", "satisfied": False,
                  "comment": "Belum selesai"},
                 {"step": "follow_up", "done": "2025-03-13T10:00:00+07:00"},
                 {"step": "reporter_response", "done": "2025-03-14T10:00:00+07:00", "satisfied": True,
                  "rating": "puas"}]}]
    result = run_import(services, json.dumps(rows, indent=2), fmt="json")
    assert result.rejected == [] and result.loaded == 1
    with transaction(services.sessions) as db:
        complaint = db.scalars(select(Complaint)).one()
        assert complaint.reopened == 1 and complaint.rating == "puas" and complaint.tier == "tanpa_pemeriksaan"
        tasks = db.scalars(select(HumanTask).order_by(HumanTask.id)).all()
        assert [t.name for t in tasks] == ["verify", "reporter_info", "verify", "follow_up", "reporter_response",
                                           "follow_up", "reporter_response"]
        # the deferral paused the verification clock: the second verification has what was left
        # (Tue 09:00 -> Thu 16:00 = 23 working hours), from Mon 10 Mar 09:00: Wed 12 Mar 16:00
        assert tasks[2].due_at == jkt("2025-03-12T16:00:00")
        assert tasks[1].due_at is None and tasks[1].role == "pelapor"
        assert tasks[3].due_at == services.policy.calendar(world.regency).due(jkt("2025-03-10T10:00"),
                                                                             Limit.parse("14WD"))
        assert tasks[5].created_at == jkt("2025-03-12T10:00") and tasks[5].state == "completed"
        assert complaint.follow_up_seconds == 8 * 3600 and complaint.verify_late is False
        trail = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert "sla_paused" in [e.action for e in trail]
        info = next(e for e in trail if e.task_name == "reporter_info" and e.action == "task_completed")
        assert info.data["additional_info"] == "Jl. Merdeka 1"
    assert check(services.sessions, services.progress).ok


BAD = [
    ("B-1,2025-03-03T09:00,99.99,pemkab-uji,infrastruktur,,,dpu,,,2025-03-04T10:00,archive,,,,,", "unknown region"),
    ("B-2,2025-03-03T09:00,31.01,pemkab-uji,infrastruktur,,,dpu,,,2025-03-02T10:00,archive,,,,,", "before the arrival"),
    ("B-3,2025-03-03 nine,31.01,pemkab-uji,infrastruktur,,,dpu,,,2025-03-04T10:00,archive,,,,,", "bad date"),
    ("B-4,2025-03-03T09:00,31.01,nowhere,infrastruktur,,,dpu,,,2025-03-04T10:00,archive,,,,,", "unknown instansi"),
    ("B-5,2025-03-03T09:00,31.01,pemkab-uji,sihir,,,dpu,,,2025-03-04T10:00,archive,,,,,", "unknown category"),
    ("B-6,2025-03-03T09:00,31.01,pemkab-uji,infrastruktur,,,dishub,,,2025-03-04T10:00,dispatch,,2025-03-05T10:00,"
     "2025-03-06T10:00,yes,", "unknown unit"),
    ("B-7,2025-03-03T09:00,31.01,pemkab-uji,infrastruktur,,,dpu,,,2025-03-04T10:00,dispatch,,,,,", "not finished"),
    ("B-8,2025-03-03T09:00,31.01,pemkab-uji,infrastruktur,,,dpu,,,2025-03-04T10:00,dispatch,,2025-03-05T10:00,"
     "2025-03-06T10:00,yes,terrible", "refused by the form"),
    ("B-9,2025-03-03T09:00,31.01,pemkab-uji,infrastruktur,,,dpu,,,2025-03-04T10:00,dispatch,,2025-03-03T10:00,"
     "2025-03-06T10:00,yes,", "before the previous step"),
    ("B-10,2025-03-03T09:00,31.01,pemkab-uji,infrastruktur,,,dpu,,,2025-03-04T10:00,burn,,,,,", "unknown verify action"),
    ("B-F,2099-03-03T09:00,31.01,pemkab-uji,infrastruktur,,,dpu,,,2099-03-04T10:00,archive,,,,,", "in the future"),
]


def test_each_bad_row_is_rejected_with_its_line_and_nothing_is_loaded(services, world):
    lines = [GOOD[0]] + [line for line, _ in BAD]
    result = run_import(services, csv_text(*lines))
    assert result.loaded == 0 and result.refused
    assert [r.line for r in result.rejected] == list(range(3, 3 + len(BAD)))
    for rejection, (_line, reason) in zip(result.rejected, BAD):
        assert reason in rejection.reason, (rejection, reason)
    assert result.rejected[0].external_id == "B-1"
    with transaction(services.sessions) as db:
        assert count(db, Complaint) == 0 and count(db, HumanTask) == 0 and count(db, AuditEvent) == 0


def test_json_unknown_step_and_line_numbers(services, world):
    rows = [{"external_id": "J-2", "received_at": "2025-03-03T09:00:00+07:00", "region": "31.01",
             "instansi": "pemkab-uji", "category": "infrastruktur",
             "steps": [{"step": "verify", "done": "2025-03-04T09:00:00+07:00", "action": "archive"}]},
            {"external_id": "J-3", "received_at": "2025-03-03T09:00:00+07:00", "region": "31.01",
             "instansi": "pemkab-uji", "category": "infrastruktur",
             "steps": [{"step": "pray", "done": "2025-03-04T09:00:00+07:00"}]}]
    text = "[\n" + ",\n".join(json.dumps(r) for r in rows) + "\n]"
    result = run_import(services, text, fmt="json")
    assert [(r.line, r.external_id) for r in result.rejected] == [(3, "J-3")]
    assert "unknown step 'pray'" in result.rejected[0].reason and result.loaded == 0
    result = run_import(services, text, fmt="json", skip_invalid=True)
    assert result.loaded == 1 and len(result.rejected) == 1


def test_skip_invalid_loads_the_good_rows_and_reimport_is_refused(services, world):
    result = run_import(services, csv_text(*GOOD, BAD[0][0]), skip_invalid=True)
    assert result.loaded == 3 and [r.line for r in result.rejected] == [5]
    again = run_import(services, csv_text(*GOOD), skip_invalid=True)
    assert again.loaded == 0 and [r.reason for r in again.rejected] == ["already imported (external id 'X-1')",
                                                                        "already imported (external id 'X-2')",
                                                                        "already imported (external id 'X-3')"]
    with transaction(services.sessions) as db:
        assert count(db, Complaint) == 3 and count(db, ImportedComplaint) == 3
    # the same external id twice in one file: the second is refused
    result = run_import(services, csv_text(GOOD[0].replace("X-1", "X-9"), GOOD[0].replace("X-1", "X-9")))
    assert [r.line for r in result.rejected] == [3] and "line 2 too" in result.rejected[0].reason


def test_the_cli_reports_and_exits_non_zero(services, world, database_url, tmp_path):
    bad = tmp_path / "history.csv"
    bad.write_text(csv_text(GOOD[0], BAD[0][0]), encoding="utf-8")
    env = {"DATABASE_URL": database_url, "SECRET_KEY": "t"}
    r = CliRunner().invoke(cli, ["import", str(bad)], env=env, catch_exceptions=False)
    assert r.exit_code != 0 and "line 3 (B-1): unknown region code '99.99'" in r.output
    assert "nothing imported: 1 of 2 rows rejected" in r.output
    r = CliRunner().invoke(cli, ["import", str(bad), "--skip-invalid"], env=env, catch_exceptions=False)
    assert r.exit_code == 0 and "1 complaints imported, 1 rows rejected" in r.output
    unknown = tmp_path / "other.csv"
    unknown.write_text("external_id,appeal_done\nA,2025-01-01\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["import", str(unknown)], env=env, catch_exceptions=False)
    assert r.exit_code != 0 and "unknown step 'appeal'" in r.output


def test_the_sample_file_imports_cleanly(services):
    """docs/import-sample.csv names the demo's regions, instansi and units."""
    from pathlib import Path

    from workflows import demo
    from workflows.org.models import Instansi, Region, Unit
    with transaction(services.sessions) as db:
        services.registry.deploy_bundled(db)
        regions: dict[str, Region] = {}
        for code, name, kind, parent, tz in demo.REGIONS:
            regions[code] = Region(code=code, name=name, kind=kind, timezone=tz,
                                   parent_id=regions[parent].id if parent else None)
            db.add(regions[code])
            db.flush()
        for code, name, region_code, units in demo.INSTANSI:
            inst = Instansi(code=code, name=name, region_id=regions[region_code].id)
            db.add(inst)
            db.flush()
            db.add_all(Unit(instansi_id=inst.id, code=u, name=n, region_id=inst.region_id) for u, n in units)
    text = (Path(__file__).parent.parent / "docs" / "import-sample.csv").read_text(encoding="utf-8")
    result = run_import(services, text)
    assert result.rejected == [] and result.loaded == 5
    assert check(services.sessions, services.progress).ok


def test_imported_complaints_show_on_the_officer_pages(app, services, world):
    from tests.helpers import Api
    from tests.test_pages import login_page
    run_import(services, csv_text(*GOOD))
    with transaction(services.sessions) as db:
        complaints = db.scalars(select(Complaint).order_by(Complaint.id)).all()
    page = login_page(app, "nasional")
    for complaint in complaints:
        r = page.get(f"/complaints/{complaint.id}")
        assert r.status_code == 200 and complaint.tracking_id in r.get_data(as_text=True)
        assert page.get(f"/complaints/{complaint.id}/diagram.bpmn").status_code == 200
    assert complaints[0].tracking_id in page.get("/complaints?q=Jalan").get_data(as_text=True)
    api = Api(app.test_client(), world)
    r = api.client.get(f"/api/officer/complaints/{complaints[0].id}", headers=api.auth("admin_a"))
    assert r.status_code == 200
    assert api.client.get(f"/api/complaints/{complaints[0].tracking_id}").status_code in (200, 401, 403)
    assert page.get("/tasks").status_code == 200


def test_many_rows_load_across_write_batches(services, world):
    """More rows than one write batch: every row lands once, with its own tasks (timings: bench/import_history.py)."""
    rows = 1_203
    lines = [GOOD[i % 3].replace(f"X-{i % 3 + 1},", f"P-{i},", 1) for i in range(rows)]
    result = run_import(services, csv_text(*lines))
    assert result.loaded == rows and not result.rejected
    with transaction(services.sessions) as db:
        assert db.scalar(select(func.count()).select_from(Complaint)) == rows
        per_complaint = db.execute(select(HumanTask.complaint_id, func.count()).where(HumanTask.kind == "bpmn")
                                   .group_by(HumanTask.complaint_id)).all()
        assert len(per_complaint) == rows and min(n for _c, n in per_complaint) >= 1
