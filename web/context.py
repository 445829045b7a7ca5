"""Request helpers: the domain services, a unit of work, and the logged-in officer."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from flask import current_app, request, session

from workflows.accounts import credentials
from workflows.accounts.users import officer
from workflows.db import Session, transaction
from workflows.errors import Unauthorized
from workflows.service import Aduan

if TYPE_CHECKING:
    from workflows.accounts.models import User


def services() -> Aduan:
    return current_app.extensions["aduan"]


@contextmanager
def unit_of_work() -> Iterator[Session]:
    with transaction(services().sessions) as db:
        yield db


def current_user(db: Session) -> User:
    """The officer behind this request: a bearer token, else the session cookie."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = credentials.user_for_token(db, header[7:].strip(), services().clock)
        if user is None:
            raise Unauthorized("login required")
        return user
    user_id = session.get("user_id")
    if user_id is not None and request.method not in ("GET", "HEAD", "OPTIONS"):
        # A cookie rides along with any cross-site request: changes need the page's CSRF token too.
        current_app.extensions["csrf"].protect()
    if user_id is not None:
        user = officer(db, user_id)
        if user is not None:
            return user
    raise Unauthorized("login required")
