"""A replay kept: who ran which candidate over which complaints, with which seed, and what came out."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..orm import Base, utcnow


class ReplayRun(Base):
    """One what-if replay. ``candidate`` says what was replayed (the live version, a deployed version or a
    draft, and any changed limits, days off or escalation chain); ``report`` holds the result, side by side
    with what happened and with the live version. Runs are claimed by the scheduler (``state`` queued ->
    running -> done | failed); ``lease_until`` lets another worker take over a run whose worker died."""
    __tablename__ = "replay_runs"
    __table_args__ = (Index("ix_replay_runs_state", "state", "created_at"),
                      Index("ix_replay_runs_draft", "draft_id", "created_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    process_key: Mapped[str] = mapped_column(String(100))
    variant: Mapped[str] = mapped_column(String(32), default="")
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("process_drafts.id"))
    definition_id: Mapped[int | None] = mapped_column(ForeignKey("process_definitions.id"))
    candidate: Mapped[dict[str, Any]] = mapped_column(default=dict)  # changed rules, label
    region_code: Mapped[str | None] = mapped_column(String(20))  # scope: None = national
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id"))
    period_from: Mapped[date]
    period_to: Mapped[date]
    seed: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(String(20), default="queued")  # queued | running | done | failed
    total: Mapped[int] = mapped_column(default=0)     # complaints in the period and scope
    done: Mapped[int] = mapped_column(default=0)      # replayed so far (progress)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    seconds: Mapped[float | None]
    report: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
