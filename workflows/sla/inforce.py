"""What is in force for a region's complaints, rule by rule, and where each rule comes from.

For every time limit (step and tier), the calendar (time zone, working hours, days off), the
escalation chain and the SOP version: the value in force on a day, and its source -- *set here*,
*inherited from the province* or *national* (set by the national admin, or the regulation's
default) -- with who set it and when, and the changes already scheduled for later dates. Plus the
due-date preview: a complaint arriving at a moment, when is each step due.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sla.calendar import BusinessCalendar, Limit, WorkingHours

from ..accounts.models import User
from ..accounts.roles import ADMIN_INSTANSI, ADMIN_NASIONAL
from ..errors import Forbidden
from ..org.models import Instansi, Region
from ..orm import find
from .models import CalendarOverride, EscalationLevel, SlaLimit
from .policy import DEFAULT_LIMITS, SlaPolicy, seconds_of, strictest
from .rules import may_edit, region_by_code

HERE, PROVINCE, NATIONAL, DEFAULT = "here", "province", "national", "default"


@dataclass(frozen=True)
class LimitInForce:
    step: str
    tier: str
    limit: str
    source: str                       # here | province | national | default (the regulation)
    set_by: str | None
    set_at: datetime | None
    effective_from: date | None
    scheduled: list[tuple[date, str]]  # this region's own changes from a later date
    overridden: str | None = None      # this region's own limit, not in force: a rule above is stricter


@dataclass(frozen=True)
class DayOff:
    day: date
    kind: str          # off | on | holiday
    name: str
    source: str


@dataclass
class RulesInForce:
    region: Region | None
    on: date
    editable: bool
    timezone: str
    working_hours: str
    limits: list[LimitInForce] = field(default_factory=list)
    days: list[DayOff] = field(default_factory=list)
    chain: list[tuple[str, str]] = field(default_factory=list)
    chain_source: str = DEFAULT
    sop_version: int | None = None     # the SOP version the region's new complaints start on
    sop_variant: str | None = None


@dataclass(frozen=True)
class DuePreview:
    step: str
    tier: str
    limit: str
    due_at: datetime


def visible_region(session: Session, user: User, code: str | None) -> Region | None:
    """The region ``code`` (None: national) if ``user`` may see its rules (403 otherwise)."""
    region = region_by_code(session, code)
    if not may_view(user, region, session):
        raise Forbidden("you may not see the rules of this region")
    return region


def home_region(session: Session, user: User) -> str | None:
    """The region a rules page opens on: national for whoever may see it, else the officer's own
    region (an Admin Instansi: its instansi's)."""
    if may_view(user, None, session):
        return None
    region_id = user.region_id
    if region_id is None and user.instansi_id is not None:
        instansi = find(session, Instansi, user.instansi_id)
        region_id = instansi.region_id if instansi else None
    region = find(session, Region, region_id) if region_id else None
    return region.code if region else None


def regions_for(session: Session, user: User) -> list[Region]:
    """The regions whose rules ``user`` may see, provinces each followed by their regencies."""
    regions = list(session.scalars(select(Region).order_by(Region.code)))
    return [r for r in regions if may_view(user, r, session)]


def may_view(user: User, region: Region | None, session: Session) -> bool:
    """The editors, and an Admin Instansi for its own instansi's region and province (read only)."""
    if user.role == ADMIN_NASIONAL or (region is not None and may_edit(user, region)):
        return True
    if region is None:
        return may_edit(user, None)
    if user.role == ADMIN_INSTANSI and user.instansi_id is not None:
        instansi = find(session, Instansi, user.instansi_id)
        own = instansi.region if instansi else None
        return own is not None and region.id in (own.id, own.parent_id)
    return False


def in_force(session: Session, policy: SlaPolicy, user: User | None, region: Region | None, on: date,
             language: str | None = None) -> RulesInForce:
    """``language``: of the holiday names (the ``holidays`` package's, e.g. 'id'; English when None)."""
    region_id = region.id if region else None
    lineage = policy.lineage(region_id)
    calendar = policy.calendar(region_id)
    hours = WorkingHours()
    found = RulesInForce(region, on, may_edit(user, region), calendar.tz,
                         f"{hours.start:%H:%M}-{hours.end:%H:%M}")
    rows: dict[tuple[int | None, str, str], list[SlaLimit]] = {}
    for row in session.scalars(select(SlaLimit).where(SlaLimit.region_id.in_([s for s in lineage if s is not None])
                                                      | SlaLimit.region_id.is_(None))
                               .order_by(SlaLimit.effective_from.desc())):
        rows.setdefault((row.region_id, row.step, row.tier or ""), []).append(row)
    setters = {r.set_by_id for found_rows in rows.values() for r in found_rows if r.set_by_id}
    names = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(setters))).all()) if setters else {}
    for step, tier in sorted(DEFAULT_LIMITS):
        # read in this session (the policy's cache would not yet see a change made in this transaction)
        limit, scope = strictest(DEFAULT_LIMITS[(step, tier)], [
            (s, next((r.limit for r in rows.get((s, step, tier), []) if r.effective_from <= on), None))
            for s in reversed(lineage)])
        chosen = None if scope == "default" else next(
            (r for r in rows.get((scope, step, tier), []) if r.effective_from <= on), None)
        source = DEFAULT if scope == "default" else _source(scope, region_id)
        own = next((r for r in rows.get((region_id, step, tier), []) if r.effective_from <= on), None)
        scheduled = sorted((r.effective_from, r.limit) for r in rows.get((region_id, step, tier), [])
                           if r.effective_from > on)
        found.limits.append(LimitInForce(
            step, tier, str(limit), source,
            names.get(chosen.set_by_id) if chosen else None, chosen.set_at if chosen else None,
            chosen.effective_from if chosen and chosen.effective_from.year > 2000 else None, scheduled,
            own.limit if own is not None and own is not chosen else None))
    overrides = {}
    for scope in reversed(lineage):  # national first: the nearest wins
        for row in session.scalars(select(CalendarOverride).where(
                CalendarOverride.region_id.is_(None) if scope is None else CalendarOverride.region_id == scope)):
            if row.day.year >= on.year:
                overrides[row.day] = DayOff(row.day, row.kind, row.note, _source(scope, region_id))
    names_of = BusinessCalendar(calendar.tz, language=language) if language else calendar
    holidays = {d: DayOff(d, "holiday", name, DEFAULT) for year in (on.year, on.year + 1)
                for d, name in names_of.holidays(year).items()}
    found.days = sorted({**holidays, **overrides}.values(), key=lambda d: d.day)
    found.days = [d for d in found.days if d.day >= on.replace(month=1, day=1)]
    for scope in lineage:
        levels = list(session.scalars(select(EscalationLevel).where(
            EscalationLevel.region_id.is_(None) if scope is None else EscalationLevel.region_id == scope)
            .order_by(EscalationLevel.position)))
        if levels:
            found.chain = [(level.role, level.after) for level in levels]
            found.chain_source = _source(scope, region_id)
            break
    return found


def preview(policy: SlaPolicy, region: Region | None, arrival: datetime,
            change: tuple[str, str, str] | None = None, effective_from: date | None = None) -> list[DuePreview]:
    """When each step would be due for a complaint arriving at ``arrival`` (each step taken as
    starting then), with ``change`` = (step, tier, limit) applied as if saved from ``effective_from``
    (the strictest rule still wins, as it would once saved)."""
    region_id = region.id if region else None
    calendar = policy.calendar(region_id)
    on = arrival.astimezone(calendar.zone).date()
    result = []
    for step, tier in sorted(DEFAULT_LIMITS):
        limit = policy.limit(region_id, step, tier, on=on)
        if change is not None and change[0] == step and (change[1] or "") == tier \
                and (effective_from is None or on >= effective_from):
            above = (policy.limit(region.parent_id, step, tier, on=on) if region is not None
                     else Limit.parse(DEFAULT_LIMITS[(step, tier)]))
            limit = min(Limit.parse(change[2]), above, key=seconds_of)
        result.append(DuePreview(step, tier, str(limit), calendar.due(arrival, limit)))
    return result


def _source(scope: int | None, region_id: int | None) -> str:
    if scope is None:
        return NATIONAL
    return HERE if scope == region_id else PROVINCE
