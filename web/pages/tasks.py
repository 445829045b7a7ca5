"""The officer's task list and task page: claim, release, delegate and complete through the BPMN form."""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from workflows.accounts.scope import task_visible_to
from workflows.errors import DomainError, Invalid
from workflows.org import queries as org
from workflows.risk.estimate import Assessed
from workflows.tasks.queries import DUE_SOON, TaskQuery

from ..context import services, unit_of_work
from ..schemas import TaskQueryIn
from . import forms
from .common import current_officer, error_text, field_errors, officer_required, zones_for

bp = Blueprint("pages_tasks", __name__)

PAGE_SIZE = 25
FILTERS = ("status", "category", "due", "sort")


@bp.get("/tasks")
@officer_required
def task_list():
    raw = {k: v for k, v in request.args.items() if k in FILTERS and v}
    page = max(1, int(request.args["page"])) if request.args.get("page", "").isdigit() else 1
    problem = None
    try:
        query = TaskQueryIn().load({**raw, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE})
    except ValidationError as exc:
        problem = _("Some filters were not understood and were ignored: %(names)s.",
                    names=", ".join(sorted(exc.messages)))
        raw = {k: v for k, v in raw.items() if k not in exc.messages}
        query = TaskQueryIn().load({**raw, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE})
    with unit_of_work() as db:
        user = current_officer(db)
        rows, total = services().risk.task_page(db, user, TaskQuery(**query))
        zones = zones_for(db, {r.task.region_id for r in rows})
        now = services().clock()
        items = [_item(r, zones, now, user.id) for r in rows]
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template("tasks/list.html", items=items, filters=raw, page=page, pages=pages, total=total,
                           problem=problem, notice=session.pop("notice", None),
                           risk_threshold=services().risk.threshold, may_see_at_risk=g.officer.is_admin)


def _item(row: Assessed, zones, now, user_id: int) -> dict:
    task, due = row.task, row.task.due_at
    return {
        "task": task, "complaint": row.complaint, "zone": zones.get(task.region_id, "Asia/Jakarta"),
        "overdue": due is not None and due < now,
        "due_soon": due is not None and now <= due < now + DUE_SOON,
        "mine": task.assignee_id == user_id,
        "risk": row.risk,
    }


