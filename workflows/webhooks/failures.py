"""What a failed webhook delivery records as its error, in Aduan's own words only.

A receiver's answer is never stored nor shown: not its body, not its reason phrase, not the name of the
exception a connection ended with ("RemoteDisconnected", "BadStatusLine"...). An admin who points a webhook
somewhere could otherwise read out what answers there. What is kept: the status code with its standard
phrase ("HTTP 422 Unprocessable Entity"), or one of the sentences below. :func:`shown` lets through only
those (an older row holding more is shown cut down to them)."""
from __future__ import annotations

import re
from http import HTTPStatus

from .addresses import PRIVATE_ERROR

REFUSED = "connection refused"
NO_ANSWER = "no answer in time"
CLOSED = "the connection was closed without an answer"
NOT_HTTP = "the receiver did not answer in HTTP"
NAME_NOT_FOUND = "the receiver's name was not found (DNS)"
CERTIFICATE = "the receiver's TLS certificate was not accepted"
TLS = "the secure connection (TLS) failed"
UNREACHABLE = "the receiver could not be reached"
FAILED = "the delivery failed"
INTERRUPTED = "the worker stopped while delivering; not sent again"
REQUEUED = "the worker stopped while delivering; sent again (the receiver drops a copy by its key)"
STOPPED = "the subscription was deactivated"
GONE = "the receiver answered 410 Gone: the subscription was deactivated"
WORDS = (REFUSED, NO_ANSWER, CLOSED, NOT_HTTP, NAME_NOT_FOUND, CERTIFICATE, TLS, UNREACHABLE, FAILED,
         INTERRUPTED, REQUEUED, STOPPED, GONE)
PRIVATE = re.compile("^" + re.escape(PRIVATE_ERROR).replace(re.escape("{where}"), r"(?P<where>[0-9A-Za-z.:%\-\[\]]+"
                                                                                  r"(?: \([0-9A-Za-z.\-]+\))?)")
                     + "$")
_HTTP = re.compile(r"^HTTP (\d{3})\b")


def http(code: int) -> str:
    """``HTTP 422 Unprocessable Entity``: the code and its standard phrase (not the one the receiver sent)."""
    try:
        return f"HTTP {code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


def private(where: str) -> str:
    return PRIVATE_ERROR.format(where=where)


def shown(text: str | None) -> str | None:
    """The stored error as it may be shown: one of :data:`WORDS`, a refused private address, an HTTP status
    with its standard phrase, or else :data:`FAILED`."""
    if not text or text in WORDS or PRIVATE.match(text):
        return text or None
    status = _HTTP.match(text)
    return http(int(status.group(1))) if status else FAILED
