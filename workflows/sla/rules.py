"""Changing the SLA rules of a region (or the national ones): time limits, days off, escalation chains.

* **Who**: the Admin Nasional changes the national rules and any region's; an Admin Koordinator
  changes their own region's and, for a province, those of its regencies and cities (the scope
  matrix in docs/domain.md). The CLI (``aduan sla …``) is the operator's and may change any.
* **Within the national rules**: the regulation's limits are maxima, so a region may make a limit
  stricter than the one it inherits (its province's, else the national one), never looser; a
  longer limit is refused naming the limit above it.
* **From a date**: a limit takes effect for steps started on or after ``effective_from``; a step
  already running keeps the limit it started with.
* **History**: every change is appended to ``rule_changes`` (who, when, old -> new).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session

from sla.calendar import Limit

from ..accounts.models import User
from ..accounts.roles import ADMIN_KOORDINATOR, ADMIN_NASIONAL, OFFICER_ROLES
from ..errors import Forbidden, Invalid, NotFound
from ..org.models import Region
from .models import CalendarOverride, EscalationLevel, RuleChange, SlaLimit
from .policy import DEFAULT_LIMITS, TIERED_STEPS, SlaPolicy, seconds_of

STEPS = sorted({step for step, _tier in DEFAULT_LIMITS})
TIERS = sorted({tier for _step, tier in DEFAULT_LIMITS if tier})
LIMIT_FORMAT = "<n>WD | <n>WH"
MAX_NOTE = 200
MAX_LEVELS = 6
CHAIN_ORDER = ("pejabat_penghubung", "admin_instansi", "admin_koordinator", "admin_nasional")  # upwards
MAX_YEARS_AHEAD = 5
MAX_LIMIT = Limit(400, "WD")  # no step of the regulation comes near it; keeps due-date arithmetic bounded


def region_by_code(session: Session, code: str | None) -> Region | None:
    if not code:
        return None
    region = session.scalars(select(Region).where(Region.code == code)).first()
    if region is None:
        raise NotFound("no such region")
    return region


def may_edit(user: User | None, region: Region | None) -> bool:
    """``user`` None is the operator at the command line."""
    if user is None or user.role == ADMIN_NASIONAL:
        return True
    if user.role != ADMIN_KOORDINATOR or region is None or user.region_id is None:
        return False
    return region.id == user.region_id or region.parent_id == user.region_id


def require_edit(user: User | None, region: Region | None) -> None:
    if not may_edit(user, region):
        raise Forbidden("you may not change the rules of this region")




def set_limit(session: Session, policy: SlaPolicy, step: str, limit: str, tier: str = "",
              region: Region | None = None, *, user: User | None = None, effective_from: date | None = None,
              now: datetime) -> SlaLimit:
    """Set the limit of ``step`` (and ``tier``) for ``region`` (None: national) from
    ``effective_from`` (default: today in the region), refused whole if anything is wrong."""
    require_edit(user, region)
    errors = _limit_errors(step, tier, limit)
    parsed = None if "limit" in errors else Limit.parse(limit)
    today = now.astimezone(policy.calendar(region.id if region else None).zone).date()
    effective_from = effective_from or today
    errors.update(_date_errors("effective_from", effective_from, today))
    if errors:
        raise Invalid(errors)
    tier = tier if step in TIERED_STEPS else ""
    region_id = region.id if region else None
    if region is not None:
        above, source = policy.limit_and_source(region.parent_id, step, tier, on=effective_from)
        source = "province" if isinstance(source, int) else "national" if source is None else "regulation"
    else:
        above, source = Limit.parse(DEFAULT_LIMITS[(step, tier)]), "regulation"
    if seconds_of(parsed) > seconds_of(above):
        raise Invalid({"limit": [("looser_than_above", {"above": str(above), "source": source})]})
    row = session.scalars(select(SlaLimit).where(_scope(SlaLimit.region_id, region_id), SlaLimit.step == step,
                                                 SlaLimit.tier == tier,
                                                 SlaLimit.effective_from == effective_from)).first()
    old = policy.limit(region_id, step, tier, on=effective_from)
    if row is not None and row.limit == str(parsed):
        return row  # nothing changes: nothing to record
    if row is None:
        row = SlaLimit(region_id=region_id, step=step, tier=tier, effective_from=effective_from)
        session.add(row)
    row.limit, row.set_by_id, row.set_at = str(parsed), user.id if user else None, now
    _log(session, region_id, "limit", step + (f"/{tier}" if tier else ""), str(old), str(parsed), user, now,
         effective_from)
    session.flush()
    _refresh_after_commit(session, policy)
    return row


def _date_errors(name: str, day: date, today: date) -> dict[str, list]:
    """A rule's date: from today (running complaints keep their rules) up to a few years ahead."""
    if day < today:
        return {name: [("in_the_past", {"today": today.isoformat()})]}
    if day.year > today.year + MAX_YEARS_AHEAD:
        return {name: [("too_far", {"years": MAX_YEARS_AHEAD})]}
    return {}


