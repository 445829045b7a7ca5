"""Open311 GeoReport v2 through real HTTP: the standard's field names, both formats, its error list."""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from tests.helpers import Api
from workflows.apikeys import keys
from workflows.apikeys.models import ApiKey
from workflows.audit import AuditEvent
from workflows.complaints.models import Category, Complaint, ReporterContact
from workflows.db import transaction
from workflows.open311.models import Open311Request

ROAD = [{"code": "jenis_kerusakan", "datatype": "singlevaluelist", "required": True, "order": 1,
         "description_id": "Jenis kerusakan", "description_en": "Kind of damage",
         "values": [{"key": "lubang", "name_id": "Jalan berlubang", "name_en": "Pothole"},
                    {"key": "retak", "name_id": "Jalan retak", "name_en": "Cracked road"}]},
        {"code": "luas", "datatype": "number", "required": False, "order": 2,
         "description_id": "Perkiraan luas (m²)", "description_en": "Estimated area (m²)"}]


@pytest.fixture
def api(client, world):
    return Api(client, world)


@pytest.fixture
def road_attributes(services):
    with transaction(services.sessions) as db:
        db.get(Category, "infrastruktur").attributes = ROAD
        db.get(Category, "lainnya").active = False


def make_key(services, raw: str, channel: str = "sms1708", regions=(), instansi=(), rate=60, revoked=False) -> int:
    with transaction(services.sessions) as db:
        key = ApiKey(name=f"Sistem {channel}", channel=channel, prefix=raw[:10], key_hash=keys.digest(raw),
                     region_ids=list(regions), instansi_ids=list(instansi), rate_per_minute=rate,
                     revoked_at=services.clock() if revoked else None)
        db.add(key)
        db.flush()
        return key.id


def call(base: str, path: str, method: str = "GET", form: dict | None = None, query: dict | None = None,
         language: str = "id"):
    url = f"{base}/open311/v2/{path}" + (f"?{urllib.parse.urlencode(query, doseq=True)}" if query else "")
    data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Accept-Language": language})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode("utf-8")


def json_call(base, path, **kw):
    status, headers, body = call(base, path + ".json", **kw)
    assert headers["Content-Type"].startswith("application/json"), body
    return status, json.loads(body), headers


def xml_call(base, path, **kw):
    status, headers, body = call(base, path + ".xml", **kw)
    assert headers["Content-Type"].startswith("text/xml"), body
    assert body.startswith('<?xml version="1.0" encoding="utf-8"?>')
    return status, ElementTree.fromstring(body.split("\n", 1)[1]), headers


FILING = {"service_code": "infrastruktur", "description": "Jalan berlubang besar di depan SDN 3, berbahaya.",
          "lat": "-6.91", "long": "107.61", "first_name": "Budi", "last_name": "Santoso",
          "email": "budi@example.id", "attribute[jenis_kerusakan]": "lubang", "attribute[luas]": "4.5"}


