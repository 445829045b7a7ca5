"""Settings from the environment (see README 'Configuration')."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

# Only this site's own scripts, styles, fonts and images: bpmn-js and the page scripts are served
# from /static, and no page has an inline script, style or event handler (tests/browser/test_csp.py
# opens every page in Chromium and fails on any violation). ADUAN_CSP replaces it (e.g. to allow a
# map tile server).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")


def _with_tiles(policy: str, tiles: str) -> str:
    """Let the map tiles' server through img-src (ADUAN_MAP_TILES), nothing else."""
    if not tiles:
        return policy
    parts = urlsplit(tiles.replace("{s}", "a"))
    origin = f"{parts.scheme}://{parts.netloc.replace('a.', '*.', 1) if '{s}' in tiles else parts.netloc}"
    return policy.replace("img-src 'self' data: blob:", f"img-src 'self' data: blob: {origin}")


def from_env() -> dict:
    secret = os.environ.get("SECRET_KEY") or os.environ.get("ADUAN_SECRET_KEY")
    if not secret:
        # A development key that survives restarts of the same checkout, never a constant in code.
        path = Path("instance") / "secret_key"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        secret = path.read_text().strip()
    return {
        "SECRET_KEY": secret,
        "DATABASE_URL": os.environ.get("DATABASE_URL"),
        "MAX_CONTENT_LENGTH": int(os.environ.get("ADUAN_MAX_BODY_BYTES", 1_000_000)),
        "CONTENT_SECURITY_POLICY": os.environ.get("ADUAN_CSP", _with_tiles(CSP, os.environ.get("ADUAN_MAP_TILES", ""))),
        # The maps' tile server, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png (mind its usage policy);
        # none: the maps show the pins on a plain grid, and coordinates can be typed or taken from the device.
        "MAP_TILES": os.environ.get("ADUAN_MAP_TILES", ""),
        "MAP_ATTRIBUTION": os.environ.get("ADUAN_MAP_ATTRIBUTION", "© OpenStreetMap contributors"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("ADUAN_SECURE_COOKIES", "1") == "1",  # HTTPS only unless told
        "BABEL_DEFAULT_LOCALE": "id",
        "API_TITLE": "Aduan API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {"info": {"description": API_DESCRIPTION}},
    }


# The document's introduction (the docs page at /api/docs shows it above the operations).
API_DESCRIPTION = """Aduan's JSON API: what the pages do, for other programs.

**Logging in.** `POST /api/auth/login` with `{"username": ..., "password": ...}` answers a token;
send it as `Authorization: Bearer <token>` (scheme `bearerAuth`, valid 30 days). The pages' session
cookie works too (`sessionCookie`); then a change needs the `X-CSRFToken` header. Operations without a
lock need no login: a citizen's report, tracking (`?token=` the reply code), the reply, reference data.
Open311 GeoReport v2 (`/open311/v2/...`) files requests with an integrating system's `api_key`.

**Errors** under `/api` are JSON (Open311 answers the standard's `[{code, description}]`):
`{"error": code, "message": text, "fields": {name: [text]}}`, with `retry_after` (and the `Retry-After`
header) on 429. Texts are in Bahasa Indonesia unless the request asks for English (`Accept-Language: en`
or `?lang=en`); the examples show the Indonesian answer. 400: not JSON, or a
cookie change without its CSRF header; 401: not logged in; 403: not allowed; 404: no such record; 409:
changed by someone else or not in a state that allows it (any change may also meet another one writing
the same records at the same moment); 412: `If-Match` missing or stale; 413: body too large; 422: refused
input, each problem at its field; 429: too many attempts.
"""
