"""Form definitions read from the diagram (camunda:formData) and validation of submitted data.

Errors are returned as stable codes (``required``, ``too_long``, ...) with parameters, so the web
layer can translate them; the engine holds no user-facing language.

Besides Camunda's own constraints (required, minlength, maxlength, min, max) a field may carry
two properties that a designer sets in the properties panel:

* ``required_if`` = ``other_field:value1,value2`` -- required when another field has one of the values;
* ``shown_if`` = ``other_field:value1,value2`` -- asked only then: pages hide the field otherwise (its
  value, a default included, is still submitted and validated as before);
* ``ref`` = ``unit`` / ``instansi`` -- the value names a record the domain layer must check;
* ``default_from`` = a process variable -- the form starts with its value (e.g. the routing table's
  ``suggested_unit_id``), which the officer may change;
* ``public`` = ``value`` / ``text`` -- the answer appears on the public tracking page (``text``:
  free text, hidden when the report is confidential); fields without it stay with the officers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

TEXT_LIMIT = 20_000  # hard ceiling for any string field without its own maxlength
INTEGER_LIMIT = 2**63 - 1  # a "long" field holds a 64-bit integer; record ids are smaller still
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL, lone UTF-16 surrogates: no database stores them


@dataclass(frozen=True)
class FieldError:
    code: str
    params: dict[str, Any] = field(default_factory=dict)


class FormInvalid(ValueError):
    def __init__(self, errors: dict[str, list[FieldError]]):
        super().__init__(", ".join(f"{k}: {[e.code for e in v]}" for k, v in errors.items()))
        self.errors = errors


def form_definition(task_spec) -> dict[str, Any] | None:
    """A JSON-ready description of a user task's form, or None if the task has no form."""
    form = getattr(task_spec, "form", None)
    if form is None or not form.fields:
        return None
    fields = []
    for f in form.fields:
        props = {p.id: p.value for p in f.properties}
        checks = {v.name: v.config for v in f.validation}
        item: dict[str, Any] = {
            "id": f.id,
            "label": f.label,
            "type": f.type,
            "default": f.default_value,
            "required": str(checks.get("required", "")).lower() == "true",
        }
        for name in ("minlength", "maxlength", "min", "max"):
            if name in checks:
                item[name] = int(checks[name])
        for condition in ("required_if", "shown_if"):
            if condition in props:
                other, _, values = props[condition].partition(":")
                item[condition] = {"field": other, "values": values.split(",")}
        if "ref" in props:
            item["ref"] = props["ref"]
        if props.get("default_from"):
            item["default_from"] = props["default_from"]
        if props.get("public") in ("value", "text"):
            item["public"] = props["public"]
        if f.type == "enum":
            item["options"] = [{"id": o.id, "name": o.name} for o in f.options]
        fields.append(item)
    return {"key": form.key, "fields": fields}


def _coerce(f: dict[str, Any], value: Any) -> tuple[Any, FieldError | None]:
    kind = f["type"]
    if kind in ("string", "text", None):
        if not isinstance(value, str):
            return None, FieldError("not_a_string")
        value = value.strip()
        if _UNSTORABLE.search(value):
            return None, FieldError("invalid_characters")
        limit = f.get("maxlength", TEXT_LIMIT)
        if len(value) > limit:
            return None, FieldError("too_long", {"max": limit})
        if len(value) < f.get("minlength", 0):
            return None, FieldError("too_short", {"min": f["minlength"]})
        return value, None
    if kind == "long":
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                value = int(value.strip())
            else:
                return None, FieldError("not_an_integer")
        if not -INTEGER_LIMIT <= value <= INTEGER_LIMIT:
            return None, FieldError("not_an_integer")
        if "min" in f and value < f["min"]:
            return None, FieldError("too_small", {"min": f["min"]})
        if "max" in f and value > f["max"]:
            return None, FieldError("too_large", {"max": f["max"]})
        return value, None
    if kind == "boolean":
        if isinstance(value, bool):
            return value, None
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true", None
        return None, FieldError("not_a_boolean")
    if kind == "enum":
        allowed = [o["id"] for o in f["options"]]
        if value not in allowed:
            return None, FieldError("not_one_of", {"choices": allowed})
        return value, None
    if kind == "date":
        try:
            return date.fromisoformat(str(value)).isoformat(), None
        except ValueError:
            return None, FieldError("not_a_date")
    return None, FieldError("unsupported_type", {"type": kind})


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def validate(definition: dict[str, Any] | None, data: Any) -> dict[str, Any]:
    """Check submitted data against a form definition; return the cleaned values or raise FormInvalid.

    Every field of the form is present in the result (None when not given), so a value from an
    earlier pass through the same task never leaks into this one.
    """
    if not isinstance(data, dict):
        raise FormInvalid({"_form": [FieldError("not_an_object")]})
    fields = (definition or {}).get("fields", [])
    known = {f["id"] for f in fields}
    errors: dict[str, list[FieldError]] = {k: [FieldError("unknown_field")] for k in data if k not in known}
    raw = {f["id"]: data.get(f["id"]) for f in fields}
    for f in fields:
        if _empty(raw[f["id"]]) and f.get("default") not in (None, ""):
            raw[f["id"]] = f["default"]
    cleaned: dict[str, Any] = {}
    for f in fields:
        value = raw[f["id"]]
        if _empty(value):
            cleaned[f["id"]] = None
            continue
        cleaned[f["id"]], error = _coerce(f, value)
        if error:
            errors.setdefault(f["id"], []).append(error)
    for f in fields:  # a field asked only for some answers: for the others its value is not taken
        shown = f.get("shown_if")
        if shown and not _matches(cleaned.get(shown["field"]), shown["values"]):
            cleaned[f["id"]] = None
            errors.pop(f["id"], None)
    for f in fields:
        if f["id"] in errors or cleaned.get(f["id"]) is not None:
            continue
        if f.get("shown_if") and not _matches(cleaned.get(f["shown_if"]["field"]), f["shown_if"]["values"]):
            continue
        condition = f.get("required_if")
        if f["required"]:
            errors[f["id"]] = [FieldError("required")]
        elif condition and _matches(cleaned.get(condition["field"]), condition["values"]):
            errors[f["id"]] = [FieldError("required_when", {"field": condition["field"],
                                                             "value": cleaned.get(condition["field"])})]
    if errors:
        raise FormInvalid(errors)
    return cleaned


def condition_holds(condition: str, data: dict[str, Any]) -> bool:
    """``field:value1,value2`` (the diagram's condition format) against submitted values."""
    name, _, values = condition.partition(":")
    return _matches(data.get(name.strip()), [v.strip() for v in values.split(",")])


def _matches(value: Any, values: list[str]) -> bool:
    if isinstance(value, bool):
        value = "true" if value else "false"
    return value is not None and str(value) in values
