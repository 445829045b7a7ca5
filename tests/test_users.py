"""Officer accounts within scope: who manages whom, creating and changing accounts, hand-over."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import event, func, select

from tests.conftest import PASSWORD
from tests.helpers import Api
from workflows.accounts import credentials, roles
from workflows.accounts.models import User
from workflows.audit import AuditEvent
from workflows.db import transaction
from workflows.errors import Conflict
from workflows.notifications.models import Notification
from workflows.org.models import Instansi, Region, Unit
from workflows.tasks.models import HumanTask


@pytest.fixture
def api(client, world):
    return Api(client, world)


def _ids(services) -> dict[str, int]:
    with transaction(services.sessions) as db:
        return dict(db.execute(select(User.username, User.id)).all())


def _login(api: Api, username: str, password: str = PASSWORD):
    return api.client.post("/api/auth/login", json={"username": username, "password": password})


def _other_province(services) -> dict[str, int]:
    """A second province with its own instansi, unit and admin: outside the world's coordinator."""
    with transaction(services.sessions) as db:
        province = Region(code="32", name="Provinsi Lain", kind="province")
        db.add(province)
        db.flush()
        inst = Instansi(code="pemprov-lain", name="Pemprov Lain", region_id=province.id)
        db.add(inst)
        db.flush()
        unit = Unit(instansi_id=inst.id, code="dpu", name="Dinas PU Lain", region_id=province.id)
        db.add(unit)
        db.flush()
        credentials.create_user(db, "admin_c", "ADMIN_C", PASSWORD, roles.ADMIN_INSTANSI,
                             instansi_id=inst.id, region_id=province.id)
        return {"province": province.id, "instansi": inst.id, "unit": unit.id}


def _new(api: Api, admin: str, **body):
    base = {"username": "baru", "full_name": "Petugas Baru", "password": "kata-sandi-baru"}
    return api.client.post("/api/users", json={**base, **body}, headers=api.auth(admin))


# -- who manages whom ------------------------------------------------------------------------------

def test_each_admin_lists_the_accounts_in_their_scope(api, world, services):
    _other_province(services)

    def listed(admin: str) -> set[str]:
        r = api.client.get("/api/users", headers=api.auth(admin))
        assert r.status_code == 200, r.json
        return {u["username"] for u in r.json}

    everyone = {"nasional", "koord", "admin_a", "admin_a2", "admin_b", "pp_a1", "pp_a1b", "pp_a2", "pp_b1",
                "admin_c"}
    assert listed("nasional") == everyone
    assert listed("koord") == everyone - {"nasional", "koord", "admin_c"}
    assert listed("admin_a") == {"admin_a", "admin_a2", "pp_a1", "pp_a1b", "pp_a2"}
    assert listed("admin_b") == {"admin_b", "pp_b1"}
    assert api.client.get("/api/users", headers=api.auth("pp_a1")).status_code == 403
    assert api.client.application.test_client().get("/api/users").status_code == 401  # no login


# -- creating --------------------------------------------------------------------------------------

def test_admin_instansi_creates_a_liaison_officer_for_one_of_their_units(api, world):
    r = _new(api, "admin_a", role="pejabat_penghubung", unit_id=world.unit_a2)
    assert r.status_code == 201, r.json
    assert r.json["instansi_id"] == world.inst_a and r.json["unit_id"] == world.unit_a2
    assert r.json["region_id"] == world.regency and r.json["active"] is True and "password" not in r.json
    assert _login(api, "baru", "kata-sandi-baru").status_code == 200

    r = _new(api, "admin_a", username="baru2", role="pejabat_penghubung", unit_id=world.unit_b1)
    assert r.status_code == 422 and r.json["fields"].keys() == {"unit_id"}
    r = _new(api, "admin_a", username="baru3", role="admin_koordinator", region_id=world.province)
    assert r.status_code == 422 and r.json["fields"].keys() == {"role"}
    r = _new(api, "admin_a", username="baru4", role="admin_instansi", instansi_id=world.inst_b)
    assert r.status_code == 422 and r.json["fields"].keys() == {"instansi_id"}
    assert _new(api, "pp_a1", username="baru5", role="pejabat_penghubung",
                unit_id=world.unit_a1).status_code == 403


