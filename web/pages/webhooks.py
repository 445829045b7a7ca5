"""The webhooks page (Integrasi → Webhook): the admin's subscriptions with what their deliveries did, a form
for a new one (its secret shown once, on the answer to the form), deactivation, a test ping, and the recent
deliveries. The rules live in ``workflows.webhooks.subscriptions``."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workflows.errors import DomainError, Invalid
from workflows.mail import delivery
from workflows.webhooks import failures, signing, subscriptions
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
# The errors a delivery records, all in Aduan's own words (workflows.webhooks.failures): never what the
# receiver answered beyond its status code ("HTTP 503 Service Unavailable", shown as it is).
OWN_ERRORS = {
    failures.REFUSED: _l("connection refused"),
    failures.NO_ANSWER: _l("no answer in time"),
    failures.CLOSED: _l("the connection was closed without an answer"),
    failures.NOT_HTTP: _l("the receiver did not answer in HTTP"),
    failures.NAME_NOT_FOUND: _l("the receiver's name was not found (DNS)"),
    failures.CERTIFICATE: _l("the receiver's TLS certificate was not accepted"),
    failures.TLS: _l("the secure connection (TLS) failed"),
    failures.UNREACHABLE: _l("the receiver could not be reached"),
    failures.FAILED: _l("the delivery failed"),
    failures.INTERRUPTED: _l("the worker stopped while delivering; not sent again"),
    failures.REQUEUED: _l("the worker stopped while delivering; sent again (the receiver drops a copy by its key)"),
    failures.STOPPED: _l("the subscription was deactivated"),
    failures.GONE: _l("the receiver answered 410 Gone: the subscription was deactivated"),
}


def readable_error(text: str | None) -> str:
    if not text:
        return ""
    private = failures.PRIVATE.match(text)
    if private:
        return _("the address %(address)s is inside the private network; refused", address=private["where"])
    return str(OWN_ERRORS.get(text, text))


def _scope(value: str) -> tuple[int | None, int | None, dict[str, list[str]]]:
    """The scope select's value: ``all``, ``region:<id>`` or ``instansi:<id>``."""
    kind, _sep, number = value.partition(":")
    if value in ("", "all"):
        return None, None, {}
    if kind in ("region", "instansi") and number.isdigit() and len(number) <= 9:
        return (int(number), None, {}) if kind == "region" else (None, int(number), {})
    return None, None, {"scope": [_("Not a valid value.")]}


# The receiver's check, as docs/webhooks.md shows it (tests/test_webhooks.py: the same text, and it works).
VERIFY_SNIPPET = '''import hashlib
import hmac
import time


def verify(headers, body: bytes, secret: str, tolerance: int = 300) -> bool:
    """True when the request comes from Aduan and is fresh. headers: the request's headers; body: the raw bytes."""
    timestamp = headers.get("X-Aduan-Timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False  # missing, too old or from the future: a replay
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest("sha256=" + mac.hexdigest(), headers.get("X-Aduan-Signature", ""))
'''


@bp.get("/integrations/webhooks/help")
def help_page():
    """For a receiving system's developer: the request, the signature and its check, answers and retries.
    Anyone may read it (nothing here is secret; docs/webhooks.md says the same at length)."""
    return render_template("integrations/webhooks_help.html", events=EVENTS, event_labels=EVENT_LABELS,
                           verify_snippet=VERIFY_SNIPPET, max_attempts=services().mail.max_attempts,
                           tolerance=signing.TOLERANCE_SECONDS, timeout=delivery.HOOK_TIMEOUT)


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
            view, secret = subscriptions.create(db, current_officer(db), new, services().clock(),
                                                allow_private=services().mail.webhook_allow_private)
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
