"""Guessing is throttled (workflows/throttle.py), counted in the database by every process:
growing delays per username and address, a block per address that tries many usernames, a capped
delay per username from everywhere -- so brute force is slow and nobody can lock an officer out.
The same rules guard the reporter's secret code, per tracking ID."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.helpers import Api
from web import create_app
from workflows.accounts.logins import LoginGuard
from workflows.accounts.models import User
from workflows.clock import ManualClock
from workflows.db import transaction
from workflows.errors import TooManyAttempts, Unauthorized
from workflows.service import Aduan
from workflows.throttle import FailedAttempt, Limits

WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def clock():
    return ManualClock(datetime(2025, 7, 7, 9, 0, tzinfo=WIB))


@pytest.fixture
def clocked(database_url, world, clock):
    services = Aduan(database_url, clock=clock)
    client = create_app({"TESTING": True, "SECRET_KEY": "t"}, services=services).test_client()
    yield services, client
    services.sql_engine.dispose()


def _login(client, username: str, password: str, ip: str = "127.0.0.1"):
    return client.post("/api/auth/login", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def _failures(services, **where) -> int:
    with transaction(services.sessions) as db:
        stmt = select(func.count()).select_from(FailedAttempt)
        for column, value in where.items():
            stmt = stmt.where(getattr(FailedAttempt, column) == value)
        return db.scalar(stmt)


def test_after_five_wrong_passwords_each_attempt_waits_twice_as_long(clocked, clock):
    services, client = clocked
    for _ in range(5):
        assert _login(client, "admin_a", "salah-sandi").status_code == 401
    # the sixth attempt from the same address must wait 1 s after the fifth: refused unchecked
    r = _login(client, "admin_a", PASSWORD)
    assert r.status_code == 429, r.json
    assert r.json["error"] == "too_many_attempts" and r.json["retry_after"] == 1
    assert r.headers["Retry-After"] == "1"
    assert _failures(services, subject="admin_a") == 5  # a refused attempt is not another failure
    delays = []
    for _ in range(4):  # 1, 2, 4, 8 seconds
        wait = _login(client, "admin_a", "salah-sandi").json.get("retry_after")
        delays.append(wait)
        clock.advance(seconds=wait)
        assert _login(client, "admin_a", "salah-sandi").status_code == 401
    assert delays == [1, 2, 4, 8]
    r = _login(client, "admin_a", PASSWORD)
    assert r.status_code == 429 and r.json["retry_after"] == 16
    clock.advance(seconds=16)
    r = _login(client, "admin_a", PASSWORD)
    assert r.status_code == 200, r.json
    assert _failures(services, subject="admin_a") == 0  # a successful login forgets the failures


def test_a_stranger_cannot_lock_an_officer_out(clocked, clock):
    """Another address's failures make the real officer wait at most a minute, never a lock."""
    services, client = clocked
    for attempt in range(40):  # a distributed guesser: 40 addresses, one wrong password a minute
        assert _login(client, "admin_b", "salah-sandi", ip=f"10.9.0.{attempt}").status_code == 401
        clock.advance(seconds=61)
    r = _login(client, "admin_b", PASSWORD, ip="10.1.1.1")
    assert r.status_code == 200, r.json  # the last failure was over a minute ago
    for attempt in range(40, 60):
        _login(client, "admin_b", "salah-sandi", ip=f"10.9.0.{attempt}")
    r = _login(client, "admin_b", PASSWORD, ip="10.1.1.1")
    assert r.status_code == 429 and r.json["retry_after"] <= 60
    clock.advance(seconds=r.json["retry_after"])
    assert _login(client, "admin_b", PASSWORD, ip="10.1.1.1").status_code == 200


def test_429_speaks_the_requested_language(clocked):
    services, client = clocked
    for _ in range(5):
        _login(client, "pp_a1", "salah-sandi")
    r = client.post("/api/auth/login?lang=en", json={"username": "pp_a1", "password": PASSWORD})
    assert r.status_code == 429 and r.json["message"] == "too many failed logins; try again later"


def test_failures_are_shared_by_every_process_on_the_database(clocked, database_url, clock):
    services, client = clocked
    other = Aduan(database_url, clock=clock)      # a second web process on the same database
    try:
        for _ in range(3):
            assert _login(client, "admin_b", "salah-sandi").status_code == 401
        for _ in range(2):
            with pytest.raises(Unauthorized):
                other.logins.login("admin_b", "salah-sandi", "127.0.0.1")
        with pytest.raises(TooManyAttempts) as caught:
            other.logins.login("admin_b", PASSWORD, "127.0.0.1")
        assert caught.value.status == 429 and caught.value.details["retry_after"] >= 1
        assert _login(client, "admin_b", PASSWORD).status_code == 429
    finally:
        other.sql_engine.dispose()


