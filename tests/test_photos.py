"""Photos and pins (issue 14): photos shown re-encoded without their metadata (EXIF location, camera) and
never those of a confidential report; files kept across a refused form; photos with the reporter's answer
after a deferral; a pin's coordinates checked; what the tracking page and the officer see."""
from __future__ import annotations

import re
from io import BytesIO

from PIL import Image
from sqlalchemy import select

from tests.helpers import Api
from tests.test_pages import _report_form, csrf_of
from workflows.complaints.models import Attachment, Complaint
from workflows.db import transaction


def _jpeg_with_gps(size=(1200, 800)) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "KameraMerk"          # Make
    exif[0x8825] = {1: "S", 2: (6.0, 54.0, 53.0), 3: "E", 4: (107.0, 36.0, 35.0)}  # GPS: Bandung
    out = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def _submit_page(client, world, **extra):
    data = _report_form(world, csrf_token=csrf_of(client, "/report"), **extra)
    return client.post("/report", data=data, content_type="multipart/form-data")


def test_a_photo_is_shown_without_its_location_and_never_for_a_confidential_report(app, world, services):
    client = app.test_client()
    photo = _jpeg_with_gps()
    assert b"KameraMerk" in photo
    r = _submit_page(client, world, attachments=[(BytesIO(photo), "lubang.jpg")])
    assert r.status_code == 302
    tracking_id = r.headers["Location"].split("/")[-2]
    page = client.get(f"/track/{tracking_id}").get_data(as_text=True)
    src = re.search(r'src="(/track/[^"]+/photos/\d+\?size=thumb)"', page).group(1)
    thumb = client.get(src)
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert b"KameraMerk" not in thumb.data and b"GPS" not in thumb.data
    shown = Image.open(BytesIO(thumb.data))
    assert max(shown.size) <= 320 and not dict(shown.getexif())
    full = client.get(src.split("?")[0])
    assert max(Image.open(BytesIO(full.data)).size) == 1200 and b"KameraMerk" not in full.data
    # the same photo on a confidential report is not shown to anyone without a login
    r = _submit_page(client, world, confidential="1", attachments=[(BytesIO(photo), "rahasia.jpg")])
    secret = r.headers["Location"].split("/")[-2]
    with transaction(services.sessions) as db:
        complaint = db.scalars(select(Complaint).where(Complaint.tracking_id == secret)).one()
        attachment_id = db.scalars(select(Attachment.id).where(Attachment.complaint_id == complaint.id)).one()
    stranger = app.test_client()
    assert stranger.get(f"/track/{secret}/photos/{attachment_id}").status_code == 404
    assert "/photos/" not in stranger.get(f"/track/{secret}").get_data(as_text=True)
    # the reporter (this browser holds the code) still sees their own photo
    assert client.get(f"/track/{secret}/photos/{attachment_id}?size=thumb").status_code == 200


def test_files_survive_a_refused_form(app, world, services):
    client = app.test_client()
    r = _submit_page(client, world, title="", attachments=[(BytesIO(_jpeg_with_gps()), "lubang.jpg")])
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "lubang.jpg" in body and 'data-kept' in body
    token = re.search(r'name="upload_token" value="([^"]+)"', body).group(1)
    r = _submit_page(client, world, upload_token=token)
    assert r.status_code == 302
    tracking_id = r.headers["Location"].split("/")[-2]
    with transaction(services.sessions) as db:
        complaint = db.scalars(select(Complaint).where(Complaint.tracking_id == tracking_id)).one()
        names = list(db.scalars(select(Attachment.filename).where(Attachment.complaint_id == complaint.id)))
    assert names == ["lubang.jpg"]


def test_a_pin_needs_both_coordinates_within_range(client, world):
    api = Api(client, world)
    base = {"type": "pengaduan", "category": "infrastruktur", "title": "Jalan rusak", "description": "Jalan rusak parah.",
            "region_id": world.regency, "instansi_id": world.inst_a, "reporter_name": "Siti"}
    r = client.post("/api/complaints", json={**base, "latitude": -6.9})
    assert r.status_code == 422 and "longitude" in r.json["fields"]
    r = client.post("/api/complaints", json={**base, "latitude": -96.9, "longitude": 107.6})
    assert r.status_code == 422 and "latitude" in r.json["fields"]
    r = client.post("/api/complaints", json={**base, "latitude": -6.914744, "longitude": 107.60981})
    assert r.status_code == 201
    public = api.track(r.json["tracking_id"]).json
    assert (public["latitude"], public["longitude"]) == (-6.914744, 107.60981)


