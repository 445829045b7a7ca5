"""The OpenAPI description of the Open311 endpoints (their bodies are JSON or XML, so they are written
out here rather than generated from marshmallow schemas)."""
from __future__ import annotations

from typing import Any

FORMAT = {"name": "fmt", "in": "path", "required": True, "schema": {"type": "string", "enum": ["json", "xml"]},
          "description": "the format of the answer (and of errors)"}
JURISDICTION = {"name": "jurisdiction_id", "in": "query", "required": False, "schema": {"type": "string"},
                "description": "a region's code (`32`, `32.73`) or an instansi's (`pemkot-bandung`); "
                               "none: the whole country"}
ERROR_LIST = {"type": "array", "items": {"type": "object", "required": ["code", "description"], "properties": {
    "code": {"type": "integer", "description": "the HTTP status"},
    "description": {"type": "string", "description": "what is wrong, in the request's language"}}}}


def _error(status: int, description: str, example: str) -> dict[str, Any]:
    body = [{"code": status, "description": example}]
    xml = (f'<?xml version="1.0" encoding="utf-8"?>\n<errors><error><code>{status}</code>'
           f"<description>{example}</description></error></errors>")
    return {"description": description, "content": {
        "application/json": {"schema": ERROR_LIST, "example": body},
        "text/xml": {"schema": {"type": "string"}, "example": xml}}}


def _ok(description: str, example: Any, status: int = 200) -> dict[int, Any]:
    return {status: {"description": description, "content": {
        "application/json": {"example": example}, "text/xml": {"schema": {"type": "string"}}}}}


BAD_FORMAT = _error(400, "Bad input: a format other than json/xml, a malformed parameter",
                    "start_date: Tanggal dan waktu harus menyertakan zonanya, mis. +07:00 atau Z.")
NO_PLACE = _error(404, "Unknown jurisdiction_id (or the resource asked for)", "jurisdiction_id tidak dikenal: 99")
REQUEST = {"service_request_id": "LAP-7KQ2M9XD", "status": "open", "status_notes": "Diverifikasi & didisposisi",
           "service_name": "Infrastruktur", "service_code": "infrastruktur",
           "description": "Jalan berlubang di depan SDN 3", "agency_responsible": "Pemerintah Kota Bandung — Dinas PU",
           "service_notice": "Pantau di http://127.0.0.1:5000/track/LAP-7KQ2M9XD",
           "requested_datetime": "2026-11-20T02:15:00+00:00", "updated_datetime": "2026-11-21T03:00:00+00:00",
           "expected_datetime": "2026-11-27T09:00:00+00:00", "address": "Jl. Merdeka 1", "address_id": None,
           "zipcode": None, "lat": -6.91, "long": 107.61, "media_url": None}

FILING_FIELDS = {
    "api_key": {"type": "string", "example": "adn_demo_sms1708_not_a_secret",
                "description": "the key from Integrasi (or the X-Api-Key header)"},
    "jurisdiction_id": {"type": "string", "example": "pemkot-bandung",
                        "description": "a region's or an instansi's code; may be left out by a key for one place"},
    "service_code": {"type": "string", "example": "kesehatan"},
    "description": {"type": "string", "minLength": 10, "maxLength": 4000,
                    "example": "Puskesmas tutup pada jam pelayanan, antrean panjang di luar."},
    "lat": {"type": "number", "minimum": -90, "maximum": 90, "example": -6.9147},
    "long": {"type": "number", "minimum": -180, "maximum": 180, "example": 107.6098},
    "address_string": {"type": "string", "maxLength": 300, "example": "Jl. Merdeka 1, Bandung"},
    "address_id": {"type": "string", "maxLength": 100, "example": ""},
    "email": {"type": "string", "format": "email", "example": "warga@example.id"},
    "phone": {"type": "string", "example": "+62 812 3456 7890"},
    "first_name": {"type": "string", "maxLength": 100, "example": "Budi"},
    "last_name": {"type": "string", "maxLength": 100, "example": "Santoso"},
    "device_id": {"type": "string", "maxLength": 100, "example": ""},
    "account_id": {"type": "string", "maxLength": 100, "example": ""},
    "media_url": {"type": "string", "format": "uri", "maxLength": 500, "example": ""},
}

DEFAULT = _error(503, "Any other refusal, as the standard's list", "basis data tidak tersedia; coba lagi")

