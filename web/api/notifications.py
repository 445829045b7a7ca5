"""Reminders, breaches and escalations addressed to the logged-in officer."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflows.notifications import inbox

from ..context import current_user, unit_of_work
from ..schemas import MarkReadIn, NotificationOut, UnreadOut

blp = Blueprint("notifications", __name__, url_prefix="/api/notifications", description="Notifications")


@blp.route("")
class Notifications(MethodView):
    @blp.response(200, NotificationOut(many=True))
    def get(self):
        """My reminders, breaches and escalations, newest first, each with whether it is still unread."""
        with unit_of_work() as db:
            user = current_user(db)
            return [{"id": n.id, "kind": n.kind, "complaint_id": n.complaint_id, "data": n.data,
                     "created_at": n.created_at, "read_at": n.read_at,
                     "unread": inbox.is_unread(user, n)} for n in inbox.for_user(db, user)]


@blp.route("/read")
class MarkRead(MethodView):
    @blp.arguments(MarkReadIn)
    @blp.response(200, UnreadOut)
    def post(self, body):
        """Mark read every notification up to the newest one seen; answers how many stay unread."""
        with unit_of_work() as db:
            return {"unread": inbox.mark_read(db, current_user(db), body["up_to"])}
