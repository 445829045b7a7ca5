"""Marshmallow schemas of the API keys (``/api/api-keys``). The key itself appears once, in the answer
to its creation (``key``); lists show its ``prefix`` only."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from workflows.apikeys.channels import PATTERN
from workflows.apikeys.manage import NAME_MAX, RATE_DEFAULT, RATE_MAX, RATE_MIN, SCOPE_MAX

from .schemas import Id, In, NamedRef


class ApiKeyIn(In):
    """A key for another system to file reports with. Both scope lists empty: anywhere (a national key,
    only the Admin Nasional makes one); an Admin Koordinator scopes within their province, an Admin
    Instansi to their own instansi."""
    name = fields.String(required=True, validate=validate.Length(1, NAME_MAX),
                         metadata={"description": "the integrating system, shown in the timeline and in monev",
                                   "example": "SMS 1708"})
    channel = fields.String(required=True, validate=validate.Length(1, 40), metadata={
        "description": "recorded on every report the key files; lower-case letters, digits, - and _, 2 to 20 "
                       "characters, not web or import (built in)", "pattern": f"^{PATTERN.pattern}$",
        "example": "sms1708"})
    region_ids = fields.List(Id(), load_default=list, validate=validate.Length(0, SCOPE_MAX), metadata={
        "description": "regions it may file for (a province covers its regencies and cities)"})
    instansi_ids = fields.List(Id(), load_default=list, validate=validate.Length(0, SCOPE_MAX), metadata={
        "description": "instansi it may file for"})
    rate_per_minute = fields.Integer(load_default=RATE_DEFAULT, strict=True,
                                     validate=validate.Range(RATE_MIN, RATE_MAX),
                                     metadata={"description": "requests a minute; more are answered 429 with "
                                                              "Retry-After"})


class ApiKeyOut(Schema):
    id = fields.Integer()
    name = fields.String()
    channel = fields.String()
    prefix = fields.String(metadata={"description": "the key's first characters, to tell keys apart"})
    status = fields.String(metadata={"description": "active | revoked"})
    national = fields.Boolean(metadata={"description": "no region and no instansi: it may file anywhere"})
    region_ids = fields.List(fields.Integer())
    instansi_ids = fields.List(fields.Integer())
    regions = fields.List(fields.Nested(NamedRef))
    instansi = fields.List(fields.Nested(NamedRef))
    rate_per_minute = fields.Integer()
    created_at = fields.DateTime()
    created_by = fields.String(allow_none=True, metadata={"description": "the admin who made it"})
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    revoked_by = fields.String(allow_none=True, metadata={"description": "the admin who revoked it"})


class ApiKeyCreatedOut(ApiKeyOut):
    key = fields.String(attribute="raw", metadata={
        "description": "the key itself, shown this once: only its SHA-256 is kept, so copy it now. Send it as "
                       "api_key (Open311)", "example": "adn_Qm9yZ2V0IG1lIG5vdC4gVGhpcyBpcyBhbiBleGFtcGxl"})
