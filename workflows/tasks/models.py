"""The queryable projection of the tasks waiting for a person (the diagram's user tasks, and the
escalation tasks the SLA area adds)."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..orm import Base, utcnow

if TYPE_CHECKING:
    from ..complaints.models import Complaint


class HumanTask(Base):
    """A task waiting for a person, kept in step with the engine after every change."""
    __tablename__ = "human_tasks"
    __table_args__ = (
        UniqueConstraint("instance_id", "spiff_task_id"),
        Index("ix_human_tasks_queue", "state", "role", "instansi_id"),
        Index("ix_human_tasks_assignee", "assignee_id", "state"),
        Index("ix_human_tasks_complaint", "complaint_id", "state"),
        Index("ix_human_tasks_unit_queue", "unit_id", "state"),  # a liaison officer's unclaimed tasks
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    spiff_task_id: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20), default="bpmn")  # bpmn | escalation
    name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(20), default="open")  # open | completed | cancelled
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    claimed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"), index=True)  # escalation: late task
    lock_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Read-only: lets a request keep the task's complaint at hand (the session's identity map holds
    # objects weakly, so a complaint fetched by id and dropped would be read again).
    complaint: Mapped["Complaint"] = relationship(viewonly=True)

    __mapper_args__ = {"version_id_col": lock_version}
