"""Attachments on submission: checked by their bytes, stored with the complaint in one transaction,
downloadable by officers in scope only."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from tests.helpers import Api
from web.messages import FIELD_MESSAGES
from workflows.complaints.attachments import MAX_BYTES, MAX_FILES, Upload, safe_name
from workflows.complaints.models import Attachment, Complaint
from workflows.complaints.service import NewComplaint
from workflows.db import transaction
from workflows.errors import Invalid, NotFound

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32)


@pytest.fixture
def api(client, world):
    return Api(client, world)


def _submit(services, world, *uploads: Upload, **overrides) -> Complaint:
    fields = {"type": "pengaduan", "category": "infrastruktur", "title": "Jalan berlubang",
              "description": "Lubang besar di jalan dekat sekolah.", "region_id": world.regency,
              "instansi_id": world.inst_a, "reporter_name": "Siti", **overrides}
    with transaction(services.sessions) as db:
        complaint, _token = services.complaints.submit(db, NewComplaint(**fields, attachments=uploads))
        return complaint


def _counts(services) -> tuple[int, int]:
    with transaction(services.sessions) as db:
        return (db.scalar(select(func.count()).select_from(Complaint)),
                db.scalar(select(func.count()).select_from(Attachment)))


def _refused(services, world, *uploads: Upload, **overrides) -> dict:
    before = _counts(services)
    with pytest.raises(Invalid) as caught:
        _submit(services, world, *uploads, **overrides)
    assert _counts(services) == before  # nothing written: no complaint, no file
    return caught.value.fields


def test_png_and_pdf_are_stored_and_an_officer_in_scope_downloads_them(api, world, services):
    complaint = _submit(services, world, Upload("C:\\Users\\siti\\Foto jalan.png", PNG), Upload("surat.pdf", PDF))

    detail = api.detail("admin_a", complaint.id)
    assert detail.status_code == 200, detail.json
    files = detail.json["attachments"]
    assert [(f["filename"], f["content_type"], f["size"]) for f in files] == [
        ("Foto jalan.png", "image/png", len(PNG)), ("surat.pdf", "application/pdf", len(PDF))]

    r = api.client.get(f"/api/officer/complaints/{complaint.id}/attachments/{files[0]['id']}",
                       headers=api.auth("admin_a"))
    assert r.status_code == 200
    assert r.data == PNG and r.mimetype == "image/png"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert "Foto jalan.png" in r.headers["Content-Disposition"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    r = api.client.get(f"/api/officer/complaints/{complaint.id}/attachments/{files[1]['id']}",
                       headers=api.auth("koord"))
    assert r.status_code == 200 and r.data == PDF and r.mimetype == "application/pdf"

    with transaction(services.sessions) as db:
        stored = services.complaints.attachments(db, db.get(Complaint, complaint.id))
        assert [a.sha256 for a in stored] == [hashlib.sha256(PNG).hexdigest(), hashlib.sha256(PDF).hexdigest()]


def test_officers_outside_scope_cannot_download(api, world, services):
    complaint = _submit(services, world, Upload("foto.jpg", JPEG))
    other = _submit(services, world, Upload("lain.png", PNG))
    with transaction(services.sessions) as db:
        aid = services.complaints.attachments(db, db.get(Complaint, complaint.id))[0].id
        other_aid = services.complaints.attachments(db, db.get(Complaint, other.id))[0].id
    url = f"/api/officer/complaints/{complaint.id}/attachments/{aid}"
    assert api.client.get(url, headers=api.auth("admin_a")).data == JPEG
    assert api.client.get(url, headers=api.auth("admin_b")).status_code == 403   # another instansi
    assert api.client.get(url, headers=api.auth("pp_a1")).status_code == 403     # not dispatched to its unit
    assert api.client.application.test_client().get(url).status_code == 401
    # another complaint's file is not reachable through this complaint
    r = api.client.get(f"/api/officer/complaints/{complaint.id}/attachments/{other_aid}",
                       headers=api.auth("admin_a"))
    assert r.status_code == 404
    with transaction(services.sessions) as db, pytest.raises(NotFound):
        services.complaints.attachment(db, db.get(Complaint, complaint.id), other_aid)


def test_a_complaint_without_attachments_lists_none(api, world, services):
    complaint = _submit(services, world)
    assert api.detail("admin_a", complaint.id).json["attachments"] == []


def test_more_than_three_files_are_refused(world, services):
    fields = _refused(services, world, *(Upload(f"foto{i}.png", PNG) for i in range(MAX_FILES + 1)))
    assert fields == {"attachments": [("too_many", {"max": MAX_FILES})]}


def test_the_type_comes_from_the_bytes_not_the_name(world, services):
    fields = _refused(services, world, Upload("foto.png", b"<html><script>alert(1)</script></html>"))
    assert fields == {"attachments": [("unsupported_type", {"file": "foto.png", "allowed": "JPEG, PNG, PDF"})]}
    # a real PNG called .pdf is stored as the PNG it is
    complaint = _submit(services, world, Upload("bukan.pdf", PNG))
    with transaction(services.sessions) as db:
        assert services.complaints.attachments(db, db.get(Complaint, complaint.id))[0].content_type == "image/png"


def test_too_large_and_empty_files_are_refused_with_the_other_field_errors(world, services):
    big = PNG + b"\x00" * (MAX_BYTES - len(PNG) + 1)
    fields = _refused(services, world, Upload("besar.png", big), Upload("kosong.pdf", b""),
                      Upload("ok.pdf", PDF), region_id=999_999, reporter_name="")
    assert set(fields) == {"attachments", "region_id", "reporter_name"}
    assert fields["attachments"] == [("file_too_large", {"file": "besar.png", "max_mb": 2}),
                                     ("empty_file", {"file": "kosong.pdf"})]
    # exactly the limit is fine
    _submit(services, world, Upload("pas.png", PNG + b"\x00" * (MAX_BYTES - len(PNG))))


def test_file_names_are_reduced_to_a_safe_base_name():
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\Users\\siti\\foto.jpg") == "foto.jpg"
    assert safe_name('a"b<c>\x00d.png') == "a_b_c__d.png"
    assert safe_name("..") == "lampiran" and safe_name("") == "lampiran"
    long = safe_name("x" * 300 + ".pdf")
    assert len(long) == 200 and long.endswith(".pdf")


def test_every_attachment_error_has_a_message():
    for code in ("too_many", "file_too_large", "unsupported_type", "empty_file"):
        assert code in FIELD_MESSAGES
