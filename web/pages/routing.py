"""The routing page: a region's routing table (which instansi and unit a report is suggested to, by
category, keywords or sub-region), the categories (the Admin Nasional manages them) and the units of the
instansi in the officer's scope, with the history of changes. The rules live in ``workflows.routing``."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from workflows.complaints import categories
from workflows.errors import DomainError, Invalid
from workflows.org import units
from workflows.routing import overview
from workflows.routing import table as routing
from workflows.sla import inforce

from ..context import services, unit_of_work
from ..errors import page_error
from .common import current_officer, error_text, error_words, field_errors, officer_required, region_asked

bp = Blueprint("pages_routing", __name__)
ROW_FIELDS = ("category", "keywords", "sub_region", "instansi_id", "unit_id")


def _code() -> str | None:
    return region_asked()


def _int(name: str) -> int | None:
    text = (request.values.get(name) or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise Invalid({name: [("not_a_number", {})]})
    return int(text)


def _activity() -> bool | None:
    """A retire (False) or restore (True) button; None: a rename."""
    return {"retire": False, "restore": True}.get(request.form.get("change", ""))


def _shown_instansi() -> int | None:
    text = (request.values.get("instansi") or "").strip()
    return int(text) if text.isdigit() and len(text) <= 9 else None


@bp.get("/routing")
@officer_required
def page():
    return _render({}, {}, None, 200)


def _render(errors, values, problem, status, form: str | None = None):
    """``form``: the section whose form was sent (``table``, ``categories``, ``units``); its fields show the
    errors (the category and unit forms both have a code and a name)."""
    with unit_of_work() as db:
        user = current_officer(db)
        try:
            region = inforce.visible_region(db, user, _code())
        except DomainError as exc:
            return page_error(exc.status, exc.code, error_words(exc))
        view = overview.page(db, user, region)
        shown = _shown_instansi()
        if shown not in {i.id for i in view.managed_instansi}:  # first the instansi of the region in view
            local = [i for i in view.managed_instansi if region is not None and i.region_id == region.id]
            shown = (local or view.managed_instansi)[0].id if view.managed_instansi else None
        zone = services().policy.calendar(region.id if region else None).zone
        html = render_template(
            "routing/page.html", view=view, region=region, regions=inforce.regions_for(db, user),
            national_visible=inforce.may_view(user, None, db), errors=errors, values=values, problem=problem,
            shown_instansi=shown, zone=str(zone), notice=session.pop("notice", None), failed=form)
    return html, status


def _after(action, anchor: str):
    """Run a change; on bad input render the page with the messages at their fields."""
    values = dict(request.form)
    try:
        with unit_of_work() as db:
            user = current_officer(db)
            region = inforce.visible_region(db, user, _code())
            action(db, user, region)
    except Invalid as exc:
        return _render(field_errors(exc), values, _("Please correct the fields marked below."), exc.status, anchor)
    except DomainError as exc:
        return _render({}, values, error_text(exc), exc.status, anchor)
    session["notice"] = _("Saved. The change is in the history below.")
    return redirect(url_for(".page", region=_code(), instansi=_shown_instansi(), _anchor=anchor))


@bp.post("/routing/rows")
@officer_required
def add_row():
    def action(db, user, region):
        routing.add_row(db, region, category=request.form.get("category", ""), instansi_id=_int("instansi_id"),
                        unit_id=_int("unit_id"), keywords=request.form.get("keywords", ""),
                        sub_region=request.form.get("sub_region") or None, user=user, now=services().clock())
    return _after(action, "table")


@bp.post("/routing/rows/<int:row_id>/remove")
@officer_required
def remove_row(row_id):
    def action(db, user, region):
        routing.remove_row(db, region, row_id, user=user, now=services().clock())
    return _after(action, "table")


@bp.post("/routing/categories")
@officer_required
def add_category():
    def action(db, user, _region):
        categories.add(db, request.form.get("code", ""), request.form.get("name_id", ""),
                       request.form.get("name_en", ""), user=user, now=services().clock())
    return _after(action, "categories")


@bp.post("/routing/categories/<code>")
@officer_required
def update_category(code):
    def action(db, user, _region):
        active = _activity()
        names = {} if active is not None else {"name_id": request.form.get("name_id", ""),
                                               "name_en": request.form.get("name_en", "")}
        categories.update(db, code[:60], active=active, user=user, now=services().clock(), **names)
    return _after(action, "categories")


@bp.post("/routing/units")
@officer_required
def add_unit():
    def action(db, user, _region):
        units.add(db, _int("instansi"), request.form.get("code", ""), request.form.get("name", ""), user=user,
                  now=services().clock())
    return _after(action, "units")


@bp.post("/routing/units/<int:unit_id>")
@officer_required
def update_unit(unit_id):
    def action(db, user, _region):
        active = _activity()
        name = request.form.get("name") if active is None else None
        units.update(db, unit_id, name=name, active=active, user=user, now=services().clock())
    return _after(action, "units")
