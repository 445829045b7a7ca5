"""Where complaints are handled: regions (provinces, regencies/cities), instansi and their units."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..orm import Base


class Region(Base):
    """A province or a regency/city (kabupaten/kota)."""
    __tablename__ = "regions"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # province | regency | city
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Jakarta")

    def province_id(self) -> int:
        return self.parent_id or self.id


class Instansi(Base):
    """A ministry, agency or regional government that must handle its complaints."""
    __tablename__ = "instansi"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    region: Mapped[Region] = relationship(lazy="joined")


class Unit(Base):
    """A unit kerja / OPD of an instansi, with its liaison officers."""
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("instansi_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    active: Mapped[bool] = mapped_column(default=True)  # an inactive unit is no longer offered for new work
