"""The audit trail as an XES event log (IEEE 1849): valid against the standard's schema, read back by
pm4py with as many cases and events as the database holds, and the officer's download stays in scope."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from sqlalchemy import func, select

from tests.helpers import Api
from tests.test_import import GOOD, csv_text, run_import
from web.cli import cli
from workflows.accounts import credentials, roles
from workflows.audit import AuditEvent
from workflows.complaints.models import Complaint
from workflows.db import transaction
from workflows.org.models import Instansi, Region

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "data" / "xes-ieee-1849-2016.xsd")))
PASSWORD = "rahasia-123"


@pytest.fixture
def history(app, services, world):
    """Three imported complaints in province 31, two submitted through the API (one worked), and one in
    another province (33) with its own coordinator."""
    assert run_import(services, csv_text(*GOOD)).loaded == 3
    with transaction(services.sessions) as db:
        other = Region(code="33", name="Provinsi Lain", kind="province")
        db.add(other)
        db.flush()
        inst = Instansi(code="pemprov-lain", name="Pemprov Lain", region_id=other.id)
        db.add(inst)
        db.flush()
        credentials.create_user(db, "koord_lain", "KOORD LAIN", PASSWORD, roles.ADMIN_KOORDINATOR, region_id=other.id)
        other_id, inst_id = other.id, inst.id
    api = Api(app.test_client(), world)
    mine = api.submit()["tracking_id"]
    task = api.tasks("admin_a")[0]
    r = api.client.post(f"/api/tasks/{task['id']}/complete", json={"data": {"action": "archive", "note": "Uji"}},
                        headers=api.auth("admin_a"))
    assert r.status_code == 200, r.json
    api.submit(title="Lampu jalan mati")
    foreign = api.submit(region_id=other_id, instansi_id=inst_id)["tracking_id"]
    return {"api": api, "mine": mine, "foreign": foreign}


def counts(services) -> tuple[int, int]:
    with transaction(services.sessions) as db:
        return (db.scalar(select(func.count()).select_from(Complaint)),
                db.scalar(select(func.count()).select_from(AuditEvent)))


def read_back(path: Path):
    import pm4py
    return pm4py.read_xes(str(path))


def test_export_validates_and_reads_back_in_pm4py(history, services, database_url, tmp_path):
    out = tmp_path / "aduan.xes"
    r = CliRunner().invoke(cli, ["export-xes", str(out)], env={"DATABASE_URL": database_url, "SECRET_KEY": "t"},
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    cases, events = counts(services)
    assert f"{cases} complaints, {events} events" in r.output
    document = etree.parse(str(out))
    SCHEMA.assertValid(document)
    assert [e.get("prefix") for e in document.getroot().findall("extension")] == ["concept", "time", "lifecycle", "org"]
    assert {c.get("name") for c in document.getroot().findall("classifier")} >= {"Activity", "Resource"}
    frame = read_back(out)
    assert frame["case:concept:name"].nunique() == cases and len(frame) == events
    # what an analyst reads: the steps by their titles, who did them and their lifecycle
    imported = frame[frame["case:channel"] == "import"]
    assert {"Pengaduan diterima", "Verifikasi laporan", "Tindak lanjut", "Tanggapan pelapor",
            "Selesai"} <= set(imported["concept:name"])
    assert {"start", "complete"} <= set(frame["lifecycle:transition"])
    assert {"Admin Instansi", "Pelapor", "Sistem"} <= set(frame["org:resource"])
    first = frame[frame["case:concept:name"] == history["mine"]].sort_values("time:timestamp")
    assert first["action"].iloc[0] == "submitted" and first["case:region"].iloc[0] == "31.01"
    assert first["case:instansi"].iloc[0] == "pemkab-uji" and first["case:category"].iloc[0] == "infrastruktur"


def test_export_filters_by_period_and_region(history, services, database_url, tmp_path):
    env = {"DATABASE_URL": database_url, "SECRET_KEY": "t"}
    out = tmp_path / "march.xes"
    r = CliRunner().invoke(cli, ["export-xes", str(out), "--from", "2025-03-01", "--to", "2025-03-31"], env=env,
                           catch_exceptions=False)
    assert r.exit_code == 0 and r.output.startswith("3 complaints")
    SCHEMA.assertValid(etree.parse(str(out)))
    r = CliRunner().invoke(cli, ["export-xes", str(out), "--region", "33"], env=env, catch_exceptions=False)
    assert r.exit_code == 0 and r.output.startswith("1 complaints")
    assert history["foreign"] in out.read_text(encoding="utf-8")
    r = CliRunner().invoke(cli, ["export-xes", str(out), "--region", "99"], env=env, catch_exceptions=False)
    assert r.exit_code != 0 and "no region with code '99'" in r.output


def test_the_officer_download_stays_in_scope(history, services, tmp_path):
    api: Api = history["api"]
    r = api.client.get("/api/complaints/xes", headers=api.auth("koord"))
    assert r.status_code == 200 and r.mimetype == "application/xml"
    assert "attachment" in r.headers["Content-Disposition"]
    body = r.get_data()
    SCHEMA.assertValid(etree.fromstring(body).getroottree())
    assert history["mine"].encode() in body and history["foreign"].encode() not in body
    path = tmp_path / "koord.xes"
    path.write_bytes(body)
    frame = read_back(path)
    with transaction(services.sessions) as db:
        province = db.scalar(select(Region.id).where(Region.code == "33"))
        mine = db.scalar(select(func.count()).select_from(Complaint).where(Complaint.region_id != province))
        events = db.scalar(select(func.count()).select_from(AuditEvent).join(
            Complaint, Complaint.id == AuditEvent.complaint_id).where(Complaint.region_id != province))
    assert frame["case:concept:name"].nunique() == mine and len(frame) == events
    # the other province's coordinator sees only theirs; an instansi admin only their instansi
    other = api.client.get("/api/complaints/xes", headers=api.auth("koord_lain")).get_data()
    assert history["foreign"].encode() in other and history["mine"].encode() not in other
    admin_b = api.client.get("/api/complaints/xes", headers=api.auth("admin_b")).get_data()
    assert admin_b.count(b"<trace>") == 1 and history["mine"].encode() not in admin_b  # the archived import X-3
    # the period filter
    march = api.client.get("/api/complaints/xes?from=2025-03-01&to=2025-03-31", headers=api.auth("nasional"))
    assert march.get_data().count(b"<trace>") == 3
    assert api.client.get("/api/complaints/xes?region=99", headers=api.auth("nasional")).status_code == 404
    bad = api.client.get("/api/complaints/xes?from=2025-04-01&to=2025-03-01", headers=api.auth("nasional"))
    assert bad.status_code in (400, 422)


def test_no_download_without_an_officer(app, history):
    client = app.test_client()  # no login: a citizen, or anybody
    assert client.get("/api/complaints/xes").status_code == 401
    assert client.get("/api/complaints/xes", headers={"Authorization": "Bearer nope"}).status_code == 401
    # the public tracking route next to it still answers for tracking IDs
    assert client.get(f"/api/complaints/{history['mine']}").status_code != 404


def test_the_search_page_links_the_download(app, history):
    from tests.test_pages import login_page
    page = login_page(app, "koord")
    html = page.get("/complaints?received_from=2025-03-01").get_data(as_text=True)
    assert 'href="/api/complaints/xes?from=2025-03-01"' in html
    r = page.get("/api/complaints/xes?from=2025-03-01")  # with the session cookie
    assert r.status_code == 200 and history["mine"].encode() in r.get_data()


def test_stream_is_built_in_pieces(history, services):
    from workflows.history import xes
    pieces = list(xes.stream(services.sessions, None, xes.ExportQuery(), datetime.now(timezone.utc)))
    assert len(pieces) >= 3 and pieces[-1].strip() == "</log>"
