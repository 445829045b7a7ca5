"""The audit trail as an XES event log (IEEE 1849) for process-mining tools: the complaints in the
officer's scope, streamed as XML (never one string in memory)."""
from __future__ import annotations

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from workflows.history import xes

from ..context import current_user, services, unit_of_work
from ..openapi import api_errors

blp = Blueprint("history", __name__, url_prefix="/api/complaints", description="History export (XES)")


class XesQueryIn(Schema):
    received_from = fields.Date(data_key="from", load_default=None)
    received_to = fields.Date(data_key="to", load_default=None)
    region = fields.String(load_default=None, validate=lambda v: 0 < len(v) <= 16)


@blp.route("/xes")
class XesExport(MethodView):
    @blp.arguments(XesQueryIn, location="query")
    @blp.doc(responses={"200": {"description": "An XES document (application/xml)"}})
    @api_errors(not_found="no region with code '99'", invalid={"to": ("before_start", {})})
    def get(self, args):
        """The complaints in my scope that arrived ``from``..``to`` (inclusive; a ``region`` code narrows
        it to that region and, for a province, its regencies), one trace per complaint, one event per
        audit-trail entry."""
        aduan = services()
        query = xes.ExportQuery(args["received_from"], args["received_to"], args["region"] or None)
        with unit_of_work() as db:
            user = current_user(db)
            xes.check(db, query)
        pieces = xes.stream(aduan.sessions, user, query, aduan.clock())
        name = "aduan-" + (query.region or "semua") + ".xes"
        return Response(stream_with_context(pieces), mimetype="application/xml",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
