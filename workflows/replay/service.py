"""Replays as a designer or a region's administrator asks for them: checked, kept, claimed, run.

A request is checked whole (each bad field named) and kept as a ``queued`` :class:`ReplayRun`. Whoever
runs it -- the web process right away, the scheduler for one nobody started, ``aduan replay`` in the
foreground -- claims it first (queued, or running with an expired lease), so a run is done once.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.parser import parse_process
from sla.calendar import Limit

from ..accounts.models import User
from ..accounts.roles import ADMIN_KOORDINATOR, ADMIN_NASIONAL
from ..clock import Clock
from ..db import transaction
from ..errors import Forbidden, Invalid, NotFound
from ..org.models import Instansi, Region, Unit
from ..processes.designer import NATIONAL, may_design
from ..processes.models import ProcessDefinition, ProcessDraft
from ..processes.registry import NATIONAL_SOP, Registry
from ..sla import rules as sla_rules
from ..sla.policy import DEFAULT_LIMITS, SlaPolicy, load_rules, seconds_of
from . import history
from .models import ReplayRun
from .runner import Changes, Job, Outcome, run
from .simulate import Diagram

log = logging.getLogger(__name__)

MAX_DAYS = 732
LEASE = timedelta(minutes=10)
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


@dataclass(frozen=True)
class Request:
    period_from: date | None
    period_to: date | None
    draft_id: int | None = None
    version: int | None = None
    variant: str = ""
    region_code: str | None = None
    instansi_id: int | None = None
    seed: int = 1
    limits: dict[str, str] | None = None     # "verify" or "follow_up/normatif" -> "2WD"
    days_off: tuple[date, ...] = ()
    chain: tuple[tuple[str, str], ...] = ()  # (role, after)
    label: str = ""


def request(session: Session, user: User | None, req: Request, now: datetime) -> ReplayRun:
    """Check a replay request and keep it queued. ``user`` None: the operator at the command line."""
    errors: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    today = now.date()
    if req.period_from is None:
        errors["period_from"] = [("required", {})]
    if req.period_to is None:
        errors["period_to"] = [("required", {})]
    if req.period_from and req.period_to:
        if req.period_to < req.period_from:
            errors["period_to"] = [("before_start", {})]
        elif (req.period_to - req.period_from).days > MAX_DAYS:
            errors["period_to"] = [("period_too_long", {"days": MAX_DAYS})]
        elif req.period_from > today:
            errors["period_from"] = [("in_the_future", {})]
    region = None
    if req.region_code:
        region = session.scalars(select(Region).where(Region.code == req.region_code)).first()
        if region is None:
            errors["region"] = [("unknown_region", {})]
    if req.instansi_id is not None and session.get(Instansi, req.instansi_id) is None:
        errors["instansi_id"] = [("unknown_instansi", {})]
    if not 0 <= req.seed < 2**31:
        errors["seed"] = [("out_of_range", {"max": 2**31 - 1})]
    draft, definition = None, None
    if req.draft_id is not None and req.version is not None:
        errors["version"] = [("draft_or_version", {})]
    elif req.draft_id is not None:
        draft = session.get(ProcessDraft, req.draft_id)
        if draft is None or draft.state != "open":
            errors["draft_id"] = [("unknown_draft", {})]
    elif req.version is not None:
        definition = session.scalars(select(ProcessDefinition).where(
            ProcessDefinition.key == NATIONAL_SOP, ProcessDefinition.variant == req.variant,
            ProcessDefinition.version == req.version)).first()
        if definition is None:
            errors["version"] = [("unknown_version", {})]
    limits = _limits(req.limits or {}, errors)
    if limits and "region" not in errors:
        _looser(session, limits, region, today, errors)
    chain = _chain(req.chain, errors)
    if not errors and draft is None and definition is None and not (limits or req.days_off or chain):
        errors["candidate"] = [("nothing_to_compare", {})]
    if errors:
        raise Invalid(errors)
    variant = draft.variant if draft is not None else definition.variant if definition is not None else ""
    _check_rights(session, user, variant, draft is not None or definition is not None, region,
                  bool(limits or req.days_off or chain))
    scope = history.Scope(req.period_from, req.period_to, region.id if region else None, req.instansi_id)
    total = history.count(session, scope)
    if total == 0:
        raise Invalid({"period_from": [("no_complaints", {})]})
    row = ReplayRun(created_by_id=user.id if user else None, created_at=now,
                    process_key=NATIONAL_SOP, variant=variant, draft_id=draft.id if draft else None,
                    definition_id=definition.id if definition else None,
                    candidate={"limits": {f"{s}/{t}" if t else s: v for (s, t), v in limits.items()},
                               "days_off": [d.isoformat() for d in req.days_off],
                               "chain": [list(c) for c in chain], "label": req.label[:200],
                               "draft_revision": draft.revision if draft else None},
                    region_code=region.code if region else None, instansi_id=req.instansi_id,
                    period_from=req.period_from, period_to=req.period_to, seed=req.seed, total=total)
    session.add(row)
    session.flush()
    return row


def _limits(given: dict[str, str], errors: dict) -> dict[tuple[str, str], str]:
    limits = {}
    for key, text in given.items():
        step, _, tier = key.partition("/")
        if (step, tier) not in DEFAULT_LIMITS:
            errors.setdefault("limits", []).append(
                ("not_one_of", {"choices": [f"{s}/{t}" if t else s for s, t in DEFAULT_LIMITS]}))
            continue
        try:
            limits[(step, tier)] = str(Limit.parse(text))
        except ValueError:
            errors.setdefault("limits", []).append(("limit_format_for", {"key": key, "value": text}))
    return limits


def _chain(given: tuple[tuple[str, str], ...], errors: dict) -> tuple[tuple[str, str], ...]:
    """The chain checked as the rules page checks it (known roles upwards, limits, at most six levels)."""
    if not given:
        return ()
    problems = sla_rules.chain_problems(list(given))
    if problems:
        errors["chain"] = problems
        return ()
    return tuple((role, str(Limit.parse(after))) for role, after in given)


def _looser(session: Session, limits: dict[tuple[str, str], str], region: Region | None, today: date,
            errors: dict) -> None:
    """A limit longer than the one in force for the scope would change nothing (limits are maxima: the
    strictest applies), so it is refused, naming the limit in force, rather than silently ignored."""
    rules = load_rules(session)
    for (step, tier), text in limits.items():
        in_force = rules.limit(region.id if region else None, step, tier, on=today)
        if seconds_of(Limit.parse(text)) > seconds_of(in_force):
            errors.setdefault("limits", []).append(
                ("looser_no_effect", {"key": f"{step}/{tier}" if tier else step, "above": str(in_force)}))


def _check_rights(session: Session, user: User | None, variant: str, diagram: bool, region: Region | None,
                  rules: bool) -> None:
    """A diagram is replayed by who may design its variant; changed rules by who may set them for the
    region; a regional designer or a coordinator replays their own region's complaints only."""
    if user is None:
        return
    if not may_replay(user):
        raise Forbidden("replays are for process designers and the admins who set rules")
    if diagram and not may_design(user, variant, session):
        raise Forbidden("you may not design this process variant")
    if rules and not sla_rules.may_edit(user, region):
        if region is None:
            raise Invalid({"region": [("outside_scope", {})]})
        raise Forbidden("you may not change the rules of this region")
    if user.role == ADMIN_NASIONAL or user.designer == NATIONAL:
        return
    if region is None or user.region_id is None or user.region_id not in (region.id, region.parent_id):
        raise Invalid({"region": [("outside_scope", {})]})


