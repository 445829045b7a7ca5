"""Marshmallow schemas: the shapes of the JSON API (and of its OpenAPI document)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from workflows.statuses import ALL as STATUSES
from workflows.statuses import COMPLAINT_TYPES
from workflows.tasks import DUE_FILTERS, SORTS


class LoginIn(Schema):
    username = fields.String(required=True, validate=validate.Length(1, 80))
    password = fields.String(required=True, validate=validate.Length(1, 200), load_only=True)


class UserOut(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    role = fields.String()
    region_id = fields.Integer(allow_none=True)
    instansi_id = fields.Integer(allow_none=True)
    unit_id = fields.Integer(allow_none=True)


class LoginOut(Schema):
    token = fields.String()
    user = fields.Nested(UserOut)


class ComplaintIn(Schema):
    type = fields.String(required=True, validate=validate.OneOf(COMPLAINT_TYPES))
    category = fields.String(required=True, validate=validate.Length(1, 60))
    title = fields.String(required=True, validate=validate.Length(3, 200))
    description = fields.String(required=True, validate=validate.Length(10, 10_000))
    location = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    region_id = fields.Integer(required=True, strict=True)
    instansi_id = fields.Integer(required=True, strict=True)
    anonymous = fields.Boolean(load_default=False)
    confidential = fields.Boolean(load_default=False)
    reporter_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    reporter_email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=200))
    reporter_phone = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Regexp(r"^\+?[0-9 ()-]{6,20}$"))


class SubmittedOut(Schema):
    tracking_id = fields.String()
    reporter_token = fields.String(metadata={"description": "Keep it: needed to reply; shown only once."})
    status = fields.String()


class FormValues(Schema):
    data = fields.Dict(keys=fields.String(), required=True,
                       metadata={"description": "Values for the fields of the task's form"})


class ReplyIn(FormValues):
    token = fields.String(required=True, validate=validate.Length(1, 200))


class TrackQuery(Schema):
    token = fields.String(load_default=None)


class TimelineEntry(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    action = fields.String()
    task = fields.String(allow_none=True)
    actor = fields.String(allow_none=True)
    actor_kind = fields.String()
    actor_id = fields.Integer(allow_none=True)
    data = fields.Dict()


class AwaitingReply(Schema):
    task = fields.String()
    title = fields.String()
    due_at = fields.DateTime(allow_none=True)
    form = fields.Dict(allow_none=True)


class PublicComplaintOut(Schema):
    tracking_id = fields.String()
    type = fields.String()
    category = fields.String()
    status = fields.String()
    instansi = fields.String()
    region = fields.String()
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    confidential = fields.Boolean()
    anonymous = fields.Boolean()
    title = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    location = fields.String(allow_none=True)
    reporter_name = fields.String(allow_none=True)
    rating = fields.String(allow_none=True)
    timeline = fields.List(fields.Nested(TimelineEntry))
    awaiting_reply = fields.Nested(AwaitingReply, allow_none=True)


class NamedRef(Schema):
    id = fields.Integer()
    name = fields.String()


class OpenTask(Schema):
    id = fields.Integer()
    name = fields.String()
    title = fields.String()
    role = fields.String()
    assignee_id = fields.Integer(allow_none=True)
    due_at = fields.DateTime(allow_none=True)


class AttachmentOut(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()


class OfficerComplaintOut(Schema):
    id = fields.Integer()
    tracking_id = fields.String()
    type = fields.String()
    category = fields.String()
    title = fields.String()
    description = fields.String()
    location = fields.String(allow_none=True)
    status = fields.String()
    tier = fields.String(allow_none=True)
    rating = fields.String(allow_none=True)
    anonymous = fields.Boolean()
    confidential = fields.Boolean()
    region = fields.Nested(NamedRef)
    instansi = fields.Nested(NamedRef)
    unit = fields.Nested(NamedRef, allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    reporter = fields.Dict(allow_none=True)
    open_tasks = fields.List(fields.Nested(OpenTask))
    attachments = fields.List(fields.Nested(AttachmentOut))
    timeline = fields.List(fields.Nested(TimelineEntry))


class TaskQueryIn(Schema):
    mine = fields.Boolean(load_default=True)
    group = fields.Boolean(load_default=True)
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    tracking_id = fields.String(load_default=None, validate=validate.Length(1, 20))
    category = fields.String(load_default=None, validate=validate.Length(1, 60))
    due = fields.String(load_default=None, validate=validate.OneOf(DUE_FILTERS),
                        metadata={"description": "soon: due within two days; overdue: past its due date"})
    sort = fields.String(load_default="due", validate=validate.OneOf(SORTS),
                         metadata={"description": "due: soonest first; -due: latest first (no due date last)"})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000))


class TaskOut(Schema):
    id = fields.Integer()
    name = fields.String()
    title = fields.String()
    role = fields.String()
    state = fields.String()
    assignee_id = fields.Integer(allow_none=True)
    instansi_id = fields.Integer(allow_none=True)
    unit_id = fields.Integer(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    complaint_id = fields.Integer()
    tracking_id = fields.String()
    complaint_title = fields.String()
    category = fields.String()
    status = fields.String()
    form = fields.Dict(allow_none=True)


class DelegateIn(Schema):
    user_id = fields.Integer(required=True, strict=True, metadata={"description": "The colleague's user id"})


class ColleagueOut(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()


class ManagedUserOut(UserOut):
    active = fields.Boolean()
    created_at = fields.DateTime()
    last_login_at = fields.DateTime(allow_none=True)


class NewUserIn(Schema):
    """Checked by the domain (all field problems at once); here only the types."""
    username = fields.String(required=True)
    full_name = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    role = fields.String(required=True)
    instansi_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    unit_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    region_id = fields.Integer(load_default=None, allow_none=True, strict=True)


class UserPatchIn(Schema):
    full_name = fields.String()
    active = fields.Boolean()
    password = fields.String(load_only=True)


class HandoverIn(Schema):
    to_user_id = fields.Integer(required=True, strict=True)
    deactivate = fields.Boolean(load_default=True)


class HandoverOut(Schema):
    moved = fields.Integer()


class RegionOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    parent_id = fields.Integer(allow_none=True)


class InstansiOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    region_id = fields.Integer()


class UnitOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    instansi_id = fields.Integer()


class NotificationOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    complaint_id = fields.Integer(allow_none=True)
    data = fields.Dict()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
    unread = fields.Boolean(metadata={"description": "Newer than what this officer marked read"})


class MarkReadIn(Schema):
    up_to = fields.Integer(required=True, strict=True, validate=validate.Range(0, 2**62),
                           metadata={"description": "The newest notification id the officer has seen"})


class UnreadOut(Schema):
    unread = fields.Integer()
