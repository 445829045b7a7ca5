"""Writing and reading action plans (rencana aksi).

* Who: a region's plan is written by whoever may change that region's rules (its Admin Koordinator,
  the Admin Nasional); an instansi's plan also by its own Admin Instansi.
* Targets: shares (0-100 %) for the monev indicators, a count for socialisation events (achieved
  counted by hand). Every change goes to the rules' append-only history (kind ``plan``).
* Progress: each target against the actual figure monev measures for the plan's scope; a target
  not reached is *behind plan*.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..accounts.roles import ADMIN_INSTANSI
from ..errors import Forbidden, Invalid, NotFound
from ..org.models import Instansi, Region, Unit
from ..orm import find
from ..sla.inforce import visible_region
from ..sla.models import RuleChange
from ..sla.rules import may_edit
from .models import ActionPlan, PlanActivity, PlanTarget

SHARES = ("follow_up_share", "verify_on_time", "satisfaction", "account_activity", "connectedness")
COUNTS = ("socialisation_events",)
INDICATORS = SHARES + COUNTS
STATUSES = ("planned", "in_progress", "done", "dropped")
MAX_COUNT = 10_000
MIN_YEAR, MAX_YEAR = 2020, 2100


@dataclass(frozen=True)
class TargetProgress:
    indicator: str
    target: float
    actual: float | None
    behind: bool


def scope(session: Session, user: User, region_code: str, instansi_id: int | None) -> tuple[Region, Instansi | None]:
    """The region (visible to ``user``) and, when given, an instansi of it."""
    region = visible_region(session, user, region_code or None)
    if region is None:
        raise Invalid({"region": [("required", {})]})
    instansi = None
    if instansi_id is not None:
        instansi = find(session, Instansi, instansi_id)
        if instansi is None or instansi.region_id != region.id:
            raise Invalid({"instansi_id": [("unknown_instansi", {})]})
    return region, instansi


def may_write(session: Session, user: User, region: Region, instansi: Instansi | None) -> bool:
    if may_edit(user, region):
        return True
    return instansi is not None and user.role == ADMIN_INSTANSI and user.instansi_id == instansi.id


def plan_for(session: Session, year: int, region: Region, instansi: Instansi | None) -> ActionPlan | None:
    return session.scalars(select(ActionPlan).where(
        ActionPlan.year == year, ActionPlan.region_id == region.id,
        ActionPlan.instansi_id.is_(None) if instansi is None else ActionPlan.instansi_id == instansi.id)).first()


def targets(session: Session, plan: ActionPlan | None) -> dict[str, PlanTarget]:
    if plan is None:
        return {}
    return {t.indicator: t for t in session.scalars(select(PlanTarget).where(PlanTarget.plan_id == plan.id))}


def activities(session: Session, plan: ActionPlan | None) -> list[PlanActivity]:
    if plan is None:
        return []
    return list(session.scalars(select(PlanActivity).where(PlanActivity.plan_id == plan.id)
                                .order_by(PlanActivity.due_quarter, PlanActivity.id)))


def save_targets(session: Session, user: User, year: int, region: Region, instansi: Instansi | None,
                 wanted: dict[str, float | None], achieved: dict[str, float | None], now: datetime) -> ActionPlan:
    """Set (or clear, with None) the plan's targets; refused whole if any is out of range."""
    _require(session, user, region, instansi)
    errors = _check_year(year)
    for field, values in (("", wanted), ("_achieved", achieved)):
        for indicator, value in values.items():
            if indicator not in (INDICATORS if not field else COUNTS):
                errors[indicator + field] = [("not_one_of", {"choices": list(INDICATORS if not field else COUNTS)})]
            elif value is not None and not _in_range(indicator, value):
                errors[indicator + field] = [("out_of_range", {"max": 100 if indicator in SHARES else MAX_COUNT})]
            elif value is not None and indicator in COUNTS and value != int(value):
                errors[indicator + field] = [("whole_number", {})]
    if errors:
        raise Invalid(errors)
    plan = _plan(session, user, year, region, instansi, now)
    current = targets(session, plan)
    for indicator in INDICATORS:
        if indicator not in wanted and indicator not in achieved:
            continue
        row = current.get(indicator)
        value = wanted.get(indicator, row.target if row else None)
        done = achieved.get(indicator, row.achieved if row else None)
        old = _describe(row.target, row.achieved, indicator) if row else ""
        if value is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(PlanTarget(plan_id=plan.id, indicator=indicator, target=value, achieved=done))
        else:
            row.target, row.achieved = value, done
        new = _describe(value, done, indicator) if value is not None else ""
        if old != new:
            _log(session, plan, f"{year} {indicator}", old, new, user, now)
    session.flush()
    return plan


def add_activity(session: Session, user: User, year: int, region: Region, instansi: Instansi | None, what: str,
                 unit_id: int | None, due_quarter: int | None, now: datetime) -> PlanActivity:
    _require(session, user, region, instansi)
    what = (what or "").strip()
    errors = _check_year(year)
    if not what:
        errors["what"] = [("required", {})]
    elif len(what) > 300:
        errors["what"] = [("too_long", {"max": 300})]
    if due_quarter not in (1, 2, 3, 4):
        errors["due_quarter"] = [("not_one_of", {"choices": [1, 2, 3, 4]})]
    if unit_id is not None:
        unit = find(session, Unit, unit_id)
        if unit is None or (instansi is not None and unit.instansi_id != instansi.id):
            errors["unit_id"] = [("no_such_unit", {})]
    if errors:
        raise Invalid(errors)
    plan = _plan(session, user, year, region, instansi, now)
    activity = PlanActivity(plan_id=plan.id, what=what, unit_id=unit_id, due_quarter=due_quarter, updated_at=now)
    session.add(activity)
    _log(session, plan, f"{year} activity", "", f"{what} (Q{due_quarter})", user, now)
    session.flush()
    return activity