def test_an_address_that_tries_many_usernames_is_blocked(clocked, clock):
    services, client = clocked
    guard = LoginGuard(services.sessions, clock, Limits(free=5, source_limit=3))
    for name in ("tebak1", "tebak2", "tebak3"):
        with pytest.raises(Unauthorized):
            guard.login(name, "salah-sandi", "10.0.0.7")
    with pytest.raises(TooManyAttempts) as caught:
        guard.login("admin_a", PASSWORD, "10.0.0.7")
    assert caught.value.details["retry_after"] == 15 * 60
    assert guard.login("admin_a", PASSWORD, "10.0.0.8").username == "admin_a"   # another address


def test_expired_failures_are_removed_as_new_ones_arrive(clocked, clock):
    services, client = clocked
    for _ in range(4):
        _login(client, "koord", "salah-sandi")
    assert _failures(services, subject="koord") == 4
    clock.advance(minutes=16)
    assert _login(client, "koord", "salah-sandi").status_code == 401
    assert _failures(services, subject="koord") == 1
    assert _failures(services, source="127.0.0.1") == 1


def test_limits_come_from_the_environment(database_url, monkeypatch):
    monkeypatch.setenv("ADUAN_LOGIN_MAX_FAILURES", "2")
    monkeypatch.setenv("ADUAN_LOGIN_WINDOW_SECONDS", "60")
    services = Aduan(database_url)
    try:
        assert services.logins.limits.free == 2
        assert services.logins.limits.window == timedelta(seconds=60)
        assert services.complaints.reply_codes.limits == services.logins.limits
        explicit = Aduan(database_url, guess_limits=Limits(free=7, window=timedelta(minutes=5)))
        assert explicit.logins.limits.free == 7 and explicit.logins.limits.window == timedelta(minutes=5)
        explicit.sql_engine.dispose()
    finally:
        services.sql_engine.dispose()


# -- the reporter's secret code -----------------------------------------------------------------
def test_reply_codes_are_throttled_per_tracking_id_and_address(clocked, clock, world):
    services, client = clocked
    api = Api(client, world)
    submitted = api.submit()
    tid, code = submitted["tracking_id"], submitted["reporter_token"]
    for _ in range(5):
        r = client.get(f"/api/complaints/{tid}?token=tebakan", environ_base={"REMOTE_ADDR": "10.0.0.5"})
        assert r.status_code == 403
    # every way of offering a code is refused unchecked now, the right one included
    r = client.get(f"/api/complaints/{tid}?token={code}", environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"
    r = client.post(f"/api/complaints/{tid}/reply", json={"token": code, "data": {}},
                    environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert r.status_code == 429
    assert _failures(services, kind="reply_code", subject=tid) == 5
    # the reporter elsewhere is not blocked, and the public view needs no code at all
    assert client.get(f"/api/complaints/{tid}?token={code}", environ_base={"REMOTE_ADDR": "10.0.0.6"}
                      ).status_code == 200
    assert client.get(f"/api/complaints/{tid}", environ_base={"REMOTE_ADDR": "10.0.0.5"}).status_code == 200
    clock.advance(seconds=1)
    assert client.get(f"/api/complaints/{tid}?token={code}", environ_base={"REMOTE_ADDR": "10.0.0.5"}
                      ).status_code == 200


def test_the_tracking_page_code_form_is_throttled_too(clocked, clock, world):
    services, client = clocked
    api = Api(client, world)
    tid = api.submit()["tracking_id"]

    def enter(code):
        page = client.get(f"/track/{tid}").get_data(as_text=True)
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        return client.post(f"/track/{tid}/code", data={"csrf_token": token, "code": code})

    for _ in range(5):
        assert enter("salah").status_code == 403
    r = enter("salah")
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"
    assert "Terlalu banyak kode salah" in r.get_data(as_text=True) or "terlalu banyak kode salah" in r.get_data(as_text=True)


def test_a_deactivated_officer_is_told_so_only_with_the_right_password(clocked):
    """Deactivation is said only to whoever knows the password; a wrong one reads as for any account,
    and both count as failed logins (the throttle is the same)."""
    services, client = clocked
    with transaction(services.sessions) as db:
        db.scalars(select(User).where(User.username == "admin_a")).one().active = False
    wrong = _login(client, "admin_a", "salah-sandi")
    assert wrong.status_code == 401 and wrong.json["error"] == "unauthorized", wrong.json
    assert _login(client, "tidak_ada", "salah-sandi").json["message"] == wrong.json["message"]
    right = client.post("/api/auth/login?lang=en", json={"username": "admin_a", "password": PASSWORD})
    assert right.status_code == 401 and right.json["error"] == "account_deactivated", right.json
    assert right.json["message"] == "this account is deactivated; ask your administrator"
    assert _failures(services, subject="admin_a") == 2

    token = client.get("/login").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    page = client.post("/login?lang=en", data={"csrf_token": token, "username": "admin_a", "password": PASSWORD})
    assert page.status_code == 401 and "this account is deactivated" in page.get_data(as_text=True)
    page = client.post("/login?lang=en", data={"csrf_token": token, "username": "admin_a", "password": "salah"})
    assert "wrong username or password" in page.get_data(as_text=True)
    assert "deactivated" not in page.get_data(as_text=True)
