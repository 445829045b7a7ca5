"""The SLA rules in force for a region: its calendar, its limits and its escalation chain.

Everything is read from the (small) rule tables in one go and cached for a short time, so timer
expressions evaluated on every task entry never wait for the database. A region inherits from its
province, which inherits from the national rules.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sla.calendar import BusinessCalendar, Limit, WorkingHours

from ..org.models import Region
from .models import CalendarOverride, EscalationLevel, SlaLimit

# The regulated steps (docs/domain.md): the diagram's timers name them (``sla_step``, ``sla_due("...")``)
# and monev measures the first two.
VERIFY, FOLLOW_UP, REPORTER_REPLY = "verify", "follow_up", "reporter_reply"
DEFAULT_LIMITS = {(VERIFY, ""): "3WD", (FOLLOW_UP, "ringan"): "3WH", (FOLLOW_UP, "normatif"): "5WD",
                  (FOLLOW_UP, "tanpa_pemeriksaan"): "14WD", (FOLLOW_UP, "pemeriksaan"): "60WD",
                  (REPORTER_REPLY, ""): "10WD"}
TIERED_STEPS = frozenset(step for step, tier in DEFAULT_LIMITS if tier)  # limits per follow-up tier
DEFAULT_TIER = "normatif"


def seconds_of(limit: Limit) -> int:
    """A limit's length in working seconds on a standard working day (to compare WD with WH)."""
    return limit.amount * (3600 if limit.unit == "WH" else WorkingHours().seconds)


def strictest(default: str, rules: list[tuple[int | None, str | None]]) -> tuple[Limit, int | None | str]:
    """The limit in force among the regulation's ``default`` and the rules set at each scope (national
    first, the region last; None where a scope sets none): the shortest, a nearer rule winning ties."""
    best, source = Limit.parse(default), "default"
    for scope, text in rules:
        if text and seconds_of(Limit.parse(text)) <= seconds_of(best):
            best, source = Limit.parse(text), scope
    return best, source


@dataclass
class _Snapshot:
    regions: dict[int, Region]
    overrides: dict[int | None, list[CalendarOverride]]
    limits: dict[tuple[int | None, str, str], list[tuple[date, str]]]  # newest effective date first
    chains: dict[int | None, list[EscalationLevel]]
    loaded_at: float
    calendars: dict[int | None, BusinessCalendar] = field(default_factory=dict)


class SlaPolicy:
    def __init__(self, sessions: sessionmaker[Session], ttl_seconds: float | None = None):
        self.sessions = sessions
        self.ttl = float(os.environ.get("ADUAN_POLICY_TTL", 30)) if ttl_seconds is None else ttl_seconds
        self.reminder_share = float(os.environ.get("ADUAN_REMINDER_SHARE", 0.8))
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        self._snapshot = None

    # -- lookups ---------------------------------------------------------------------------------
    def calendar(self, region_id: int | None) -> BusinessCalendar:
        snap = self._snap()
        cal = snap.calendars.get(region_id)
        if cal is None:
            off: set[date] = set()
            on: set[date] = set()
            for scope in reversed(self._lineage(snap, region_id)):  # national first, region last wins
                for override in snap.overrides.get(scope, []):
                    (off if override.kind == "off" else on).add(override.day)
                    (on if override.kind == "off" else off).discard(override.day)
            region = snap.regions.get(region_id) if region_id is not None else None
            cal = BusinessCalendar(tz=region.timezone if region else "Asia/Jakarta", days_off=off, days_on=on)
            snap.calendars[region_id] = cal
        return cal

    def limit(self, region_id: int | None, step: str, tier: str | None = None, on: date | None = None) -> Limit:
        """The limit for a step started on ``on`` (the region's date; today when None): the strictest of
        the region's own rule in effect that day, its province's, the national one and the regulation's
        -- they are maxima, so a rule set below never loosens one set above, even one tightened later."""
        return self.limit_and_source(region_id, step, tier, on)[0]

    def limit_and_source(self, region_id: int | None, step: str, tier: str | None = None,
                         on: date | None = None) -> tuple[Limit, int | None | str]:
        """The limit in force and where it comes from: a region id, None (national) or 'default'."""
        snap = self._snap()
        tier = (tier or DEFAULT_TIER) if step in TIERED_STEPS else ""
        on = on or datetime.now(self.calendar(region_id).zone).date()
        text = DEFAULT_LIMITS.get((step, tier))
        if text is None:
            raise ValueError(f"no time limit defined for step {step!r} (tier {tier!r})")
        nearest_last = [(scope, next((limit for since, limit in snap.limits.get((scope, step, tier), [])
                                       if since <= on), None)) for scope in reversed(self._lineage(snap, region_id))]
        return strictest(text, nearest_last)

    def lineage(self, region_id: int | None) -> list[int | None]:
        """The region, its province, then national (None): where its rules come from, nearest first."""
        return self._lineage(self._snap(), region_id)

    def chain(self, region_id: int | None) -> list[tuple[str, Limit]]:
        snap = self._snap()
        for scope in self._lineage(snap, region_id):
            levels = snap.chains.get(scope)
            if levels:
                return [(level.role, Limit.parse(level.after)) for level in levels]
        return []

    # -- loading ---------------------------------------------------------------------------------
    @staticmethod
    def _lineage(snap: _Snapshot, region_id: int | None) -> list[int | None]:
        """The region, its province, then national (None)."""
        scopes: list[int | None] = []
        current = snap.regions.get(region_id) if region_id is not None else None
        while current is not None and current.id not in scopes:
            scopes.append(current.id)
            current = snap.regions.get(current.parent_id) if current.parent_id else None
        scopes.append(None)
        return scopes

    def _snap(self) -> _Snapshot:
        snap = self._snapshot
        if snap is not None and time.monotonic() - snap.loaded_at < self.ttl:
            return snap
        with self._lock:
            if self._snapshot is snap or self._snapshot is None:
                self._snapshot = self._load()
            return self._snapshot

    def _load(self) -> _Snapshot:
        with self.sessions() as db:
            regions = {r.id: r for r in db.scalars(select(Region))}
            overrides: dict[int | None, list[CalendarOverride]] = {}
            for o in db.scalars(select(CalendarOverride)):
                overrides.setdefault(o.region_id, []).append(o)
            limits: dict[tuple[int | None, str, str], list[tuple[date, str]]] = {}
            for row in db.scalars(select(SlaLimit).order_by(SlaLimit.effective_from.desc())):
                limits.setdefault((row.region_id, row.step, row.tier or ""), []).append((row.effective_from, row.limit))
            chains: dict[int | None, list[EscalationLevel]] = {}
            for level in db.scalars(select(EscalationLevel).order_by(EscalationLevel.position)):
                chains.setdefault(level.region_id, []).append(level)
            db.expunge_all()
        return _Snapshot(regions, overrides, limits, chains, time.monotonic())