# -- reading ---------------------------------------------------------------------------------------
def get(session: Session, run_id: int) -> ReplayRun:
    row = session.get(ReplayRun, run_id)
    if row is None:
        raise NotFound("replay not found")
    return row


def visible(session: Session, user: User, limit: int = 50) -> list[ReplayRun]:
    """The newest replays the user may read: all for the national tier, else their region's and their own."""
    stmt = select(ReplayRun).order_by(ReplayRun.created_at.desc(), ReplayRun.id.desc()).limit(limit)
    if not (user.role == ADMIN_NASIONAL or user.designer == NATIONAL):
        codes = _region_codes(session, user)
        stmt = stmt.where(or_(ReplayRun.created_by_id == user.id, ReplayRun.region_code.in_(codes)))
    return list(session.scalars(stmt))


def may_read(session: Session, user: User, row: ReplayRun) -> bool:
    if user.role == ADMIN_NASIONAL or user.designer == NATIONAL or row.created_by_id == user.id:
        return True
    return row.region_code is not None and row.region_code in _region_codes(session, user)


def national_tier(user: User) -> bool:
    return user.role == ADMIN_NASIONAL or user.designer == NATIONAL


def may_replay(user: User) -> bool:
    """Whether the user is offered the replay at all (a designer, or an admin who sets rules)."""
    return bool(user.designer) or user.role in (ADMIN_NASIONAL, ADMIN_KOORDINATOR)


