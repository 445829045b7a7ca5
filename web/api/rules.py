"""A region's rules over the API: what is in force and where it comes from, changes to limits, days off
and the escalation chain (within the national rules), a due-date preview and the change history."""
from __future__ import annotations

from datetime import datetime

from flask import request
from flask.views import MethodView
from flask_babel import get_locale
from flask_smorest import Blueprint

from workflows.errors import Invalid
from workflows.processes.registry import NATIONAL_SOP
from workflows.routing import overview
from workflows.sla import inforce
from workflows.sla import rules as sla_rules

from ..context import current_user, services, unit_of_work
from ..openapi import api_errors
from ..schemas import (
    ChainIn,
    DayIn,
    DuePreviewOut,
    InheritLimitIn,
    LimitIn,
    RegionIn,
    RuleChangeOut,
    RulesOut,
)

blp = Blueprint("rules", __name__, url_prefix="/api/rules",
                description="Regional rules: time limits, calendar, escalation chain (within the national rules)")
REGION_PARAM = {"in": "query", "name": "region", "schema": {"type": "string"},
                "description": "region code; omitted or empty: the national rules"}
UNSEEN = "you may not see the rules of this region"
NOT_YOURS = "you may not change the rules of this region"
NO_REGION = "no such region"


def _today(region):
    aduan = services()
    return aduan.clock().astimezone(aduan.policy.calendar(region.id if region else None).zone).date()


def _changed(region_code: str, change) -> inforce.RulesInForce:
    """Run ``change(db, user, region)`` on the region the caller names (403 outside their scope) and
    answer with the rules in force afterwards."""
    aduan = services()
    with unit_of_work() as db:
        user = current_user(db)
        region = inforce.visible_region(db, user, region_code or None)
        change(db, aduan, user, region)
        return inforce.in_force(db, aduan.policy, user, region, _today(region), language=_holiday_language())


@blp.route("")
class RulesInForce(MethodView):
    @blp.doc(parameters=[REGION_PARAM])
    @blp.response(200, RulesOut)
    @api_errors(forbidden=UNSEEN, not_found=NO_REGION)
    def get(self):
        """Every rule in force for the region's complaints today, each with its source (here, province,
        national, or the regulation's default), who set it and when, and later scheduled changes."""
        aduan = services()
        with unit_of_work() as db:
            user = current_user(db)
            region = inforce.visible_region(db, user, request.args.get("region") or None)
            rules = inforce.in_force(db, aduan.policy, user, region, _today(region), language=_holiday_language())
            sop = aduan.registry.active(db, NATIONAL_SOP, region)
            rules.sop_version, rules.sop_variant = sop.version, sop.variant
            return rules


@blp.route("/limits")
class Limits(MethodView):
    @blp.arguments(LimitIn)
    @blp.response(200, RulesOut)
    @api_errors(forbidden=[UNSEEN, NOT_YOURS], not_found=NO_REGION,
                invalid={"limit": ("looser_than_above", {"above": "5WD", "source": "national"})})
    def put(self, body):
        """Set a step's limit (and tier) for the region from a date. Stricter than the inherited limit
        only; steps already running keep the limit they started with."""
        return _changed(body["region"], lambda db, aduan, user, region: sla_rules.set_limit(
            db, aduan.policy, body["step"], body["limit"], body["tier"], region, user=user,
            effective_from=body["effective_from"], now=aduan.clock()))


@blp.route("/limits/inherit")
class InheritLimit(MethodView):
    @blp.arguments(InheritLimitIn)
    @blp.response(200, RulesOut)
    @api_errors(forbidden=[UNSEEN, NOT_YOURS],
                not_found=[NO_REGION, "this region sets no limit of its own for this step"],
                invalid={"region": ("required", {})})
    def post(self, body):
        """Drop the region's own limit for a step (and tier), scheduled ones too: it inherits again."""
        return _changed(body["region"], lambda db, aduan, user, region: sla_rules.inherit_limit(
            db, aduan.policy, body["step"], body["tier"], region, user=user, now=aduan.clock()))


