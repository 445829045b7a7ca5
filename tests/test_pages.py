"""Pages over HTTP (the Flask test client): the scope rules as a matrix, privacy on public pages,
CSRF, rate-limited login and the language switch. The journeys in a real browser are in tests/browser."""
from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD
from tests.helpers import Api
from workflows.accounts import credentials, roles
from workflows.db import transaction
from workflows.org.models import Region

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def api(client, world):
    return Api(client, world)


def login_page(app, username: str, password: str = PASSWORD):
    """A fresh browser-like client logged in through the login form (CSRF token and all)."""
    client = app.test_client()
    form = client.get("/login")
    token = CSRF.search(form.get_data(as_text=True)).group(1)
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert r.status_code == 302, r.get_data(as_text=True)
    return client


def csrf_of(client, path: str) -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


@pytest.fixture
def matrix(api, world, services):
    """Three complaints: anonymous at unit A1 of instansi A, undispatched at A, confidential at B;
    plus a coordinator of another province."""
    c1 = api.submit(anonymous=True, reporter_name=None, title="Lampu jalan padam")
    c2 = api.submit(title="Antrean puskesmas")
    c3 = api.submit(confidential=True, instansi_id=world.inst_b, region_id=world.province,
                    title="Pungutan liar terminal", description="Petugas terminal meminta uang tambahan.")
    v1 = api.task_for("admin_a", c1["tracking_id"], "verify")
    assert api.complete("admin_a", v1["id"], {"action": "dispatch", "unit_id": world.unit_a1}).status_code == 200
    v3 = api.task_for("admin_b", c3["tracking_id"], "verify")
    assert api.complete("admin_b", v3["id"], {"action": "dispatch", "unit_id": world.unit_b1}).status_code == 200
    with transaction(services.sessions) as db:
        other = Region(code="99", name="Provinsi Lain", kind="province")
        db.add(other)
        db.flush()
        credentials.create_user(db, "koord_lain", "KOORD LAIN", PASSWORD, roles.ADMIN_KOORDINATOR, region_id=other.id)
    ids = {key: submitted["tracking_id"] for key, submitted in (("c1", c1), ("c2", c2), ("c3", c3))}
    by_tracking = {key: _complaint_id(api, tid) for key, tid in ids.items()}
    return {"tracking": ids, "id": by_tracking, "submitted": {"c1": c1, "c2": c2, "c3": c3}}


def _complaint_id(api, tracking_id: str) -> int:
    for username in ("admin_a", "admin_b", "pp_a1", "pp_b1"):
        for task in api.tasks(username):
            if task["tracking_id"] == tracking_id:
                return task["complaint_id"]
    raise AssertionError(f"no officer sees {tracking_id}")


# Who may open which complaint page (200) and who is refused (403).
SCOPE = {
    #             c1 (A, unit A1, anonymous)  c2 (A, not dispatched)  c3 (B, unit B1, confidential)
    "nasional":   (200, 200, 200),
    "koord":      (200, 200, 200),
    "koord_lain": (403, 403, 403),
    "admin_a":    (200, 200, 403),
    "admin_a2":   (200, 200, 403),
    "admin_b":    (403, 403, 200),
    "pp_a1":      (200, 403, 403),
    "pp_a2":      (403, 403, 403),
    "pp_b1":      (403, 403, 200),
}
# Who sees the anonymous reporter's identity on c1 (only the admin tier above the instansi).
SEES_ANONYMOUS = {"nasional": True, "koord": True, "admin_a": False, "admin_a2": False, "pp_a1": False}


@pytest.mark.parametrize("username", sorted(SCOPE))
def test_scope_matrix_for_complaint_pages(app, matrix, username):
    client = login_page(app, username)
    for key, expected in zip(("c1", "c2", "c3"), SCOPE[username]):
        r = client.get(f"/complaints/{matrix['id'][key]}")
        assert r.status_code == expected, (username, key, r.status_code)
        diagram = client.get(f"/complaints/{matrix['id'][key]}/diagram.bpmn")
        assert diagram.status_code == expected, (username, key, "diagram")
        if expected == 200:
            assert b"<bpmn:definitions" in diagram.data
        else:
            body = r.get_data(as_text=True)
            assert matrix["submitted"][key]["tracking_id"] not in body  # nothing of it leaks


