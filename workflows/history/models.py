"""Which complaints came from another system, under which of its ids (re-importing one is refused)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..orm import Base, utcnow


class ImportedComplaint(Base):
    """A complaint loaded by ``aduan import``: the other system's tracking id, unique, so running the
    same file twice loads nothing twice."""
    __tablename__ = "imported_complaints"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), unique=True)
    source: Mapped[str] = mapped_column(String(200), default="")  # the file's name
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