def author(session: Session, row: ReplayRun) -> str | None:
    """Who asked for the replay (None: the operator at the command line)."""
    user = session.get(User, row.created_by_id) if row.created_by_id else None
    return user.full_name if user else None


def latest_for_draft(session: Session, draft_id: int) -> ReplayRun | None:
    return session.scalars(select(ReplayRun).where(ReplayRun.draft_id == draft_id)
                           .order_by(ReplayRun.created_at.desc(), ReplayRun.id.desc()).limit(1)).first()


def _region_codes(session: Session, user: User) -> list[str]:
    if user.region_id is None:
        return []
    return list(session.scalars(select(Region.code).where(
        or_(Region.id == user.region_id, Region.parent_id == user.region_id))))


# -- running ---------------------------------------------------------------------------------------
def claim(session: Session, now: datetime, run_id: int | None = None) -> ReplayRun | None:
    """Take a queued run (or one whose worker's lease ran out): the one asked for, else the oldest."""
    stmt = (select(ReplayRun).where(or_(ReplayRun.state == QUEUED,
                                        (ReplayRun.state == RUNNING) & (ReplayRun.lease_until < now)))
            .order_by(ReplayRun.created_at, ReplayRun.id).limit(1).with_for_update(skip_locked=True))
    if run_id is not None:
        stmt = stmt.where(ReplayRun.id == run_id)
    row = session.scalars(stmt).first()
    if row is None:
        return None
    taken = session.execute(update(ReplayRun).where(ReplayRun.id == row.id, ReplayRun.state == row.state,
                                                    ReplayRun.done == row.done)
                            .values(state=RUNNING, started_at=now, lease_until=now + LEASE, done=0)
                            .execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        return None
    session.refresh(row)
    return row


def run_queued(sessions: sessionmaker[Session], registry: Registry, policy: SlaPolicy, clock: Clock,
               run_id: int | None = None, processes: int | None = None) -> ReplayRun | None:
    """Claim a queued replay (this one, else the oldest waiting) and run it; None when none was taken
    or it failed (the failure is kept on the run)."""
    with transaction(sessions) as db:
        row = claim(db, clock(), run_id)
        if row is None:
            return None
        claimed = row.id
    try:
        return execute(sessions, registry, policy, clock, claimed, processes)
    except Exception:  # kept on the run by execute(); the caller (a thread, the scheduler) carries on
        log.exception("replay %s failed", claimed)
        return None


def start_in_background(sessions: sessionmaker[Session], registry: Registry, policy: SlaPolicy, clock: Clock,
                        run_id: int) -> None:
    """Run a just-requested replay in this process, off the request (the scheduler takes it over if this
    process dies: its lease runs out)."""
    threading.Thread(target=run_queued, args=(sessions, registry, policy, clock, run_id),
                     name=f"replay-{run_id}", daemon=True).start()


def execute(sessions: sessionmaker[Session], registry: Registry, policy: SlaPolicy, clock: Clock, run_id: int,
            processes: int | None = None, progress: Callable[[int, int], None] | None = None) -> ReplayRun:
    """Run a claimed replay and keep its report (or why it failed)."""
    with transaction(sessions) as db:
        row = get(db, run_id)
        job, names, meta = _job(db, registry, policy, row, clock())

    def tell(done: int) -> None:
        with transaction(sessions) as db:
            db.execute(update(ReplayRun).where(ReplayRun.id == run_id)
                       .values(done=done, lease_until=clock() + LEASE))
        if progress is not None:
            progress(done, len(job.pasts))

    try:
        outcome: Outcome = run(job, names, meta, processes, tell)
    except Exception as exc:  # kept on the run for the person who asked; the scheduler stays alive
        with transaction(sessions) as db:
            db.execute(update(ReplayRun).where(ReplayRun.id == run_id).values(
                state=FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=clock()))
        raise
    with transaction(sessions) as db:
        row = get(db, run_id)
        row.state, row.report, row.seconds = DONE, outcome.report, round(outcome.seconds, 2)
        row.done, row.total, row.finished_at, row.lease_until = len(job.pasts), len(job.pasts), clock(), None
        db.flush()
        db.expunge(row)
    return row


def _job(session: Session, registry: Registry, policy: SlaPolicy, row: ReplayRun, now: datetime
         ) -> tuple[Job, dict[str, dict], dict[str, Any]]:
    region = session.scalars(select(Region).where(Region.code == row.region_code)).first() \
        if row.region_code else None
    scope = history.Scope(row.period_from, row.period_to, region.id if region else None, row.instansi_id)
    pasts = list(history.load(session, registry, scope))
    live_rules = load_rules(session, policy.reminder_share)
    changes = Changes(
        limits={tuple((k.split("/") + [""])[:2]): v for k, v in (row.candidate.get("limits") or {}).items()},
        days_off=tuple(date.fromisoformat(d) for d in row.candidate.get("days_off") or ()),
        chain=tuple(tuple(c) for c in row.candidate.get("chain") or ()),
        scope=region.id if region else None)
    definitions = {d.id: d for d in session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.id.in_({p.live_definition for p in pasts})))}
    diagrams = {f"v{d.id}": Diagram(f"v{d.id}", d.bpmn_xml, d.key) for d in definitions.values()}
    candidate_xml = None
    if row.draft_id is not None:
        draft = session.get(ProcessDraft, row.draft_id)
        candidate_xml = draft.bpmn_xml
        row.candidate = {**row.candidate, "draft_revision": draft.revision}  # (the revision replayed)
    elif row.definition_id is not None:
        candidate_xml = session.get(ProcessDefinition, row.definition_id).bpmn_xml
    candidate_for: dict[int, str] = {}
    if candidate_xml is not None:
        diagrams["candidate"] = Diagram(f"candidate{row.id}", candidate_xml, row.process_key)
        regions = {r.id: r for r in session.scalars(select(Region))}
        for past in pasts:
            if _candidate_applies(row.variant, definitions[past.live_definition].variant,
                                  regions.get(past.region_id), regions):
                candidate_for[past.id] = "candidate"
    job = Job(pasts, diagrams, candidate_for, live_rules, changes.apply(live_rules) if changes else live_rules,
              row.seed, now)
    return job, _names(session, diagrams), {
        "run": row.id, "period": [row.period_from.isoformat(), row.period_to.isoformat()],
        "region": row.region_code, "instansi_id": row.instansi_id, "seed": row.seed,
        "observed_at": now.isoformat(), "candidate_complaints": len(candidate_for) if candidate_xml else len(pasts)}


