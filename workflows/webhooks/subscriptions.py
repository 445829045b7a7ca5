"""Managing webhook subscriptions: who may, what a subscription may cover, and what its deliveries did.

- The Admin Nasional manages any subscription (a region, an instansi, or every complaint); an Admin
  Koordinator those of their province (the province, one of its regencies or cities, or one of its
  instansi); an Admin Instansi those of their instansi. Other officers: 403.
- A subscription covers a region (a province covers its regencies and cities) *or* an instansi, or, for the
  Admin Nasional only, every complaint. Left out: the admin's own province or instansi.
- The receiver is on the public internet: an address inside the private network (loopback, RFC 1918,
  link-local, ...) is refused unless the operator allows it (:mod:`.addresses`).
- The secret signs every delivery (:mod:`.signing`); made here unless the admin brings one, and shown once.
- Deactivated (by an admin, or by its receiver answering 410 Gone): nothing more is sent; what was still
  waiting fails with the reason. A subscription is never deleted: its deliveries point at it.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, false, func, or_, select, true, update
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..accounts.roles import ADMIN_INSTANSI, ADMIN_KOORDINATOR, ADMIN_NASIONAL
from ..complaints.models import Complaint
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..mail.models import FAILED, INTERRUPTED, PENDING, SENDING, SENT, OutboxMessage
from ..org.models import Instansi, Region
from ..org.tree import region_and_children
from ..orm import find
from ..text import storable
from . import addresses
from . import events as hooks
from . import failures, signing
from .models import WebhookSubscription

NAME_MAX, URL_MAX, SECRET_MIN, SECRET_MAX = 100, 500, 16, 100
SECRET_PATTERN = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII without spaces
NOT_ALLOWED = "webhooks are managed by the admin tier"
NOT_FOUND = "webhook subscription not found"
DEACTIVATED = "this webhook subscription is deactivated"
STOPPED, GONE = failures.STOPPED, failures.GONE


@dataclass(frozen=True)
class NewSubscription:
    name: str
    url: str
    events: tuple[str, ...]
    region_id: int | None = None
    instansi_id: int | None = None
    secret: str | None = None  # none: one is made


@dataclass(frozen=True)
class ScopeOption:
    kind: str  # all | region | instansi
    id: int | None
    name: str


@dataclass
class SubscriptionView:
    """A subscription as the list shows it, with what its deliveries did (never its secret)."""
    id: int
    name: str
    url: str
    events: list[str]
    region_id: int | None
    instansi_id: int | None
    scope: str  # the region's or instansi's name; "" for every complaint
    active: bool
    created_at: datetime
    revoked_at: datetime | None
    counts: dict[str, int] = field(default_factory=lambda: {"sent": 0, "pending": 0, "failed": 0})
    last_error: str | None = None


@dataclass(frozen=True)
class Delivery:
    id: int
    event_id: str | None
    event: str
    subscription_id: int
    subscription: str
    tracking_id: str | None
    status: str
    attempts: int
    next_attempt_at: datetime | None
    sent_at: datetime | None
    last_error: str | None
    created_at: datetime


def may_manage(user: User) -> bool:
    return user.role in (ADMIN_NASIONAL, ADMIN_KOORDINATOR, ADMIN_INSTANSI)


def _check(user: User) -> None:
    if not may_manage(user):
        raise Forbidden(NOT_ALLOWED)


def _province_regions(user: User):
    return region_and_children(user.region_id)


def _visible(user: User) -> ColumnElement[bool]:
    """SQL over ``webhook_subscriptions``: those the admin manages."""
    if user.role == ADMIN_NASIONAL:
        return true()
    if user.role == ADMIN_KOORDINATOR:
        return or_(WebhookSubscription.region_id.in_(_province_regions(user)),
                   WebhookSubscription.instansi_id.in_(
                       select(Instansi.id).where(Instansi.region_id.in_(_province_regions(user)))))
    if user.role == ADMIN_INSTANSI:
        return WebhookSubscription.instansi_id == user.instansi_id
    return false()


def _in_province(session: Session, user: User, region_id: int) -> bool:
    region = session.get(Region, region_id)
    return region is not None and user.region_id is not None and user.region_id in (region.id, region.parent_id)


def scope_options(session: Session, user: User) -> list[ScopeOption]:
    """What the admin may choose as a subscription's scope, broadest first."""
    _check(user)
    options: list[ScopeOption] = []
    if user.role == ADMIN_NASIONAL:
        options.append(ScopeOption("all", None, ""))
        regions = list(session.scalars(select(Region).order_by(Region.code)))
        instansi = list(session.scalars(select(Instansi).order_by(Instansi.name)))
    elif user.role == ADMIN_KOORDINATOR:
        regions = list(session.scalars(select(Region).where(Region.id.in_(_province_regions(user)))
                                       .order_by(Region.code)))
        instansi = list(session.scalars(select(Instansi).where(Instansi.region_id.in_(_province_regions(user)))
                                        .order_by(Instansi.name)))
    else:
        regions = []
        instansi = [i for i in [session.get(Instansi, user.instansi_id)] if i is not None] \
            if user.instansi_id is not None else []
    options += [ScopeOption("region", r.id, r.name) for r in regions]
    options += [ScopeOption("instansi", i.id, i.name) for i in instansi]
    return options


