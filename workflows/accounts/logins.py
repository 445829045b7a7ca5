"""Officer login, throttled per username and address (OWASP: growing delays, never a lock-out a
stranger can cause). The failures are counted in the database by :mod:`workflows.throttle`, so every
web process on the database counts the same attempts."""
from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from ..clock import Clock
from ..db import transaction
from ..errors import Unauthorized
from ..text import storable
from ..throttle import Limits, Throttle
from . import credentials
from .models import User

LOGIN = "login"
TOO_MANY = "too many failed logins; try again later"


class LoginGuard:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock, limits: Limits | None = None):
        self.sessions = sessions
        self.clock = clock
        self.throttle = Throttle(sessions, clock, LOGIN, limits or Limits(), TOO_MANY)

    @property
    def limits(self) -> Limits:
        return self.throttle.limits

    def login(self, username: str, password: str, ip: str | None) -> User:
        """The officer, with ``last_login_at`` set and the username's failures forgotten. Raises
        TooManyAttempts (nothing checked) or Unauthorized (the failure is recorded; AccountDeactivated,
        a kind of it, only when the password was right); runs its own transactions."""
        try:
            with transaction(self.sessions) as db:
                self.throttle.check(db, username, ip)
                if not storable(username) or not storable(password):  # no account has such a name
                    raise Unauthorized("wrong username or password")
                user = credentials.authenticate(db, username, password, self.clock)
                self.throttle.succeeded(db, username)
            return user
        except Unauthorized:
            self.throttle.failed(username, ip)
            raise

