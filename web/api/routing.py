"""Routing over the API: a region's routing table (rows in force, add, remove, the DMN document the SOP
evaluates), the categories (Admin Nasional) and an instansi's units."""
from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from workflows.complaints import categories
from workflows.org import units
from workflows.routing import overview
from workflows.routing import table as routing
from workflows.sla import inforce

from ..context import current_user, services, unit_of_work
from ..openapi import api_errors
from ..schemas import (
    CategoryIn,
    CategoryOut,
    CategoryUpdateIn,
    RouteIn,
    RoutingOut,
    UnitIn,
    UnitOut,
    UnitUpdateIn,
)

blp = Blueprint("routing", __name__, url_prefix="/api",
                description="Routing: the regional routing tables (DMN), categories and units")
REGION_PARAM = {"in": "query", "name": "region", "schema": {"type": "string"},
                "description": "region code; omitted or empty: the national table"}
UNSEEN = "you may not see the rules of this region"
NOT_YOURS = "you may not change the rules of this region"
NO_REGION = "no such region"
NATIONAL_ONLY = "only the Admin Nasional manages the categories"
NOT_YOUR_UNITS = "you may not manage the units of this instansi"


def _table(db, user, region) -> dict:
    return {"region": region.code if region else None, "editable": routing.may_edit(user, region),
            "rows": routing.rows_for_page(db, region)}


@blp.route("/routing")
class RoutingTable(MethodView):
    @blp.doc(parameters=[REGION_PARAM])
    @blp.response(200, RoutingOut)
    @api_errors(forbidden=UNSEEN, not_found=NO_REGION)
    def get(self):
        """The rows that route the region's reports, in the order they are tried (the region's own, its
        province's, the national ones; rows with keywords or a sub-region first): the first match wins."""
        with unit_of_work() as db:
            user = current_user(db)
            return _table(db, user, inforce.visible_region(db, user, request.args.get("region") or None))


@blp.route("/routing/rows")
class RoutingRows(MethodView):
    @blp.arguments(RouteIn)
    @blp.response(201, RoutingOut)
    @api_errors(forbidden=[UNSEEN, NOT_YOURS], not_found=NO_REGION,
                invalid={"category": ("unknown_category", {})})
    def post(self, body):
        """Add a row to the region's table."""
        with unit_of_work() as db:
            user = current_user(db)
            region = inforce.visible_region(db, user, body["region"] or None)
            routing.add_row(db, region, category=body["category"], instansi_id=body["instansi_id"],
                            unit_id=body["unit_id"], keywords=body["keywords"], sub_region=body["sub_region"],
                            user=user, now=services().clock())
            return _table(db, user, region)


@blp.route("/routing/rows/<int:row_id>")
class RoutingRow(MethodView):
    @blp.doc(parameters=[REGION_PARAM])
    @blp.response(200, RoutingOut)
    @api_errors(forbidden=[UNSEEN, NOT_YOURS], not_found=[NO_REGION, "no such routing row in this region's table"])
    def delete(self, row_id):
        """Remove one of the region's own rows."""
        with unit_of_work() as db:
            user = current_user(db)
            region = inforce.visible_region(db, user, request.args.get("region") or None)
            routing.remove_row(db, region, row_id, user=user, now=services().clock())
            return _table(db, user, region)


@blp.route("/routing/dmn")
class RoutingDmn(MethodView):
    @blp.doc(parameters=[REGION_PARAM], responses={"200": {"description": "the DMN 1.3 document",
                                                           "content": {"application/xml": {}}}})
    @api_errors(forbidden=UNSEEN, not_found=NO_REGION)
    def get(self):
        """The region's routing table as the DMN decision table the SOP's ``route`` task evaluates."""
        with unit_of_work() as db:
            user = current_user(db)
            region = inforce.visible_region(db, user, request.args.get("region") or None)
            text = overview.dmn_document(db, region)
        name = f"routing-{region.code if region else 'national'}.dmn"
        return Response(text, mimetype="application/xml",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blp.route("/categories")
class Categories(MethodView):
    @blp.response(200, CategoryOut(many=True))
    def get(self):
        """Every category, the retired ones too (``active`` false)."""
        with unit_of_work() as db:
            current_user(db)
            return categories.listed(db)

    @blp.arguments(CategoryIn)
    @blp.response(201, CategoryOut)
    @api_errors(forbidden=NATIONAL_ONLY, invalid={"code": ("duplicate_category", {})})
    def post(self, body):
        """Add a category (the report form offers it at once)."""
        with unit_of_work() as db:
            return categories.add(db, body["code"], body["name_id"], body["name_en"], user=current_user(db),
                                  now=services().clock())


@blp.route("/categories/<code>")
class CategoryItem(MethodView):
    @blp.arguments(CategoryUpdateIn)
    @blp.response(200, CategoryOut)
    @api_errors(forbidden=NATIONAL_ONLY, not_found="no such category", invalid={"name_id": ("required", {})})
    def patch(self, body, code):
        """Rename a category, retire it or offer it again."""
        with unit_of_work() as db:
            return categories.update(db, code[:60], user=current_user(db), now=services().clock(), **body)


@blp.route("/instansi/<int:instansi_id>/units")
class InstansiUnits(MethodView):
    @blp.arguments(UnitIn)
    @blp.response(201, UnitOut)
    @api_errors(forbidden=NOT_YOUR_UNITS, not_found="no such instansi", invalid={"code": ("duplicate_unit", {})})
    def post(self, body, instansi_id):
        """Add a unit to the instansi."""
        with unit_of_work() as db:
            return units.add(db, instansi_id, body["code"], body["name"], user=current_user(db),
                             now=services().clock())


@blp.route("/units/<int:unit_id>")
class UnitItem(MethodView):
    @blp.arguments(UnitUpdateIn)
    @blp.response(200, UnitOut)
    @api_errors(forbidden=NOT_YOUR_UNITS, not_found="no such unit", invalid={"name": ("duplicate_unit_name", {})})
    def patch(self, body, unit_id):
        """Rename a unit, retire it or offer it again."""
        with unit_of_work() as db:
            return units.update(db, unit_id, user=current_user(db), now=services().clock(), **body)
