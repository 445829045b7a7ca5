"""Marshmallow schemas: the shapes of the JSON API (and of its OpenAPI document)."""
from __future__ import annotations

from marshmallow import EXCLUDE, INCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate

from workflows.accounts.users import PASSWORD_MAX, PASSWORD_MIN
from workflows.complaints.statuses import ALL as STATUSES
from workflows.complaints.statuses import COMPLAINT_TYPES
from workflows.ids import MAX_ID
from workflows.monev.indicators import INDICATORS as MONEV_INDICATORS
from workflows.monev.indicators import MAX_DAYS
from workflows.risk.estimate import RISK_SORT
from workflows.tasks.queries import DUE_FILTERS, SORTS
from workflows.text import storable

ID_ERROR = "Must be a record id: a whole number from 1 to 2147483647."
UNSTORABLE_ERROR = "Contains a character that is not allowed (NUL or broken Unicode)."


def Id(**kwargs) -> fields.Integer:
    """A record id: 1..2^31-1 (ids are 32-bit integers), anything else is refused at the field."""
    kwargs.setdefault("strict", True)
    return fields.Integer(validate=validate.Range(1, MAX_ID, error=ID_ERROR),
                          metadata={"minimum": 1, "maximum": MAX_ID, **kwargs.pop("metadata", {})}, **kwargs)


def _unstorable(value, path: str, found: dict[str, list[str]], depth: int = 0) -> None:
    if depth > 20:
        return
    if isinstance(value, str):
        if not storable(value):
            found.setdefault(path, []).append(UNSTORABLE_ERROR)
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and not storable(key):
                found.setdefault(path or "_body", []).append(UNSTORABLE_ERROR)
            else:
                _unstorable(item, name, found, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _unstorable(item, path, found, depth + 1)


class In(Schema):
    """What every input schema refuses before anything else: text no database can store (a NUL
    character, a lone UTF-16 surrogate), anywhere in the input, named by its field."""

    @pre_load
    def _refuse_unstorable_text(self, data, **_kwargs):
        found: dict[str, list[str]] = {}
        lists = getattr(data, "getlist", None)  # a query string or form: every value of every key
        _unstorable({key: lists(key) for key in data} if lists else data, "", found)
        if found:
            raise ValidationError(found)
        return data


class MessageOut(Schema):
    message = fields.String()


class ErrorOut(Schema):
    """Every error the API returns (web/errors.py): 400/422 bad input, 401, 403, 404, 405, 409, 412, 413,
    429 (with Retry-After), 503 when the database is unavailable."""

    class Meta:
        unknown = INCLUDE  # a refusal's details go along as they are (web/errors.py), e.g. revoked_at on a 409

    error = fields.String(required=True, metadata={
        "description": "what went wrong, as a code: invalid, bad_request, unauthorized, account_deactivated, "
                       "forbidden, not_found, method_not_allowed, conflict, precondition_failed, too_large, "
                       "too_many_attempts, process_error, database_unavailable, csrf, internal_error"})
    message = fields.String(required=True, metadata={
        "description": "the same in words, in the request's language (Bahasa Indonesia unless ?lang=en "
                       "or Accept-Language: en)"})
    fields_ = fields.Dict(data_key="fields", keys=fields.String(), values=fields.List(fields.String()), metadata={
        "description": "bad input: each field's problems, in words (a nested form field as data.<id>)"})
    retry_after = fields.Integer(metadata={"description": "429: seconds until another attempt is accepted"})
    task_state = fields.String(metadata={"description": "409: the task's state when it was already done"})
    assignee_id = fields.Integer(metadata={"description": "409: who holds the task"})
    saved_by = fields.String(metadata={"description": "412: who saved the draft last"})
    saved_at = fields.String(metadata={"description": "412: when (ISO 8601)"})
    revision = fields.Integer(metadata={"description": "412: the draft's revision now"})


class VersionOut(Schema):
    key = fields.String(attribute="definition.key")
    variant = fields.String(attribute="definition.variant", metadata={"description": "'' national, else a region code"})
    version = fields.Integer(attribute="definition.version")
    deployed_at = fields.DateTime(attribute="definition.deployed_at")
    deployed_by = fields.String(allow_none=True)
    note = fields.String(attribute="definition.note")
    running = fields.Integer(metadata={"description": "complaints whose process runs on this version now"})
    live = fields.Boolean(metadata={"description": "the version new complaints start on"})


class DraftOut(Schema):
    id = fields.Integer()
    key = fields.String()
    variant = fields.String()
    based_on_id = fields.Integer(allow_none=True)
    revision = fields.Integer(metadata={"description": "send it back as If-Match to save, discard or deploy"})
    state = fields.String()
    updated_at = fields.DateTime()
    updated_by_id = fields.Integer()
    bpmn_xml = fields.String()


class DeployIn(In):
    note = fields.String(required=True, validate=validate.Length(1, 500),
                         metadata={"description": "what changed and why, kept with the version"})


class MigrationIn(In):
    from_version = fields.Integer(required=True, data_key="from", strict=True, validate=validate.Range(1, 100000),
                                  metadata={"description": "the version the complaints run on now"})
    to_version = fields.Integer(required=True, data_key="to", strict=True, validate=validate.Range(1, 100000),
                                metadata={"description": "the version to move them to"})
    variant = fields.String(load_default="", validate=validate.Length(0, 32))
    complaint_ids = fields.List(Id(), load_default=None, validate=validate.Length(1, 5000),
                                metadata={"description": "only these complaints (default: all open on 'from')"})
    reviewed = fields.List(fields.Nested(lambda: ReviewedIn()), load_default=None, validate=validate.Length(1, 5000),
                           metadata={"description": "the dry run's complaints with their lock_version: only these "
                                                    "move, and one changed since the dry run is reported, not moved"})


class ReviewedIn(In):
    complaint_id = Id(required=True)
    lock_version = fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**31 - 1))


