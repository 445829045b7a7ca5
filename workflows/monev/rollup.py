"""Keeping ``monev_daily`` (and the per-channel ``monev_channels`` and ``monev_unrouted``) in step with
the complaints.

A row holds what became of the complaints an instansi received on one day, as of the last refresh.
A refresh rebuilds, from the complaints themselves, the rows of every (day, instansi) that has a
complaint changed since the watermark (``complaints.updated_at``, indexed), plus those marked stale by
a transfer. The watermark is the refresh's own time minus ``overlap``: a change stamped just before a
refresh whose transaction committed after it is read again by the next one. Rebuilding a row is
idempotent, so rereading costs a few rows and never double-counts.

One process refreshes at a time: it locks the ``monev_state`` row (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so a second worker skips instead of waiting; SQLite's single writer serializes them).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, delete, func, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from ..apikeys.channels import WEB
from ..complaints import statuses
from ..complaints.models import Complaint
from ..db import transaction
from .models import MonevChannel, MonevDaily, MonevStale, MonevState, MonevUnrouted

OVERLAP = timedelta(minutes=2)
BATCH = 400  # (day, instansi) pairs per statement

_c = Complaint.__table__.c
_DISPATCHED = (statuses.DIDISPOSISI, statuses.DALAM_PROSES, statuses.DISELESAIKAN)


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# What each rollup column counts, over the complaints of one (day, instansi).
_COLUMNS = {
    "received": func.count(),
    "archived": _count(_c.status == statuses.DIARSIPKAN),
    "waiting": _count(_c.status == statuses.BELUM_DIPROSES),
    "deferred": _count(_c.status == statuses.DIPENDING),
    "verified": _count(_c.status.not_in((statuses.BELUM_DIPROSES, statuses.DIPENDING))),
    "verified_late": _count(_c.verify_late.is_(True)),
    "verify_timed": _count(_c.verify_seconds.is_not(None)),
    "verify_seconds": func.coalesce(func.sum(_c.verify_seconds), 0),
    "dispatched": _count(_c.status.in_(_DISPATCHED)),
    "followed_up": _count((_c.status == statuses.DISELESAIKAN) | _c.followed_up_at.is_not(None)),
    "follow_up_late": _count(_c.follow_up_late.is_(True)),
    "follow_up_timed": _count(_c.follow_up_seconds.is_not(None)),
    "follow_up_seconds": func.coalesce(func.sum(_c.follow_up_seconds), 0),
    "awaiting_reply": _count((_c.status == statuses.DISELESAIKAN) & _c.closed_at.is_(None)),
    "closed": _count((_c.status == statuses.DISELESAIKAN) & _c.closed_at.is_not(None)),
    "reopened": func.coalesce(func.sum(_c.reopened), 0),
    "rated_sangat_puas": _count(_c.rating == "sangat_puas"),
    "rated_puas": _count(_c.rating == "puas"),
    "rated_cukup_puas": _count(_c.rating == "cukup_puas"),
    "rated_tidak_puas": _count(_c.rating == "tidak_puas"),
}


@dataclass(frozen=True)
class RefreshResult:
    skipped: bool = False  # another process was refreshing
    full: bool = False
    pairs: int = 0  # (day, instansi) rows rebuilt (full: rows written)


def mark_stale(session: Session, day: date, instansi_id: int, now: datetime) -> None:
    """Have the refreshes rebuild this (day, instansi) although none of its complaints changed. The
    mark is stamped like a complaint change and dropped once it is older than the overlap, so a
    refresh that ran while this transaction was still open cannot consume it too early."""
    dialect = session.get_bind().dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = make(MonevStale).values(day=day, instansi_id=instansi_id, marked_at=now)
    session.execute(stmt.on_conflict_do_update(index_elements=["day", "instansi_id"],
                                               set_={"marked_at": stmt.excluded.marked_at}))


def refresh(sessions: sessionmaker[Session], now: datetime, full: bool = False,
            overlap: timedelta = OVERLAP) -> RefreshResult:
    with transaction(sessions) as db:
        if db.get_bind().dialect.name == "sqlite":
            # Take the write lock before reading: a second refresher waits, then finds nothing new.
            db.execute(update(MonevState).where(MonevState.id == 1).values(id=1))
        state = db.scalars(select(MonevState).where(MonevState.id == 1)
                           .with_for_update(skip_locked=True)).first()
        if state is None:
            if db.get(MonevState, 1) is not None:
                return RefreshResult(skipped=True)
            state = MonevState(id=1)
            db.add(state)
        if full or state.watermark is None:
            result = _rebuild_all(db)
        else:
            changed = db.execute(select(_c.received_on, _c.instansi_id, _c.region_id)
                                 .where(_c.updated_at >= state.watermark).distinct()).all()
            stale = [tuple(row) for row in db.execute(select(MonevStale.day, MonevStale.instansi_id))]
            pairs = {(day, inst) for day, inst, _region in changed if inst is not None} | set(stale)
            _rebuild(db, sorted(pairs))
            # A changed complaint's (day, region), routed or not: triage routing it is a change, so the
            # region's day loses it here (a complaint's region never changes, so no stale mark is needed).
            _rebuild_unrouted(db, sorted({(day, region) for day, _inst, region in changed}))
            # A mark older than the overlap committed before this read began, so this rebuild saw
            # the transfer; a younger one stays for the next refresh, like a recent complaint change.
            db.execute(delete(MonevStale).where((MonevStale.marked_at < now - overlap)
                                                | MonevStale.marked_at.is_(None)))
            result = RefreshResult(pairs=len(pairs))
        # Every change stamped before now - overlap has committed by now (a transaction is shorter than
        # the overlap), so this read saw it; the next refresh starts there. The mark follows this
        # refresh's clock, not the newest stamp seen: a stamp from a clock ahead of ours must not make
        # the next refresh skip changes made in between.
        state.watermark = now - overlap
        state.refreshed_at = now
        return result


def last_refreshed(session: Session) -> datetime | None:
    return session.scalar(select(MonevState.refreshed_at).where(MonevState.id == 1))


def _rebuild_all(db: Session) -> RefreshResult:
    db.execute(delete(MonevStale))
    db.execute(delete(MonevDaily))
    db.execute(delete(MonevChannel))
    db.execute(delete(MonevUnrouted))
    db.execute(_insert(None))
    db.execute(_insert_channels(None))
    db.execute(_insert_unrouted(None))
    return RefreshResult(full=True, pairs=db.scalar(select(func.count()).select_from(MonevDaily)) or 0)


def _rebuild(db: Session, pairs: Sequence[tuple[date, int]]) -> None:
    for batch in _batches(pairs):
        db.execute(delete(MonevDaily).where(tuple_(MonevDaily.day, MonevDaily.instansi_id).in_(batch)))
        db.execute(_insert(batch))
        db.execute(delete(MonevChannel).where(tuple_(MonevChannel.day, MonevChannel.instansi_id).in_(batch)))
        db.execute(_insert_channels(batch))


def _rebuild_unrouted(db: Session, pairs: Sequence[tuple[date, int]]) -> None:
    for batch in _batches(pairs):
        db.execute(delete(MonevUnrouted).where(tuple_(MonevUnrouted.day, MonevUnrouted.region_id).in_(batch)))
        db.execute(_insert_unrouted(batch))


def _insert(pairs: Sequence[tuple[date, int]] | None):
    # A report waiting for triage has no instansi yet: it is counted once it is routed (until then only
    # the reports per channel count it, from monev_unrouted).
    query = select(_c.received_on, _c.instansi_id, *_COLUMNS.values()).where(_c.instansi_id.is_not(None))
    if pairs is not None:
        query = query.where(tuple_(_c.received_on, _c.instansi_id).in_(pairs))
    query = query.group_by(_c.received_on, _c.instansi_id)
    names = ["day", "instansi_id", *_COLUMNS]
    return insert(MonevDaily).from_select(names, query)


def _insert_channels(pairs: Sequence[tuple[date, int]] | None):
    """The same (day, instansi) counted per channel, the website's left out (the day's total less the rest)."""
    query = select(_c.received_on, _c.instansi_id, _c.channel, func.count()).where(
        _c.instansi_id.is_not(None), _c.channel != WEB)
    if pairs is not None:
        query = query.where(tuple_(_c.received_on, _c.instansi_id).in_(pairs))
    query = query.group_by(_c.received_on, _c.instansi_id, _c.channel)
    return insert(MonevChannel).from_select(["day", "instansi_id", "channel", "received"], query)


def _insert_unrouted(pairs: Sequence[tuple[date, int]] | None):
    """Reports waiting for triage (no instansi) per (day, region) and channel, the website's included:
    nothing else counts them until they are routed. Read through the partial index on unrouted complaints."""
    query = select(_c.received_on, _c.region_id, _c.channel, func.count()).where(_c.instansi_id.is_(None))
    if pairs is not None:
        query = query.where(tuple_(_c.received_on, _c.region_id).in_(pairs))
    query = query.group_by(_c.received_on, _c.region_id, _c.channel)
    return insert(MonevUnrouted).from_select(["day", "region_id", "channel", "received"], query)


def _batches(items: Sequence, size: int = BATCH) -> Iterable[list]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]
