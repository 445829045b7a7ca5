"""Complaint categories: the report form offers the active ones, the routing table routes by them. The
Admin Nasional adds, renames and retires them on the routing page (a retired category stays on the
complaints that carry it, and is no longer offered). The API accepts any short category text (other
channels bring their own); ``CATEGORIES`` are the codes every installation starts with (migration 0018)."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..accounts.roles import ADMIN_NASIONAL
from ..errors import Forbidden, Invalid, NotFound
from ..sla.models import RuleChange
from .models import Category

CATEGORIES = (
    "infrastruktur",
    "kesehatan",
    "pendidikan",
    "kependudukan",
    "lingkungan",
    "transportasi",
    "sosial",
    "ketertiban",
    "perizinan",
    "lainnya",
)
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
MAX_NAME = 100


def listed(session: Session, active_only: bool = False) -> list[Category]:
    stmt = select(Category).order_by(Category.position, Category.code)
    if active_only:
        stmt = stmt.where(Category.active.is_(True))
    return list(session.scalars(stmt))


def names(session: Session) -> dict[str, Category]:
    return {c.code: c for c in listed(session)}


def _require_national(user: User | None) -> None:
    if user is not None and user.role != ADMIN_NASIONAL:
        raise Forbidden("only the Admin Nasional manages the categories")


def _name_errors(name_id: str, name_en: str) -> dict[str, list]:
    errors: dict[str, list] = {}
    for field, value in (("name_id", name_id), ("name_en", name_en)):
        if not value:
            errors[field] = [("required", {})]
        elif len(value) > MAX_NAME:
            errors[field] = [("too_long", {"max": MAX_NAME})]
    return errors


def add(session: Session, code: str, name_id: str, name_en: str, *, user: User | None, now: datetime) -> Category:
    _require_national(user)
    code, name_id, name_en = (code or "").strip().lower(), (name_id or "").strip(), (name_en or "").strip()
    errors = _name_errors(name_id, name_en)
    if not code:
        errors["code"] = [("required", {})]
    elif not _CODE.match(code):
        errors["code"] = [("bad_code", {})]
    elif session.get(Category, code) is not None:
        errors["code"] = [("duplicate_category", {})]
    if errors:
        raise Invalid(errors)
    position = (session.scalar(select(func.max(Category.position))) or 0) + 1
    category = Category(code=code, name_id=name_id, name_en=name_en, active=True, position=position)
    session.add(category)
    _log(session, code, "", f"{name_id} / {name_en}", user, now)
    return category


def update(session: Session, code: str, *, name_id: str | None = None, name_en: str | None = None,
           active: bool | None = None, user: User | None, now: datetime) -> Category:
    """Rename a category, retire it (``active`` False) or offer it again."""
    _require_national(user)
    category = session.get(Category, code)
    if category is None:
        raise NotFound("no such category")
    new_id = category.name_id if name_id is None else name_id.strip()
    new_en = category.name_en if name_en is None else name_en.strip()
    errors = _name_errors(new_id, new_en)
    if errors:
        raise Invalid(errors)
    old = _text(category)
    category.name_id, category.name_en = new_id, new_en
    if active is not None:
        category.active = active
    if _text(category) != old:
        _log(session, code, old, _text(category), user, now)
    return category


def _text(category: Category) -> str:
    return f"{category.name_id} / {category.name_en}" + ("" if category.active else " (nonaktif)")


def _log(session: Session, code: str, old: str, new: str, user: User | None, now: datetime) -> None:
    session.add(RuleChange(region_id=None, kind="category", rule=code, old=old, new=new,
                           changed_by_id=user.id if user else None, changed_at=now))


# -- the extra fields a category asks for (attributes; Open311's service definition) ------------------
_ATTRIBUTE_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_ATTRIBUTES = 10
MAX_VALUES = 30


def add_attribute(session: Session, code: str, *, attribute_code: str, datatype: str, required: bool,
                  description_id: str, description_en: str, values: str = "", user: User | None,
                  now: datetime) -> Category:
    """Ask one more field of reports in this category. ``values`` (for the two list types): one per line,
    ``key = Nama = Name`` (the names may be left out)."""
    from .attributes import DATATYPES
    _require_national(user)
    category = session.get(Category, code)
    if category is None:
        raise NotFound("no such category")
    attribute_code = (attribute_code or "").strip().lower()
    existing = list(category.attributes or [])
    errors: dict[str, list] = {}
    if not attribute_code:
        errors["attribute_code"] = [("required", {})]
    elif not _ATTRIBUTE_CODE.match(attribute_code):
        errors["attribute_code"] = [("bad_code", {})]
    elif any(a["code"] == attribute_code for a in existing):
        errors["attribute_code"] = [("duplicate_attribute", {})]
    if datatype not in DATATYPES:
        errors["datatype"] = [("not_one_of", {"choices": list(DATATYPES)})]
    errors.update({k: v for k, v in _name_errors(description_id.strip(), description_en.strip()).items()})
    for field in ("name_id", "name_en"):
        if field in errors:
            errors[field.replace("name", "description")] = errors.pop(field)
    options = _options(values)
    if datatype in ("singlevaluelist", "multivaluelist"):
        if isinstance(options, str):
            errors["values"] = [(options, {})]
        elif not options:
            errors["values"] = [("required", {})]
    elif values.strip():
        errors["values"] = [("values_only_for_lists", {})]
    if len(existing) >= MAX_ATTRIBUTES:
        errors["attribute_code"] = [("too_many_attributes", {"max": MAX_ATTRIBUTES})]
    if errors:
        raise Invalid(errors)
    definition = {"code": attribute_code, "datatype": datatype, "required": bool(required),
                  "order": len(existing) + 1, "description_id": description_id.strip(),
                  "description_en": description_en.strip()}
    if datatype in ("singlevaluelist", "multivaluelist"):
        definition["values"] = options
    category.attributes = [*existing, definition]  # a new list: the JSON column sees the change
    _log(session, code, "", f"+ {attribute_code} ({datatype}{', wajib' if required else ''})", user, now)
    return category


def remove_attribute(session: Session, code: str, attribute_code: str, *, user: User | None,
                     now: datetime) -> Category:
    """Stop asking a field (reports that answered it keep their answer in their description)."""
    _require_national(user)
    category = session.get(Category, code)
    if category is None:
        raise NotFound("no such category")
    kept = [a for a in (category.attributes or []) if a["code"] != attribute_code]
    if len(kept) == len(category.attributes or []):
        raise NotFound("no such attribute")
    category.attributes = [{**a, "order": i} for i, a in enumerate(kept, 1)]
    _log(session, code, f"{attribute_code}", "", user, now)
    return category


def _options(text: str) -> list[dict[str, str]] | str:
    """``key = Nama = Name`` lines as values; a code naming what is wrong when they are not."""
    options: list[dict[str, str]] = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("=")]
        key = parts[0].lower()
        if not _ATTRIBUTE_CODE.match(key) or len(parts) > 3 or any(len(p) > MAX_NAME for p in parts):
            return "bad_values"
        if any(o["key"] == key for o in options):
            return "duplicate_value"
        name_id = parts[1] if len(parts) > 1 and parts[1] else key
        options.append({"key": key, "name_id": name_id, "name_en": parts[2] if len(parts) > 2 and parts[2] else name_id})
    return options if len(options) <= MAX_VALUES else "too_many_values"


def one(session: Session, code: str) -> Category:
    category = session.get(Category, code) if code and len(code) <= 60 else None
    if category is None:
        raise NotFound("no such category")
    return category