class CandidateOut(Schema):
    complaint_id = fields.Integer()
    tracking_id = fields.String()
    movable = fields.Boolean(metadata={"description": "every step it waits at exists in the target version"})
    waiting = fields.List(fields.String(), metadata={"description": "BPMN ids of the steps/timers it waits at"})
    unmapped = fields.List(fields.String(), metadata={"description": "waiting steps missing in the target"})
    changed = fields.List(fields.String(), metadata={"description": "waiting steps defined differently there"})
    due_before = fields.Dict(keys=fields.String(), values=fields.DateTime())
    due_after = fields.Dict(keys=fields.String(), values=fields.DateTime())
    lock_version = fields.Integer(metadata={"description": "the instance's version seen; send it back in 'reviewed'"})
    outcome = fields.String(allow_none=True, metadata={"description": "after a run: moved, refused or moved_on"})
    migration_id = fields.Integer(allow_none=True, metadata={"description": "revert with this id"})


class MigrationOut(Schema):
    id = fields.Integer(attribute="record.id", metadata={"description": "revert with this id"})
    complaint_id = fields.Integer(attribute="record.complaint_id")
    tracking_id = fields.String()
    from_version = fields.Integer()
    to_version = fields.Integer()
    migrated_by_id = fields.Integer(attribute="record.migrated_by_id")
    migrated_at = fields.DateTime(attribute="record.migrated_at")
    reverted_at = fields.DateTime(attribute="record.reverted_at", allow_none=True)


class ChangeOut(Schema):
    element = fields.String(metadata={"description": "BPMN id"})
    name = fields.String()
    kind = fields.String(metadata={"description": "step, event, gateway or flow"})
    change = fields.String(metadata={"description": "added, removed or changed"})
    aspects = fields.List(fields.String(), metadata={
        "description": "what changed: name, lane, limit, condition, script, form, properties, type, path"})
    old_name = fields.String(metadata={"description": "the name before, when the name changed"})


class StepLoadOut(Schema):
    step = fields.String(metadata={"description": "BPMN id of the step"})
    waiting = fields.Integer()
    overdue = fields.Integer()
    median_days = fields.Float(metadata={"description": "median waiting time in working days"})


class RegionRef(Schema):
    code = fields.String()
    name = fields.String()


