"""The signature a webhook receiver checks (docs/webhooks.md): HMAC-SHA256 with the subscription's secret over
``<timestamp>.<body>``, sent as ``X-Aduan-Signature: sha256=<hex>`` beside ``X-Aduan-Timestamp``. Signing the
timestamp with the body lets a receiver refuse an old request replayed by someone who recorded it."""
from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_PREFIX = "sha256="
SECRET_PREFIX = "whsec_"
TOLERANCE_SECONDS = 300  # what docs/webhooks.md tells receivers to accept (5 minutes either way)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, header: str, now: float,
           tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does (the tests use it; docs/webhooks.md shows the same in a few lines)."""
    if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, int(timestamp), body), header)


def new_secret() -> str:
    """``whsec_`` and 43 URL-safe characters (256 bits)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)
