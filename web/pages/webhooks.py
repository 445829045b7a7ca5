"""The webhooks page (Integrasi → Webhook): the admin's subscriptions with what their deliveries did, a form
for a new one (its secret shown once, on the answer to the form), deactivation, a test ping, and the recent
deliveries. The rules live in ``workflows.webhooks.subscriptions``."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workflows.errors import DomainError, Invalid
from workflows.mail import delivery
from workflows.webhooks import subscriptions
from workflows.webhooks.events import EVENTS
from workflows.webhooks.subscriptions import NewSubscription

from ..context import services, unit_of_work
from .common import current_officer, error_text, field_errors, officer_required

bp = Blueprint("pages_webhooks", __name__)

EVENT_LABELS = {
    "submitted": _l("Report submitted"),
    "verified": _l("Verified by the agency"),
    "dispatched": _l("Dispatched to a unit"),
    "followed_up": _l("Followed up"),
    "closed": _l("Closed or archived"),
    "breached": _l("Time limit missed"),
    "ping": _l("Test (ping)"),
}
DELIVERY_STATUS = {"pending": _l("waiting"), "sending": _l("sending"), "sent": _l("delivered"),
                   "failed": _l("failed"), "interrupted": _l("interrupted")}
FORM_FIELDS = ("name", "url", "scope", "secret")
# The errors Aduan itself words (a receiver's own answer, "HTTP 503: ...", is shown as it came).
OWN_ERRORS = {
    delivery.REFUSED: _l("connection refused"),
    delivery.NO_ANSWER: _l("no answer in time"),
    delivery.REQUEUED_ERROR: _l("the worker stopped while delivering; sent again (the receiver drops a copy by "
                                "its key)"),
    subscriptions.STOPPED: _l("the subscription was deactivated"),
    subscriptions.GONE: _l("the receiver answered 410 Gone: the subscription was deactivated"),
}


def readable_error(text: str | None) -> str:
    return str(OWN_ERRORS.get(text, text)) if text else ""


def _scope(value: str) -> tuple[int | None, int | None, dict[str, list[str]]]:
    """The scope select's value: ``all``, ``region:<id>`` or ``instansi:<id>``."""
    kind, _sep, number = value.partition(":")
    if value in ("", "all"):
        return None, None, {}
    if kind in ("region", "instansi") and number.isdigit() and len(number) <= 9:
        return (int(number), None, {}) if kind == "region" else (None, int(number), {})
    return None, None, {"scope": [_("Not a valid value.")]}


@bp.get("/integrations/webhooks")
@officer_required
def page():
    return _render({}, {}, None, None, 200)


def _render(errors, values, problem, created, status: int):
    with unit_of_work() as db:
        admin = current_officer(db)
        if not subscriptions.may_manage(admin):
            abort(403)
        html = render_template(
            "integrations/webhooks.html", subscriptions=subscriptions.listed(db, admin),
            deliveries=subscriptions.deliveries(db, admin, 20), options=subscriptions.scope_options(db, admin),
            events=EVENTS, event_labels=EVENT_LABELS, delivery_status=DELIVERY_STATUS, errors=errors,
            values=values, problem=problem, created=created, notice=session.pop("notice", None),
            readable_error=readable_error)
    return html, status


@bp.post("/integrations/webhooks")
@officer_required
def create():
    form = request.form
    values = {k: form.get(k, "") for k in FORM_FIELDS if k != "secret"}
    values["events"] = form.getlist("events")
    region_id, instansi_id, problems = _scope(form.get("scope", ""))
    if problems:
        return _render(problems, values, None, None, 422)
    new = NewSubscription(name=form.get("name", ""), url=form.get("url", ""), events=tuple(form.getlist("events")),
                          region_id=region_id, instansi_id=instansi_id, secret=form.get("secret") or None)
    try:
        with unit_of_work() as db:
            view, secret = subscriptions.create(db, current_officer(db), new, services().clock())
    except Invalid as exc:
        errors = field_errors(exc)
        if [code for code, _params in exc.fields.get("events", [])] == ["choose_one"]:  # (the API lists the codes)
            errors["events"] = [_("Choose at least one event.")]
        for name in ("region_id", "instansi_id"):  # one select on the page
            if name in errors:
                errors.setdefault("scope", []).extend(errors.pop(name))
        return _render(errors, values, error_text(exc), None, exc.status)
    except DomainError as exc:
        return _render({}, values, error_text(exc), None, exc.status)
    # The secret is shown on this answer only (never put into the session cookie, which is signed, not secret).
    return _render({}, {}, None, {"name": view.name, "id": view.id, "secret": secret}, 201)


@bp.post("/integrations/webhooks/<int:subscription_id>/deactivate")
@officer_required
def deactivate(subscription_id):
    try:
        with unit_of_work() as db:
            view = subscriptions.deactivate(db, current_officer(db), subscription_id, services().clock())
    except DomainError as exc:
        return _render({}, {}, error_text(exc), None, exc.status)
    session["notice"] = _("Webhook %(name)s deactivated: nothing more is sent to it.", name=view.name)
    return redirect(url_for(".page"))


@bp.post("/integrations/webhooks/<int:subscription_id>/test")
@officer_required
def ping(subscription_id):
    try:
        with unit_of_work() as db:
            subscriptions.ping(db, current_officer(db), subscription_id, services().clock())
    except DomainError as exc:
        return _render({}, {}, error_text(exc), None, exc.status)
    session["notice"] = _("A test event (ping) is queued; it is sent within seconds and listed below.")
    return redirect(url_for(".page", _anchor="deliveries"))