def test_discovery_in_both_formats(live_server):
    status, body, _ = json_call(live_server, "discovery")
    assert status == 200
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert body["endpoints"][0]["url"] == f"{live_server}/open311/v2"
    assert set(body["endpoints"][0]["formats"]) == {"text/xml", "application/json"}
    assert {"changeset", "contact", "key_service"} <= set(body)
    assert body["key_service"] == f"{live_server}/integrations/keys"
    status, root, _ = xml_call(live_server, "discovery")
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("./endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


def test_service_list_is_the_active_categories(live_server, road_attributes):
    status, services, _ = json_call(live_server, "services")
    assert status == 200
    codes = [s["service_code"] for s in services]
    assert "infrastruktur" in codes and "lainnya" not in codes  # retired
    road = next(s for s in services if s["service_code"] == "infrastruktur")
    assert road["metadata"] is True and road["type"] == "realtime"
    assert set(road) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert next(s for s in services if s["service_code"] == "kesehatan")["metadata"] is False
    status, root, _ = xml_call(live_server, "services")
    assert root.tag == "services"
    first = root.find("service")
    assert [child.tag for child in first] == ["service_code", "service_name", "description", "metadata", "type",
                                              "keywords", "group"]
    assert {s.findtext("service_code") for s in root.findall("service")} == set(codes)


def test_service_definition_lists_the_attributes(live_server, road_attributes):
    status, body, _ = json_call(live_server, "services/infrastruktur")
    assert status == 200 and body["service_code"] == "infrastruktur"
    kind, area = body["attributes"]
    assert (kind["code"], kind["datatype"], kind["required"], kind["variable"]) == \
        ("jenis_kerusakan", "singlevaluelist", True, True)
    assert kind["description"] == "Jenis kerusakan"
    assert kind["values"] == [{"key": "lubang", "name": "Jalan berlubang"}, {"key": "retak", "name": "Jalan retak"}]
    assert area["datatype"] == "number" and "values" not in area
    _, english, _ = json_call(live_server, "services/infrastruktur", language="en")
    assert english["attributes"][0]["values"][0]["name"] == "Pothole"
    status, root, _ = xml_call(live_server, "services/infrastruktur")
    assert root.tag == "service_definition"
    assert [v.findtext("key") for v in root.findall("./attributes/attribute/values/value")] == ["lubang", "retak"]


def test_unknown_service_code_and_jurisdiction_and_format(live_server):
    status, body, _ = json_call(live_server, "services/parkir")
    assert status == 404 and body == [{"code": 404, "description": "service_code tidak dikenal: parkir"}]
    status, root, _ = xml_call(live_server, "services/parkir", language="en")
    assert status == 404 and root.tag == "errors"
    assert root.findtext("./error/code") == "404"
    assert root.findtext("./error/description") == "service_code not found: parkir"
    status, body, _ = json_call(live_server, "services", query={"jurisdiction_id": "99.99"})
    assert status == 404 and "99.99" in body[0]["description"]
    status, headers, raw = call(live_server, "services.html")
    assert status == 400 and json.loads(raw)[0]["code"] == 400


def test_post_files_a_complaint_with_the_keys_channel(live_server, services, world, road_attributes):
    key_id = make_key(services, "adn_test_national")
    form = {**FILING, "api_key": "adn_test_national", "jurisdiction_id": "pemkab-uji", "account_id": "A-17",
            "media_url": "https://example.id/foto/17.jpg"}
    status, body, _ = json_call(live_server, "requests", method="POST", form=form)
    assert status == 201, body
    (filed,) = body
    assert filed["service_request_id"].startswith("LAP-") and filed["token"] and filed["account_id"] == "A-17"
    assert filed["service_request_id"] in filed["service_notice"]
    with transaction(services.sessions) as db:
        complaint = db.scalars(select(Complaint).where(Complaint.tracking_id == filed["service_request_id"])).one()
        assert complaint.channel == "sms1708" and complaint.instansi_id == world.inst_a
        assert complaint.region_id == world.regency and (complaint.latitude, complaint.longitude) == (-6.91, 107.61)
        assert "Jenis kerusakan: Jalan berlubang" in complaint.description
        assert "Media: https://example.id/foto/17.jpg" in complaint.description
        assert not complaint.anonymous
        contact = db.get(ReporterContact, complaint.id)
        assert (contact.name, contact.email) == ("Budi Santoso", "budi@example.id")
        record = db.get(Open311Request, complaint.id)
        assert record.api_key_id == key_id and record.attributes == {"jenis_kerusakan": "lubang", "luas": 4.5}
        submitted = db.scalars(select(AuditEvent).where(AuditEvent.complaint_id == complaint.id,
                                                        AuditEvent.action == "submitted")).one()
        assert submitted.data["channel"] == "sms1708"
        assert db.get(ApiKey, key_id).last_used_at is not None
    (shown,) = json_call(live_server, f"requests/{filed['service_request_id']}")[1]
    assert shown["media_url"] == "https://example.id/foto/17.jpg" and shown["lat"] == -6.91
    # the token resolves to the request, in both formats
    status, body, _ = json_call(live_server, f"tokens/{filed['token']}")
    assert status == 200 and body == [{"service_request_id": filed["service_request_id"], "token": filed["token"]}]
    status, root, _ = xml_call(live_server, f"tokens/{filed['token']}")
    assert root.tag == "service_requests" and root.findtext("./request/service_request_id") == filed["service_request_id"]
    status, body, _ = json_call(live_server, "tokens/nope")
    assert status == 404 and body[0]["code"] == 404


def test_post_in_xml_and_anonymous_without_names(live_server, services, world):
    make_key(services, "adn_test_regional", regions=[world.province])
    form = {"api_key": "adn_test_regional", "jurisdiction_id": "31.01", "service_code": "kesehatan",
            "description": "Puskesmas tutup pada jam pelayanan.", "address_string": "Jl. Melati 5"}
    status, root, _ = xml_call(live_server, "requests", method="POST", form=form)
    assert status == 201 and root.tag == "service_requests"
    tracking_id = root.findtext("./request/service_request_id")
    with transaction(services.sessions) as db:
        complaint = db.scalars(select(Complaint).where(Complaint.tracking_id == tracking_id)).one()
        assert complaint.anonymous and complaint.location == "Jl. Melati 5" and complaint.instansi_id is None
        assert complaint.region_id == world.regency


def test_post_refusals_are_the_standards_errors(live_server, services, world, road_attributes):
    make_key(services, "adn_test_a", instansi=[world.inst_a], rate=100)
    make_key(services, "adn_test_old", revoked=True)
    status, body, _ = json_call(live_server, "requests", method="POST", form=FILING)
    assert status == 403 and body == [{"code": 403, "description": "api_key wajib diisi"}]
    status, body, _ = json_call(live_server, "requests", method="POST", form={**FILING, "api_key": "adn_wrong"},
                                language="en")
    assert status == 403 and body[0]["description"] == "api_key is unknown or revoked"
    status, body, _ = json_call(live_server, "requests", method="POST", form={**FILING, "api_key": "adn_test_old"})
    assert status == 403
    key = {"api_key": "adn_test_a"}
    # another instansi than the key's
    status, body, _ = json_call(live_server, "requests", method="POST",
                                form={**FILING, **key, "jurisdiction_id": "pemprov-uji"}, language="en")
    assert status == 403 and body[0]["description"] == \
        "this api_key may not file requests for jurisdiction_id pemprov-uji"
    status, body, _ = json_call(live_server, "requests", method="POST",
                                form={**FILING, **key, "jurisdiction_id": "nowhere"})
    assert status == 404
    status, body, _ = json_call(live_server, "requests", method="POST",
                                form={**FILING, **key, "service_code": "parkir"})
    assert status == 404 and "parkir" in body[0]["description"]
    status, body, _ = json_call(live_server, "requests", method="POST", form={**key, "description": "x"},
                                language="en")
    assert status == 400
    described = {d["description"].split(":")[0] for d in body}
    assert described == {"service_code", "description"}
    no_place = {k: v for k, v in FILING.items() if k not in ("lat", "long")}
    status, body, _ = json_call(live_server, "requests", method="POST", form={**no_place, **key}, language="en")
    assert status == 400 and body[0]["description"].startswith("lat: A location is required")
    status, body, _ = json_call(live_server, "requests", method="POST", form={**FILING, **key, "lat": "95"})
    assert status == 400 and body[0]["description"].startswith("lat:")
    status, body, _ = json_call(live_server, "requests", method="POST", language="en",
                                form={**{k: v for k, v in FILING.items() if k != "attribute[jenis_kerusakan]"},
                                      **key, "attribute[warna]": "merah", "attribute[luas]": "besar"})
    assert status == 400
    assert {d["description"].split(":")[0] for d in body} == \
        {"attribute[jenis_kerusakan]", "attribute[warna]", "attribute[luas]"}
    status, body, _ = json_call(live_server, "requests", method="POST",
                                form={**FILING, **key, "media_url": "ftp://example.id/x.jpg",
                                      "email": "not-an-address"})
    assert status == 400 and {d["description"].split(":")[0] for d in body} == {"media_url", "email"}
    with transaction(services.sessions) as db:
        assert db.scalars(select(Complaint)).first() is None  # nothing half-written


def test_a_keys_rate_is_limited_per_minute(live_server, services, world):
    make_key(services, "adn_test_slow", rate=2)
    form = {**FILING, "api_key": "adn_test_slow", "jurisdiction_id": "pemkab-uji", "service_code": "kesehatan"}
    form.pop("attribute[jenis_kerusakan]"), form.pop("attribute[luas]")
    statuses = [json_call(live_server, "requests", method="POST", form=form)[0] for _ in range(2)]
    status, body, headers = json_call(live_server, "requests", method="POST", form=form)
    assert statuses == [201, 201] and status == 429
    assert body[0]["code"] == 429 and 1 <= int(headers["Retry-After"]) <= 60


def _file(api, world, **overrides):
    return api.submit(**overrides)["tracking_id"]


def test_get_requests_filters_and_formats(live_server, api, world, services):
    road = _file(api, world)
    health = _file(api, world, category="kesehatan", title="Puskesmas tutup",
                   description="Puskesmas tutup pada jam pelayanan.", latitude=-6.5, longitude=106.8)
    secret = _file(api, world, confidential=True, title="Pungutan liar",
                   description="Ada pungutan liar di kantor kelurahan.", location="Kelurahan X")
    province = _file(api, world, region_id=world.province, instansi_id=world.inst_b)
    archived = _file(api, world)
    verify = api.task_for("admin_a", archived)
    assert api.complete("admin_a", verify["id"], {"action": "archive", "note": "Laporan ganda."}).status_code == 200
    status, body, _ = json_call(live_server, "requests")
    assert status == 200
    assert [r["service_request_id"] for r in body] == [archived, province, secret, health, road]  # newest first
    fields = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
              "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
              "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}
    assert all(set(r) == fields for r in body)
    by_id = {r["service_request_id"]: r for r in body}
    assert by_id[archived]["status"] == "closed" and by_id[road]["status"] == "open"
    assert by_id[road]["agency_responsible"] == "Pemkab Uji" and by_id[road]["expected_datetime"]
    assert by_id[archived]["expected_datetime"] is None
    assert by_id[road]["status_notes"] == "Belum diproses"
    assert by_id[health]["lat"] == -6.5 and by_id[health]["service_code"] == "kesehatan"
    hidden = by_id[secret]
    assert hidden["description"] is None and hidden["address"] is None and hidden["lat"] is None
    assert "Siti" not in json.dumps(body)  # no reporter, ever
    # filters
    assert [r["service_request_id"] for r in json_call(live_server, "requests", query={"status": "closed"})[1]] \
        == [archived]
    assert archived not in [r["service_request_id"]
                            for r in json_call(live_server, "requests", query={"status": "open"})[1]]
    assert [r["service_request_id"] for r in json_call(live_server, "requests",
                                                       query={"service_code": "kesehatan"})[1]] == [health]
    listed = json_call(live_server, "requests", query={"service_request_id": f"{road},{health.lower()}"})[1]
    assert {r["service_request_id"] for r in listed} == {road, health}
    assert {r["service_request_id"] for r in json_call(live_server, "requests",
                                                       query={"jurisdiction_id": "pemprov-uji"})[1]} == {province}
    assert {r["service_request_id"] for r in json_call(live_server, "requests",
                                                       query={"jurisdiction_id": "31.01"})[1]} == \
        {road, health, secret, archived}
    assert len(json_call(live_server, "requests", query={"jurisdiction_id": "31"})[1]) == 5  # with its regency
    later = json_call(live_server, "requests", query={"start_date": "2999-01-01T00:00:00Z"})[1]
    assert later == []
    earlier = json_call(live_server, "requests", query={"end_date": "2000-01-01T00:00:00+07:00"})[1]
    assert earlier == []
    # one, and in XML
    status, body, _ = json_call(live_server, f"requests/{road}")
    assert status == 200 and [r["service_request_id"] for r in body] == [road]
    status, root, _ = xml_call(live_server, f"requests/{health}", language="en")
    assert root.tag == "service_requests"
    request = root.find("request")
    assert [c.tag for c in request][:3] == ["service_request_id", "status", "status_notes"]
    assert request.findtext("status_notes") == "Not yet processed" and request.findtext("lat") == "-6.5"
    status, root, _ = xml_call(live_server, "requests", query={"status": "closed"})
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [archived]


def test_get_requests_bad_input(live_server, api, world):
    status, body, _ = json_call(live_server, "requests", query={"start_date": "kemarin"}, language="en")
    assert status == 400 and body[0]["description"].startswith("start_date: Not a w3c date")
    status, body, _ = json_call(live_server, "requests", query={"end_date": "2026-11-01T00:00:00"}, language="en")
    assert status == 400 and body[0]["description"] == "end_date: The date and time needs its zone, e.g. +07:00 or Z."
    status, body, _ = json_call(live_server, "requests", query={"status": "pending"})
    assert status == 400 and body[0]["description"].startswith("status:")
    status, body, _ = json_call(live_server, "requests", language="en",
                                query={"start_date": "2026-12-01T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"})
    assert status == 400 and body == [{"code": 400, "description": "start_date must not be after end_date"}]
    status, root, _ = xml_call(live_server, "requests", query={"jurisdiction_id": "atlantis"})
    assert status == 404 and root.findtext("./error/code") == "404"
    status, body, _ = json_call(live_server, "requests/LAP-NOTHERE")
    assert status == 404
    status, body, _ = json_call(live_server, "requests", query={"service_request_id": ",".join(["LAP-X"] * 101)})
    assert status == 400


def test_other_refusals_come_in_the_standards_shape(live_server, services):
    status, headers, body = call(live_server, "services.xml", method="DELETE")
    assert status == 405 and headers["Content-Type"].startswith("text/xml")
    assert ElementTree.fromstring(body.split("\n", 1)[1]).findtext("./error/code") == "405"
    status, headers, body = call(live_server, "services.json", method="PUT")
    assert status == 405 and json.loads(body)[0]["code"] == 405
    status, headers, body = call(live_server, "nothing-here.xml")
    assert status == 404 and ElementTree.fromstring(body.split("\n", 1)[1]).findtext("./error/code") == "404"


def test_awkward_input_is_answered_as_such(live_server, services, world, road_attributes):
    make_key(services, "adn_test_odd")
    with transaction(services.sessions) as db:
        db.get(Category, "kesehatan").attributes = [
            {"code": "lama", "datatype": "number", "required": False, "description_id": "Lama antre (jam)"},
            {"code": "waktu", "datatype": "datetime", "required": False, "description_id": "Waktu kejadian"}]
    base = {"api_key": "adn_test_odd", "jurisdiction_id": "pemkab-uji", "service_code": "kesehatan",
            "address_string": "Jl. Melati 5"}
    # a control character in a report does not break the XML answers
    status, body, _ = json_call(live_server, "requests", method="POST", form={
        **base, "description": "Antrean \x01panjang\x1b sekali di loket", "attribute[lama]": "5,5",
        "attribute[waktu]": "2026-11-30T10:00"})
    assert status == 201, body
    tracking_id = body[0]["service_request_id"]
    status, root, _ = xml_call(live_server, f"requests/{tracking_id}")
    assert status == 200 and root.findtext("./request/description").startswith("Antrean panjang sekali di loket")
    assert "Lama antre (jam): 5,5" in root.findtext("./request/description")
    assert "Waktu kejadian: 30-11-2026 10:00 (UTC+07:00)" in root.findtext("./request/description")
    status, root, _ = xml_call(live_server, "services/a%01b")
    assert status == 404 and root.findtext("./error/description") == "service_code tidak dikenal: ab"
    # numbers that are not numbers, a date without a time
    for bad in ({"attribute[lama]": "nan"}, {"attribute[lama]": "1e400"}, {"attribute[waktu]": "2026-11-30"}):
        status, body, _ = json_call(live_server, "requests", method="POST",
                                    form={**base, "description": "Antrean panjang sekali di loket", **bad})
        assert status == 400 and body[0]["description"].startswith(f"{next(iter(bad))}:"), body
    # a body the form parser cannot read is named as such, not as a missing key
    for content_type, raw in (("application/x-www-form-urlencoded", b"api_key=adn_test_odd&description=x\xe9"),
                              ("application/json", b'{"api_key": "adn_test_odd"}')):
        request = urllib.request.Request(f"{live_server}/open311/v2/requests.json", data=raw, method="POST",
                                         headers={"Content-Type": content_type})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 400
        assert "UTF-8" in json.loads(refused.value.read())[0]["description"]
    # the schema's own texts come in the request's language
    status, body, _ = json_call(live_server, "requests", query={"start_date": "2026-01-01T00:00"})
    assert body[0]["description"] == "start_date: Tanggal dan waktu harus menyertakan zonanya, mis. +07:00 atau Z."
    status, body, _ = json_call(live_server, "requests", method="POST",
                                form={**base, "description": "Antrean panjang sekali", "media_url": "ftp://x"})
    assert body[0]["description"] == "media_url: Bukan alamat web yang sah (http:// atau https://)."
    # refusals the app answers keep the security headers and Allow
    status, headers, _ = call(live_server, "requests.json", method="PUT")
    assert status == 405 and "POST" in headers["Allow"] and headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_a_list_of_ids_overrides_the_other_filters(live_server, api, world):
    road = _file(api, world)
    listed = json_call(live_server, "requests", query={"service_request_id": road, "status": "closed",
                                                      "service_code": "kesehatan"})[1]
    assert [r["service_request_id"] for r in listed] == [road]


def test_the_documents_examples_are_the_real_answers(live_server, app):
    paths = app.test_client().get("/api/openapi.json").get_json()["paths"]

    def example(path, method, status):
        return paths[path][method]["responses"][str(status)]["content"]["application/json"]["example"]
    assert json_call(live_server, "services/parkir")[1] == example("/open311/v2/services/{service_code}.{fmt}", "get", 404)
    real = json_call(live_server, "requests", method="POST", form={"description": "x" * 20, "service_code": "x"})[1]
    assert real == example("/open311/v2/requests.{fmt}", "post", 403)
    real = json_call(live_server, "requests", query={"status": "pending"})[1]
    assert real == example("/open311/v2/requests.{fmt}", "get", 400)
    assert "Retry-After" in paths["/open311/v2/requests.{fmt}"]["post"]["responses"]["429"]["headers"]
