"""Monitoring and evaluation figures for the admin tier, in the caller's scope."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflows.monev import indicators

from ..context import current_user, services, unit_of_work
from ..monev_args import to_query
from ..openapi import api_errors
from ..schemas import MonevOut, MonevQueryIn

blp = Blueprint("monev", __name__, url_prefix="/api/monev", description="Monitoring and evaluation (monev)")


@blp.route("")
class Monev(MethodView):
    @blp.arguments(MonevQueryIn, location="query")
    @blp.response(200, MonevOut)
    @api_errors(forbidden=["monitoring is for the admin tier", "this instansi is outside your scope",
                           "this province is outside your scope"],
                invalid={"end": ("period_too_long", {"days": 731})})
    def get(self, args):
        """Indicators for a period: totals, per province, per instansi (ranked by ``sort``), per month and
        the instansi that need coaching. Read from the daily rollup (``refreshed_at`` says how fresh)."""
        aduan = services()
        with unit_of_work() as db:
            user = current_user(db)
            now = aduan.clock()
            result = indicators.report(db, user, to_query(args, now), now, aduan.monev_target)
            result.by_instansi = indicators.sort_rows(result.by_instansi, args["sort"], args["desc"])
            return result