@bp.get("/tasks/at-risk")
@officer_required
def at_risk():
    """Admins: tasks in their scope likely to miss their limit, before they are late."""
    if not g.officer.is_admin:
        abort(403)
    page = max(1, int(request.args["page"])) if request.args.get("page", "").isdigit() else 1
    with unit_of_work() as db:
        user = current_officer(db)
        found = services().risk.at_risk(db, user, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        zones = zones_for(db, {r.task.region_id for r in found.items})
        names = _place_names(db, user, found.items)
        now = services().clock()
        items = [{**_item(r, zones, now, user.id), **names(r.task)} for r in found.items]
    pages = max(1, -(-found.total // PAGE_SIZE))
    return render_template("tasks/at_risk.html", items=items, page=page, pages=pages, total=found.total,
                           scanned=found.scanned, capped=found.capped, risk_threshold=found.threshold,
                           threshold_percent=int(round(found.threshold * 100)))


def _place_names(db, user, rows: list[Assessed]):
    """The instansi and unit names of the listed tasks (two small queries)."""
    instansi = {i.id: i.name for i in org.instansi_in_scope(db, user)}
    units = {u.id: u.name for u in org.units(db, {r.task.instansi_id for r in rows if r.task.instansi_id})}
    return lambda task: {"instansi_name": instansi.get(task.instansi_id), "unit_name": units.get(task.unit_id)}


def _load_task(db, task_id: int):
    tasks = services().tasks
    task = tasks.get(db, task_id)
    user = current_officer(db)
    if not task_visible_to(user, task):
        abort(403)
    return task, user


@bp.get("/tasks/<int:task_id>")
@officer_required
def task_page(task_id):
    return _render_task(task_id, errors={}, values={}, problem=None)


def _render_task(task_id: int, errors, values, problem, status: int = 200):
    tasks = services().tasks
    with unit_of_work() as db:
        task, user = _load_task(db, task_id)
        complaint = task.complaint
        form = forms.readable(tasks.form(db, task))
        options = forms.choices(db, form, complaint)
        colleagues = _colleagues(db, task, user)
        zone = complaint.region.timezone
        # what the officer needs beside the form: place, photos, the reporter (as the scope allows), and
        # the reporter's last answer (to the agency's question, or why they are not satisfied)
        view = services().complaints.officer_view(db, complaint, user)
        answers = [e for e in view["timeline"] if e["action"] == "task_completed" and e["actor_kind"] == "citizen"
                   and (e["data"].get("additional_info") or e["data"].get("comment"))]
        accepts_files = task.state == "open" and services().progress.task_properties(db, task).get("accepts_files") == "true"
        now = services().clock()
        page = render_template(
            "tasks/task.html", task=task, complaint=complaint, form=form, options=options, errors=errors,
            values=values, problem=problem, colleagues=colleagues, zone=zone,
            overdue=task.due_at is not None and task.due_at < now, user=user, view=view,
            last_answer=answers[-1] if answers else None, accepts_files=accepts_files,
            upload_token=g.get("kept_upload", (None, []))[0], kept=g.get("kept_upload", (None, []))[1],
            notice=session.pop("notice", None))
    return page, status


def _colleagues(db, task, user) -> list:
    """Whom this officer could delegate the task to; nobody when they may not delegate it."""
    try:
        return services().tasks.colleagues(db, task, user)
    except DomainError:
        return []


def _act(task_id: int, action, done_text: str, back_to_list: bool = False, readable=field_errors):
    try:
        with unit_of_work() as db:
            user = current_officer(db)
            action(db, user)
    except Invalid as exc:
        errors = readable(exc)
        return _render_task(task_id, errors, request.form, _("Please correct the fields marked below."),
                            exc.status)
    except DomainError as exc:
        return _render_task(task_id, {}, request.form, error_text(exc), exc.status)
    session["notice"] = done_text
    if back_to_list:
        return redirect(url_for(".task_list"))
    return redirect(url_for(".task_page", task_id=task_id))


@bp.post("/tasks/<int:task_id>/claim")
@officer_required
def claim(task_id):
    return _act(task_id, lambda db, user: services().tasks.claim(db, task_id, user), _("Task claimed."))


@bp.post("/tasks/<int:task_id>/unclaim")
@officer_required
def unclaim(task_id):
    return _act(task_id, lambda db, user: services().tasks.unclaim(db, task_id, user), _("Task released."))


@bp.post("/tasks/<int:task_id>/delegate")
@officer_required
def delegate(task_id):
    target = request.form.get("user_id", "")
    if not target.isdigit():
        return _render_task(task_id, {"user_id": [_("Choose a colleague.")]}, request.form, None, 422)
    return _act(task_id, lambda db, user: services().tasks.delegate(db, task_id, user, int(target)),
                _("Task delegated."), back_to_list=True)


@bp.post("/tasks/<int:task_id>/complete")
@officer_required
def complete(task_id):
    tasks = services().tasks
    # the domain checks the fields against the task's form
    data = {k: v for k, v in forms.submitted(request.form).items() if k != "upload_token"}
    now = services().clock()
    files = forms.kept_and_new(request.form.get("upload_token"), now)

    def readable(exc: Invalid) -> dict[str, list[str]]:  # only on the error path: name fields by label
        token, names = forms.keep_files(files, now)  # (and the files wait for the next try)
        g.kept_upload = (token, names)
        with unit_of_work() as db:
            return forms.readable_errors(tasks.form(db, tasks.get(db, task_id)), exc)
    return _act(task_id, lambda db, user: tasks.complete(db, task_id, user, data, files), _("Task completed."),
                back_to_list=True, readable=readable)