@blp.route("/chain/inherit")
class InheritChain(MethodView):
    @blp.arguments(RegionIn)
    @blp.response(200, RulesOut)
    @api_errors(forbidden=[UNSEEN, NOT_YOURS], not_found=[NO_REGION, "this region sets no escalation chain of its own"],
                invalid={"region": ("required", {})})
    def post(self, body):
        """Drop the region's own escalation chain: it inherits again."""
        return _changed(body["region"], lambda db, aduan, user, region: sla_rules.inherit_chain(
            db, aduan.policy, region, user=user, now=aduan.clock()))


@blp.route("/days")
class Days(MethodView):
    @blp.arguments(DayIn)
    @blp.response(200, RulesOut)
    @api_errors(forbidden=[UNSEEN, NOT_YOURS], not_found=NO_REGION,
                invalid={"day": ("in_the_past", {"today": "2026-12-01"})})
    def put(self, body):
        """Add a day off (``off``) or cancel a holiday (``on``) in the region's calendar."""
        return _changed(body["region"], lambda db, aduan, user, region: sla_rules.set_day(
            db, aduan.policy, body["day"], body["kind"], region, body["note"], user=user, now=aduan.clock()))


@blp.route("/chain")
class Chain(MethodView):
    @blp.arguments(ChainIn)
    @blp.response(200, RulesOut)
    @api_errors(forbidden=[UNSEEN, NOT_YOURS], not_found=NO_REGION,
                invalid={"chain": ("limit_format_at", {"level": 2, "value": "2 hari"})})
    def put(self, body):
        """Replace the region's escalation chain: levels from the unit upwards, each with the time it
        has before the next one is called in."""
        levels = [(level["role"], level["after"]) for level in body["levels"]]
        return _changed(body["region"], lambda db, aduan, user, region: sla_rules.set_chain(
            db, aduan.policy, levels, region, user=user, now=aduan.clock()))


@blp.route("/preview")
class Preview(MethodView):
    @blp.doc(parameters=[REGION_PARAM, {"in": "query", "name": "at", "schema": {"type": "string"},
                                        "description": "arrival moment, ISO 8601 with offset (default: now)"},
                         {"in": "query", "name": "step", "schema": {"type": "string"}},
                         {"in": "query", "name": "tier", "schema": {"type": "string"}},
                         {"in": "query", "name": "limit", "schema": {"type": "string"},
                          "description": "a proposed limit for step/tier, applied as if saved"}])
    @blp.response(200, DuePreviewOut(many=True))
    @api_errors(forbidden=UNSEEN, not_found=NO_REGION, invalid={"at": ("not_a_moment", {})})
    def get(self):
        """A complaint arriving at ``at`` in the region: when each step would be due (each step taken
        as starting on arrival), with a proposed limit applied."""
        aduan = services()
        arrival = _moment(request.args.get("at")) or aduan.clock()
        step, limit = request.args.get("step"), request.args.get("limit")
        with unit_of_work() as db:
            user = current_user(db)
            region = inforce.visible_region(db, user, request.args.get("region") or None)
            change = None
            if step and limit:
                sla_rules.check_limit(step, request.args.get("tier", ""), limit)
                change = (step, request.args.get("tier", ""), limit)
            return inforce.preview(aduan.policy, region, arrival, change)


@blp.route("/history")
class History(MethodView):
    @blp.doc(parameters=[REGION_PARAM, {"in": "query", "name": "kind", "schema": {"type": "string",
                                                                                  "enum": ["rules", "plan", "routing"]},
                                        "description": "rules (default: limits, days, chain), plan (rencana aksi) "
                                                       "or routing (routing rows, categories, units)"}])
    @blp.response(200, RuleChangeOut(many=True))
    @api_errors(forbidden=UNSEEN, not_found=NO_REGION)
    def get(self):
        """The last 50 changes to the region's rules (or, with ``kind=plan``, to its action plans),
        newest first: who, when, old -> new."""
        kinds = {"plan": ("plan",), "routing": overview.HISTORY_KINDS}.get(request.args.get("kind", ""),
                                                                           ("limit", "day", "chain"))
        with unit_of_work() as db:
            user = current_user(db)
            region = inforce.visible_region(db, user, request.args.get("region") or None)
            return [{"change": change, "by": by} for change, by in sla_rules.history(db, region, kinds)]


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise Invalid({"at": [("not_a_moment", {})]})
    return moment


def _holiday_language() -> str | None:
    """Holiday names in Indonesian on Indonesian pages (the holidays package's English otherwise)."""
    return "id" if str(get_locale()) == "id" else None