class LimitInForceOut(Schema):
    step = fields.String()
    tier = fields.String(metadata={"description": "follow-up tier ('' for other steps)"})
    limit = fields.String(metadata={"description": "e.g. 3WD (working days) or 3WH (working hours)"})
    source = fields.String(metadata={"description": "here, province, national (set) or default (the regulation)"})
    set_by = fields.String(allow_none=True)
    set_at = fields.DateTime(allow_none=True)
    effective_from = fields.Date(allow_none=True)
    scheduled = fields.Method("_scheduled", metadata={"description": "this region's changes from later dates"})

    @staticmethod
    def _scheduled(item):
        return [{"effective_from": since.isoformat(), "limit": limit} for since, limit in item.scheduled]


class DayOffOut(Schema):
    day = fields.Date()
    kind = fields.String(metadata={"description": "off (added day off), on (holiday cancelled), holiday"})
    name = fields.String()
    source = fields.String()


class RulesOut(Schema):
    region = fields.Nested(RegionRef, allow_none=True, metadata={"description": "null: the national rules"})
    on = fields.Date()
    editable = fields.Boolean(metadata={"description": "whether the caller may change these rules"})
    timezone = fields.String()
    working_hours = fields.String()
    limits = fields.List(fields.Nested(LimitInForceOut))
    days = fields.List(fields.Nested(DayOffOut))
    chain = fields.Method("_chain")
    chain_source = fields.String()
    sop_version = fields.Integer(allow_none=True)
    sop_variant = fields.String(allow_none=True)

    @staticmethod
    def _chain(rules):
        return [{"role": role, "after": after} for role, after in rules.chain]


class RegionIn(In):
    region = fields.String(load_default="", validate=validate.Length(0, 16),
                           metadata={"description": "region code; empty for the national rules"})


class LimitIn(RegionIn):
    step = fields.String(required=True, validate=validate.Length(1, 40))
    tier = fields.String(load_default="", validate=validate.Length(0, 30))
    limit = fields.String(required=True, validate=validate.Length(1, 10), metadata={"example": "4WD"})
    effective_from = fields.Date(load_default=None, metadata={"description": "default: today in the region"})


class InheritLimitIn(RegionIn):
    step = fields.String(required=True, validate=validate.Length(1, 40))
    tier = fields.String(load_default="", validate=validate.Length(0, 30))


class DayIn(RegionIn):
    day = fields.Date(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("off", "on")))
    note = fields.String(load_default="", validate=validate.Length(0, 200))


class LevelIn(In):
    role = fields.String(required=True, validate=validate.Length(1, 40))
    after = fields.String(required=True, validate=validate.Length(1, 10), metadata={"example": "2WD"})


class ChainIn(RegionIn):
    levels = fields.List(fields.Nested(LevelIn), required=True, validate=validate.Length(1, 6))


class DuePreviewOut(Schema):
    step = fields.String()
    tier = fields.String()
    limit = fields.String()
    due_at = fields.DateTime()


class RuleChangeOut(Schema):
    kind = fields.String(attribute="change.kind")
    rule = fields.String(attribute="change.rule")
    old = fields.String(attribute="change.old")
    new = fields.String(attribute="change.new")
    effective_from = fields.Date(attribute="change.effective_from", allow_none=True)
    changed_at = fields.DateTime(attribute="change.changed_at")
    changed_by = fields.String(attribute="by", allow_none=True)


class PlanScopeIn(In):
    region = fields.String(required=True, validate=validate.Length(1, 16), metadata={"description": "region code"})
    instansi_id = Id(load_default=None, metadata={"description": "an instansi of the region; none: the region's plan"})
    year = fields.Integer(required=True, strict=True, validate=validate.Range(2020, 2100))


class PlanTargetsIn(PlanScopeIn):
    targets = fields.Dict(keys=fields.String(validate=validate.Length(1, 40)),
                          values=fields.Float(allow_none=True, allow_nan=False), required=True,
                          metadata={"description": "indicator -> target (a share 0..1; a count for "
                                                   "socialisation_events); null removes the target"})
    achieved = fields.Dict(keys=fields.String(validate=validate.Length(1, 40)),
                           values=fields.Float(allow_none=True, allow_nan=False), load_default=dict,
                           metadata={"description": "socialisation_events -> count held so far"})


class ActivityIn(PlanScopeIn):
    what = fields.String(required=True, validate=validate.Length(1, 300))
    unit_id = Id(load_default=None)
    due_quarter = fields.Integer(required=True, strict=True, validate=validate.Range(1, 4))