def test_coordinator_and_national_admin_create_within_their_scope(api, world, services):
    other = _other_province(services)
    r = _new(api, "koord", username="admin.b2", role="admin_instansi", instansi_id=world.inst_b)
    assert r.status_code == 201 and r.json["region_id"] == world.province
    r = _new(api, "koord", username="admin.c2", role="admin_instansi", instansi_id=other["instansi"])
    assert r.status_code == 422 and r.json["fields"].keys() == {"instansi_id"}
    r = _new(api, "koord", username="koord2", role="admin_koordinator", region_id=world.province)
    assert r.status_code == 422 and r.json["fields"].keys() == {"role"}

    r = _new(api, "nasional", username="koord.lain", role="admin_koordinator", region_id=world.regency)
    assert r.status_code == 422 and r.json["fields"].keys() == {"region_id"}   # not a province
    r = _new(api, "nasional", username="koord.lain", role="admin_koordinator", region_id=other["province"])
    assert r.status_code == 201, r.json
    assert r.json["region_id"] == other["province"] and r.json["instansi_id"] is None


def test_every_field_problem_is_reported_at_once_and_nothing_is_written(api, world, services):
    before = len(_ids(services))
    r = api.client.post("/api/users?lang=en", headers=api.auth("admin_a"), json={
        "username": "Bukan Nama!", "full_name": "  ", "password": "pendek", "role": "pejabat_penghubung"})
    assert r.status_code == 422, r.json
    fields = r.json["fields"]
    assert fields.keys() == {"username", "full_name", "password", "unit_id"}
    assert fields["username"] == ["3 to 80 characters: lower-case letters, digits, dot, dash or underscore."]
    assert fields["password"] == ["Too short: at least 8 characters."]

    r = _new(api, "admin_a", username="pp_a1", role="admin_instansi", instansi_id=999_999)
    assert r.status_code == 422 and r.json["fields"].keys() == {"username", "instansi_id"}
    r = api.client.post("/api/users?lang=en", headers=api.auth("admin_a"),
                        json={"username": "pp_a1", "full_name": "X", "password": "kata-sandi", "role": "raja"})
    assert r.json["fields"]["username"] == ["This username is already taken."]
    assert r.json["fields"]["role"] == ["Must be one of: admin_instansi, pejabat_penghubung."]
    assert len(_ids(services)) == before


# -- changing --------------------------------------------------------------------------------------

def test_deactivating_refuses_the_login_and_the_tokens(api, world, services):
    ids = _ids(services)
    headers = api.auth("pp_a1")
    assert api.client.get("/api/tasks", headers=headers).status_code == 200
    r = api.client.patch(f"/api/users/{ids['pp_a1']}", json={"active": False, "full_name": "Pak PP"},
                         headers=api.auth("admin_a"))
    assert r.status_code == 200, r.json
    assert r.json["active"] is False and r.json["full_name"] == "Pak PP"
    assert api.client.get("/api/tasks", headers=headers).status_code == 401
    assert _login(api, "pp_a1").status_code == 401
    with transaction(services.sessions) as db:
        assert db.scalar(select(func.count()).select_from(credentials.ApiToken)
                         .where(credentials.ApiToken.user_id == ids["pp_a1"])) == 0

    r = api.client.patch(f"/api/users/{ids['pp_a1']}", json={"active": True, "password": "sandi-baru-1"},
                         headers=api.auth("admin_a"))
    assert r.status_code == 200 and r.json["active"] is True
    assert _login(api, "pp_a1").status_code == 401
    assert _login(api, "pp_a1", "sandi-baru-1").status_code == 200


def test_changes_outside_scope_or_to_oneself_are_refused(api, world, services):
    ids = _ids(services)
    assert api.client.patch(f"/api/users/{ids['pp_a1']}", json={"active": False},
                            headers=api.auth("admin_b")).status_code == 403
    assert api.client.patch(f"/api/users/{ids['admin_a']}", json={"active": False},
                            headers=api.auth("admin_a")).status_code == 403
    assert api.client.patch(f"/api/users/{ids['nasional']}", json={"active": False},
                            headers=api.auth("nasional")).status_code == 403
    assert api.client.patch(f"/api/users/{ids['koord']}", json={"full_name": "X"},
                            headers=api.auth("admin_a")).status_code == 403
    assert api.client.patch("/api/users/999999", json={"full_name": "X"},
                            headers=api.auth("admin_a")).status_code == 404
    r = api.client.patch(f"/api/users/{ids['pp_a2']}", json={"full_name": "", "password": "x"},
                         headers=api.auth("admin_a"))
    assert r.status_code == 422 and r.json["fields"].keys() == {"full_name", "password"}
    r = api.client.patch(f"/api/users/{ids['admin_a']}", json={"full_name": "Admin A Baru"},
                         headers=api.auth("admin_a"))
    assert r.status_code == 200 and r.json["full_name"] == "Admin A Baru"
    with transaction(services.sessions) as db:
        assert db.get(User, ids["pp_a1"]).active and db.get(User, ids["admin_a"]).active


