"""Past complaints from another system: each row checked into a :class:`Record` (or refused with its
line and reason), then the valid ones written whole in one transaction (:mod:`.writer`).

A row is a finished complaint: where it arrived, for whom, and when each step of the national SOP
happened (docs/import.md). The steps must follow the diagram's paths -- verify (dispatch, archive,
or defer: the reporter completes the information, then verify again), follow up, the reporter's
response (satisfied, or not: the follow-up again), or no response (closed automatically) -- and the
answers must pass the step's form, so an imported complaint reads like one handled here.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.forms import FormInvalid, validate

from ..apikeys import channels
from ..complaints import statuses
from ..complaints.models import Category
from ..db import transaction
from ..org.models import Instansi, Region, Unit
from ..processes.registry import NATIONAL_SOP, Registry
from ..sla.policy import DEFAULT_TIER, SlaPolicy
from .models import ImportedComplaint
from .rows import FileInvalid, RawRow, read

VERIFY, REPORTER_INFO, FOLLOW_UP, REPORTER_RESPONSE = "verify", "reporter_info", "follow_up", "reporter_response"
STEPS = (VERIFY, REPORTER_INFO, FOLLOW_UP, REPORTER_RESPONSE)
ARCHIVED, CLOSED, AUTO_CLOSED = "archived", "closed", "auto_closed"  # the end events' outcomes
ACTIONS = ("dispatch", "archive", "defer")
# What a row may leave out of a required answer (the other system kept no text for it).
DEFAULT_TEXT = {"archive": "Diarsipkan (data impor).", "defer": "Informasi pelapor diminta (data impor).",
                FOLLOW_UP: "Tindak lanjut tercatat di sistem sebelumnya (data impor).",
                REPORTER_INFO: "Informasi dilengkapi (data impor).",
                "not_satisfied": "Pelapor belum puas (data impor)."}
DEFAULT_RATING = "puas"
YES, NO, AUTO = ("yes", "ya", "true", "1", "y"), ("no", "tidak", "false", "0", "n"), ("auto", "auto_closed")


class Reject(ValueError):
    """Why a row cannot be loaded."""


@dataclass
class Step:
    name: str
    done: datetime | None  # None: the reporter never answered (the complaint closed by itself)
    started: datetime | None = None  # when an officer took it up (claimed)
    answer: dict[str, Any] = field(default_factory=dict)  # the form's cleaned answer
    by: str | None = None  # who did it, in the other system's words


@dataclass
class Record:
    line: int
    external_id: str
    received_at: datetime
    region_id: int
    instansi_id: int
    unit_id: int | None
    category: str
    type: str
    title: str
    description: str
    location: str | None
    reporter_name: str | None
    tier: str | None
    steps: list[Step]
    outcome: str
    closed_at: datetime | None  # given; None: the last step's moment (auto-closed: the reply limit)
    channel: str = channels.IMPORT  # how it reached the other system (sms1708, ...); default: the import itself


@dataclass(frozen=True)
class Rejection:
    line: int
    external_id: str | None
    reason: str


@dataclass
class Result:
    read: int = 0
    loaded: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    tracking_ids: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        """Some rows were bad and nothing was loaded."""
        return bool(self.rejected) and self.loaded == 0


class Lookups:
    """The codes a row may name, read once per import."""

    def __init__(self, session: Session, registry: Registry, policy: SlaPolicy):
        regions = list(session.scalars(select(Region)))
        self.regions = {r.code: (r.id, r.timezone) for r in regions}
        self.provinces = {r.id: r.province_id() for r in regions}  # a task's region_id, as the projection sets it
        self.instansi = {i.code: i.id for i in session.scalars(select(Instansi))}
        self.units = {(u.instansi_id, u.code): u.id for u in session.scalars(select(Unit))}
        self.categories = set(session.scalars(select(Category.code)))
        self.definition = registry.active(session, NATIONAL_SOP)
        self.loaded = registry.loaded(self.definition)
        self.forms = registry.engine.forms(self.loaded)
        self.imported: set[str] = set()
        self.policy = policy
        self.now: datetime | None = None  # the import's moment: nothing may have happened after it

    def already_imported(self, session: Session, external_ids: Iterable[str]) -> None:
        ids = sorted({e for e in external_ids if isinstance(e, str)})
        for i in range(0, len(ids), 500):
            self.imported.update(session.scalars(select(ImportedComplaint.external_id).where(
                ImportedComplaint.external_id.in_(ids[i:i + 500]))))


# -- one row --------------------------------------------------------------------------------------
def parse(raw: RawRow, lookups: Lookups) -> Record:
    f = raw.fields
    if "_error" in f:
        raise Reject(f["_error"])
    external_id = _text(f, "external_id", required=True, max_len=100)
    if external_id in lookups.imported:
        raise Reject(f"already imported (external id {external_id!r})")
    region_code = _text(f, "region", required=True)
    if region_code not in lookups.regions:
        raise Reject(f"unknown region code {region_code!r}")
    region_id, tz = lookups.regions[region_code]
    zone = ZoneInfo(tz)
    instansi_code = _text(f, "instansi", required=True)
    if instansi_code not in lookups.instansi:
        raise Reject(f"unknown instansi code {instansi_code!r}")
    instansi_id = lookups.instansi[instansi_code]
    category = _text(f, "category", required=True)
    if category not in lookups.categories:
        raise Reject(f"unknown category {category!r}")
    kind = _text(f, "type") or "pengaduan"
    if kind not in statuses.COMPLAINT_TYPES:
        raise Reject(f"unknown type {kind!r} (one of {', '.join(statuses.COMPLAINT_TYPES)})")
    received = _moment(f.get("received_at"), zone, "received_at", required=True)
    unit_code = _text(f, "unit")
    unit_id = _unit(lookups, instansi_id, instansi_code, unit_code) if unit_code else None
    tier = _text(f, "tier")
    steps_raw = f.get("steps")
    if steps_raw is None:
        steps_raw = _flat_steps(f)
    elif not isinstance(steps_raw, list) or not all(isinstance(s, dict) for s in steps_raw):
        raise Reject("steps must be a list of objects")
    else:
        for key in f:
            if key in ("verify_started", "verify_done", "follow_up_done", "reporter_response_done"):
                raise Reject(f"{key!r} and a steps list in one row")
    steps, outcome, unit_id, tier = _walk(steps_raw, received, zone, lookups, instansi_id, instansi_code,
                                          unit_id, tier)
    closed_at = _moment(f.get("closed_at"), zone, "closed_at")
    last = max([received] + [t for s in steps for t in (s.started, s.done) if t is not None])
    if lookups.now is not None and max(last, closed_at or last) > lookups.now:
        raise Reject(f"a time in the future ({max(last, closed_at or last).isoformat()}): only the past can be imported")
    if closed_at is not None and closed_at < last:
        raise Reject(f"closed_at {closed_at.isoformat()} is before the last step ({last.isoformat()})")
    channel = _text(f, "channel", max_len=20) or channels.IMPORT
    if not channels.is_channel(channel):
        raise Reject(f"bad channel {channel!r} (2 to 20 lower-case letters, digits, - or _, e.g. sms1708)")
    title = _text(f, "title", max_len=200) or f"Laporan {external_id}"
    return Record(line=raw.line, external_id=external_id, received_at=received, region_id=region_id,
                  instansi_id=instansi_id, unit_id=unit_id, category=category, type=kind, title=title,
                  description=_text(f, "description", max_len=20000) or title,
                  location=_text(f, "location", max_len=300), reporter_name=_text(f, "reporter_name", max_len=200),
                  tier=tier, steps=steps, outcome=outcome, closed_at=closed_at, channel=channel)


def _flat_steps(f: dict[str, Any]) -> list[dict[str, Any]]:
    """The CSV's fixed columns as a list of steps."""
    steps = [{"step": VERIFY, "started": f.get("verify_started"), "done": f.get("verify_done"),
              "action": f.get("verify_action"), "note": f.get("verify_note")}]
    if f.get("follow_up_started") or f.get("follow_up_done") or f.get("follow_up_text"):
        steps.append({"step": FOLLOW_UP, "started": f.get("follow_up_started"), "done": f.get("follow_up_done"),
                      "text": f.get("follow_up_text")})
    if f.get("reporter_response_done") or f.get("satisfied"):
        steps.append({"step": REPORTER_RESPONSE, "done": f.get("reporter_response_done"),
                      "satisfied": f.get("satisfied"), "rating": f.get("rating"), "comment": f.get("comment")})
    return steps


