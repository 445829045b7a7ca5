"""Which officer a bearer token names, remembered for a few seconds per process.

Every API request names its officer by a bearer token. Looking the token up (with the user joined)
was one statement and two ORM objects per request; a hit in this cache costs neither.

Staleness bound: an entry lives at most ``ADUAN_TOKEN_CACHE_SECONDS`` (default 5; 0 turns the cache
off). Within this process an entry is dropped as soon as its officer's row is changed through the
ORM (deactivation, hand-over, rename, role or scope), again when that transaction commits (so a
request racing the change cannot put the old row back), and every entry is dropped when a bulk
UPDATE/DELETE touches ``users`` or ``api_tokens`` (revoking tokens). Another web process (gunicorn
runs several) keeps serving a deactivated officer's token for at most the TTL. Token expiry is
checked against the clock on every hit. The snapshot holds every column of the user but the
notifications watermark, which is left unloaded, so reading it goes to the database (it must never
move back because of a stale copy; it is only read inside a unit of work). ``last_login_at`` shown
for one's own account may lag another process's login by up to the TTL.
"""
from __future__ import annotations

import os
import threading
import time
from datetime import datetime

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, make_transient_to_detached, object_session
from sqlalchemy.orm.attributes import set_committed_value

from .models import ApiToken, User

CACHED_COLUMNS = ("id", "username", "full_name", "password_hash", "role", "region_id", "instansi_id", "unit_id",
                  "active", "created_at", "last_login_at", "designer")  # all but the notifications watermark
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
