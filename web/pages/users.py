"""Account management for the admin tier: officers in their scope, and the hand-over of a leaver's work."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from workflows.accounts.users import NewUser
from workflows.errors import DomainError, Invalid
from workflows.org import queries as org
from workflows.tasks import queries as task_queries

from ..context import services, unit_of_work
from .common import current_officer, error_text, field_errors, officer_required

if TYPE_CHECKING:
    from workflows.accounts.models import User

bp = Blueprint("pages_users", __name__)

NEW_USER_FIELDS = ("username", "full_name", "password", "role", "instansi_id", "unit_id", "region_id")


def _admin(db) -> User:
    user = current_officer(db)
    if not services().users.assignable_roles(user):
        abort(403)
    return user


def _options(db, admin: User) -> dict:
    instansi = org.instansi_in_scope(db, admin)
    units = org.units(db, [i.id for i in instansi])
    provinces = org.provinces(db)
    return {"instansi": instansi, "units": units, "provinces": provinces,
            "roles": services().users.assignable_roles(admin),
            "names": {i.id: i.name for i in instansi}}


@bp.get("/users")
@officer_required
def user_list():
    return _render_list({}, {}, None)


def _render_list(errors, values, problem, status: int = 200):
    with unit_of_work() as db:
        admin = _admin(db)
        users = services().users.manageable(db, admin)
        page = render_template("users/list.html", users=users, work=task_queries.held_counts(db, [u.id for u in users]),
                               errors=errors, values=values, problem=problem, admin=admin,
                               notice=session.pop("notice", None), **_options(db, admin))
    return page, status


def _int(name: str) -> int | None:
    text = (request.form.get(name) or "").strip()
    return int(text) if text.isdigit() else None


@bp.post("/users")
@officer_required
def create():
    new = NewUser(username=(request.form.get("username") or "").strip(),
                  full_name=(request.form.get("full_name") or "").strip(),
                  password=request.form.get("password") or "", role=request.form.get("role") or "",
                  instansi_id=_int("instansi_id"), unit_id=_int("unit_id"), region_id=_int("region_id"))
    values = {k: v for k, v in request.form.items() if k in NEW_USER_FIELDS and k != "password"}
    try:
        with unit_of_work() as db:
            user = services().users.create(db, current_officer(db), new)
            name = user.username
    except Invalid as exc:
        return _render_list(field_errors(exc), values, error_text(exc), exc.status)
    except DomainError as exc:
        return _render_list({}, values, error_text(exc), exc.status)
    session["notice"] = _("Account %(username)s created.", username=name)
    return redirect(url_for(".user_list"))


@bp.get("/users/<int:user_id>")
@officer_required
def user_page(user_id):
    return _render_user(user_id, {}, None)


def _render_user(user_id: int, errors, problem, status: int = 200):
    users = services().users
    with unit_of_work() as db:
        admin = _admin(db)
        person = users.managed(db, admin, user_id)
        successors = users.successors(db, admin, person)
        open_tasks = task_queries.held_by(db, person.id)
        page = render_template("users/user.html", person=person, successors=successors, open_tasks=open_tasks,
                               errors=errors, problem=problem, admin=admin, notice=session.pop("notice", None),
                               **_options(db, admin))
    return page, status


@bp.post("/users/<int:user_id>")
@officer_required
def update(user_id):
    active = request.form.get("active")
    password = request.form.get("password") or None
    try:
        with unit_of_work() as db:
            services().users.update(db, current_officer(db), user_id,
                                    full_name=(request.form.get("full_name") or "").strip() or None,
                                    active=None if active is None else active == "1", password=password)
    except Invalid as exc:
        return _render_user(user_id, field_errors(exc), error_text(exc), exc.status)
    except DomainError as exc:
        return _render_user(user_id, {}, error_text(exc), exc.status)
    session["notice"] = _("Account saved.")
    return redirect(url_for(".user_page", user_id=user_id))


@bp.post("/users/<int:user_id>/handover")
@officer_required
def handover(user_id):
    successor = _int("to_user_id")
    if successor is None:
        return _render_user(user_id, {"to_user_id": [_("Choose the successor.")]}, None, 422)
    try:
        with unit_of_work() as db:
            moved = services().users.handover(db, current_officer(db), user_id, successor,
                                              deactivate=request.form.get("deactivate") == "1")
    except Invalid as exc:
        return _render_user(user_id, field_errors(exc), error_text(exc), exc.status)
    except DomainError as exc:
        return _render_user(user_id, {}, error_text(exc), exc.status)
    session["notice"] = _("%(count)s open tasks handed over.", count=moved)
    return redirect(url_for(".user_page", user_id=user_id))


@bp.post("/users/<int:user_id>/designer")
@officer_required
def designer_right(user_id):
    """The Admin Nasional grants or withdraws the process-designer right."""
    right = request.form.get("designer") or None
    try:
        with unit_of_work() as db:
            services().designer.grant(db, current_officer(db), user_id, right)
    except Invalid as exc:
        return _render_user(user_id, field_errors(exc), error_text(exc), exc.status)
    except DomainError as exc:
        return _render_user(user_id, {}, error_text(exc), exc.status)
    session["notice"] = _("Process-designer right saved.")
    return redirect(url_for(".user_page", user_id=user_id))
