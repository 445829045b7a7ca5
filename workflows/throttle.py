"""Throttling of guesses (passwords, reply codes), counted in the database so every process agrees.

Each wrong guess is a row in ``failed_attempts``: what was guessed at (``kind`` and ``subject``: a
username, a tracking ID) and from where (``source``: the client address). The rules follow OWASP's
advice -- slow a guesser down per subject *and* per source, and never let a stranger lock the real
user out:

* one subject from one source: the first ``free`` failures in the window cost nothing; after them
  every further attempt waits twice as long as the last (1 s, 2 s, 4 s, ... up to ``max_delay``)
  from the latest failure;
* one source, any subjects: ``source_limit`` failures in the window block that source until the
  oldest of them leaves the window (one address trying many usernames or tracking IDs);
* one subject, from every source together (a distributed guesser): after ``subject_free`` failures
  each attempt from anywhere waits ``2^k`` seconds but never more than ``subject_max_delay`` -- a
  minute by default, so an attacker can make the real user wait a minute, never lock them out.

A refused attempt is not checked at all (the right password gets 429 too) and is not another
failure. A success clears the subject's failures.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Index, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from .clock import Clock
from .db import transaction
from .errors import TooManyAttempts
from .orm import Base, utcnow
from .text import scrub

SWEEP_CHANCE = 0.01  # now and then a failure also removes everyone's expired rows


class FailedAttempt(Base):
    """One wrong guess; rows older than the throttle window are pruned as new ones arrive."""
    __tablename__ = "failed_attempts"
    __table_args__ = (
        Index("ix_failed_attempts_subject", "kind", "subject", "at"),
        Index("ix_failed_attempts_source", "kind", "source", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))      # login | reply_code
    subject: Mapped[str] = mapped_column(String(80))   # the username, the tracking ID
    source: Mapped[str] = mapped_column(String(45))    # the client address
    at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class Limits:
    free: int = 5                                   # per subject and source, before delays start
    max_delay: timedelta = timedelta(minutes=15)    # the longest delay for one subject and source
    source_limit: int = 30                          # per source, any subjects, within the window
    subject_free: int = 10                          # per subject from all sources, before delays start
    subject_max_delay: timedelta = timedelta(minutes=1)
    window: timedelta = timedelta(minutes=15)


class Throttle:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock, kind: str, limits: Limits,
                 message: str):
        self.sessions = sessions
        self.clock = clock
        self.kind = kind
        self.limits = limits
        self.message = message

    @staticmethod
    def keys(subject: str, source: str | None) -> tuple[str, str]:
        """What is stored for a subject and source: cut to the columns, no unstorable characters."""
        return scrub(subject[:80]), scrub((source or "-")[:45])

    def check(self, session: Session, subject: str, source: str | None) -> None:
        """Raise TooManyAttempts (with the seconds to wait) if this attempt must not be checked now."""
        wait = self.retry_after(session, subject, source)
        if wait is not None:
            raise TooManyAttempts(self.message, retry_after=wait)

    def retry_after(self, session: Session, subject: str, source: str | None) -> int | None:
        subject, source = self.keys(subject, source)
        now = self.clock()
        limits = self.limits
        recent = (FailedAttempt.kind == self.kind) & (FailedAttempt.at > now - limits.window)
        pair = (FailedAttempt.subject == subject) & (FailedAttempt.source == source)
        mine = FailedAttempt.subject == subject
        theirs = FailedAttempt.source == source
        # the three counts in one statement, over the rows of this subject or this source
        pair_n, pair_last, subject_n, subject_last, source_n = session.execute(select(
            func.count().filter(pair), func.max(FailedAttempt.at).filter(pair),
            func.count().filter(mine), func.max(FailedAttempt.at).filter(mine),
            func.count().filter(theirs)).where(recent, mine | theirs)).one()
        waits = [
            # one subject from one source: exponential after the free ones
            self._delay(pair_n, pair_last, limits.free, limits.max_delay, now),
            # one subject from everywhere: exponential, capped low
            self._delay(subject_n, subject_last, limits.subject_free, limits.subject_max_delay, now),
        ]
        # one source, any subject: blocked until enough failures leave the window
        count = source_n or 0
        if count >= limits.source_limit:
            freeing = session.scalar(select(FailedAttempt.at).where(recent, FailedAttempt.source == source)
                                     .order_by(FailedAttempt.at, FailedAttempt.id)
                                     .offset(count - limits.source_limit).limit(1))
            if freeing is not None:
                waits.append(math.ceil((freeing + limits.window - now).total_seconds()))
        waits = [w for w in waits if w is not None and w > 0]
        return max(waits) if waits else None

    @staticmethod
    def _delay(count: int, last: datetime | None, free: int, cap: timedelta, now: datetime) -> int | None:
        if last is None or count < free:
            return None
        delay = min(2.0 ** (count - free), cap.total_seconds())
        return math.ceil((last + timedelta(seconds=delay) - now).total_seconds())

    def failed(self, subject: str, source: str | None) -> None:
        """Record a wrong guess (its own transaction: the caller's is rolled back by the refusal)."""
        subject, source = self.keys(subject, source)
        now = self.clock()
        expired = (FailedAttempt.kind == self.kind) & (FailedAttempt.at <= now - self.limits.window)
        with transaction(self.sessions) as db:
            db.add(FailedAttempt(kind=self.kind, subject=subject, source=source, at=now))
            db.execute(delete(FailedAttempt).where(
                expired, (FailedAttempt.subject == subject) | (FailedAttempt.source == source)))
            if random.random() < SWEEP_CHANCE:
                db.execute(delete(FailedAttempt).where(expired))

    def succeeded(self, session: Session, subject: str) -> None:
        """The right answer: the subject's failures are forgotten (in the caller's transaction)."""
        subject, _source = self.keys(subject, None)
        session.execute(delete(FailedAttempt).where(FailedAttempt.kind == self.kind,
                                                    FailedAttempt.subject == subject))
