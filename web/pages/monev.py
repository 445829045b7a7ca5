"""The monev dashboard for the admin tier: indicators for a period, per province, instansi and month,
the instansi that need coaching, and the same figures as CSV."""
from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from babel.numbers import format_decimal, format_percent
from flask import Blueprint, Response, abort, render_template, request
from flask_babel import get_locale
from marshmallow import ValidationError

from workflows.accounts.roles import ADMIN_INSTANSI, ADMIN_NASIONAL
from workflows.errors import DomainError, Invalid
from workflows.monev import indicators
from workflows.org import queries as org
from workflows.plans import service as plans

from ..context import services, unit_of_work
from ..monev_args import to_query
from ..schemas import MonevQueryIn
from .common import current_officer, field_errors, officer_required

bp = Blueprint("pages_monev", __name__)
PER_PAGE = 50
LAGGING_SHOWN = 20


@bp.app_template_filter("pct")
def pct(value: float | None) -> str:
    return "—" if value is None else format_percent(value, "#,##0.0%", locale=str(get_locale()))


@bp.app_template_filter("days")
def days(value: float | None) -> str:
    return "—" if value is None else format_decimal(value, "#,##0.0", locale=str(get_locale()))


@bp.app_template_filter("num")
def num(value: int) -> str:
    return format_decimal(value, "#,##0", locale=str(get_locale()))


ARG_PROBLEMS = {"from": ("not_a_date", {}), "to": ("not_a_date", {}), "province_id": ("not_an_integer", {}),
                "instansi_id": ("not_an_integer", {}), "page": ("not_an_integer", {}),
                "desc": ("not_a_boolean", {}), "sort": ("not_one_of", {"choices": ["name", *indicators.INDICATORS]})}
FIELD_NAMES = {"from": "start", "to": "end"}


def _args() -> dict:
    try:
        # an empty picker ("all provinces") sends an empty value: the same as leaving it out
        return MonevQueryIn().load({k: v for k, v in request.args.items() if v != ""})
    except ValidationError as exc:
        raise Invalid({FIELD_NAMES.get(name, name): [ARG_PROBLEMS.get(name, ("invalid_value", {}))]
                       for name in exc.messages}) from exc


def _report(db, args):
    aduan = services()
    user = current_officer(db)
    if not indicators.may_view(user):
        abort(403)
    now = aduan.clock()
    query = to_query(args, now)
    return user, indicators.report(db, user, query, now, aduan.monev_target,
                                   plans.follow_up_targets(db, query.end.year))


def _link(args: dict, **changes) -> str:
    """The dashboard URL for these arguments with some changed (None drops one)."""
    names = {"start": "from", "end": "to"}
    merged = {**args, **changes}
    query = {names.get(k, k): (v.isoformat() if hasattr(v, "isoformat") else v)
             for k, v in merged.items() if v is not None and v != ""}
    for flag in ("desc",):
        if flag in query:
            query[flag] = "1" if query[flag] else "0"
    return "?" + urlencode(query)


@bp.get("/monev")
@officer_required
def dashboard():
    with unit_of_work() as db:
        try:
            args = _args()
            user, result = _report(db, args)
        except Invalid as exc:
            return _problem(db, exc)
        rows = indicators.sort_rows(result.by_instansi, args["sort"], args["desc"])
        pages = max(1, -(-len(rows) // PER_PAGE))
        page = min(args["page"], pages)
        shown_args = {**args, "start": result.start, "end": result.end}
        return render_template(
            "monev/dashboard.html", report=result, rows=rows[(page - 1) * PER_PAGE:page * PER_PAGE],
            rank_offset=(page - 1) * PER_PAGE, page=page, pages=pages, args=shown_args, link=_link,
            lagging=result.lagging[:LAGGING_SHOWN], lagging_more=max(0, len(result.lagging) - LAGGING_SHOWN),
            indicators=indicators, plan=_plan(db, user, result), **_choices(db, user, result))


def _plan(db, user, result) -> dict | None:
    """The action plan of the scope shown, each target against the actual figure."""
    found = plans.plan_in_view(db, user, result.end.year, result.province_id, result.instansi_id)
    if found is None:
        return None
    name, plan = found
    own = plans.targets(db, plan).get("follow_up_share")
    if own is not None:
        result.target = own.target  # the headline's target: the plan's, not the national default
    return {"name": name, "year": result.end.year, "exists": plan is not None,
            "progress": plans.progress(plans.targets(db, plan), result.totals),
            "activities": plans.activities(db, plan)}


def _problem(db, exc: Invalid):
    user = current_officer(db)
    if not indicators.may_view(user):
        abort(403)
    typed = {FIELD_NAMES.get(k, k): v for k, v in request.args.items()}  # shown again as typed
    return render_template("monev/dashboard.html", report=None, errors=field_errors(exc),
                           args=typed, link=_link, **_choices(db, user, None)), 422


def _choices(db, user, result) -> dict:
    """Province and instansi pickers for the drill-down, within the officer's scope."""
    provinces = []
    if user.role == ADMIN_NASIONAL:
        provinces = [(r.id, r.name) for r in org.provinces(db, by_name=True)]
    instansi = []
    if user.role != ADMIN_INSTANSI:
        province_id = result.province_id if result is not None else None
        instansi = [(i.id, i.name) for i in org.instansi_in_scope(db, user, province_id)]
    return {"provinces": provinces, "instansi_choices": instansi}


CSV_COLUMNS = ("received", "archived", "waiting", "deferred", "dispatched", "followed_up", "awaiting_reply", "closed",
               "reopened", "follow_up_share", "settled_share", "verify_days", "verify_on_time",
               "follow_up_days", "follow_up_on_time", "satisfaction", "reopen_rate", "admins",
               "admins_active", "account_activity")


@bp.get("/monev.csv")
@officer_required
def dashboard_csv():
    with unit_of_work() as db:
        try:
            args = _args()
            _user, result = _report(db, args)
        except DomainError as exc:
            return Response(f"{exc.message}\n", status=exc.status, mimetype="text/plain")
        rows = indicators.sort_rows(result.by_instansi, args["sort"], args["desc"])
        provinces = {r.key: r.name for r in result.by_province}
    out = io.StringIO()
    out.write("\ufeff")  # so spreadsheet programs read UTF-8
    writer = csv.writer(out)
    writer.writerow(["instansi_id", "instansi", "province", *CSV_COLUMNS])
    for row in rows:
        fig = row.figures
        values = [fig.indicator(name) for name in CSV_COLUMNS]
        writer.writerow([row.key, row.name, provinces.get(row.province_id, ""),
                         *("" if v is None else (round(v, 4) if isinstance(v, float) else v) for v in values)])
    name = f"monev_{result.start.isoformat()}_{result.end.isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
