"""Demo data for the integrations: two API keys, a report filed through each, and a share of the year of
history marked with their channels (so monev's reports per channel has months to show).

* "SMS 1708" (channel ``sms1708``), a national key made by the Admin Nasional. Its key is a fixed, publicly
  known value, :data:`DEMO_SMS_KEY`, so the README's curl examples work against ``make run``. Only the demo
  has it: a key made on the page or through the API is random and shown once.
* "Aplikasi Jabar Lapor" (channel ``jabar-app``), West Java's own complaint app, scoped to the province by its
  coordinator; its key is random and never shown (revoke it and make another on the page to try one).
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import select

from .accounts.models import User
from .apikeys import keys, manage
from .apikeys.models import ApiKey
from .complaints.service import NewComplaint
from .db import transaction
from .org.models import Instansi, Region
from .service import Aduan

DEMO_SMS_KEY = "adn_demo_sms1708_not_a_secret"  # the demo's only; see the README
SMS, JABAR_APP = "sms1708", "jabar-app"
SMS_SHARE = 0.10            # of the history, all year
APP_SHARE = 0.20            # of West Java's history since the app started
APP_STARTED_DAYS_AGO = 150  # the app joined about five months ago
CHANNEL_SEED = 1708


def seed(services: Aduan) -> Iterator[str]:
    now = services.clock()
    with transaction(services.sessions) as db:
        national = db.scalars(select(User).where(User.username == "nasional")).one()
        coordinator = db.scalars(select(User).where(User.username == "koordinator.jabar")).one()
        jabar = db.scalars(select(Region).where(Region.code == "32")).one()
        sms = manage.create(db, national, manage.NewKey("SMS 1708", SMS, rate_per_minute=600), now)
        row = db.get(ApiKey, sms.key.id)
        row.key_hash, row.prefix = keys.digest(DEMO_SMS_KEY), DEMO_SMS_KEY[:manage.PREFIX_SHOWN]
        app = manage.create(db, coordinator, manage.NewKey("Aplikasi Jabar Lapor", JABAR_APP,
                                                          region_ids=(jabar.id,)), now)
    sms_report = _file(services, DEMO_SMS_KEY, "pemkot-bekasi", "Air PDAM keruh tiga hari",
                       "LAPOR 1708: air PDAM di Perumahan Harapan Indah keruh dan berbau sejak tiga hari.", "lainnya")
    app_report = _file(services, app.raw, "pemkot-bandung", "Trotoar rusak di Jl. Asia Afrika",
                       "Dikirim lewat aplikasi Jabar Lapor: paving trotoar lepas di depan Gedung Merdeka.",
                       "infrastruktur")
    yield f"API keys: SMS 1708 (sms1708, national; the demo's fixed key is in the README), Aplikasi Jabar Lapor " \
          f"(jabar-app, Jawa Barat); {sms_report}: filed by SMS 1708, {app_report}: by the Jabar app"


def _file(services: Aduan, raw: str, instansi_code: str, title: str, description: str, category: str) -> str:
    """A report filed as an integrating system does: the key checked and counted, its channel recorded."""
    with transaction(services.sessions) as db:
        key = keys.authenticate(db, raw, services.clock())
        inst = db.scalars(select(Instansi).where(Instansi.code == instansi_code)).one()
        assert key.may_file(db, inst.region_id, inst.id)
        complaint, _token = services.complaints.submit(db, NewComplaint(
            type="pengaduan", category=category, title=title, description=description, region_id=inst.region_id,
            instansi_id=inst.id, anonymous=True, channel=key.channel))
        return complaint.tracking_id


def with_channels(rows: list[dict], now: datetime) -> list[dict]:
    """The history rows with a share marked as arriving by SMS 1708 and, in West Java since the app started,
    by the Jabar app (a separate seeded draw: the rows are otherwise unchanged)."""
    rng = random.Random(CHANNEL_SEED)
    app_from: date = (now - timedelta(days=APP_STARTED_DAYS_AGO)).date()
    for row in rows:
        roll = rng.random()
        arrived = datetime.fromisoformat(row["received_at"]).date()
        if roll < SMS_SHARE:
            row["channel"] = SMS
        elif roll < SMS_SHARE + APP_SHARE and arrived >= app_from and str(row["region"]).startswith("32"):
            row["channel"] = JABAR_APP
    return rows
