"""The extra fields a category asks for (Open311 ``attributes``), checked and put into words.

A category's ``attributes`` is a list of definitions::

    {"code": "jenis_kerusakan", "datatype": "singlevaluelist", "required": true, "order": 1,
     "description_id": "Jenis kerusakan", "description_en": "Kind of damage",
     "values": [{"key": "lubang", "name_id": "Jalan berlubang", "name_en": "Pothole"}]}

``datatype`` is one of the standard's: string, number, datetime, text, singlevaluelist, multivaluelist.
"""
from __future__ import annotations

import math
from datetime import datetime, tzinfo
from typing import Any

from ..errors import Invalid

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
MAX_TEXT = 2000


def field_name(code: str) -> str:
    return f"attribute[{code}]"


def check(definitions: list[dict[str, Any]], given: dict[str, list[str]], zone: tzinfo | None = None) -> dict[str, Any]:
    """The answers, typed, for the category's attributes; unknown codes are refused (a client typo
    would otherwise be dropped silently). A number takes a comma or a dot for decimals; a date and time
    without its offset is the local time of ``zone`` (the complaint's region: a form's
    ``datetime-local`` sends none); without a zone to assume, the offset is required."""
    errors: dict[str, list] = {}
    values: dict[str, Any] = {}
    known = {d["code"]: d for d in definitions}
    for code in given:
        if code not in known:
            errors[field_name(code)] = [("unknown_attribute", {})]
    for code, definition in known.items():
        answers = [a.strip() for a in given.get(code, []) if a is not None and a.strip()]
        if not answers:
            if definition.get("required"):
                errors[field_name(code)] = [("required", {})]
            continue
        kind = definition.get("datatype", "string")
        keys = [str(v["key"]) for v in definition.get("values", [])]
        if kind == "multivaluelist":
            wrong = [a for a in answers if a not in keys]
            if wrong:
                errors[field_name(code)] = [("not_one_of", {"choices": keys})]
            else:
                values[code] = answers
            continue
        if len(answers) > 1:
            errors[field_name(code)] = [("one_value", {})]
            continue
        answer = answers[0]
        if kind == "singlevaluelist" and answer not in keys:
            errors[field_name(code)] = [("not_one_of", {"choices": keys})]
        elif kind == "number":
            number = _number(answer)
            if number is None:
                errors[field_name(code)] = [("not_a_decimal", {})]
            else:
                values[code] = int(number) if number.is_integer() and abs(number) < 2**53 else number
        elif kind == "datetime":
            moment = _moment(answer, zone)
            if moment is None:
                errors[field_name(code)] = [("not_a_moment", {})]
            else:
                values[code] = moment.isoformat(timespec="minutes")
        elif len(answer) > MAX_TEXT:
            errors[field_name(code)] = [("too_long", {"max": MAX_TEXT})]
        else:
            values[code] = answer
    if errors:
        raise Invalid(errors)
    return values


def _number(text: str) -> float | None:
    """``3,5`` or ``3.5`` (one decimal mark, no thousands separators); finite numbers only."""
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) and "_" not in text else None


def _moment(text: str, zone: tzinfo | None) -> datetime | None:
    """A date and time (a date alone is not a moment), with its offset or in ``zone``."""
    if "T" not in text and " " not in text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        if zone is None:
            return None
        moment = moment.replace(tzinfo=zone)
    return moment


def _shown_moment(value: str) -> str:
    """``2026-11-30T10:00+07:00`` as ``30-11-2026 10:00 (UTC+07:00)``."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    offset = moment.strftime("%z")
    return f"{moment:%d-%m-%Y %H:%M} (UTC{offset[:3]}:{offset[3:]})" if offset else f"{moment:%d-%m-%Y %H:%M}"


def describe(definitions: list[dict[str, Any]], values: dict[str, Any], language: str) -> str:
    """The answers as lines for the complaint's description ("Jenis kerusakan: Jalan berlubang")."""
    lines = []
    suffix = "en" if language == "en" else "id"
    for definition in sorted(definitions, key=lambda d: d.get("order", 0)):
        code = definition["code"]
        if code not in values:
            continue
        names = {str(v["key"]): v.get(f"name_{suffix}") or v.get("name_id") or v["key"]
                 for v in definition.get("values", [])}
        value = values[code]
        if isinstance(value, list):
            shown = ", ".join(names.get(v, v) for v in value)
        elif definition.get("datatype") == "datetime":
            shown = _shown_moment(str(value))
        elif definition.get("datatype") == "number" and language != "en":
            shown = str(value).replace(".", ",")  # Indonesian writes a decimal comma
        else:
            shown = names.get(str(value), value)
        label = definition.get(f"description_{suffix}") or definition.get("description_id") or code
        lines.append(f"{label}: {shown}")
    return "\n".join(lines)


def problems(definitions: Any) -> list[str]:
    """What is wrong with a list of definitions (for whoever sets them): empty when it is fine."""
    found: list[str] = []
    if not isinstance(definitions, list):
        return ["attributes must be a list"]
    codes = set()
    for i, d in enumerate(definitions):
        if not isinstance(d, dict) or not isinstance(d.get("code"), str) or not d["code"]:
            found.append(f"attribute {i + 1}: a code is required")
            continue
        if d["code"] in codes:
            found.append(f"attribute {d['code']}: the code is used twice")
        codes.add(d["code"])
        if d.get("datatype", "string") not in DATATYPES:
            found.append(f"attribute {d['code']}: datatype must be one of {', '.join(DATATYPES)}")
        if d.get("datatype") in ("singlevaluelist", "multivaluelist") and not d.get("values"):
            found.append(f"attribute {d['code']}: a list needs values")
    return found