@pytest.mark.parametrize("username", sorted(SEES_ANONYMOUS))
def test_anonymous_reporter_hidden_outside_admin_tier(app, matrix, services, username):
    client = login_page(app, username)
    page = client.get(f"/complaints/{matrix['id']['c1']}").get_data(as_text=True)
    named = client.get(f"/complaints/{matrix['id']['c2']}").get_data(as_text=True)
    if username != "pp_a1":
        assert "Siti" in named  # a named reporter is visible to every officer in scope
    if SEES_ANONYMOUS[username]:
        assert "data-reporter-hidden" not in page
    else:
        assert "data-reporter-hidden" in page


@pytest.mark.parametrize("username", sorted(SCOPE))
def test_task_list_shows_only_tasks_in_scope(app, matrix, username, api):
    client = login_page(app, username)
    listing = client.get("/tasks").get_data(as_text=True)
    visible = set(re.findall(r'data-tracking-id="(LAP-[A-Z0-9]+)"', listing))
    assert visible == {t["tracking_id"] for t in api.tasks(username)}  # the page and the API agree
    for key, status in zip(("c1", "c2", "c3"), SCOPE[username]):
        if status == 403:
            assert matrix["tracking"][key] not in visible, (username, key)


def test_task_page_of_another_instansi_is_refused(app, matrix, api):
    task = api.task_for("admin_a", matrix["tracking"]["c2"], "verify")
    client = login_page(app, "admin_b")
    r = client.get(f"/tasks/{task['id']}")
    assert r.status_code == 403
    token = csrf_of(client, "/tasks")
    r = client.post(f"/tasks/{task['id']}/claim", data={"csrf_token": token})
    assert r.status_code == 403
    assert api.client.get(f"/api/tasks/{task['id']}", headers=api.auth("admin_a")).json["assignee_id"] is None


def test_confidential_complaint_content_never_on_public_pages(client, matrix):
    c3 = matrix["submitted"]["c3"]
    page = client.get(f"/track/{c3['tracking_id']}").get_data(as_text=True)
    assert "Pungutan liar" not in page and "uang tambahan" not in page
    assert "data-confidential" in page
    home = client.get("/").get_data(as_text=True)
    assert "Pungutan liar" not in home
    # The reporter, with the code, sees their own content.
    reporter = client.application.test_client()
    token = csrf_of(reporter, f"/track/{c3['tracking_id']}")
    r = reporter.post(f"/track/{c3['tracking_id']}/code", data={"code": c3["reporter_token"], "csrf_token": token})
    assert r.status_code == 302
    assert "Pungutan liar" in reporter.get(f"/track/{c3['tracking_id']}").get_data(as_text=True)


def test_anonymous_reporter_name_not_on_public_page(client, api):
    named = api.submit(reporter_name="Budi Santoso")
    anonymous = api.submit(anonymous=True, reporter_name=None)
    assert "Budi Santoso" not in client.get(f"/track/{named['tracking_id']}").get_data(as_text=True)
    assert "data-tracking-id" in client.get(f"/track/{anonymous['tracking_id']}").get_data(as_text=True)


def test_forms_require_the_csrf_token(app, matrix, api):
    client = login_page(app, "admin_a")
    task = api.task_for("admin_a", matrix["tracking"]["c2"], "verify")
    r = client.post(f"/tasks/{task['id']}/claim")
    assert r.status_code == 400 and "data-error-code=\"csrf\"" in r.get_data(as_text=True)
    assert api.client.get(f"/api/tasks/{task['id']}", headers=api.auth("admin_a")).json["assignee_id"] is None
    # The JSON API called with the session cookie needs the token too; a bearer token does not.
    r = client.post(f"/api/tasks/{task['id']}/claim")
    assert r.status_code == 400 and r.json["error"] == "csrf"
    r = client.post(f"/api/tasks/{task['id']}/claim", headers={"X-CSRFToken": csrf_of(client, "/tasks")})
    assert r.status_code == 200, r.json


