"""The what-if replay on a small history built through the real services, its outcome worked out by hand.

The week of Mon 7 Jul 2025 has no holiday. A report in at Mon 09:00 WIB must be verified by the end of
the 3rd working day (Thu 10 Jul 16:00); under a 2-working-day limit by Wed 9 Jul 16:00. Working hours
are 08:00-16:00 (8 h a day).
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.helpers import Api
from web import create_app
from workflows.accounts.models import User
from workflows.clock import ManualClock
from workflows.db import transaction
from workflows.errors import Forbidden, Invalid
from workflows.org.models import Region
from workflows.processes.models import ProcessDraft
from workflows.processes.registry import NATIONAL_SOP, bundled_dir
from workflows.replay import service
from workflows.replay.records import PastComplaint, PastStep
from workflows.replay.report import to_csv
from workflows.replay.simulate import Diagram, Pools, Simulator
from workflows.service import Aduan
from workflows.sla.policy import Rules

WIB = ZoneInfo("Asia/Jakarta")


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB)


@pytest.fixture
def history(database_url, world):
    """Four reports in at Mon 7 Jul 09:00, verified after 9 h, 22 h and 27 h of working time (all within
    3WD), and one archived at once; the first three followed up and closed by a satisfied reporter."""
    clock = ManualClock(wib(2025, 7, 7, 9, 0))
    services = Aduan(database_url, clock=clock)
    api = Api(create_app({"TESTING": True, "SECRET_KEY": "t"}, services=services).test_client(), world)
    submitted = [api.submit(title=f"Laporan {i}") for i in range(4)]
    ids = [s["tracking_id"] for s in submitted]
    verified_at = [wib(2025, 7, 8, 10, 0), wib(2025, 7, 9, 15, 0), wib(2025, 7, 10, 12, 0)]
    for tid, at in zip(ids, verified_at):
        clock.set(at)
        task = api.task_for("admin_a", tid)
        assert api.complete("admin_a", task["id"], {"action": "dispatch", "unit_id": world.unit_a1,
                                                    "tier": "normatif"}).status_code == 200
    clock.set(wib(2025, 7, 7, 10, 0))
    assert api.complete("admin_a", api.task_for("admin_a", ids[3])["id"],
                        {"action": "archive", "note": "Bukan pengaduan."}).status_code == 200
    for i, (s, tid) in enumerate(zip(submitted[:3], ids)):
        clock.set(wib(2025, 7, 11, 9 + i, 0))  # Friday: each follow-up well within 5WD
        task = api.task_for("pp_a1", tid)
        api.claim("pp_a1", task["id"])
        assert api.complete("pp_a1", task["id"], {"follow_up_text": "Sudah diperbaiki."}).status_code == 200
        clock.set(wib(2025, 7, 14, 10, 0))
        assert api.reply(tid, s["reporter_token"], {"satisfied": True, "rating": "puas"}).status_code == 200, i
    clock.set(wib(2025, 9, 1, 9, 0))  # the history is read weeks later
    yield services, clock, ids
    services.sql_engine.dispose()


def _replay(services: Aduan, clock, processes: int = 1, **request) -> dict:
    request.setdefault("period_from", date(2025, 7, 1))
    request.setdefault("period_to", date(2025, 7, 31))
    with transaction(services.sessions) as db:
        run = service.request(db, None, service.Request(**request), clock())
        run_id = run.id
    with transaction(services.sessions) as db:
        assert service.claim(db, clock(), run_id) is not None
    done = service.execute(services.sessions, services.registry, services.policy, clock, run_id, processes=processes)
    assert done.state == "done"
    return done.report


def _step(report: dict, name: str) -> dict:
    return next(row for row in report["steps"] if row["key"] == name)


def test_the_live_version_replays_what_happened(history):
    services, clock, _ids = history
    report = _replay(services, clock, limits={"verify": "3WD"})  # the limit in force: nothing changes
    for scenario in ("actual", "live", "candidate"):
        totals = report["totals"][scenario]
        assert (totals["complaints"], totals["late"], totals["closed"], totals["archived"]) == (4, 0, 3, 1)
        assert totals["errors"] == 0
    assert _step(report, "verify")["live"]["count"] == 4
    assert _step(report, "reporter_response")["candidate"]["count"] == 3
    # median verification: the times of 1 h (archived), 9 h, 22 h and 27 h -> (9 + 22) / 2 h = 1.94 days
    assert _step(report, "verify")["live"]["median_days"] == pytest.approx(15.5 / 8, abs=0.01)


def test_a_shorter_limit_makes_exactly_the_expected_complaints_late(history, world):
    services, clock, ids = history
    report = _replay(services, clock, limits={"verify": "2WD"})
    verify = _step(report, "verify")
    assert (verify["live"]["late"], verify["candidate"]["late"]) == (0, 1)  # only the 27 h verification
    assert report["totals"]["candidate"]["late"] == 1
    assert report["totals"]["candidate"]["within_share"] == 0.75
    # the late one escalates: its first rung at the limit (Wed 16:00), before it was done (Thu 12:00)
    assert report["totals"]["candidate"]["escalations"] >= 1 and report["totals"]["live"]["escalations"] == 0
    # and which complaint: the simulator itself, on the same history
    paths = _paths(services, clock, limits={("verify", ""): "2WD"}, scope=world.regency)
    late = {p.complaint_id for p in paths if any(t.late for t in p.tasks)}
    assert late == {_complaint_id(services, ids[2])}
    [verify_task] = [t for p in paths if p.complaint_id == _complaint_id(services, ids[2]) for t in p.tasks
                     if t.name == "verify"]
    assert datetime.fromtimestamp(verify_task.due_at, WIB) == wib(2025, 7, 9, 16, 0)
    assert datetime.fromtimestamp(verify_task.done_at, WIB) == wib(2025, 7, 10, 12, 0)


def test_a_regions_extra_day_off_moves_a_due_date(history, world):
    services, clock, ids = history
    paths = _paths(services, clock, days_off=[date(2025, 7, 9)], scope=world.regency)
    third = next(p for p in paths if p.complaint_id == _complaint_id(services, ids[2]))
    verify = next(t for t in third.tasks if t.name == "verify")
    # Tue, (Wed off), Thu, Fri: due Fri 16:00; 27 working hours from Mon 09:00 end Fri 12:00
    assert datetime.fromtimestamp(verify.due_at, WIB) == wib(2025, 7, 11, 16, 0)
    assert datetime.fromtimestamp(verify.done_at, WIB) == wib(2025, 7, 11, 12, 0)
    assert not verify.late
    # through the service, for the region: the day off is the candidate's only change
    with transaction(services.sessions) as db:
        code = db.get(Region, world.regency).code
    report = _replay(services, clock, days_off=(date(2025, 7, 9),), region_code=code)
    assert report["totals"]["candidate"]["late"] == 0 and report["region"] == code


def test_a_removed_step_shortens_the_path(history, world):
    services, clock, ids = history
    # the candidate closes a complaint as soon as it is followed up: no reporter's answer
    xml = (bundled_dir() / "sop_nasional.bpmn").read_text()
    shorter = xml.replace('id="flow_follow_up_to_reporter_response" sourceRef="follow_up" targetRef="reporter_response"',
                          'id="flow_follow_up_to_reporter_response" sourceRef="follow_up" targetRef="end_closed"')
    assert shorter != xml
    with transaction(services.sessions) as db:
        user = db.scalars(select(User).where(User.username == "nasional")).one()
        user.designer = "national"
        draft = ProcessDraft(key=NATIONAL_SOP, variant="", bpmn_xml=shorter, created_by_id=user.id,
                             updated_by_id=user.id, created_at=clock(), updated_at=clock())
        db.add(draft)
        db.flush()
        draft_id = draft.id
    report = _replay(services, clock, draft_id=draft_id)
    assert _step(report, "reporter_response")["live"]["count"] == 3
    assert _step(report, "reporter_response")["candidate"] is None
    assert report["totals"]["candidate"]["closed"] == 3
    # working time from Mon 7 Jul 09:00 (7 h that Monday): the archived one 1 h; closed at the answer
    # (Mon 14 Jul 10:00) 7 + 32 + 2 = 41 h each; at the follow-up (Fri 09:00, 10:00, 11:00) 32, 33, 34 h
    assert report["totals"]["live"]["median_days"] == pytest.approx(41 / 8, abs=0.01)
    assert report["totals"]["candidate"]["median_days"] == pytest.approx((32 + 33) / 2 / 8, abs=0.01)


def test_the_same_seed_gives_the_same_report(history):
    services, clock, _ids = history
    first = _replay(services, clock, limits={"verify": "2WD"}, seed=7)
    second = _replay(services, clock, limits={"verify": "2WD"}, seed=7, processes=2)  # over a process pool
    for report in (first, second):
        report.pop("run"), report.pop("processes")
    assert first == second
    assert to_csv(first) == to_csv(second) and "within_share" in to_csv(first)


def test_a_step_without_history_draws_from_the_unit_seeded():
    """Hand-made history, no database: the second complaint was never followed up in the history, so its
    follow-up takes a duration drawn from the unit's other follow-ups; the seed decides which."""
    rules = Rules(regions={1: (None, "Asia/Jakarta")}, overrides={}, limits={}, chains={})
    diagram = Diagram("v1", (bundled_dir() / "sop_nasional.bpmn").read_text(), NATIONAL_SOP)
    start = wib(2025, 7, 7, 9, 0)
    verify = PastStep("verify", "admin_instansi", None, 5, start, wib(2025, 7, 7, 10, 0), None, False, 0,
                      {"action": "dispatch", "unit_id": 9, "tier": "normatif"})
    pasts = []
    for i, hours in enumerate((2, 5, 11, 13, 17, 20)):  # six follow-ups of unit 9, of 2 .. 20 working hours
        follow = PastStep("follow_up", "pejabat_penghubung", 9, 5, wib(2025, 7, 7, 10, 0),
                          rules.calendar(1).add_working_seconds(wib(2025, 7, 7, 10, 0), hours * 3600), None,
                          False, 0, {"follow_up_text": "ok"})
        pasts.append(PastComplaint(i + 1, f"T{i}", 1, 5, 9, "pengaduan", "x", start, None, None,
                                   (verify, follow), 1))
    lone = PastComplaint(99, "T99", 1, 5, 9, "pengaduan", "x", start, None, None, (verify,), 1)
    pools = Pools(pasts, rules.calendar)
    drawn = set()
    for seed in range(1, 6):
        runs = [Simulator({"v1": diagram}, rules, rules, pools, seed, wib(2025, 9, 1)).run(lone, "v1")
                for _ in range(2)]
        assert runs[0] == runs[1]  # same seed, same path
        [follow] = [t for t in runs[0].tasks if t.name == "follow_up"]
        assert follow.working_seconds in {h * 3600 for h in (2, 5, 11, 13, 17, 20)}
        drawn.add(follow.working_seconds)
    assert len(drawn) > 1  # other seeds, other draws


