"""What the OpenAPI document says about who may call an operation and what it can refuse, in one place.

A view says only what the code cannot tell by itself: ``@public`` (no login), ``@api_key`` (an
integrating system's key) and ``@api_errors(...)`` (the refusals its services raise: 403, 409, 412,
429, a 404 for a path that is not a record id, a 422 the view checks by hand). ``ErrorsAndSecurity``,
an apispec plugin, adds the rest to every ``/api`` operation from what the route itself shows:

- no ``@public``: ``security`` (bearer token or session cookie) and 401;
- a JSON body: 400 (not JSON), 413 (too large) and 422 (refused at a field); a query schema: 422;
- a change made with the session cookie: 400 (the CSRF header missing);
- an ``<int:...>`` in the path: 404;
- every error response: the ``ErrorOut`` schema with an example body as the API answers it by
  default (Bahasa Indonesia; ``Accept-Language: en`` or ``?lang=en`` for English).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from apispec import BasePlugin
from flask import Flask
from flask_babel import force_locale
from marshmallow import Schema
from marshmallow import fields as ma_fields
from marshmallow import validate
from werkzeug.routing import IntegerConverter

from .messages import field_message, message

SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http", "scheme": "bearer",
        "description": "An officer's token: `POST /api/auth/login` with `{\"username\", \"password\"}` answers "
                       "`{\"token\": ...}`; send it as `Authorization: Bearer <token>`. It lasts 30 days and ends "
                       "when the account is deactivated."},
    "sessionCookie": {
        "type": "apiKey", "in": "cookie", "name": "session",
        "description": "The pages' login (the browser sends it along). A change made with it needs the "
                       "`X-CSRFToken` header with the page's CSRF token; bearer tokens need none."},
    "open311ApiKey": {
        "type": "apiKey", "in": "query", "name": "api_key",
        "description": "An integrating system's key (Open311 GeoReport v2): the `api_key` query or form "
                       "parameter. An admin creates it in the browser; it is shown once, scoped to regions or "
                       "instansi, and rate-limited. A missing, unknown or revoked key is refused with 403 (the "
                       "Open311 standard's code for a bad api_key), not 401."},
}
OFFICER = [{"bearerAuth": []}, {"sessionCookie": []}]
KEY = [{"open311ApiKey": []}]

# status -> the error code web/errors.py answers with and its usual message (the example of a response a
# view declared some other way, e.g. flask-smorest's own 422 or an alt_response)
STATUS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "invalid input"),
    401: ("unauthorized", "login required"),
    403: ("forbidden", "you may not open this page"),
    404: ("not_found", "not found"),
    405: ("method_not_allowed", "method not allowed"),
    409: ("conflict", "this complaint was changed by someone else at the same time; reload and try again"),
    412: ("precondition_failed", "send If-Match with the draft's revision (its ETag)"),
    413: ("too_large", "request body too large"),
    422: ("invalid", "invalid input"),
    429: ("too_many_attempts", "too many failed logins; try again later"),
}
KINDS = {"bad_request": 400, "unauthorized": 401, "forbidden": 403, "not_found": 404, "conflict": 409,
         "precondition_failed": 412, "too_large": 413, "invalid": 422, "too_many_attempts": 429}
RETRY_AFTER = {"Retry-After": {"description": "seconds until another attempt is accepted",
                               "schema": {"type": "integer"}}}
BODY_LOCATIONS = ("json", "form", "files")


@dataclass(frozen=True)
class Err:
    """One refusal as the API answers it: the message (an English msgid of web/messages.py), the error
    code when not the status's usual one, a 422's fields as ``{name: (field code, params)}`` or
    ``{name: marshmallow text}``, other body keys (``retry_after``, ``saved_by``...)."""
    message: str
    code: str | None = None
    fields: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    why: str = ""  # when the message alone does not say it


BAD_JSON = Err("invalid input", fields={"_body": "Invalid JSON body."}, why="The body is not JSON")
UNEXPECTED = Err("internal error", code="internal_error", why="An unexpected error")
CSRF = Err("the form has expired; reload the page and try again", code="csrf",
           why="Sent with the session cookie but without the `X-CSRFToken` header")


def _marks(func) -> dict[str, Any]:
    return dict(getattr(func, "_aduan_openapi", {}))


def _mark(func, **values):
    func._aduan_openapi = {**_marks(func), **values}  # a new dict: functools.wraps shares the old one
    return func


def public(func):
    """Anyone may call it: no login, no ``security`` in the document."""
    return _mark(func, access="public")


def api_key(func):
    """An integrating system calls it with its ``api_key`` (Open311)."""
    return _mark(func, access="api_key")


def api_errors(**kinds: str | Err | list | dict):
    """The refusals a view's services raise, by error code: ``forbidden``, ``not_found``, ``conflict``,
    ``precondition_failed``, ``too_many_attempts``, ``invalid``, ``bad_request``, ``unauthorized``. Each
    value is a message, an :class:`Err` or a list of them (one example each); ``invalid`` may be a dict
    of fields instead."""
    found: dict[int, list[Err]] = {}
    for kind, value in kinds.items():
        if kind not in KINDS:
            raise TypeError(f"unknown error kind {kind!r} (one of {', '.join(KINDS)})")
        if isinstance(value, dict):
            value = Err("invalid input", fields=value)
        items = value if isinstance(value, (list, tuple)) else [value]
        found[KINDS[kind]] = [item if isinstance(item, Err) else Err(item) for item in items]

    def decorator(func):
        return _mark(func, errors={**_marks(func).get("errors", {}), **found})
    return decorator


def view_method(app: Flask, endpoint: str, method: str):
    view = app.view_functions[endpoint]
    cls = getattr(view, "view_class", None)
    return getattr(cls, method, None) if cls is not None else view


def arguments(func) -> list[dict]:
    """What ``@blp.arguments`` put on the view: ``[{"in": location, "schema": ...}]``."""
    return list(getattr(func, "_apidoc", {}).get("arguments", {}).get("parameters", []))


def sample_problem(schema) -> dict[str, str] | None:
    """One field problem the schema really reports, as marshmallow words it (an example's ``fields``)."""
    if isinstance(schema, type):
        schema = schema()
    if not isinstance(schema, Schema):
        return None
    loaded = [(f.data_key or name, f) for name, f in schema.fields.items() if not f.dump_only]
    for key, item in loaded:
        if item.required:
            return {key: "Missing data for required field."}
    for key, item in loaded:
        for kind, text in ((ma_fields.Integer, "Not a valid integer."), (ma_fields.Boolean, "Not a valid boolean."),
                           (ma_fields.Date, "Not a valid date."), (ma_fields.Number, "Not a valid number.")):
            if isinstance(item, kind):
                return {key: text}
        for check in item.validators:
            if isinstance(check, validate.OneOf):
                return {key: check.error.format(choices=", ".join(map(str, check.choices)), input="?",
                                                labels="")}
    return None


class ErrorsAndSecurity(BasePlugin):
    """The apispec plugin: security and error responses on every ``/api`` operation (see the module)."""

    def __init__(self, error_schema: type[Schema]):
        self.error_schema = error_schema
        self.app: Flask | None = None
        self.spec = None

    def init_spec(self, spec) -> None:
        self.spec = spec
        for name, scheme in SECURITY_SCHEMES.items():
            spec.components.security_scheme(name, scheme)

    def _error_ref(self) -> dict:
        resolver = next(p for p in self.spec.plugins if hasattr(p, "resolver")).resolver
        return resolver.resolve_schema_dict(self.error_schema)

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        rule = kwargs.get("rule")
        if self.app is None or rule is None or not operations:
            return
        with self.app.app_context(), force_locale("id"):
            for method, operation in operations.items():
                func = view_method(self.app, rule.endpoint, method)
                marks = _marks(func) if func is not None else {}
                if path.startswith("/api/"):
                    self._document(rule, method, operation, marks, arguments(func) if func else [])
                elif marks.get("access") == "api_key":
                    operation["security"] = KEY

    def _document(self, rule, method: str, operation: dict, marks: dict, args: list[dict]) -> None:
        tidy_docstring(operation)
        found: dict[int, list[Err]] = {}

        def add(status: int, *errs: Err) -> None:
            found.setdefault(status, []).extend(e for e in errs if e not in found.get(status, []))

        access = marks.get("access", "officer")
        if access == "officer":
            operation["security"] = OFFICER
            add(401, Err("login required", why="No bearer token or session, or one that expired or whose account "
                                               "was deactivated"))
        elif access == "api_key":
            operation["security"] = KEY
        body = [a for a in args if a.get("in") in BODY_LOCATIONS]
        if any(a["in"] == "json" for a in body):
            add(400, BAD_JSON)
        if access == "officer" and method != "get":
            add(400, CSRF)
        if body or "requestBody" in operation:
            add(413, Err("request body too large", why="The body is larger than ADUAN_MAX_BODY_BYTES"))
        for a in args:
            sample = sample_problem(a.get("schema"))
            add(422, Err("invalid input", fields=sample, why="Refused by the request's schema, each problem at "
                                                             "its field"))
            break
        if any(isinstance(rule._converters.get(name), IntegerConverter) for name in rule.arguments):
            add(404, Err("not found", why="No record with this id"))
        for status, errs in marks.get("errors", {}).items():
            if status == 404 and 404 in found:
                found[404] = []  # the service's own words say it better than the routing's
            add(status, *errs)
        responses = operation.setdefault("responses", {})
        for status in list(responses):  # what flask-smorest or a view declared: given an example too
            number = int(status) if str(status).isdigit() else None
            if number is not None and number >= 400 and number not in found:
                found[number] = [Err(STATUS.get(number, ("", "internal error"))[1])]
        for status, errs in sorted(found.items()):
            old = responses.get(status) or responses.get(str(status))
            responses.pop(status, None)
            described = old.get("description") if isinstance(old, dict) else None
            responses[str(status)] = self._response(status, errs, described)
        responses["default"] = self._response(500, [UNEXPECTED], "Unexpected: 500 `internal_error`, or 503 "
                                                                "`database_unavailable` when the database is down")

    def _response(self, status: int, errs: list[Err], described: str | None) -> dict:
        code = STATUS.get(status, ("internal_error",))[0]
        lines = [described or HTTPStatus(status).phrase]
        examples = {}
        for err in errs:
            body = {"error": err.code or code, "message": message(err.message)}
            if err.fields:
                body["fields"] = {name: [field_message(*text) if isinstance(text, tuple) else message(text)]
                                  for name, text in err.fields.items()}
            if status == 429:
                body["retry_after"] = 8
            body.update(err.extra)
            said = err.why or (f"Refused at {', '.join(f'`{n}`' for n in err.fields)}" if err.fields else err.message)
            examples[_slug(said)] = {"summary": said, "value": body}
            lines.append(f"- {said}")
        if described and len(errs) == 1:
            lines = lines[:1]
        response = {"description": "\n".join(lines),
                    "content": {"application/json": {"schema": self._error_ref(), "examples": examples}}}
        if status == 429:
            response["headers"] = RETRY_AFTER
        return response


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:48] or "error"


def tidy_docstring(operation: dict) -> None:
    """flask-smorest makes a docstring's first paragraph the summary; a long one becomes the description
    (Markdown, ``code`` as `code`) under its first sentence as the summary."""
    summary = " ".join((operation.get("summary") or "").split())
    if len(summary) <= 90 and "``" not in summary:
        return
    first = first_sentence(summary)
    rest = operation.get("description")
    operation["summary"] = first.replace("``", "")
    operation["description"] = re.sub(r"``(.+?)``", r"`\1`", summary + (f"\n\n{rest}" if rest else ""))


def first_sentence(text: str, longest: int = 110) -> str:
    depth, code = 0, False
    for i, char in enumerate(text):
        if text.startswith("``", i):
            code = not code
        elif char in "([" and not code:
            depth += 1
        elif char in ")]" and not code:
            depth -= 1
        elif char in ".;:" and depth == 0 and not code and text[i + 1:i + 2] in (" ", "") and \
                not text[max(0, i - 3):i + 1].endswith(("e.g.", "i.e.")) and (char != ":" or i >= 25):
            text = text[:i + (char == ".")]
            break
    if len(text) <= longest:
        return text
    return text[:longest].rsplit(" ", 1)[0] + " …"