def update_activity(session: Session, user: User, activity_id: int, status: str, evidence: str,
                    now: datetime) -> PlanActivity:
    activity = find(session, PlanActivity, activity_id)
    if activity is None:
        raise NotFound("activity not found")
    plan = find(session, ActionPlan, activity.plan_id)
    _require(session, user, find(session, Region, plan.region_id),
             find(session, Instansi, plan.instansi_id) if plan.instansi_id else None)
    errors = {}
    if status not in STATUSES:
        errors["status"] = [("not_one_of", {"choices": list(STATUSES)})]
    evidence = (evidence or "").strip()
    if len(evidence) > 500:
        errors["evidence"] = [("too_long", {"max": 500})]
    if errors:
        raise Invalid(errors)
    old = activity.status
    activity.status, activity.evidence, activity.updated_at = status, evidence, now
    _log(session, plan, f"{plan.year} activity {activity.id}", old, status + (f" ({evidence})" if evidence else ""),
         user, now)
    session.flush()
    return activity


def progress(plan_targets: dict[str, PlanTarget], figures) -> list[TargetProgress]:
    """Each target against the actual: a share from monev's figures, a count as achieved by hand."""
    found = []
    for indicator in INDICATORS:
        row = plan_targets.get(indicator)
        if row is None:
            continue
        actual = row.achieved if indicator in COUNTS else (figures.indicator(indicator) if figures else None)
        found.append(TargetProgress(indicator, row.target, actual, actual is not None and actual < row.target))
    return found


def plan_in_view(session: Session, user: User, year: int, province_id: int | None,
                 instansi_id: int | None) -> tuple[str, ActionPlan | None] | None:
    """The plan whose scope a monev view shows: the chosen instansi's, the chosen province's, else the
    officer's own (an Admin Koordinator's region, an Admin Instansi's instansi). None: no single scope."""
    if instansi_id is None and province_id is None and user.role == ADMIN_INSTANSI:
        instansi_id = user.instansi_id
    if instansi_id is not None:
        instansi = find(session, Instansi, instansi_id)
        return (instansi.name, plan_for(session, year, instansi.region, instansi)) if instansi else None
    region_id = province_id or user.region_id
    region = find(session, Region, region_id) if region_id else None
    return (region.name, plan_for(session, year, region, None)) if region else None


def follow_up_targets(session: Session, year: int) -> dict[int, float]:
    """Each instansi's follow-up share target for ``year``: its own plan's, else its region's, else its
    province's (instansi without any plan are missing: the national target applies)."""
    rows = session.execute(select(ActionPlan.region_id, ActionPlan.instansi_id, PlanTarget.target)
                           .join(PlanTarget, PlanTarget.plan_id == ActionPlan.id)
                           .where(ActionPlan.year == year, PlanTarget.indicator == "follow_up_share")).all()
    by_instansi = {inst: target for _region, inst, target in rows if inst is not None}
    by_region = {region: target for region, inst, target in rows if inst is None}
    found = {}
    for inst_id, region_id, parent_id in session.execute(
            select(Instansi.id, Instansi.region_id, Region.parent_id).join(Region, Region.id == Instansi.region_id)):
        target = by_instansi.get(inst_id, by_region.get(region_id, by_region.get(parent_id)))
        if target is not None:
            found[inst_id] = target
    return found


def _plan(session: Session, user: User, year: int, region: Region, instansi: Instansi | None,
          now: datetime) -> ActionPlan:
    plan = plan_for(session, year, region, instansi)
    if plan is None:
        plan = ActionPlan(year=year, region_id=region.id, instansi_id=instansi.id if instansi else None,
                          created_by_id=user.id, created_at=now)
        session.add(plan)
        session.flush()
    return plan


def _require(session: Session, user: User, region: Region, instansi: Instansi | None) -> None:
    if not may_write(session, user, region, instansi):
        raise Forbidden("you may not change this action plan")


def _check_year(year: int) -> dict[str, list]:
    return {} if MIN_YEAR <= year <= MAX_YEAR else {"year": [("out_of_range", {"max": MAX_YEAR})]}


def _in_range(indicator: str, value: float) -> bool:
    return 0 <= value <= (1 if indicator in SHARES else MAX_COUNT)


def _describe(target: float, achieved: float | None, indicator: str) -> str:
    if indicator in SHARES:
        return f"{target * 100:g}%"
    return f"{target:g}" + (f" ({achieved:g})" if achieved is not None else "")  # target (achieved so far)


def _log(session: Session, plan: ActionPlan, rule: str, old: str, new: str, user: User, now: datetime) -> None:
    session.add(RuleChange(region_id=plan.region_id, kind="plan", rule=rule[:80], old=old[:500], new=new[:500],
                           changed_by_id=user.id, changed_at=now))
