"""The officer's complaint page: details, attachments, timeline and the SOP diagram at the current step."""
from __future__ import annotations

from io import BytesIO

from flask import Blueprint, Response, abort, render_template, request, send_file

from workflows.complaints.images import IMAGE_TYPES, THUMB, NotAnImage, shown
from workflows.tasks import queries as task_queries

from ..context import services, unit_of_work
from .common import current_officer, officer_required

bp = Blueprint("pages_complaints", __name__)


@bp.get("/complaints/<int:complaint_id>")
@officer_required
def detail(complaint_id):
    complaints = services().complaints
    with unit_of_work() as db:
        user = current_officer(db)
        complaint = complaints.for_officer(db, complaint_id, user)
        view = complaints.officer_view(db, complaint, user)
        return render_template("complaints/detail.html", view=view, zone=complaint.region.timezone,
                               current=task_queries.current_steps(db, complaint.id))


@bp.get("/complaints/<int:complaint_id>/diagram.bpmn")
@officer_required
def diagram(complaint_id):
    """The diagram version this complaint runs on (not the newest one), for the viewer."""
    with unit_of_work() as db:
        complaint = services().complaints.for_officer(db, complaint_id, current_officer(db))
        xml = services().registry.diagram_of_complaint(db, complaint.id)
    if xml is None:
        return Response("", status=404)
    return Response(xml, mimetype="application/xml", headers={"Cache-Control": "private, max-age=300"})


@bp.get("/complaints/<int:complaint_id>/attachments/<int:attachment_id>")
@officer_required
def attachment(complaint_id, attachment_id):
    complaints = services().complaints
    with unit_of_work() as db:
        complaint = complaints.for_officer(db, complaint_id, current_officer(db))
        item = complaints.attachment(db, complaint, attachment_id)
        body, name, kind = item.data, item.filename, item.content_type
    if request.args.get("thumb") and kind in IMAGE_TYPES:  # a small copy for the page, without metadata
        try:
            return Response(shown(body, THUMB), mimetype="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})
        except NotAnImage:
            abort(404)
    return send_file(BytesIO(body), mimetype=kind, as_attachment=True, download_name=name)
