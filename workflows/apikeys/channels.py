"""The channel a report arrived through: recorded on the complaint (``complaints.channel``) and in its
"submitted" audit event. Two are built in (``web``: the site and the private JSON API; ``import``: the
history importer); every other channel is an API key's, named by the key (e.g. ``sms1708`` is "SMS 1708").

Pages word a channel with :func:`names`: a key's channel by its newest key's name, a built-in one by
its label (web/labels.py), an unknown one (an imported history's own channel) by its code."""
from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import ApiKey

WEB = "web"
IMPORT = "import"
BUILT_IN = (WEB, IMPORT)  # reserved: no key may take these
PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{1,19}")  # 2..20 characters, fits complaints.channel


def is_channel(code: object) -> bool:
    return isinstance(code, str) and PATTERN.fullmatch(code) is not None


def names(session: Session, codes: Iterable[str | None]) -> dict[str, str]:
    """The name of each keyed channel among ``codes`` (the newest key with that channel, revoked or
    not: the reports it filed keep its name); built-in and unknown channels are left out."""
    wanted = sorted({c for c in codes if c and c not in BUILT_IN})
    if not wanted:
        return {}
    rows = session.execute(select(ApiKey.channel, ApiKey.name).where(ApiKey.channel.in_(wanted))
                           .order_by(ApiKey.id)).all()
    return {channel: name for channel, name in rows}  # later (newer) keys win