def test_bad_requests_name_the_field_and_keep_nothing(history, world):
    services, clock, _ids = history
    cases = [
        (dict(period_from=date(2025, 7, 31), period_to=date(2025, 7, 1)), "period_to"),
        (dict(period_from=date(2020, 1, 1), period_to=date(2025, 7, 1)), "period_to"),
        (dict(period_from=date(2025, 7, 1), period_to=date(2025, 7, 31), limits={"verify": "soon"}), "limits"),
        (dict(period_from=date(2025, 7, 1), period_to=date(2025, 7, 31), limits={"nap": "2WD"}), "limits"),
        (dict(period_from=date(2025, 7, 1), period_to=date(2025, 7, 31), region_code="99"), "region"),
        (dict(period_from=date(2025, 7, 1), period_to=date(2025, 7, 31), draft_id=12345), "draft_id"),
        (dict(period_from=date(2025, 7, 1), period_to=date(2025, 7, 31)), "candidate"),
        (dict(period_from=date(2024, 1, 1), period_to=date(2024, 1, 31), limits={"verify": "2WD"}), "period_from"),
        (dict(period_from=date(2025, 7, 1), period_to=date(2025, 7, 31), chain=(("raja", "2WD"),)), "chain"),
        # downwards: refused as the rules page refuses it
        (dict(period_from=date(2025, 7, 1), period_to=date(2025, 7, 31),
              chain=(("admin_nasional", "2WD"), ("admin_instansi", "2WD"))), "chain"),
        # longer than the limit in force: it would change nothing (the strictest applies)
        (dict(period_from=date(2025, 7, 1), period_to=date(2025, 7, 31), limits={"verify": "30WD"}), "limits"),
    ]
    for fields, bad in cases:
        with transaction(services.sessions) as db:
            with pytest.raises(Invalid) as caught:
                service.request(db, None, service.Request(**fields), clock())
        assert bad in caught.value.fields, (fields, caught.value.fields)
        if bad == "chain" and fields["chain"][0][0] == "raja":  # the roles it may name, as a list
            [(code, params)] = [p for p in caught.value.fields["chain"] if p[0] == "unknown_role_at"]
            assert "admin_instansi" in params["choices"]
    with transaction(services.sessions) as db:
        assert service.visible(db, db.scalars(select(User).where(User.username == "nasional")).one()) == []
        officer = db.scalars(select(User).where(User.username == "admin_a")).one()
        with pytest.raises(Forbidden):
            service.request(db, officer, service.Request(date(2025, 7, 1), date(2025, 7, 31),
                                                         limits={"verify": "2WD"}), clock())


