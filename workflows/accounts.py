"""Officer accounts: argon2 password hashes, login and API tokens (only their hash is stored)."""
from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from datetime import datetime, timedelta

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached, object_session
from sqlalchemy.orm.attributes import set_committed_value

from .clock import Clock
from .errors import Invalid, Unauthorized
from .models import ApiToken, User
from .roles import OFFICER_ROLES

TOKEN_LIFETIME = timedelta(days=30)
_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the timing the same.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def configure_hashing(parameters: Parameters) -> None:
    """Choose argon2's cost (default: argon2-cffi's RFC 9106 low-memory profile). The test suite picks
    argon2's own CHEAPEST profile, as Django test settings pick a fast hasher; hashes made with other
    parameters keep verifying, because each hash carries its own."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher.from_parameters(parameters)
    _DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise Invalid({"password": [("too_short", {"min": 8})]})
    return _hasher.hash(password)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(session: Session, username: str, full_name: str, password: str, role: str, *,
                region_id: int | None = None, instansi_id: int | None = None,
                unit_id: int | None = None) -> User:
    if role not in OFFICER_ROLES:
        raise Invalid({"role": [("not_one_of", {"choices": list(OFFICER_ROLES)})]})
    user = User(username=username, full_name=full_name, password_hash=hash_password(password), role=role,
                region_id=region_id, instansi_id=instansi_id, unit_id=unit_id)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str, clock: Clock) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise Unauthorized("wrong username or password") from None
    if user is None or not user.active:
        raise Unauthorized("wrong username or password")
    user.last_login_at = clock()
    return user


def issue_token(session: Session, user: User, clock: Clock) -> str:
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=token_digest(token), created_at=clock(),
                         expires_at=clock() + TOKEN_LIFETIME))
    return token


def user_for_token(session: Session, token: str, clock: Clock) -> User | None:
    digest = token_digest(token)
    cached = token_cache.get(digest)
    if cached is not None:
        snapshot, expires_at = cached
        if expires_at <= clock():
            token_cache.forget(digest)
            return None
        # A persistent copy in this session without a SELECT (the snapshot is clean and detached).
        return session.merge(snapshot, load=False)
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).first()
    if row is None or row.expires_at <= clock() or not row.user.active:
        return None
    token_cache.put(digest, row.user, row.expires_at)
    return row.user


# -- the token cache ------------------------------------------------------------------------------
# Every API request names its officer by a bearer token. Looking the token up (with the user joined)
# was one statement and two ORM objects per request; a hit in this cache costs neither.
#
# Staleness bound: an entry lives at most ``ADUAN_TOKEN_CACHE_SECONDS`` (default 5; 0 turns the cache
# off). Within this process an entry is dropped as soon as its officer's row is changed through the
# ORM (deactivation, hand-over, rename, role or scope), again when that transaction commits (so a
# request racing the change cannot put the old row back), and every entry is dropped when a bulk
# UPDATE/DELETE touches ``users`` or ``api_tokens`` (revoking tokens). Another web process (gunicorn
# runs several) keeps serving a deactivated officer's token for at most the TTL. Token expiry is
# checked against the clock on every hit. The snapshot holds every column of the user but the
# notifications watermark, which is left unloaded, so reading it goes to the database (it must never
# move back because of a stale copy; it is only read inside a unit of work). ``last_login_at`` shown
# for one's own account may lag another process's login by up to the TTL.

CACHED_COLUMNS = ("id", "username", "full_name", "password_hash", "role", "region_id", "instansi_id", "unit_id",
                  "active", "created_at", "last_login_at")  # all but the notifications watermark
_EVICT_KEY = "aduan_token_cache_evict"


class TokenCache:
    """token digest -> (detached snapshot of the user, token expiry), for ``ttl`` seconds."""

    def __init__(self, ttl: float, max_entries: int = 20_000):
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, tuple[User, datetime, float]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str) -> tuple[User, datetime] | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if time.monotonic() >= entry[2]:
            self._entries.pop(digest, None)
            return None
        return entry[0], entry[1]

    def put(self, digest: str, user: User, expires_at: datetime) -> None:
        if self.ttl <= 0:
            return
        snapshot = _snapshot(user)
        with self._lock:
            if len(self._entries) >= self.max_entries:
                now = time.monotonic()
                for key in [k for k, v in self._entries.items() if v[2] <= now] or list(self._entries):
                    del self._entries[key]
            self._entries[digest] = (snapshot, expires_at, time.monotonic() + self.ttl)

    def forget(self, digest: str) -> None:
        self._entries.pop(digest, None)

    def forget_user(self, user_id: int) -> None:
        with self._lock:
            for key in [k for k, v in self._entries.items() if v[0].id == user_id]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


token_cache = TokenCache(float(os.environ.get("ADUAN_TOKEN_CACHE_SECONDS", 5)))


def _snapshot(user: User) -> User:
    """A detached copy of ``user``'s identity and scope columns, built without attribute events."""
    copy = inspect(User).class_manager.new_instance()
    for name in CACHED_COLUMNS:
        set_committed_value(copy, name, getattr(user, name))
    make_transient_to_detached(copy)
    return copy


def _user_changed(target: User, value, oldvalue, _initiator) -> None:
    if target.id is None or value is oldvalue:
        return
    token_cache.forget_user(target.id)
    session = object_session(target)
    if session is not None:
        session.info.setdefault(_EVICT_KEY, set()).add(target.id)


for _column in inspect(User).column_attrs:
    event.listen(getattr(User, _column.key), "set", _user_changed)


_WATCHED_TABLES = (User.__table__, ApiToken.__table__)


@event.listens_for(Session, "do_orm_execute")
def _bulk_change(state) -> None:
    if (state.is_update or state.is_delete) and getattr(state.statement, "table", None) in _WATCHED_TABLES:
        token_cache.clear()
        state.session.info[_EVICT_KEY + "_all"] = True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.info:
        if session.info.pop(_EVICT_KEY + "_all", False):
            token_cache.clear()
        for user_id in session.info.pop(_EVICT_KEY, ()):
            token_cache.forget_user(user_id)
