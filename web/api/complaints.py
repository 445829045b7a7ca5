"""Complaints: citizens submit, track and reply; officers read the detail with its full timeline."""
from __future__ import annotations

from io import BytesIO

from flask import request, send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from workflows.complaints.service import NewComplaint

from ..context import current_user, services, unit_of_work
from ..messages import message
from ..openapi import Err, api_errors, public
from ..schemas import (
    ComplaintIn,
    MessageOut,
    OfficerComplaintOut,
    PublicComplaintOut,
    ReplyIn,
    SubmittedOut,
    TrackQuery,
)

blp = Blueprint("complaints", __name__, url_prefix="/api/complaints", description="Complaints")


NO_SUCH_REPORT = "no complaint with this tracking ID"
WRONG_CODE = "the reporter token does not match this complaint"
TOO_MANY_CODES = Err("too many wrong codes for this report; try again later",
                     why="Too many wrong or renewed codes for this report from this address lately")


@blp.route("")
class Submit(MethodView):
    @public
    @blp.arguments(ComplaintIn)
    @blp.response(201, SubmittedOut)
    @api_errors(invalid={"region_id": ("unknown_region", {})})
    def post(self, body):
        """A citizen's report. The answer holds the tracking ID and the reporter's secret reply code
        (``reporter_token``), shown only this once; the instansi (or, without one, the region's routing
        table) takes it from there."""
        with unit_of_work() as db:
            complaint, token = services().complaints.submit(db, NewComplaint(**body))
            return {"tracking_id": complaint.tracking_id, "reporter_token": token, "status": complaint.status}


@blp.route("/<string:tracking_id>")
class Track(MethodView):
    @public
    @blp.arguments(TrackQuery, location="query")
    @blp.response(200, PublicComplaintOut)
    @api_errors(not_found=NO_SUCH_REPORT, forbidden=WRONG_CODE, too_many_attempts=TOO_MANY_CODES)
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
    @public
    @blp.arguments(ReplyIn)
    @blp.response(200, PublicComplaintOut)
    @api_errors(not_found=NO_SUCH_REPORT, forbidden=WRONG_CODE, too_many_attempts=TOO_MANY_CODES,
                conflict=["nothing is waiting for the reporter's reply on this complaint",
                          "task changed just now; reload and try again"],
                invalid={"satisfied": ("required", {})})
    def post(self, body, tracking_id):
        """The reporter answers: more information for a deferral, or satisfied/not with the follow-up."""
        complaints = services().complaints
        with unit_of_work() as db:  # the answer shows the state the reply left (flushed, then committed)
            complaint = complaints.reply(db, tracking_id, body["token"], body["data"], request.remote_addr)
            return complaints.public_view(db, complaint, reporter=True)


@blp.route("/<string:tracking_id>/code")
class NewCode(MethodView):
    @public
    @blp.response(202, MessageOut)
    @api_errors(not_found=NO_SUCH_REPORT, too_many_attempts=TOO_MANY_CODES)
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
    @api_errors(not_found="complaint not found", forbidden="this complaint is outside your scope")
    def get(self, complaint_id):
        """A complaint in the officer's scope: reporter (unless confidential to them), status, open tasks,
        deadlines, attachments and the full timeline."""
        complaints = services().complaints
        with unit_of_work() as db:
            user = current_user(db)
            complaint = complaints.for_officer(db, complaint_id, user)
            return complaints.officer_view(db, complaint, user)


@officer_blp.route("/<int:complaint_id>/attachments/<int:attachment_id>")
class AttachmentFile(MethodView):
    @officer_blp.doc(responses={"200": {"description": "The file, as a download (JPEG, PNG or PDF)"}})
    @api_errors(not_found=["complaint not found", "attachment not found"],
                forbidden="this complaint is outside your scope")
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
