"""Citizen pages: report, get the tracking ID, track, answer the officer and rate or reopen."""
from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from marshmallow import ValidationError

from workflows.complaints import categories, kept
from workflows.complaints import views as complaint_views
from workflows.complaints.attachments import MAX_BYTES, MAX_FILES, Upload
from workflows.complaints.attachments import problems as attachment_problems
from workflows.complaints.service import NewComplaint
from workflows.complaints.statuses import COMPLAINT_TYPES
from workflows.errors import DomainError, Forbidden, Invalid, NotFound
from workflows.org import queries as org

from ..context import services, unit_of_work
from ..messages import field_message, message
from ..schemas import ComplaintIn
from . import forms
from .common import error_text, field_errors

bp = Blueprint("pages_public", __name__)

REPORT_FIELDS = ("type", "category", "region_id", "instansi_id", "title", "description", "location",
                 "latitude", "longitude", "reporter_name", "reporter_email", "reporter_phone")
REMEMBERED_REPORTS = 10
# Attachments make the report form the one body allowed above ADUAN_MAX_BODY_BYTES; pages/__init__
# applies it before the body is read (the CSRF check reads the form first).
REPORT_BODY_LIMIT = MAX_FILES * MAX_BYTES + 256 * 1024  # reporter codes this browser keeps, newest first


@bp.get("/")
def home():
    return render_template("public/home.html")


def _pickers(db):
    offered = categories.listed(db, active_only=True)
    return {"regions": org.regions(db), "instansi": org.instansi(db), "categories": [c.code for c in offered],
            "types": COMPLAINT_TYPES, "max_files": MAX_FILES, "max_mb": MAX_BYTES // (1024 * 1024),
            "fields": {c.code: c.attributes for c in offered if c.attributes}}


def _answers() -> dict[str, list[str]]:
    """The extra fields' inputs as sent (``attr__<category>__<code>``), kept to fill the form again."""
    return {name: request.form.getlist(name) for name in request.form if name.startswith("attr__")}


def _chosen_answers(answers: dict[str, list[str]], category: str) -> dict[str, list[str]]:
    """The answers for the chosen category only (a field of another category the reporter filled in
    before changing their mind is not sent)."""
    prefix = f"attr__{category}__"
    return {name[len(prefix):]: [v for v in values if v.strip()] for name, values in answers.items()
            if name.startswith(prefix)}


@bp.route("/report", methods=["GET", "POST"])
def report():
    values = {k: request.form.get(k, "") for k in REPORT_FIELDS} if request.method == "POST" else {}
    answers = _answers() if request.method == "POST" else {}
    errors: dict[str, list[str]] = {}
    upload_token = None
    if request.method == "POST":
        now = services().clock()
        with unit_of_work() as db:  # files kept from a refused try come back (kept.py)
            earlier = kept.take(db, request.form.get("upload_token"), now)
        uploads = earlier + tuple(Upload(f.filename or "", f.read()) for f in request.files.getlist("attachments")
                                  if f and f.filename)
        new, errors = _new_complaint(values, uploads, _chosen_answers(answers, values.get("category", "")))
        if not errors:
            try:
                with unit_of_work() as db:
                    complaint, token = services().complaints.submit(db, new)
                    tracking_id = complaint.tracking_id
                _remember(tracking_id, token)
                session["just_submitted"] = tracking_id
                return redirect(url_for(".submitted", tracking_id=tracking_id))
            except Invalid as exc:
                errors = field_errors(exc)
        with unit_of_work() as db:  # refused: keep the acceptable files for the next try
            upload_token = kept.keep(db, uploads, now)
    with unit_of_work() as db:
        return render_template("public/report.html", values=values, errors=errors, upload_token=upload_token,
                               answers=answers,
                               kept=kept.names(db, upload_token), **_pickers(db)), 422 if errors else 200


def _new_complaint(values: dict[str, str], uploads: tuple[Upload, ...], answers: dict[str, list[str]]):
    """The form's text through the API's own schema, so both edges accept exactly the same input."""
    data: dict[str, object] = {k: v.strip() for k, v in values.items() if v.strip()}
    for name in ("region_id", "instansi_id"):
        if str(data.get(name, "")).isdigit():
            data[name] = int(data[name])
    for name in ("latitude", "longitude"):  # a comma is a decimal point too
        if name in data:
            data[name] = str(data[name]).replace(",", ".")
    data["anonymous"] = request.form.get("anonymous") == "1"
    data["language"] = "en" if str(get_locale()) == "en" else "id"  # of the messages the reporter gets
    data["confidential"] = request.form.get("confidential") == "1"
    data["attributes"] = answers
    try:
        body = ComplaintIn().load(data)
    except ValidationError as exc:
        errors = {name: [message(t) for t in (texts if isinstance(texts, list) else [texts])]
                  for name, texts in exc.messages.items()}
        if not data.get("anonymous") and not data.get("reporter_name"):  # (the domain's rule, said at once)
            errors.setdefault("reporter_name", [field_message("required_unless_anonymous", {})])
        file_problems = attachment_problems(uploads)  # all problems at once, files included
        if file_problems:
            errors["attachments"] = [field_message(code, params) for code, params in file_problems]
        if isinstance(data.get("category"), str):  # the category's extra fields too
            with unit_of_work() as db:
                region = data.get("region_id")
                found = services().complaints.answer_problems(db, data["category"], answers,
                                                              region if isinstance(region, int) else None)
            errors.update({name: [field_message(code, params) for code, params in problems]
                           for name, problems in found.items()})
        return None, errors
    return NewComplaint(**body, attachments=uploads), {}


