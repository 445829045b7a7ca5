"""Rencana aksi pages: a region's or an instansi's yearly targets and activities, with their progress
updated during the year (monev sets the targets against the actual figures)."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from workflows.errors import DomainError, Invalid
from workflows.org import queries as org
from workflows.plans import service as plans
from workflows.sla import inforce
from workflows.sla import rules as sla_rules

from ..context import services, unit_of_work
from ..errors import page_error
from .common import current_officer, error_text, error_words, field_errors, officer_required

bp = Blueprint("pages_plans", __name__)


def _int(name: str) -> int | None:
    text = (request.values.get(name) or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


def _scope(db, user):
    """(region, instansi or None, year) asked for; the officer's home region and this year by default."""
    code = (request.values.get("region") or "").strip()[:16] or inforce.home_region(db, user)
    if not code:  # the Admin Nasional: the first province
        regions = inforce.regions_for(db, user)
        code = regions[0].code if regions else ""
    text = (request.values.get("year") or "").strip()
    year = services().clock().year if not text else int(text) if text.isdigit() and len(text) == 4 else 0
    if not 2020 <= year <= 2100:
        raise Invalid({"year": [("out_of_range", {"max": 2100})]})
    instansi_id = _int("instansi")
    try:
        region, instansi = plans.scope(db, user, code, instansi_id)
    except Invalid:
        if instansi_id is None or request.method != "GET":
            raise
        region, instansi = plans.scope(db, user, code, None)  # the region changed: its plan as a whole
    return region, instansi, year


@bp.get("/plans")
@officer_required
def page():
    return _render({}, None)


def _render(errors, problem, status: int = 200, typed: dict | None = None):
    with unit_of_work() as db:
        user = current_officer(db)
        try:
            region, instansi, year = _scope(db, user)
        except DomainError as exc:
            return page_error(exc.status, exc.code, error_words(exc))
        plan = plans.plan_for(db, year, region, instansi)
        page = render_template(
            "plans/page.html", region=region, instansi=instansi, year=year, plan=plan,
            targets=plans.targets(db, plan), activities=plans.activities(db, plan),
            shares=plans.SHARES, counts=plans.COUNTS, statuses=plans.STATUSES,
            regions=inforce.regions_for(db, user), instansi_here=[i for i in org.instansi(db)
                                                                   if i.region_id == region.id],
            units={u.id: u.name for u in org.units(db, [instansi.id])} if instansi else {},
            editable=plans.may_write(db, user, region, instansi),
            history=sla_rules.history(db, region, kinds=("plan",)),
            errors=errors, problem=problem, notice=session.pop("notice", None), typed=typed or {})
    return page, status


def _back():
    return redirect(url_for(".page", region=request.form.get("region"), instansi=request.form.get("instansi") or None,
                            year=request.form.get("year")))


def _run(action):
    try:
        with unit_of_work() as db:
            user = current_officer(db)
            region, instansi, year = _scope(db, user)
            action(db, user, region, instansi, year)
    except Invalid as exc:
        return _render(field_errors(exc), error_text(exc), exc.status, typed=request.form.to_dict())
    except DomainError as exc:
        return _render({}, error_text(exc), exc.status)
    session["notice"] = _("Action plan saved.")
    return _back()


def _number(name: str) -> float | None:
    text = (request.form.get(name) or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise Invalid({name: [("not_a_decimal", {})]}) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise Invalid({name: [("not_a_decimal", {})]})
    return value


@bp.post("/plans/targets")
@officer_required
def save_targets():
    def action(db, user, region, instansi, year):
        wanted, achieved = {}, {}
        for indicator in plans.SHARES:
            value = _number(indicator)
            wanted[indicator] = value / 100 if value is not None else None  # typed as a percentage
        for indicator in plans.COUNTS:
            wanted[indicator] = _number(indicator)
            achieved[indicator] = _number(indicator + "_achieved")
        plans.save_targets(db, user, year, region, instansi, wanted, achieved, services().clock())
    return _run(action)


@bp.post("/plans/activities")
@officer_required
def add_activity():
    def action(db, user, region, instansi, year):
        plans.add_activity(db, user, year, region, instansi, request.form.get("what") or "", _int("unit_id"),
                           _int("due_quarter"), services().clock())
    return _run(action)


@bp.post("/plans/activities/<int:activity_id>")
@officer_required
def update_activity(activity_id):
    def action(db, user, region, instansi, year):
        plans.update_activity(db, user, activity_id, request.form.get("status") or "",
                              request.form.get("evidence") or "", services().clock())
    return _run(action)