class ActivityUpdateIn(In):
    status = fields.String(required=True, validate=validate.OneOf(("planned", "in_progress", "done", "dropped")))
    evidence = fields.String(load_default="", validate=validate.Length(0, 500))


class PlanTargetOut(Schema):
    indicator = fields.String()
    target = fields.Float()
    actual = fields.Float(allow_none=True)
    behind = fields.Boolean()


class PlanActivityOut(Schema):
    id = fields.Integer()
    what = fields.String()
    unit_id = fields.Integer(allow_none=True)
    due_quarter = fields.Integer()
    status = fields.String()
    evidence = fields.String()
    updated_at = fields.DateTime()


class PlanOut(Schema):
    region = fields.String()
    instansi_id = fields.Integer(allow_none=True)
    year = fields.Integer()
    editable = fields.Boolean()
    targets = fields.List(fields.Nested(PlanTargetOut))
    activities = fields.List(fields.Nested(PlanActivityOut))


class DesignerIn(In):
    designer = fields.String(required=True, allow_none=True, validate=validate.OneOf(("national", "regional")),
                             metadata={"description": "national, regional (own region's variant) or null"})


class DiagramProblemOut(Schema):
    element = fields.String(allow_none=True, metadata={"description": "the BPMN element's id (None: the document)"})
    code = fields.String(metadata={"description": "stable code, e.g. juel_expression, unknown_role, no_time_limit"})
    message = fields.String(metadata={"description": "in words, in the request's language"})


class DiagramCheckOut(Schema):
    valid = fields.Boolean()
    problems = fields.List(fields.Nested(DiagramProblemOut))


class LoginIn(In):
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


class ComplaintIn(In):
    type = fields.String(required=True, validate=validate.OneOf(COMPLAINT_TYPES))
    category = fields.String(required=True, validate=validate.Length(1, 60))
    title = fields.String(required=True, validate=validate.Length(3, 200))
    description = fields.String(required=True, validate=validate.Length(10, 10_000))
    location = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    latitude = fields.Float(load_default=None, allow_none=True, allow_nan=False,
                            metadata={"description": "the pin (WGS 84), with longitude"})
    longitude = fields.Float(load_default=None, allow_none=True, allow_nan=False)
    region_id = Id(required=True)
    instansi_id = Id(load_default=None, allow_none=True,
                     metadata={"description": "omitted or null when the reporter does not know: the region's "
                                              "routing table proposes one and a coordinator routes the report"})
    anonymous = fields.Boolean(load_default=False)
    confidential = fields.Boolean(load_default=False)
    language = fields.String(load_default="id", validate=validate.OneOf(("id", "en")),
                             metadata={"description": "the language of the messages the reporter gets"})
    reporter_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200),
                                  metadata={"description": "required unless anonymous is true"})
    reporter_email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=200))
    reporter_phone = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Regexp(r"^\+?[0-9 ()-]{6,20}$"))
    attributes = fields.Dict(keys=fields.String(validate=validate.Length(1, 40)), load_default=None,
                             allow_none=True, metadata={
                                 "description": "answers to the category's extra fields (see Open311's service "
                                                "definition): code -> value, or a list for several of a list"})

    @post_load
    def _answers_as_lists(self, data, **_kwargs):
        answers = data.get("attributes")
        if answers:
            data["attributes"] = {code: [str(v) for v in (value if isinstance(value, list) else [value])
                                         if v is not None] for code, value in answers.items()}
        return data


class SubmittedOut(Schema):
    tracking_id = fields.String()
    reporter_token = fields.String(metadata={"description": "Keep it: needed to reply; shown only once."})
    status = fields.String()


class FormValues(In):
    data = fields.Dict(keys=fields.String(), required=True,
                       metadata={"description": "Values for the fields of the task's form"})


class ReplyIn(FormValues):
    token = fields.String(required=True, validate=validate.Length(1, 200))


class TrackQuery(In):
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


CLOSED_HELP = ("the complaint's process has ended (closed after the reporter's rating or when no reply came "
               "in time, or archived); status 'diselesaikan' with closed false is waiting for the reporter")


class NextDueOut(Schema):
    task = fields.String()
    title = fields.String()
    due_at = fields.DateTime()


