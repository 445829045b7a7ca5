"""Managing an instansi's units (unit kerja / OPD) in the browser: add, rename, retire, offer again.

Who: the Admin Nasional for any instansi, an Admin Koordinator for the instansi of their province and
its regencies/cities, an Admin Instansi for their own. A retired unit keeps its complaints and tasks;
it is no longer offered for new dispositions or routing rows. Changes are in the rules history
(``rule_changes``, kind ``unit``, under the instansi's region).
"""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..accounts.scope import instansi_filter
from ..errors import Forbidden, Invalid, NotFound
from ..orm import find
from ..sla.models import RuleChange
from .models import Instansi, Unit

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")
MAX_NAME = 200


def may_manage(session: Session, user: User | None, instansi: Instansi) -> bool:
    if user is None:
        return True
    return session.scalar(select(Instansi.id).where(Instansi.id == instansi.id, instansi_filter(user))) is not None


def _instansi(session: Session, user: User | None, instansi_id: int | None) -> Instansi:
    instansi = find(session, Instansi, instansi_id) if instansi_id is not None else None
    if instansi is None:
        raise NotFound("no such instansi")
    if not may_manage(session, user, instansi):
        raise Forbidden("you may not manage the units of this instansi")
    return instansi


def add(session: Session, instansi_id: int | None, code: str, name: str, *, user: User | None,
        now: datetime) -> Unit:
    instansi = _instansi(session, user, instansi_id)
    code, name = (code or "").strip(), (name or "").strip()
    errors: dict[str, list] = {}
    if not code:
        errors["code"] = [("required", {})]
    elif not _CODE.match(code):
        errors["code"] = [("bad_unit_code", {})]
    elif session.scalars(select(Unit.id).where(Unit.instansi_id == instansi.id,
                                               func.lower(Unit.code) == code.lower())).first():
        errors["code"] = [("duplicate_unit", {})]
    errors.update(_name_errors(session, instansi, name))
    if errors:
        raise Invalid(errors)
    unit = Unit(instansi_id=instansi.id, code=code, name=name, region_id=instansi.region_id, active=True)
    session.add(unit)
    session.flush()
    _log(session, instansi, unit, "", name, user, now)
    return unit


def update(session: Session, unit_id: int | None, *, name: str | None = None, active: bool | None = None,
           user: User | None, now: datetime) -> Unit:
    unit = find(session, Unit, unit_id) if unit_id is not None else None
    if unit is None:
        raise NotFound("no such unit")
    instansi = _instansi(session, user, unit.instansi_id)
    old = _text(unit)
    if name is not None and name.strip() != unit.name:
        name = name.strip()
        errors = _name_errors(session, instansi, name)
        if errors:
            raise Invalid(errors)
        unit.name = name
    if active is not None:
        unit.active = active
    if _text(unit) != old:
        _log(session, instansi, unit, old, _text(unit), user, now)
    return unit


def _name_errors(session: Session, instansi: Instansi, name: str) -> dict[str, list]:
    """A name is needed, and two units of one instansi may not share one (pickers could not tell them apart)."""
    if not name:
        return {"name": [("required", {})]}
    if len(name) > MAX_NAME:
        return {"name": [("too_long", {"max": MAX_NAME})]}
    if session.scalars(select(Unit.id).where(Unit.instansi_id == instansi.id,
                                             func.lower(Unit.name) == name.lower())).first():
        return {"name": [("duplicate_unit_name", {})]}
    return {}


def _text(unit: Unit) -> str:
    return unit.name + ("" if unit.active else " (nonaktif)")


def _log(session: Session, instansi: Instansi, unit: Unit, old: str, new: str, user: User | None,
         now: datetime) -> None:
    session.add(RuleChange(region_id=instansi.region_id, kind="unit", rule=f"{instansi.code}/{unit.code}",
                           old=old, new=new, changed_by_id=user.id if user else None, changed_at=now))
