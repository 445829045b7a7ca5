"""Monitoring and evaluation (monev) rollups: one row per instansi and day of arrival, rebuilt from the
complaints by ``workflows.monev.rollup`` so the dashboards read a year in a few hundred thousand rows."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..orm import Base

COUNTS = ("received", "archived", "waiting", "deferred", "verified", "verified_late", "verify_timed",
          "dispatched", "followed_up", "follow_up_late", "follow_up_timed", "awaiting_reply", "closed", "reopened", "rated_sangat_puas", "rated_puas",
          "rated_cukup_puas", "rated_tidak_puas")
SUMS = ("verify_seconds", "follow_up_seconds")


class MonevDaily(Base):
    """What became of the complaints an instansi received on one day (their current state)."""
    __tablename__ = "monev_daily"
    # A scoped view (a province's or an instansi's) reads its instansi's rows for the period by this
    # index rather than the whole period through the primary key (day, instansi_id).
    __table_args__ = (Index("ix_monev_daily_instansi_day", "instansi_id", "day"),)
    day: Mapped[date] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), primary_key=True)
    received: Mapped[int] = mapped_column(default=0)
    archived: Mapped[int] = mapped_column(default=0)
    waiting: Mapped[int] = mapped_column(default=0)  # not yet verified (belum diproses)
    deferred: Mapped[int] = mapped_column(default=0)  # waiting for the reporter (dipending)
    verified: Mapped[int] = mapped_column(default=0)
    verified_late: Mapped[int] = mapped_column(default=0)
    verify_timed: Mapped[int] = mapped_column(default=0)  # verified with a measured duration
    verify_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    dispatched: Mapped[int] = mapped_column(default=0)
    followed_up: Mapped[int] = mapped_column(default=0)
    follow_up_late: Mapped[int] = mapped_column(default=0)
    follow_up_timed: Mapped[int] = mapped_column(default=0)
    follow_up_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    awaiting_reply: Mapped[int] = mapped_column(default=0)  # followed up, the reporter may still respond
    closed: Mapped[int] = mapped_column(default=0)  # followed up and closed (rated, or no reply in time)
    reopened: Mapped[int] = mapped_column(default=0)
    rated_sangat_puas: Mapped[int] = mapped_column(default=0)
    rated_puas: Mapped[int] = mapped_column(default=0)
    rated_cukup_puas: Mapped[int] = mapped_column(default=0)
    rated_tidak_puas: Mapped[int] = mapped_column(default=0)


class MonevChannel(Base):
    """How many of the reports an instansi received on one day came through one channel: every channel
    but the website's (``web``), whose count is the day's ``monev_daily.received`` less these; so a
    system where everything arrives through the website keeps no rows here."""
    __tablename__ = "monev_channels"
    __table_args__ = (Index("ix_monev_channels_instansi_day", "instansi_id", "day"),)
    day: Mapped[date] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    received: Mapped[int] = mapped_column(default=0)


class MonevUnrouted(Base):
    """Reports received on one day for a region that have no instansi yet (waiting for triage), per
    channel, the website's included: ``monev_daily`` and ``monev_channels`` count a report once it is
    routed, so these are what the reports per channel add for the national and the province's view. A
    report leaves its row when triage gives it an instansi (its region never changes)."""
    __tablename__ = "monev_unrouted"
    day: Mapped[date] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    received: Mapped[int] = mapped_column(default=0)


class MonevState(Base):
    """The one row that says how far the rollup has read (``watermark``: the newest complaint change
    it has seen) and when it last ran. A refresh locks it, so only one process refreshes at a time."""
    __tablename__ = "monev_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    watermark: Mapped[datetime | None]
    refreshed_at: Mapped[datetime | None]


class MonevStale(Base):
    """A day of an instansi whose rollup row must be rebuilt although no complaint of it changed: a
    complaint transferred to another instansi leaves its old instansi's count behind."""
    __tablename__ = "monev_stale"
    day: Mapped[date] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), primary_key=True)
    marked_at: Mapped[datetime | None]  # kept until a refresh has surely seen the transfer commit
