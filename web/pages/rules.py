"""A region's rules page: what is in force for its complaints and where each rule comes from, with
forms to change limits (with a due-date preview before saving), days off and the escalation chain,
and the history of changes. The rules themselves live in ``workflows.sla.rules``."""
from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from workflows.errors import DomainError, Invalid
from workflows.processes.registry import NATIONAL_SOP
from workflows.sla import inforce
from workflows.sla import rules as sla_rules

from ..context import services, unit_of_work
from ..errors import page_error
from .common import current_officer, error_text, error_words, field_errors, officer_required, region_asked

bp = Blueprint("pages_rules", __name__)
LIMIT_FIELDS = ("step_tier", "limit", "effective_from", "arrival")


def _code() -> str | None:
    return region_asked()


def _date(name: str) -> date | None:
    text = (request.values.get(name) or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid({name: [("not_a_date", {})]}) from None


def _arrival(zone) -> datetime | None:
    text = (request.values.get("arrival") or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid({"arrival": [("not_a_moment", {})]}) from None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def _step_tier() -> tuple[str, str]:
    step, _slash, tier = (request.values.get("step_tier") or "").partition("/")
    return step, tier


@bp.get("/rules")
@officer_required
def page():
    errors, problem, previewed = {}, None, None
    values = {k: request.args.get(k, "") for k in LIMIT_FIELDS}
    if request.args.get("preview"):
        try:
            previewed = _preview()
        except Invalid as exc:
            errors, problem = field_errors(exc), error_text(exc)
        except DomainError as exc:
            problem = error_text(exc)
    return _render(errors, values, problem, previewed, 422 if errors else 200)


def _preview():
    aduan = services()
    with unit_of_work() as db:
        user = current_officer(db)
        region = inforce.visible_region(db, user, _code())
        zone = aduan.policy.calendar(region.id if region else None).zone
        arrival = _arrival(zone) or aduan.clock()
        step, tier = _step_tier()
        limit = (request.args.get("limit") or "").strip()
        change = None
        if limit:
            sla_rules.check_limit(step, tier, limit)
            change = (step, tier, limit)
        now = inforce.preview(aduan.policy, region, arrival)
        proposed = inforce.preview(aduan.policy, region, arrival, change)
        return {"arrival": arrival, "rows": list(zip(now, proposed))}


def _render(errors, values, problem, previewed, status):
    aduan = services()
    with unit_of_work() as db:
        user = current_officer(db)
        try:
            region = inforce.visible_region(db, user, _code())
        except DomainError as exc:
            return page_error(exc.status, exc.code, error_words(exc))
        zone = aduan.policy.calendar(region.id if region else None).zone
        today = aduan.clock().astimezone(zone).date()
        rules = inforce.in_force(db, aduan.policy, user, region, today, language=_holiday_language())
        sop = aduan.registry.active(db, NATIONAL_SOP, region)
        behind = aduan.designer.behind_national(db, NATIONAL_SOP, sop.variant)
        page = render_template(
            "rules/page.html", rules=rules, region=region, regions=inforce.regions_for(db, user),
            national_visible=inforce.may_view(user, None, db), sop=sop,
            history=sla_rules.history(db, region), behind=behind,
            errors=errors, values=values, problem=problem, previewed=previewed, zone=str(zone),
            notice=session.pop("notice", None), today=today)
    return page, status


def _after(action):
    """Run a change; on bad input render the page with the messages at their fields."""
    values = {k: request.form.get(k, "") for k in LIMIT_FIELDS}
    try:
        with unit_of_work() as db:
            user = current_officer(db)
            region = inforce.visible_region(db, user, _code())
            action(db, user, region)
    except Invalid as exc:
        return _render(field_errors(exc), values, error_text(exc), None, exc.status)
    except DomainError as exc:
        return _render({}, values, error_text(exc), None, exc.status)
    session["notice"] = _("Saved. The change is in the history below.")
    return redirect(url_for(".page", region=_code()))


@bp.post("/rules/limits")
@officer_required
def save_limit():
    aduan = services()
    step, tier = _step_tier()

    def action(db, user, region):
        sla_rules.set_limit(db, aduan.policy, step, (request.form.get("limit") or "").strip(), tier, region,
                            user=user, effective_from=_date("effective_from"), now=aduan.clock())
    return _after(action)


@bp.post("/rules/limits/inherit")
@officer_required
def inherit_limit():
    aduan = services()
    step, tier = _step_tier()

    def action(db, user, region):
        sla_rules.inherit_limit(db, aduan.policy, step, tier, region, user=user, now=aduan.clock())
    return _after(action)


@bp.post("/rules/chain/inherit")
@officer_required
def inherit_chain():
    aduan = services()

    def action(db, user, region):
        sla_rules.inherit_chain(db, aduan.policy, region, user=user, now=aduan.clock())
    return _after(action)


@bp.post("/rules/days")
@officer_required
def save_day():
    aduan = services()

    def action(db, user, region):
        day = _date("day")
        if day is None:
            raise Invalid({"day": [("required", {})]})
        if request.form.get("remove"):
            sla_rules.remove_day(db, aduan.policy, day, region, user=user, now=aduan.clock())
        else:
            sla_rules.set_day(db, aduan.policy, day, request.form.get("kind") or "", region,
                              (request.form.get("note") or "").strip(), user=user, now=aduan.clock())
    return _after(action)


@bp.post("/rules/chain")
@officer_required
def save_chain():
    aduan = services()

    def action(db, user, region):
        levels = []
        for role, after in zip(request.form.getlist("role"), request.form.getlist("after")):
            if role.strip() or after.strip():
                levels.append((role.strip(), after.strip()))
        sla_rules.set_chain(db, aduan.policy, levels, region, user=user, now=aduan.clock())
    return _after(action)


def _holiday_language() -> str | None:
    """Holiday names in Indonesian on Indonesian pages (the holidays package's English otherwise)."""
    return "id" if str(get_locale()) == "id" else None

