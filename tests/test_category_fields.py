"""A category's extra fields: the Admin Nasional adds and removes them on a page; Open311 asks them."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.helpers import Api
from tests.test_pages import csrf_of, login_page
from workflows.complaints import categories
from workflows.complaints.models import Category, Complaint
from workflows.db import transaction


@pytest.fixture
def api(client, world):
    return Api(client, world)


def _add(client, **form):
    token = csrf_of(client, "/routing/categories/infrastruktur/fields")
    return client.post("/routing/categories/infrastruktur/fields", data={"csrf_token": token, **form})


def test_the_national_admin_adds_and_removes_fields(app, services):
    client = login_page(app, "nasional")
    page = client.get("/routing/categories/infrastruktur/fields").get_data(as_text=True)
    assert "Kategori ini tidak meminta isian tambahan." in page
    assert "has-error" not in page  # (a field named "values" is not the dict's method)
    r = _add(client, attribute_code="jenis_kerusakan", description_id="Jenis kerusakan",
             description_en="Kind of damage", datatype="singlevaluelist", required="on",
             values="lubang = Jalan berlubang = Pothole\nretak = Jalan retak")
    assert r.status_code == 302
    r = _add(client, attribute_code="luas", description_id="Perkiraan luas", description_en="Estimated area",
             datatype="number")
    assert r.status_code == 302
    with transaction(services.sessions) as db:
        kind, area = db.get(Category, "infrastruktur").attributes
    assert kind == {"code": "jenis_kerusakan", "datatype": "singlevaluelist", "required": True, "order": 1,
                    "description_id": "Jenis kerusakan", "description_en": "Kind of damage",
                    "values": [{"key": "lubang", "name_id": "Jalan berlubang", "name_en": "Pothole"},
                               {"key": "retak", "name_id": "Jalan retak", "name_en": "Jalan retak"}]}
    assert (area["code"], area["required"], area["order"], "values" in area) == ("luas", False, 2, False)
    page = client.get("/routing/categories/infrastruktur/fields").get_data(as_text=True)
    assert 'data-attribute="jenis_kerusakan"' in page and "salah satu dari daftar" in page
    routing = client.get("/routing").get_data(as_text=True)
    assert "Isian tambahan (2)" in routing
    token = csrf_of(client, "/routing/categories/infrastruktur/fields")
    r = client.post("/routing/categories/infrastruktur/fields/jenis_kerusakan/remove", data={"csrf_token": token})
    assert r.status_code == 302
    with transaction(services.sessions) as db:
        (left,) = db.get(Category, "infrastruktur").attributes
    assert left["code"] == "luas" and left["order"] == 1


def test_bad_fields_are_named_and_nothing_is_kept(app, services):
    client = login_page(app, "nasional")
    r = _add(client, attribute_code="Jenis Kerusakan", description_id="", description_en="Kind",
             datatype="colour", values="")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    for field in ("attribute_code", "description_id", "datatype"):
        assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', page), field
    r = _add(client, attribute_code="jenis", description_id="Jenis", description_en="Kind",
             datatype="singlevaluelist", values="Lubang Besar = x")
    assert r.status_code == 422 and "Satu nilai per baris" in r.get_data(as_text=True)
    r = _add(client, attribute_code="jenis", description_id="Jenis", description_en="Kind",
             datatype="string", values="a = b")
    assert r.status_code == 422
    with transaction(services.sessions) as db:
        assert db.get(Category, "infrastruktur").attributes == []


def test_only_the_national_admin_changes_fields(app, services):
    client = login_page(app, "koord")
    page = client.get("/routing/categories/infrastruktur/fields")
    assert page.status_code == 200 and 'id="attribute-form"' not in page.get_data(as_text=True)
    r = _add(client, attribute_code="x", description_id="X", description_en="X", datatype="string")
    assert r.status_code == 403
    assert client.get("/routing/categories/nope/fields").status_code == 404
    with transaction(services.sessions) as db:
        assert db.get(Category, "infrastruktur").attributes == []
        try:
            categories.remove_attribute(db, "infrastruktur", "x", user=None, now=services.clock())
        except Exception as exc:  # noqa: BLE001 - the domain's refusal
            assert type(exc).__name__ == "NotFound"
        else:
            raise AssertionError("removing a field that does not exist must be refused")


def _ask_road(services):
    with transaction(services.sessions) as db:
        categories.add_attribute(db, "infrastruktur", attribute_code="jenis_kerusakan", datatype="singlevaluelist",
                                 required=True, description_id="Jenis kerusakan", description_en="Kind of damage",
                                 values="lubang = Jalan berlubang = Pothole\nretak = Jalan retak = Cracked road",
                                 user=None, now=services.clock())


def test_the_report_form_asks_the_chosen_categorys_fields(app, services, world):
    _ask_road(services)
    client = app.test_client()
    form = client.get("/report").get_data(as_text=True)
    assert 'data-category-fields="infrastruktur" hidden' in form and 'name="attr__infrastruktur__jenis_kerusakan"' in form
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    report = {"csrf_token": token, "type": "pengaduan", "category": "infrastruktur", "region_id": str(world.regency),
              "title": "Jalan rusak", "description": "Jalan di depan pasar rusak parah sejak bulan lalu.",
              "reporter_name": "Siti"}
    r = client.post("/report", data=report)
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'data-category-fields="infrastruktur">' in page  # shown again, with its error
    assert re.search(r'data-attribute="jenis_kerusakan">.*?Kolom ini wajib diisi', page, re.S)
    r = client.post("/report", data={**report, "region_id": "", "attr__infrastruktur__jenis_kerusakan": "gempa"})
    page = r.get_data(as_text=True)  # every problem at once: the region and the extra field
    assert r.status_code == 422 and 'data-error-for="region_id"' in page
    assert 'data-error-for="attribute[jenis_kerusakan]"' in page and "lubang, retak" in page
    r = client.post("/report", data={**report, "attr__infrastruktur__jenis_kerusakan": "retak",
                                     "attr__kesehatan__x": "ignored"})
    assert r.status_code == 302
    with transaction(services.sessions) as db:
        (complaint,) = db.scalars(select(Complaint)).all()
        assert complaint.description.endswith("\n\nJenis kerusakan: Jalan retak")


def test_the_json_api_takes_the_answers_too(api, services, world):
    _ask_road(services)
    body = {"type": "pengaduan", "category": "infrastruktur", "title": "Jalan rusak",
            "description": "Jalan di depan pasar rusak parah sejak bulan lalu.", "region_id": world.regency,
            "reporter_name": "Siti", "language": "en"}
    r = api.client.post("/api/complaints", json=body)
    assert r.status_code == 422 and set(r.json["fields"]) == {"attribute[jenis_kerusakan]"}
    r = api.client.post("/api/complaints", json={**body, "attributes": {"jenis_kerusakan": "gempa"}})
    assert r.status_code == 422 and "lubang, retak" in r.json["fields"]["attribute[jenis_kerusakan]"][0]
    r = api.client.post("/api/complaints", json={**body, "attributes": {"jenis_kerusakan": "lubang"}})
    assert r.status_code == 201
    detail = api.track(r.json["tracking_id"], r.json["reporter_token"]).json
    assert detail["description"].endswith("Kind of damage: Pothole")
