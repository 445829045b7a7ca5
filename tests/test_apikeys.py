"""API keys for integrating systems: made, listed and revoked by admins within their scope (the raw key
shown once, only its digest kept), refused when revoked, rate-limited per minute by the services' clock;
the channel of what a key files in the timeline, on the pages and in monev's reports per channel."""
from __future__ import annotations

import hashlib
import html as html_lib
import shlex
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from flask import jsonify, request
from sqlalchemy import select

from tests.helpers import Api
from tests.test_pages import csrf_of, login_page
from web.context import unit_of_work
from workflows.accounts.models import User
from workflows.apikeys import keys, manage
from workflows.apikeys.models import ApiKey, ApiKeyWindow
from workflows.clock import ManualClock
from workflows.complaints.models import Complaint
from workflows.complaints.service import NewComplaint
from workflows.db import transaction
from workflows.errors import TooManyAttempts, Unauthorized
from workflows.history import importer
from workflows.history.rows import RawRow
from workflows.monev import indicators, rollup
from workflows.org.models import Instansi, Region
from workflows.service import Aduan

WIB = ZoneInfo("Asia/Jakarta")
START = datetime(2025, 7, 7, 9, 0, 20, tzinfo=WIB)  # a Monday, 20 seconds into the minute


@pytest.fixture
def clock():
    return ManualClock(START)


@pytest.fixture
def services(database_url, clock):
    """The conftest's services on a clock the tests move (the app, client and live server use it)."""
    aduan = Aduan(database_url, clock=clock)
    yield aduan
    aduan.sql_engine.dispose()


@pytest.fixture
def api(client, world):
    return Api(client, world)


@pytest.fixture
def probe(app):
    """A route that files nothing but checks the key as Open311 does (``api_key``), in its own unit of work."""
    @app.post("/api/test-probe")
    def _probe():
        with unit_of_work() as db:
            key = keys.authenticate(db, request.values.get("api_key"), app.extensions["aduan"].clock())
            return jsonify(channel=key.channel)
    return "/api/test-probe"


def _create(api: Api, admin: str, **body):
    base = {"name": "SMS 1708", "channel": "sms1708"}
    return api.client.post("/api/api-keys", json={**base, **body}, headers=api.auth(admin))


def _other_province(services) -> dict[str, int]:
    with transaction(services.sessions) as db:
        province = Region(code="32", name="Provinsi Lain", kind="province")
        db.add(province)
        db.flush()
        inst = Instansi(code="pemprov-lain", name="Pemprov Lain", region_id=province.id)
        db.add(inst)
        db.flush()
        return {"province": province.id, "instansi": inst.id}


def _file(services, raw: str, region_id: int, instansi_id: int) -> str:
    with transaction(services.sessions) as db:
        key = keys.authenticate(db, raw, services.clock())
        assert key.may_file(db, region_id, instansi_id)
        complaint, _ = services.complaints.submit(db, NewComplaint(
            type="pengaduan", category="infrastruktur", title="Jalan rusak", description="Lubang di jalan desa.",
            region_id=region_id, instansi_id=instansi_id, reporter_name="Warga", channel=key.channel))
        return complaint.tracking_id


# -- shown once, kept as a digest -----------------------------------------------------------------------

def test_a_new_key_is_shown_once_and_only_its_digest_is_kept(api, services, world):
    r = _create(api, "nasional", rate_per_minute=120)
    assert r.status_code == 201, r.json
    assert r.headers["Cache-Control"] == "no-store"
    raw = r.json["key"]
    assert raw.startswith("adn_") and len(raw) >= 40
    assert r.json["national"] is True and r.json["status"] == "active" and r.json["prefix"] == raw[:12]
    assert r.json["created_by"] == "NASIONAL"

    listed = api.client.get("/api/api-keys", headers=api.auth("nasional"))
    assert listed.status_code == 200
    assert [k["name"] for k in listed.json] == ["SMS 1708"]
    assert "key" not in listed.json[0] and raw not in listed.get_data(as_text=True)
    assert listed.json[0]["prefix"] == raw[:12] and listed.json[0]["rate_per_minute"] == 120

    with transaction(services.sessions) as db:
        row = db.scalars(select(ApiKey)).one()
        assert row.key_hash == hashlib.sha256(raw.encode()).hexdigest()
        stored = [str(getattr(row, c.key)) for c in ApiKey.__table__.columns]
        assert not any(raw in value for value in stored)  # the raw key is nowhere in the row
        assert keys.authenticate(db, raw, services.clock()).channel == "sms1708"


