"""The process designer's pages: versions with the live load on each step, drafts in the modeler,
the diff of two versions, and moving running complaints to another version.

Everyone logged in reads (versions, diagrams, diff, heat-map); drafts, deploys and migrations need
the process-designer right (the services refuse otherwise, the pages hide what cannot be done).
The modeler itself talks to the JSON API (``web/api/processes.py``) with the session and its CSRF
token, so the page and a designer's own tools get the same answers.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from workflows.errors import DomainError
from workflows.org import queries as org
from workflows.processes.designer import known_variant, may_design, own_variant
from workflows.processes.registry import NATIONAL_SOP
from workflows.replay import service as replay

from ..context import services, unit_of_work
from .common import current_officer, error_text, error_words, officer_required

bp = Blueprint("pages_designer", __name__)


def _variant() -> str:
    return (request.values.get("variant") or "").strip()[:32]


def _number(name: str) -> int | None:
    text = (request.values.get(name) or "").strip()
    return int(text) if text.isdigit() and len(text) < 7 and int(text) > 0 else None


@bp.get("/designer")
@officer_required
def index():
    variant = _variant()
    designer = services().designer
    with unit_of_work() as db:
        user = current_officer(db)
        if not known_variant(db, variant):
            abort(404)
        versions = designer.versions(db, NATIONAL_SOP, variant)
        drafts = [d for d in designer.drafts(db, NATIONAL_SOP) if d.variant == variant]
        migrations = services().migrations.history(db, NATIONAL_SOP, variant, limit=20)
        notice = session.pop("notice", None)
        if _number("deployed"):
            notice = _("Version %(n)s deployed: new complaints start on it.", n=_number("deployed"))
        page = render_template("designer/index.html", may_replay=replay.may_replay(user), key=NATIONAL_SOP, variant=variant, versions=versions,
                               drafts=drafts, migrations=migrations,
                               numbers={v.definition.id: v.definition.version for v in versions},
                               can_design=may_design(user, variant, db), notice=notice,
                               own_variant=own_variant(user, db),
                               behind=designer.behind_national(db, NATIONAL_SOP, variant),
                               region_names=org.region_names(db, [variant, own_variant(user, db) or ""]),
                               problem=session.pop("problem", None))
    return page


@bp.post("/designer/drafts")
@officer_required
def new_draft():
    variant, number = _variant(), _number("from_version")
    designer = services().designer
    try:
        with unit_of_work() as db:
            user = current_officer(db)
            draft = (designer.draft_from_version(db, user, NATIONAL_SOP, variant, number) if number
                     else designer.start_draft(db, user, NATIONAL_SOP, variant))
            draft_id = draft.id
    except DomainError as exc:
        session["problem"] = error_text(exc)
        return redirect(url_for(".index", variant=variant or None))
    return redirect(url_for(".draft", draft_id=draft_id))


@bp.get("/designer/drafts/<int:draft_id>")
@officer_required
def draft(draft_id):
    with unit_of_work() as db:
        user = current_officer(db)
        try:
            found = services().designer.draft(db, draft_id)
        except DomainError:
            abort(404)
        live = next(iter(services().designer.versions(db, found.key, found.variant)), None)
        page = render_template("designer/modeler.html", draft=found, live=live,
                               latest_replay=replay.latest_for_draft(db, draft_id),
                               region_names=org.region_names(db, [found.variant]),
                               can_design=may_design(user, found.variant, db) and found.state == "open")
    # The modeler's libraries (diagram-js direct editing, the properties panel) set style attributes
    # from markup: this page alone allows inline styles; scripts stay 'self' only.
    policy = current_app.config["CONTENT_SECURITY_POLICY"].replace("style-src 'self'",
                                                                   "style-src 'self' 'unsafe-inline'")
    return page, 200, {"Content-Security-Policy": policy}


@bp.get("/designer/drafts/<int:draft_id>.bpmn")
@officer_required
def draft_xml(draft_id):
    """A draft's diagram, for the read-only viewer of the diff page."""
    with unit_of_work() as db:
        current_officer(db)
        try:
            xml = services().designer.draft(db, draft_id).bpmn_xml
        except DomainError:
            abort(404)
    return Response(xml, mimetype="application/xml")


