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
from ..schemas import (
    CategoryIn,
    CategoryOut,
    CategoryUpdateIn,
    ErrorOut,
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


def _table(db, user, region) -> dict:
    return {"region": region.code if region else None, "editable": routing.may_edit(user, region),
            "rows": routing.rows_for_page(db, region)}


@blp.route("/routing")
class RoutingTable(MethodView):
    @blp.doc(parameters=[REGION_PARAM])
    @blp.response(200, RoutingOut)
    @blp.alt_response(403, schema=ErrorOut, description="The region is outside the caller's scope")
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
    @blp.alt_response(403, schema=ErrorOut, description="Not the caller's region to change")
    @blp.alt_response(422, schema=ErrorOut, description="Unknown category, instansi or unit, bad keywords, a "
                                                        "sub-region outside the province, the same row twice")
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
    @blp.alt_response(404, schema=ErrorOut, description="No such row in this region's own table")
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
    @blp.alt_response(403, schema=ErrorOut, description="Only the Admin Nasional manages the categories")
    def post(self, body):
        """Add a category (the report form offers it at once)."""
        with unit_of_work() as db:
            return categories.add(db, body["code"], body["name_id"], body["name_en"], user=current_user(db),
                                  now=services().clock())


@blp.route("/categories/<code>")
class CategoryItem(MethodView):
    @blp.arguments(CategoryUpdateIn)
    @blp.response(200, CategoryOut)
    @blp.alt_response(404, schema=ErrorOut, description="No such category")
    def patch(self, body, code):
        """Rename a category, retire it or offer it again."""
        with unit_of_work() as db:
            return categories.update(db, code[:60], user=current_user(db), now=services().clock(), **body)


@blp.route("/instansi/<int:instansi_id>/units")
class InstansiUnits(MethodView):
    @blp.arguments(UnitIn)
    @blp.response(201, UnitOut)
    @blp.alt_response(403, schema=ErrorOut, description="Not an instansi in the caller's scope")
    def post(self, body, instansi_id):
        """Add a unit to the instansi."""
        with unit_of_work() as db:
            return units.add(db, instansi_id, body["code"], body["name"], user=current_user(db),
                             now=services().clock())


@blp.route("/units/<int:unit_id>")
class UnitItem(MethodView):
    @blp.arguments(UnitUpdateIn)
    @blp.response(200, UnitOut)
    @blp.alt_response(403, schema=ErrorOut, description="Not an instansi in the caller's scope")
    def patch(self, body, unit_id):
        """Rename a unit, retire it or offer it again."""
        with unit_of_work() as db:
            return units.update(db, unit_id, user=current_user(db), now=services().clock(), **body)