def test_the_page_shows_a_new_key_once(app, world, services):
    client = login_page(app, "nasional")
    token = csrf_of(client, "/integrations/keys")
    made = client.post("/integrations/keys", data={"csrf_token": token, "name": "Aplikasi Bekasi",
                                                   "channel": "bekasi-app", "instansi_ids": str(world.inst_a)})
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    html = made.get_data(as_text=True)
    assert "tidak akan ditampilkan lagi" in html
    with transaction(services.sessions) as db:
        prefix = db.scalars(select(ApiKey.prefix)).one()
    raw = html.split('id="new-key-value"')[1].split(">", 1)[1].split("</textarea>")[0]
    assert raw.startswith(prefix)
    again = client.get("/integrations/keys").get_data(as_text=True)
    assert raw not in again and prefix in again


def _example(html: str) -> list[tuple[str, str]]:
    """The curl example the page shows beside a new key, as the parameters it sends."""
    text = html_lib.unescape(html.split("data-example")[1].split(">", 1)[1].split("</pre>")[0])
    words = shlex.split(text.replace("\\\n", " "))
    assert words[:3] == ["curl", "-X", "POST"] and words[3].endswith("/open311/v2/requests.json")
    pairs = [words[i + 1].split("=", 1) for i, w in enumerate(words) if w == "--data-urlencode"]
    return [(name, value) for name, value in pairs]


@pytest.mark.parametrize("scope", ["national", "two_places", "one_instansi"])
def test_the_example_beside_a_new_key_files_a_report_as_it_is(app, world, services, scope):
    """A key for more than one place (or a national one) must name a jurisdiction_id: the example does, from
    the key's scope, and lists the codes it may use."""
    client = login_page(app, "nasional")
    token = csrf_of(client, "/integrations/keys")
    body = {"national": {}, "two_places": {"region_ids": [str(world.province), str(world.regency)]},
            "one_instansi": {"instansi_ids": str(world.inst_a)}}[scope]
    made = client.post("/integrations/keys", data={"csrf_token": token, "name": "Aplikasi Uji", "channel": "uji-app",
                                                   **body})
    html = made.get_data(as_text=True)
    params = dict(_example(html))
    assert params["api_key"].startswith("adn_") and params["service_code"] != "…"
    assert params["jurisdiction_id"] == {"national": "31", "two_places": "31", "one_instansi": "pemkab-uji"}[scope]
    if scope == "two_places":
        assert "<code>31</code> Provinsi Uji" in html and "<code>31.01</code> Kabupaten Uji" in html
    if scope != "one_instansi":  # without jurisdiction_id such a key is refused
        without = {k: v for k, v in params.items() if k != "jurisdiction_id"}
        assert app.test_client().post("/open311/v2/requests.json", data=without).status_code == 400
    filed = app.test_client().post("/open311/v2/requests.json", data=params)
    assert filed.status_code == 201, filed.get_data(as_text=True)
    with transaction(services.sessions) as db:
        complaint = db.scalars(select(Complaint)).one()
        assert complaint.channel == "uji-app" and complaint.location == params["address_string"]
        assert complaint.location == ("Kabupaten Uji" if scope == "one_instansi" else "Provinsi Uji")


# -- who may do what ----------------------------------------------------------------------------------