def _problems(session: Session, user: User, new: NewSubscription,
              allow_private: bool) -> tuple[dict[str, list], int | None, int | None]:
    errors: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    name = new.name.strip()
    if not name:
        errors["name"] = [("required", {})]
    elif len(name) > NAME_MAX:
        errors["name"] = [("too_long", {"max": NAME_MAX})]
    url = new.url.strip()
    if not url:
        errors["url"] = [("required", {})]
    elif len(url) > URL_MAX:
        errors["url"] = [("too_long", {"max": URL_MAX})]
    elif not _is_url(url):
        errors["url"] = [("not_a_url", {})]
    elif not allow_private and (where := _private(url)) is not None:
        errors["url"] = [("private_address", {"address": where})]
    choices = list(hooks.EVENTS)
    if not new.events:
        errors["events"] = [("choose_one", {"choices": choices})]
    elif any(e not in choices for e in new.events):
        errors["events"] = [("not_one_of", {"choices": choices})]
    if new.secret is not None and new.secret != "":
        if len(new.secret) < SECRET_MIN:
            errors["secret"] = [("too_short", {"min": SECRET_MIN})]
        elif len(new.secret) > SECRET_MAX:
            errors["secret"] = [("too_long", {"max": SECRET_MAX})]
        elif not SECRET_PATTERN.match(new.secret):
            errors["secret"] = [("bad_secret", {})]
    region_id, instansi_id = new.region_id, new.instansi_id
    if region_id is not None and instansi_id is not None:
        errors["instansi_id"] = [("region_or_instansi", {})]
        return errors, None, None
    if region_id is not None:
        if find(session, Region, region_id) is None:
            errors["region_id"] = [("unknown_region", {})]
        elif user.role == ADMIN_INSTANSI or (user.role == ADMIN_KOORDINATOR and not _in_province(session, user, region_id)):
            errors["region_id"] = [("outside_scope", {})]
    elif instansi_id is not None:
        instansi = find(session, Instansi, instansi_id)
        if instansi is None:
            errors["instansi_id"] = [("unknown_instansi", {})]
        elif (user.role == ADMIN_INSTANSI and instansi.id != user.instansi_id) or \
                (user.role == ADMIN_KOORDINATOR and not _in_province(session, user, instansi.region_id)):
            errors["instansi_id"] = [("outside_scope", {})]
    elif user.role == ADMIN_KOORDINATOR:  # left out: the admin's own province or instansi
        region_id = user.region_id
    elif user.role == ADMIN_INSTANSI:
        instansi_id = user.instansi_id
    return errors, region_id, instansi_id


def _is_url(url: str) -> bool:
    if not storable(url) or any(ch.isspace() for ch in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _private(url: str) -> str | None:
    """The address inside the private network the URL's host is or resolves to (:mod:`.addresses`)."""
    parts = urlsplit(url)
    return addresses.refused(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))


def create(session: Session, user: User, new: NewSubscription, now: datetime,
           allow_private: bool = False) -> tuple[SubscriptionView, str]:
    """A new subscription and its secret (shown this once). ``allow_private``: the operator's
    ``ADUAN_WEBHOOK_ALLOW_PRIVATE`` (otherwise a receiver inside the private network is refused)."""
    _check(user)
    errors, region_id, instansi_id = _problems(session, user, new, allow_private)
    if errors:
        raise Invalid(errors)
    secret = new.secret or signing.new_secret()
    subscription = WebhookSubscription(
        name=new.name.strip(), url=new.url.strip(), secret=secret,
        events=[e for e in hooks.EVENTS if e in new.events], region_id=region_id, instansi_id=instansi_id,
        active=True, created_by_id=user.id, created_at=now)
    session.add(subscription)
    session.flush()
    return _views(session, [subscription])[0], secret


def _get(session: Session, user: User, subscription_id: int) -> WebhookSubscription:
    _check(user)
    subscription = session.scalars(select(WebhookSubscription).where(
        WebhookSubscription.id == subscription_id, _visible(user))).first()
    if subscription is None:
        raise NotFound(NOT_FOUND)
    return subscription


