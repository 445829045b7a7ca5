"""Editing the SLA rules (limits, calendar overrides, escalation chains), with validation."""
from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sla.calendar import Limit

from ..accounts.roles import OFFICER_ROLES
from ..errors import Invalid, NotFound
from ..org.models import Region
from .models import CalendarOverride, EscalationLevel, SlaLimit
from .policy import DEFAULT_LIMITS, TIERED_STEPS

STEPS = sorted({step for step, _tier in DEFAULT_LIMITS})
TIERS = sorted({tier for _step, tier in DEFAULT_LIMITS if tier})


def region_by_code(session: Session, code: str | None) -> Region | None:
    if not code:
        return None
    region = session.scalars(select(Region).where(Region.code == code)).first()
    if region is None:
        raise NotFound(f"no region with code {code!r}")
    return region


def set_limit(session: Session, step: str, limit: str, tier: str = "", region: Region | None = None) -> SlaLimit:
    errors = {}
    if step not in STEPS:
        errors["step"] = [("not_one_of", {"choices": STEPS})]
    if step in TIERED_STEPS and tier not in TIERS:
        errors["tier"] = [("not_one_of", {"choices": TIERS})]
    try:
        parsed = Limit.parse(limit)
    except ValueError:
        errors["limit"] = [("not_one_of", {"choices": ["<n>WD", "<n>WH"]})]
    if errors:
        raise Invalid(errors)
    tier = tier if step in TIERED_STEPS else ""
    region_id = region.id if region else None
    row = session.scalars(select(SlaLimit).where(SlaLimit.region_id.is_(region_id) if region_id is None
                                                 else SlaLimit.region_id == region_id,
                                                 SlaLimit.step == step, SlaLimit.tier == tier)).first()
    if row is None:
        row = SlaLimit(region_id=region_id, step=step, tier=tier, limit=str(parsed))
        session.add(row)
    row.limit = str(parsed)
    session.flush()
    return row


def set_day(session: Session, day: date, kind: str, region: Region | None = None, note: str = "") -> CalendarOverride:
    """kind 'off' adds a day off; 'on' cancels a holiday (a working day after all)."""
    if kind not in ("off", "on"):
        raise Invalid({"kind": [("not_one_of", {"choices": ["off", "on"]})]})
    region_id = region.id if region else None
    row = session.scalars(select(CalendarOverride).where(
        CalendarOverride.region_id.is_(None) if region_id is None else CalendarOverride.region_id == region_id,
        CalendarOverride.day == day)).first()
    if row is None:
        row = CalendarOverride(region_id=region_id, day=day, kind=kind, note=note)
        session.add(row)
    row.kind, row.note = kind, note
    session.flush()
    return row


def set_chain(session: Session, levels: list[tuple[str, str]], region: Region | None = None) -> list[EscalationLevel]:
    """Replace a region's escalation chain: [(role, after), ...] from the unit upwards."""
    errors = {}
    for role, after in levels:
        if role not in OFFICER_ROLES:
            errors["chain"] = [("not_one_of", {"choices": list(OFFICER_ROLES)})]
        try:
            Limit.parse(after)
        except ValueError:
            errors["chain"] = [("not_one_of", {"choices": ["<role>:<n>WD"]})]
    if not levels:
        errors["chain"] = [("required", {})]
    if errors:
        raise Invalid(errors)
    region_id = region.id if region else None
    session.execute(delete(EscalationLevel).where(
        EscalationLevel.region_id.is_(None) if region_id is None else EscalationLevel.region_id == region_id))
    rows = [EscalationLevel(region_id=region_id, position=i, role=role, after=str(Limit.parse(after)))
            for i, (role, after) in enumerate(levels, start=1)]
    session.add_all(rows)
    session.flush()
    return rows
