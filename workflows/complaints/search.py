"""Searching complaints for officers: within their scope, by text (or tracking ID), status, category,
instansi, arrival day and "waiting for triage", newest first, one page at a time."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..accounts.roles import ADMIN_KOORDINATOR, ADMIN_NASIONAL
from ..accounts.scope import may_see_reporter, scope_filter
from ..errors import Invalid
from ..ids import is_id
from ..org.tree import region_and_children
from . import statuses
from .models import Complaint, ReporterContact

MAX_PER_PAGE = 100
MAX_PAGE = 10_000
MAX_TEXT = 200
TRACKING_ID = re.compile(r"LAP-[A-Z0-9]{8}")


@dataclass(frozen=True)
class SearchQuery:
    q: str | None = None                # tracking ID (exact) or text in title/description/location/reporter
    status: str | None = None           # one of statuses.ALL
    category: str | None = None         # exact category code
    instansi_id: int | None = None      # within the officer's scope
    triage: bool = False                # only reports waiting for triage (no instansi yet)
    received_from: date | None = None   # arrival day, inclusive
    received_to: date | None = None     # arrival day, inclusive
    page: int = 1
    per_page: int = 25


@dataclass(frozen=True)
class SearchPage:
    items: list[Complaint]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def sees_triage(user: User) -> bool:
    """Reports waiting for triage have no instansi yet: only the coordinator and national admins see them."""
    return user.role in (ADMIN_NASIONAL, ADMIN_KOORDINATOR)


def search(session: Session, user: User, query: SearchQuery) -> SearchPage:
    _check(query)
    stmt = _matching(user, query)
    total = session.scalar(stmt.with_only_columns(func.count(Complaint.id)).order_by(None)) or 0
    rows = session.scalars(stmt.order_by(Complaint.created_at.desc(), Complaint.id.desc())
                           .limit(query.per_page).offset((query.page - 1) * query.per_page))
    return SearchPage(list(rows), total, query.page, query.per_page)


def _check(query: SearchQuery) -> None:
    problems: dict[str, list[tuple[str, dict]]] = {}
    if query.status is not None and query.status not in statuses.ALL:
        problems["status"] = [("not_one_of", {"choices": list(statuses.ALL)})]
    if query.instansi_id is not None and not is_id(query.instansi_id):
        problems["instansi_id"] = [("invalid_value", {})]
    if not 1 <= query.per_page <= MAX_PER_PAGE:
        problems["per_page"] = [("out_of_range", {"max": MAX_PER_PAGE})]
    if not 1 <= query.page <= MAX_PAGE:
        problems["page"] = [("too_large", {"max": MAX_PAGE})]
    if query.q is not None and len(query.q) > MAX_TEXT:
        problems["q"] = [("too_long", {"max": MAX_TEXT})]
    if query.received_from and query.received_to and query.received_to < query.received_from:
        problems["received_to"] = [("before_start", {})]
    if problems:
        raise Invalid(problems)


def _in_scope(user: User) -> ColumnElement[bool]:
    """SQL form of :func:`~workflows.accounts.scope.complaint_in_scope`: a coordinator's province is
    the complaint's region or the region's parent (a complaint's region is a province or a regency)."""
    if user.role == ADMIN_KOORDINATOR:
        if user.region_id is None:
            return false()
        province = region_and_children(user.region_id)
        return Complaint.region_id.in_(province)
    return scope_filter(user, Complaint.region_id, Complaint.instansi_id, Complaint.unit_id)


def _matching(user: User, query: SearchQuery) -> Select:
    stmt = select(Complaint).where(_in_scope(user))
    text = (query.q or "").strip()
    if text:
        if TRACKING_ID.fullmatch(text.upper()):
            stmt = stmt.where(Complaint.tracking_id == text.upper())
        else:
            stmt = _text(stmt, user, text.lower())
    if query.status:
        stmt = stmt.where(Complaint.status == query.status)
    if query.category:
        stmt = stmt.where(Complaint.category == query.category)
    if query.triage:
        stmt = stmt.where(Complaint.instansi_id.is_(None) if sees_triage(user) else false())
    if query.instansi_id is not None:
        stmt = stmt.where(Complaint.instansi_id == query.instansi_id)
    if query.received_from:
        stmt = stmt.where(Complaint.received_on >= query.received_from)
    if query.received_to:
        stmt = stmt.where(Complaint.received_on <= query.received_to)
    return stmt


def _text(stmt: Select, user: User, needle: str) -> Select:
    """Case-insensitive substring in the body; in the reporter's name and e-mail only where the officer
    may see the reporter (an anonymous one is hidden from the instansi and its units: ``may_see_reporter``)."""
    def has(column) -> ColumnElement[bool]:
        return func.lower(column).contains(needle, autoescape=True)

    body = or_(has(Complaint.title), has(Complaint.description), has(Complaint.location))
    reporter = or_(has(ReporterContact.name), has(ReporterContact.email))
    # The rule in one place: whether this officer may see an anonymous reporter.
    if not may_see_reporter(user, Complaint(anonymous=True)):
        reporter = reporter & Complaint.anonymous.is_(False)
    return (stmt.outerjoin(ReporterContact, ReporterContact.complaint_id == Complaint.id)
            .where(or_(body, reporter)))