class PublicComplaintOut(Schema):
    tracking_id = fields.String()
    type = fields.String()
    category = fields.String()
    status = fields.String()
    instansi = fields.String(allow_none=True, metadata={"description": "null while the report waits for triage"})
    region = fields.String()
    created_at = fields.DateTime()
    closed = fields.Boolean(metadata={"description": CLOSED_HELP})
    closed_at = fields.DateTime(allow_none=True)
    confidential = fields.Boolean()
    anonymous = fields.Boolean()
    title = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    location = fields.String(allow_none=True)
    rating = fields.String(allow_none=True)
    timeline = fields.List(fields.Nested(TimelineEntry))
    awaiting_reply = fields.Nested(AwaitingReply, allow_none=True)
    next_due = fields.Nested(NextDueOut, allow_none=True,
                             metadata={"description": "the agency's next deadline (its earliest open step)"})
    latitude = fields.Float(allow_none=True, metadata={"description": "the reporter's pin (none if confidential)"})
    longitude = fields.Float(allow_none=True)
    photos = fields.List(fields.Dict(), metadata={"description": "the report's photos: id and filename; "
                                                                 "GET /track/<tracking_id>/photos/<id>[?size=thumb]"})


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
    openable = fields.Boolean(metadata={"description": "whether the caller may open this task"})


class AttachmentOut(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()


class OfficerComplaintOut(Schema):
    id = fields.Integer()
    tracking_id = fields.String()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
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
    instansi = fields.Nested(NamedRef, allow_none=True, metadata={"description": "null while waiting for triage"})
    unit = fields.Nested(NamedRef, allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    closed = fields.Boolean(metadata={"description": CLOSED_HELP})
    closed_at = fields.DateTime(allow_none=True)
    reporter = fields.Dict(allow_none=True)
    open_tasks = fields.List(fields.Nested(OpenTask))
    attachments = fields.List(fields.Nested(AttachmentOut))
    timeline = fields.List(fields.Nested(TimelineEntry))


class TaskQueryIn(In):
    mine = fields.Boolean(load_default=True)
    group = fields.Boolean(load_default=True)
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    tracking_id = fields.String(load_default=None, validate=validate.Length(1, 20))
    category = fields.String(load_default=None, validate=validate.Length(1, 60))
    due = fields.String(load_default=None, validate=validate.OneOf(DUE_FILTERS),
                        metadata={"description": "soon: due within two days; overdue: past its due date"})
    sort = fields.String(load_default="due", validate=validate.OneOf(SORTS + (RISK_SORT,)),
                         metadata={"description": "due: soonest first; -due: latest first (no due date last); "
                                                  "risk: highest breach risk first (no estimate last)"})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000))


class AtRiskQueryIn(In):
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
    tracking_id = fields.String(attribute="complaint.tracking_id")
    complaint_title = fields.String(attribute="complaint.title")
    category = fields.String(attribute="complaint.category")
    status = fields.String(attribute="complaint.status", metadata={"description": "the complaint's status"})
    form = fields.Function(lambda task: getattr(task, "form", None), allow_none=True,
                           metadata={"description": "the form to complete (one task's view only)"})
    breach_risk = fields.Function(
        lambda task: getattr(task, "breach_risk", None), allow_none=True,
        metadata={"description": "the task list only: estimated probability (0-1) that this open task misses its "
                                 "limit, from the working time the same step took in the same unit (else instansi, "
                                 "else nationally); null when it is already late, has no limit or too little history"})
    breach_risk_basis = fields.Function(
        lambda task: getattr(task, "breach_risk_basis", None), allow_none=True,
        metadata={"description": "which history the estimate rests on: unit | instansi | national"})


class DelegateIn(In):
    user_id = Id(required=True, metadata={"description": "The colleague's user id"})


