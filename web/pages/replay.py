"""The what-if replay's pages: ask for a replay (a draft, a version, or changed limits, days off or chain,
over a period and a scope), watch it run, read the comparison (charts with the tables under them) and
download it as CSV. The replay itself lives in ``workflows.replay``; a requested run starts at once in
this process (the scheduler takes over one nobody runs)."""
from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Blueprint, Response, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from workflows.errors import DomainError, Invalid
from workflows.org import queries as org
from workflows.processes.designer import may_design
from workflows.processes.registry import NATIONAL_SOP
from workflows.replay import report as replay_report
from workflows.replay import service as replay
from workflows.sla.policy import DEFAULT_LIMITS

from ..context import services, unit_of_work
from .common import current_officer, error_text, field_errors, officer_required

bp = Blueprint("pages_replay", __name__)
LIMIT_FIELDS = [(f"limit_{step}_{tier}" if tier else f"limit_{step}", f"{step}/{tier}" if tier else step, step, tier)
                for step, tier in DEFAULT_LIMITS]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date(name: str, errors: dict) -> date | None:
    text = (request.form.get(name) or "").strip()
    if not text:
        errors[name] = [("required", {})]
        return None
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = [("not_a_date", {})]
        return None


def _request_from_form() -> replay.Request:
    """The form as a replay request; what cannot be read is refused at its field (with the service's own
    checks, so every problem is named at once)."""
    errors: dict[str, list] = {}
    period_from, period_to = _date("period_from", errors), _date("period_to", errors)
    candidate = (request.form.get("candidate") or "rules").strip()
    draft_id = version = None
    variant = ""
    if candidate.startswith("draft:") and candidate[6:].isdigit() and len(candidate) < 16:
        draft_id = int(candidate[6:])
    elif candidate.startswith("version:"):
        number, _at, variant = candidate[8:].partition("@")
        if number.isdigit() and len(number) < 7:
            version = int(number)
        else:
            errors["candidate"] = [("invalid_value", {})]
    elif candidate != "rules":
        errors["candidate"] = [("invalid_value", {})]
    seed_text = (request.form.get("seed") or "1").strip()
    seed = int(seed_text) if seed_text.isdigit() and len(seed_text) < 11 else -1
    limits = {key: (request.form.get(name) or "").strip() for name, key, _s, _t in LIMIT_FIELDS
              if (request.form.get(name) or "").strip()}
    days_off = []
    for item in re.split(r"[\s,;]+", request.form.get("days_off") or ""):
        if item:
            try:
                days_off.append(date.fromisoformat(item))
            except ValueError:
                errors["days_off"] = [("not_a_date", {})]
    chain = []
    for item in re.split(r"[\s,;]+", request.form.get("chain") or ""):
        if item:
            role, _eq, after = item.partition("=")
            chain.append((role, after))
    req = replay.Request(period_from=period_from, period_to=period_to, draft_id=draft_id, version=version,
                         variant=variant, region_code=(request.form.get("region") or "").strip()[:20] or None,
                         seed=seed, limits=limits, days_off=tuple(days_off), chain=tuple(chain),
                         label=(request.form.get("label") or "").strip()[:200])
    if errors:
        raise Invalid(errors)
    return req


def _form_page(errors=None, problem=None, status=200):
    with unit_of_work() as db:
        user = current_officer(db)
        if not replay.may_replay(user):
            abort(403)
        today = services().clock().date()
        values = request.form if request.method == "POST" else {
            "period_from": (today - timedelta(days=365)).isoformat(), "period_to": today.isoformat(), "seed": "1",
            "candidate": f"draft:{request.args['draft']}" if (request.args.get("draft") or "").isdigit() else "rules",
            "region": _home_region(db, user)}
        drafts = [d for d in services().designer.drafts(db, NATIONAL_SOP) if may_design(user, d.variant, db)]
        variants = sorted({"", *(d.variant for d in drafts)})
        versions = [(v.definition.version, variant) for variant in variants
                    for v in services().designer.versions(db, NATIONAL_SOP, variant) if may_design(user, variant, db)]
        page = render_template("designer/replays.html", runs=replay.visible(db, user), drafts=drafts,
                               versions=versions, regions=org.regions(db), limit_fields=LIMIT_FIELDS,
                               defaults=DEFAULT_LIMITS, values=values, errors=errors or {}, problem=problem,
                               region_names=org.region_names(db, variants),
                               notice=session.pop("notice", None))
    return page, status


def _home_region(db, user) -> str:
    """The region a regional user replays by default (the national tier: all regions)."""
    if user.region_id is None or replay.national_tier(user):
        return ""
    region = org.region(db, user.region_id)
    return region.code if region else ""


@bp.get("/designer/replays")
@officer_required
def index():
    return _form_page()


@bp.post("/designer/replays")
@officer_required
def start():
    try:
        req = _request_from_form()
        with unit_of_work() as db:
            user = current_officer(db)
            run = replay.request(db, user, req, services().clock())
            run_id = run.id
    except Invalid as exc:
        return _form_page(errors=field_errors(exc), status=422)
    except DomainError as exc:
        return _form_page(problem=error_text(exc), status=exc.status)
    s = services()
    replay.start_in_background(s.sessions, s.registry, s.policy, s.clock, run_id)
    return redirect(url_for(".show", run_id=run_id))


def _readable(db, run_id: int):
    user = current_officer(db)
    try:
        run = replay.get(db, run_id)
    except DomainError:
        abort(404)
    if not replay.may_read(db, user, run):
        abort(404)
    return run


@bp.get("/designer/replays/<int:run_id>")
@officer_required
def show(run_id):
    with unit_of_work() as db:
        run = _readable(db, run_id)
        page = render_template("designer/replay.html", run=run, report=run.report, chart=_chart(run.report),
                               who=replay.author(db, run),
                               region_names=org.region_names(db, [run.region_code or ""]))
    return page


def _chart(report: dict | None) -> dict | None:
    """What the charts draw (replay.js), with their words in the reader's language."""
    if not report:
        return None
    steps = report["steps"]
    return {"steps": {"labels": [_(row["name"]) for row in steps],
                      **{s: [(row.get(s) or {}).get("late") for row in steps] for s in ("actual", "live", "candidate")}},
            "weeks": report["weeks"],
            "names": {"actual": _("Happened"), "live": _("Live"), "candidate": _("Candidate"), "late": _("Late tasks"),
                      "waiting": _("Tasks waiting")}}


@bp.get("/designer/replays/<int:run_id>.csv")
@officer_required
def csv(run_id):
    with unit_of_work() as db:
        run = _readable(db, run_id)
        if run.report is None:
            abort(404)
        body = replay_report.to_csv(run.report)
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=replay-{run_id}.csv"})

