"""Database engine and sessions. SQLite is the embedded default; DATABASE_URL switches to PostgreSQL."""
from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_SQLITE = Path("instance") / "aduan.sqlite3"

# What the driver raises when the database cannot serve a statement (down, unreachable, a lock or
# deadlock). The entry points (web, CLI) map it to an answer; :func:`is_write_conflict` tells a lost
# race from an outage.
DatabaseError = exc.OperationalError
# What the driver raises for a value the database cannot store or compare (a number out of range,
# a NUL in text, text that is not valid Unicode). Input checks refuse these first; entry points map
# whatever slips through to a 400.
UnstorableInput = (exc.DataError, OverflowError, UnicodeEncodeError)
# A pooled PostgreSQL connection idle longer than this is pinged (SELECT 1) before it is handed out,
# so one the server dropped (restart, idle timeout) is replaced instead of failing a request. A
# connection used within this window is handed out without the round trip (pool_pre_ping pinged on
# every checkout, i.e. once per request). ADUAN_DB_PING_IDLE_SECONDS; 0 pings on every checkout.
PING_IDLE_SECONDS = float(os.environ.get("ADUAN_DB_PING_IDLE_SECONDS", 10))


def is_write_conflict(error: DatabaseError) -> bool:
    """Two transactions waited on each other (PostgreSQL aborted one) or SQLite's lock timed out:
    the same situation as any other concurrent change, not an outage."""
    text = str(error.orig or error).lower()
    return "deadlock" in text or "could not serialize" in text or "database is locked" in text


def describe(error: DatabaseError) -> str:
    """The driver's first line, for an operator."""
    return str(error.orig or error).splitlines()[0]


def database_url(url: str | None = None) -> str:
    url = url or os.environ.get("DATABASE_URL")
    if not url:
        DEFAULT_SQLITE.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DEFAULT_SQLITE.resolve()}"
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def make_engine(url: str | None = None) -> Engine:
    url = database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20)
    _ping_when_idle(engine, PING_IDLE_SECONDS)
    return engine


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Pessimistic disconnect handling at a lower price than ``pool_pre_ping``: a connection that is
    known broken, or has been idle in the pool longer than ``idle_seconds``, is checked before use.
    A failed check raises DisconnectionError, on which the pool discards the connection and checks
    out a fresh one (SQLAlchemy's documented custom-ping recipe). A database that goes away while a
    connection sits in the pool for less than ``idle_seconds`` fails one request, after which
    SQLAlchemy's disconnect detection invalidates the pool (the same as without any ping)."""

    @event.listens_for(engine, "connect")
    def _connected(_dbapi_connection, record):
        record.info["aduan_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):
        if record is not None:
            record.info["aduan_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):
        if getattr(dbapi_connection, "closed", False) or getattr(dbapi_connection, "broken", False):
            raise exc.DisconnectionError("connection closed")
        idle_since = record.info.get("aduan_idle_since")
        if idle_since is not None and time.monotonic() - idle_since <= idle_seconds:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
        except Exception as error:  # the driver's own error type: the connection is unusable
            raise exc.DisconnectionError(f"ping failed: {error}") from error


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
