"""Flask app factory: the JSON API and the pages. It translates; it holds no business rules."""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api
from werkzeug.routing import IntegerConverter

from workflows.ids import MAX_ID
from workflows.service import Aduan

from . import config, errors, i18n, open311, openapi, pages
from .api import (
    apikeys,
    auth,
    complaints,
    history,
    monev,
    notifications,
    plans,
    processes,
    reference,
    replays,
    routing,
    rules,
    search,
    tasks,
    users,
    webhooks,
)
from .schemas import ErrorOut


class AduanApi(Api):
    """flask-smorest's Api with the document's shared parts (web/openapi.py): the security schemes, and
    security and error responses with examples on every operation."""
    ERROR_SCHEMA = ErrorOut  # what web/errors.py returns, declared for every error response

    def __init__(self, app: Flask | None = None, **kwargs):
        self.errors_and_security = openapi.ErrorsAndSecurity(ErrorOut)
        kwargs.setdefault("spec_kwargs", {}).setdefault("extra_plugins", [self.errors_and_security])
        super().__init__(app, **kwargs)

    def init_app(self, app: Flask, **kwargs) -> None:
        self.errors_and_security.app = app
        super().init_app(app, **kwargs)


class RecordId(IntegerConverter):
    """``<int:...>`` in every route: 0..2^31-1, so an id no record can have is a 404 at routing,
    never a query the database refuses."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def create_app(overrides: dict[str, Any] | None = None, services: Aduan | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    app.url_map.converters["int"] = RecordId
    app.config.update(config.from_env())
    app.config.update(overrides or {})
    app.extensions["aduan"] = services or Aduan(app.config.get("DATABASE_URL"))
    i18n.init_app(app)
    api = AduanApi(app)
    for blueprint in (auth.blp, history.blp, complaints.blp, complaints.officer_blp, tasks.blp, notifications.blp,
                      reference.blp, users.blp, monev.blp, processes.blp, rules.blp, plans.blp, routing.blp,
                      search.blp, replays.blp, apikeys.blp, open311.blp, webhooks.blp):
        api.register_blueprint(blueprint)
    pages.init_app(app)
    errors.init_app(app)
    return app
