"""What the routing page reads: the table in force, what a new row may name, the DMN document, the history."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..accounts.roles import ADMIN_NASIONAL
from ..complaints import categories
from ..complaints.models import Category
from ..org import queries as org
from ..org.models import Instansi, Region, Unit
from ..org.units import may_manage
from ..sla.rules import history
from . import dmn
from .table import RouteRow, applicable, may_edit, rows_for_page

HISTORY_KINDS = ("routing", "category", "unit")


@dataclass
class RoutingPage:
    region: Region | None
    rows: list[RouteRow]
    editable: bool
    categories: list[Category]
    may_manage_categories: bool
    instansi: list[Instansi]           # what a row may point to
    units: list[Unit]                  # of those instansi (the page filters them by the chosen instansi)
    sub_regions: list[Region]          # a province's regencies/cities
    managed_instansi: list[Instansi]   # whose units the officer may manage
    managed_units: list[Unit]
    history: list


def page(session: Session, user: User, region: Region | None) -> RoutingPage:
    everything = org.instansi(session)
    managed = [i for i in everything if may_manage(session, user, i)] if user.role != ADMIN_NASIONAL \
        else everything
    sub_regions = list(session.scalars(select(Region).where(Region.parent_id == region.id).order_by(Region.name))) \
        if region is not None and region.parent_id is None else []
    managed_ids = {i.id for i in managed}
    all_units = org.units(session, [i.id for i in everything])
    return RoutingPage(
        region=region, rows=rows_for_page(session, region), editable=may_edit(user, region),
        categories=categories.listed(session), may_manage_categories=user.role == ADMIN_NASIONAL,
        instansi=everything, units=[u for u in all_units if u.active], sub_regions=sub_regions,
        managed_instansi=managed, managed_units=[u for u in all_units if u.instansi_id in managed_ids],
        history=history(session, region, HISTORY_KINDS))


def dmn_document(session: Session, region: Region | None) -> str:
    """The DMN the SOP evaluates for a report from ``region`` (a province's own reports: its table, then
    the national one)."""
    title = f"Tabel rute {region.name}" if region is not None else "Tabel rute nasional"
    return dmn.document(applicable(session, region), title)