# -- hand-over -------------------------------------------------------------------------------------

def _follow_up(api: Api, world, title: str) -> dict:
    tid = api.submit(title=title)["tracking_id"]
    verify = api.task_for("admin_a", tid)
    assert api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1}).status_code == 200
    return api.task_for("pp_a1", tid, "follow_up")


@pytest.fixture
def desk(api, world):
    """pp_a1 holds two open follow-ups and finished a third; pp_a1b holds one; one is unclaimed."""
    held = [_follow_up(api, world, f"Laporan {i}") for i in (1, 2)]
    done, theirs, free = (_follow_up(api, world, t) for t in ("Selesai", "Milik rekan", "Belum diambil"))
    for task in (*held, done):
        assert api.claim("pp_a1", task["id"]).status_code == 200
    assert api.complete("pp_a1", done["id"], {"follow_up_text": "Sudah ditangani dengan baik."}).status_code == 200
    assert api.claim("pp_a1b", theirs["id"]).status_code == 200
    return {"held": [t["id"] for t in held], "done": done["id"], "theirs": theirs["id"], "free": free["id"]}


def _handover(api: Api, admin: str, leaver: int, successor, **body):
    return api.client.post(f"/api/users/{leaver}/handover", json={"to_user_id": successor, **body},
                           headers=api.auth(admin))


def test_handover_moves_exactly_the_leavers_open_tasks_and_deactivates_them(api, world, services, desk):
    ids = _ids(services)
    old_token = api.auth("pp_a1")
    r = _handover(api, "admin_a", ids["pp_a1"], ids["pp_a1b"])
    assert r.status_code == 200, r.json
    assert r.json == {"moved": 2}

    with transaction(services.sessions) as db:
        holder = {t.id: (t.assignee_id, t.state) for t in db.scalars(select(HumanTask))}
        assert [holder[i] for i in desk["held"]] == [(ids["pp_a1b"], "open")] * 2
        assert holder[desk["done"]] == (ids["pp_a1"], "completed")
        assert holder[desk["theirs"]] == (ids["pp_a1b"], "open")
        assert holder[desk["free"]] == (None, "open")
        events = db.scalars(select(AuditEvent).where(AuditEvent.action == "task_handed_over")).all()
        assert sorted(e.task_name for e in events) == ["follow_up", "follow_up"]
        assert all(e.data == {"from": ids["pp_a1"], "to": ids["pp_a1b"]} and not e.public
                   and e.actor_id == ids["admin_a"] for e in events)
        assert db.get(User, ids["pp_a1"]).active is False

    mine = {t["id"] for t in api.tasks("pp_a1b", group=False)}
    assert mine == {*desk["held"], desk["theirs"]}
    notes = api.client.get("/api/notifications", headers=api.auth("pp_a1b")).json
    handover = [n for n in notes if n["kind"] == "handover"]
    assert len(handover) == 1
    assert handover[0]["data"] == {"count": 2, "from": "PP_A1"} and handover[0]["complaint_id"] is None

    assert api.client.get("/api/tasks", headers=old_token).status_code == 401
    assert _login(api, "pp_a1").status_code == 401
    # the successor carries on with a moved task
    r = api.complete("pp_a1b", desk["held"][0], {"follow_up_text": "Dilanjutkan oleh pengganti."})
    assert r.status_code == 200, r.json