def test_liaison_officers_manage_no_keys(api, app, world):
    assert api.client.get("/api/api-keys", headers=api.auth("pp_a1")).status_code == 403
    r = _create(api, "pp_a1", instansi_ids=[world.inst_a])
    assert r.status_code == 403 and r.json["message"] == "Anda tidak mengelola kunci API"
    assert login_page(app, "pp_a1").get("/integrations/keys").status_code == 403


def test_each_admin_makes_keys_only_within_their_scope(api, services, world):
    other = _other_province(services)
    # the coordinator: their province, its regencies and their instansi; nothing national, nothing beyond
    national = _create(api, "koord", channel="koord-all")
    assert national.status_code == 403 and "region_ids" in national.json["fields"]
    assert national.json["fields"]["region_ids"] == [
        "Kunci tanpa wilayah atau instansi dapat melapor ke mana saja: hanya Admin Nasional yang boleh membuatnya. "
        "Pilih sedikitnya satu wilayah atau instansi."]
    beyond = _create(api, "koord", channel="koord-x", region_ids=[world.province, other["province"]])
    assert beyond.status_code == 403 and beyond.json["fields"] == {"region_ids": ["Di luar cakupan Anda."]}
    beyond = _create(api, "koord", channel="koord-x", instansi_ids=[other["instansi"]])
    assert beyond.status_code == 403 and list(beyond.json["fields"]) == ["instansi_ids"]
    assert _create(api, "koord", name="Aplikasi Provinsi", channel="prov-app",
                   region_ids=[world.province]).status_code == 201
    assert _create(api, "koord", name="Aplikasi Kabupaten", channel="kab-app", region_ids=[world.regency],
                   instansi_ids=[world.inst_b]).status_code == 201
    # the Admin Instansi: their own instansi only
    assert _create(api, "admin_a", channel="a-app").status_code == 403
    assert _create(api, "admin_a", channel="a-app", region_ids=[world.regency]).json["fields"] == {
        "region_ids": ["Di luar cakupan Anda."]}
    assert _create(api, "admin_a", channel="a-app", instansi_ids=[world.inst_b]).status_code == 403
    assert _create(api, "admin_a", name="Aplikasi A", channel="a-app", instansi_ids=[world.inst_a]).status_code == 201
    # the Admin Nasional: anything, a national key included
    assert _create(api, "nasional").status_code == 201
    assert _create(api, "nasional", name="Lain", channel="lain-app",
                   region_ids=[other["province"]]).status_code == 201

    def names(admin):
        r = api.client.get("/api/api-keys", headers=api.auth(admin))
        assert r.status_code == 200
        return sorted(k["name"] for k in r.json)

    assert names("nasional") == ["Aplikasi A", "Aplikasi Kabupaten", "Aplikasi Provinsi", "Lain", "SMS 1708"]
    assert names("koord") == ["Aplikasi A", "Aplikasi Kabupaten", "Aplikasi Provinsi"]
    assert names("admin_a") == ["Aplikasi A"]
    assert names("admin_b") == []


def test_a_channel_of_another_scope_is_not_taken_over(api, world):
    assert _create(api, "nasional").status_code == 201
    taken = _create(api, "koord", name="SMS palsu", region_ids=[world.province])  # channel sms1708
    assert taken.status_code == 403 and list(taken.json["fields"]) == ["channel"]
    # the same admin may give a replacement key its own channel
    assert _create(api, "nasional", name="SMS 1708 (baru)").status_code == 201


# -- revoking -------------------------------------------------------------------------------------------