def check_limit(step: str, tier: str, limit: str) -> Limit:
    """The limit, if ``step``, ``tier`` and ``limit`` are well formed (422 naming the field otherwise)."""
    errors = _limit_errors(step, tier, limit)
    if errors:
        raise Invalid(errors)
    return Limit.parse(limit)


def _limit_errors(step: str, tier: str, limit: str) -> dict[str, list]:
    errors: dict[str, list] = {}
    if step not in STEPS:
        errors["step"] = [("not_one_of", {"choices": STEPS})]
    if step in TIERED_STEPS and tier not in TIERS:
        errors["tier"] = [("not_one_of", {"choices": TIERS})]
    try:
        if seconds_of(Limit.parse(limit)) > seconds_of(MAX_LIMIT):
            errors["limit"] = [("too_large", {"max": str(MAX_LIMIT)})]
    except (ValueError, TypeError, AttributeError):
        errors["limit"] = [("limit_format", {"format": LIMIT_FORMAT})]
    return errors


def inherit_limit(session: Session, policy: SlaPolicy, step: str, tier: str, region: Region | None, *,
                  user: User | None = None, now: datetime) -> None:
    """Drop the region's own limits for ``step``/``tier`` (also those scheduled): it inherits again."""
    region = _inheriting(region)
    require_edit(user, region)
    tier = tier if step in TIERED_STEPS else ""
    rows = list(session.scalars(select(SlaLimit).where(SlaLimit.region_id == region.id, SlaLimit.step == step,
                                                       SlaLimit.tier == tier)))
    if not rows:
        raise NotFound("this region sets no limit of its own for this step")
    old = ", ".join(f"{r.limit} ({r.effective_from})" if r.effective_from.year > 2000 else r.limit for r in rows)
    for row in rows:
        session.delete(row)
    _log(session, region.id, "limit", step + (f"/{tier}" if tier else ""), old, "", user, now, None)
    session.flush()
    _refresh_after_commit(session, policy)


def inherit_chain(session: Session, policy: SlaPolicy, region: Region | None, *, user: User | None = None,
                  now: datetime) -> None:
    """Drop the region's own escalation chain: it inherits its province's or the national one again."""
    region = _inheriting(region)
    require_edit(user, region)
    rows = list(session.scalars(select(EscalationLevel).where(EscalationLevel.region_id == region.id)
                                .order_by(EscalationLevel.position)))
    if not rows:
        raise NotFound("this region sets no escalation chain of its own")
    old = " -> ".join(f"{r.role} ({r.after})" for r in rows)
    session.execute(delete(EscalationLevel).where(EscalationLevel.region_id == region.id))
    _log(session, region.id, "chain", "chain", old, "", user, now, None)
    session.flush()
    _refresh_after_commit(session, policy)


def set_day(session: Session, policy: SlaPolicy, day: date, kind: str, region: Region | None = None,
            note: str = "", *, user: User | None = None, now: datetime) -> CalendarOverride:
    """kind 'off' adds a day off; 'on' cancels a holiday (a working day after all)."""
    require_edit(user, region)
    errors: dict[str, list] = {}
    if kind not in ("off", "on"):
        errors["kind"] = [("not_one_of", {"choices": ["off", "on"]})]
    if not isinstance(day, date):
        errors["day"] = [("not_a_date", {})]
    elif user is not None:  # (the operator may record a past calendar, e.g. when importing history)
        errors.update(_date_errors("day", day, now.astimezone(policy.calendar(region.id if region else None)
                                                                  .zone).date()))
    if len(note or "") > MAX_NOTE:
        errors["note"] = [("too_long", {"max": MAX_NOTE})]
    if errors:
        raise Invalid(errors)
    region_id = region.id if region else None
    row = session.scalars(select(CalendarOverride).where(_scope(CalendarOverride.region_id, region_id),
                                                         CalendarOverride.day == day)).first()
    old = row.kind if row else ""
    if row is not None and row.kind == kind and row.note == note:
        return row  # nothing changes
    if row is None:
        row = CalendarOverride(region_id=region_id, day=day, kind=kind, note=note, created_at=now)
        session.add(row)
    row.kind, row.note = kind, note
    _log(session, region_id, "day", day.isoformat(), old, kind + (f" ({note})" if note else ""), user, now, day)
    session.flush()
    _refresh_after_commit(session, policy)
    return row


