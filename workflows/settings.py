"""Small shared settings in one key/value table (part of the shared kernel): the simulated clock
offset of a demo database, and the row a sweep on SQLite writes to take the database's write lock."""
from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, Session, mapped_column

from .orm import Base


class Setting(Base):
    """Small shared settings, e.g. the simulated clock offset of a demo database."""
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


def add_seconds(session: Session, key: str, seconds: float) -> float:
    """Add ``seconds`` to a numeric setting (created at 0); returns the new value."""
    row = session.get(Setting, key)
    if row is None:
        row = Setting(key=key, value="0")
        session.add(row)
    row.value = str(float(row.value) + seconds)
    return float(row.value)
