"""Managing API keys: an admin creates one (the raw key is returned once and never kept), lists the keys
they may see and revokes them. Who may do what:

* ``admin_nasional``: any scope, a national key (no region, no instansi) included;
* ``admin_koordinator``: keys scoped within their province: its own region and its regencies/cities,
  and the instansi of those;
* ``admin_instansi``: keys scoped to their own instansi only;
* ``pejabat_penghubung``: none (403).

An admin sees (and may revoke) exactly the keys they could have made. Who made and who revoked a key
stay on its row (``created_by_id``, ``revoked_by_id``); a key is never deleted, since the reports it
filed keep its channel.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..accounts.roles import ADMIN_INSTANSI, ADMIN_KOORDINATOR, ADMIN_NASIONAL
from ..complaints.models import Category
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..ids import is_id
from ..org.models import Instansi, Region
from ..org.tree import region_and_children
from ..orm import find
from . import channels
from .keys import digest, new_raw_key
from .models import ApiKey

NAME_MAX = 100
RATE_MIN, RATE_MAX, RATE_DEFAULT = 1, 10_000, 60
SCOPE_MAX = 200  # regions or instansi in one key's scope
PREFIX_SHOWN = 12  # "adn_" and 8 characters: enough to tell keys apart, useless to an attacker

NOT_AN_ADMIN = "you do not manage API keys"
NOT_FOUND = "API key not found"
OUTSIDE = "this API key is outside your scope"
ALREADY_REVOKED = "this API key is already revoked"

Errors = dict[str, list[tuple[str, dict[str, Any]]]]


class ScopeRefused(Invalid):
    """The key would reach beyond the admin's own scope: a 403 that still names the field."""
    status, code = 403, "forbidden"


@dataclass(frozen=True)
class NewKey:
    name: str
    channel: str
    region_ids: tuple[Any, ...] = ()
    instansi_ids: tuple[Any, ...] = ()
    rate_per_minute: Any = RATE_DEFAULT


@dataclass(frozen=True)
class Place:
    id: int
    name: str
    code: str = ""  # what Open311's jurisdiction_id names it by


@dataclass(frozen=True)
class KeyView:
    """A key as the list shows it: never the key itself, only its prefix; scope and people by name."""
    id: int
    name: str
    channel: str
    prefix: str
    rate_per_minute: int
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    created_by: str | None = None
    revoked_by: str | None = None
    regions: list[Place] = field(default_factory=list)
    instansi: list[Place] = field(default_factory=list)

    @property
    def region_ids(self) -> list[int]:
        return [r.id for r in self.regions]

    @property
    def instansi_ids(self) -> list[int]:
        return [i.id for i in self.instansi]

    @property
    def national(self) -> bool:
        return not self.regions and not self.instansi

    @property
    def status(self) -> str:
        return "revoked" if self.revoked_at is not None else "active"


@dataclass(frozen=True)
class Created:
    key: KeyView
    raw: str  # shown once: only its digest is stored


# -- who may do what ---------------------------------------------------------------------------------
def may_manage(admin: User) -> bool:
    return admin.active and admin.role in (ADMIN_NASIONAL, ADMIN_KOORDINATOR, ADMIN_INSTANSI)


def _require_admin(admin: User) -> None:
    if not may_manage(admin):
        raise Forbidden(NOT_AN_ADMIN)


