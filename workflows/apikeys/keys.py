"""API keys: made by an admin for a system that files reports, shown once, kept as a SHA-256 digest,
scoped to regions and/or instansi, rate-limited per minute, revoked (never deleted: the reports it filed
keep pointing at it).

Scope: a key may file for a complaint whose region is one of ``region_ids`` (a province's key covers its
regencies) or whose instansi is one of ``instansi_ids``; with both lists empty, anywhere (only the Admin
Nasional makes such a key)."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import TooManyAttempts, Unauthorized
from ..org.models import Region
from .models import ApiKey, ApiKeyWindow

PREFIX = "adn_"
WINDOW = timedelta(minutes=1)
RATE_MESSAGE = "too many requests with this API key; try again later"
UNKNOWN_KEY = "unknown or revoked API key"


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_raw_key() -> str:
    """``adn_`` and 43 URL-safe characters (256 bits)."""
    return PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class KeyScope:
    """What a key may file for, read from its row (a plain value, safe outside the session)."""
    id: int
    name: str
    channel: str
    region_ids: frozenset[int]
    instansi_ids: frozenset[int]

    @property
    def national(self) -> bool:
        return not self.region_ids and not self.instansi_ids

    def may_file(self, session: Session, region_id: int | None, instansi_id: int | None) -> bool:
        if self.national:
            return True
        if instansi_id is not None and instansi_id in self.instansi_ids:
            return True
        if region_id is None or not self.region_ids:
            return False
        if region_id in self.region_ids:
            return True
        parent = session.scalar(select(Region.parent_id).where(Region.id == region_id))
        return parent is not None and parent in self.region_ids


def scope_of(key: ApiKey) -> KeyScope:
    return KeyScope(key.id, key.name, key.channel, frozenset(int(i) for i in key.region_ids or ()),
                    frozenset(int(i) for i in key.instansi_ids or ()))


def find_active(session: Session, raw: str | None) -> ApiKey | None:
    if not raw or len(raw) > 200:
        return None
    key = session.scalars(select(ApiKey).where(ApiKey.key_hash == digest(raw.strip()))).first()
    if key is None or key.revoked_at is not None:
        return None
    return key


def authenticate(session: Session, raw: str | None, now: datetime) -> KeyScope:
    """The key behind a request, counted against its rate (429 with the seconds to wait when over it)."""
    key = find_active(session, raw)
    if key is None:
        raise Unauthorized(UNKNOWN_KEY)
    count_request(session, key, now)
    key.last_used_at = now
    return scope_of(key)


def count_request(session: Session, key: ApiKey, now: datetime) -> None:
    """One more request in this minute's window; over ``rate_per_minute``: refused (and not counted)."""
    start = now.replace(second=0, microsecond=0)
    row = ApiKeyWindow.__table__
    bumped = session.execute(update(row).where(row.c.api_key_id == key.id, row.c.window_start == start,
                                               row.c.requests < key.rate_per_minute)
                             .values(requests=row.c.requests + 1)).rowcount
    if bumped:
        return
    exists = session.scalar(select(row.c.requests).where(row.c.api_key_id == key.id, row.c.window_start == start))
    if exists is not None:
        raise TooManyAttempts(RATE_MESSAGE, retry_after=_retry_after(start, now))
    try:
        with session.begin_nested():
            session.execute(row.insert().values(api_key_id=key.id, window_start=start, requests=1))
    except IntegrityError:  # another process opened the window first: count in it (within the rate)
        counted = session.execute(update(row).where(row.c.api_key_id == key.id, row.c.window_start == start,
                                                    row.c.requests < key.rate_per_minute)
                                  .values(requests=row.c.requests + 1)).rowcount
        if not counted:
            raise TooManyAttempts(RATE_MESSAGE, retry_after=_retry_after(start, now)) from None
        return
    # The first request of a minute: the key's earlier windows count for nothing any more.
    session.execute(delete(row).where(row.c.api_key_id == key.id, row.c.window_start < start))


def _retry_after(start: datetime, now: datetime) -> int:
    """Whole seconds until the next minute's window opens (at least 1)."""
    return max(1, int((start + WINDOW - now).total_seconds() + 0.999))
