"""Turning a task's form definition (read from the BPMN) into what a page needs, and back."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from workflows.models import Complaint, Instansi, Unit


def choices(db: Session, form: dict[str, Any] | None, complaint: Complaint) -> dict[str, list[tuple[str, str]]]:
    """Options for fields that name a record (``ref``): the complaint's units, the other instansi."""
    out: dict[str, list[tuple[str, str]]] = {}
    for field in (form or {}).get("fields", []):
        if field.get("ref") == "unit":
            units = db.scalars(select(Unit).where(Unit.instansi_id == complaint.instansi_id).order_by(Unit.name))
            out[field["id"]] = [(str(u.id), u.name) for u in units]
        elif field.get("ref") == "instansi":
            others = db.scalars(select(Instansi).where(Instansi.id != complaint.instansi_id).order_by(Instansi.name))
            out[field["id"]] = [(str(i.id), i.name) for i in others]
    return out


def submitted(form: dict[str, Any] | None, values: MultiDict) -> dict[str, Any]:
    """The posted values of the form's own fields, as text; validation and coercion are the domain's."""
    data: dict[str, Any] = {}
    for field in (form or {}).get("fields", []):
        value = values.get(field["id"])
        if value is not None and value.strip() != "":
            data[field["id"]] = value
    return data
