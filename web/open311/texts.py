"""The Open311 error descriptions in the request's language (the domain raises them in English)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ..messages import field_message, message

REFUSALS = {
    "jurisdiction_id not found: %(code)s": lambda p: _("jurisdiction_id not found: %(code)s", **p),
    "service_code not found: %(code)s": lambda p: _("service_code not found: %(code)s", **p),
    "service_request_id not found: %(id)s": lambda p: _("service_request_id not found: %(id)s", **p),
    "token not found": lambda p: _("token not found"),
    "this api_key may not file requests for jurisdiction_id %(code)s":
        lambda p: _("this api_key may not file requests for jurisdiction_id %(code)s", **p),
    "jurisdiction_id is required: this api_key may file for more than one jurisdiction":
        lambda p: _("jurisdiction_id is required: this api_key may file for more than one jurisdiction"),
    "service_request_id: at most %(max)s ids": lambda p: _("service_request_id: at most %(max)s ids", **p),
    "start_date must not be after end_date": lambda p: _("start_date must not be after end_date"),
    "api_key is required": lambda p: _("api_key is required"),
    "unknown or revoked API key": lambda p: _("api_key is unknown or revoked"),
    "format must be json or xml": lambda p: _("format must be json or xml"),
    "the body must be form fields (application/x-www-form-urlencoded) in UTF-8":
        lambda p: _("the body must be form fields (application/x-www-form-urlencoded) in UTF-8"),
    # the schemas' own texts (web/open311/schemas.py) and marshmallow's for the fields they use
    "Not a w3c date and time, e.g. 2026-11-01T00:00:00+07:00.":
        lambda p: _("Not a w3c date and time, e.g. 2026-11-01T00:00:00+07:00."),
    "The date and time needs its zone, e.g. +07:00 or Z.":
        lambda p: _("The date and time needs its zone, e.g. +07:00 or Z."),
    "Not a valid URL.": lambda p: _("Not a valid web address (http:// or https://)."),
}

# Aduan's field names -> the standard's parameter names, for errors the complaint intake raises.
PARAMETERS = {"region_id": "jurisdiction_id", "instansi_id": "jurisdiction_id", "latitude": "lat",
              "longitude": "long", "reporter_name": "first_name", "reporter_email": "email",
              "reporter_phone": "phone", "title": "description", "location": "address_string",
              "category": "service_code"}


def refusal(text: str, params: dict[str, Any] | None = None) -> str:
    render = REFUSALS.get(text)
    return render(params or {}) if render else message(text)


def field_errors(fields: dict[str, list[tuple[str, dict[str, Any]]]]) -> list[str]:
    """``{field: [(code, params)]}`` from the domain as the standard's descriptions ``"lat: ..."``."""
    return [f"{PARAMETERS.get(name, name)}: {field_message(code, params)}"
            for name, problems in fields.items() for code, params in problems]


def schema_errors(messages: dict[str, Any]) -> list[str]:
    """marshmallow's ``{field: [text]}`` as descriptions, each text in the request's language."""
    found = []
    for name, texts in messages.items():
        for text in texts if isinstance(texts, list) else [texts]:
            found.append(f"{name}: {refusal(str(text))}")
    return found
