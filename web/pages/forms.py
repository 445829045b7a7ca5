"""Turning a task's form definition (read from the BPMN) into what a page needs, and back."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import request
from flask_babel import gettext as translated  # texts from the diagram, not literals to extract
from werkzeug.datastructures import MultiDict

from workflows.complaints import kept
from workflows.complaints.attachments import Upload
from workflows.db import Session
from workflows.errors import Invalid
from workflows.org import queries as org

if TYPE_CHECKING:
    from workflows.complaints.models import Complaint

from ..context import unit_of_work
from ..messages import field_message


def choices(db: Session, form: dict[str, Any] | None, complaint: Complaint) -> dict[str, list[tuple[str, str]]]:
    """Options for fields that name a record (``ref``): the complaint's units, the other instansi."""
    out: dict[str, list[tuple[str, str]]] = {}
    for field in (form or {}).get("fields", []):
        if field.get("ref") == "unit":
            out[field["id"]] = [(str(u.id), u.name) for u in org.units(db, complaint.instansi_id, active_only=True)]
        elif field.get("ref") == "instansi":
            out[field["id"]] = [(str(i.id), i.name) for i in org.instansi_except(db, complaint.instansi_id)]
    return out


def submitted(values: MultiDict) -> dict[str, Any]:
    """The posted answers as text (the CSRF token aside, empty ones left out); validation and coercion
    against the task's form are the domain's, which also refuses fields the form does not have."""
    return {name: value for name, value in values.items() if name != "csrf_token" and value.strip() != ""}


def _value_name(field: dict[str, Any] | None, value: Any) -> str:
    """How a value of a field reads on a page: an option's name, yes/no, or the value itself."""
    if field is None:
        return str(value)
    if field.get("type") == "boolean":
        return translated("Yes") if str(value).lower() == "true" else translated("No")
    for option in field.get("options", []):
        if option["id"] == str(value):
            return translated(option["name"])
    return str(value)


def readable(form: dict[str, Any] | None) -> dict[str, Any] | None:
    """The form with each ``required_if`` condition spelled out in words (label and option names)."""
    if not form:
        return form
    by_id = {f["id"]: f for f in form["fields"]}
    fields = []
    for field in form["fields"]:
        field = dict(field)
        condition = field.get("required_if")
        if condition:
            other = by_id.get(condition["field"])
            field["when_label"] = translated(other["label"]) if other else condition["field"]
            field["when_values"] = " / ".join(_value_name(other, v) for v in condition["values"])
        fields.append(field)
    return {**form, "fields": fields}


def readable_errors(form: dict[str, Any] | None, exc: Invalid) -> dict[str, list[str]]:
    """Field errors with the other field named by its label and the value by its option name."""
    by_id = {f["id"]: f for f in (form or {}).get("fields", [])}
    out: dict[str, list[str]] = {}
    for name, problems in exc.fields.items():
        texts = []
        for code, params in problems:
            if code == "required_when" and params.get("field") in by_id:
                other = by_id[params["field"]]
                params = {"field": translated(other["label"]), "value": _value_name(other, params.get("value"))}
            texts.append(field_message(code, params))
        out[name] = texts
    return out


def kept_and_new(token: str | None, now) -> tuple[Upload, ...]:
    """The files kept from this form's refused try (kept.py) and those chosen now."""
    with unit_of_work() as db:
        earlier = kept.take(db, token, now)
    return earlier + tuple(Upload(f.filename or "", f.read()) for f in request.files.getlist("attachments")
                           if f and f.filename)


def keep_files(files: tuple[Upload, ...], now) -> tuple[str | None, list[str]]:
    """After a refusal: keep the acceptable files for the next try; their token and names for the form."""
    if not files:
        return None, []
    with unit_of_work() as db:
        token = kept.keep(db, files, now)
        return token, kept.names(db, token)
