"""Webhook events: when one happens to a complaint, one outbox row per active subscription that chose it and
whose scope holds the complaint, written in the transaction of the change (nothing is sent for a change
that rolled back; nothing is lost for one that committed).

Where each event happens (one call each):

- ``submitted``: :meth:`workflows.complaints.service.Complaints.submit`;
- ``verified``, ``dispatched``, ``followed_up``: :meth:`workflows.processes.progress.Progress.set_status`,
  the one place a status changes (:func:`status_changed` decides which moment it is);
- ``closed``: :meth:`Progress.save` when the process ends (closed by the reporter, closed automatically,
  or archived: ``outcome`` says which);
- ``breached``: the SLA sweep, where a missed limit is recorded (:class:`workflows.sla.due.Timekeeper`).

Imported history (``aduan import``) sends nothing: it happened elsewhere, long ago.

The body is serialized once, here, so every attempt sends the same bytes; its ``id`` is the delivery's
idempotency key (``X-Aduan-Delivery``). The payload never carries the reporter (name, contact), and a
confidential report's title stays out too.
"""
from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..complaints import statuses
from ..complaints.models import Complaint
from ..mail.models import OutboxMessage
from ..org.models import Instansi, Region
from .models import WebhookSubscription

CHANNEL = "hook"  # the outbox channel of webhook deliveries ("webhook" is the SMS/WhatsApp gateway)
SUBMITTED, VERIFIED, DISPATCHED, FOLLOWED_UP, CLOSED, BREACHED = (
    "submitted", "verified", "dispatched", "followed_up", "closed", "breached")
EVENTS = (SUBMITTED, VERIFIED, DISPATCHED, FOLLOWED_UP, CLOSED, BREACHED)
PING = "ping"  # sent on request only (the test button), never chosen
DISPATCHED_STATUSES = (statuses.DIDISPOSISI, statuses.DALAM_PROSES)


def new_event_id() -> str:
    return "evt_" + secrets.token_hex(16)


def submitted(session: Session, base_url: str, complaint: Complaint, now: datetime) -> None:
    emit(session, base_url, complaint, [(SUBMITTED, {})], now)


def status_changed(session: Session, base_url: str, complaint: Complaint, old: str | None, new: str,
                   first_decision: bool, now: datetime) -> None:
    """After a status change (``complaint.status`` is ``new``). ``first_decision``: the monev milestone
    *verified* was reached just now (the first dispatch or archiving; a deferral is not a decision)."""
    events: list[tuple[str, dict[str, Any]]] = []
    if first_decision:
        events.append((VERIFIED, {}))
    if new in DISPATCHED_STATUSES and old not in DISPATCHED_STATUSES:  # (claiming is no new dispatch)
        events.append((DISPATCHED, {"reopened": True} if old == statuses.DISELESAIKAN else {}))
    if new == statuses.DISELESAIKAN:
        events.append((FOLLOWED_UP, {}))
    if events:
        emit(session, base_url, complaint, events, now)


def closed(session: Session, base_url: str, complaint: Complaint, outcome: str | None, now: datetime) -> None:
    emit(session, base_url, complaint, [(CLOSED, {"outcome": outcome})], now)


def breached(session: Session, base_url: str, complaint: Complaint, step: str, due_at: datetime,
             now: datetime) -> None:
    emit(session, base_url, complaint, [(BREACHED, {"breach": {"step": step, "due_at": due_at.isoformat()}})], now)


def emit(session: Session, base_url: str, complaint: Complaint, events: list[tuple[str, dict[str, Any]]],
         now: datetime) -> list[OutboxMessage]:
    """One read of the active subscriptions whose scope holds the complaint; a row for each chosen event."""
    # No autoflush: this runs in the middle of a save, which writes the complaint once, after it.
    with session.no_autoflush:
        region = session.get(Region, complaint.region_id)
        regions = [complaint.region_id] + ([region.parent_id] if region is not None and region.parent_id else [])
        subscriptions = list(session.scalars(
            select(WebhookSubscription).where(
                WebhookSubscription.active.is_(True),
                or_(WebhookSubscription.region_id.is_(None), WebhookSubscription.region_id.in_(regions)),
                or_(WebhookSubscription.instansi_id.is_(None), WebhookSubscription.instansi_id == complaint.instansi_id))
            .order_by(WebhookSubscription.id)))
        if not subscriptions:
            return []
        view = complaint_view(session, base_url, complaint, region)
    rows = []
    for event, extra in events:
        for subscription in subscriptions:
            if event in (subscription.events or ()):
                rows.append(enqueue(session, subscription, event, {"complaint": view, **extra}, now,
                                    complaint.id, complaint.tracking_id))
    return rows


def enqueue(session: Session, subscription: WebhookSubscription, event: str, data: dict[str, Any],
            now: datetime, complaint_id: int | None = None, tracking_id: str | None = None) -> OutboxMessage:
    event_id = new_event_id()
    body = json.dumps({"id": event_id, "event": event, "occurred_at": now.isoformat(), **data},
                      ensure_ascii=False, separators=(",", ":"))
    row = OutboxMessage(channel=CHANNEL, recipient=subscription.url[:300], language="id", kind=event,
                        subject=f"{event} {tracking_id}" if tracking_id else event, body=body,
                        complaint_id=complaint_id, subscription_id=subscription.id, event_id=event_id,
                        next_attempt_at=now, created_at=now)
    session.add(row)
    return row


def complaint_view(session: Session, base_url: str, complaint: Complaint, region: Region | None) -> dict[str, Any]:
    """What a subscriber learns of the complaint: never the reporter; no title when it is confidential."""
    instansi = session.get(Instansi, complaint.instansi_id) if complaint.instansi_id is not None else None
    view: dict[str, Any] = {
        "tracking_id": complaint.tracking_id, "status": complaint.status, "type": complaint.type,
        "category": complaint.category, "channel": complaint.channel,
        "region": {"code": region.code, "name": region.name} if region is not None else None,
        "instansi": {"code": instansi.code, "name": instansi.name} if instansi is not None else None,
        "anonymous": complaint.anonymous, "confidential": complaint.confidential,
        "created_at": complaint.created_at.isoformat(),
        "links": {"track": f"{base_url}/track/{complaint.tracking_id}",
                  "api": f"{base_url}/api/complaints/{complaint.tracking_id}"},
    }
    if not complaint.confidential:
        view["title"] = complaint.title
    return view
