"""A region's rules over the API: what is in force and where it comes from; stricter-only limits from a
date; days off; the escalation chain; the due-date preview; the history; bad input and scope."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.helpers import Api
from workflows.accounts import credentials, roles
from workflows.db import transaction
from workflows.org.models import Region
from workflows.sla.models import RuleChange

REGENCY = "31.01"


@pytest.fixture
def api(client, world, services):
    with transaction(services.sessions) as db:  # a second province with its own coordinator
        other = Region(code="32", name="Provinsi Lain", kind="province")
        db.add(other)
        db.flush()
        credentials.create_user(db, "koord_lain", "KOORD LAIN", "rahasia-123", roles.ADMIN_KOORDINATOR,
                                region_id=other.id)
    return Api(client, world)


def _changes(services) -> int:
    with transaction(services.sessions) as db:
        return db.scalar(select(func.count(RuleChange.id)))


def _limit(rules, step, tier=""):
    return next(item for item in rules["limits"] if item["step"] == step and item["tier"] == tier)


def test_a_coordinator_sees_inherited_rules_and_makes_a_regency_stricter(api, client, services):
    r = client.get("/api/rules", query_string={"region": REGENCY}, headers=api.auth("koord"))
    assert r.status_code == 200 and r.json["editable"] is True and r.json["region"]["code"] == REGENCY
    normatif = _limit(r.json, "follow_up", "normatif")
    assert (normatif["limit"], normatif["source"]) == ("5WD", "national")
    assert r.json["sop_version"] == 1 and r.json["timezone"] == "Asia/Jakarta" and r.json["chain"]
    r = client.put("/api/rules/limits", json={"region": REGENCY, "step": "follow_up", "tier": "normatif",
                                              "limit": "3WD"}, headers=api.auth("koord"))
    assert r.status_code == 200, r.json
    normatif = _limit(r.json, "follow_up", "normatif")
    assert (normatif["limit"], normatif["source"], normatif["set_by"]) == ("3WD", "here", "KOORD")
    # the province still has the national limit; the regency inherits nothing looser
    r = client.get("/api/rules", query_string={"region": "31"}, headers=api.auth("koord"))
    assert _limit(r.json, "follow_up", "normatif")["source"] == "national"
    history = client.get("/api/rules/history", query_string={"region": REGENCY}, headers=api.auth("koord")).json
    assert [(h["rule"], h["old"], h["new"], h["changed_by"]) for h in history] == [
        ("follow_up/normatif", "5WD", "3WD", "KOORD")]


def test_a_looser_limit_is_refused_naming_the_limit_above(api, client, services):
    before = _changes(services)
    r = client.put("/api/rules/limits", json={"region": REGENCY, "step": "follow_up", "tier": "normatif",
                                              "limit": "7WD"}, headers=api.auth("koord"))
    assert r.status_code == 422 and "5WD" in r.json["fields"]["limit"][0]
    # a province's stricter limit binds its regencies too
    assert client.put("/api/rules/limits", json={"region": "31", "step": "verify", "limit": "2WD"},
                      headers=api.auth("koord")).status_code == 200
    r = client.put("/api/rules/limits", json={"region": REGENCY, "step": "verify", "limit": "3WD"},
                   headers=api.auth("koord"))
    assert r.status_code == 422 and "2WD" in r.json["fields"]["limit"][0]
    assert _changes(services) == before + 1


@pytest.mark.parametrize("body, field", [
    ({"step": "verifikasi", "limit": "2WD"}, "step"),
    ({"step": "follow_up", "tier": "berat", "limit": "2WD"}, "tier"),
    ({"step": "verify", "limit": "0WD"}, "limit"),
    ({"step": "verify", "limit": "-1WD"}, "limit"),
    ({"step": "verify", "limit": "3 days"}, "limit"),
    ({"step": "verify", "limit": "9999999WD"}, "limit"),
    ({"step": "verify", "limit": "2WD", "effective_from": "2026-13-01"}, "effective_from"),
    ({"step": "verify", "limit": "2WD", "effective_from": "2001-01-01"}, "effective_from"),
    ({"step": "verify"}, "limit"),
])
def test_bad_limits_are_refused_at_the_field_and_nothing_is_saved(api, client, services, body, field):
    before = _changes(services)
    r = client.put("/api/rules/limits", json={"region": REGENCY, **body}, headers=api.auth("koord"))
    assert r.status_code == 422 and field in r.json["fields"], r.json
    assert _changes(services) == before


@pytest.mark.parametrize("path, body, field", [
    ("/api/rules/chain", {"levels": [{"role": "pejabat_penghubung", "after": "2WD"},
                                     {"role": "kepala_dinas", "after": "2WD"}]}, "chain"),
    ("/api/rules/chain", {"levels": [{"role": "pejabat_penghubung", "after": "dua hari"}]}, "chain"),
    ("/api/rules/chain", {"levels": []}, "levels"),
    ("/api/rules/days", {"day": "2026-02-30", "kind": "off"}, "day"),
    ("/api/rules/days", {"day": "2026-12-24", "kind": "libur"}, "kind"),
])
def test_bad_chains_and_days_are_refused(api, client, services, path, body, field):
    before = _changes(services)
    r = client.put(path, json={"region": REGENCY, **body}, headers=api.auth("koord"))
    assert r.status_code == 422 and field in r.json["fields"], r.json
    assert _changes(services) == before


def test_scope_who_sees_and_who_changes(api, client, services):
    # another province's coordinator: neither sees nor changes this one
    r = client.get("/api/rules", query_string={"region": REGENCY}, headers=api.auth("koord_lain"))
    assert r.status_code == 403
    r = client.put("/api/rules/limits", json={"region": REGENCY, "step": "verify", "limit": "2WD"},
                   headers=api.auth("koord_lain"))
    assert r.status_code == 403
    # nor the national rules
    r = client.put("/api/rules/limits", json={"region": "", "step": "verify", "limit": "2WD"},
                   headers=api.auth("koord"))
    assert r.status_code == 403
    # the agency admin reads its own region, read only; a liaison officer has no rules page
    r = client.get("/api/rules", query_string={"region": REGENCY}, headers=api.auth("admin_a"))
    assert r.status_code == 200 and r.json["editable"] is False
    assert client.put("/api/rules/days", json={"region": REGENCY, "day": "2026-12-24", "kind": "off"},
                      headers=api.auth("admin_a")).status_code == 403
    assert client.get("/api/rules", query_string={"region": REGENCY}, headers=api.auth("pp_a1")).status_code == 403
    assert client.get("/api/rules", query_string={"region": "99.99"}, headers=api.auth("koord")).status_code == 404
    assert _changes(services) == 0


def test_a_new_complaint_is_due_earlier_an_older_one_keeps_its_date(api, client, services):
    older = api.submit()
    due_before = api.task_for("admin_a", older["tracking_id"])["due_at"]
    r = client.put("/api/rules/limits", json={"region": REGENCY, "step": "verify", "limit": "1WD"},
                   headers=api.auth("koord"))
    assert r.status_code == 200
    newer = api.submit()
    assert api.task_for("admin_a", older["tracking_id"])["due_at"] == due_before
    assert api.task_for("admin_a", newer["tracking_id"])["due_at"] < due_before


def test_a_change_from_a_later_date_waits_for_it_and_the_preview_answers_before_saving(api, client, services):
    later = (services.clock() + timedelta(days=10)).date().isoformat()
    r = client.put("/api/rules/limits", json={"region": REGENCY, "step": "verify", "limit": "1WD",
                                              "effective_from": later}, headers=api.auth("koord"))
    assert r.status_code == 200
    verify = _limit(r.json, "verify")
    assert verify["limit"] == "3WD" and verify["scheduled"] == [{"effective_from": later, "limit": "1WD"}]
    at = "2026-12-07T09:00:00+07:00"  # a Monday
    r = client.get("/api/rules/preview", query_string={"region": REGENCY, "at": at}, headers=api.auth("koord"))
    assert r.status_code == 200
    assert datetime.fromisoformat(_limit_of(r.json, "verify")["due_at"]) == datetime.fromisoformat(
        "2026-12-10T16:00:00+07:00")
    r = client.get("/api/rules/preview", query_string={"region": REGENCY, "at": at, "step": "verify", "limit": "1WD"},
                   headers=api.auth("koord"))
    assert datetime.fromisoformat(_limit_of(r.json, "verify")["due_at"]) == datetime.fromisoformat(
        "2026-12-08T16:00:00+07:00")
    for bad, field in (({"at": "besok"}, "at"), ({"at": "2026-12-07T09:00"}, "at"),
                       ({"step": "verify", "limit": "x"}, "limit")):
        r = client.get("/api/rules/preview", query_string={"region": REGENCY, **bad}, headers=api.auth("koord"))
        assert r.status_code == 422 and field in r.json["fields"], r.json


def _limit_of(preview, step, tier=""):
    return next(item for item in preview if item["step"] == step and item["tier"] == tier)


def test_days_off_and_the_chain_are_set_and_logged(api, client, services):
    r = client.put("/api/rules/days", json={"region": REGENCY, "day": "2026-12-28", "kind": "off",
                                            "note": "Hari jadi kabupaten"}, headers=api.auth("koord"))
    assert r.status_code == 200
    day = next(d for d in r.json["days"] if d["day"] == "2026-12-28")
    assert (day["kind"], day["source"], day["name"]) == ("off", "here", "Hari jadi kabupaten")
    r = client.put("/api/rules/chain", json={"region": REGENCY, "levels": [
        {"role": "pejabat_penghubung", "after": "1WD"}, {"role": "admin_instansi", "after": "1WD"}]},
        headers=api.auth("koord"))
    assert r.status_code == 200 and r.json["chain_source"] == "here"
    assert r.json["chain"] == [{"role": "pejabat_penghubung", "after": "1WD"}, {"role": "admin_instansi", "after": "1WD"}]
    kinds = [h["kind"] for h in client.get("/api/rules/history", query_string={"region": REGENCY},
                                            headers=api.auth("koord")).json]
    assert kinds == ["chain", "day"]


def test_an_action_plan_over_the_api(api, client, services, world):
    scope = {"region": "31", "year": 2026}
    r = client.put("/api/plans/targets", json={**scope, "targets": {"follow_up_share": 0.95,
                                                                    "socialisation_events": 4},
                                                "achieved": {"socialisation_events": 1}}, headers=api.auth("koord"))
    assert r.status_code == 200, r.json
    assert {t["indicator"]: t["target"] for t in r.json["targets"]} == {"follow_up_share": 0.95,
                                                                        "socialisation_events": 4}
    r = client.post("/api/plans/activities", json={**scope, "what": "Sosialisasi", "due_quarter": 2},
                    headers=api.auth("koord"))
    assert r.status_code == 201
    r = client.patch(f"/api/plans/activities/{r.json['id']}", json={"status": "done", "evidence": "foto"},
                     headers=api.auth("koord"))
    assert r.status_code == 200 and r.json["status"] == "done"
    plan = client.get("/api/plans", query_string=scope, headers=api.auth("admin_b")).json
    assert plan["editable"] is False and [a["status"] for a in plan["activities"]] == ["done"]
    before = _changes(services)
    for body, field in (({"targets": {"follow_up_share": 1.5}}, "follow_up_share"),
                        ({"targets": {"kepuasan": 0.5}}, "kepuasan"),
                        ({"targets": {}, "year": 1999}, "year"),
                        ({"targets": {}, "instansi_id": world.inst_a}, "instansi_id")):
        r = client.put("/api/plans/targets", json={**scope, **body}, headers=api.auth("koord"))
        assert r.status_code == 422 and field in r.json["fields"], (body, r.json)
    r = client.put("/api/plans/targets", json={**scope, "targets": {"follow_up_share": 0.5}},
                   headers=api.auth("koord_lain"))
    assert r.status_code == 403
    r = client.put("/api/plans/targets", json={**scope, "targets": {"follow_up_share": 0.5}},
                   headers=api.auth("admin_b"))
    assert r.status_code == 403  # the province's plan is the coordinator's
    assert _changes(services) == before


def test_the_strictest_rule_applies_even_when_a_rule_above_is_tightened_later(api, client, services):
    assert client.put("/api/rules/limits", json={"region": REGENCY, "step": "verify", "limit": "2WD"},
                      headers=api.auth("koord")).status_code == 200
    # the national rules are bounded by the regulation too
    r = client.put("/api/rules/limits", json={"region": "", "step": "reporter_reply", "limit": "12WD"},
                   headers=api.auth("nasional"))
    assert r.status_code == 422 and "10WD" in r.json["fields"]["limit"][0]
    assert client.put("/api/rules/limits", json={"region": "", "step": "verify", "limit": "1WD"},
                      headers=api.auth("nasional")).status_code == 200
    verify = _limit(client.get("/api/rules", query_string={"region": REGENCY}, headers=api.auth("koord")).json,
                    "verify")
    assert (verify["limit"], verify["source"]) == ("1WD", "national")
    submitted = api.submit()
    due = datetime.fromisoformat(api.task_for("admin_a", submitted["tracking_id"])["due_at"])
    created = datetime.fromisoformat(api.task_for("admin_a", submitted["tracking_id"])["created_at"])
    assert due == services.policy.calendar(None).due(created, services.policy.limit(None, "verify"))


def test_rules_refuse_nonsense_and_record_only_real_changes(api, client, services):
    today = services.clock().date()
    for path, body, field in (
            ("/api/rules/days", {"day": (today - timedelta(days=3)).isoformat(), "kind": "off"}, "day"),
            ("/api/rules/limits", {"step": "verify", "limit": "2WD", "effective_from": "2099-01-01"},
             "effective_from"),
            ("/api/rules/chain", {"levels": [{"role": "admin_nasional", "after": "1WD"},
                                             {"role": "pejabat_penghubung", "after": "1WD"}]}, "chain"),
            ("/api/rules/chain", {"levels": [{"role": "admin_instansi", "after": "1WD"},
                                             {"role": "admin_instansi", "after": "1WD"}]}, "chain")):
        r = client.put(path, json={"region": REGENCY, **body}, headers=api.auth("koord"))
        assert r.status_code == 422 and field in r.json["fields"], (body, r.json)
    assert _changes(services) == 0
    for _ in range(2):  # the same limit twice: one change in the history
        assert client.put("/api/rules/limits", json={"region": REGENCY, "step": "verify", "limit": "2wd"},
                          headers=api.auth("koord")).status_code == 200
    assert _changes(services) == 1


def test_a_region_inherits_again(api, client, services):
    for body in ({"step": "verify", "limit": "2WD"},
                 {"step": "verify", "limit": "1WD", "effective_from": (services.clock() + timedelta(days=5))
                  .date().isoformat()}):
        assert client.put("/api/rules/limits", json={"region": REGENCY, **body},
                          headers=api.auth("koord")).status_code == 200
    assert client.put("/api/rules/chain", json={"region": REGENCY, "levels": [
        {"role": "pejabat_penghubung", "after": "1WD"}]}, headers=api.auth("koord")).status_code == 200
    r = client.post("/api/rules/limits/inherit", json={"region": REGENCY, "step": "verify"}, headers=api.auth("koord"))
    assert r.status_code == 200
    verify = _limit(r.json, "verify")
    assert (verify["limit"], verify["source"], verify["scheduled"]) == ("3WD", "national", [])
    r = client.post("/api/rules/chain/inherit", json={"region": REGENCY}, headers=api.auth("koord"))
    assert r.status_code == 200 and r.json["chain_source"] == "national"
    assert client.post("/api/rules/chain/inherit", json={"region": REGENCY},
                       headers=api.auth("koord")).status_code == 404
    assert client.post("/api/rules/limits/inherit", json={"region": REGENCY, "step": "verify"},
                       headers=api.auth("koord_lain")).status_code == 403
    history = client.get("/api/rules/history", query_string={"region": REGENCY}, headers=api.auth("koord")).json
    assert [(h["kind"], h["new"]) for h in history[:2]] == [("chain", ""), ("limit", "")]
