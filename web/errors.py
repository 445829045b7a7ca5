"""Every error leaves the API as JSON: {"error": code, "message": text, "fields": {name: [text]}}."""
from __future__ import annotations

import logging

from flask import Flask, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from workflows.db import DatabaseError, UnstorableInput, is_write_conflict
from workflows.errors import DomainError, Invalid
from workflows.tasks.service import RACE_MESSAGE

from .messages import field_message, message

log = logging.getLogger(__name__)


def error_response(status: int, code: str, text: str, fields: dict | None = None, **extra):
    body = {"error": code, "message": message(text)}
    if fields:
        body["fields"] = fields
    body.update(extra)
    return jsonify(body), status


def _flatten_webargs(messages: dict) -> dict[str, list[str]]:
    """webargs nests errors by location ({"json": {"title": [...]}}); callers want field -> texts."""
    fields: dict[str, list[str]] = {}
    for location in messages.values():
        if isinstance(location, dict):
            for name, texts in location.items():
                texts = texts if isinstance(texts, list) else [texts]
                fields[name] = [message(t) if isinstance(t, str) else str(t) for t in texts]
        elif isinstance(location, list):
            fields.setdefault("_body", []).extend(message(str(t)) for t in location)
    return fields


def _page_request() -> bool:
    return not request.path.startswith(("/api", "/open311/"))


def page_error(status: int, code: str, text: str):
    """The same error as a page, for people using the site rather than the API."""
    if status == 401:
        return redirect(url_for("pages_auth.login", next=request.full_path.rstrip("?")))
    if "officer" not in g and status != 503:
        # An error raised before the page guard ran (e.g. an id the URL converter refuses): the top
        # bar still shows the logged-in officer, not the login link.
        from .pages.common import load_officer
        try:
            load_officer()
        except Exception:  # the error page must render even when the officer cannot be read
            g.officer = None
    titles = {400: _("The request was not understood"), 403: _("Not allowed"), 404: _("Not found"),
              409: _("Changed by someone else"), 413: _("Too large"), 422: _("Please check your input"),
              429: _("Too many attempts")}
    return render_template("error.html", title=titles.get(status, _("Something went wrong")), code=code,
                           text=message(text)), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        text = "the form has expired; reload the page and try again"
        if _page_request():
            return page_error(400, "csrf", text)
        return error_response(400, "csrf", text)

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        headers = {"Retry-After": str(exc.details["retry_after"])} if "retry_after" in exc.details else {}
        if _page_request():
            answer = page_error(exc.status, exc.code, exc.message)
            return (*answer, headers) if isinstance(answer, tuple) else answer
        fields = None
        if isinstance(exc, Invalid):
            fields = {name: [field_message(code, params) for code, params in errors]
                      for name, errors in exc.fields.items()}
        extra = {k: v for k, v in exc.details.items() if isinstance(v, (int, str, bool))}
        body, status = error_response(exc.status, exc.code, exc.message, fields, **extra)
        body.headers.update(headers)
        return body, status

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        data = getattr(exc, "data", None) or {}
        if _page_request():
            text = {404: "not found", 405: "method not allowed", 413: "request body too large",
                    403: "you may not open this page"}.get(exc.code, exc.description or exc.name)
            answer = page_error(exc.code or 500, "http_error", text)
            if not isinstance(answer, tuple):  # a redirect to the login page
                return answer
            return (*answer, [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"])
        if exc.code == 422 and "messages" in data:
            return error_response(422, "invalid", "invalid input", _flatten_webargs(data["messages"]))
        if exc.code == 400 and "messages" in data:
            return error_response(400, "bad_request", "invalid input", _flatten_webargs(data["messages"]))
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.code, "http_error")
        text = {404: "not found", 405: "method not allowed", 413: "request body too large"}.get(
            exc.code, exc.description or exc.name)
        body, status = error_response(exc.code or 500, code, text)
        for name, value in exc.get_headers():  # e.g. Allow on a 405
            if name.lower() != "content-type":
                body.headers[name] = value
        return body, status

    @app.errorhandler(DatabaseError)
    def _database(exc: DatabaseError):
        # Two transactions that waited on each other, or SQLite's lock timeout: the same answer as
        # any other concurrent change.
        if is_write_conflict(exc):
            if _page_request():
                return page_error(409, "conflict", RACE_MESSAGE)
            return error_response(409, "conflict", RACE_MESSAGE)
        log.exception("database error")
        return error_response(503, "database_unavailable", "internal error")

    @app.errorhandler(RecursionError)
    def _too_deep(exc: RecursionError):
        # e.g. a JSON body of 50,000 nested arrays: the parser gives up, the request is refused
        if _page_request():
            return page_error(400, "bad_request", "the request body nests too deeply")
        return error_response(400, "bad_request", "the request body nests too deeply")

    def _unstorable(exc: Exception):
        # A safety net: the edges refuse such input field by field; whatever slipped through is
        # refused as a whole instead of answered with a 500.
        log.warning("input the database could not store: %s", exc)
        if _page_request():
            return page_error(400, "bad_request", "the request could not be stored as sent")
        return error_response(400, "bad_request", "the request could not be stored as sent")

    for kind in UnstorableInput:
        app.register_error_handler(kind, _unstorable)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        if _page_request():
            return page_error(500, "internal_error", "internal error")
        return error_response(500, "internal_error", "internal error")
