"""Process diagrams: validate a diagram the way a deploy would (the designer's tools and the page use
the same answer)."""
from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from workflows.errors import Invalid
from workflows.processes import heatmap, validation

from ..context import current_user, services, unit_of_work
from ..messages import field_message
from ..openapi import Err, api_errors
from ..schemas import (
    CandidateOut,
    ChangeOut,
    DeployIn,
    DiagramCheckOut,
    DraftOut,
    MigrationIn,
    MigrationOut,
    StepLoadOut,
    VersionOut,
)

blp = Blueprint("processes", __name__, url_prefix="/api/processes", description="Process diagrams (BPMN)")

NO_RIGHT = "you do not have the process-designer right for this diagram"
NO_VERSION = "no such process version"
NO_DRAFT = "draft not found"
NOT_UTF8 = Err("invalid input", fields={"bpmn": ("invalid_diagram", {"reason": "the body is not UTF-8 text"})})
STALE = [Err("someone else saved this draft since you opened it",
             extra={"saved_by": "Admin Nasional", "saved_at": "2026-12-01T09:30:00+07:00", "revision": 4}),
         "send If-Match with the draft's revision (its ETag)", "this draft was deployed already; start a new one"]
BPMN_BODY = {"required": True, "content": {
    "application/xml": {"schema": {"type": "string", "description": "a BPMN 2.0 document (Camunda flavour)"}}}}


def diagram_text() -> str:
    """The request body as text: BPMN XML, UTF-8."""
    try:
        return request.get_data(cache=False).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Invalid({"bpmn": [("invalid_diagram", {"reason": "the body is not UTF-8 text"})]}) from exc


@blp.route("/<string:key>/validate")
class Validate(MethodView):
    @blp.doc(requestBody=BPMN_BODY)
    @blp.response(200, DiagramCheckOut)
    @api_errors(invalid=NOT_UTF8)
    def post(self, key):
        """Check a diagram as a deploy of process ``key`` (``?variant=``) would: BPMN schema,
        SpiffWorkflow, paths, conditions, timers, scripts and forms, Aduan's rules (roles, time limits,
        statuses, unit routing) and compatibility with the live version (form fields kept).
        Every problem names its BPMN element; nothing is stored."""
        with unit_of_work() as db:
            current_user(db)
            live = services().registry.live_diagram(db, key, request.args.get("variant", ""))
        found = validation.problems(diagram_text(), key, live)
        return {"valid": not found, "problems": [
            {"element": p.element, "code": p.code, "message": field_message(p.code, {**p.params, "element": p.element})}
            for p in found]}


def _etag(draft) -> dict[str, str]:
    return {"ETag": f'"r{draft.revision}"'}


def _if_match() -> int | None:
    """The revision in If-Match (``"r3"``, ``r3`` or ``3``); None when absent or unreadable."""
    value = (request.headers.get("If-Match") or "").strip().removeprefix("W/").strip('"').removeprefix("r")
    return int(value) if value.isdigit() and len(value) < 10 else None


@blp.route("/<string:key>/versions")
class Versions(MethodView):
    @blp.response(200, VersionOut(many=True))
    def get(self, key):
        """Every deployed version of ``key`` (``?variant=`` a region code; national by default), newest
        first: who deployed it, when, the note, how many complaints run on it."""
        with unit_of_work() as db:
            current_user(db)
            return services().designer.versions(db, key, request.args.get("variant", ""))


@blp.route("/<string:key>/versions/<int:number>/bpmn")
class VersionDiagram(MethodView):
    @blp.doc(responses={"200": {"description": "The version's BPMN XML",
                                "content": {"application/xml": {"schema": {"type": "string"}}}}})
    @api_errors(not_found=NO_VERSION)
    def get(self, key, number):
        """The diagram of one version (read-only for everyone logged in)."""
        with unit_of_work() as db:
            current_user(db)
            xml = services().designer.version(db, key, number, request.args.get("variant", "")).bpmn_xml
        return Response(xml, mimetype="application/xml")


