"""Monitoring and evaluation (monev): milestones written as complaints move, the daily rollup kept in
step incrementally (transfers included), indicators per scope, and the API/page/CSV at the edge."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from sla.scheduler.sweep import sweep
from tests.helpers import Api
from web import create_app
from workflows.accounts.models import User
from workflows.clock import ManualClock
from workflows.complaints.models import Complaint
from workflows.db import transaction
from workflows.monev import indicators, rollup
from workflows.monev.models import MonevDaily
from workflows.service import Aduan

WIB = ZoneInfo("Asia/Jakarta")


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB)


@pytest.fixture
def monev(database_url, world):
    clock = ManualClock(wib(2025, 7, 7, 9, 0))  # Monday, no holidays that week
    services = Aduan(database_url, clock=clock)
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SESSION_COOKIE_SECURE": False}, services=services)
    api = Api(app.test_client(), world)
    yield services, api, clock
    services.sql_engine.dispose()


def _complaint(services, tracking_id) -> Complaint:
    with transaction(services.sessions) as db:
        return db.scalars(select(Complaint).where(Complaint.tracking_id == tracking_id)).one()


def _refresh(services, **kw):
    return rollup.refresh(services.sessions, services.clock(), **kw)


def _report(services, username, **query):
    with transaction(services.sessions) as db:
        user = db.scalars(select(User).where(User.username == username)).one()
        q = indicators.Query(start=query.pop("start", date(2025, 1, 1)), end=query.pop("end", date(2025, 12, 31)),
                             **query)
        return indicators.report(db, user, q, services.clock(), 0.9)


def _dispatch(api, world, tid, user="admin_a", unit=None):
    verify = api.task_for(user, tid, "verify")
    r = api.complete(user, verify["id"], {"action": "dispatch", "unit_id": unit or world.unit_a1})
    assert r.status_code == 200, r.json


def _follow_up(api, tid, user="pp_a1"):
    task = api.task_for(user, tid, "follow_up")
    assert api.claim(user, task["id"]).status_code == 200
    r = api.complete(user, task["id"], {"follow_up_text": "Sudah diperbaiki oleh dinas terkait."})
    assert r.status_code == 200, r.json


def test_milestones_follow_the_lifecycle_in_working_time(monev, world):
    services, api, clock = monev
    submitted = api.submit()
    tid, token = submitted["tracking_id"], submitted["reporter_token"]
    c = _complaint(services, tid)
    assert c.received_on == date(2025, 7, 7) and c.verified_at is None and c.reopened == 0

    clock.set(wib(2025, 7, 8, 10, 0))  # Tue 10:00: 8 h Monday (09-16 is 7 h) + 2 h Tuesday
    _dispatch(api, world, tid)
    c = _complaint(services, tid)
    assert c.verified_at == clock() and c.dispatched_at == clock()
    assert c.verify_seconds == (7 + 2) * 3600 and c.verify_late is False

    clock.set(wib(2025, 7, 21, 9, 0))  # two weeks later: past the 5-working-day follow-up limit
    sweep(services)
    _follow_up(api, tid)
    c = _complaint(services, tid)
    assert c.followed_up_at == clock() and c.follow_up_late is True
    assert c.follow_up_seconds == services.policy.calendar(c.region_id).working_seconds_between(
        wib(2025, 7, 8, 10, 0), clock())

    r = api.reply(tid, token, {"satisfied": False, "comment": "Jalan masih rusak di depan rumah saya."})
    assert r.status_code == 200, r.json
    c = _complaint(services, tid)
    assert c.reopened == 1 and c.followed_up_at == wib(2025, 7, 21, 9, 0)  # the first follow-up stays


def test_incremental_refresh_matches_a_full_rebuild_and_follows_transfers(monev, world):
    services, api, clock = monev
    tids = [api.submit()["tracking_id"] for _ in range(4)]
    assert _refresh(services).full  # first run: everything
    clock.advance(hours=2)
    _dispatch(api, world, tids[0])
    verify = api.task_for("admin_a", tids[1], "verify")
    r = api.complete("admin_a", verify["id"], {"action": "archive", "note": "Laporan ganda"})
    assert r.status_code == 200, r.json
    verify = api.task_for("admin_a", tids[2], "verify")
    r = api.complete("admin_a", verify["id"], {"action": "transfer", "target_instansi_id": world.inst_b,
                                               "note": "Kewenangan provinsi"})
    assert r.status_code == 200, r.json

    result = _refresh(services)
    assert not result.full and result.pairs == 2  # (7 Jul, A) changed, (7 Jul, B) got the transfer

    with transaction(services.sessions) as db:
        rows = {r.instansi_id: r for r in db.scalars(select(MonevDaily))}
        incremental = {k: (r.received, r.archived, r.dispatched, r.waiting) for k, r in rows.items()}
    assert incremental == {world.inst_a: (3, 1, 1, 1), world.inst_b: (1, 0, 0, 1)}
    _refresh(services, full=True)
    with transaction(services.sessions) as db:
        full = {r.instansi_id: (r.received, r.archived, r.dispatched, r.waiting) for r in db.scalars(select(MonevDaily))}
    assert full == incremental

    assert _refresh(services).pairs == 2  # the overlap rereads the last minutes: same rows, same values
    clock.advance(hours=1)
    assert _refresh(services).pairs == 2  # still within the overlap of the newest change seen
    assert _refresh(services).pairs == 0  # quiet: the mark has moved on to now - overlap


def test_a_transaction_committed_behind_the_watermark_is_still_counted(monev, world):
    services, api, clock = monev
    api.submit()
    _refresh(services)
    refreshed = clock()
    # a complaint whose transaction stamped it a minute before that refresh read, but committed after
    late = api.submit()["tracking_id"]
    with transaction(services.sessions) as db:
        db.execute(update(Complaint).where(Complaint.tracking_id == late)
                   .values(updated_at=refreshed - timedelta(minutes=1)))
    clock.advance(minutes=1)
    _refresh(services)
    with transaction(services.sessions) as db:
        assert db.scalar(select(func.sum(MonevDaily.received))) == 2


def test_a_stamp_from_a_clock_ahead_does_not_hide_later_changes(monev, world):
    """The watermark follows the refresher's clock, not the newest stamp it saw."""
    services, api, clock = monev
    ahead = api.submit()["tracking_id"]
    with transaction(services.sessions) as db:
        db.execute(update(Complaint).where(Complaint.tracking_id == ahead)
                   .values(updated_at=clock() + timedelta(days=7)))
    _refresh(services)
    clock.advance(minutes=5)
    api.submit()
    _refresh(services)
    with transaction(services.sessions) as db:
        assert db.scalar(select(func.sum(MonevDaily.received))) == 2


