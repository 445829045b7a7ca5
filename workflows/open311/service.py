"""Open311 GeoReport v2 over Aduan's complaints: services are the categories, a service request is a
complaint (its ``service_request_id`` is the tracking ID), ``jurisdiction_id`` is a region's or an
instansi's code. The web edge (web/open311) turns these records into JSON or XML and errors into the
standard's ``[{code, description}]``; descriptions are English texts the edge translates."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..apikeys.keys import KeyScope
from ..complaints import statuses
from ..complaints.images import IMAGE_TYPES
from ..complaints.models import Attachment, Category, Complaint
from ..complaints.service import Complaints, NewComplaint
from ..errors import Invalid
from ..org.models import Instansi, Region, Unit
from ..org.tree import region_and_children
from ..tasks.models import HumanTask
from ..complaints import attributes as attribute_rules
from .models import Open311Request

OPEN = "open"
CLOSED = "closed"
CLOSED_STATUSES = (statuses.DISELESAIKAN, statuses.DIARSIPKAN)
DEFAULT_DAYS = 90     # GET requests without dates: the last 90 days (the standard's default) ...
MAX_REQUESTS = 1000   # ... and at most 1000 requests
MAX_IDS = 100         # service_request_id=a,b,c: at most this many
TITLE_LENGTH = 80


class Refused(Exception):
    """An Open311 error: the HTTP status and a description (English; the edge translates it)."""

    def __init__(self, status: int, description: str, **params: Any):
        super().__init__(description)
        self.status = status
        self.description = description
        self.params = params


@dataclass(frozen=True)
class Jurisdiction:
    code: str | None           # None: the whole country
    region_ids: tuple[int, ...] = ()  # a region and (for a province) its regencies and cities
    region_id: int | None = None
    instansi_id: int | None = None
    name: str = ""


def jurisdiction(session: Session, code: str | None) -> Jurisdiction:
    """``jurisdiction_id``: a region's code (``32``, ``32.73``) or an instansi's (``pemkot-bandung``);
    none: every complaint Aduan holds."""
    if code is None or not code.strip():
        return Jurisdiction(None)
    code = code.strip()
    region = session.scalars(select(Region).where(Region.code == code)).first()
    if region is not None:
        ids = tuple(session.scalars(region_and_children(region.id)))
        return Jurisdiction(code, ids, region.id, None, region.name)
    inst = session.scalars(select(Instansi).where(Instansi.code == code)).first()
    if inst is not None:
        return Jurisdiction(code, (), inst.region_id, inst.id, inst.name)
    raise Refused(404, "jurisdiction_id not found: %(code)s", code=code[:60])


def services(session: Session) -> list[Category]:
    """One service per category offered (active), in the report form's order."""
    return list(session.scalars(select(Category).where(Category.active.is_(True))
                                .order_by(Category.position, Category.code)))


def service(session: Session, code: str) -> Category:
    category = session.get(Category, code) if code and len(code) <= 60 else None
    if category is None or not category.active:
        raise Refused(404, "service_code not found: %(code)s", code=(code or "")[:60])
    return category


@dataclass(frozen=True)
class Filing:
    """A POST requests.{format}, as the client sent it (already typed by the edge's schema)."""
    service_code: str
    description: str
    lat: float | None = None
    long: float | None = None
    address_string: str | None = None
    address_id: str | None = None
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    device_id: str | None = None
    account_id: str | None = None
    media_url: str | None = None
    attributes: dict[str, list[str]] = field(default_factory=dict)
    language: str = "id"


