"""Reference data for pickers: regions, instansi and their units."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflows.org import queries as org

from ..context import unit_of_work
from ..schemas import InstansiOut, RegionOut, UnitOut

blp = Blueprint("reference", __name__, url_prefix="/api", description="Reference data")


@blp.route("/regions")
class Regions(MethodView):
    @blp.response(200, RegionOut(many=True))
    def get(self):
        with unit_of_work() as db:
            return org.regions(db)


@blp.route("/instansi")
class InstansiList(MethodView):
    @blp.response(200, InstansiOut(many=True))
    def get(self):
        with unit_of_work() as db:
            return org.instansi(db)


@blp.route("/instansi/<int:instansi_id>/units")
class Units(MethodView):
    @blp.response(200, UnitOut(many=True))
    def get(self, instansi_id):
        with unit_of_work() as db:
            return org.units(db, instansi_id)