def _complaint_id(services: Aduan, tracking_id: str) -> int:
    from workflows.complaints.models import Complaint
    with transaction(services.sessions) as db:
        return db.scalars(select(Complaint.id).where(Complaint.tracking_id == tracking_id)).one()


def _paths(services: Aduan, clock, scope: int, limits=None, days_off=()):
    """Each complaint's replayed path under rules changed for the regency (no report, no run kept)."""
    from workflows.replay import history as past
    from workflows.replay.runner import Changes
    from workflows.sla.policy import load_rules
    with transaction(services.sessions) as db:
        pasts = list(past.load(db, services.registry, past.Scope(date(2025, 7, 1), date(2025, 7, 31))))
        rules = load_rules(db)
        diagrams = {f"v{p.live_definition}": Diagram(f"v{p.live_definition}", *_xml(db, p.live_definition))
                    for p in pasts}
    candidate = Changes(limits=limits or {}, days_off=tuple(days_off), scope=scope).apply(rules)
    simulator = Simulator(diagrams, candidate, rules, Pools(pasts, rules.calendar), 1, clock())
    return [simulator.run(p, f"v{p.live_definition}") for p in pasts]


def _xml(db, definition_id: int) -> tuple[str, str]:
    from workflows.processes.models import ProcessDefinition
    definition = db.get(ProcessDefinition, definition_id)
    return definition.bpmn_xml, definition.key