def test_a_revoked_key_is_refused_and_revoking_twice_is_a_conflict(api, services, world, clock, probe):
    made = _create(api, "koord", name="Aplikasi Provinsi", channel="prov-app", region_ids=[world.province]).json
    assert api.client.post(probe, data={"api_key": made["key"]}).status_code == 200

    assert api.client.post(f"/api/api-keys/{made['id']}/revoke", headers=api.auth("admin_a")).status_code == 403
    clock.advance(minutes=5)
    r = api.client.post(f"/api/api-keys/{made['id']}/revoke", headers=api.auth("koord"))
    assert r.status_code == 200, r.json
    assert r.json["status"] == "revoked" and r.json["revoked_by"] == "KOORD"
    assert r.json["revoked_at"].startswith("2025-07-07T02:05")

    refused = api.client.post(probe, data={"api_key": made["key"]})
    assert refused.status_code == 401 and refused.json["message"] == "kunci API tidak dikenal atau sudah dicabut"
    with transaction(services.sessions) as db, pytest.raises(Unauthorized):
        keys.authenticate(db, made["key"], clock())

    again = api.client.post(f"/api/api-keys/{made['id']}/revoke", headers=api.auth("nasional"))
    assert again.status_code == 409
    assert again.json["message"] == "kunci API ini sudah dicabut" and again.json["revoked_by"] == "KOORD"
    assert api.client.post("/api/api-keys/999999/revoke", headers=api.auth("nasional")).status_code == 404
    listed = api.client.get("/api/api-keys", headers=api.auth("koord")).json
    assert [(k["name"], k["status"]) for k in listed] == [("Aplikasi Provinsi", "revoked")]


def test_a_coordinator_cannot_revoke_a_national_key(api, world):
    made = _create(api, "nasional").json
    r = api.client.post(f"/api/api-keys/{made['id']}/revoke", headers=api.auth("koord"))
    assert r.status_code == 403 and r.json["message"] == "kunci API ini di luar cakupan Anda"


# -- rate limit -----------------------------------------------------------------------------------------

def test_the_rate_limit_counts_a_minute_by_the_services_clock(api, world, services, clock, probe, live_server):
    raw = _create(api, "nasional", rate_per_minute=3).json["key"]
    url = live_server + probe
    with requests.Session() as http:
        for _ in range(3):
            assert http.post(url, data={"api_key": raw}, timeout=10).status_code == 200
        over = http.post(url, data={"api_key": raw}, timeout=10)
        assert over.status_code == 429
        assert over.headers["Retry-After"] == "40"  # 09:00:20 -> the next minute starts in 40 s
        assert over.json()["retry_after"] == 40
        clock.advance(seconds=39)
        assert http.post(url, data={"api_key": raw}, timeout=10).status_code == 429
        assert http.post(url, data={"api_key": raw}, headers={"Accept-Language": "en"}, timeout=10).json()[
            "message"] == "too many requests with this API key; try again later"
        clock.advance(seconds=1)  # 09:01:00: a new window
        assert http.post(url, data={"api_key": raw}, timeout=10).status_code == 200
    with transaction(services.sessions) as db:
        windows = db.scalars(select(ApiKeyWindow)).all()
        assert [(w.window_start.astimezone(WIB).minute, w.requests) for w in windows] == [(1, 1)]  # old one dropped
        assert db.scalars(select(ApiKey.last_used_at)).one() == clock()


def test_each_key_has_its_own_rate(services, world, clock):
    with transaction(services.sessions) as db:
        admin = db.scalars(select(User).where(User.username == "nasional")).one()
        one = manage.create(db, admin, manage.NewKey("Satu", "satu", rate_per_minute=1), clock()).raw
        two = manage.create(db, admin, manage.NewKey("Dua", "dua", rate_per_minute=1), clock()).raw
    for raw in (one, two):
        with transaction(services.sessions) as db:
            keys.authenticate(db, raw, clock())
    with transaction(services.sessions) as db, pytest.raises(TooManyAttempts) as refused:
        keys.authenticate(db, one, clock())
    assert refused.value.retry_after == 40


# -- bad input ------------------------------------------------------------------------------------------

