"""Reminders, breaches and escalations addressed to the logged-in officer."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflows import notifications

from ..context import current_user, unit_of_work
from ..schemas import NotificationOut

blp = Blueprint("notifications", __name__, url_prefix="/api/notifications", description="Notifications")


@blp.route("")
class Notifications(MethodView):
    @blp.response(200, NotificationOut(many=True))
    def get(self):
        with unit_of_work() as db:
            return notifications.for_user(db, current_user(db))
