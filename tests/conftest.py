"""Fixtures: a real database per test (SQLite always; PostgreSQL when reachable or required),
migrated by the real Alembic migrations, a small world of regions/instansi/units/officers, the app
and its client.

PostgreSQL: ADUAN_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test).
With ADUAN_REQUIRE_POSTGRES=1 an unreachable server fails the run instead of dropping the backend.
"""
from __future__ import annotations

import os
import shutil
import threading
import uuid
from dataclasses import dataclass

import argon2
import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from migrations import upgrade
from web import create_app
from workflows.accounts import credentials, roles
from workflows.db import transaction
from workflows.org.models import Instansi, Region, Unit
from workflows.service import Aduan

PG_URL = os.environ.get("ADUAN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("ADUAN_REQUIRE_POSTGRES") == "1"
PASSWORD = "rahasia-123"


def _postgres_reachable() -> bool:
    try:
        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def pytest_configure(config):
    # Real argon2, at its cheapest cost: every test creates several officers.
    credentials.configure_hashing(argon2.profiles.CHEAPEST)
    config.aduan_backends = ["sqlite"]
    if _postgres_reachable():
        config.aduan_backends.append("postgresql")
    elif REQUIRE_PG:
        raise pytest.UsageError(f"PostgreSQL is required (ADUAN_REQUIRE_POSTGRES=1) but {PG_URL} is not reachable")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        backends = metafunc.config.aduan_backends
        if metafunc.definition.get_closest_marker("postgres"):
            # Without PostgreSQL the parameter set is empty and pytest reports the test as not run;
            # CI sets ADUAN_REQUIRE_POSTGRES=1, so there it always runs.
            backends = [b for b in backends if b == "postgresql"]
        metafunc.parametrize("backend", backends)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_admin():
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    yield admin
    admin.dispose()


@pytest.fixture(scope="session")
def pg_template(pg_admin):
    """A freshly created and migrated PostgreSQL database that each test copies (CREATE ... TEMPLATE)."""
    name = f"aduan_tpl_{uuid.uuid4().hex[:8]}"
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    upgrade(_pg_url(name))
    yield name
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _pg_url(name: str) -> str:
    return sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def database_url(backend, request, tmp_path):
    """A fresh copy of the migrated template database for every test, on either backend."""
    if backend == "sqlite":
        path = tmp_path / "aduan.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    admin = request.getfixturevalue("pg_admin")
    template = request.getfixturevalue("pg_template")
    name = f"aduan_t_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _pg_url(name)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class World:
    province: int
    regency: int
    inst_a: int
    inst_b: int
    unit_a1: int
    unit_a2: int
    unit_b1: int


@pytest.fixture
def services(database_url):
    aduan = Aduan(database_url)
    yield aduan
    aduan.sql_engine.dispose()


@pytest.fixture
def world(services) -> World:
    with transaction(services.sessions) as db:
        services.registry.deploy_bundled(db)
        province = Region(code="31", name="Provinsi Uji", kind="province")
        db.add(province)
        db.flush()
        regency = Region(code="31.01", name="Kabupaten Uji", kind="regency", parent_id=province.id)
        db.add(regency)
        db.flush()
        inst_a = Instansi(code="pemkab-uji", name="Pemkab Uji", region_id=regency.id)
        inst_b = Instansi(code="pemprov-uji", name="Pemprov Uji", region_id=province.id)
        db.add_all([inst_a, inst_b])
        db.flush()
        a1 = Unit(instansi_id=inst_a.id, code="dpu", name="Dinas PU", region_id=regency.id)
        a2 = Unit(instansi_id=inst_a.id, code="dinkes", name="Dinas Kesehatan", region_id=regency.id)
        b1 = Unit(instansi_id=inst_b.id, code="dishub", name="Dinas Perhubungan", region_id=province.id)
        db.add_all([a1, a2, b1])
        db.flush()
        users = [
            ("nasional", roles.ADMIN_NASIONAL, {}),
            ("koord", roles.ADMIN_KOORDINATOR, {"region_id": province.id}),
            ("admin_a", roles.ADMIN_INSTANSI, {"instansi_id": inst_a.id, "region_id": regency.id}),
            ("admin_a2", roles.ADMIN_INSTANSI, {"instansi_id": inst_a.id, "region_id": regency.id}),
            ("admin_b", roles.ADMIN_INSTANSI, {"instansi_id": inst_b.id, "region_id": province.id}),
            ("pp_a1", roles.PEJABAT_PENGHUBUNG, {"instansi_id": inst_a.id, "unit_id": a1.id}),
            ("pp_a1b", roles.PEJABAT_PENGHUBUNG, {"instansi_id": inst_a.id, "unit_id": a1.id}),
            ("pp_a2", roles.PEJABAT_PENGHUBUNG, {"instansi_id": inst_a.id, "unit_id": a2.id}),
            ("pp_b1", roles.PEJABAT_PENGHUBUNG, {"instansi_id": inst_b.id, "unit_id": b1.id}),
        ]
        for username, role, scope in users:
            credentials.create_user(db, username, username.upper(), PASSWORD, role, **scope)
        return World(province.id, regency.id, inst_a.id, inst_b.id, a1.id, a2.id, b1.id)


@pytest.fixture
def app(services, world):
    # Plain HTTP in tests (the test client and the live server): cookies without the Secure flag.
    return create_app({"TESTING": True, "SECRET_KEY": "test", "SESSION_COOKIE_SECURE": False}, services=services)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def live_server(app):
    """The `app` fixture (SQLite and PostgreSQL) served over real HTTP on 127.0.0.1:<free port>;
    yields the base URL. Add routes to `app` before requesting it (Flask refuses new routes after
    the first request)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="aduan-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
