"""The designer's working day over the API: the right, drafts guarded by their revision, deploy as the
next version with a note, running complaints staying on their version, history, a deploy race."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from tests.helpers import Api
from workflows.db import transaction
from workflows.processes.models import ProcessDefinition, ProcessInstance
from workflows.processes.registry import NATIONAL_SOP, bundled_dir

SOP = (bundled_dir() / "sop_nasional.bpmn").read_text(encoding="utf-8")
XML = "application/xml"


@pytest.fixture
def api(client, world):
    api = Api(client, world)
    ids = {u["username"]: u["id"] for u in client.get("/api/users", headers=api.auth("nasional")).json}
    for designer in ("koord", "nasional"):
        r = client.put(f"/api/users/{ids[designer]}/designer", json={"designer": "national"},
                       headers=api.auth("nasional"))
        assert r.status_code == 200, r.json
    api.ids = ids
    return api


def _draft(api, user="koord", body=None):
    r = api.client.post(f"/api/processes/{NATIONAL_SOP}/drafts", data=body, content_type=XML, headers=api.auth(user))
    assert r.status_code == 201, r.json
    return r


def test_only_the_admin_nasional_grants_the_right_and_only_designers_edit(api, client):
    r = client.put(f"/api/users/{api.ids['admin_a']}/designer", json={"designer": "national"},
                   headers=api.auth("koord"))
    assert r.status_code == 403
    r = client.put(f"/api/users/{api.ids['admin_a']}/designer", json={"designer": "boss"},
                   headers=api.auth("nasional"))
    assert r.status_code == 422 and "designer" in r.json["fields"]
    r = client.post(f"/api/processes/{NATIONAL_SOP}/drafts", headers=api.auth("admin_a"))
    assert r.status_code == 403  # read-only for officers without the right
    assert client.get(f"/api/processes/{NATIONAL_SOP}/versions", headers=api.auth("admin_a")).status_code == 200
    r = client.get(f"/api/processes/{NATIONAL_SOP}/versions/1/bpmn", headers=api.auth("admin_a"))
    assert r.status_code == 200 and r.mimetype == XML and "sop_nasional" in r.get_data(as_text=True)


def test_a_draft_is_saved_with_its_revision_and_a_stale_save_is_told_who_saved(api, client):
    draft = _draft(api).json
    assert draft["revision"] == 1 and draft["bpmn_xml"] == SOP  # a copy of the live version
    path = f"/api/processes/drafts/{draft['id']}"
    changed = SOP.replace("Verifikasi laporan", "Verifikasi aduan")
    r = client.put(path, data=changed, content_type=XML, headers={**api.auth("koord"), "If-Match": '"r1"'})
    assert r.status_code == 200 and r.json["revision"] == 2 and r.headers["ETag"] == '"r2"'
    # a second designer who read revision 1 cannot overwrite it silently
    r = client.put(path, data=SOP, content_type=XML, headers={**api.auth("nasional"), "If-Match": '"r1"'})
    assert r.status_code == 412
    assert r.json["saved_by"] == "KOORD" and r.json["revision"] == 2 and r.json["saved_at"]
    r = client.put(path, data=SOP, content_type=XML, headers=api.auth("koord"))
    assert r.status_code == 412  # no If-Match at all
    assert client.get(path, headers=api.auth("admin_a")).json["bpmn_xml"] == changed
    assert [d["id"] for d in client.get(f"/api/processes/{NATIONAL_SOP}/drafts", headers=api.auth("koord")).json] \
        == [draft["id"]]
    assert client.delete(path, headers={**api.auth("koord"), "If-Match": '"r2"'}).status_code == 204
    assert client.get(path, headers=api.auth("koord")).status_code == 404


def test_deploy_makes_the_next_version_and_running_complaints_stay_on_theirs(api, client, services):
    before = api.submit()["tracking_id"]
    changed = SOP.replace("Verifikasi laporan", "Verifikasi aduan")
    draft = _draft(api, body=changed).json
    path = f"/api/processes/drafts/{draft['id']}/deploy"
    assert client.post(path, json={"note": "Nama langkah"}, headers=api.auth("koord")).status_code == 412
    r = client.post(path, json={"note": "Nama langkah verifikasi diganti"},
                    headers={**api.auth("koord"), "If-Match": '"r1"'})
    assert r.status_code == 201, r.json
    assert (r.json["version"], r.json["live"], r.json["deployed_by"]) == (2, True, "KOORD")
    assert r.json["note"] == "Nama langkah verifikasi diganti"
    after = api.submit()["tracking_id"]
    assert api.task_for("admin_a", before)["title"] == "Verifikasi laporan"
    assert api.task_for("admin_a", after)["title"] == "Verifikasi aduan"
    history = client.get(f"/api/processes/{NATIONAL_SOP}/versions", headers=api.auth("admin_a")).json
    assert [(v["version"], v["running"], v["live"]) for v in history] == [(2, 1, True), (1, 1, False)]
    # the deployed draft is closed
    again = client.post(path, json={"note": "lagi"}, headers={**api.auth("koord"), "If-Match": '"r2"'})
    assert again.status_code == 412


def test_an_invalid_draft_is_refused_with_every_problem_and_nothing_changes(api, client, services):
    broken = SOP.replace('action == "dispatch"', '${action == "dispatch"}')
    draft = _draft(api, body=broken).json
    r = client.post(f"/api/processes/drafts/{draft['id']}/deploy", json={"note": "JUEL"},
                    headers={**api.auth("koord"), "If-Match": '"r1"'})
    assert r.status_code == 422 and "flow_action_dispatch" in r.json["fields"]["bpmn"][0]
    with transaction(services.sessions) as db:
        assert db.scalars(select(ProcessDefinition.version)).all() == [1]


def test_two_deploys_at_once_get_the_next_two_versions(api, services):
    drafts = [SOP.replace("Verifikasi laporan", f"Verifikasi {i}") for i in range(2)]
    barrier, results, errors = threading.Barrier(2), [], []

    def deploy(xml):
        try:
            barrier.wait()
            with transaction(services.sessions) as db:
                results.append(services.registry.deploy(db, NATIONAL_SOP, xml, note="race").version)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=deploy, args=(xml,)) for xml in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and sorted(results) == [2, 3]
    with transaction(services.sessions) as db:
        assert sorted(db.scalars(select(ProcessDefinition.version))) == [1, 2, 3]
        assert db.scalars(select(ProcessInstance)).all() == []


def test_a_regional_designer_edits_only_their_regions_variant(api, client, world):
    r = client.put(f"/api/users/{api.ids['admin_b']}/designer", json={"designer": "regional"},
                   headers=api.auth("nasional"))
    assert r.status_code == 200
    assert client.post(f"/api/processes/{NATIONAL_SOP}/drafts", headers=api.auth("admin_b")).status_code == 403
    regions = {x["id"]: x["code"] for x in client.get("/api/regions").json}
    own = regions[world.province]
    r = client.post(f"/api/processes/{NATIONAL_SOP}/drafts?variant={own}", headers=api.auth("admin_b"))
    assert r.status_code == 201 and r.json["variant"] == own
    other = next(code for rid, code in regions.items() if code != own)
    assert client.post(f"/api/processes/{NATIONAL_SOP}/drafts?variant={other}",
                       headers=api.auth("admin_b")).status_code == 403


def test_bad_diagrams_over_the_api_are_refused_with_the_element_named(api, client, services):
    draft = _draft(api).json
    path = f"/api/processes/drafts/{draft['id']}"
    # a 20 MB upload is refused before it is read; the draft is unchanged
    r = client.put(path, data="<x/>" * 5_000_000, content_type=XML, headers={**api.auth("koord"), "If-Match": '"r1"'})
    assert r.status_code == 413
    assert client.get(path, headers=api.auth("koord")).json["revision"] == 1
    # a draft may be saved broken (work in progress) but not deployed
    for broken, element, code in (
            ("<bpmn:definitions", None, "invalid_diagram"),
            (SOP.replace('camunda:candidateGroups="admin_instansi"', "").replace('name="Admin Instansi"',
                                                                                   'name="Bagian Umum"'),
             "verify", "unknown_role"),
            (SOP.replace("instansi_id = target_instansi_id\nunit_id", "import os\ninstansi_id = target_instansi_id\nunit_id", 1),
             "transfer", "script_invalid")):
        revision = client.get(path, headers=api.auth("koord")).json["revision"]
        r = client.put(path, data=broken, content_type=XML, headers={**api.auth("koord"), "If-Match": f'"r{revision}"'})
        assert r.status_code == 200
        r = client.post(f"{path}/deploy", json={"note": "rusak"},
                        headers={**api.auth("koord"), "If-Match": f'"r{revision + 1}"'})
        assert r.status_code == 422 and "bpmn" in r.json["fields"], r.json
        checked = client.post(f"/api/processes/{NATIONAL_SOP}/validate", data=broken, content_type=XML,
                              headers=api.auth("koord")).json
        assert (element, code) in {(p["element"], p["code"]) for p in checked["problems"]}
    with transaction(services.sessions) as db:
        assert db.scalars(select(ProcessDefinition.version)).all() == [1]


def test_a_deployed_script_that_loops_forever_is_stopped_and_the_complaint_is_untouched(api, client, services,
                                                                                       world):
    looping = SOP.replace("instansi_id = target_instansi_id\nunit_id = None", "while True:\n    pass", 1)
    assert looping != SOP
    draft = _draft(api, body=looping).json
    r = client.post(f"/api/processes/drafts/{draft['id']}/deploy", json={"note": "skrip berputar"},
                    headers={**api.auth("koord"), "If-Match": '"r1"'})
    assert r.status_code == 201  # a loop compiles; it is bounded when it runs
    submitted = api.submit()
    with transaction(services.sessions) as db:
        before = db.scalars(select(ProcessInstance.state)).one()
    task = api.task_for("admin_a", submitted["tracking_id"])
    r = api.complete("admin_a", task["id"], {"action": "transfer", "target_instansi_id": world.inst_b,
                                             "note": "Kewenangan provinsi."})
    assert r.status_code == 422 and "transfer" in r.json["message"]
    with transaction(services.sessions) as db:
        assert db.scalars(select(ProcessInstance.state)).one() == before
    assert api.task_for("admin_a", submitted["tracking_id"])["id"] == task["id"]  # still waiting, same task


def test_a_diagram_saved_by_camunda_modeler_deploys_over_the_api_and_runs(api, client, world):
    """What Camunda Modeler 5 (Camunda Platform 7) writes around the same process: its exporter and
    execution-platform attributes, a version tag, async continuations and a start initiator."""
    exported = SOP.replace('exporter="Aduan" exporterVersion="1.0"',
                           'xmlns:modeler="http://camunda.org/schema/modeler/1.0" exporter="Camunda Modeler" '
                           'exporterVersion="5.31.0" modeler:executionPlatform="Camunda Platform" '
                           'modeler:executionPlatformVersion="7.22.0"', 1)
    exported = exported.replace('name="SOP Penanganan Pengaduan Nasional" isExecutable="true"',
                                'name="SOP Penanganan Pengaduan Nasional" isExecutable="true" '
                                'camunda:versionTag="2026.2" camunda:historyTimeToLive="180"', 1)
    exported = exported.replace('<bpmn:userTask id="follow_up" ', '<bpmn:userTask id="follow_up" camunda:asyncBefore="true" ',
                                1)
    assert exported.count("Camunda Modeler") == 1 and "asyncBefore" in exported
    draft = _draft(api, body=exported).json
    r = client.post(f"/api/processes/drafts/{draft['id']}/deploy", json={"note": "dari Camunda Modeler"},
                    headers={**api.auth("koord"), "If-Match": '"r1"'})
    assert r.status_code == 201, r.json
    submitted = api.submit()
    verify = api.task_for("admin_a", submitted["tracking_id"])
    assert api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1}).status_code == 200
    follow_up = api.task_for("pp_a1", submitted["tracking_id"])
    assert follow_up["name"] == "follow_up"
    assert api.complete("pp_a1", follow_up["id"], {"follow_up_text": "Sudah diperbaiki."}).status_code == 200


def test_a_variant_forked_from_an_older_national_version_is_flagged_behind(api, client, services, world):
    regions = {x["id"]: x["code"] for x in client.get("/api/regions").json}
    own = regions[world.province]
    draft = client.post(f"/api/processes/{NATIONAL_SOP}/drafts?variant={own}", headers=api.auth("koord")).json
    r = client.post(f"/api/processes/drafts/{draft['id']}/deploy", json={"note": "varian"},
                    headers={**api.auth("koord"), "If-Match": '"r1"'})
    assert r.status_code == 201 and r.json["variant"] == own
    with transaction(services.sessions) as db:
        assert services.designer.behind_national(db, NATIONAL_SOP, own) is None
        services.registry.deploy(db, NATIONAL_SOP, SOP.replace("Verifikasi laporan", "Verifikasi aduan"), note="v2")
    with transaction(services.sessions) as db:
        assert services.designer.behind_national(db, NATIONAL_SOP, own) == (1, 2)
