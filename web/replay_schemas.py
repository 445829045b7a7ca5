"""Marshmallow schemas of the what-if replay (``/api/replays``)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from .schemas import Id, In


class ChainLevelIn(In):
    role = fields.String(required=True, validate=validate.Length(1, 40))
    after = fields.String(required=True, validate=validate.Length(1, 10), metadata={"example": "2WD"})


class ReplayIn(In):
    """What to replay and over which complaints. The candidate is a draft, a deployed version, or the live
    versions with changed rules; changed rules may come with a draft or version too."""
    period_from = fields.Date(required=True, metadata={"description": "first arrival day (YYYY-MM-DD)"})
    period_to = fields.Date(required=True, metadata={"description": "last arrival day, inclusive (at most 732 days)"})
    draft_id = Id(load_default=None, allow_none=True, metadata={"description": "an open draft of the SOP"})
    version = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 999_999),
                             metadata={"description": "a deployed version number of the SOP (with variant)"})
    variant = fields.String(load_default="", validate=validate.Length(0, 32),
                            metadata={"description": "with version: a region code, '' for the national SOP"})
    region = fields.String(load_default=None, allow_none=True, validate=validate.Length(0, 20),
                           metadata={"description": "only complaints of this region and the regions under it; "
                                                    "changed rules are set for it (none: national)"})
    instansi_id = Id(load_default=None, allow_none=True, metadata={"description": "only this instansi's complaints"})
    seed = fields.Integer(load_default=1, validate=validate.Range(0, 2**31 - 1))
    limits = fields.Dict(keys=fields.String(validate=validate.Length(1, 60)),
                         values=fields.String(validate=validate.Length(1, 10)), load_default=dict,
                         metadata={"example": {"verify": "2WD", "follow_up/normatif": "4WD"}})
    days_off = fields.List(fields.Date(), load_default=list, validate=validate.Length(0, 366))
    chain = fields.List(fields.Nested(ChainLevelIn), load_default=list, validate=validate.Length(0, 8))
    label = fields.String(load_default="", validate=validate.Length(0, 200))


class ReplayOut(Schema):
    id = fields.Integer()
    state = fields.String(metadata={"description": "queued | running | done | failed"})
    created_at = fields.DateTime()
    draft_id = fields.Integer(allow_none=True)
    definition_id = fields.Integer(allow_none=True)
    variant = fields.String()
    candidate = fields.Dict(metadata={"description": "changed limits, days off, chain; label; the draft's revision"})
    region = fields.String(attribute="region_code", allow_none=True)
    instansi_id = fields.Integer(allow_none=True)
    period_from = fields.Date()
    period_to = fields.Date()
    seed = fields.Integer()
    total = fields.Integer(metadata={"description": "complaints in the period and scope"})
    done = fields.Integer(metadata={"description": "replayed so far"})
    seconds = fields.Float(allow_none=True)
    error = fields.String(allow_none=True)
    report = fields.Dict(allow_none=True, metadata={
        "description": "totals, steps, regions, instansi and workload rows with the scenarios actual (as it "
                       "happened), live and candidate side by side; weeks: tasks waiting per week"})


class ReplayListOut(ReplayOut):
    class Meta:
        exclude = ("report",)