def _remember(tracking_id: str, token: str) -> None:
    known = dict(session.get("reporter", {}))
    known.pop(tracking_id, None)
    known = {tracking_id: token, **dict(list(known.items())[:REMEMBERED_REPORTS - 1])}
    session["reporter"] = known


def _token_for(tracking_id: str) -> str | None:
    return session.get("reporter", {}).get(tracking_id)


@bp.get("/report/<tracking_id>/submitted")
def submitted(tracking_id):
    token = _token_for(tracking_id)
    if token is None or session.pop("just_submitted", None) != tracking_id:
        return redirect(url_for(".track", tracking_id=tracking_id))  # the code is shown once
    return render_template("public/submitted.html", tracking_id=tracking_id, token=token)


@bp.get("/track")
def track_lookup():
    tracking_id = (request.args.get("tracking_id") or "").strip().upper()
    if tracking_id:
        return redirect(url_for(".track", tracking_id=tracking_id))
    return render_template("public/track_lookup.html", error=None)


def _reporter_view(tracking_id: str):
    """The complaint's public view, with the reporter's extras when this browser holds its code."""
    with unit_of_work() as db:
        try:
            complaint = services().complaints.by_tracking_id(db, tracking_id)
        except NotFound:
            return None, False
        token = _token_for(complaint.tracking_id)
        reporter = False
        if token:
            try:
                services().complaints.check_reporter(db, complaint, token, request.remote_addr)
                reporter = True
            except Forbidden:
                session["reporter"] = {k: v for k, v in session.get("reporter", {}).items() if k != tracking_id}
        view = services().complaints.public_view(db, complaint, reporter=reporter)
        if view.get("awaiting_reply"):
            view["awaiting_reply"]["form"] = forms.readable(view["awaiting_reply"]["form"])
        return view, reporter


@bp.get("/track/<tracking_id>")
def track(tracking_id):
    view, reporter = _reporter_view(tracking_id.upper())
    if view is None:
        return render_template("public/track_lookup.html", error="not_found",
                               tracking_id=tracking_id), 404
    return render_template("public/track.html", view=view, reporter=reporter, errors={}, values={},
                           problem=None, notice=session.pop("notice", None))


@bp.post("/track/<tracking_id>/code")
def enter_code(tracking_id):
    """The reporter types the secret code shown at submission; a right code is kept in the session."""
    code = (request.form.get("code") or "").strip()
    tracking_id = tracking_id.upper()
    with unit_of_work() as db:
        try:
            complaint = services().complaints.by_tracking_id(db, tracking_id)
            services().complaints.check_reporter(db, complaint, code, request.remote_addr)
        except NotFound:
            abort(404)
        except Forbidden as exc:
            view = services().complaints.public_view(db, complaint)
            return render_template("public/track.html", view=view, reporter=False, errors={},
                                   values={}, problem=error_text(exc)), 403
    _remember(tracking_id, code)
    return redirect(url_for(".track", tracking_id=tracking_id))


@bp.get("/map")
def public_map():
    """Pinned reports that are not confidential, of a region or all (the newest 500)."""
    code = (request.args.get("region") or "").strip()[:16]
    with unit_of_work() as db:
        regions = org.regions(db)
        chosen = next((r for r in regions if r.code == code), None)
        points = [{**p, "url": url_for(".track", tracking_id=p["tracking_id"])}
                  for p in complaint_views.map_points(db, chosen.id if chosen else None)]
        return render_template("public/map.html", regions=regions, chosen=chosen, points=points)


@bp.get("/track/<tracking_id>/photos/<int:attachment_id>")
def photo(tracking_id, attachment_id):
    """A report's photo (or a thumbnail), without its metadata; none of a confidential report."""
    try:
        with unit_of_work() as db:
            body = services().complaints.public_photo(db, tracking_id.upper(), attachment_id,
                                                      thumb=request.args.get("size") == "thumb",
                                                      token=_token_for(tracking_id.upper()), source=request.remote_addr)
    except NotFound:
        abort(404)
    return Response(body, mimetype="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})


@bp.post("/track/<tracking_id>/code/new")
def renew_code(tracking_id):
    """A new secret code to the reporter's address; the answer is the same whether one is on file or not."""
    tracking_id = tracking_id.upper()
    try:
        with unit_of_work() as db:
            services().complaints.resend_code(db, tracking_id, request.remote_addr)
    except NotFound:
        abort(404)
    session["notice"] = _("If this report has an e-mail address, a new code was sent to it; the old one works until "
                          "the new one is used.")
    return redirect(url_for(".track", tracking_id=tracking_id))


@bp.post("/track/<tracking_id>/reply")
def reply(tracking_id):
    tracking_id = tracking_id.upper()
    view, reporter = _reporter_view(tracking_id)
    if view is None:
        abort(404)
    if not reporter:
        return redirect(url_for(".track", tracking_id=tracking_id))
    waiting = view.get("awaiting_reply")
    data = {k: v for k, v in forms.submitted(request.form).items() if k != "upload_token"}
    now = services().clock()
    files = forms.kept_and_new(request.form.get("upload_token"), now)
    try:
        with unit_of_work() as db:
            services().complaints.reply(db, tracking_id, _token_for(tracking_id), data, request.remote_addr, files)
    except Invalid as exc:
        errors = forms.readable_errors(waiting["form"] if waiting else None, exc)
        token, names = forms.keep_files(files, now)
        return render_template("public/track.html", view=view, reporter=True, errors=errors,
                               values=request.form, problem=None, upload_token=token, kept=names), 422
    except DomainError as exc:
        view, reporter = _reporter_view(tracking_id)
        return render_template("public/track.html", view=view, reporter=reporter, errors={}, values={},
                               problem=error_text(exc)), exc.status
    session["flash_reply"] = tracking_id
    return redirect(url_for(".track", tracking_id=tracking_id, sent=1))
