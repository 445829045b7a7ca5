"""A region's routing table: rows that suggest an instansi (and unit) for a category, optionally only
for reports mentioning some keywords or from one regency/city of a province.

Which rows apply to a complaint: its region's own, then its province's, then the national table; within
one table, rows with keywords or a sub-region come before plain category rows. The first matching row
wins (see :mod:`.dmn`, which writes them in that order as a DMN decision table).

The same people who change a region's time limits change its routing (``sla.rules.may_edit``); every
change is in the append-only history (``rule_changes``, kind ``routing``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..complaints.models import Category
from ..errors import Invalid, NotFound
from ..org.models import Instansi, Region, Unit
from ..orm import find
from ..sla.models import RuleChange
from ..sla.rules import may_edit, require_edit
from .models import RoutingRule

KIND = "routing"
__all__ = ["KIND", "RouteRow", "add_row", "applicable", "may_edit", "remove_row", "rows_for_page"]
MAX_KEYWORDS = 10
MAX_KEYWORD = 40
MAX_ROWS = 200  # per table: a table is read whole for every new report
_KEYWORD = re.compile(r"^[0-9a-z][0-9a-z \-]*$")


@dataclass(frozen=True)
class RouteRow:
    """A row as a page shows it: where it comes from, and the names of what it points to."""
    rule: RoutingRule
    source: str            # here | province | national
    sub_region: str | None
    instansi: str
    unit: str | None
    retired: bool = False  # its category or unit is retired: the row suggests nothing until it is replaced

    @property
    def keywords(self) -> list[str]:
        return split_keywords(self.rule.keywords)


def split_keywords(text: str) -> list[str]:
    """Comma-separated keywords, each with its inner spaces collapsed (the report's text is too)."""
    return [k for k in (" ".join(w.split()) for w in (text or "").split(",")) if k]


def applicable(session: Session, region: Region | None) -> list[tuple[RoutingRule, str]]:
    """The rows that apply to complaints of ``region`` (None: the national table alone), in the order
    they are tried, each with where it comes from."""
    tables: list[tuple[int | None, str]] = []
    if region is not None:
        tables.append((region.id, "here"))
        if region.parent_id is not None:
            tables.append((region.parent_id, "province"))
    tables.append((None, "national" if region is not None else "here"))
    wanted = [rid for rid, _ in tables if rid is not None]
    stmt = select(RoutingRule).where(or_(RoutingRule.region_id.in_(wanted), RoutingRule.region_id.is_(None))
                                     if wanted else RoutingRule.region_id.is_(None))
    rows = list(session.scalars(stmt))
    out: list[tuple[RoutingRule, str]] = []
    for region_id, source in tables:
        own = [r for r in rows if r.region_id == region_id]
        if region is not None and region_id == region.parent_id:
            own = [r for r in own if r.sub_region_id in (None, region.id)]
        own.sort(key=lambda r: (not (r.keywords or r.sub_region_id), r.category, r.id))
        out.extend((r, source) for r in own)
    return out


def rows_for_page(session: Session, region: Region | None) -> list[RouteRow]:
    """The rows in force for the region, with names, in the order they are tried. A province also sees its
    rows for one of its regencies, which apply there only."""
    rules = applicable(session, region)
    if region is not None and region.parent_id is None:  # a province: its sub-region rows too
        extra = session.scalars(select(RoutingRule).where(RoutingRule.region_id == region.id,
                                                          RoutingRule.sub_region_id.is_not(None)))
        seen = {r.id for r, _ in rules}
        rules = [(r, "here") for r in extra if r.id not in seen] + rules
    ids = {r.instansi_id for r, _ in rules}
    unit_ids = {r.unit_id for r, _ in rules if r.unit_id}
    region_ids = {r.sub_region_id for r, _ in rules if r.sub_region_id}
    instansi = dict(session.execute(select(Instansi.id, Instansi.name).where(Instansi.id.in_(ids))).all()) if ids else {}
    units = {uid: (name, active) for uid, name, active in session.execute(
        select(Unit.id, Unit.name, Unit.active).where(Unit.id.in_(unit_ids)))} if unit_ids else {}
    retired_categories = set(session.scalars(select(Category.code).where(Category.active.is_(False))))
    regions = dict(session.execute(select(Region.id, Region.name).where(Region.id.in_(region_ids))).all()) \
        if region_ids else {}
    return [RouteRow(r, source, regions.get(r.sub_region_id), instansi.get(r.instansi_id, "?"),
                     units[r.unit_id][0] if r.unit_id in units else None,
                     r.category in retired_categories or (r.unit_id in units and not units[r.unit_id][1]))
            for r, source in rules]


def add_row(session: Session, region: Region | None, *, category: str, instansi_id: int | None,
            unit_id: int | None = None, keywords: str = "", sub_region: str | None = None,
            user: User | None, now: datetime) -> RoutingRule:
    """Add a row to the region's table (None: the national one). Refused, naming the field: an unknown or
    retired category, an unknown instansi, a unit of another instansi or a retired one, keywords that are
    not short words, a sub-region that is not the province's regency/city, the same row twice."""
    require_edit(user, region)
    errors: dict[str, list] = {}
    category = (category or "").strip()
    known = session.get(Category, category) if category else None
    if known is None or not known.active:
        errors["category"] = [("unknown_category", {})] if category else [("required", {})]
    instansi = find(session, Instansi, instansi_id) if instansi_id is not None else None
    if instansi is None:
        errors["instansi_id"] = [("unknown_instansi", {})] if instansi_id is not None else [("required", {})]
    if unit_id is not None:
        unit = find(session, Unit, unit_id)
        if unit is None or not unit.active or (instansi is not None and unit.instansi_id != instansi.id):
            errors["unit_id"] = [("unknown_unit", {})]
    words = sorted(dict.fromkeys(w.lower() for w in split_keywords(keywords)))  # (order does not matter)
    if (keywords or "").strip() and not words:
        errors["keywords"] = [("bad_keyword", {"max": MAX_KEYWORD})]  # only commas: not "any text"
    elif len(words) > MAX_KEYWORDS:
        errors["keywords"] = [("too_many_keywords", {"max": MAX_KEYWORDS})]
    elif any(len(w) > MAX_KEYWORD or not _KEYWORD.match(w) for w in words):
        errors["keywords"] = [("bad_keyword", {"max": MAX_KEYWORD})]
    sub_region_id = None
    if sub_region:
        sub = session.scalars(select(Region).where(Region.code == sub_region.strip())).first()
        if sub is None or region is None or sub.parent_id != region.id:
            errors["sub_region"] = [("not_a_sub_region", {})]
        else:
            sub_region_id = sub.id
    if not errors:
        normalized = ", ".join(words)
        same = session.scalars(select(RoutingRule).where(
            _table(region), RoutingRule.category == category, RoutingRule.keywords == normalized,
            RoutingRule.sub_region_id.is_(None) if sub_region_id is None
            else RoutingRule.sub_region_id == sub_region_id)).first()
        if same is not None:
            errors["category"] = [("duplicate_route", {})]
        elif _count(session, region) >= MAX_ROWS:
            errors["category"] = [("too_many_routes", {"max": MAX_ROWS})]
    if errors:
        raise Invalid(errors)
    row = RoutingRule(region_id=region.id if region else None, category=category, keywords=normalized,
                      sub_region_id=sub_region_id, instansi_id=instansi.id, unit_id=unit_id,
                      set_by_id=user.id if user else None, set_at=now)
    session.add(row)
    session.flush()
    _log(session, region, describe(session, row), user, now, rule=category, added=True)
    return row


def remove_row(session: Session, region: Region | None, row_id: int, *, user: User | None,
               now: datetime) -> None:
    """Remove one of the region's own rows (an inherited row is removed where it was set)."""
    require_edit(user, region)
    row = find(session, RoutingRule, row_id)
    if row is None or row.region_id != (region.id if region else None):
        raise NotFound("no such routing row in this region's table")
    text = describe(session, row)
    session.delete(row)
    _log(session, region, text, user, now, rule=row.category, added=False)


def describe(session: Session, row: RoutingRule) -> str:
    """A row in one line for the history: ``category [keywords] (sub-region) -> instansi / unit``."""
    instansi = session.get(Instansi, row.instansi_id)
    unit = session.get(Unit, row.unit_id) if row.unit_id else None
    sub = session.get(Region, row.sub_region_id) if row.sub_region_id else None
    text = row.category
    if row.keywords:
        text += f" [{row.keywords}]"
    if sub is not None:
        text += f" ({sub.name})"
    target = instansi.name if instansi else "?"
    if unit is not None:
        target += f" / {unit.name}"
    return f"{text} → {target}"[:500]


def _table(region: Region | None):
    return RoutingRule.region_id.is_(None) if region is None else RoutingRule.region_id == region.id


def _count(session: Session, region: Region | None) -> int:
    return session.scalar(select(func.count()).select_from(RoutingRule).where(_table(region))) or 0


def _log(session: Session, region: Region | None, text: str, user: User | None, now: datetime, *, rule: str,
         added: bool) -> None:
    session.add(RuleChange(region_id=region.id if region else None, kind=KIND, rule=rule,
                           old="" if added else text, new=text if added else "",
                           changed_by_id=user.id if user else None, changed_at=now))