def test_indicators_per_scope(monev, world):
    services, api, clock = monev
    a = [api.submit()["tracking_id"] for _ in range(6)]
    b = api.submit(instansi_id=world.inst_b)["tracking_id"]
    clock.advance(hours=3)
    for tid in a[:3]:
        _dispatch(api, world, tid)
    _follow_up(api, a[0])
    _refresh(services)

    national = _report(services, "nasional")
    t = national.totals
    assert (t.received, t.dispatched, t.followed_up, t.waiting) == (7, 3, 1, 4)
    assert t.follow_up_share == pytest.approx(3 / 7)
    assert t.verify_days == pytest.approx(3 / 8)  # 3 working hours of an 8-hour working day
    assert t.connectedness == 1.0 and t.instansi == 2
    assert [r.name for r in national.by_province] == ["Provinsi Uji"]
    by_name = {r.name: r.figures for r in national.by_instansi}
    assert by_name["Pemkab Uji"].follow_up_share == pytest.approx(3 / 6)
    assert by_name["Pemprov Uji"].received == 1
    # below 90% with at least 5 reports; the other has too few reports to be judged, but its only admin
    # has never logged in (admin_a has, through the API)
    assert [(r.name, r.reasons) for r in national.lagging] == [("Pemkab Uji", ["below_target"]),
                                                                ("Pemprov Uji", ["inactive_accounts"])]

    own = _report(services, "admin_b")
    assert [r.name for r in own.by_instansi] == ["Pemprov Uji"] and own.totals.received == 1
    assert sum(m.figures.received for m in own.by_month) == 1
    with pytest.raises(Exception) as refused:
        _report(services, "admin_b", instansi_id=world.inst_a)
    assert getattr(refused.value, "status", None) == 403
    with pytest.raises(Exception) as refused:
        _report(services, "pp_a1")
    assert getattr(refused.value, "status", None) == 403
    assert _report(services, "koord", instansi_id=world.inst_a).totals.received == 6
    assert b