class ColleagueOut(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()


class ManagedUserOut(UserOut):
    active = fields.Boolean()
    designer = fields.String(allow_none=True, metadata={"description": "process-designer right: national, regional or null"})
    created_at = fields.DateTime()
    last_login_at = fields.DateTime(allow_none=True)


PASSWORD_DOC = {"minLength": PASSWORD_MIN, "maxLength": PASSWORD_MAX,
                "description": f"{PASSWORD_MIN} to {PASSWORD_MAX} characters"}


class NewUserIn(In):
    """Checked by the domain (all field problems at once); here only the types."""
    username = fields.String(required=True)
    full_name = fields.String(required=True)
    password = fields.String(required=True, load_only=True, metadata=PASSWORD_DOC)
    role = fields.String(required=True)
    instansi_id = Id(load_default=None, allow_none=True)
    unit_id = Id(load_default=None, allow_none=True)
    region_id = Id(load_default=None, allow_none=True)


class UserPatchIn(In):
    full_name = fields.String()
    active = fields.Boolean()
    password = fields.String(load_only=True, metadata=PASSWORD_DOC)


class HandoverIn(In):
    to_user_id = Id(required=True)
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
    active = fields.Boolean(metadata={"description": "false: retired, no longer offered for new work"})


class NotificationOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    complaint_id = fields.Integer(allow_none=True)
    data = fields.Dict()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
    unread = fields.Boolean(metadata={"description": "Newer than what this officer marked read"})


class MarkReadIn(In):
    up_to = fields.Integer(required=True, strict=True, validate=validate.Range(0, MAX_ID, error=ID_ERROR),
                           metadata={"description": "The newest notification id the officer has seen"})


class UnreadOut(Schema):
    unread = fields.Integer()


class MonevQueryIn(In):
    """The period (arrival days, inclusive; default: this year so far) and an optional drill-down."""
    class Meta:
        unknown = EXCLUDE  # pages carry other arguments too (lang)

    start = fields.Date(data_key="from", load_default=None, metadata={
        "description": f"first arrival day (default: 1 January of this year); a period covers at most {MAX_DAYS} days"})
    end = fields.Date(data_key="to", load_default=None, metadata={
        "description": f"last arrival day, inclusive (default: today); not before 'from', at most {MAX_DAYS} days after"})
    province_id = Id(load_default=None, strict=False)
    instansi_id = Id(load_default=None, strict=False)
    sort = fields.String(load_default="follow_up_share", validate=validate.OneOf(("name", *MONEV_INDICATORS)))
    desc = fields.Boolean(load_default=True)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1000))


class MonevFiguresOut(Schema):
    received = fields.Integer()
    archived = fields.Integer()
    waiting = fields.Integer(metadata={"description": "not verified yet (belum diproses)"})
    deferred = fields.Integer(metadata={"description": "waiting for the reporter (dipending)"})
    dispatched = fields.Integer(metadata={"description": "dispatched, in progress or followed up"})
    followed_up = fields.Integer()
    awaiting_reply = fields.Integer(metadata={"description": "followed up (diselesaikan), waiting for the reporter's response"})
    closed = fields.Integer(metadata={"description": "followed up and closed (diselesaikan, process ended)"})
    reopened = fields.Integer()
    rated = fields.Integer()
    rated_sangat_puas = fields.Integer()
    rated_puas = fields.Integer()
    rated_cukup_puas = fields.Integer()
    rated_tidak_puas = fields.Integer()
    follow_up_share = fields.Float(allow_none=True, metadata={"description": "persentase tindak lanjut, 0..1"})
    settled_share = fields.Float(allow_none=True)
    verify_days = fields.Float(allow_none=True, metadata={"description": "mean working days to verify"})
    verify_on_time = fields.Float(allow_none=True)
    follow_up_days = fields.Float(allow_none=True, metadata={"description": "laju tindak lanjut"})
    follow_up_on_time = fields.Float(allow_none=True)
    satisfaction = fields.Float(allow_none=True)
    reopen_rate = fields.Float(allow_none=True)
    instansi = fields.Integer()
    connected = fields.Integer()
    connectedness = fields.Float(allow_none=True, metadata={"description": "keterhubungan, 0..1"})
    admins = fields.Integer()
    admins_active = fields.Integer()
    account_activity = fields.Float(allow_none=True, metadata={"description": "keaktifan akun, 0..1"})


class MonevRowOut(Schema):
    key = fields.Raw(metadata={"description": "instansi or province id, or the month YYYY-MM"})
    name = fields.String()
    province_id = fields.Integer(allow_none=True)
    reasons = fields.List(fields.String(), metadata={"description": "why an instansi lags (lagging list)"})
    figures = fields.Nested(MonevFiguresOut)


