"""A category's extra fields (attributes): what reports in it must or may also say. Other systems see
them in Open311's service definition; the Admin Nasional adds and removes them."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from workflows.accounts.roles import ADMIN_NASIONAL
from workflows.complaints import categories
from workflows.complaints.attributes import DATATYPES
from workflows.errors import DomainError, Invalid

from ..context import services, unit_of_work
from ..errors import page_error
from .common import current_officer, error_text, error_words, field_errors, officer_required

bp = Blueprint("pages_category_fields", __name__)


@bp.get("/routing/categories/<code>/fields")
@officer_required
def page(code):
    return _render(code, {}, {}, None, 200)


def _render(code: str, errors, values, problem, status):
    with unit_of_work() as db:
        user = current_officer(db)
        try:
            category = categories.one(db, code)
        except DomainError as exc:
            return page_error(exc.status, exc.code, error_words(exc))
        html = render_template("routing/category_fields.html", category=category, datatypes=DATATYPES,
                               may_edit=user.role == ADMIN_NASIONAL, errors=errors, values=values,
                               problem=problem, notice=session.pop("notice", None))
    return html, status


def _after(code: str, action):
    values = dict(request.form)
    try:
        with unit_of_work() as db:
            action(db, current_officer(db))
    except Invalid as exc:
        return _render(code, field_errors(exc), values, _("Please correct the fields marked below."), exc.status)
    except DomainError as exc:
        return _render(code, {}, values, error_text(exc), exc.status)
    session["notice"] = _("Saved. The change is in the routing page's history.")
    return redirect(url_for(".page", code=code))


@bp.post("/routing/categories/<code>/fields")
@officer_required
def add(code):
    def action(db, user):
        form = request.form
        categories.add_attribute(db, code[:60], attribute_code=form.get("attribute_code", ""),
                                 datatype=form.get("datatype", ""), required=form.get("required") == "on",
                                 description_id=form.get("description_id", ""),
                                 description_en=form.get("description_en", ""), values=form.get("values", ""),
                                 user=user, now=services().clock())
    return _after(code, action)


@bp.post("/routing/categories/<code>/fields/<attribute_code>/remove")
@officer_required
def remove(code, attribute_code):
    def action(db, user):
        categories.remove_attribute(db, code[:60], attribute_code[:40], user=user, now=services().clock())
    return _after(code, action)