def test_handover_without_deactivating(api, world, services, desk):
    ids = _ids(services)
    r = _handover(api, "nasional", ids["pp_a1"], ids["pp_a1b"], deactivate=False)
    assert r.status_code == 200 and r.json == {"moved": 2}
    assert _login(api, "pp_a1").status_code == 200
    assert api.tasks("pp_a1", group=False) == []
    r = _handover(api, "admin_a", ids["pp_a1"], ids["pp_a1b"], deactivate=False)
    assert r.status_code == 200 and r.json == {"moved": 0}


def test_handover_outside_scope_or_to_a_wrong_successor_changes_nothing(api, world, services, desk):
    ids = _ids(services)
    _other_province(services)
    ids = _ids(services)
    refused = [
        ("admin_b", ids["pp_a1"], ids["pp_a1b"], 403, None),          # not admin_b's officer
        ("pp_a1b", ids["pp_a1"], ids["pp_a1b"], 403, None),           # a liaison officer manages nobody
        ("admin_a", ids["pp_a1"], ids["pp_b1"], 403, None),           # successor outside admin_a's scope
        ("koord", ids["admin_a"], ids["admin_c"], 403, None),         # successor in another province
        ("admin_a", ids["pp_a1"], ids["pp_a2"], 422, "not_a_successor"),   # another unit
        ("admin_a", ids["pp_a1"], ids["admin_a2"], 422, "not_a_successor"),  # another role
        ("admin_a", ids["pp_a1"], ids["pp_a1"], 422, "same_user"),
        ("admin_a", ids["pp_a1"], 999_999, 422, "unknown_user"),
        ("admin_a", 999_999, ids["pp_a1b"], 404, None),
    ]
    for admin, leaver, successor, status, code in refused:
        r = _handover(api, admin, leaver, successor)
        assert r.status_code == status, (admin, leaver, successor, r.json)
        if status == 422:
            assert r.json["fields"].keys() == {"to_user_id"}
    r = api.client.post(f"/api/users/{ids['pp_a1']}/handover?lang=en", json={"to_user_id": ids["pp_a2"]},
                        headers=api.auth("admin_a"))
    assert r.json["fields"]["to_user_id"] == ["Must be an active officer with the same role and scope."]

    with transaction(services.sessions) as db:
        db.get(User, ids["pp_a1b"]).active = False
    r = _handover(api, "admin_a", ids["pp_a1"], ids["pp_a1b"])
    assert r.status_code == 422 and r.json["fields"].keys() == {"to_user_id"}   # an inactive successor

    with transaction(services.sessions) as db:
        assert db.get(User, ids["pp_a1"]).active
        assert {db.get(HumanTask, i).assignee_id for i in desk["held"]} == {ids["pp_a1"]}
        assert db.scalar(select(func.count()).select_from(AuditEvent)
                         .where(AuditEvent.action == "task_handed_over")) == 0


def test_a_task_that_changes_hands_during_the_handover_undoes_all_of_it(api, world, services, desk):
    """Another request completes one of the leaver's tasks between the hand-over's read and its update:
    the hand-over refuses (409) and leaves everything as it was."""
    ids = _ids(services)
    snatched = desk["held"][1]
    fired: list[bool] = []

    def meanwhile(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE HUMAN_TASKS") and not fired:
            fired.append(True)
            with services.sql_engine.connect() as other:
                other.execute(sa.update(HumanTask).where(HumanTask.id == snatched)
                              .values(assignee_id=ids["pp_a1b"], lock_version=HumanTask.lock_version + 1))
                other.commit()

    event.listen(services.sql_engine, "before_cursor_execute", meanwhile)
    try:
        with pytest.raises(Conflict):
            with transaction(services.sessions) as db:
                admin = db.get(User, ids["admin_a"])
                services.users.handover(db, admin, ids["pp_a1"], ids["pp_a1b"])
    finally:
        event.remove(services.sql_engine, "before_cursor_execute", meanwhile)
    assert fired

    with transaction(services.sessions) as db:
        assert db.get(HumanTask, desk["held"][0]).assignee_id == ids["pp_a1"]   # not moved after all
        assert db.get(HumanTask, snatched).assignee_id == ids["pp_a1b"]         # the other change stands
        assert db.get(User, ids["pp_a1"]).active
        assert db.scalar(select(func.count()).select_from(AuditEvent)
                         .where(AuditEvent.action == "task_handed_over")) == 0
        assert db.scalar(select(func.count()).select_from(Notification)
                         .where(Notification.kind == "handover")) == 0
