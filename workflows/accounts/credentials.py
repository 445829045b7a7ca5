"""Officer accounts: argon2 password hashes, login and API tokens (only their hash is stored)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import Clock
from ..errors import AccountDeactivated, Invalid, Unauthorized
from .models import ApiToken, User
from .roles import OFFICER_ROLES
from .token_cache import token_cache

TOKEN_LIFETIME = timedelta(days=30)
DEACTIVATED = "this account is deactivated; ask your administrator"
_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the timing the same.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def configure_hashing(parameters: Parameters) -> None:
    """Choose argon2's cost (default: argon2-cffi's RFC 9106 low-memory profile). The test suite picks
    argon2's own CHEAPEST profile, as Django test settings pick a fast hasher; hashes made with other
    parameters keep verifying, because each hash carries its own."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher.from_parameters(parameters)
    _DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise Invalid({"password": [("too_short", {"min": 8})]})
    return _hasher.hash(password)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(session: Session, username: str, full_name: str, password: str, role: str, *,
                region_id: int | None = None, instansi_id: int | None = None,
                unit_id: int | None = None) -> User:
    if role not in OFFICER_ROLES:
        raise Invalid({"role": [("not_one_of", {"choices": list(OFFICER_ROLES)})]})
    user = User(username=username, full_name=full_name, password_hash=hash_password(password), role=role,
                region_id=region_id, instansi_id=instansi_id, unit_id=unit_id)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str, clock: Clock) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise Unauthorized("wrong username or password") from None
    if user is None:
        raise Unauthorized("wrong username or password")
    if not user.active:  # the password is right: telling why it fails gives nothing away
        raise AccountDeactivated(DEACTIVATED)
    user.last_login_at = clock()
    return user


def issue_token(session: Session, user: User, clock: Clock) -> str:
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=token_digest(token), created_at=clock(),
                         expires_at=clock() + TOKEN_LIFETIME))
    return token


def user_for_token(session: Session, token: str, clock: Clock) -> User | None:
    digest = token_digest(token)
    cached = token_cache.get(digest)
    if cached is not None:
        snapshot, expires_at = cached
        if expires_at <= clock():
            token_cache.forget(digest)
            return None
        # A persistent copy in this session without a SELECT (the snapshot is clean and detached).
        return session.merge(snapshot, load=False)
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).first()
    if row is None or row.expires_at <= clock() or not row.user.active:
        return None
    token_cache.put(digest, row.user, row.expires_at)
    return row.user