def test_bad_input_is_refused_at_its_field(api, world):
    def fields(**body):
        r = _create(api, "nasional", **body)
        assert r.status_code == 422, r.json
        return r.json["fields"]

    assert fields(name="   ") == {"name": ["Kolom ini wajib diisi."]}
    assert fields(name="x" * 101)["name"] == ["Harus 1 sampai 100 karakter."]
    assert list(fields(channel="SMS 1708")) == ["channel"]
    assert fields(channel="web") == {"channel": ["web, import adalah kanal bawaan; pilih nama lain."]}
    assert list(fields(channel="import")) == ["channel"]
    assert list(fields(rate_per_minute=0)) == ["rate_per_minute"]
    assert list(fields(rate_per_minute=10_001)) == ["rate_per_minute"]
    assert list(fields(rate_per_minute="60")) == ["rate_per_minute"]
    assert fields(region_ids=[999_999]) == {"region_ids": ["Wilayah tidak ditemukan."]}
    assert list(fields(instansi_ids=["satu"])) == ["instansi_ids"]
    assert list(fields(instansi_ids=[0])) == ["instansi_ids"]
    missing = api.client.post("/api/api-keys", json={}, headers=api.auth("nasional"))
    assert missing.status_code == 422 and set(missing.json["fields"]) == {"name", "channel"}
    english = api.client.post("/api/api-keys?lang=en", json={"name": "A", "channel": "a"},
                              headers=api.auth("nasional"))
    assert english.json["fields"]["channel"][0].startswith("2 to 20 characters")


