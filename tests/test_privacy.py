"""Who sees the reporter and the content: (anonymous, confidential, ordinary) x (public JSON, public
page, the reporter with the code, officers in scope, an officer out of scope). Open311 does not
exist yet; the citizens' and integration issues add their channels to this matrix."""
from __future__ import annotations

import pytest

from tests.helpers import Api

NAME, EMAIL, PHONE = "Siti Penanda", "penanda@example.id", "081299990000"
TITLE, DESCRIPTION = "Judul penanda laporan", "Deskripsi penanda: lampu jalan padam sejak pekan lalu."
KINDS = {"ordinary": {}, "anonymous": {"anonymous": True}, "confidential": {"confidential": True}}


@pytest.fixture
def api(client, world):
    return Api(client, world)


def _submit(api, world, kind: str) -> dict:
    submitted = api.submit(title=TITLE, description=DESCRIPTION, reporter_name=NAME, reporter_email=EMAIL,
                           reporter_phone=PHONE, **KINDS[kind])
    submitted["complaint_id"] = api.task_for("admin_a", submitted["tracking_id"], "verify")["complaint_id"]
    return submitted


def _identity_in(text: str) -> set[str]:
    return {marker for marker in (NAME, EMAIL, PHONE) if marker in text}


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_public_never_sees_who_reported(api, client, world, kind):
    submitted = _submit(api, world, kind)
    tid = submitted["tracking_id"]
    public = api.track(tid)
    assert public.status_code == 200
    page = client.get(f"/track/{tid}").get_data(as_text=True)
    as_reporter = api.track(tid, submitted["reporter_token"])
    for text in (public.get_data(as_text=True), page, as_reporter.get_data(as_text=True)):
        assert _identity_in(text) == set()
    assert "reporter_name" not in public.json and "reporter" not in public.json

    content_public = kind != "confidential"
    assert (TITLE in public.get_data(as_text=True)) is content_public
    assert (DESCRIPTION in page) is content_public
    assert (public.json["title"] == TITLE) is content_public
    # the reporter with their code sees their own report's content, confidential or not
    assert as_reporter.json["title"] == TITLE and as_reporter.json["description"] == DESCRIPTION


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("officer, sees_name", [
    ("admin_a", {"ordinary": True, "confidential": True, "anonymous": False}),   # the instansi itself
    ("pp_a1", {"ordinary": True, "confidential": True, "anonymous": False}),     # its unit, once dispatched
    ("koord", {"ordinary": True, "confidential": True, "anonymous": True}),      # the tier above
    ("nasional", {"ordinary": True, "confidential": True, "anonymous": True}),
])
def test_officers_in_scope_see_the_content_and_the_reporter_as_the_rules_say(api, world, kind, officer, sees_name):
    submitted = _submit(api, world, kind)
    if officer == "pp_a1":
        verify = api.task_for("admin_a", submitted["tracking_id"], "verify")
        assert api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1}).status_code == 200
    detail = api.detail(officer, submitted["complaint_id"])
    assert detail.status_code == 200, detail.json
    assert detail.json["title"] == TITLE and detail.json["description"] == DESCRIPTION
    if sees_name[kind]:
        assert detail.json["reporter"] == {"name": NAME, "email": EMAIL, "phone": PHONE}
    else:
        assert detail.json["reporter"] is None
        assert _identity_in(detail.get_data(as_text=True)) == set()


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("officer", ["admin_b", "pp_a2"])
def test_an_officer_out_of_scope_sees_nothing(api, world, kind, officer):
    submitted = _submit(api, world, kind)
    detail = api.detail(officer, submitted["complaint_id"])
    assert detail.status_code == 403
    text = detail.get_data(as_text=True)
    assert _identity_in(text) == set() and TITLE not in text and DESCRIPTION not in text
