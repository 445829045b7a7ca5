"""Time limits as data (calendar overrides, limits and escalation chains per region) and what the
sweep acts on and records: deadlines and breaches."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..orm import Base, utcnow


class CalendarOverride(Base):
    """An admin's change to the government calendar: 'off' adds a day off, 'on' cancels a holiday.
    ``region_id`` None means national; a province's overrides apply to its regencies too."""
    __tablename__ = "calendar_overrides"
    __table_args__ = (UniqueConstraint("region_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    day: Mapped[date]
    kind: Mapped[str] = mapped_column(String(3))  # off | on
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SlaLimit(Base):
    """A time limit for a step (and follow-up tier): national when ``region_id`` is None. A limit
    applies to steps started on or after ``effective_from`` (the region's date); a step already
    running keeps the limit it started with."""
    __tablename__ = "sla_limits"
    __table_args__ = (UniqueConstraint("region_id", "step", "tier", "effective_from"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    step: Mapped[str] = mapped_column(String(40))        # verify | follow_up | reporter_reply
    tier: Mapped[str] = mapped_column(String(30), default="")
    limit: Mapped[str] = mapped_column(String(10))       # "3WD", "3WH"
    effective_from: Mapped[date] = mapped_column(default=date(2000, 1, 1), server_default="2000-01-01")
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime | None]


class RuleChange(Base):
    """The append-only history of every rule change: who, when, which rule, old -> new."""
    __tablename__ = "rule_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)  # None: national
    kind: Mapped[str] = mapped_column(String(20))         # limit | day | chain
    rule: Mapped[str] = mapped_column(String(80))         # e.g. follow_up/normatif, 2026-12-24, chain
    old: Mapped[str] = mapped_column(String(500), default="")
    new: Mapped[str] = mapped_column(String(500), default="")
    effective_from: Mapped[date | None]
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the CLI (operator)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class EscalationLevel(Base):
    """One rung of a region's escalation chain; the chain is ordered by ``position``.
    ``after`` is how long a level has before the next one is called in."""
    __tablename__ = "escalation_levels"
    __table_args__ = (UniqueConstraint("region_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    position: Mapped[int]
    role: Mapped[str] = mapped_column(String(40))
    after: Mapped[str] = mapped_column(String(10), default="2WD")


class Deadline(Base):
    """A moment the sweep must act on. Only pending rows are indexed, so a sweep's cost follows
    what is due, not what is open."""
    __tablename__ = "deadlines"
    __table_args__ = (
        UniqueConstraint("instance_id", "key"),
        Index("ix_deadlines_pending_due", "due_at", "id", postgresql_where=text("state = 'pending'"),
              sqlite_where=text("state = 'pending'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"))
    key: Mapped[str] = mapped_column(String(80))      # timer:<spiff id> | reminder:<spiff id> | escalate:<task>:<level>
    kind: Mapped[str] = mapped_column(String(20))     # timer | reminder | escalate
    step: Mapped[str | None] = mapped_column(String(40))
    level: Mapped[int | None]
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(20), default="pending")  # pending | fired | cancelled
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    fired_at: Mapped[datetime | None]


class SlaBreach(Base):
    """A missed limit, for monitoring (monev) and the escalation chain."""
    __tablename__ = "sla_breaches"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"))
    step: Mapped[str] = mapped_column(String(40))
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    due_at: Mapped[datetime]
    breached_at: Mapped[datetime]