def _walk(raw_steps: list[dict[str, Any]], received: datetime, zone: ZoneInfo, lookups: Lookups,
          instansi_id: int, instansi_code: str, unit_id: int | None, tier: str | None
          ) -> tuple[list[Step], str, int | None, str | None]:
    """Follow the diagram's paths through the steps; the outcome the last one reaches."""
    expected, previous, outcome = VERIFY, received, None
    steps: list[Step] = []
    for number, s in enumerate(raw_steps, 1):
        name = s.get("step")
        if name not in STEPS:
            raise Reject(f"unknown step {name!r} (one of {', '.join(STEPS)})")
        if outcome is not None:
            raise Reject(f"step {number} ({name}) comes after the complaint ended ({outcome})")
        if name != expected:
            raise Reject(f"step {number} ({name}) where the process expects {expected}")
        started = _moment(s.get("started"), zone, f"{name} started")
        done = _moment(s.get("done"), zone, f"{name} done")
        for label, moment in ((f"{name} started", started), (f"{name} done", done)):
            if moment is not None and moment < received:
                raise Reject(f"{label} {moment.isoformat()} is before the arrival ({received.isoformat()})")
            if moment is not None and moment < previous:
                raise Reject(f"{label} {moment.isoformat()} is before the previous step ({previous.isoformat()})")
        if started is not None and done is not None and done < started:
            raise Reject(f"{name} done {done.isoformat()} is before it started ({started.isoformat()})")
        by = s.get("by") if isinstance(s.get("by"), str) else None
        if name == VERIFY:
            answer, unit_id, tier = _verify_answer(s, lookups, instansi_id, instansi_code, unit_id, tier)
            expected = {"dispatch": FOLLOW_UP, "defer": REPORTER_INFO}.get(answer["action"])
            outcome = ARCHIVED if answer["action"] == "archive" else None
        elif name == REPORTER_INFO:
            answer = _form(lookups, name, {"additional_info": s.get("additional_info") or DEFAULT_TEXT[name]})
            expected = VERIFY
        elif name == FOLLOW_UP:
            answer = _form(lookups, name, {"follow_up_text": s.get("text") or DEFAULT_TEXT[name]})
            expected = REPORTER_RESPONSE
        else:
            satisfied = _satisfied(s.get("satisfied"))
            if satisfied is None:  # no answer within the limit: closed by itself
                if done is not None:
                    raise Reject("reporter_response done is given but satisfied is 'auto' (no answer)")
                steps.append(Step(name, None, None, {}, by))
                outcome = AUTO_CLOSED
                continue
            answer = _form(lookups, name, {
                "satisfied": satisfied, "rating": (s.get("rating") or DEFAULT_RATING) if satisfied else None,
                "comment": s.get("comment") or (None if satisfied else DEFAULT_TEXT["not_satisfied"])})
            expected = CLOSED if satisfied else FOLLOW_UP
            outcome = CLOSED if satisfied else None
        if done is None:
            raise Reject(f"{name} done is missing")
        steps.append(Step(name, done, started if name in (VERIFY, FOLLOW_UP) else None, answer, by))
        previous = done
    if outcome is None:
        if expected == REPORTER_RESPONSE:
            raise Reject("the reporter's response is missing (satisfied: yes, no or auto)")
        raise Reject(f"the complaint is not finished ({expected} is missing); only finished complaints are imported")
    return steps, outcome, unit_id, tier


