"""Failed logins, counted per username and per address by every process sharing the database."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class LoginFailure(Base):
    """One wrong password (or unknown username); rows older than the throttle window are pruned."""
    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username_at", "username", "at"),
        Index("ix_login_failures_ip_at", "ip", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    ip: Mapped[str] = mapped_column(String(45))
    at: Mapped[datetime] = mapped_column(default=utcnow)
