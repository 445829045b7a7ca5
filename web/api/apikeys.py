"""API keys for integrating systems: list, create (the key shown once), revoke. For the admin tier, in
its scope (workflows/apikeys/manage.py). A revoked key stays in the list (the reports it filed keep its
channel), so revoking is ``POST /api/api-keys/<id>/revoke``, not DELETE."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflows.apikeys import manage

from ..apikey_schemas import ApiKeyCreatedOut, ApiKeyIn, ApiKeyOut
from ..context import current_user, services, unit_of_work
from ..openapi import Err, api_errors

blp = Blueprint("api_keys", __name__, url_prefix="/api/api-keys",
                description="API keys for systems that file reports (Open311): scoped, hashed, rate-limited")

NO_STORE = {"Cache-Control": "no-store"}  # the answer holds a secret
BEYOND = Err("the key's scope reaches beyond yours", fields={"region_ids": ("outside_scope", {})},
             why="The scope (region_ids, instansi_ids) or the channel reaches beyond the caller's, at its field")


@blp.route("")
class ApiKeyList(MethodView):
    @blp.response(200, ApiKeyOut(many=True))
    @api_errors(forbidden=manage.NOT_AN_ADMIN)
    def get(self):
        """The keys the caller may see and revoke, active first, newest first.

        National: all; coordinator: those scoped within their province; Admin Instansi: those of their
        instansi. Never the key itself: its prefix only."""
        with unit_of_work() as db:
            return manage.visible(db, current_user(db))

    @blp.arguments(ApiKeyIn)
    @blp.response(201, ApiKeyCreatedOut, headers={"Cache-Control": {
        "description": "no-store: the answer holds the key", "schema": {"type": "string"}}})
    @api_errors(forbidden=[manage.NOT_AN_ADMIN, BEYOND],
                invalid={"channel": ("reserved_channel", {"channels": ["web", "import"]})})
    def post(self, body):
        """Create a key. The answer carries the key itself (``key``) this once: only its SHA-256 is stored."""
        with unit_of_work() as db:
            created = manage.create(db, current_user(db), manage.NewKey(
                name=body["name"], channel=body["channel"], region_ids=tuple(body["region_ids"]),
                instansi_ids=tuple(body["instansi_ids"]), rate_per_minute=body["rate_per_minute"]),
                services().clock())
        return _Created(created), 201, NO_STORE


@blp.route("/<int:key_id>/revoke")
class ApiKeyRevoke(MethodView):
    @blp.response(200, ApiKeyOut)
    @api_errors(forbidden=[manage.NOT_AN_ADMIN, manage.OUTSIDE], not_found=manage.NOT_FOUND,
                conflict=Err(manage.ALREADY_REVOKED, extra={"revoked_at": "2026-12-01T03:05:00+00:00",
                                                            "revoked_by": "Admin Nasional"},
                             why="Revoked already: revoked_at and revoked_by say when and by whom"))
    def post(self, key_id):
        """Revoke a key: Open311 refuses its next request (403, the standard's answer to a bad api_key).

        The key stays listed as revoked (the reports it filed keep its channel)."""
        with unit_of_work() as db:
            return manage.revoke(db, current_user(db), key_id, services().clock())


class _Created:
    """The new key's row with the raw key beside it, for ``ApiKeyCreatedOut``."""

    def __init__(self, created: manage.Created):
        self.raw = created.raw
        self._view = created.key

    def __getattr__(self, name):
        return getattr(self._view, name)