# -- the web edge ------------------------------------------------------------------------------------
def _page_client(api, username):
    from tests.test_pages import login_page
    return login_page(api.client.application, username)


@pytest.fixture
def filled(monev, world):
    """Six complaints at instansi A (three dispatched, one followed up), one at B, rolled up."""
    services, api, clock = monev
    a = [api.submit()["tracking_id"] for _ in range(6)]
    api.submit(instansi_id=world.inst_b, region_id=world.province)
    clock.advance(hours=3)
    for tid in a[:3]:
        _dispatch(api, world, tid)
    _follow_up(api, a[0])
    _refresh(services)
    return services, api, clock


def test_api_gives_the_figures_in_scope(filled, world):
    services, api, clock = filled
    r = api.client.get("/api/monev?from=2025-07-01&to=2025-07-31", headers=api.auth("nasional"))
    assert r.status_code == 200, r.json
    body = r.json
    assert (body["from"], body["to"], body["target"]) == ("2025-07-01", "2025-07-31", 0.9)
    assert body["totals"]["received"] == 7 and body["totals"]["follow_up_share"] == pytest.approx(3 / 7)
    assert body["refreshed_at"] is not None
    assert [m["key"] for m in body["months"]] == ["2025-07"]
    ranked = [row["name"] for row in body["instansi"]]
    assert ranked == ["Pemkab Uji", "Pemprov Uji"]  # by follow-up share, best first
    r = api.client.get("/api/monev?from=2025-07-01&to=2025-07-31&sort=received&desc=false",
                       headers=api.auth("nasional"))
    assert [row["name"] for row in r.json["instansi"]] == ["Pemprov Uji", "Pemkab Uji"]

    own = api.client.get("/api/monev?from=2025-07-01&to=2025-07-31", headers=api.auth("admin_b")).json
    assert [row["key"] for row in own["instansi"]] == [world.inst_b] and own["totals"]["received"] == 1
    # the default period is this year so far (the clock says July 2025)
    assert api.client.get("/api/monev", headers=api.auth("admin_a")).json["from"] == "2025-01-01"


@pytest.mark.parametrize("query, field", [
    ("from=2025-13-01", "from"), ("from=2025-07-31&to=2025-07-01", "end"), ("sort=popularity", "sort"),
    ("from=2020-01-01&to=2025-07-31", "end"), ("province_id=999999", "province_id"), ("instansi_id=0", "instansi_id"),
])
def test_api_refuses_bad_queries_with_the_field(filled, query, field):
    services, api, clock = filled
    r = api.client.get(f"/api/monev?{query}", headers=api.auth("nasional"))
    assert r.status_code == 422, r.json
    assert field in str(r.json), r.json


def test_api_refuses_outside_scope_and_officers_below_the_admin_tier(filled, world):
    services, api, clock = filled
    assert api.client.get(f"/api/monev?instansi_id={world.inst_a}", headers=api.auth("admin_b")).status_code == 403
    assert api.client.get("/api/monev", headers=api.auth("pp_a1")).status_code == 403
    assert api.client.application.test_client().get("/api/monev").status_code == 401


