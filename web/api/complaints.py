"""Complaints: citizens submit, track and reply; officers read the detail with its full timeline."""
from __future__ import annotations

from io import BytesIO

from flask import request, send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from workflows.complaints.service import NewComplaint

from ..context import current_user, services, unit_of_work
from ..messages import message
from ..schemas import (
    ComplaintIn,
    ErrorOut,
    MessageOut,
    OfficerComplaintOut,
    PublicComplaintOut,
    ReplyIn,
    SubmittedOut,
    TrackQuery,
)

blp = Blueprint("complaints", __name__, url_prefix="/api/complaints", description="Complaints")


@blp.route("")
class Submit(MethodView):
    @blp.arguments(ComplaintIn)
    @blp.response(201, SubmittedOut)
    def post(self, body):
        with unit_of_work() as db:
            complaint, token = services().complaints.submit(db, NewComplaint(**body))
            return {"tracking_id": complaint.tracking_id, "reporter_token": token, "status": complaint.status}


@blp.route("/<string:tracking_id>")
class Track(MethodView):
    @blp.arguments(TrackQuery, location="query")
    @blp.response(200, PublicComplaintOut)
    def get(self, query, tracking_id):
        """Public tracking view; with ?token= the reporter also sees what awaits their reply."""
        complaints = services().complaints
        with unit_of_work() as db:
            complaint = complaints.by_tracking_id(db, tracking_id)
            reporter = False
            if query.get("token"):
                complaints.check_reporter(db, complaint, query["token"], request.remote_addr)
                reporter = True
            return complaints.public_view(db, complaint, reporter=reporter)


@blp.route("/<string:tracking_id>/reply")
class Reply(MethodView):
    @blp.arguments(ReplyIn)
    @blp.response(200, PublicComplaintOut)
    def post(self, body, tracking_id):
        """The reporter answers: more information for a deferral, or satisfied/not with the follow-up."""
        complaints = services().complaints
        with unit_of_work() as db:  # the answer shows the state the reply left (flushed, then committed)
            complaint = complaints.reply(db, tracking_id, body["token"], body["data"], request.remote_addr)
            return complaints.public_view(db, complaint, reporter=True)


@blp.route("/<string:tracking_id>/code")
class NewCode(MethodView):
    @blp.response(202, MessageOut)
    @blp.alt_response(429, schema=ErrorOut, description="Too many codes or wrong codes for this report lately")
    def post(self, tracking_id):
        """Send the reporter a new secret code at the e-mail address (or phone, through the gateway) they gave;
        the old code stops working. The answer is the same whether an address is on file or not."""
        with unit_of_work() as db:
            services().complaints.resend_code(db, tracking_id, request.remote_addr)
        return {"message": message("if this report has an address, a new code was sent to it")}


officer_blp = Blueprint("officer_complaints", __name__, url_prefix="/api/officer/complaints",
                        description="Complaint detail for officers")


@officer_blp.route("/<int:complaint_id>")
class Detail(MethodView):
    @officer_blp.response(200, OfficerComplaintOut)
    def get(self, complaint_id):
        complaints = services().complaints
        with unit_of_work() as db:
            user = current_user(db)
            complaint = complaints.for_officer(db, complaint_id, user)
            return complaints.officer_view(db, complaint, user)


@officer_blp.route("/<int:complaint_id>/attachments/<int:attachment_id>")
class AttachmentFile(MethodView):
    @officer_blp.doc(responses={"200": {"description": "The file, as a download (JPEG, PNG or PDF)"}})
    def get(self, complaint_id, attachment_id):
        """One of the complaint's attachments, for officers in scope."""
        complaints = services().complaints
        with unit_of_work() as db:
            complaint = complaints.for_officer(db, complaint_id, current_user(db))
            item = complaints.attachment(db, complaint, attachment_id)
            body, name, kind = item.data, item.filename, item.content_type
        response = send_file(BytesIO(body), mimetype=kind, as_attachment=True, download_name=name, etag=False)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, no-store"
        return response