DOCS: dict[str, dict[str, Any]] = {
    "discovery": {"summary": "Service discovery", "parameters": [FORMAT], "responses": {
        **_ok("Where the endpoints are", {"changeset": "2026-12-01T00:00:00+00:00", "contact": "…",
                                          "key_service": "…", "endpoints": []}), 400: BAD_FORMAT}},
    "services": {"summary": "Service list (one per category)", "parameters": [FORMAT, JURISDICTION], "responses": {
        **_ok("The services", [{"service_code": "infrastruktur", "service_name": "Infrastruktur",
                                "description": "Infrastruktur", "metadata": True, "type": "realtime",
                                "keywords": "", "group": "pengaduan"}]), 400: BAD_FORMAT, 404: NO_PLACE}},
    "service": {"summary": "Service definition (its attributes)", "parameters": [
        FORMAT, JURISDICTION, {"name": "service_code", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {**_ok("The attributes", {"service_code": "infrastruktur", "attributes": [
            {"variable": True, "code": "jenis_kerusakan", "datatype": "singlevaluelist", "required": True,
             "datatype_description": "", "order": 1, "description": "Jenis kerusakan",
             "values": [{"key": "lubang", "name": "Jalan berlubang"}]}]}),
            400: BAD_FORMAT, 404: _error(404, "Unknown service_code or jurisdiction_id",
                                         "service_code tidak dikenal: parkir")}},
    "requests": {"summary": "Service requests by the standard's filters",
                 "description": "`service_request_id` (comma-separated, at most 100), `service_code` "
                                "(comma-separated), `start_date`/`end_date` (w3c with zone; default the last 90 "
                                "days, at most 1000 requests, newest first), `status` (`open`, `closed`). "
                                "Confidential reports show no content; no reporter is ever shown.",
                 "parameters": [FORMAT, JURISDICTION,
                                {"name": "service_request_id", "in": "query", "schema": {"type": "string"}},
                                {"name": "service_code", "in": "query", "schema": {"type": "string"}},
                                {"name": "start_date", "in": "query", "schema": {"type": "string",
                                                                               "format": "date-time"}},
                                {"name": "end_date", "in": "query", "schema": {"type": "string",
                                                                             "format": "date-time"}},
                                {"name": "status", "in": "query", "schema": {"type": "string"},
                                 "description": "open, closed or open,closed"}],
                 "responses": {**_ok("The matching requests", [REQUEST]),
                               400: _error(400, "A malformed filter", "status: Harus salah satu dari: open, closed."),
                               404: NO_PLACE}},
    "file": {"summary": "File a service request (needs api_key)",
             "description": "Form fields: `api_key` (or the `X-Api-Key` header), `service_code`, `description` "
                            "(10-4000 characters), `lat`+`long` or `address_string` or `address_id`, `email`, "
                            "`phone`, `first_name`, `last_name`, `device_id`, `account_id`, `media_url`, "
                            "`attribute[code]` (`attribute[code][]` for a multivaluelist). Without first_name "
                            "and last_name the report is anonymous. The reporter's reply code goes to their "
                            "e-mail, never to the client.",
             "parameters": [FORMAT],
             "security": [{"open311ApiKey": []}],
             "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
                 "type": "object", "required": ["api_key", "service_code", "description"],
                 "properties": FILING_FIELDS}}}},
             "responses": {
                 **_ok("Filed", [{"service_request_id": "LAP-7KQ2M9XD", "token": "Xk2…",
                                  "service_notice": "Pantau di …", "account_id": ""}], 201),
                 400: _error(400, "A required field is missing or a value is wrong",
                             "description: Harus 10 sampai 4000 karakter."),
                 403: _error(403, "No api_key, an unknown or revoked one, or one that may not file for this "
                                  "jurisdiction", "api_key wajib diisi"),
                 404: _error(404, "Unknown service_code or jurisdiction_id", "service_code tidak dikenal: parkir"),
                 413: _error(413, "The body is larger than the server takes", "isi permintaan terlalu besar"),
                 429: {**_error(429, "Too many requests with this api_key this minute (Retry-After says when)",
                                "terlalu banyak permintaan dengan kunci API ini; coba lagi nanti"),
                       "headers": {"Retry-After": {"description": "seconds until the next minute's window",
                                                   "schema": {"type": "integer"}}}}}},
    "request": {"summary": "One service request", "parameters": [
        FORMAT, JURISDICTION, {"name": "service_request_id", "in": "path", "required": True,
                               "schema": {"type": "string"}}],
        "responses": {**_ok("A list of one", [REQUEST]), 400: BAD_FORMAT,
                      404: _error(404, "No such request (in this jurisdiction)",
                                  "service_request_id tidak dikenal: LAP-XXXXXXXX")}},
    "token": {"summary": "The service request of a token", "parameters": [
        FORMAT, {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {**_ok("A list of one", [{"service_request_id": "LAP-7KQ2M9XD", "token": "Xk2…"}]),
                      400: BAD_FORMAT, 404: _error(404, "No such token", "token tidak dikenal")}},
}

for _doc in DOCS.values():  # (not flask-smorest's default error body: Open311 answers with its own list)
    _doc["responses"]["default"] = DEFAULT
