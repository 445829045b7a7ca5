"""Marshmallow schemas of the outgoing webhooks (``/api/webhooks``). The rules (URL, events, scope) are the
domain's (workflows/webhooks/subscriptions.py), which names the field of each problem."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from workflows.webhooks.events import EVENTS

from .schemas import Id, In

EVENT_LIST = ", ".join(EVENTS)


class WebhookIn(In):
    name = fields.String(required=True, validate=validate.Length(max=1000), metadata={
        "description": "what the receiving system is (at most 100 characters)", "example": "Dasbor Kota Bandung"})
    url = fields.String(required=True, validate=validate.Length(max=2000), metadata={
        "description": "where the signed POSTs go: http:// or https://, at most 500 characters, on the public "
                       "internet (a host that is or resolves to a loopback, private, link-local or otherwise "
                       "non-public address is refused, unless the operator sets ADUAN_WEBHOOK_ALLOW_PRIVATE)",
        "example": "https://dasbor.bandung.go.id/aduan/webhook"})
    events = fields.List(fields.String(validate=validate.Length(max=40)), required=True,
                         validate=validate.Length(max=20), metadata={
                             "description": f"at least one of: {EVENT_LIST}",
                             "example": ["submitted", "followed_up", "closed"]})
    region_id = Id(load_default=None, allow_none=True, metadata={
        "description": "only complaints of this region (a province: and of its regencies and cities)"})
    instansi_id = Id(load_default=None, allow_none=True, metadata={
        "description": "only complaints of this instansi (not together with region_id). Neither: every "
                       "complaint (Admin Nasional), the admin's province (Admin Koordinator) or instansi "
                       "(Admin Instansi)"})
    secret = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000), metadata={
        "description": "the signing secret, 16 to 100 printable characters without spaces; left out: one is "
                       "made and returned once"})


class DeliveryCountsOut(Schema):
    sent = fields.Integer()
    pending = fields.Integer(metadata={"description": "waiting for their first or next attempt, or being sent"})
    failed = fields.Integer()


class WebhookOut(Schema):
    id = fields.Integer()
    name = fields.String()
    url = fields.String()
    events = fields.List(fields.String())
    region_id = fields.Integer(allow_none=True)
    instansi_id = fields.Integer(allow_none=True)
    scope = fields.String(metadata={"description": "the region's or instansi's name; empty: every complaint"})
    active = fields.Boolean()
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    counts = fields.Nested(DeliveryCountsOut, metadata={"description": "its deliveries by status"})
    last_error = fields.String(allow_none=True, metadata={"description": "the newest error still standing"})


class NewWebhookOut(WebhookOut):
    secret = fields.String(metadata={"description": "the signing secret: shown this once, keep it",
                                     "example": "whsec_3q2-7mVn0aFh0kq5k0f6cQ1mX9b2yq8rT4o0W1sZ2uE"})


class DeliveryOut(Schema):
    id = fields.Integer()
    event_id = fields.String(metadata={"description": "X-Aduan-Delivery: the same on every attempt",
                                       "example": "evt_5f0c3c8e2b7a4d1e9f6a0b3c2d1e0f9a"})
    event = fields.String(metadata={"example": "submitted"})
    subscription_id = fields.Integer()
    subscription = fields.String(metadata={"description": "the subscription's name"})
    tracking_id = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "pending | sending | sent | failed"})
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(allow_none=True, metadata={"description": "while pending"})
    sent_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()


class DeliveriesQuery(In):
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 200))