def file(session: Session, complaints: Complaints, key: KeyScope, place: Jurisdiction, filing: Filing,
         now: datetime) -> tuple[Complaint, str, Open311Request]:
    """File a complaint for a key, in the jurisdiction asked for. Returns the complaint, the reporter's
    reply code (sent to the reporter's e-mail, never to the client) and the Open311 record."""
    category = service(session, filing.service_code)
    region_id, instansi_id = _where(session, key, place)
    if not key.may_file(session, region_id, instansi_id):
        raise Refused(403, "this api_key may not file requests for jurisdiction_id %(code)s",
                      code=place.code or "")
    if filing.lat is None and filing.long is None and not filing.address_string and not filing.address_id:
        raise Invalid({"lat": [("location_required", {})]})
    name = " ".join(p.strip() for p in (filing.first_name, filing.last_name) if p and p.strip()) or None
    location = filing.address_string or (f"address_id {filing.address_id}" if filing.address_id else None)
    description = filing.description.strip()
    if filing.media_url:  # officers see it where they read the report
        description = f"{description}\n\nMedia: {filing.media_url}"
    complaint, code = complaints.submit(session, NewComplaint(
        type="pengaduan", category=category.code, title=_title(filing.description, category, filing.language),
        description=description, region_id=region_id, instansi_id=instansi_id, location=location,
        latitude=filing.lat, longitude=filing.long, anonymous=name is None, reporter_name=name,
        reporter_email=filing.email, reporter_phone=filing.phone, channel=key.channel,
        language=filing.language, attributes=filing.attributes))
    zone = complaints.progress.policy.calendar(region_id).zone
    values = attribute_rules.check(category.attributes or [], filing.attributes, zone)  # (the intake checked them)
    record = Open311Request(complaint_id=complaint.id, api_key_id=key.id, token=secrets.token_urlsafe(18),
                            service_code=category.code, attributes=values, account_id=filing.account_id,
                            device_id=filing.device_id, media_url=filing.media_url, created_at=now)
    session.add(record)
    session.flush()
    return complaint, code, record


def _where(session: Session, key: KeyScope, place: Jurisdiction) -> tuple[int, int | None]:
    """The region and instansi a request is filed for: the jurisdiction's, else the key's only one."""
    if place.region_id is not None:
        return place.region_id, place.instansi_id
    if len(key.instansi_ids) == 1 and not key.region_ids:
        (instansi_id,) = key.instansi_ids
        return session.scalar(select(Instansi.region_id).where(Instansi.id == instansi_id)), instansi_id
    if len(key.region_ids) == 1 and not key.instansi_ids:
        (region_id,) = key.region_ids
        return region_id, None
    raise Refused(400, "jurisdiction_id is required: this api_key may file for more than one jurisdiction")


def _title(description: str, category: Category, language: str) -> str:
    first = description.strip().splitlines()[0].strip() if description.strip() else ""
    if not first:
        return category.name(language)
    return first if len(first) <= TITLE_LENGTH else first[:TITLE_LENGTH - 1].rstrip() + "…"


@dataclass(frozen=True)
class Query:
    """GET requests.{format}: the standard's filters."""
    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    states: tuple[str, ...] = ()    # open | closed


@dataclass
class Record:
    """One service request as the standard shows it (content left out of confidential reports)."""
    tracking_id: str
    status: str                     # Aduan's status
    closed: bool                    # the standard's open/closed
    ended: bool                     # the process ended (closed after the reporter's answer, or archived)
    service_code: str
    service_name_id: str
    service_name_en: str
    description: str | None
    agency: str | None
    unit: str | None
    requested: datetime
    updated: datetime
    expected: datetime | None
    address: str | None
    lat: float | None
    long: float | None
    media_url: str | None
    photo_id: int | None
    confidential: bool
    token: str | None = None


def requests(session: Session, place: Jurisdiction, query: Query, now: datetime) -> list[Record]:
    if len(query.ids) > MAX_IDS:
        raise Refused(400, "service_request_id: at most %(max)s ids", max=MAX_IDS)
    if query.start and query.end and query.start > query.end:
        raise Refused(400, "start_date must not be after end_date")
    stmt = select(*_COLUMNS).where(_in(place))
    if query.ids:
        stmt = stmt.where(Complaint.tracking_id.in_([i.strip().upper() for i in query.ids]))
    else:
        start = query.start or ((query.end or now) - timedelta(days=DEFAULT_DAYS))
        stmt = stmt.where(Complaint.created_at >= start)
        if query.end:
            stmt = stmt.where(Complaint.created_at <= query.end)
    if query.service_codes and not query.ids:  # (ids given: the standard ignores the other filters)
        stmt = stmt.where(Complaint.category.in_(query.service_codes))
    if query.states and set(query.states) != {OPEN, CLOSED} and not query.ids:
        closed = Complaint.status.in_(CLOSED_STATUSES)
        stmt = stmt.where(closed if query.states == (CLOSED,) or set(query.states) == {CLOSED} else ~closed)
    rows = list(session.execute(stmt.order_by(Complaint.created_at.desc(), Complaint.id.desc()).limit(MAX_REQUESTS)))
    return _records(session, rows)