class MonevChannelOut(Schema):
    channel = fields.String(metadata={"description": "web (the site and this API), import (history), or an API "
                                                    "key's channel"})
    name = fields.String(allow_none=True, metadata={"description": "an API key's channel: the key's name"})
    received = fields.Integer(metadata={"description": "reports received through it in the period"})
    share = fields.Float(allow_none=True,
                         metadata={"description": "of all reports per channel in the period, 0..1"})
    months = fields.Dict(keys=fields.String(), values=fields.Integer(),
                         metadata={"description": "reports per month of arrival (YYYY-MM)"})


class MonevOut(Schema):
    start = fields.Date(data_key="from")
    end = fields.Date(data_key="to")
    target = fields.Float(metadata={"description": "the follow-up share an instansi should reach"})
    refreshed_at = fields.DateTime(allow_none=True, metadata={"description": "when the rollup was last rebuilt"})
    province_id = fields.Integer(allow_none=True)
    instansi_id = fields.Integer(allow_none=True)
    totals = fields.Nested(MonevFiguresOut)
    by_province = fields.List(fields.Nested(MonevRowOut), data_key="provinces")
    by_instansi = fields.List(fields.Nested(MonevRowOut), data_key="instansi")
    by_month = fields.List(fields.Nested(MonevRowOut), data_key="months")
    lagging = fields.List(fields.Nested(MonevRowOut))
    by_channel = fields.List(fields.Nested(MonevChannelOut), data_key="channels",
                             metadata={"description": "reports per channel, most first: the routed ones of the "
                                                      "instansi in view and, for the national and a province's "
                                                      "view, those still waiting for triage (by their region)"})
    waiting_for_triage = fields.Integer(metadata={
        "description": "of the reports per channel: those with no instansi yet (not in totals until routed)"})


class CategoryOut(Schema):
    code = fields.String()
    name_id = fields.String()
    name_en = fields.String()
    active = fields.Boolean()


class CategoryIn(In):
    code = fields.String(required=True, validate=validate.Length(1, 60),
                         metadata={"description": "lower-case letters, digits and _; e.g. air_bersih"})
    name_id = fields.String(required=True, validate=validate.Length(1, 100))
    name_en = fields.String(required=True, validate=validate.Length(1, 100))


class CategoryUpdateIn(In):
    name_id = fields.String(validate=validate.Length(1, 100))
    name_en = fields.String(validate=validate.Length(1, 100))
    active = fields.Boolean(metadata={"description": "false retires the category (no longer offered)"})


class UnitIn(In):
    code = fields.String(required=True, validate=validate.Length(1, 32))
    name = fields.String(required=True, validate=validate.Length(1, 200))


class UnitUpdateIn(In):
    name = fields.String(validate=validate.Length(1, 200))
    active = fields.Boolean(metadata={"description": "false retires the unit (no longer offered for new work)"})


class RouteRowOut(Schema):
    id = fields.Integer(attribute="rule.id")
    source = fields.String(metadata={"description": "here | province | national: where the row is set"})
    category = fields.String(attribute="rule.category")
    keywords = fields.List(fields.String())
    sub_region = fields.String(allow_none=True, metadata={"description": "the regency/city a province's row is for"})
    instansi_id = fields.Integer(attribute="rule.instansi_id")
    instansi = fields.String()
    unit_id = fields.Integer(attribute="rule.unit_id", allow_none=True)
    unit = fields.String(allow_none=True)
    set_at = fields.DateTime(attribute="rule.set_at")


class RoutingOut(Schema):
    region = fields.String(allow_none=True)
    editable = fields.Boolean(metadata={"description": "whether the caller may change this region's table"})
    rows = fields.List(fields.Nested(RouteRowOut),
                       metadata={"description": "in the order they are tried; the first match wins"})


class RouteIn(RegionIn):
    category = fields.String(required=True, validate=validate.Length(1, 60))
    keywords = fields.String(load_default="", validate=validate.Length(0, 500),
                             metadata={"description": "comma-separated; any one in the title or description"})
    sub_region = fields.String(load_default=None, allow_none=True, validate=validate.Length(0, 16),
                               metadata={"description": "a regency/city code (a province's table only)"})
    instansi_id = Id(required=True)
    unit_id = Id(load_default=None, allow_none=True)