def test_dashboard_page_ranks_drills_down_and_downloads_csv(filled, world):
    services, api, clock = filled
    client = _page_client(api, "nasional")
    page = client.get("/monev?from=2025-07-01&to=2025-07-31")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-kpi="received"' in html and ">7<" in html
    assert re.search(r'data-instansi="%d".*Pemkab Uji' % world.inst_a, html)
    assert 'data-section="lagging"' in html and "Pemkab Uji" in html.split('data-section="lagging"')[1]
    assert "Monitoring" in client.get("/tasks").get_data(as_text=True) or "Monev" in html

    drill = client.get(f"/monev?from=2025-07-01&to=2025-07-31&instansi_id={world.inst_b}").get_data(as_text=True)
    assert 'data-instansi="%d"' % world.inst_b in drill and 'data-instansi="%d"' % world.inst_a not in drill

    csv_text = client.get("/monev.csv?from=2025-07-01&to=2025-07-31&sort=name&desc=0").get_data(as_text=True)
    lines = csv_text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("instansi_id,instansi,province,received")
    assert [line.split(",")[1] for line in lines[1:]] == ["Pemkab Uji", "Pemprov Uji"]
    assert lines[1].split(",")[3] == "6"

    bad = client.get("/monev?from=yesterday&to=2025-07-31")
    assert bad.status_code == 422 and 'data-error-for="start"' in bad.get_data(as_text=True)
    assert 'value="2025-07-31"' in bad.get_data(as_text=True)  # what was typed stays in the form

    english = client.get("/monev?from=2025-07-01&to=2025-07-31&lang=en").get_data(as_text=True)
    assert "Follow-up share" in english and "Agencies that need coaching" in english
    indonesian = client.get("/monev?from=2025-07-01&to=2025-07-31&lang=id").get_data(as_text=True)
    assert "Persentase tindak lanjut" in indonesian


def test_dashboard_is_for_the_admin_tier_only(filled):
    services, api, clock = filled
    liaison = _page_client(api, "pp_a1")
    assert liaison.get("/monev").status_code == 403
    assert liaison.get("/monev.csv").status_code == 403
    assert "/monev" not in liaison.get("/tasks").get_data(as_text=True)
    assert api.client.application.test_client().get("/monev").status_code == 302  # to the login page


def test_one_refresher_at_a_time(monev, backend):
    """PostgreSQL: a second worker skips while the state row is locked. SQLite: it waits for the
    write lock, then refreshes (one writer at a time either way)."""
    import threading

    services, api, clock = monev
    api.submit()
    holder = services.sessions()
    try:
        holder.execute(update(rollup.MonevState).where(rollup.MonevState.id == 1).values(id=1))
        if backend == "postgresql":
            assert _refresh(services).skipped
            holder.commit()
        else:
            results = []
            worker = threading.Thread(target=lambda: results.append(_refresh(services)))
            worker.start()
            worker.join(0.5)
            assert worker.is_alive() and not results  # waiting for the write lock
            holder.commit()
            worker.join(10)
            assert results and not results[0].skipped
    finally:
        holder.close()
    result = _refresh(services)
    assert not result.skipped
    with transaction(services.sessions) as db:
        assert db.scalar(select(func.sum(MonevDaily.received))) == 1


def test_a_transfer_mark_lives_through_the_overlap(monev, world):
    """The mark a transfer leaves for its old instansi is rebuilt by every refresh within the overlap
    (one that read before the transfer committed must not consume it), then dropped."""
    services, api, clock = monev
    tid = api.submit()["tracking_id"]
    _refresh(services)
    verify = api.task_for("admin_a", tid, "verify")
    r = api.complete("admin_a", verify["id"], {"action": "transfer", "target_instansi_id": world.inst_b,
                                               "note": "Kewenangan provinsi"})
    assert r.status_code == 200, r.json
    with transaction(services.sessions) as db:
        assert db.scalar(select(func.count()).select_from(rollup.MonevStale)) == 1
    _refresh(services)
    with transaction(services.sessions) as db:
        assert db.scalar(select(func.count()).select_from(rollup.MonevStale)) == 1  # still young
        assert {r.instansi_id: r.received for r in db.scalars(select(MonevDaily))} == {world.inst_b: 1}
    clock.advance(minutes=3)
    _refresh(services)
    with transaction(services.sessions) as db:
        assert db.scalar(select(func.count()).select_from(rollup.MonevStale)) == 0
        assert {r.instansi_id: r.received for r in db.scalars(select(MonevDaily))} == {world.inst_b: 1}
