"""The officer's notifications: reminders, missed limits, escalations, delegations and hand-overs."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from workflows.errors import Invalid
from workflows.notifications import inbox

from ..context import unit_of_work
from .common import current_officer, error_text, field_errors, officer_required, zones_for

bp = Blueprint("pages_notifications", __name__)


@bp.get("/notifications")
@officer_required
def notification_list(errors=None, problem=None):
    with unit_of_work() as db:
        user = current_officer(db)
        items = []
        notes = inbox.for_user(db, user, limit=100)
        zones = zones_for(db, {n.region_id for n in notes})
        for note in notes:
            due = note.data.get("due_at")
            items.append({"note": note, "zone": zones[note.region_id], "unread": inbox.is_unread(user, note),
                          "due": datetime.fromisoformat(due) if isinstance(due, str) else None})
        return render_template("notifications.html", items=items, notice=session.pop("notice", None), user=user,
                               errors=errors or {}, problem=problem)


@bp.post("/notifications/email")
@officer_required
def email_preferences():
    """The officer opts in (or out) of receiving their notifications by e-mail too."""
    try:
        with unit_of_work() as db:
            inbox.set_email(db, current_officer(db), request.form.get("email"), request.form.get("by_email") == "1")
    except Invalid as exc:
        page = notification_list(field_errors(exc), error_text(exc))
        return page, exc.status
    session["notice"] = _("Saved.")
    return redirect(url_for(".notification_list"))


@bp.post("/notifications/read")
@officer_required
def mark_read():
    up_to = request.form.get("up_to", "")
    if up_to.isdigit():
        with unit_of_work() as db:
            inbox.mark_read(db, current_officer(db), int(up_to))
        session["notice"] = _("Notifications marked as read.")
    return redirect(url_for(".notification_list"))
