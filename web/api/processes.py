"""Process diagrams: validate a diagram the way a deploy would (the designer's tools and the page use
the same answer)."""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from workflows.errors import Invalid
from workflows.processes import validation

from ..context import current_user, unit_of_work
from ..messages import field_message
from ..schemas import DiagramCheckOut, ErrorOut

blp = Blueprint("processes", __name__, url_prefix="/api/processes", description="Process diagrams (BPMN)")

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
    @blp.alt_response(401, schema=ErrorOut, description="Login required")
    @blp.alt_response(413, schema=ErrorOut, description="The diagram is larger than ADUAN_MAX_BODY_BYTES")
    def post(self, key):
        """Check a diagram as a deploy of process ``key`` would: BPMN schema, SpiffWorkflow, paths,
        conditions, timers, scripts and forms, and Aduan's rules (roles, time limits, statuses).
        Every problem names its BPMN element; nothing is stored."""
        with unit_of_work() as db:
            current_user(db)
        found = validation.problems(diagram_text(), key)
        return {"valid": not found, "problems": [
            {"element": p.element, "code": p.code, "message": field_message(p.code, {**p.params, "element": p.element})}
            for p in found]}
