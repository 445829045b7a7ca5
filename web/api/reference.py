"""Reference data for pickers: regions, instansi and their units."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflows.org import queries as org

from ..context import unit_of_work
from ..openapi import public
from ..schemas import InstansiOut, RegionOut, UnitOut

blp = Blueprint("reference", __name__, url_prefix="/api", description="Reference data")


@blp.route("/regions")
class Regions(MethodView):
    @public
    @blp.response(200, RegionOut(many=True))
    def get(self):
        """Every region (provinces and their regencies and cities), for the report form's picker."""
        with unit_of_work() as db:
            return org.regions(db)


@blp.route("/instansi")
class InstansiList(MethodView):
    @public
    @blp.response(200, InstansiOut(many=True))
    def get(self):
        """Every instansi with its region, for the report form's picker."""
        with unit_of_work() as db:
            return org.instansi(db)


@blp.route("/instansi/<int:instansi_id>/units")
class Units(MethodView):
    @public
    @blp.response(200, UnitOut(many=True))
    def get(self, instansi_id):
        """The instansi's units (an unknown instansi has none)."""
        with unit_of_work() as db:
            return org.units(db, instansi_id)
