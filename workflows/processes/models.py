"""Deployed process versions (the diagrams) and running instances (their serialized state)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..orm import Base, utcnow


class ProcessDefinition(Base):
    """One deployed version of a BPMN process; ``variant`` is '' for national, else a region code."""
    __tablename__ = "process_definitions"
    __table_args__ = (UniqueConstraint("key", "variant", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    variant: Mapped[str] = mapped_column(String(32), default="")
    version: Mapped[int]
    bpmn_xml: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(500), default="")  # what changed, in the designer's words
    # a regional variant: the national version it was forked from (or last brought up to)
    national_base_id: Mapped[int | None] = mapped_column(ForeignKey("process_definitions.id"))


class ProcessDraft(Base):
    """A diagram being edited: saved as often as the designer likes, deployed when valid. Every save
    bumps ``revision`` (the ETag), so two designers on one draft cannot overwrite each other."""
    __tablename__ = "process_drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    variant: Mapped[str] = mapped_column(String(32), default="")
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("process_definitions.id"))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(String(20), default="open")  # open | deployed | discarded
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployed_id: Mapped[int | None] = mapped_column(ForeignKey("process_definitions.id"))


class ProcessInstance(Base):
    """Serialized SpiffWorkflow state; ``lock_version`` makes concurrent writers conflict, not merge."""
    __tablename__ = "process_instances"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), unique=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    state: Mapped[str] = mapped_column(Text)
    completed: Mapped[bool] = mapped_column(default=False)
    lock_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __mapper_args__ = {"version_id_col": lock_version}


class ProcessMigration(Base):
    """One complaint moved from one version of its process to another. The state before the move is
    kept, so the move can be reverted while the complaint has not moved on since
    (``new_lock_version`` is the instance's version right after the move)."""
    __tablename__ = "process_migrations"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    from_definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    to_definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    old_state: Mapped[str] = mapped_column(Text)
    new_lock_version: Mapped[int]
    migrated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    migrated_at: Mapped[datetime] = mapped_column(default=utcnow)
    reverted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reverted_at: Mapped[datetime | None]