def test_bad_input_on_the_page_is_shown_at_its_field(app, world):
    client = login_page(app, "admin_a")
    token = csrf_of(client, "/integrations/keys")
    r = client.post("/integrations/keys", data={"csrf_token": token, "name": "", "channel": "web",
                                                "rate_per_minute": "banyak"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    for name in ("name", "channel", "rate_per_minute"):
        assert f'data-error-for="{name}"' in html
    assert "adalah kanal bawaan" in html and "Harus berupa bilangan bulat." in html


# -- the channel in the timeline and in monev ------------------------------------------------------------

def _keys(services, world, clock) -> tuple[str, str]:
    with transaction(services.sessions) as db:
        admin = db.scalars(select(User).where(User.username == "nasional")).one()
        sms = manage.create(db, admin, manage.NewKey("SMS 1708", "sms1708"), clock()).raw
        app = manage.create(db, admin, manage.NewKey("Aplikasi Uji", "uji-app", region_ids=(world.province,)),
                            clock()).raw
    return sms, app


def test_the_channel_shows_in_words_in_the_timelines(api, app, client, services, world, clock):
    sms, _app = _keys(services, world, clock)
    tid = _file(services, sms, world.regency, world.inst_a)
    web = api.submit()["tracking_id"]
    with transaction(services.sessions) as db:
        cid = db.scalars(select(Complaint.id).where(Complaint.tracking_id == tid)).one()
        web_id = db.scalars(select(Complaint.id).where(Complaint.tracking_id == web)).one()

    track = client.get(f"/track/{tid}").get_data(as_text=True)
    assert "Diterima melalui SMS 1708 (sms1708)" in track
    assert "Diterima melalui situs web" in client.get(f"/track/{web}").get_data(as_text=True)
    assert "Received via SMS 1708 (sms1708)" in client.get(f"/track/{tid}?lang=en").get_data(as_text=True)

    officer = login_page(app, "admin_a")
    detail = officer.get(f"/complaints/{cid}").get_data(as_text=True)
    assert "Diterima melalui SMS 1708 (sms1708)" in detail and "diterima melalui SMS 1708 (sms1708)" in detail
    assert "Diterima melalui situs web" in officer.get(f"/complaints/{web_id}").get_data(as_text=True)
    public = api.track(tid).json["timeline"]
    assert public[0]["action"] == "submitted" and public[0]["data"]["channel"] == "sms1708"


def test_monev_counts_reports_per_channel(api, app, services, world, clock):
    sms, app_key = _keys(services, world, clock)
    other = _other_province(services)
    for _ in range(2):
        api.submit()
    for _ in range(3):
        _file(services, sms, world.regency, world.inst_a)
    _file(services, app_key, world.province, world.inst_b)
    _file(services, sms, other["province"], other["instansi"])
    rollup.refresh(services.sessions, clock())

    def channels(username, **query):
        with transaction(services.sessions) as db:
            user = db.scalars(select(User).where(User.username == username)).one()
            report = indicators.report(db, user, indicators.Query(date(2025, 1, 1), date(2025, 12, 31), **query),
                                       clock(), 0.9)
            return [(r.channel, r.name, r.received, r.months) for r in report.by_channel]

    assert channels("nasional") == [("sms1708", "SMS 1708", 4, {"2025-07": 4}), ("web", None, 2, {"2025-07": 2}),
                                    ("uji-app", "Aplikasi Uji", 1, {"2025-07": 1})]
    assert channels("koord") == [("sms1708", "SMS 1708", 3, {"2025-07": 3}), ("web", None, 2, {"2025-07": 2}),
                                 ("uji-app", "Aplikasi Uji", 1, {"2025-07": 1})]
    assert channels("admin_a") == [("sms1708", "SMS 1708", 3, {"2025-07": 3}), ("web", None, 2, {"2025-07": 2})]
    assert channels("nasional", instansi_id=world.inst_b) == [("uji-app", "Aplikasi Uji", 1, {"2025-07": 1})]

    # later reports are counted by the next (incremental) refresh
    clock.advance(days=1)
    _file(services, app_key, world.province, world.inst_b)
    rollup.refresh(services.sessions, clock())
    assert channels("admin_b") == [("uji-app", "Aplikasi Uji", 2, {"2025-07": 2})]

    r = api.client.get("/api/monev?from=2025-01-01&to=2025-12-31", headers=api.auth("nasional"))
    assert r.status_code == 200
    assert [(c["channel"], c["name"], c["received"]) for c in r.json["channels"]] == [
        ("sms1708", "SMS 1708", 4), ("uji-app", "Aplikasi Uji", 2), ("web", None, 2)]
    assert r.json["channels"][0]["share"] == pytest.approx(0.5)

    html = login_page(app, "nasional").get("/monev?from=2025-01-01&to=2025-12-31").get_data(as_text=True)
    assert "Laporan per kanal" in html and 'data-channel="sms1708"' in html and "Situs web" in html


def test_imported_history_may_name_its_channel(services, world, clock):
    row = {"external_id": "LAMA-1", "received_at": "2025-06-02T09:00:00+07:00", "region": "31.01",
           "instansi": "pemkab-uji", "category": "infrastruktur", "verify_done": "2025-06-02T10:00:00+07:00",
           "verify_action": "archive", "verify_note": "Ganda."}
    result = importer.import_rows(services.sessions, services.registry, services.policy,
                                  [RawRow(2, {**row, "channel": "sms1708"}),
                                   RawRow(3, {**row, "external_id": "LAMA-2"}),
                                   RawRow(4, {**row, "external_id": "LAMA-3", "channel": "SMS!"})],
                                  clock(), skip_invalid=True)
    assert [r.line for r in result.rejected] == [4] and "bad channel" in result.rejected[0].reason
    with transaction(services.sessions) as db:
        assert sorted(db.scalars(select(Complaint.channel))) == ["import", "sms1708"]
    rollup.refresh(services.sessions, clock(), full=True)
    with transaction(services.sessions) as db:
        user = db.scalars(select(User).where(User.username == "nasional")).one()
        report = indicators.report(db, user, indicators.Query(date(2025, 1, 1), date(2025, 12, 31)), clock(), 0.9)
    assert [(r.channel, r.received) for r in report.by_channel] == [("import", 1), ("sms1708", 1)]


def test_monev_counts_keyed_reports_waiting_for_triage_by_their_region_and_once_routed(api, app, services, world,
                                                                                         clock):
    """A report filed for a region only (no instansi: it waits for triage) counts in the reports per channel
    of the national view and of its province's, by its region; once triage routes it, it counts for its
    instansi instead, once."""
    sms, app_key = _keys(services, world, clock)
    other = _other_province(services)
    rollup.refresh(services.sessions, clock())  # the first (full) refresh: later ones are incremental
    clock.advance(minutes=5)
    routed = _file(services, app_key, world.province, world.inst_b)
    waiting = [_file(services, app_key, world.regency, None) for _ in range(2)]
    _file(services, sms, other["province"], None)
    api.submit(instansi_id=None)  # through the website, waiting too
    rollup.refresh(services.sessions, clock())

    def report(username, **query):
        with transaction(services.sessions) as db:
            user = db.scalars(select(User).where(User.username == username)).one()
            return indicators.report(db, user, indicators.Query(date(2025, 1, 1), date(2025, 12, 31), **query),
                                     clock(), 0.9)

    def channels(username, **query):
        return [(r.channel, r.received, r.months) for r in report(username, **query).by_channel]

    july = "2025-07"
    assert channels("nasional") == [("uji-app", 3, {july: 3}), ("sms1708", 1, {july: 1}), ("web", 1, {july: 1})]
    assert report("nasional").waiting_for_triage == 4 and report("nasional").totals.received == 1
    assert [r.share for r in report("nasional").by_channel] == [pytest.approx(0.6), pytest.approx(0.2),
                                                                 pytest.approx(0.2)]
    assert channels("koord") == [("uji-app", 3, {july: 3}), ("web", 1, {july: 1})]  # not the other province's
    assert channels("nasional", province_id=world.province) == channels("koord")
    assert channels("nasional", province_id=other["province"]) == [("sms1708", 1, {july: 1})]
    assert channels("admin_b") == [("uji-app", 1, {july: 1})]  # an instansi's view: its own reports only
    assert channels("nasional", instansi_id=world.inst_b) == [("uji-app", 1, {july: 1})]
    assert channels("admin_a") == []

    r = api.client.get("/api/monev?from=2025-01-01&to=2025-12-31", headers=api.auth("koord"))
    assert r.status_code == 200 and r.json["waiting_for_triage"] == 3
    assert [(c["channel"], c["received"]) for c in r.json["channels"]] == [("uji-app", 3), ("web", 1)]
    html = login_page(app, "koord").get("/monev?from=2025-01-01&to=2025-12-31").get_data(as_text=True)
    assert 'data-channel="uji-app"' in html and "data-waiting-for-triage" in html

    # triage gives one an instansi: the next (incremental) refresh counts it there, and no longer as waiting
    clock.advance(minutes=5)
    triage = api.task_for("koord", waiting[0], "triage")
    assert api.complete("koord", triage["id"], {"target_instansi_id": world.inst_a}).status_code == 200
    rollup.refresh(services.sessions, clock())
    assert channels("nasional") == [("uji-app", 3, {july: 3}), ("sms1708", 1, {july: 1}), ("web", 1, {july: 1})]
    assert report("nasional").waiting_for_triage == 3 and report("nasional").totals.received == 2
    assert channels("koord") == [("uji-app", 3, {july: 3}), ("web", 1, {july: 1})]
    assert report("koord").waiting_for_triage == 2
    assert channels("admin_a") == [("uji-app", 1, {july: 1})]
    assert channels("admin_b") == [("uji-app", 1, {july: 1})]
    # a full rebuild agrees with the incremental one
    clock.advance(minutes=5)
    rollup.refresh(services.sessions, clock(), full=True)
    assert channels("nasional") == [("uji-app", 3, {july: 3}), ("sms1708", 1, {july: 1}), ("web", 1, {july: 1})]
    assert channels("koord") == [("uji-app", 3, {july: 3}), ("web", 1, {july: 1})]
    assert routed and report("koord").waiting_for_triage == 2