def one(session: Session, place: Jurisdiction, tracking_id: str) -> Record:
    found = requests(session, place, Query(ids=(tracking_id,)), datetime.max) if len(tracking_id) <= 40 else []
    if not found:
        raise Refused(404, "service_request_id not found: %(id)s", id=tracking_id[:40])
    return found[0]


def by_token(session: Session, token: str) -> tuple[str, str]:
    """GET tokens/{token}: the service request the token stands for."""
    row = session.execute(select(Complaint.tracking_id, Open311Request.token)
                          .join(Open311Request, Open311Request.complaint_id == Complaint.id)
                          .where(Open311Request.token == token)).first() if len(token) <= 40 else None
    if row is None:
        raise Refused(404, "token not found")
    return row[0], row[1]


def _in(place: Jurisdiction):
    if place.instansi_id is not None:
        return Complaint.instansi_id == place.instansi_id
    if place.region_ids:
        return Complaint.region_id.in_(place.region_ids)
    return Complaint.id.is_not(None)


# Only what the standard shows, not the ORM object with its joined region, instansi and unit (a page of
# 1000 requests is read as plain rows: bench/open311.py).
_COLUMNS = (Complaint.id, Complaint.tracking_id, Complaint.status, Complaint.closed_at, Complaint.category,
            Complaint.confidential, Complaint.description, Complaint.instansi_id, Complaint.unit_id,
            Complaint.created_at, Complaint.updated_at, Complaint.location, Complaint.latitude, Complaint.longitude)


def _records(session: Session, rows: list) -> list[Record]:
    if not rows:
        return []
    ids = [c.id for c in rows]
    names = {c.code: c for c in session.scalars(select(Category))}
    agencies = dict(session.execute(select(Instansi.id, Instansi.name).where(
        Instansi.id.in_({c.instansi_id for c in rows if c.instansi_id is not None}))).all())
    units = dict(session.execute(select(Unit.id, Unit.name).where(
        Unit.id.in_({c.unit_id for c in rows if c.unit_id is not None}))).all())
    expected = dict(session.execute(
        select(HumanTask.complaint_id, func.min(HumanTask.due_at))
        .where(HumanTask.complaint_id.in_(ids), HumanTask.state == "open", HumanTask.kind == "bpmn",
               HumanTask.role != "pelapor", HumanTask.due_at.is_not(None))
        .group_by(HumanTask.complaint_id)).all())
    filed = {r.complaint_id: r for r in session.scalars(
        select(Open311Request).where(Open311Request.complaint_id.in_(ids)))}
    photos = dict(session.execute(
        select(Attachment.complaint_id, func.min(Attachment.id))
        .where(Attachment.complaint_id.in_(ids), Attachment.task_name.is_(None),
               Attachment.content_type.in_(IMAGE_TYPES))
        .group_by(Attachment.complaint_id)).all())
    records = []
    for c in rows:
        hide = c.confidential
        category = names.get(c.category)
        request = filed.get(c.id)
        records.append(Record(
            tracking_id=c.tracking_id, status=c.status, closed=c.status in CLOSED_STATUSES,
            ended=c.closed_at is not None, service_code=c.category,
            service_name_id=category.name_id if category else c.category,
            service_name_en=category.name_en if category else c.category,
            description=None if hide else c.description, agency=agencies.get(c.instansi_id),
            unit=units.get(c.unit_id), requested=c.created_at, updated=c.updated_at,
            expected=None if c.closed_at is not None else expected.get(c.id),
            address=None if hide else c.location, lat=None if hide else c.latitude,
            long=None if hide else c.longitude,
            media_url=None if hide or request is None else request.media_url,
            photo_id=None if hide else photos.get(c.id), confidential=c.confidential))
    return records

