"""A region's or an instansi's action plan for a year: targets and activities."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..orm import Base, utcnow


class ActionPlan(Base):
    """One plan: of a region (``instansi_id`` None) or of an instansi, for a year."""
    __tablename__ = "action_plans"
    __table_args__ = (UniqueConstraint("year", "region_id", "instansi_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanTarget(Base):
    """A target for one indicator: a share (0..1) for the monev shares, a count for events."""
    __tablename__ = "plan_targets"
    __table_args__ = (UniqueConstraint("plan_id", "indicator"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id"), index=True)
    indicator: Mapped[str] = mapped_column(String(40))
    target: Mapped[float]
    achieved: Mapped[float | None]  # counted by hand (socialisation events); monev measures the rest


class PlanActivity(Base):
    """Something the plan commits to do: what, which unit, by which quarter, how far, the evidence."""
    __tablename__ = "plan_activities"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id"), index=True)
    what: Mapped[str] = mapped_column(String(300))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    due_quarter: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="planned")  # planned | in_progress | done | dropped
    evidence: Mapped[str] = mapped_column(String(500), default="")     # a link or a note on the proof
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
