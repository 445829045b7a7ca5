"""The request-cost work of docs/PERFORMANCE.md ("Making requests cheaper"): the bearer-token cache
must save its statement without keeping a deactivated officer's token alive in this process, and
the pool must still replace a connection the database dropped."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.pool import NullPool

from tests.conftest import PASSWORD
from tests.helpers import Api
from workflows.accounts import credentials
from workflows.accounts import token_cache as token_cache_module
from workflows.accounts.models import ApiToken, User
from workflows.db import make_engine, transaction


@pytest.fixture
def api(app, world):
    credentials.token_cache.clear()
    yield Api(app.test_client(), world)
    credentials.token_cache.clear()


class Statements:
    def __init__(self, engine):
        self.seen: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda *a: self.seen.append(" ".join(a[2].split())))

    def tokens_read(self) -> int:
        return sum(1 for s in self.seen if "FROM api_tokens" in s)


def test_a_cached_token_costs_no_statement(api, services):
    api.tasks("admin_a")  # logs in and fills the cache
    seen = Statements(services.sql_engine)
    for _ in range(3):
        assert api.client.get("/api/auth/me", headers=api.auth("admin_a")).json["username"] == "admin_a"
    assert seen.tokens_read() == 0
    assert not [s for s in seen.seen if s.startswith("SELECT") and "FROM users" in s]


def test_deactivation_ends_the_token_at_once_in_this_process(api, services):
    headers = api.auth("pp_a1")
    assert api.client.get("/api/tasks", headers=headers).status_code == 200  # cached now
    r = api.client.patch(f"/api/users/{api_user_id(services, 'pp_a1')}", json={"active": False},
                         headers=api.auth("admin_a"))
    assert r.status_code == 200, r.json
    assert api.client.get("/api/tasks", headers=headers).status_code == 401


def test_a_change_to_the_user_outside_the_api_ends_the_cached_copy(api, services):
    headers = api.auth("pp_a1")
    assert api.client.get("/api/auth/me", headers=headers).json["full_name"] == "PP_A1"
    with transaction(services.sessions) as db:
        db.get(User, api_user_id(services, "pp_a1")).full_name = "Pak PP Baru"
    assert api.client.get("/api/auth/me", headers=headers).json["full_name"] == "Pak PP Baru"


def test_a_bulk_token_delete_empties_the_cache(api, services):
    headers = api.auth("pp_a1")
    assert api.client.get("/api/auth/me", headers=headers).status_code == 200
    with transaction(services.sessions) as db:
        db.execute(ApiToken.__table__.delete())  # Core, through the session: still seen
    assert len(credentials.token_cache) == 0
    assert api.client.get("/api/auth/me", headers=headers).status_code == 401


def test_the_ttl_bounds_staleness_of_changes_made_elsewhere(api, services, monkeypatch):
    headers = api.auth("pp_a1")
    assert api.client.get("/api/auth/me", headers=headers).status_code == 200
    # Another process deactivates the officer: plain SQL, no ORM event reaches this one.
    with services.sql_engine.begin() as conn:
        conn.execute(text("UPDATE users SET active = false WHERE username = 'pp_a1'"))
    assert api.client.get("/api/auth/me", headers=headers).status_code == 200  # within the TTL
    later = time.monotonic() + credentials.token_cache.ttl + 0.01
    monkeypatch.setattr(token_cache_module.time, "monotonic", lambda: later)
    assert api.client.get("/api/auth/me", headers=headers).status_code == 401


def test_the_watermark_is_read_from_the_database_not_the_cached_copy(api, services):
    headers = api.auth("pp_a1")
    assert api.client.get("/api/notifications", headers=headers).status_code == 200
    with services.sql_engine.begin() as conn:  # another process marked everything read
        conn.execute(text("UPDATE users SET notifications_seen_id = 1000 WHERE username = 'pp_a1'"))
    with transaction(services.sessions) as db:
        token = api._tokens["pp_a1"]
        assert credentials.user_for_token(db, token, services.clock).notifications_seen_id == 1000


def test_an_expired_token_is_refused_even_when_cached(api, services):
    headers = api.auth("pp_a1")
    assert api.client.get("/api/auth/me", headers=headers).status_code == 200
    (digest, (snapshot, _expires, until)), = credentials.token_cache._entries.items()
    credentials.token_cache._entries[digest] = (snapshot, services.clock() - credentials.TOKEN_LIFETIME, until)
    assert api.client.get("/api/auth/me", headers=headers).status_code == 401


def test_login_still_works_with_a_cached_token_of_the_same_user(api, services):
    api.auth("pp_a1")
    r = api.client.post("/api/auth/login", json={"username": "pp_a1", "password": PASSWORD})
    assert r.status_code == 200
    second = {"Authorization": f"Bearer {r.json['token']}"}
    assert api.client.get("/api/auth/me", headers=second).status_code == 200
    assert api.client.get("/api/auth/me", headers=api.auth("pp_a1")).status_code == 200


def api_user_id(services, username: str) -> int:
    with transaction(services.sessions) as db:
        return db.scalar(select(User.id).where(User.username == username))


@pytest.mark.postgres
def test_an_idle_connection_the_server_dropped_is_replaced(database_url, monkeypatch):
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            pid = conn.scalar(text("SELECT pg_backend_pid()"))
        killer = create_engine(database_url, poolclass=NullPool)
        with killer.begin() as other:  # the server ends the pooled connection
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        killer.dispose()
        # idle for longer than the ping threshold: pinged, found dead, replaced
        later = time.monotonic() + 3600
        monkeypatch.setattr("workflows.db.time.monotonic", lambda: later)
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT pg_backend_pid()")) != pid
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_recently_used_connection_is_not_pinged(database_url):
    engine = make_engine(database_url)
    seen = Statements(engine)
    pings = []
    try:
        with engine.connect() as conn:
            conn.scalar(text("SELECT 2"))
        raw = engine.pool._pool.queue[0]  # the pooled record: count what its driver connection runs
        cursor_factory = raw.dbapi_connection.cursor

        def counting_cursor(*args, **kwargs):
            pings.append(1)
            return cursor_factory(*args, **kwargs)
        raw.dbapi_connection.cursor = counting_cursor
        with engine.connect() as conn:
            conn.scalar(text("SELECT 3"))
        assert len(seen.seen) == 2
        assert len(pings) == 1  # the statement itself, no ping before it
    finally:
        engine.dispose()
