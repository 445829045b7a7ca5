"""Officer accounts and their API tokens (failed logins are counted by ``workflows.throttle``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..org.models import Instansi
from ..orm import Base, utcnow


class User(Base):
    """An officer. Role and scope decide which tasks and complaints they see."""
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    email: Mapped[str | None] = mapped_column(String(200))
    email_notifications: Mapped[bool] = mapped_column(default=False)  # reminders and escalations by e-mail too
    notifications_seen_id: Mapped[int | None]  # newest notification marked read (a watermark)
    # The process-designer right (granted by the Admin Nasional): "national" edits the national SOP and
    # every variant, "regional" only the variant of the officer's own region; None: diagrams read-only.
    designer: Mapped[str | None] = mapped_column(String(10))

    instansi: Mapped[Instansi | None] = relationship()  # loaded when asked: who manages this account


class ApiToken(Base):
    """A bearer token for the API; only its SHA-256 is stored."""
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    user: Mapped[User] = relationship(lazy="joined")
