"""Officer login: a session cookie for pages and a bearer token for API clients."""
from __future__ import annotations

from flask import request, session
from flask.views import MethodView
from flask_smorest import Blueprint

from workflows.accounts import credentials
from workflows.errors import TooManyAttempts

from ..context import current_user, services, unit_of_work
from ..errors import error_response
from ..openapi import Err, api_errors, public
from ..schemas import LoginIn, LoginOut, UserOut

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Officer login")


@blp.route("/login")
class Login(MethodView):
    @public
    @blp.arguments(LoginIn)
    @blp.response(200, LoginOut)
    @api_errors(unauthorized=["wrong username or password",
                              Err("this account is deactivated; ask your administrator", code="account_deactivated")],
                too_many_attempts=Err("too many failed logins; try again later",
                                      why="Throttled after failed logins for this username and address (growing "
                                          "delays) or from this address"))
    def post(self, body):
        """Log in. Failures slow further attempts down (docs/adr/0005): per username and address the
        first ``ADUAN_LOGIN_MAX_FAILURES`` (5) within ``ADUAN_LOGIN_WINDOW_SECONDS`` (900) are free, then
        each attempt waits twice as long as the last (up to 15 minutes); 30 failures block an address;
        from all addresses together a username waits at most a minute. A throttled attempt gets 429
        with ``Retry-After`` and its password is not checked. A wrong username or password gets 401
        ``unauthorized``; the right password of a deactivated account 401 ``account_deactivated``."""
        try:
            user = services().logins.login(body["username"], body["password"], request.remote_addr)
        except TooManyAttempts as exc:
            response, status = error_response(exc.status, exc.code, exc.message, retry_after=exc.retry_after)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response, status
        with unit_of_work() as db:
            token = credentials.issue_token(db, user, services().clock)
        session.clear()
        session["user_id"] = user.id
        return {"token": token, "user": user}


@blp.route("/logout")
class Logout(MethodView):
    @public
    @blp.response(204)
    def post(self):
        """Log out of the session cookie (a bearer token stays valid until it expires)."""
        session.clear()


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserOut)
    def get(self):
        """The logged-in officer: username, name, role and the ids of their region, instansi and unit."""
        with unit_of_work() as db:
            return current_user(db)