@blp.route("/<string:key>/drafts")
class Drafts(MethodView):
    @blp.response(200, DraftOut(many=True))
    def get(self, key):
        """Open drafts of ``key``, the most recently saved first."""
        with unit_of_work() as db:
            current_user(db)
            return services().designer.drafts(db, key)

    @blp.doc(requestBody={"required": False, "content": BPMN_BODY["content"]})
    @blp.response(201, DraftOut)
    @api_errors(forbidden=NO_RIGHT, not_found="this process is not deployed yet; post a diagram to start from",
                invalid=NOT_UTF8)
    def post(self, key):
        """Start a draft (``?variant=``): from the posted diagram, else a copy of the live version."""
        body = diagram_text() if request.content_length else None
        with unit_of_work() as db:
            draft = services().designer.start_draft(db, current_user(db), key, request.args.get("variant", ""), body)
            return draft, 201, _etag(draft)


@blp.route("/drafts/<int:draft_id>")
class Draft(MethodView):
    @blp.response(200, DraftOut)
    @api_errors(not_found=NO_DRAFT)
    def get(self, draft_id):
        """A draft with its diagram; the ETag is its revision."""
        with unit_of_work() as db:
            current_user(db)
            draft = services().designer.draft(db, draft_id)
            return draft, 200, _etag(draft)

    @blp.doc(requestBody=BPMN_BODY, parameters=[{"in": "header", "name": "If-Match", "required": True,
                                                 "schema": {"type": "string"}}])
    @blp.response(200, DraftOut)
    @api_errors(forbidden=NO_RIGHT, not_found=NO_DRAFT, precondition_failed=STALE, invalid=NOT_UTF8)
    def put(self, draft_id):
        """Save the draft's diagram, if nobody saved it since the revision in If-Match."""
        xml = diagram_text()
        with unit_of_work() as db:
            draft = services().designer.save(db, current_user(db), draft_id, xml, _if_match())
            return draft, 200, _etag(draft)

    @blp.doc(parameters=[{"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"}}])
    @blp.response(204)
    @api_errors(forbidden=NO_RIGHT, not_found=NO_DRAFT, precondition_failed=STALE)
    def delete(self, draft_id):
        """Discard the draft."""
        with unit_of_work() as db:
            services().designer.discard(db, current_user(db), draft_id, _if_match())


@blp.route("/drafts/<int:draft_id>/deploy")
class Deploy(MethodView):
    @blp.arguments(DeployIn)
    @blp.doc(parameters=[{"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"}}])
    @blp.response(201, VersionOut)
    @api_errors(forbidden=NO_RIGHT, not_found=NO_DRAFT, precondition_failed=STALE,
                conflict="the process was deployed by someone else at the same time; try again",
                invalid=Err("the diagram cannot be deployed at Task_Verify: no_time_limit",
                            fields={"bpmn": ("no_time_limit", {"element": "Task_Verify"})},
                            why="The diagram has problems, each at its element"))
    def post(self, body, draft_id):
        """Deploy the draft as the next version of its process and variant, with a note. An invalid
        draft is refused (422) with every problem at its element; running complaints stay on their
        version, new complaints start on this one."""
        designer = services().designer
        with unit_of_work() as db:
            user = current_user(db)
            definition = designer.deploy(db, user, draft_id, body["note"], _if_match())
            view = next(v for v in designer.versions(db, definition.key, definition.variant)
                        if v.definition.id == definition.id)
            return view, 201


def _number(name: str, required: bool = True) -> int | None:
    """A positive whole number from the query string, or a 422 naming the parameter."""
    value = request.args.get(name)
    if value is None or value == "":
        if required:
            raise Invalid({name: [("required", {})]})
        return None
    if not value.isdigit() or len(value) > 9 or int(value) < 1:
        raise Invalid({name: [("not_a_number", {})]})
    return int(value)


