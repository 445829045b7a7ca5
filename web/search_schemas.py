"""Marshmallow schemas of the officers' complaint search (``GET /api/officer/complaints``)."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from workflows.complaints.search import MAX_PAGE, MAX_PER_PAGE, MAX_TEXT
from workflows.complaints.statuses import ALL as STATUSES

from .schemas import CLOSED_HELP, Id, In, NamedRef


class ComplaintSearchIn(In):
    """The filters; all optional. Dates are arrival days (the region's calendar), inclusive."""
    class Meta:
        unknown = EXCLUDE  # pages carry other arguments too (lang)

    q = fields.String(load_default=None, validate=validate.Length(0, MAX_TEXT), metadata={
        "description": "a tracking ID (LAP-XXXXXXXX, exact), else text found (any case) in the title, description "
                       "or location, and in the reporter's name or e-mail where the officer may see the reporter"})
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    category = fields.String(load_default=None, validate=validate.Length(1, 60))
    instansi_id = Id(load_default=None, strict=False)
    triage = fields.Boolean(load_default=False, metadata={
        "description": "only reports waiting for triage (no instansi yet; coordinator and national admins)"})
    received_from = fields.Date(load_default=None, metadata={"description": "first arrival day (YYYY-MM-DD)"})
    received_to = fields.Date(load_default=None, metadata={
        "description": "last arrival day, inclusive; not before received_from"})
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))
    per_page = fields.Integer(load_default=25, validate=validate.Range(1, MAX_PER_PAGE))


class ComplaintHitOut(Schema):
    id = fields.Integer()
    tracking_id = fields.String()
    type = fields.String()
    category = fields.String()
    title = fields.String()
    status = fields.String()
    closed = fields.Function(lambda c: c.closed_at is not None, metadata={"description": CLOSED_HELP})
    anonymous = fields.Boolean()
    confidential = fields.Boolean()
    region = fields.Nested(NamedRef)
    instansi = fields.Nested(NamedRef, allow_none=True, metadata={"description": "null while waiting for triage"})
    unit = fields.Nested(NamedRef, allow_none=True)
    received_on = fields.Date()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ComplaintSearchOut(Schema):
    items = fields.List(fields.Nested(ComplaintHitOut))
    total = fields.Integer(metadata={"description": "complaints matching, over all pages"})
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()
