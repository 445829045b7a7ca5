"""The officers' complaint search over the API (issue 14): scope (instansi, the coordinator's province,
national), text and tracking ID, the anonymous reporter hidden from the instansi, filters, paging,
bad input named by field, and nothing without a login."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.helpers import Api
from web import create_app
from workflows.accounts import credentials, roles
from workflows.clock import ManualClock
from workflows.db import transaction
from workflows.org.models import Instansi, Region
from workflows.service import Aduan

WIB = ZoneInfo("Asia/Jakarta")
URL = "/api/officer/complaints"


@pytest.fixture
def env(database_url, world):
    """Four reports a day apart from Monday 7 July 2025: a (instansi A), b (instansi B, anonymous),
    t (no instansi: waiting for triage), x (another province, its own instansi and coordinator)."""
    clock = ManualClock(datetime(2025, 7, 7, 9, 0, tzinfo=WIB))
    services = Aduan(database_url, clock=clock)
    with transaction(services.sessions) as db:
        other = Region(code="32", name="Provinsi Lain", kind="province")
        db.add(other)
        db.flush()
        inst_x = Instansi(code="pemprov-lain", name="Pemprov Lain", region_id=other.id)
        db.add(inst_x)
        db.flush()
        credentials.create_user(db, "koord_lain", "KOORD LAIN", "rahasia-123", roles.ADMIN_KOORDINATOR,
                                region_id=other.id)
        other_id, inst_x_id = other.id, inst_x.id
    api = Api(create_app({"TESTING": True, "SECRET_KEY": "t"}, services=services).test_client(), world)
    made = {}
    made["a"] = api.submit(title="Jalan rusak di Sukamaju", location="Jl. Merdeka 10", category="infrastruktur")
    clock.advance(days=1)
    made["b"] = api.submit(title="Lampu jalan mati", description="Lampu PJU di 50_persen ruas padam sejak lama.",
                           instansi_id=world.inst_b, region_id=world.province, category="transportasi",
                           anonymous=True, reporter_name="Bambang Rahasia", reporter_email="bambang@example.id")
    clock.advance(days=1)
    made["t"] = api.submit(title="Sampah menumpuk", description="Sampah di pasar tidak diangkut seminggu.",
                           instansi_id=None, category="lingkungan", reporter_name="Wati")
    clock.advance(days=1)
    made["x"] = api.submit(title="Jalan rusak di provinsi lain", region_id=other_id, instansi_id=inst_x_id)
    yield api, {k: v["tracking_id"] for k, v in made.items()}
    services.sql_engine.dispose()


def _search(api: Api, user: str, **query):
    return api.client.get(URL, query_string=query, headers=api.auth(user))


def _found(api: Api, ids: dict[str, str], user: str, **query) -> list[str]:
    r = _search(api, user, **query)
    assert r.status_code == 200, r.json
    names = {v: k for k, v in ids.items()}
    return [names[item["tracking_id"]] for item in r.json["items"]]


def test_each_officer_searches_within_their_scope_newest_first(env):
    api, ids = env
    assert _found(api, ids, "nasional") == ["x", "t", "b", "a"]
    assert _found(api, ids, "koord") == ["t", "b", "a"]  # the province and its regency, triage included
    assert _found(api, ids, "koord_lain") == ["x"]
    assert _found(api, ids, "admin_a") == ["a"]
    assert _found(api, ids, "admin_b") == ["b"]
    assert _found(api, ids, "pp_a1") == []  # not dispatched to the unit yet
    # an instansi outside the scope gives nothing, never another instansi's complaints
    assert _found(api, ids, "admin_a", instansi_id=api.world.inst_b) == []
    assert _found(api, ids, "koord", instansi_id=api.world.inst_a) == ["a"]


def test_the_result_carries_what_the_list_shows(env):
    api, ids = env
    r = _search(api, "koord", q=ids["t"])
    assert r.status_code == 200
    assert r.json["total"] == 1 and r.json["page"] == 1 and r.json["pages"] == 1
    item = r.json["items"][0]
    assert item["instansi"] is None and item["category"] == "lingkungan" and item["status"] == "belum_diproses"
    assert item["received_on"] == "2025-07-09" and item["closed"] is False
    assert "reporter" not in item and "description" not in item


def test_text_search_and_tracking_id(env):
    api, ids = env
    assert _found(api, ids, "nasional", q="JALAN RUSAK") == ["x", "a"]  # any case, title
    assert _found(api, ids, "nasional", q="merdeka") == ["a"]  # location
    assert _found(api, ids, "nasional", q="diangkut") == ["t"]  # description
    assert _found(api, ids, "nasional", q="siti@example") == ["x", "t", "a"]  # reporter e-mail (named reporters)
    assert _found(api, ids, "admin_a", q="jalan rusak") == ["a"]  # still within scope
    # a tracking ID matches exactly (any case, spaces around), and only within scope
    assert _found(api, ids, "koord", q=f"  {ids['b'].lower()} ") == ["b"]
    assert _found(api, ids, "admin_a", q=ids["b"]) == []
    # LIKE wildcards in the text are plain characters
    assert _found(api, ids, "nasional", q="%") == []
    assert _found(api, ids, "nasional", q="50_persen") == ["b"]
    assert _found(api, ids, "nasional", q="5__persen") == []


def test_an_anonymous_reporter_is_not_searchable_by_the_instansi(env):
    api, ids = env
    assert _found(api, ids, "admin_b", q="Bambang") == []
    assert _found(api, ids, "admin_b", q="bambang@example.id") == []
    assert _found(api, ids, "admin_b", q="lampu") == ["b"]  # the complaint itself is found
    assert _found(api, ids, "koord", q="bambang") == ["b"]
    assert _found(api, ids, "nasional", q="Rahasia") == ["b"]
    # a named reporter is searchable by the instansi
    assert _found(api, ids, "admin_a", q="siti") == ["a"]


def test_status_category_date_and_triage_filters(env):
    api, ids = env
    assert _found(api, ids, "nasional", status="belum_diproses") == ["x", "t", "b", "a"]
    assert _found(api, ids, "nasional", status="diselesaikan") == []
    assert _found(api, ids, "nasional", category="transportasi") == ["b"]
    assert _found(api, ids, "nasional", received_from="2025-07-08", received_to="2025-07-09") == ["t", "b"]
    assert _found(api, ids, "nasional", received_from="2025-07-10") == ["x"]
    assert _found(api, ids, "nasional", received_to="2025-07-07") == ["a"]
    assert _found(api, ids, "koord", triage="true") == ["t"]
    assert _found(api, ids, "nasional", triage="true") == ["t"]
    assert _found(api, ids, "admin_a", triage="true") == []  # the instansi never sees the triage queue

    # a status reached by working the task: a is archived by its admin
    task = api.task_for("admin_a", ids["a"], "verify")
    assert api.complete("admin_a", task["id"], {"action": "archive", "note": "Duplikat"}).status_code == 200
    assert _found(api, ids, "admin_a", status="diarsipkan") == ["a"]
    assert _found(api, ids, "admin_a", status="belum_diproses") == []


def test_pagination_with_total(env):
    api, ids = env
    r = _search(api, "nasional", per_page=3)
    assert r.json["total"] == 4 and r.json["pages"] == 2 and len(r.json["items"]) == 3
    r = _search(api, "nasional", per_page=3, page=2)
    assert [i["tracking_id"] for i in r.json["items"]] == [ids["a"]] and r.json["total"] == 4
    r = _search(api, "nasional", per_page=3, page=9)
    assert r.status_code == 200 and r.json["items"] == [] and r.json["total"] == 4
    assert _search(api, "nasional", per_page=100).status_code == 200


@pytest.mark.parametrize("query, field", [
    ({"received_from": "2025-13-01"}, "received_from"),
    ({"received_to": "kemarin"}, "received_to"),
    ({"per_page": 0}, "per_page"),
    ({"per_page": 101}, "per_page"),
    ({"page": 0}, "page"),
    ({"page": "satu"}, "page"),
    ({"status": "selesai"}, "status"),
    ({"instansi_id": "abc"}, "instansi_id"),
    ({"instansi_id": 2**31}, "instansi_id"),
    ({"triage": "mungkin"}, "triage"),
    ({"q": "x" * 201}, "q"),
    ({"q": "a\x00b"}, "q"),
    ({"received_from": "2025-07-09", "received_to": "2025-07-08"}, "received_to"),
])
def test_bad_input_is_refused_naming_the_field(env, query, field):
    api, _ids = env
    r = _search(api, "nasional", **query)
    assert r.status_code == 422, r.json
    assert r.json["error"] == "invalid" and field in r.json["fields"], r.json


def test_nothing_without_a_login(env):
    api, ids = env
    r = api.client.get(URL)
    assert r.status_code == 401 and "items" not in r.json
    r = api.client.get(URL, query_string={"q": ids["a"]}, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and "items" not in r.json
