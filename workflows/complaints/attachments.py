"""Files attached to a complaint when it is submitted: at most three, 2 MB each, JPEG, PNG or PDF.

The type is read from the file's first bytes, never from its name or the browser's claim, and the
name is kept only as a safe base name for the download.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import Invalid

MAX_FILES = 3
MAX_BYTES = 2 * 1024 * 1024
MAX_NAME = 200

# (leading bytes, content type), checked in order
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)
ALLOWED = ("JPEG", "PNG", "PDF")

_UNSAFE = re.compile(r'[\x00-\x1f\x7f"<>:|?*\\/]')


@dataclass(frozen=True)
class Upload:
    """A file as it arrived (the name is whatever the reporter's computer called it)."""
    filename: str
    data: bytes


@dataclass(frozen=True)
class CheckedFile:
    """An accepted upload: safe name, detected type, size and SHA-256."""
    filename: str
    content_type: str
    size: int
    sha256: str
    data: bytes


def detect_type(data: bytes) -> str | None:
    for magic, content_type in SIGNATURES:
        if data.startswith(magic):
            return content_type
    return None


def safe_name(filename: str, fallback: str = "lampiran") -> str:
    """The last path component, without control or shell-special characters, at most 200 characters
    (the extension kept when it has to be shortened)."""
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    if not name:
        return fallback
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10 and stem:
            name = stem[:MAX_NAME - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_NAME]
    return name


def problems(uploads: Sequence[Upload]) -> list[tuple[str, dict]]:
    """Every reason to refuse these uploads, as (code, params) for the ``attachments`` field."""
    found: list[tuple[str, dict]] = []
    if len(uploads) > MAX_FILES:
        found.append(("too_many", {"max": MAX_FILES}))
    for upload in uploads:
        name = safe_name(upload.filename)
        if not upload.data:
            found.append(("empty_file", {"file": name}))
        elif len(upload.data) > MAX_BYTES:
            found.append(("file_too_large", {"file": name, "max_mb": MAX_BYTES // (1024 * 1024)}))
        elif detect_type(upload.data) is None:
            found.append(("unsupported_type", {"file": name, "allowed": ", ".join(ALLOWED)}))
    return found


def check(uploads: Sequence[Upload]) -> list[CheckedFile]:
    """The uploads ready to store, or Invalid({"attachments": [...]}) naming every problem."""
    found = problems(uploads)
    if found:
        raise Invalid({"attachments": found})
    return [CheckedFile(filename=safe_name(u.filename), content_type=detect_type(u.data) or "",
                        size=len(u.data), sha256=hashlib.sha256(u.data).hexdigest(), data=u.data)
            for u in uploads]
