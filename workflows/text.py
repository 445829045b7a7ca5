"""Text that can be stored: no NUL character (PostgreSQL refuses it in text) and no lone UTF-16
surrogate (it cannot be encoded as UTF-8). Part of the shared kernel: input checks and lookups use it
so such text is refused with a clear message instead of failing at the database."""
from __future__ import annotations

import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> bool:
    return _UNSTORABLE.search(text) is None


def scrub(text: str) -> str:
    """The text with unstorable characters replaced (for logging a refused value, never for data)."""
    return _UNSTORABLE.sub("\ufffd", text)