class _Places:
    """The regions and instansi some keys name, read in two queries."""

    def __init__(self, session: Session, region_ids: set[int], instansi_ids: set[int]):
        self.regions = {r.id: r for r in session.scalars(select(Region).where(Region.id.in_(region_ids)))} \
            if region_ids else {}
        self.instansi = {i.id: i for i in session.scalars(select(Instansi).where(Instansi.id.in_(instansi_ids)))} \
            if instansi_ids else {}

    def region_allowed(self, admin: User, region_id: int) -> bool:
        region = self.regions.get(region_id)
        if admin.role == ADMIN_NASIONAL:
            return True
        if admin.role == ADMIN_KOORDINATOR:
            return region is not None and admin.region_id is not None and region.province_id() == admin.region_id
        return False  # an Admin Instansi's key names their instansi, not a region

    def instansi_allowed(self, admin: User, instansi_id: int) -> bool:
        inst = self.instansi.get(instansi_id)
        if admin.role == ADMIN_NASIONAL:
            return True
        if admin.role == ADMIN_KOORDINATOR:
            return inst is not None and admin.region_id is not None \
                and inst.region.province_id() == admin.region_id
        if admin.role == ADMIN_INSTANSI:
            return instansi_id == admin.instansi_id
        return False

    def covers(self, admin: User, region_ids: list[int], instansi_ids: list[int]) -> bool:
        """``admin`` could have made a key of this scope (and so sees and revokes it)."""
        if admin.role == ADMIN_NASIONAL:
            return True
        if not region_ids and not instansi_ids:
            return False  # a national key
        return all(self.region_allowed(admin, r) for r in region_ids) \
            and all(self.instansi_allowed(admin, i) for i in instansi_ids)


def _ids(key: ApiKey) -> tuple[list[int], list[int]]:
    return [int(i) for i in key.region_ids or ()], [int(i) for i in key.instansi_ids or ()]


# -- reading -------------------------------------------------------------------------------------------
def visible(session: Session, admin: User) -> list[KeyView]:
    """The keys ``admin`` may see and revoke: active ones first, newest first."""
    _require_admin(admin)
    keys = list(session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.id.desc())))
    places = _places_of(session, keys)
    shown = [k for k in keys if places.covers(admin, *_ids(k))]
    return _views(session, shown, places)


def get(session: Session, admin: User, key_id: int) -> KeyView:
    _require_admin(admin)
    key = _visible_key(session, admin, key_id)
    return _views(session, [key], _places_of(session, [key]))[0]


def scope_choices(session: Session, admin: User) -> tuple[list[Region], list[Instansi]]:
    """The regions and instansi ``admin`` may scope a key to (by name; regions: provinces first)."""
    _require_admin(admin)
    if admin.role == ADMIN_INSTANSI:
        own = find(session, Instansi, admin.instansi_id)
        return [], [own] if own is not None else []
    regions = select(Region).order_by(Region.parent_id.is_not(None), Region.name)
    instansi = select(Instansi).order_by(Instansi.name)
    if admin.role == ADMIN_KOORDINATOR:
        in_province = region_and_children(admin.region_id)
        regions = regions.where(Region.id.in_(in_province))
        instansi = instansi.where(Instansi.region_id.in_(in_province))
    return list(session.scalars(regions)), list(session.scalars(instansi))


def _places_of(session: Session, keys: list[ApiKey]) -> _Places:
    region_ids: set[int] = set()
    instansi_ids: set[int] = set()
    for key in keys:
        regions, insts = _ids(key)
        region_ids.update(regions)
        instansi_ids.update(insts)
    return _Places(session, region_ids, instansi_ids)


def _views(session: Session, keys: list[ApiKey], places: _Places) -> list[KeyView]:
    people = {k.created_by_id for k in keys} | {k.revoked_by_id for k in keys}
    people.discard(None)
    names = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(people))).all()) if people else {}
    views = []
    for key in keys:
        region_ids, instansi_ids = _ids(key)
        views.append(KeyView(
            id=key.id, name=key.name, channel=key.channel, prefix=key.prefix, rate_per_minute=key.rate_per_minute,
            created_at=key.created_at, last_used_at=key.last_used_at, revoked_at=key.revoked_at,
            created_by=names.get(key.created_by_id), revoked_by=names.get(key.revoked_by_id),
            regions=[Place(r, places.regions[r].name, places.regions[r].code) if r in places.regions
                     else Place(r, f"#{r}") for r in region_ids],
            instansi=[Place(i, places.instansi[i].name, places.instansi[i].code) if i in places.instansi
                      else Place(i, f"#{i}") for i in instansi_ids]))
    return views


def _visible_key(session: Session, admin: User, key_id: int) -> ApiKey:
    key = find(session, ApiKey, key_id)
    if key is None:
        raise NotFound(NOT_FOUND)
    if not _places_of(session, [key]).covers(admin, *_ids(key)):
        raise Forbidden(OUTSIDE)
    return key


@dataclass(frozen=True)
class Example:
    """A first Open311 request a new key can make as it is: where (``jurisdiction_id``) and what."""
    jurisdiction: Place | None  # from the key's scope; a national key: a province; None: no region at all
    needs_jurisdiction: bool  # the key may file for more than one place: jurisdiction_id is required
    service_code: str | None  # an offered category that asks for no required extra field, if there is one
    attributes: tuple[tuple[str, str], ...] = ()  # otherwise its required list fields, with their first value
    address: str = ""  # the jurisdiction's region by name (an instansi's: where it is), as address_string


def example(session: Session, key: KeyView) -> Example:
    """What the page shows next to a new key: a request that files a report as it is. ``jurisdiction_id``
    is one of the key's own places (a national key: the first province); Open311 refuses a key for more
    than one place (or a national one) without it."""
    places = key.regions + key.instansi
    place = places[0] if places else None
    if place is None:
        region = session.scalars(select(Region).order_by(Region.parent_id.is_not(None), Region.name)
                                 .limit(1)).first()
        place = Place(region.id, region.name, region.code) if region is not None else None
    categories = list(session.scalars(select(Category).where(Category.active.is_(True))
                                      .order_by(Category.position, Category.code)))
    address = place.name if place is not None else ""
    if key.instansi and place is key.instansi[0]:
        inst = find(session, Instansi, place.id)
        address = inst.region.name if inst is not None else address
    plain = next((c for c in categories if not _required(c)), None)
    if plain is not None or not categories:
        return Example(place, len(places) != 1, plain.code if plain is not None else None, address=address)
    category = categories[0]
    attributes = tuple((a["code"], a["values"][0]["key"]) for a in _required(category) if a.get("values"))
    return Example(place, len(places) != 1, category.code, attributes, address)


def _required(category: Category) -> list[dict[str, Any]]:
    return [a for a in category.attributes or [] if isinstance(a, dict) and a.get("required") and a.get("code")]


# -- changing ------------------------------------------------------------------------------------------
def create(session: Session, admin: User, new: NewKey, now: datetime) -> Created:
    """A new key within ``admin``'s scope. Every problem is reported at once, at its field: bad input is
    422 (Invalid); a scope beyond the admin's own is 403 (ScopeRefused)."""
    _require_admin(admin)
    errors: Errors = {}
    refused: Errors = {}
    name = _check_name(new.name, errors)
    channel = _check_channel(new.channel, errors)
    rate = _check_rate(new.rate_per_minute, errors)
    region_ids = _check_ids(new.region_ids, "region_ids", errors)
    instansi_ids = _check_ids(new.instansi_ids, "instansi_ids", errors)
    places = _Places(session, set(region_ids), set(instansi_ids))
    for rid in region_ids:
        if rid not in places.regions:
            errors.setdefault("region_ids", []).append(("unknown_region", {}))
            break
    for iid in instansi_ids:
        if iid not in places.instansi:
            errors.setdefault("instansi_ids", []).append(("unknown_instansi", {}))
            break
    if "region_ids" not in errors and "instansi_ids" not in errors:
        _check_scope(admin, places, region_ids, instansi_ids, refused)
    if channel is not None and "channel" not in errors:
        _check_channel_owner(session, admin, channel, refused)
    if errors:
        raise Invalid({**refused, **errors})
    if refused:
        raise ScopeRefused(refused, "the key's scope reaches beyond yours")
    raw = new_raw_key()
    key = ApiKey(name=name, channel=channel, prefix=raw[:PREFIX_SHOWN], key_hash=digest(raw),
                 region_ids=region_ids, instansi_ids=instansi_ids, rate_per_minute=rate,
                 created_by_id=admin.id, created_at=now)
    session.add(key)
    session.flush()
    return Created(_views(session, [key], places)[0], raw)


