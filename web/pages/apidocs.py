"""The API's documentation page: how to log in and read the errors, then the OpenAPI document drawn by
Swagger UI (from npm, served from /static/vendor/swagger-ui; web/static/js/apidocs.js starts it)."""
from __future__ import annotations

from flask import Blueprint, render_template, url_for

from .common import load_officer

bp = Blueprint("pages_apidocs", __name__)


@bp.get("/api/docs")
def page():
    """Anyone may read it. Under /api the page guard does not run, so the top bar's officer is read here."""
    load_officer()
    return render_template("apidocs/page.html", spec_url=url_for("api-docs.openapi_json"))
