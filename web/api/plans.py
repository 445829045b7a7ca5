"""Rencana aksi over the API: a region's or instansi's yearly targets and activities."""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from workflows.errors import Invalid
from workflows.plans import service as plans

from ..context import current_user, services, unit_of_work
from ..openapi import api_errors
from ..schemas import ActivityIn, ActivityUpdateIn, PlanActivityOut, PlanOut, PlanTargetsIn

blp = Blueprint("plans", __name__, url_prefix="/api/plans", description="Rencana aksi: yearly targets and activities")

UNSEEN = "you may not see the rules of this region"
NOT_YOURS = "you may not change this action plan"
NO_REGION = "no such region"


def _view(db, user, region_code: str, instansi_id: int | None, year: int) -> dict:
    region, instansi = plans.scope(db, user, region_code, instansi_id)
    plan = plans.plan_for(db, year, region, instansi)
    return {"region": region.code, "instansi_id": instansi.id if instansi else None, "year": year,
            "editable": plans.may_write(db, user, region, instansi),
            "targets": plans.progress(plans.targets(db, plan), None),
            "activities": plans.activities(db, plan)}


@blp.route("")
class Plan(MethodView):
    @blp.doc(parameters=[{"in": "query", "name": n, "required": n != "instansi_id", "schema": {"type": t}}
                         for n, t in (("region", "string"), ("instansi_id", "integer"), ("year", "integer"))])
    @blp.response(200, PlanOut)
    @api_errors(forbidden=UNSEEN, not_found=NO_REGION, invalid={"year": ("out_of_range", {"max": 2100})})
    def get(self):
        """A region's (or an instansi's) plan for a year: targets (actual figures: see /api/monev) and
        activities."""
        year, instansi_id = request.args.get("year", ""), request.args.get("instansi_id", "")
        if not year.isdigit() or not 2020 <= int(year) <= 2100:
            raise Invalid({"year": [("out_of_range", {"max": 2100})]})
        if instansi_id and not instansi_id.isdigit():
            raise Invalid({"instansi_id": [("not_a_number", {})]})
        with unit_of_work() as db:
            return _view(db, current_user(db), request.args.get("region", ""),
                         int(instansi_id) if instansi_id else None, int(year))


@blp.route("/targets")
class Targets(MethodView):
    @blp.arguments(PlanTargetsIn)
    @blp.response(200, PlanOut)
    @api_errors(forbidden=[UNSEEN, NOT_YOURS], not_found=NO_REGION, invalid={"instansi_id": ("unknown_instansi", {})})
    def put(self, body):
        """Set (or remove, with null) targets of the plan; refused whole if one is out of range."""
        with unit_of_work() as db:
            user = current_user(db)
            region, instansi = plans.scope(db, user, body["region"], body["instansi_id"])
            plans.save_targets(db, user, body["year"], region, instansi, body["targets"], body["achieved"],
                               services().clock())
            return _view(db, user, body["region"], body["instansi_id"], body["year"])


@blp.route("/activities")
class Activities(MethodView):
    @blp.arguments(ActivityIn)
    @blp.response(201, PlanActivityOut)
    @api_errors(forbidden=[UNSEEN, NOT_YOURS], not_found=NO_REGION, invalid={"instansi_id": ("unknown_instansi", {})})
    def post(self, body):
        """Add an activity to the plan."""
        with unit_of_work() as db:
            user = current_user(db)
            region, instansi = plans.scope(db, user, body["region"], body["instansi_id"])
            return plans.add_activity(db, user, body["year"], region, instansi, body["what"], body["unit_id"],
                                      body["due_quarter"], services().clock()), 201


@blp.route("/activities/<int:activity_id>")
class Activity(MethodView):
    @blp.arguments(ActivityUpdateIn)
    @blp.response(200, PlanActivityOut)
    @api_errors(not_found="activity not found", forbidden=NOT_YOURS, invalid={"evidence": ("too_long", {"max": 500})})
    def patch(self, body, activity_id):
        """Update an activity's status and evidence during the year."""
        with unit_of_work() as db:
            return plans.update_activity(db, current_user(db), activity_id, body["status"], body["evidence"],
                                         services().clock())
