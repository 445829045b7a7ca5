"""The moment diagram expressions see as "now".

Normally the clock's. While an instance moves to another version of its process, a timer whose
definition changed is evaluated as of the moment its step started (:func:`evaluated_at`), so the
step's limit is counted from when the complaint reached it, not from the migration.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

_moment: ContextVar[datetime | None] = ContextVar("aduan_expression_moment", default=None)


def now(clock: Callable[[], datetime]) -> datetime:
    return _moment.get() or clock()


@contextmanager
def evaluated_at(moment: datetime) -> Iterator[None]:
    token = _moment.set(moment)
    try:
        yield
    finally:
        _moment.reset(token)
