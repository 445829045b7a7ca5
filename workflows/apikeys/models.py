"""API keys of integrating systems, and the per-minute request counts that rate-limit them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..orm import Base, JSONData, utcnow


class ApiKey(Base):
    """A key another system files reports with. Only its SHA-256 is kept (the key has 256 bits of
    randomness, so a fast hash is enough); ``prefix`` is what the list shows to tell keys apart.
    Scope: the regions and instansi it may file for (both empty: anywhere, a national key)."""
    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))            # the integrating system, e.g. "SMS 1708"
    channel: Mapped[str] = mapped_column(String(20))          # recorded on every report it files
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    region_ids: Mapped[list[Any]] = mapped_column(JSONData, default=list)
    instansi_ids: Mapped[list[Any]] = mapped_column(JSONData, default=list)
    rate_per_minute: Mapped[int] = mapped_column(default=60)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ApiKeyWindow(Base):
    """Requests made with a key in one minute (counted in the database, so every process agrees)."""
    __tablename__ = "api_key_windows"
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    requests: Mapped[int] = mapped_column(default=0)
