"""Outgoing webhooks over the API: the admin's subscriptions (list, create with a secret shown once,
deactivate, a test ping) and their recent deliveries. What is sent and how it is signed: docs/webhooks.md."""
from __future__ import annotations

from dataclasses import asdict

from flask.views import MethodView
from flask_smorest import Blueprint

from workflows.webhooks import subscriptions
from workflows.webhooks.events import EVENTS
from workflows.webhooks.subscriptions import NewSubscription

from ..context import current_user, services, unit_of_work
from ..openapi import Err, api_errors
from ..webhook_schemas import DeliveriesQuery, DeliveryOut, NewWebhookOut, WebhookIn, WebhookOut

blp = Blueprint("webhooks", __name__, url_prefix="/api/webhooks",
                description="Outgoing webhooks: signed POSTs to another system on the complaint events it chose")
NOT_ADMIN = subscriptions.NOT_ALLOWED
NOT_FOUND = subscriptions.NOT_FOUND
BAD_INPUT = [
    Err("invalid input", fields={"url": ("not_a_url", {}), "events": ("choose_one", {"choices": list(EVENTS)}),
                                 "region_id": ("outside_scope", {})}),
    Err("invalid input", fields={"url": ("private_address", {"address": "127.0.0.1"})},
        why="The receiver's address is, or its name resolves to, an address inside the private network "
            "(loopback, RFC 1918, link-local, ...): refused unless the operator sets ADUAN_WEBHOOK_ALLOW_PRIVATE"),
]


@blp.route("")
class WebhookList(MethodView):
    @blp.response(200, WebhookOut(many=True))
    @api_errors(forbidden=NOT_ADMIN)
    def get(self):
        """The subscriptions the admin manages (the Admin Nasional: all; an Admin Koordinator: their
        province's; an Admin Instansi: their instansi's), with their deliveries counted by status."""
        with unit_of_work() as db:
            return subscriptions.listed(db, current_user(db))

    @blp.arguments(WebhookIn)
    @blp.response(201, NewWebhookOut)
    @api_errors(forbidden=NOT_ADMIN, invalid=BAD_INPUT)
    def post(self, body):
        """A new subscription. The answer carries its signing secret, this once."""
        with unit_of_work() as db:
            view, secret = subscriptions.create(db, current_user(db), NewSubscription(
                name=body["name"], url=body["url"], events=tuple(body["events"]), region_id=body["region_id"],
                instansi_id=body["instansi_id"], secret=body["secret"]), services().clock(),
                allow_private=services().mail.webhook_allow_private)
            return {**asdict(view), "secret": secret}


@blp.route("/<int:subscription_id>")
class WebhookDetail(MethodView):
    @blp.response(200, WebhookOut)
    @api_errors(forbidden=NOT_ADMIN, not_found=NOT_FOUND)
    def get(self, subscription_id):
        """One subscription (never its secret)."""
        with unit_of_work() as db:
            return subscriptions.one(db, current_user(db), subscription_id)

    @blp.response(200, WebhookOut)
    @api_errors(forbidden=NOT_ADMIN, not_found=NOT_FOUND)
    def delete(self, subscription_id):
        """Deactivate: nothing more is sent, deliveries still waiting fail. The subscription stays listed."""
        with unit_of_work() as db:
            return subscriptions.deactivate(db, current_user(db), subscription_id, services().clock())


@blp.route("/<int:subscription_id>/test")
class WebhookPing(MethodView):
    @blp.response(202, DeliveryOut)
    @api_errors(forbidden=NOT_ADMIN, not_found=NOT_FOUND, conflict=subscriptions.DEACTIVATED)
    def post(self, subscription_id):
        """Send a ``ping`` event (through the outbox: the worker's next run delivers it, signed like any other)."""
        with unit_of_work() as db:
            return subscriptions.ping(db, current_user(db), subscription_id, services().clock())


@blp.route("/<int:subscription_id>/deliveries")
class WebhookDeliveries(MethodView):
    @blp.arguments(DeliveriesQuery, location="query")
    @blp.response(200, DeliveryOut(many=True))
    @api_errors(forbidden=NOT_ADMIN, not_found=NOT_FOUND)
    def get(self, query, subscription_id):
        """The subscription's newest deliveries: status, attempts, next attempt, last error."""
        with unit_of_work() as db:
            user = current_user(db)
            subscriptions.one(db, user, subscription_id)  # 404 outside the scope
            return subscriptions.deliveries(db, user, query["limit"], subscription_id)
