"""Complaints, the reporter's contact (kept apart from the body) and the append-only audit trail."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .org import Instansi, Region, Unit


class Complaint(Base):
    __tablename__ = "complaints"
    __table_args__ = (Index("ix_complaints_instansi_status", "instansi_id", "status"),
                      Index("ix_complaints_instansi_received", "instansi_id", "received_on"),
                      Index("ix_complaints_updated_at", "updated_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_id: Mapped[str] = mapped_column(String(20), unique=True)
    type: Mapped[str] = mapped_column(String(30))  # pengaduan | aspirasi | permintaan_informasi
    category: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(300))
    channel: Mapped[str] = mapped_column(String(20), default="web")
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"))
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
    # (workflows/milestones.py). Durations are working seconds by the region's calendar.
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
    instansi: Mapped[Instansi] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")


class ReporterContact(Base):
    """Who reported, kept apart from the complaint body so it can be guarded (and purged) on its own."""
    __tablename__ = "reporter_contacts"
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    token_hash: Mapped[str] = mapped_column(String(64))


class AuditEvent(Base):
    """Append-only: the migration installs triggers that refuse UPDATE and DELETE."""
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_complaint", "complaint_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(20))  # citizen | officer | system
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    task_name: Mapped[str | None] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    public: Mapped[bool] = mapped_column(default=False)
