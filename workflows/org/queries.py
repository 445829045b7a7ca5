"""Read queries over the organisation: the lists pages and the API offer, within an officer's scope."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..accounts.scope import instansi_filter
from ..orm import find
from .models import Instansi, Region, Unit
from .tree import region_and_children

DEFAULT_ZONE = "Asia/Jakarta"  # WIB: where no region says otherwise


def regions(session: Session) -> list[Region]:
    return list(session.scalars(select(Region).order_by(Region.code)))


def provinces(session: Session, by_name: bool = False) -> list[Region]:
    order = Region.name if by_name else Region.code
    return list(session.scalars(select(Region).where(Region.parent_id.is_(None)).order_by(order)))


def region(session: Session, region_id: int) -> Region | None:
    return find(session, Region, region_id)


def region_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """Region names by code (a process variant is named by its region's code)."""
    wanted = [c for c in codes if c]
    if not wanted:
        return {}
    return dict(session.execute(select(Region.code, Region.name).where(Region.code.in_(wanted))).all())


def instansi(session: Session) -> list[Instansi]:
    return list(session.scalars(select(Instansi).order_by(Instansi.name)))


def instansi_except(session: Session, instansi_id: int | None) -> list[Instansi]:
    """Every instansi but one (where a complaint can be transferred to); all while it has none (triage)."""
    stmt = select(Instansi).order_by(Instansi.name)
    if instansi_id is not None:
        stmt = stmt.where(Instansi.id != instansi_id)
    return list(session.scalars(stmt))


def instansi_in_scope(session: Session, user: User, province_id: int | None = None) -> list[Instansi]:
    """The instansi an officer's scope covers, optionally only those of one province (and its regencies)."""
    stmt = select(Instansi).where(instansi_filter(user)).order_by(Instansi.name)
    if province_id is not None:
        in_province = region_and_children(province_id)
        stmt = stmt.where(Instansi.region_id.in_(in_province))
    return list(session.scalars(stmt))


def units(session: Session, instansi_ids: int | Iterable[int] | None, active_only: bool = False) -> list[Unit]:
    """The units of one instansi, or of several, by name (``active_only``: those still offered for new work)."""
    if instansi_ids is None:
        return []
    ids = [instansi_ids] if isinstance(instansi_ids, int) else list(instansi_ids)
    if not ids:
        return []
    stmt = select(Unit).where(Unit.instansi_id.in_(ids)).order_by(Unit.name)
    if active_only:
        stmt = stmt.where(Unit.active.is_(True))
    return list(session.scalars(stmt))


def zones(session: Session, region_ids: Iterable[int | None]) -> dict[int | None, str]:
    """The time zone of each region (one query), for showing times as the region reads them."""
    wanted = {r for r in region_ids if r is not None}
    found: dict[int | None, str] = {None: DEFAULT_ZONE}
    if wanted:
        found.update(dict(session.execute(select(Region.id, Region.timezone).where(Region.id.in_(wanted))).all()))
    return found
