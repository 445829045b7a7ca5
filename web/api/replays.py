"""The what-if replay over the API: ask for one (it runs at once in this process, or by the scheduler),
follow it, read its report or download it as CSV."""
from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from workflows.errors import Forbidden, NotFound
from workflows.replay import report as replay_report
from workflows.replay import service as replay

from ..context import current_user, services, unit_of_work
from ..openapi import Err, api_errors
from ..replay_schemas import ReplayIn, ReplayListOut, ReplayOut

blp = Blueprint("replays", __name__, url_prefix="/api",
                description="What-if replays: past complaints re-run through a candidate process or changed rules")


@blp.route("/replays")
class Replays(MethodView):
    @blp.response(200, ReplayListOut(many=True))
    def get(self):
        """The newest replays the caller may read (national tier: all; others: their region's and their own)."""
        with unit_of_work() as db:
            return replay.visible(db, current_user(db))

    @blp.arguments(ReplayIn)
    @blp.response(202, ReplayOut)
    @api_errors(forbidden=["replays are for process designers and the admins who set rules",
                           "you may not design this process variant", "you may not change the rules of this region"],
                invalid=[Err("invalid input", fields={"period_from": ("no_complaints", {})}),
                         Err("invalid input", fields={"draft_id": ("unknown_draft", {})})])
    def post(self, body):
        """Ask for a replay; it is queued and starts at once. Poll ``GET /api/replays/<id>`` until ``state`` is
        ``done`` (or ``failed``)."""
        req = replay.Request(
            period_from=body["period_from"], period_to=body["period_to"], draft_id=body["draft_id"],
            version=body["version"], variant=body["variant"], region_code=body["region"] or None,
            instansi_id=body["instansi_id"], seed=body["seed"], limits=body["limits"],
            days_off=tuple(body["days_off"]), chain=tuple((c["role"], c["after"]) for c in body["chain"]),
            label=body["label"])
        s = services()
        with unit_of_work() as db:
            user = current_user(db)
            if not replay.may_replay(user):
                raise Forbidden("replays are for process designers and the admins who set rules")
            run = replay.request(db, user, req, s.clock())
            run_id = run.id
        replay.start_in_background(s.sessions, s.registry, s.policy, s.clock, run_id)
        with unit_of_work() as db:
            return replay.get(db, run_id)


def _readable(db, run_id: int):
    user = current_user(db)
    run = replay.get(db, run_id)
    if not replay.may_read(db, user, run):
        raise NotFound("replay not found")
    return run


@blp.route("/replays/<int:run_id>")
class ReplayRun(MethodView):
    @blp.response(200, ReplayOut)
    @api_errors(not_found=Err("replay not found", why="No such replay, or not the caller's to read"))
    def get(self, run_id):
        """A replay: its progress while it runs, its report when done."""
        with unit_of_work() as db:
            return _readable(db, run_id)


@blp.route("/replays/<int:run_id>/csv")
class ReplayCsv(MethodView):
    @blp.response(200, content_type="text/csv")
    @api_errors(not_found=[Err("replay not found", why="No such replay, or not the caller's to read"),
                           Err("replay not finished", why="Not done yet")])
    def get(self, run_id):
        """The report as one CSV table: section, key, name, measure, then actual, live and candidate."""
        with unit_of_work() as db:
            run = _readable(db, run_id)
            if run.report is None:
                raise NotFound("replay not finished")
            body = replay_report.to_csv(run.report)
        return Response(body, mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename=replay-{run_id}.csv"})
