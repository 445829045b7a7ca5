"""Files of a refused form, kept so the sender need not choose them again.

A browser cannot put a file back into a file field, so when a report (or an answer) is refused for
another reason, its acceptable files are kept here under a random token the form carries; the next
submission of that form takes them back. Kept files older than a day are dropped by the worker.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .attachments import MAX_FILES, Upload, problems
from .models import KeptUpload

KEPT_FOR = timedelta(days=1)


def keep(session: Session, uploads: tuple[Upload, ...], now: datetime, token: str | None = None) -> str | None:
    """Keep the acceptable ones of ``uploads`` (at most MAX_FILES); returns the token, or None if none."""
    good = [u for u in uploads if not problems([u])][:MAX_FILES]
    if not good:
        return None
    token = token if token and len(token) <= 64 else secrets.token_urlsafe(24)
    for upload in good:
        session.add(KeptUpload(token=token, filename=upload.filename[:200], data=upload.data, created_at=now))
    return token


def take(session: Session, token: str | None, now: datetime) -> tuple[Upload, ...]:
    """The files kept under ``token`` (removed from the store: they are now the form's again)."""
    if not token or len(token) > 64:
        return ()
    rows = list(session.scalars(select(KeptUpload).where(KeptUpload.token == token,
                                                         KeptUpload.created_at > now - KEPT_FOR)
                                .order_by(KeptUpload.id)))
    for row in rows:
        session.delete(row)
    return tuple(Upload(r.filename, r.data) for r in rows)


def names(session: Session, token: str | None) -> list[str]:
    if not token or len(token) > 64:
        return []
    return list(session.scalars(select(KeptUpload.filename).where(KeptUpload.token == token).order_by(KeptUpload.id)))


def purge(session: Session, now: datetime) -> int:
    return session.execute(delete(KeptUpload).where(KeptUpload.created_at <= now - KEPT_FOR)).rowcount
