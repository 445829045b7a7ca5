"""A routing table row: category (and optionally keywords or a sub-region) -> suggested instansi and unit."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..orm import Base, utcnow


class RoutingRule(Base):
    """One row of a region's routing table (``region_id`` None: the national table). ``keywords`` are
    comma-separated words any one of which must occur in the report's title or description;
    ``sub_region_id`` narrows a province's row to one of its regencies/cities."""
    __tablename__ = "routing_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    category: Mapped[str] = mapped_column(String(60))
    keywords: Mapped[str] = mapped_column(String(300), default="")
    sub_region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the CLI or the demo
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