def _verify_answer(s: dict[str, Any], lookups: Lookups, instansi_id: int, instansi_code: str,
                   unit_id: int | None, tier: str | None) -> tuple[dict[str, Any], int | None, str | None]:
    action = s.get("action")
    if action not in ACTIONS:
        raise Reject(f"unknown verify action {action!r} (one of {', '.join(ACTIONS)})")
    data: dict[str, Any] = {"action": action}
    if action == "dispatch":
        code = s.get("unit")
        if code:
            unit_id = _unit(lookups, instansi_id, instansi_code, str(code))
        if unit_id is None:
            raise Reject("a dispatched complaint needs its unit (column unit)")
        tier = s.get("tier") or tier or DEFAULT_TIER
        data.update(unit_id=unit_id, tier=tier)
    else:
        data["note"] = s.get("note") or DEFAULT_TEXT[action]
    if action == "dispatch" and s.get("note"):
        data["note"] = s.get("note")
    return _form(lookups, VERIFY, data), unit_id, tier


def _form(lookups: Lookups, name: str, data: dict[str, Any]) -> dict[str, Any]:
    try:
        return validate(lookups.forms.get(name), {k: v for k, v in data.items() if v is not None})
    except FormInvalid as exc:
        detail = "; ".join(f"{k}: {', '.join(e.code for e in errs)}" for k, errs in exc.errors.items())
        raise Reject(f"{name} answer refused by the form ({detail})") from exc