def test_login_form_is_rate_limited(app):
    client = app.test_client()
    for _ in range(5):
        token = csrf_of(client, "/login")
        r = client.post("/login", data={"username": "admin_a", "password": "salah-sekali", "csrf_token": token})
        assert r.status_code == 401
        assert "nama pengguna atau kata sandi salah" in r.get_data(as_text=True)
    token = csrf_of(client, "/login")
    r = client.post("/login", data={"username": "admin_a", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert "Terlalu banyak percobaan gagal" in r.get_data(as_text=True)


def test_login_only_redirects_to_local_pages(app):
    client = app.test_client()
    token = csrf_of(client, "/login")
    r = client.post("/login", data={"username": "admin_a", "password": PASSWORD, "csrf_token": token,
                                    "next": "https://evil.example/"})
    assert r.status_code == 302 and r.headers["Location"] == "/tasks"


def test_pages_need_login(client):
    r = client.get("/tasks")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login?next=/tasks")
    assert client.get("/users").status_code == 302


def test_session_cookie_is_secure_unless_told_otherwise(monkeypatch, services):
    from web import create_app
    monkeypatch.delenv("ADUAN_SECURE_COOKIES", raising=False)
    assert create_app({"SECRET_KEY": "x"}, services=services).config["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("ADUAN_SECURE_COOKIES", "0")
    assert create_app({"SECRET_KEY": "x"}, services=services).config["SESSION_COOKIE_SECURE"] is False


def test_session_cookie_flags(app):
    app.config["SESSION_COOKIE_SECURE"] = True
    client = app.test_client()
    r = client.get("/login")
    cookie = r.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_language_switch_on_every_page(app, matrix):
    officer = login_page(app, "admin_a")
    pages = [(app.test_client(), "/"), (app.test_client(), "/report"), (app.test_client(), "/track"),
             (app.test_client(), f"/track/{matrix['tracking']['c2']}"), (app.test_client(), "/login"),
             (officer, "/tasks"), (officer, f"/complaints/{matrix['id']['c2']}"), (officer, "/users"),
             (officer, "/notifications")]
    for client, path in pages:
        indonesian = client.get(path).get_data(as_text=True)
        assert 'lang="id"' in indonesian and 'data-lang="en"' in indonesian, path
        english = client.get(path, query_string={"lang": "en"}).get_data(as_text=True)
        assert 'lang="en"' in english and 'data-lang="id"' in english, path
        client.get(path, query_string={"lang": "id"})
    # The choice sticks for the session.
    client = app.test_client()
    client.get("/", query_string={"lang": "en"})
    assert "Write a report" in client.get("/report").get_data(as_text=True)
    assert "Tulis laporan" in app.test_client().get("/report").get_data(as_text=True)


def test_catalogs_are_complete():
    from web.catalogs import missing
    assert missing() == {"id": [], "en": []}


def _report_form(world, **extra):
    return {"type": "pengaduan", "category": "infrastruktur", "region_id": str(world.regency),
            "instansi_id": str(world.inst_a), "title": "Jembatan retak",
            "description": "Jembatan desa retak di tengah, berbahaya untuk kendaraan.", "reporter_name": "Ani",
            **extra}


def test_report_form_refuses_bad_attachments_and_writes_nothing(app, world, services):
    from io import BytesIO

    from sqlalchemy import func, select

    from workflows.complaints.models import Complaint
    client = app.test_client()
    token = csrf_of(client, "/report")
    data = _report_form(world, csrf_token=token)
    data["attachments"] = [(BytesIO(b"MZ not an image at all"), "foto.png")]
    r = client.post("/report", data=data, content_type="multipart/form-data")
    body = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'data-error-for="attachments"' in body and "foto.png" in body
    assert 'value="Jembatan retak"' in body  # what was typed is kept
    with services.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Complaint)) == 0

    data = _report_form(world, csrf_token=token)
    data["attachments"] = [(BytesIO(bytes.fromhex("89504E470D0A1A0A") + b"\0" * 64), f"f{i}.png") for i in range(4)]
    r = client.post("/report", data=data, content_type="multipart/form-data")
    assert r.status_code == 422 and 'data-error-for="attachments"' in r.get_data(as_text=True)

    data = _report_form(world, csrf_token=token, title="")
    r = client.post("/report", data=data, content_type="multipart/form-data")
    assert r.status_code == 422 and 'data-error-for="title"' in r.get_data(as_text=True)
    with services.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Complaint)) == 0


