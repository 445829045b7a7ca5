"""Routing (issue 13): the regional routing table as a DMN decision table the SOP evaluates, the verification
task's pre-selected unit, triage of reports without an instansi (within the verification limit), and the
categories and units managed over the API; bad input and scope."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from engine.decisions import parse_table
from tests.conftest import PASSWORD
from tests.helpers import Api
from workflows.accounts import credentials, roles
from workflows.complaints.models import Complaint
from workflows.db import transaction
from workflows.monev import rollup
from workflows.org.models import Instansi, Region
from workflows.routing.models import RoutingRule
from workflows.sla.models import RuleChange

PROVINCE, REGENCY = "31", "31.01"


@pytest.fixture
def api(client, world, services):
    with transaction(services.sessions) as db:  # a second province with its own coordinator
        other = Region(code="32", name="Provinsi Lain", kind="province")
        db.add(other)
        db.flush()
        credentials.create_user(db, "koord_lain", "KOORD LAIN", "rahasia-123", roles.ADMIN_KOORDINATOR,
                                region_id=other.id)
    return Api(client, world)


def _route(api, client, user="koord", **body):
    return client.post("/api/routing/rows", json=body, headers=api.auth(user))


def _changes(services) -> tuple[int, int]:
    with transaction(services.sessions) as db:
        return (db.scalar(select(func.count(RuleChange.id))), db.scalar(select(func.count(RoutingRule.id))))


def _unit_field(api, client, task_id, user="admin_a"):
    r = client.get(f"/api/tasks/{task_id}", headers=api.auth(user))
    assert r.status_code == 200, r.json
    return next(f for f in r.json["form"]["fields"] if f["id"] == "unit_id")


def test_a_routing_row_makes_verification_preselect_the_unit(api, client, world):
    r = _route(api, client, region=PROVINCE, category="infrastruktur", instansi_id=world.inst_a,
               unit_id=world.unit_a2)
    assert r.status_code == 201, r.json
    assert [(row["category"], row["unit"], row["source"]) for row in r.json["rows"]] == [
        ("infrastruktur", "Dinas Kesehatan", "here")]
    complaint = api.submit()
    task = api.task_for("admin_a", complaint["tracking_id"], "verify")
    field = _unit_field(api, client, task["id"])
    assert field["default"] == world.unit_a2 and field["suggested"] is True
    # the officer may still choose another unit
    assert api.complete("admin_a", task["id"], {"action": "dispatch", "unit_id": world.unit_a1}).status_code == 200
    detail = api.detail("admin_a", task["complaint_id"]).json
    assert detail["unit"]["id"] == world.unit_a1


def test_the_region_overrides_the_province_which_overrides_the_nation(api, client, world):
    assert _route(api, client, "nasional", region="", category="infrastruktur", instansi_id=world.inst_a,
                  unit_id=world.unit_a1).status_code == 201
    assert _route(api, client, region=PROVINCE, category="infrastruktur", instansi_id=world.inst_a,
                  unit_id=world.unit_a2, keywords="Puskesmas, klinik").status_code == 201
    # a complaint mentioning none of the keywords falls through to the national row
    plain = api.submit(title="Jalan berlubang", description="Jalan di depan pasar berlubang besar sekali.")
    task = api.task_for("admin_a", plain["tracking_id"], "verify")
    assert _unit_field(api, client, task["id"])["default"] == world.unit_a1
    # a keyword (any case) picks the province's row
    clinic = api.submit(title="Akses ke KLINIK rusak", description="Jalan menuju klinik tidak bisa dilalui.")
    task = api.task_for("admin_a", clinic["tracking_id"], "verify")
    assert _unit_field(api, client, task["id"])["default"] == world.unit_a2
    # the regency's own row wins over both
    r = _route(api, client, region=REGENCY, category="infrastruktur", instansi_id=world.inst_a)
    assert r.status_code == 201
    assert [row["source"] for row in r.json["rows"]] == ["here", "province", "national"]
    own = api.submit(title="Akses ke klinik rusak", description="Jalan menuju klinik tidak bisa dilalui.")
    task = api.task_for("admin_a", own["tracking_id"], "verify")
    assert _unit_field(api, client, task["id"]).get("suggested") is None  # that row names no unit


def test_a_suggested_unit_of_another_instansi_is_not_preselected(api, client, world):
    assert _route(api, client, region=PROVINCE, category="infrastruktur", instansi_id=world.inst_b,
                  unit_id=world.unit_b1).status_code == 201
    complaint = api.submit()  # the reporter chose instansi A
    task = api.task_for("admin_a", complaint["tracking_id"], "verify")
    assert _unit_field(api, client, task["id"]).get("suggested") is None


def test_a_report_without_instansi_waits_for_triage_within_the_verification_limit(api, client, world, services):
    assert _route(api, client, region=PROVINCE, category="kesehatan", instansi_id=world.inst_a,
                  unit_id=world.unit_a2).status_code == 201
    complaint = api.submit(category="kesehatan", instansi_id=None, title="Puskesmas tutup",
                           description="Puskesmas tutup pada jam kerja tanpa pemberitahuan.")
    public = api.track(complaint["tracking_id"]).json
    assert public["instansi"] is None and public["status"] == "belum_diproses"
    assert api.tasks("admin_a") == []  # no instansi yet: nobody there sees it
    triage = api.task_for("koord", complaint["tracking_id"], "triage")
    form = client.get(f"/api/tasks/{triage['id']}", headers=api.auth("koord")).json["form"]
    target = next(f for f in form["fields"] if f["id"] == "target_instansi_id")
    assert target["default"] == world.inst_a and target["suggested"] is True
    assert api.complete("koord", triage["id"], {"target_instansi_id": 999999}).status_code == 422
    assert api.complete("koord", triage["id"], {"target_instansi_id": world.inst_a}).status_code == 200
    verify = api.task_for("admin_a", complaint["tracking_id"], "verify")
    # one limit for triage and verification: verification is due when triage was
    assert abs(datetime.fromisoformat(verify["due_at"]) - datetime.fromisoformat(triage["due_at"])).total_seconds() < 120
    assert _unit_field(api, client, verify["id"])["default"] == world.unit_a2
    with transaction(services.sessions) as db:
        assert db.get(Complaint, verify["complaint_id"]).instansi_id == world.inst_a


def test_triage_goes_to_the_national_admin_where_the_province_has_no_coordinator(api, client, services, world):
    with transaction(services.sessions) as db:
        lone = Region(code="33", name="Provinsi Tanpa Koordinator", kind="province")
        db.add(lone)
        db.flush()
        region_id = lone.id
    complaint = api.submit(instansi_id=None, region_id=region_id)
    assert api.task_for("nasional", complaint["tracking_id"], "triage")
    assert not [t for t in api.tasks("koord") if t["tracking_id"] == complaint["tracking_id"]]


def test_monev_counts_a_report_once_it_is_routed(api, client, services, world):
    complaint = api.submit(instansi_id=None)
    rollup.refresh(services.sessions, services.clock(), full=True)  # an unrouted report does not break it
    triage = api.task_for("koord", complaint["tracking_id"], "triage")
    assert api.complete("koord", triage["id"], {"target_instansi_id": world.inst_b}).status_code == 200
    rollup.refresh(services.sessions, services.clock(), full=True)
    r = client.get("/api/monev", headers=api.auth("nasional"))
    assert r.status_code == 200
    rows = {row["key"]: row["figures"] for row in r.json["instansi"]}
    assert rows[world.inst_b]["received"] == 1 and rows.get(world.inst_a, {"received": 0})["received"] == 0


@pytest.mark.parametrize("body, field", [
    ({"category": "tidak_ada"}, "category"),
    ({"category": ""}, "category"),
    ({"instansi_id": 999999}, "instansi_id"),
    ({"instansi_id": 0}, "instansi_id"),
    ({"unit_id": "B1"}, "unit_id"),        # a unit of another instansi (filled in below)
    ({"keywords": "jalan; DROP TABLE"}, "keywords"),
    ({"keywords": ",".join(f"k{i}" for i in range(11))}, "keywords"),
    ({"sub_region": "32"}, "sub_region"),  # not a regency of this province
])
def test_bad_rows_are_refused_at_the_field_and_nothing_is_saved(api, client, services, world, body, field):
    before = _changes(services)
    row = {"region": PROVINCE, "category": "infrastruktur", "instansi_id": world.inst_a, **body}
    if row.get("unit_id") == "B1":
        row["unit_id"] = world.unit_b1
    r = _route(api, client, **row)
    assert r.status_code == 422, r.json
    assert field in r.json["fields"]
    assert _changes(services) == before


def test_the_same_row_twice_is_refused(api, client, services, world):
    body = {"region": PROVINCE, "category": "infrastruktur", "instansi_id": world.inst_a, "keywords": "jalan"}
    assert _route(api, client, **body).status_code == 201
    r = _route(api, client, **{**body, "keywords": " JALAN "})
    assert r.status_code == 422 and "category" in r.json["fields"]


def test_scope_another_province_and_officers_without_the_right(api, client, services, world):
    before = _changes(services)
    body = {"region": PROVINCE, "category": "infrastruktur", "instansi_id": world.inst_a}
    assert _route(api, client, "koord_lain", **body).status_code == 403
    assert _route(api, client, "admin_a", **body).status_code == 403
    assert client.get("/api/routing", query_string={"region": PROVINCE},
                      headers=api.auth("koord_lain")).status_code == 403
    assert _route(api, client, "koord", **{**body, "region": "32"}).status_code == 403
    assert _changes(services) == before


def test_rows_are_removed_only_where_they_are_set_and_the_history_keeps_both(api, client, services, world):
    national = _route(api, client, "nasional", region="", category="sosial", instansi_id=world.inst_b).json
    row_id = national["rows"][0]["id"]
    r = client.delete(f"/api/routing/rows/{row_id}", query_string={"region": PROVINCE}, headers=api.auth("koord"))
    assert r.status_code == 404  # inherited: removed in the national table only
    r = client.delete(f"/api/routing/rows/{row_id}", query_string={"region": ""}, headers=api.auth("nasional"))
    assert r.status_code == 200 and r.json["rows"] == []
    history = client.get("/api/rules/history", query_string={"region": "", "kind": "routing"},
                         headers=api.auth("nasional")).json
    assert [(h["kind"], bool(h["old"]), bool(h["new"])) for h in history] == [
        ("routing", True, False), ("routing", False, True)]
    assert "Pemprov Uji" in history[0]["old"]


def test_the_table_downloads_as_the_dmn_the_sop_evaluates(api, client, world):
    _route(api, client, "nasional", region="", category="sosial", instansi_id=world.inst_b)
    _route(api, client, region=PROVINCE, category="sosial", instansi_id=world.inst_a, keywords="bansos",
           sub_region=REGENCY)
    r = client.get("/api/routing/dmn", query_string={"region": REGENCY}, headers=api.auth("koord"))
    assert r.status_code == 200 and r.mimetype == "application/xml"
    table = parse_table(r.get_data(as_text=True))
    assert table.hit_policy == "FIRST" and len(table.rules) == 2
    assert [rule.description for rule in table.rules][0].startswith("provinsi")


def test_categories_are_managed_by_the_national_admin(api, client, services):
    r = client.post("/api/categories", json={"code": "air_bersih", "name_id": "Air bersih", "name_en": "Clean water"},
                    headers=api.auth("nasional"))
    assert r.status_code == 201, r.json
    dup = client.post("/api/categories", json={"code": "air_bersih", "name_id": "x", "name_en": "y"},
                      headers=api.auth("nasional"))
    assert dup.status_code == 422 and "code" in dup.json["fields"]
    bad = client.post("/api/categories", json={"code": "Air Bersih!", "name_id": "x", "name_en": "y"},
                      headers=api.auth("nasional"))
    assert bad.status_code == 422 and "code" in bad.json["fields"]
    assert client.post("/api/categories", json={"code": "lain2", "name_id": "x", "name_en": "y"},
                       headers=api.auth("koord")).status_code == 403
    assert "air_bersih" in client.get("/report").get_data(as_text=True)
    r = client.patch("/api/categories/air_bersih", json={"active": False}, headers=api.auth("nasional"))
    assert r.status_code == 200 and r.json["active"] is False
    assert 'value="air_bersih"' not in client.get("/report").get_data(as_text=True)
    assert client.patch("/api/categories/tidak_ada", json={"active": False},
                        headers=api.auth("nasional")).status_code == 404


def test_units_are_managed_within_scope_and_a_retired_one_is_not_offered(api, client, services, world):
    r = client.post(f"/api/instansi/{world.inst_a}/units", json={"code": "dlh", "name": "Dinas Lingkungan Hidup"},
                    headers=api.auth("admin_a"))
    assert r.status_code == 201, r.json
    assert client.post(f"/api/instansi/{world.inst_b}/units", json={"code": "x", "name": "X"},
                       headers=api.auth("admin_a")).status_code == 403
    dup = client.post(f"/api/instansi/{world.inst_a}/units", json={"code": "dlh", "name": "Lagi"},
                      headers=api.auth("koord"))
    assert dup.status_code == 422 and "code" in dup.json["fields"]
    assert client.patch(f"/api/units/{world.unit_a2}", json={"active": False},
                        headers=api.auth("admin_a")).status_code == 200
    complaint = api.submit()
    task = api.task_for("admin_a", complaint["tracking_id"], "verify")
    r = api.complete("admin_a", task["id"], {"action": "dispatch", "unit_id": world.unit_a2})
    assert r.status_code == 422 and "unit_id" in r.json["fields"]
    units = client.get(f"/api/instansi/{world.inst_a}/units").json
    assert {u["code"]: u["active"] for u in units} == {"dpu": True, "dinkes": False, "dlh": True}
    # a retired unit cannot be named in a new routing row either
    assert _route(api, client, region=PROVINCE, category="infrastruktur", instansi_id=world.inst_a,
                  unit_id=world.unit_a2).status_code == 422
    with transaction(services.sessions) as db:
        assert db.scalar(select(func.count(Instansi.id))) == 2


def test_keywords_are_read_as_written_spaces_case_and_order_aside(api, client, services, world):
    r = _route(api, client, region=PROVINCE, category="lingkungan", instansi_id=world.inst_a, unit_id=world.unit_a2,
               keywords="Banjir   Bandang, sampah")
    assert r.status_code == 201 and r.json["rows"][0]["keywords"] == ["banjir bandang", "sampah"]
    same = _route(api, client, region=PROVINCE, category="lingkungan", instansi_id=world.inst_b,
                  keywords="sampah, banjir bandang")
    assert same.status_code == 422 and "category" in same.json["fields"]
    only_commas = _route(api, client, region=PROVINCE, category="lingkungan", instansi_id=world.inst_b,
                         keywords=" , ,, ")
    assert only_commas.status_code == 422 and "keywords" in only_commas.json["fields"]
    complaint = api.submit(category="lingkungan", title="Banjir  bandang\nkemarin",
                           description="Air BANJIR   bandang masuk ke rumah warga di bantaran sungai.")
    task = api.task_for("admin_a", complaint["tracking_id"], "verify")
    assert _unit_field(api, client, task["id"])["default"] == world.unit_a2


def test_unit_codes_and_names_are_unique_within_an_instansi(api, client, world):
    add = lambda body: client.post(f"/api/instansi/{world.inst_a}/units", json=body,  # noqa: E731
                                   headers=api.auth("admin_a"))
    assert add({"code": "DPU", "name": "Dinas PU Baru"}).json["fields"] == {
        "code": ["Instansi ini sudah punya unit dengan kode ini."]}
    assert "name" in add({"code": "pu2", "name": "dinas pu"}).json["fields"]
    assert "code" in add({"code": "pu 2", "name": "Dinas Baru"}).json["fields"]
    r = client.patch(f"/api/units/{world.unit_a2}", json={"name": "Dinas PU"}, headers=api.auth("admin_a"))
    assert r.status_code == 422 and "name" in r.json["fields"]


def test_the_officer_timeline_names_the_unit_and_the_instansi(api, client, world):
    complaint = api.submit(instansi_id=None)
    triage = api.task_for("koord", complaint["tracking_id"], "triage")
    assert api.complete("koord", triage["id"], {"target_instansi_id": world.inst_a}).status_code == 200
    verify = api.task_for("admin_a", complaint["tracking_id"], "verify")
    assert api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1}).status_code == 200
    client.post("/login", data={"username": "admin_a", "password": PASSWORD})
    page = client.get(f"/complaints/{verify['complaint_id']}").get_data(as_text=True)
    assert "Pemkab Uji" in page and "Dinas PU" in page and "None" not in page
    # the API's audit trail keeps the data as recorded
    trail = api.detail("admin_a", verify["complaint_id"]).json["timeline"]
    answer = [e for e in trail if e["task"] == "triage" and e["action"] == "task_completed"][0]["data"]
    assert answer["target_instansi_id"] == world.inst_a
