"""Reference data for pickers: regions, instansi and their units."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from workflows.org.models import Instansi, Region, Unit

from ..context import unit_of_work
from ..schemas import InstansiOut, RegionOut, UnitOut

blp = Blueprint("reference", __name__, url_prefix="/api", description="Reference data")


@blp.route("/regions")
class Regions(MethodView):
    @blp.response(200, RegionOut(many=True))
    def get(self):
        with unit_of_work() as db:
            return db.scalars(select(Region).order_by(Region.code)).all()


@blp.route("/instansi")
class InstansiList(MethodView):
    @blp.response(200, InstansiOut(many=True))
    def get(self):
        with unit_of_work() as db:
            return db.scalars(select(Instansi).order_by(Instansi.name)).all()


@blp.route("/instansi/<int:instansi_id>/units")
class Units(MethodView):
    @blp.response(200, UnitOut(many=True))
    def get(self, instansi_id):
        with unit_of_work() as db:
            return db.scalars(select(Unit).where(Unit.instansi_id == instansi_id).order_by(Unit.name)).all()