def test_report_form_files_a_complaint_with_its_attachment(app, world, services):
    from io import BytesIO
    client = app.test_client()
    data = _report_form(world, csrf_token=csrf_of(client, "/report"))
    photo = bytes.fromhex("89504E470D0A1A0A") + b"\0" * 1_500_000  # above the 1 MB limit of other bodies
    data["attachments"] = [(BytesIO(b"%PDF-1.4 surat"), "surat.pdf"), (BytesIO(photo), "foto.png")]
    r = client.post("/report", data=data, content_type="multipart/form-data")
    assert r.status_code == 302
    done = client.get(r.headers["Location"]).get_data(as_text=True)
    tracking_id = re.search(r'data-tracking-id="(LAP-[A-Z0-9]+)"', done).group(1)
    assert "data-reporter-code" in done
    again = client.get(r.headers["Location"])  # the code is shown once; a reload goes to tracking
    assert again.status_code == 302 and again.headers["Location"] == f"/track/{tracking_id}"
    officer = login_page(app, "admin_a")
    listing = officer.get("/tasks").get_data(as_text=True)
    assert tracking_id in listing
    with services.sessions() as db:
        complaint = services.complaints.by_tracking_id(db, tracking_id)
        files = services.complaints.attachments(db, complaint)
        assert [(f.filename, f.size) for f in files] == [("surat.pdf", 14), ("foto.png", len(photo))]
        download = officer.get(f"/complaints/{complaint.id}/attachments/{files[0].id}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 surat"
    assert login_page(app, "admin_b").get(f"/complaints/{complaint.id}/attachments/{files[0].id}").status_code == 403


def test_notifications_page_shows_delegation_and_hand_over(app, matrix, api, world):
    task = api.task_for("pp_a1", matrix["tracking"]["c1"], "follow_up")
    ids = {u["username"]: u["id"] for u in api.client.get("/api/users", headers=api.auth("admin_a")).json}
    holder = login_page(app, "pp_a1")
    r = holder.post(f"/tasks/{task['id']}/delegate",
                    data={"user_id": ids["pp_a1b"], "csrf_token": csrf_of(holder, "/tasks")})
    assert r.status_code == 302
    successor = login_page(app, "pp_a1b")
    page = successor.get("/notifications").get_data(as_text=True)
    assert 'data-kind="delegated"' in page
    assert f"PP_A1 mendelegasikan Tindak lanjut untuk {matrix['tracking']['c1']} kepada Anda." in page
    admin = login_page(app, "admin_a")
    r = admin.post(f"/users/{ids['pp_a1b']}/handover",
                   data={"to_user_id": ids["pp_a1"], "deactivate": "0", "csrf_token": csrf_of(admin, "/tasks")})
    assert r.status_code == 302
    page = login_page(app, "pp_a1").get("/notifications?lang=en").get_data(as_text=True)
    assert "1 open tasks of PP_A1B were handed over to you." in page
    assert api.tasks("pp_a1", group=False)[0]["id"] == task["id"]  # the task came back with the hand-over


def test_colleague_sees_a_claimed_task_without_actions(app, matrix, api):
    task = api.task_for("pp_a1", matrix["tracking"]["c1"], "follow_up")
    assert api.claim("pp_a1", task["id"]).status_code == 200
    page = login_page(app, "pp_a1b").get(f"/tasks/{task['id']}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Petugas lain" in body  # claimed by another officer
    assert 'data-action="delegate"' not in body and 'data-action="complete"' not in body
    holder = login_page(app, "pp_a1").get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert 'data-action="delegate"' in holder and 'data-action="complete"' in holder


def test_unread_notifications_are_counted_and_marked_read(app, matrix, api, world):
    ids = {u["username"]: u["id"] for u in api.client.get("/api/users", headers=api.auth("admin_a")).json}
    first = api.task_for("pp_a1", matrix["tracking"]["c1"], "follow_up")
    r = api.client.post(f"/api/tasks/{first['id']}/delegate", json={"user_id": ids["pp_a1b"]},
                        headers=api.auth("pp_a1"))
    assert r.status_code == 200, r.json
    reader = login_page(app, "pp_a1b")
    page = reader.get("/tasks").get_data(as_text=True)
    assert 'data-unread-count="1"' in page
    listing = reader.get("/notifications").get_data(as_text=True)
    up_to = re.search(r'name="up_to" value="(\d+)"', listing).group(1)

    # Something new arrives after the page was drawn: marking read must not swallow it.
    other = api.submit()
    verify = api.task_for("admin_a", other["tracking_id"], "verify")
    api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1})
    second = api.task_for("pp_a1", other["tracking_id"], "follow_up")
    assert api.client.post(f"/api/tasks/{second['id']}/delegate", json={"user_id": ids["pp_a1b"]},
                           headers=api.auth("pp_a1")).status_code == 200

    r = reader.post("/notifications/read", data={"up_to": up_to, "csrf_token": csrf_of(reader, "/notifications")})
    assert r.status_code == 302
    page = reader.get("/notifications").get_data(as_text=True)
    assert 'data-unread-count="1"' in page and page.count('data-unread="true"') == 1
    notes = api.client.get("/api/notifications", headers=api.auth("pp_a1b")).json
    assert [n["unread"] for n in notes] == [True, False]
    r = api.client.post("/api/notifications/read", json={"up_to": notes[0]["id"]}, headers=api.auth("pp_a1b"))
    assert r.status_code == 200 and r.json == {"unread": 0}
    assert "data-unread-count" not in reader.get("/tasks").get_data(as_text=True)
    # The watermark never moves back, and bad input is refused with the field named.
    assert api.client.post("/api/notifications/read", json={"up_to": 0},
                           headers=api.auth("pp_a1b")).json == {"unread": 0}
    r = api.client.post("/api/notifications/read", json={"up_to": "x"}, headers=api.auth("pp_a1b"))
    assert r.status_code == 422 and "up_to" in r.json["fields"]