@blp.route("/<string:key>/diff")
class Diff(MethodView):
    @blp.doc(parameters=[{"in": "query", "name": n, "required": n == "from", "schema": {"type": "integer"},
                          "description": d} for n, d in (("from", "the older version"), ("to", "the newer version"),
                                                         ("draft", "a draft instead of 'to'"))])
    @blp.response(200, ChangeOut(many=True))
    @api_errors(not_found=[NO_VERSION, NO_DRAFT], invalid={"from": ("required", {})})
    def get(self, key):
        """What changed from version ``from`` to version ``to`` (or to ``draft``): steps, events,
        gateways and flows added, removed or changed, with the aspects that changed (name, lane,
        limit, condition, script, form, properties, type, path). Elements are matched by BPMN id."""
        source, target, draft = _number("from"), _number("to", False), _number("draft", False)
        with unit_of_work() as db:
            current_user(db)
            return services().designer.compare(db, key, request.args.get("variant", ""), source, target, draft)


@blp.route("/<string:key>/heatmap")
class Heatmap(MethodView):
    @blp.response(200, StepLoadOut(many=True))
    @api_errors(invalid={"version": ("not_a_number", {})})
    def get(self, key):
        """Live load per step of ``key``: open complaints waiting at each step, how many are overdue,
        the median wait in working days -- within what the caller may see. ``?variant=`` one variant
        ('' national, or a region's code; default: every variant), ``?version=`` one version of it."""
        version = _number("version", False)
        with unit_of_work() as db:
            user = current_user(db)
            aduan = services()
            return heatmap.step_load(db, user, aduan.policy, aduan.clock(), key, request.args.get("variant"), version)


@blp.route("/<string:key>/migrations/plan")
class MigrationPlan(MethodView):
    @blp.arguments(MigrationIn)
    @blp.response(200, CandidateOut(many=True))
    @api_errors(forbidden=NO_RIGHT, not_found=NO_VERSION, invalid={"to": ("same_version", {})})
    def post(self, body, key):
        """Dry run of moving open complaints from version ``from`` to ``to``: per complaint, whether it
        can move (every step it waits at exists in ``to`` with the same kind) and how its due
        moments change. Nothing is written."""
        with unit_of_work() as db:
            return services().migrations.plan(db, current_user(db), key, body["from_version"], body["to_version"],
                                              body["variant"], body["complaint_ids"])


@blp.route("/<string:key>/migrations")
class MigrationRuns(MethodView):
    @blp.response(200, MigrationOut(many=True))
    def get(self, key):
        """Complaints moved between versions of ``key`` (``?variant=``), the newest first."""
        with unit_of_work() as db:
            current_user(db)
            return services().migrations.history(db, key, request.args.get("variant", ""))

    @blp.arguments(MigrationIn)
    @blp.response(200, CandidateOut(many=True))
    @api_errors(forbidden=NO_RIGHT, not_found=NO_VERSION, invalid={"to": ("same_version", {})})
    def post(self, body, key):
        """Move open complaints from version ``from`` to ``to``, each in its own transaction: those
        that can move are moved (timeline entry, old state kept for revert), the others are left
        untouched; every complaint is reported with its outcome (moved, refused, moved_on)."""
        with unit_of_work() as db:
            user_id = current_user(db).id
        reviewed = {r["complaint_id"]: r["lock_version"] for r in body["reviewed"]} if body["reviewed"] else None
        return services().migrations.run(user_id, key, body["from_version"], body["to_version"], body["variant"],
                                         body["complaint_ids"], reviewed)


@blp.route("/migrations/<int:migration_id>/revert")
class MigrationRevert(MethodView):
    @blp.response(200, MigrationOut)
    @api_errors(forbidden=NO_RIGHT, not_found="migration not found",
                conflict=["this migration was reverted already",
                          "the complaint moved on since it was migrated (a step was completed or a timer fired); "
                          "reverting would lose that"])
    def post(self, migration_id):
        """Put a migrated complaint back on its old version with the state it had, while it has not
        moved on since the migration."""
        with unit_of_work() as db:
            return services().migrations.revert(db, current_user(db), migration_id)
