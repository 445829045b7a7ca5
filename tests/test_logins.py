"""Failed logins are limited per username and per address, counted in the database by every process."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from web import create_app
from workflows.accounts.logins import LoginGuard
from workflows.accounts.models import LoginFailure
from workflows.clock import ManualClock
from workflows.db import transaction
from workflows.errors import TooManyAttempts, Unauthorized
from workflows.service import Aduan

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
        stmt = select(func.count()).select_from(LoginFailure)
        for column, value in where.items():
            stmt = stmt.where(getattr(LoginFailure, column) == value)
        return db.scalar(stmt)


def test_five_wrong_passwords_lock_the_username_until_the_oldest_leaves_the_window(clocked, clock):
    services, client = clocked
    for _ in range(5):
        assert _login(client, "admin_a", "salah-sandi").status_code == 401
        clock.advance(minutes=1)
    # the right password no longer helps: refused without being checked
    r = _login(client, "admin_a", PASSWORD)
    assert r.status_code == 429, r.json
    assert r.json["error"] == "too_many_attempts"
    assert r.json["retry_after"] == 10 * 60             # the first failure (5 minutes ago) leaves at 15
    assert r.headers["Retry-After"] == "600"
    assert _failures(services, username="admin_a") == 5  # a refused attempt is not another failure
    assert _login(client, "admin_a2", PASSWORD).status_code == 200   # other usernames are not affected

    clock.advance(seconds=599)
    r = _login(client, "admin_a", PASSWORD)
    assert r.status_code == 429 and r.json["retry_after"] == 1
    clock.advance(seconds=1)
    r = _login(client, "admin_a", PASSWORD)
    assert r.status_code == 200, r.json
    assert _failures(services, username="admin_a") == 0  # a successful login forgets the failures
    assert _login(client, "admin_a", "salah-sandi").status_code == 401


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


def test_an_address_that_tries_many_usernames_is_locked(clocked, clock):
    services, client = clocked
    guard = LoginGuard(services.sessions, clock, max_failures_per_user=5, max_failures_per_ip=3)
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
    assert _failures(services, username="koord") == 4
    clock.advance(minutes=16)
    assert _login(client, "koord", "salah-sandi").status_code == 401
    assert _failures(services, username="koord") == 1
    assert _failures(services, ip="127.0.0.1") == 1


def test_limits_come_from_the_environment(database_url, monkeypatch):
    monkeypatch.setenv("ADUAN_LOGIN_MAX_FAILURES", "2")
    monkeypatch.setenv("ADUAN_LOGIN_WINDOW_SECONDS", "60")
    services = Aduan(database_url)
    try:
        assert services.logins.max_failures_per_user == 2
        assert services.logins.window == timedelta(seconds=60)
        explicit = Aduan(database_url, login_max_failures=7, login_window=timedelta(minutes=5))
        assert explicit.logins.max_failures_per_user == 7 and explicit.logins.window == timedelta(minutes=5)
        explicit.sql_engine.dispose()
    finally:
        services.sql_engine.dispose()