def remove_day(session: Session, policy: SlaPolicy, day: date, region: Region | None = None, *,
               user: User | None = None, now: datetime) -> None:
    require_edit(user, region)
    region_id = region.id if region else None
    row = session.scalars(select(CalendarOverride).where(_scope(CalendarOverride.region_id, region_id),
                                                         CalendarOverride.day == day)).first()
    if row is None:
        raise NotFound("no such day in this region's calendar")
    _log(session, region_id, "day", day.isoformat(), row.kind, "", user, now, day)
    session.delete(row)
    session.flush()
    _refresh_after_commit(session, policy)


def chain_problems(levels: list[tuple[str, str]]) -> list[tuple[str, dict]]:
    """What is wrong with an escalation chain (unknown roles, bad limits, not upwards, too long)."""
    problems = []
    for position, (role, after) in enumerate(levels, start=1):
        if role not in OFFICER_ROLES:
            problems.append(("unknown_role_at", {"level": position, "role": role, "choices": list(OFFICER_ROLES)}))
        try:
            if seconds_of(Limit.parse(after)) > seconds_of(MAX_LIMIT):
                problems.append(("limit_format_at", {"level": position, "value": after, "format": LIMIT_FORMAT}))
        except (ValueError, TypeError, AttributeError):
            problems.append(("limit_format_at", {"level": position, "value": after, "format": LIMIT_FORMAT}))
    ranks = [CHAIN_ORDER.index(role) for role, _after in levels if role in CHAIN_ORDER]
    if len(ranks) == len(levels) and any(a >= b for a, b in zip(ranks, ranks[1:])):
        problems.append(("chain_order", {"order": list(CHAIN_ORDER)}))
    if not levels:
        problems.append(("required", {}))
    elif len(levels) > MAX_LEVELS:
        problems.append(("too_many", {"max": MAX_LEVELS}))
    return problems


def set_chain(session: Session, policy: SlaPolicy, levels: list[tuple[str, str]], region: Region | None = None,
              *, user: User | None = None, now: datetime) -> list[EscalationLevel]:
    """Replace a region's escalation chain: [(role, after), ...] from the unit upwards."""
    require_edit(user, region)
    problems = chain_problems(levels)
    if problems:
        raise Invalid({"chain": problems})
    region_id = region.id if region else None
    old = " -> ".join(f"{role} ({after})" for role, after in policy.chain(region_id))
    session.execute(delete(EscalationLevel).where(_scope(EscalationLevel.region_id, region_id)))
    rows = [EscalationLevel(region_id=region_id, position=i, role=role, after=str(Limit.parse(after)))
            for i, (role, after) in enumerate(levels, start=1)]
    session.add_all(rows)
    _log(session, region_id, "chain", "chain", old, " -> ".join(f"{r.role} ({r.after})" for r in rows), user, now,
         None)
    session.flush()
    _refresh_after_commit(session, policy)
    return rows


def history(session: Session, region: Region | None, kinds: tuple[str, ...] = ("limit", "day", "chain"),
            limit: int = 50) -> list[tuple[RuleChange, str | None]]:
    """The region's changes of ``kinds`` (the rules by default; ``("plan",)`` its action plans), newest
    first, with who made them."""
    rows = session.execute(select(RuleChange, User.full_name).outerjoin(User, User.id == RuleChange.changed_by_id)
                           .where(_scope(RuleChange.region_id, region.id if region else None),
                                  RuleChange.kind.in_(kinds))
                           .order_by(RuleChange.id.desc()).limit(limit)).all()
    return [(change, name) for change, name in rows]


def _inheriting(region: Region | None) -> Region:
    """Only a region inherits; the national rules have nothing above them but the regulation."""
    if region is None:
        raise Invalid({"region": [("required", {})]})
    return region


def _refresh_after_commit(session: Session, policy: SlaPolicy) -> None:
    """The policy re-reads the rules once this transaction has committed (read before, in another
    session, it would cache the rules without this change)."""
    policy.invalidate()
    event.listen(session, "after_commit", lambda _session: policy.invalidate(), once=True)


def _scope(column, region_id: int | None):
    return column.is_(None) if region_id is None else column == region_id


def _log(session: Session, region_id: int | None, kind: str, rule: str, old: str, new: str, user: User | None,
         now: datetime, effective_from: date | None) -> None:
    session.add(RuleChange(region_id=region_id, kind=kind, rule=rule, old=old, new=new,
                           effective_from=effective_from, changed_by_id=user.id if user else None, changed_at=now))
