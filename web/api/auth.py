"""Officer login: a session cookie for pages and a bearer token for API clients."""
from __future__ import annotations

from flask import session
from flask.views import MethodView
from flask_smorest import Blueprint

from workflows import accounts

from ..context import current_user, services, unit_of_work
from ..schemas import LoginIn, LoginOut, UserOut

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Officer login")


@blp.route("/login")
class Login(MethodView):
    @blp.arguments(LoginIn)
    @blp.response(200, LoginOut)
    def post(self, body):
        with unit_of_work() as db:
            user = accounts.authenticate(db, body["username"], body["password"], services().clock)
            token = accounts.issue_token(db, user, services().clock)
        session.clear()
        session["user_id"] = user.id
        return {"token": token, "user": user}


@blp.route("/logout")
class Logout(MethodView):
    @blp.response(204)
    def post(self):
        session.clear()


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserOut)
    def get(self):
        with unit_of_work() as db:
            return current_user(db)