def listed(session: Session, user: User) -> list[SubscriptionView]:
    """The subscriptions the admin manages, active ones first, newest first."""
    _check(user)
    rows = list(session.scalars(select(WebhookSubscription).where(_visible(user))
                                .order_by(WebhookSubscription.active.desc(), WebhookSubscription.id.desc())))
    return _views(session, rows)


def one(session: Session, user: User, subscription_id: int) -> SubscriptionView:
    return _views(session, [_get(session, user, subscription_id)])[0]


def deactivate(session: Session, user: User, subscription_id: int, now: datetime) -> SubscriptionView:
    subscription = _get(session, user, subscription_id)
    stop(session, subscription.id, now, STOPPED)
    return _views(session, [subscription])[0]


def stop(session: Session, subscription_id: int, now: datetime, reason: str) -> None:
    """Deactivate (once) and fail what was still waiting, with the reason."""
    subscription = session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        return
    if subscription.active:
        subscription.active, subscription.revoked_at = False, now
    session.execute(update(OutboxMessage).where(OutboxMessage.subscription_id == subscription_id,
                                                OutboxMessage.status == PENDING)
                    .values(status=FAILED, last_error=reason[:500]))


def ping(session: Session, user: User, subscription_id: int, now: datetime) -> Delivery:
    """A ``ping`` event to try the receiver: into the outbox, delivered by the worker's next run."""
    subscription = _get(session, user, subscription_id)
    if not subscription.active:
        raise Conflict(DEACTIVATED)
    row = hooks.enqueue(session, subscription, hooks.PING,
                        {"subscription": {"id": subscription.id, "name": subscription.name}}, now)
    session.flush()
    return _delivery(row, subscription.name, None)


def deliveries(session: Session, user: User, limit: int = 20, subscription_id: int | None = None) -> list[Delivery]:
    """The newest deliveries of the subscriptions the admin manages."""
    _check(user)
    stmt = (select(OutboxMessage, WebhookSubscription.name, Complaint.tracking_id)
            .join(WebhookSubscription, WebhookSubscription.id == OutboxMessage.subscription_id)
            .outerjoin(Complaint, Complaint.id == OutboxMessage.complaint_id)
            .where(OutboxMessage.channel == hooks.CHANNEL, _visible(user))
            .order_by(OutboxMessage.id.desc()).limit(limit))
    if subscription_id is not None:
        stmt = stmt.where(OutboxMessage.subscription_id == subscription_id)
    return [_delivery(row, name, tracking_id) for row, name, tracking_id in session.execute(stmt)]


def _delivery(row: OutboxMessage, name: str, tracking_id: str | None) -> Delivery:
    waiting = row.status == PENDING
    return Delivery(row.id, row.event_id, row.kind, row.subscription_id or 0, name, tracking_id, row.status,
                    row.attempts, row.next_attempt_at if waiting else None, row.sent_at, failures.shown(row.last_error),
                    row.created_at)


COUNTED = {SENT: "sent", PENDING: "pending", SENDING: "pending", FAILED: "failed", INTERRUPTED: "failed"}


def _views(session: Session, rows: list[WebhookSubscription]) -> list[SubscriptionView]:
    """Each with its scope's name, its deliveries counted by status, and the newest error still standing."""
    if not rows:
        return []
    ids = [r.id for r in rows]
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"sent": 0, "pending": 0, "failed": 0})
    for subscription_id, status, n in session.execute(
            select(OutboxMessage.subscription_id, OutboxMessage.status, func.count())
            .where(OutboxMessage.subscription_id.in_(ids)).group_by(OutboxMessage.subscription_id, OutboxMessage.status)):
        counts[subscription_id][COUNTED.get(status, "pending")] += n
    newest = select(func.max(OutboxMessage.id)).where(OutboxMessage.subscription_id.in_(ids),
                                                      OutboxMessage.last_error.is_not(None)) \
        .group_by(OutboxMessage.subscription_id)
    errors = dict(session.execute(select(OutboxMessage.subscription_id, OutboxMessage.last_error)
                                  .where(OutboxMessage.id.in_(newest))).all())
    region_names = dict(session.execute(select(Region.id, Region.name).where(
        Region.id.in_({r.region_id for r in rows if r.region_id is not None}))).all())
    instansi_names = dict(session.execute(select(Instansi.id, Instansi.name).where(
        Instansi.id.in_({r.instansi_id for r in rows if r.instansi_id is not None}))).all())
    views = []
    for r in rows:
        scope = region_names.get(r.region_id, "") if r.region_id is not None else \
            instansi_names.get(r.instansi_id, "") if r.instansi_id is not None else ""
        views.append(SubscriptionView(r.id, r.name, r.url, list(r.events or []), r.region_id, r.instansi_id, scope,
                                      r.active, r.created_at, r.revoked_at, dict(counts[r.id]),
                                      failures.shown(errors.get(r.id))))
    return views