@bp.get("/designer/live.bpmn")
@officer_required
def live_xml():
    """The live version's diagram (the dashboards' heat-map)."""
    with unit_of_work() as db:
        current_officer(db)
        versions = services().designer.versions(db, NATIONAL_SOP, _variant())
        if not versions:
            abort(404)
        xml = versions[0].definition.bpmn_xml
    return Response(xml, mimetype="application/xml")


@bp.get("/designer/diff")
@officer_required
def diff():
    variant, source, target, draft_id = _variant(), _number("from"), _number("to"), _number("draft")
    if source is None or (target is None and draft_id is None):
        abort(404)
    with unit_of_work() as db:
        current_officer(db)
        try:
            changes = services().designer.compare(db, NATIONAL_SOP, variant, source, target, draft_id)
        except DomainError as exc:
            session["problem"] = error_text(exc)
            return redirect(url_for(".index", variant=variant or None))
        versions = services().designer.versions(db, NATIONAL_SOP, variant)
    return render_template("designer/diff.html", key=NATIONAL_SOP, variant=variant, source=source, target=target,
                           draft_id=draft_id, changes=changes, versions=versions)


@bp.get("/designer/migrate")
@officer_required
def migrate():
    variant, source, target = _variant(), _number("from"), _number("to")
    with unit_of_work() as db:
        user = current_officer(db)
        versions = services().designer.versions(db, NATIONAL_SOP, variant)
        plan, problem, step_names = None, None, {}
        if source and target:
            try:
                plan = services().migrations.plan(db, user, NATIONAL_SOP, source, target, variant)
                step_names = services().designer.element_names(db, NATIONAL_SOP, source, variant)
            except DomainError as exc:
                problem = error_words(exc)
        page = render_template("designer/migrate.html", key=NATIONAL_SOP, variant=variant, versions=versions,
                               source=source, target=target, plan=plan, report=None, problem=problem,
                               step_names=step_names,
                               can_design=may_design(user, variant, db))
    return page


@bp.post("/designer/migrate")
@officer_required
def run_migration():
    variant, source, target = _variant(), _number("from"), _number("to")
    if source is None or target is None:
        abort(400)
    with unit_of_work() as db:
        user_id = current_officer(db).id
    reviewed = {}
    for item in request.form.getlist("reviewed"):  # "complaint_id:lock_version" of the dry run's rows
        complaint_id, _colon, lock_version = item.partition(":")
        if complaint_id.isdigit() and lock_version.isdigit() and len(complaint_id) < 10 and len(lock_version) < 10:
            reviewed[int(complaint_id)] = int(lock_version)
    problem, report = None, None
    try:
        report = services().migrations.run(user_id, NATIONAL_SOP, source, target, variant, reviewed=reviewed or None)
    except DomainError as exc:
        problem = error_text(exc)
    with unit_of_work() as db:
        user = current_officer(db)
        versions = services().designer.versions(db, NATIONAL_SOP, variant)
        moved = sum(1 for c in report or [] if c.outcome == "moved")
        notice = _("%(moved)s of %(total)s complaints moved to version %(to)s.", moved=moved,
                   total=len(report or []), to=target) if report is not None else None
        step_names = services().designer.element_names(db, NATIONAL_SOP, source, variant) if report else {}
        page = render_template("designer/migrate.html", key=NATIONAL_SOP, variant=variant, versions=versions,
                               source=source, target=target, plan=None, report=report, problem=problem,
                               step_names=step_names,
                               notice=notice, can_design=may_design(user, variant, db))
    return page


@bp.post("/designer/migrations/<int:migration_id>/revert")
@officer_required
def revert(migration_id):
    variant = _variant()
    try:
        with unit_of_work() as db:
            view = services().migrations.revert(db, current_officer(db), migration_id)
            session["notice"] = _("%(id)s is back on version %(n)s.", id=view.tracking_id, n=view.to_version)
    except DomainError as exc:
        session["problem"] = error_text(exc)
    return redirect(url_for(".index", variant=variant or None) + "#migrations")