def test_unread_count_stops_at_the_cap(services, world):
    from sqlalchemy import select as sel

    from workflows.accounts.models import User
    from workflows.db import transaction as tx
    from workflows.notifications import inbox
    with tx(services.sessions) as db:
        user = db.scalars(sel(User).where(User.username == "pp_a1")).one()
        for i in range(5):
            inbox.notify_user(db, user.id, "handover", services.clock(), {"count": i, "from": "X"})
        db.flush()
        assert inbox.unread_count(db, user) == 5
        assert inbox.unread_count(db, user, cap=3) == 3


def test_complaint_page_links_only_the_tasks_the_officer_may_open(app, matrix):
    """c1 waits for the follow-up of unit A1: its liaison officer gets a link, the instansi admin
    sees the step without a link (opening it would be refused)."""
    link = re.compile(r'data-task-id="(\d+)"><a href="/tasks/(\d+)"')
    plain = re.compile(r'data-task-id="(\d+)">(?!<a)')
    admin = login_page(app, "admin_a").get(f"/complaints/{matrix['id']['c1']}").get_data(as_text=True)
    liaison = login_page(app, "pp_a1").get(f"/complaints/{matrix['id']['c1']}").get_data(as_text=True)
    [(task_id, href_id)] = link.findall(liaison)
    assert task_id == href_id and not plain.findall(liaison)
    assert plain.findall(admin) == [task_id] and not link.findall(admin)
    own = login_page(app, "admin_a").get(f"/complaints/{matrix['id']['c2']}").get_data(as_text=True)
    assert len(link.findall(own)) == 1  # the verification task of its own instansi
