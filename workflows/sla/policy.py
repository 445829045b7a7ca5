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
class Rules:
    """The rule tables as plain data (no database, picklable): what a region's calendar, limits and chain
    are built from. :class:`SlaPolicy` keeps one loaded from the database; a replay (``workflows.replay``)
    works on a copy with changed rules (:meth:`changed`)."""
    regions: dict[int, tuple[int | None, str]]                 # id -> (parent id, time zone)
    overrides: dict[int | None, list[tuple[date, str]]]        # scope -> [(day, off | on)]
    limits: dict[tuple[int | None, str, str], list[tuple[date, str]]]  # newest effective date first
    chains: dict[int | None, list[tuple[str, str]]]            # scope -> [(role, after)]
    reminder_share: float = 0.8
    calendars: dict[int | None, BusinessCalendar] = field(default_factory=dict, repr=False, compare=False)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "calendars": {}}  # (rebuilt lazily on the other side)

    def changed(self, limits: dict[tuple[str, str], str] | None = None, days_off: list[date] | None = None,
                chain: list[tuple[str, str]] | None = None, scope: int | None = None) -> Rules:
        """A copy with rules set at ``scope`` (a region id, None for national) as of any date: limits by
        (step, tier), extra days off, an escalation chain -- what a what-if replay tries."""
        new_limits = {key: list(rows) for key, rows in self.limits.items()}
        for (step, tier), text in (limits or {}).items():
            new_limits[(scope, step, tier or "")] = [(date(1900, 1, 1), text)]
        overrides = {key: list(rows) for key, rows in self.overrides.items()}
        if days_off:
            overrides.setdefault(scope, []).extend((day, "off") for day in days_off)
        chains = dict(self.chains)
        if chain:
            chains[scope] = list(chain)
        return Rules(dict(self.regions), overrides, new_limits, chains, self.reminder_share)

    # -- lookups ---------------------------------------------------------------------------------
    def calendar(self, region_id: int | None) -> BusinessCalendar:
        cal = self.calendars.get(region_id)
        if cal is None:
            off: set[date] = set()
            on: set[date] = set()
            for scope in reversed(self.lineage(region_id)):  # national first, region last wins
                for day, kind in self.overrides.get(scope, []):
                    (off if kind == "off" else on).add(day)
                    (on if kind == "off" else off).discard(day)
            region = self.regions.get(region_id) if region_id is not None else None
            cal = BusinessCalendar(tz=region[1] if region else "Asia/Jakarta", days_off=off, days_on=on)
            self.calendars[region_id] = cal
        return cal

    def limit(self, region_id: int | None, step: str, tier: str | None = None, on: date | None = None) -> Limit:
        """The limit for a step started on ``on`` (the region's date; today when None): the strictest of
        the region's own rule in effect that day, its province's, the national one and the regulation's
        -- they are maxima, so a rule set below never loosens one set above, even one tightened later."""
        return self.limit_and_source(region_id, step, tier, on)[0]

    def limit_and_source(self, region_id: int | None, step: str, tier: str | None = None,
                         on: date | None = None) -> tuple[Limit, int | None | str]:
        """The limit in force and where it comes from: a region id, None (national) or 'default'."""
        tier = (tier or DEFAULT_TIER) if step in TIERED_STEPS else ""
        on = on or datetime.now(self.calendar(region_id).zone).date()
        text = DEFAULT_LIMITS.get((step, tier))
        if text is None:
            raise ValueError(f"no time limit defined for step {step!r} (tier {tier!r})")
        nearest_last = [(scope, next((limit for since, limit in self.limits.get((scope, step, tier), [])
                                       if since <= on), None)) for scope in reversed(self.lineage(region_id))]
        return strictest(text, nearest_last)

    def lineage(self, region_id: int | None) -> list[int | None]:
        """The region, its province, then national (None): where its rules come from, nearest first."""
        scopes: list[int | None] = []
        current = region_id if region_id in self.regions else None
        while current is not None and current not in scopes:
            scopes.append(current)
            current = self.regions[current][0]
            current = current if current in self.regions else None
        scopes.append(None)
        return scopes

    def chain(self, region_id: int | None) -> list[tuple[str, Limit]]:
        for scope in self.lineage(region_id):
            levels = self.chains.get(scope)
            if levels:
                return [(role, Limit.parse(after)) for role, after in levels]
        return []


def load_rules(session: Session, reminder_share: float = 0.8) -> Rules:
    """The rule tables as they are now."""
    regions = {r.id: (r.parent_id, r.timezone) for r in session.scalars(select(Region))}
    overrides: dict[int | None, list[tuple[date, str]]] = {}
    for o in session.scalars(select(CalendarOverride)):
        overrides.setdefault(o.region_id, []).append((o.day, o.kind))
    limits: dict[tuple[int | None, str, str], list[tuple[date, str]]] = {}
    for row in session.scalars(select(SlaLimit).order_by(SlaLimit.effective_from.desc())):
        limits.setdefault((row.region_id, row.step, row.tier or ""), []).append((row.effective_from, row.limit))
    chains: dict[int | None, list[tuple[str, str]]] = {}
    for level in session.scalars(select(EscalationLevel).order_by(EscalationLevel.position)):
        chains.setdefault(level.region_id, []).append((level.role, level.after))
    return Rules(regions, overrides, limits, chains, reminder_share)


class SlaPolicy:
    """The rules in force, read from the database in one go and kept for ``ttl`` seconds."""

    def __init__(self, sessions: sessionmaker[Session], ttl_seconds: float | None = None):
        self.sessions = sessions
        self.ttl = float(os.environ.get("ADUAN_POLICY_TTL", 30)) if ttl_seconds is None else ttl_seconds
        self.reminder_share = float(os.environ.get("ADUAN_REMINDER_SHARE", 0.8))
        self._rules: Rules | None = None
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        self._rules = None

    def rules(self) -> Rules:
        """The current snapshot (reloaded after ``ttl`` seconds or an :meth:`invalidate`)."""
        rules = self._rules
        if rules is not None and time.monotonic() - self._loaded_at < self.ttl:
            return rules
        with self._lock:
            if self._rules is rules or self._rules is None:
                with self.sessions() as db:
                    self._rules = load_rules(db, self.reminder_share)
                self._loaded_at = time.monotonic()
            return self._rules

    def calendar(self, region_id: int | None) -> BusinessCalendar:
        return self.rules().calendar(region_id)

    def limit(self, region_id: int | None, step: str, tier: str | None = None, on: date | None = None) -> Limit:
        return self.rules().limit(region_id, step, tier, on)

    def limit_and_source(self, region_id: int | None, step: str, tier: str | None = None,
                         on: date | None = None) -> tuple[Limit, int | None | str]:
        return self.rules().limit_and_source(region_id, step, tier, on)

    def lineage(self, region_id: int | None) -> list[int | None]:
        return self.rules().lineage(region_id)

    def chain(self, region_id: int | None) -> list[tuple[str, Limit]]:
        return self.rules().chain(region_id)
