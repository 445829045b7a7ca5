"""Flask app factory: the JSON API and the pages. It translates; it holds no business rules."""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api

from workflows.service import Aduan

from . import config, errors, i18n, pages
from .api import auth, complaints, monev, notifications, reference, tasks, users


def create_app(overrides: dict[str, Any] | None = None, services: Aduan | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(config.from_env())
    app.config.update(overrides or {})
    app.extensions["aduan"] = services or Aduan(app.config.get("DATABASE_URL"))
    i18n.init_app(app)
    api = Api(app)
    for blueprint in (auth.blp, complaints.blp, complaints.officer_blp, tasks.blp, notifications.blp,
                      reference.blp, users.blp, monev.blp):
        api.register_blueprint(blueprint)
    pages.init_app(app)
    errors.init_app(app)
    return app