def revoke(session: Session, admin: User, key_id: int, now: datetime) -> KeyView:
    """Revoke a key at once (the next request with it is refused). A key revoked already is a 409 that
    says when and by whom; of two admins revoking at the same moment, one wins, the other is told so."""
    _require_admin(admin)
    key = _visible_key(session, admin, key_id)
    done = session.execute(update(ApiKey).where(ApiKey.id == key.id, ApiKey.revoked_at.is_(None))
                           .values(revoked_at=now, revoked_by_id=admin.id)
                           .execution_options(synchronize_session=False)).rowcount
    session.refresh(key)
    if not done:
        by = session.get(User, key.revoked_by_id) if key.revoked_by_id else None
        raise Conflict(ALREADY_REVOKED, revoked_at=key.revoked_at.isoformat() if key.revoked_at else "",
                       revoked_by=by.full_name if by else "")
    return _views(session, [key], _places_of(session, [key]))[0]


# -- checks ----------------------------------------------------------------------------------------
def _check_name(value: Any, errors: Errors) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not isinstance(value, str) and value is not None:
        errors["name"] = [("not_a_string", {})]
    elif not name:
        errors["name"] = [("required", {})]
    elif len(name) > NAME_MAX:
        errors["name"] = [("too_long", {"max": NAME_MAX})]
    return name


def _check_channel(value: Any, errors: Errors) -> str | None:
    code = value.strip() if isinstance(value, str) else None
    if not code:
        errors["channel"] = [("required", {})]
    elif not channels.is_channel(code):
        errors["channel"] = [("bad_channel", {})]
    elif code in channels.BUILT_IN:
        errors["channel"] = [("reserved_channel", {"channels": list(channels.BUILT_IN)})]
    return code


def _check_rate(value: Any, errors: Errors) -> int:
    if value is None or value == "":
        return RATE_DEFAULT
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            pass
    if not isinstance(value, int) or isinstance(value, bool):
        errors["rate_per_minute"] = [("not_an_integer", {})]
        return RATE_DEFAULT
    if value < RATE_MIN:
        errors["rate_per_minute"] = [("too_small", {"min": RATE_MIN})]
    elif value > RATE_MAX:
        errors["rate_per_minute"] = [("too_large", {"max": RATE_MAX})]
    return value


def _check_ids(values: Any, name: str, errors: Errors) -> list[int]:
    if values is None:
        return []
    if not isinstance(values, (list, tuple)):
        errors[name] = [("invalid_value", {})]
        return []
    out: list[int] = []
    for value in values:
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if not is_id(value):
            errors[name] = [("invalid_value", {})]
            return []
        if value not in out:
            out.append(value)
    if len(out) > SCOPE_MAX:
        errors[name] = [("too_many_items", {"max": SCOPE_MAX})]
    return out


def _check_scope(admin: User, places: _Places, region_ids: list[int], instansi_ids: list[int],
                 refused: Errors) -> None:
    if admin.role == ADMIN_NASIONAL:
        return
    if not region_ids and not instansi_ids:
        field_name = "instansi_ids" if admin.role == ADMIN_INSTANSI else "region_ids"
        refused[field_name] = [("national_scope", {})]
        return
    if any(not places.region_allowed(admin, r) for r in region_ids):
        refused["region_ids"] = [("outside_scope", {})]
    if any(not places.instansi_allowed(admin, i) for i in instansi_ids):
        refused["instansi_ids"] = [("outside_scope", {})]


def _check_channel_owner(session: Session, admin: User, channel: str, refused: Errors) -> None:
    """A channel names one integrating system: a new key may reuse it (a replacement key, say) only when
    every key that has it is the admin's to see, so nobody renames another scope's channel."""
    others = list(session.scalars(select(ApiKey).where(ApiKey.channel == channel)))
    if others and not all(_places_of(session, [k]).covers(admin, *_ids(k)) for k in others):
        refused["channel"] = [("channel_elsewhere", {})]
