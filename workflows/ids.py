"""Record ids are 32-bit integers (INTEGER on PostgreSQL). An id outside 1..MAX_ID names no record and
must be refused before it reaches the database, which would fail on it rather than find nothing.
Part of the shared kernel; entry points may use it to bound what they accept."""
from __future__ import annotations

MAX_ID = 2**31 - 1


def is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID
