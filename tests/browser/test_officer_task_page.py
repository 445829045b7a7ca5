"""The officer's task page after the second pass (issue 14), in Chromium: the verification after a deferral
shows the place with its pin, the report's photo, the reporter and their answer; the unit completes the
follow-up with a proof photo, which the reporter then sees in the conversation."""
from __future__ import annotations

from io import BytesIO

from PIL import Image
from playwright.sync_api import expect

from tests.browser.test_designer_page import _log_in
from tests.helpers import Api
from workflows.complaints.attachments import Upload
from workflows.complaints.service import NewComplaint
from workflows.db import transaction


def _jpeg(colour) -> bytes:
    out = BytesIO()
    Image.new("RGB", (400, 300), colour).save(out, "JPEG")
    return out.getvalue()


def test_the_task_page_carries_what_the_officer_needs_and_takes_a_proof_photo(page, client, world, services, tmp_path):
    api = Api(client, world)
    with transaction(services.sessions) as db:
        complaint, code = services.complaints.submit(db, NewComplaint(
            type="pengaduan", category="infrastruktur", title="Trotoar ambles", description="Trotoar ambles di depan pasar.",
            region_id=world.regency, instansi_id=world.inst_a, location="Jl. Pasar Baru", latitude=-6.91, longitude=107.61,
            reporter_name="Siti", reporter_email="siti@example.id",
            attachments=(Upload("trotoar.jpg", _jpeg((120, 120, 120))),)))
        tracking_id = complaint.tracking_id
    verify = api.task_for("admin_a", tracking_id)
    api.complete("admin_a", verify["id"], {"action": "defer", "note": "Sebelah toko apa?"})
    assert api.reply(tracking_id, code, {"additional_info": "Sebelah toko roti Sumber Hidangan."}).status_code == 200

    _log_in(page, "admin_a")
    page.locator(f"tr[data-tracking-id='{tracking_id}'] a.button").click()
    expect(page.locator("[data-coords]")).to_contain_text("-6.910000, 107.610000")
    expect(page.locator("[data-map-view] .leaflet-marker-icon")).to_have_count(1)
    expect(page.locator("[data-photos] img.thumb")).to_have_count(1)
    expect(page.locator("[data-reporter]")).to_contain_text("Siti")
    expect(page.locator("[data-last-answer]")).to_contain_text("toko roti Sumber Hidangan")
    page.select_option("#f-action", "dispatch")
    page.select_option("#f-unit_id", str(world.unit_a1))
    page.click("[data-action=complete]")
    expect(page.locator(".notice")).to_be_visible()

    proof = tmp_path / "sesudah.jpg"
    proof.write_bytes(_jpeg((40, 160, 60)))
    _log_in(page, "pp_a1")
    page.locator(f"tr[data-tracking-id='{tracking_id}'] a.button").click()
    page.fill("#f-follow_up_text", "Trotoar sudah diperbaiki.")
    page.set_input_files("#task-files", str(proof))
    expect(page.locator("#task-files-previews img")).to_have_count(1)
    page.click("[data-action=complete]")
    expect(page.locator(".notice")).to_be_visible()

    page.context.clear_cookies()
    page.goto(f"/track/{tracking_id}")
    follow_up = page.locator(".conversation [data-kind=agency][data-task=follow_up]")
    expect(follow_up).to_contain_text("Trotoar sudah diperbaiki.")
    expect(follow_up.locator("[data-answer-files] img")).to_have_count(1)