def _candidate_applies(candidate_variant: str, live_variant: str, region: Region | None,
                       regions: dict[int, Region]) -> bool:
    """Whether a complaint would run on the candidate once it is deployed: its region picks the candidate's
    variant before (or instead of) the one it runs on now (the region's own, its province's, national)."""
    lineage = []
    current = region
    while current is not None and current.code not in lineage:
        lineage.append(current.code)
        current = regions.get(current.parent_id) if current.parent_id else None
    lineage.append("")
    if candidate_variant not in lineage:
        return False
    return lineage.index(candidate_variant) <= (lineage.index(live_variant) if live_variant in lineage
                                                else len(lineage))


def _names(session: Session, diagrams: dict[str, Diagram]) -> dict[str, dict]:
    regions = {r.id: r.name for r in session.scalars(select(Region))}
    instansi = {i.id: i.name for i in session.scalars(select(Instansi))}
    queues: dict[str, str] = {f"r{k}": v for k, v in regions.items()}
    queues.update({f"i{k}": v for k, v in instansi.items()})
    for unit in session.scalars(select(Unit)):
        queues[f"u{unit.id}"] = f"{unit.name} ({instansi.get(unit.instansi_id, '')})"
    steps: dict[str, str] = {}
    for diagram in diagrams.values():
        spec_of, _subprocesses = parse_process(diagram.bpmn_xml, diagram.process_id)
        for name, spec in spec_of.task_specs.items():
            if getattr(spec, "manual", False):
                steps[name] = getattr(spec, "bpmn_name", None) or name
    return {"regions": regions, "instansi": {**instansi, None: "—"}, "queues": queues, "steps": steps}
