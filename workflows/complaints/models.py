"""Complaints, the reporter's contact (kept apart from the body) and the files attached to them."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..org.models import Instansi, Region, Unit
from ..orm import Base, JSONData, utcnow


class Complaint(Base):
    __tablename__ = "complaints"
    __table_args__ = (Index("ix_complaints_instansi_status", "instansi_id", "status"),
                      Index("ix_complaints_instansi_received", "instansi_id", "received_on"),
                      Index("ix_complaints_updated_at", "updated_at"),
                      # monev's reports per channel read the few waiting for triage (no instansi) by
                      # region and day (workflows/monev/rollup.py); routed ones leave the index
                      Index("ix_complaints_unrouted", "region_id", "received_on",
                            postgresql_where=text("instansi_id IS NULL"), sqlite_where=text("instansi_id IS NULL")))
    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_id: Mapped[str] = mapped_column(String(20), unique=True)
    type: Mapped[str] = mapped_column(String(30))  # pengaduan | aspirasi | permintaan_informasi
    category: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None]   # the pin the reporter dropped (WGS 84), if any
    longitude: Mapped[float | None]
    channel: Mapped[str] = mapped_column(String(20), default="web")
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    # None while a report whose reporter did not know the instansi waits for triage (routing/)
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    status: Mapped[str] = mapped_column(String(30), index=True)
    anonymous: Mapped[bool] = mapped_column(default=False)
    confidential: Mapped[bool] = mapped_column(default=False)
    tier: Mapped[str | None] = mapped_column(String(30))
    rating: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    # Milestones for monitoring (monev), written when the status first reaches them
    # (workflows/sla/milestones.py). Durations are working seconds by the region's calendar.
    received_on: Mapped[date]  # the day it arrived, in its region's time zone
    verified_at: Mapped[datetime | None]  # first decision: dispatched or archived
    verify_seconds: Mapped[int | None]
    verify_late: Mapped[bool | None]  # a missed verification limit was recorded (sla_breaches)
    dispatched_at: Mapped[datetime | None]
    followed_up_at: Mapped[datetime | None]  # the first follow-up answer
    follow_up_seconds: Mapped[int | None]  # from dispatch to the first follow-up
    follow_up_late: Mapped[bool | None]
    reopened: Mapped[int] = mapped_column(default=0)  # times a dissatisfied reporter reopened it

    region: Mapped[Region] = relationship(lazy="joined")
    instansi: Mapped[Instansi | None] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")


class Category(Base):
    """A complaint category the report form offers (managed by the Admin Nasional on the routing page).
    Retired ones stay for the complaints that carry them, but are no longer offered."""
    __tablename__ = "categories"
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    name_id: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    # Extra fields the category asks for (Open311 attributes): [{"code", "datatype", "required",
    # "description_id", "description_en", "values": [{"key", "name_id", "name_en"}]}]
    attributes: Mapped[list[Any]] = mapped_column(JSONData, default=list)

    def name(self, language: str | None) -> str:
        return self.name_en if language == "en" else self.name_id


class ReporterContact(Base):
    """Who reported, kept apart from the complaint body so it can be guarded (and purged) on its own."""
    __tablename__ = "reporter_contacts"
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    token_hash: Mapped[str] = mapped_column(String(64))
    # A renewed code, sent to the reporter's address: it replaces the old one when first used (a stranger
    # asking for a new code cannot lock the reporter out).
    new_token_hash: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5), default="id")  # of the messages sent to the reporter


class Attachment(Base):
    """The bytes are deferred: listing a complaint's attachments does not load them."""
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))  # detected from the bytes, not the name
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The step whose answer brought the file (follow_up: proof; reporter_info: the reporter's answer);
    # None: the report itself.
    task_name: Mapped[str | None] = mapped_column(String(80))
    by_reporter: Mapped[bool] = mapped_column(default=True)


class KeptUpload(Base):
    """Files of a form that was refused for another reason, kept so the sender need not choose them again
    (``token`` rides in the form); dropped after a day."""
    __tablename__ = "kept_uploads"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
