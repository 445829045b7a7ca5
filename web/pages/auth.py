"""Officer login and logout (session cookie; failed logins are limited by the domain's LoginGuard)."""
from __future__ import annotations

import math

from flask import Blueprint, redirect, render_template, request, session, url_for

from workflows.errors import DomainError

from ..context import services
from .common import error_text, safe_next

bp = Blueprint("pages_auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    target = safe_next(request.values.get("next"), url_for("pages_tasks.task_list"))
    if request.method == "GET":
        return render_template("auth/login.html", next=target, problem=None, username="")
    username = (request.form.get("username") or "").strip()
    password = request.form.get("password") or ""
    try:
        user = services().logins.login(username, password, request.remote_addr or "")
    except DomainError as exc:
        problem = error_text(exc)
        response_headers = {}
        if exc.status == 429:
            minutes = max(1, math.ceil(int(exc.details.get("retry_after", 60)) / 60))
            response_headers["Retry-After"] = str(exc.details.get("retry_after", 60))
            from flask_babel import gettext as _
            problem = _("Too many failed attempts. Try again in %(minutes)s minutes.", minutes=minutes)
        return render_template("auth/login.html", next=target, problem=problem, username=username), \
            exc.status, response_headers
    lang = session.get("lang")
    reporter = session.get("reporter")
    session.clear()  # a new session on login: no fixation
    session["user_id"] = user.id
    if lang:
        session["lang"] = lang
    if reporter:
        session["reporter"] = reporter
    return redirect(target)


@bp.post("/logout")
def logout():
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("pages_public.home"))