def test_the_reporter_answers_a_deferral_with_a_photo(app, client, world, services):
    api = Api(client, world)
    submitted = api.submit()
    verify = api.task_for("admin_a", submitted["tracking_id"])
    assert api.complete("admin_a", verify["id"], {"action": "defer", "note": "Mohon foto lokasinya."}).status_code == 200
    reporter = app.test_client()
    token = csrf_of(reporter, f"/track/{submitted['tracking_id']}")
    reporter.post(f"/track/{submitted['tracking_id']}/code", data={"code": submitted["reporter_token"], "csrf_token": token})
    page = reporter.get(f"/track/{submitted['tracking_id']}").get_data(as_text=True)
    assert 'data-quoted="note"' in page and "Mohon foto lokasinya." in page and 'id="reply-files"' in page
    token = csrf_of(reporter, f"/track/{submitted['tracking_id']}")
    r = reporter.post(f"/track/{submitted['tracking_id']}/reply", content_type="multipart/form-data", data={
        "csrf_token": token, "additional_info": "Ini fotonya.", "attachments": [(BytesIO(_jpeg_with_gps()), "foto.jpg")]})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    page = reporter.get(f"/track/{submitted['tracking_id']}").get_data(as_text=True)
    assert "Ini fotonya." in page and "data-answer-files" in page
    with transaction(services.sessions) as db:
        item = db.scalars(select(Attachment).where(Attachment.filename == "foto.jpg")).one()
        assert (item.task_name, item.by_reporter) == ("reporter_info", True)
    # a step that takes no files refuses them
    verify = api.task_for("admin_a", submitted["tracking_id"])
    from workflows.accounts.models import User
    from workflows.complaints.attachments import Upload
    from workflows.errors import Invalid
    with transaction(services.sessions) as db:
        admin = db.scalars(select(User).where(User.username == "admin_a")).one()
        try:
            services.tasks.complete(db, verify["id"], admin, {"action": "archive", "note": "x"},
                                    (Upload("a.jpg", _jpeg_with_gps()),))
            raise AssertionError("files were accepted by a step that takes none")
        except Invalid as exc:
            assert "attachments" in exc.fields


def test_a_deferral_records_no_unit_even_when_the_page_sent_the_preselected_one(client, world):
    api = Api(client, world)
    submitted = api.submit()
    verify = api.task_for("admin_a", submitted["tracking_id"])
    r = api.complete("admin_a", verify["id"], {"action": "defer", "note": "Di mana?", "unit_id": world.unit_a1})
    assert r.status_code == 200
    answer = [e for e in api.track(submitted["tracking_id"]).json["timeline"] if e["task"] == "verify"][0]["data"]
    assert "unit" not in answer and answer["action"] == "defer"


def test_the_reply_form_keeps_its_photo_after_a_refusal(app, client, world, services):
    api = Api(client, world)
    submitted = api.submit()
    verify = api.task_for("admin_a", submitted["tracking_id"])
    api.complete("admin_a", verify["id"], {"action": "defer", "note": "Mohon fotonya."})
    reporter = app.test_client()
    tid = submitted["tracking_id"]
    reporter.post(f"/track/{tid}/code", data={"code": submitted["reporter_token"], "csrf_token": csrf_of(reporter, f"/track/{tid}")})
    r = reporter.post(f"/track/{tid}/reply", content_type="multipart/form-data", data={
        "csrf_token": csrf_of(reporter, f"/track/{tid}"), "additional_info": "",
        "attachments": [(BytesIO(_jpeg_with_gps()), "bukti.jpg")]})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "bukti.jpg" in body and "data-kept" in body
    token = re.search(r'name="upload_token" value="([^"]+)"', body).group(1)
    r = reporter.post(f"/track/{tid}/reply", content_type="multipart/form-data", data={
        "csrf_token": csrf_of(reporter, f"/track/{tid}"), "additional_info": "Ini fotonya.", "upload_token": token})
    assert r.status_code == 302
    with transaction(services.sessions) as db:
        assert db.scalars(select(Attachment.task_name).where(Attachment.filename == "bukti.jpg")).one() == "reporter_info"
