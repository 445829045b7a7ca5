"""What an Open311 client sent with a report, beside the complaint itself."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..orm import Base, utcnow


class Open311Request(Base):
    """A complaint filed through Open311: the key that filed it, the token the client may resolve
    later (``GET tokens/{token}``), the category's extra attributes and the client's own ids."""
    __tablename__ = "open311_requests"
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    service_code: Mapped[str] = mapped_column(String(60))
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    account_id: Mapped[str | None] = mapped_column(String(100))
    device_id: Mapped[str | None] = mapped_column(String(100))
    media_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
