"""Demo: Kota Bandung's complaint dashboard subscribes to the city's complaints before the demo's reports
arrive, so their events go into the outbox as they would; its first day of deliveries is played back
(most taken, one refused, the last ones unanswered), and from then on the worker of ``aduan run`` tries the
address, where nothing listens: the page shows retries with their errors, as a broken receiver would."""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from ..accounts.models import User
from ..db import transaction
from ..mail import delivery
from ..mail.models import OutboxMessage
from ..mail.outbox import MailSettings
from ..org.models import Region
from . import events, failures, signing
from .models import WebhookSubscription

NAME = "Dasbor Pengaduan Kota Bandung"
URL = "http://127.0.0.1:9/aduan"  # the discard port: nothing answers there (`make run` allows a private address)


def subscribe(services) -> Iterator[str]:
    with transaction(services.sessions) as db:
        bandung = db.scalars(select(Region.id).where(Region.code == "32.73")).one()
        coordinator = db.scalars(select(User.id).where(User.username == "koordinator.jabar")).one()
        db.add(WebhookSubscription(name=NAME, url=URL, secret=signing.new_secret(), region_id=bandung,
                                   events=[events.SUBMITTED, events.VERIFIED, events.DISPATCHED, events.FOLLOWED_UP,
                                           events.CLOSED], active=True, created_by_id=coordinator,
                                   created_at=services.clock()))
    yield f"webhook: {NAME} -> {URL}"


def first_deliveries(services) -> Iterator[str]:
    """The dashboard's first day, played back through the real delivery bookkeeping: it took the events,
    refused one it did not expect (422) and was down for the last two (503, retried later)."""
    with transaction(services.sessions) as db:
        ids = list(db.scalars(select(OutboxMessage.id).where(OutboxMessage.channel == events.CHANNEL)
                              .order_by(OutboxMessage.id)))
    refused = ids[len(ids) // 2] if ids else None

    def answer(message: OutboxMessage) -> None:
        if message.id == refused:
            raise delivery.PermanentFailure(failures.http(422))
        if message.id in ids[-2:]:
            raise delivery.TemporaryFailure(failures.http(503))

    result = delivery.deliver_due(services.sessions, MailSettings(), services.clock(), send=answer, batch=len(ids) or 1)
    yield f"webhook deliveries: {result.sent} sent, {result.failed} refused, {result.retried} to retry"
