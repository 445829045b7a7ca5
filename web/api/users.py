"""Officer accounts within the admin's scope: list, create, change, and hand a leaver's tasks over."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflows.accounts.users import NewUser

from ..context import current_user, services, unit_of_work
from ..openapi import api_errors
from ..schemas import DesignerIn, HandoverIn, HandoverOut, ManagedUserOut, NewUserIn, UserPatchIn

blp = Blueprint("users", __name__, url_prefix="/api/users", description="Officer accounts")

NOT_ADMIN = "you do not manage officer accounts"
OUTSIDE = "this officer is outside your scope"


@blp.route("")
class UserList(MethodView):
    @blp.response(200, ManagedUserOut(many=True))
    @api_errors(forbidden=NOT_ADMIN)
    def get(self):
        """The accounts the logged-in admin manages (active or not), by name."""
        with unit_of_work() as db:
            return services().users.manageable(db, current_user(db))

    @blp.arguments(NewUserIn)
    @blp.response(201, ManagedUserOut)
    @api_errors(forbidden=NOT_ADMIN, invalid={"username": ("taken", {})})
    def post(self, body):
        """A new officer account in the admin's scope. A liaison officer's instansi and region
        follow from ``unit_id``; an admin instansi's region from ``instansi_id``."""
        with unit_of_work() as db:
            return services().users.create(db, current_user(db), NewUser(**body))


@blp.route("/<int:user_id>")
class UserDetail(MethodView):
    @blp.arguments(UserPatchIn)
    @blp.response(200, ManagedUserOut)
    @api_errors(not_found="user not found", forbidden=[NOT_ADMIN, OUTSIDE, "you cannot deactivate your own account"],
                invalid={"password": ("too_short", {"min": 8})})
    def patch(self, body, user_id):
        """Rename, set a new password, or (de)activate; deactivating revokes the account's API tokens."""
        with unit_of_work() as db:
            return services().users.update(db, current_user(db), user_id, **body)


@blp.route("/<int:user_id>/designer")
class DesignerRight(MethodView):
    @blp.arguments(DesignerIn)
    @blp.response(200, ManagedUserOut)
    @api_errors(not_found="user not found", forbidden="only the Admin Nasional grants the process-designer right",
                invalid={"designer": ("needs_region", {})})
    def put(self, body, user_id):
        """Grant the process-designer right (``national``: every diagram; ``regional``: the variant of the
        officer's own region) or take it away (``null``). Only the Admin Nasional may."""
        with unit_of_work() as db:
            return services().designer.grant(db, current_user(db), user_id, body["designer"])


@blp.route("/<int:user_id>/handover")
class Handover(MethodView):
    @blp.arguments(HandoverIn)
    @blp.response(200, HandoverOut)
    @api_errors(not_found="user not found", forbidden=[NOT_ADMIN, OUTSIDE, "you cannot deactivate your own account"],
                conflict="the officer's tasks changed during the hand-over; try again",
                invalid={"to_user_id": ("not_a_successor", {})})
    def post(self, body, user_id):
        """Move every open task this officer holds to a successor with the same role and scope, in one
        transaction; by default the leaver is deactivated too."""
        with unit_of_work() as db:
            moved = services().users.handover(db, current_user(db), user_id, body["to_user_id"],
                                              deactivate=body["deactivate"])
            return {"moved": moved}
