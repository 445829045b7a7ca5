"""Server-rendered pages for citizens and officers: plain HTML forms, one blueprint per feature.

Pages translate between forms and the domain services; the rules live in ``workflows``.
Every POST carries a CSRF token (Flask-WTF); the JSON API is exempt for bearer-token clients and
checks the same token when it is called with the session cookie (see ``web.context``).
"""
from __future__ import annotations

from flask import Flask, g, redirect, request, url_for
from flask_babel import get_locale
from flask_wtf.csrf import CSRFProtect, generate_csrf

from .. import labels
from . import (
    apidocs,
    apikeys,
    auth,
    category_fields,
    complaints,
    designer,
    monev,
    notifications,
    plans,
    public,
    replay,
    routing,
    rules,
    search,
    tasks,
    users,
    webhooks,
)
from .common import (
    category_choices,
    category_name,
    lang_url,
    load_officer,
    local_time,
    long_time,
    working_time,
)

csrf = CSRFProtect()
BLUEPRINTS = (public.bp, auth.bp, tasks.bp, complaints.bp, users.bp, notifications.bp, monev.bp, designer.bp,
              rules.bp, plans.bp, routing.bp, search.bp, replay.bp, apikeys.bp, webhooks.bp,
              category_fields.bp)
BODY_LIMITS = {"pages_public.report": public.REPORT_BODY_LIMIT, "pages_public.reply": public.REPORT_BODY_LIMIT,
               "pages_tasks.complete": public.REPORT_BODY_LIMIT}  # (answers with photos)


def is_page_request() -> bool:
    return not request.path.startswith("/api") and request.blueprint is not None \
        and request.blueprint.startswith("pages_")


def init_app(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the session's life
    csrf.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_blueprint(apidocs.bp)  # /api/docs: a page under /api (web/pages/apidocs.py)

    @app.get("/favicon.ico")
    def favicon():
        """Browsers ask for /favicon.ico whatever the page links: the SVG icon."""
        return redirect(url_for("static", filename="favicon.svg"), 301)

    @app.before_request
    def _page_guard():
        if not is_page_request():
            return None
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            if request.endpoint in BODY_LIMITS:
                request.max_content_length = BODY_LIMITS[request.endpoint]
            csrf.protect()
        load_officer()
        return None

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", app.config["CONTENT_SECURITY_POLICY"])
        return response

    app.jinja_env.globals.update(
        csrf_token=generate_csrf, lang_url=lang_url, labels=labels, label=labels.label, get_locale=get_locale,
        category_name=category_name, category_choices=category_choices)
    app.jinja_env.filters["localtime"] = local_time
    app.jinja_env.filters["longtime"] = long_time
    app.jinja_env.filters["workingtime"] = working_time

    @app.context_processor
    def _officer():
        return {"officer": g.get("officer")}