def _satisfied(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    if text in AUTO:
        return None
    raise Reject(f"satisfied must be yes, no or auto, not {value!r}")


def _unit(lookups: Lookups, instansi_id: int, instansi_code: str, code: str) -> int:
    unit_id = lookups.units.get((instansi_id, code))
    if unit_id is None:
        raise Reject(f"unknown unit {code!r} of instansi {instansi_code!r}")
    return unit_id


def _text(f: dict[str, Any], key: str, required: bool = False, max_len: int = 100) -> str | None:
    value = f.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Reject(f"{key} is missing")
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise Reject(f"{key} must be text")
    text = str(value).strip()
    if len(text) > max_len:
        raise Reject(f"{key} is longer than {max_len} characters")
    if "\x00" in text:
        raise Reject(f"{key} holds a NUL character")
    return text


def _moment(value: Any, zone: ZoneInfo, label: str, required: bool = False) -> datetime | None:
    """ISO 8601; without an offset, the region's local time."""
    if value is None or value == "":
        if required:
            raise Reject(f"{label} is missing")
        return None
    if not isinstance(value, str):
        raise Reject(f"{label}: bad date {value!r} (ISO 8601, e.g. 2025-03-28T10:00+07:00)")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Reject(f"{label}: bad date {value!r} (ISO 8601, e.g. 2025-03-28T10:00+07:00)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    if not 1990 <= moment.year <= 2200:
        raise Reject(f"{label}: date {value!r} out of range")
    return moment.astimezone(timezone.utc)


# -- the whole import -----------------------------------------------------------------------------
def check(session: Session, rows: list[RawRow], lookups: Lookups) -> tuple[list[Record], list[Rejection]]:
    lookups.already_imported(session, [r.fields.get("external_id") for r in rows])
    records: list[Record] = []
    rejected: list[Rejection] = []
    seen: dict[str, int] = {}
    for raw in rows:
        ext = raw.fields.get("external_id")
        ext = str(ext) if isinstance(ext, (str, int)) and not isinstance(ext, bool) else None
        try:
            if ext is not None and ext.strip() in seen:
                raise Reject(f"external id {ext.strip()!r} is on line {seen[ext.strip()]} too")
            record = parse(raw, lookups)
        except Reject as exc:
            rejected.append(Rejection(raw.line, ext, str(exc)))
            continue
        seen[record.external_id] = raw.line
        records.append(record)
    return records, rejected


def import_rows(sessions: sessionmaker[Session], registry: Registry, policy: SlaPolicy, rows: list[RawRow],
                now: datetime, skip_invalid: bool = False, source: str = "",
                progress: Callable[[int], None] | None = None) -> Result:
    """Check every row, then write the valid ones in one transaction: all of them, or (unless
    ``skip_invalid``) none when any row is refused. ``progress(n)`` is told of rows written."""
    from .writer import write
    result = Result(read=len(rows))
    with transaction(sessions) as db:
        lookups = Lookups(db, registry, policy)
        lookups.now = now
        records, result.rejected = check(db, rows, lookups)
        if result.rejected and not skip_invalid:
            return result
        result.tracking_ids = write(db, registry, policy, lookups, records, now, source, progress)
        result.loaded = len(records)
    return result


def import_text(sessions: sessionmaker[Session], registry: Registry, policy: SlaPolicy, text: str, fmt: str,
                now: datetime, skip_invalid: bool = False, source: str = "",
                progress: Callable[[int], None] | None = None) -> Result:
    try:
        rows = read(text, fmt)
    except FileInvalid as exc:
        return Result(rejected=[Rejection(exc.line, None, exc.reason)])
    return import_rows(sessions, registry, policy, rows, now, skip_invalid, source, progress)
