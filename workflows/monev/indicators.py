"""The monev indicators for a period and a scope, read from ``monev_daily`` in one grouped query.

Definitions (shown on the dashboard too):
- reports: complaints received in the period (by the day they arrived);
- follow-up share (persentase tindak lanjut): of the reports not archived, the share dispatched to a
  unit, in progress or followed up;
- settled share: of the reports not archived, the share followed up;
- verification speed (kecepatan verifikasi): mean working days from arrival to the first decision,
  and the share decided within the limit (no missed verification limit recorded);
- follow-up pace (laju tindak lanjut): mean working days from dispatch to the first follow-up, and
  the share within the limit;
- quality (kualitas tindak lanjut): satisfied ratings (sangat puas, puas) among rated follow-ups, and
  reopenings per follow-up;
- connectedness (keterhubungan): instansi with at least one active admin account;
- account activity (keaktifan akun): active admin accounts that logged in within the last 30 days.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from sla.calendar import WorkingHours

from ..accounts.models import User
from ..accounts.roles import ADMIN_INSTANSI, ADMIN_KOORDINATOR, ADMIN_NASIONAL, ADMIN_TIER
from ..accounts.scope import instansi_filter
from ..apikeys import channels
from ..errors import Forbidden, Invalid
from ..org.models import Instansi, Region
from ..org.tree import region_and_children
from ..orm import find
from .models import COUNTS, SUMS, MonevChannel, MonevDaily, MonevUnrouted
from .rollup import last_refreshed

FIELDS = COUNTS + SUMS
DAY_SECONDS = WorkingHours().seconds  # one working day, for showing durations in days
ACTIVE_WITHIN = timedelta(days=30)
MAX_DAYS = 731  # the longest period one view may cover
MIN_REPORTS = 5  # an instansi with fewer valid reports is not judged on its follow-up share
INDICATORS = ("received", "follow_up_share", "settled_share", "verify_days", "verify_on_time",
              "follow_up_days", "follow_up_on_time", "satisfaction", "reopen_rate", "account_activity")


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


@dataclass
class Figures:
    """Summed rollup counts with the indicators derived from them (None where nothing to divide)."""
    values: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    admins: int = 0
    admins_active: int = 0
    instansi: int = 0
    connected: int = 0

    def add(self, other: Figures) -> None:
        for name in FIELDS:
            self.values[name] += other.values[name]
        self.admins += other.admins
        self.admins_active += other.admins_active
        self.instansi += other.instansi
        self.connected += other.connected

    def __getattr__(self, name: str):
        values = self.__dict__.get("values")
        if values is not None and name in values:
            return values[name]
        raise AttributeError(name)

    @property
    def valid(self) -> int:
        return self.values["received"] - self.values["archived"]

    @property
    def rated(self) -> int:
        v = self.values
        return v["rated_sangat_puas"] + v["rated_puas"] + v["rated_cukup_puas"] + v["rated_tidak_puas"]

    @property
    def follow_up_share(self) -> float | None:
        return _share(self.values["dispatched"], self.valid)

    @property
    def settled_share(self) -> float | None:
        return _share(self.values["followed_up"], self.valid)

    @property
    def verify_days(self) -> float | None:
        v = self.values
        return _share(v["verify_seconds"], v["verify_timed"] * DAY_SECONDS)

    @property
    def verify_on_time(self) -> float | None:
        v = self.values
        return _share(v["verify_timed"] - v["verified_late"], v["verify_timed"])

    @property
    def follow_up_days(self) -> float | None:
        v = self.values
        return _share(v["follow_up_seconds"], v["follow_up_timed"] * DAY_SECONDS)

    @property
    def follow_up_on_time(self) -> float | None:
        v = self.values
        return _share(v["follow_up_timed"] - v["follow_up_late"], v["follow_up_timed"])

    @property
    def satisfaction(self) -> float | None:
        v = self.values
        return _share(v["rated_sangat_puas"] + v["rated_puas"], self.rated)

    @property
    def reopen_rate(self) -> float | None:
        return _share(self.values["reopened"], self.values["followed_up"])

    @property
    def account_activity(self) -> float | None:
        return _share(self.admins_active, self.admins)

    @property
    def connectedness(self) -> float | None:
        return _share(self.connected, self.instansi)

    def indicator(self, name: str):
        return getattr(self, name)


@dataclass
class Row:
    """One instansi, province or month of the report."""
    key: int | str
    name: str
    figures: Figures
    province_id: int | None = None
    reasons: list[str] = field(default_factory=list)  # why it lags (lagging rows only)


@dataclass
class ChannelRow:
    """Reports that arrived through one channel: in the period and per month of arrival."""
    channel: str
    name: str | None  # an API key's channel: the key's name; built-in (web, import) or unknown: None
    received: int
    share: float | None
    months: dict[str, int] = field(default_factory=dict)


@dataclass
class Report:
    start: date
    end: date
    target: float
    totals: Figures
    by_instansi: list[Row]
    by_province: list[Row]
    by_month: list[Row]
    lagging: list[Row]
    refreshed_at: datetime | None
    province_id: int | None = None
    instansi_id: int | None = None
    by_channel: list[ChannelRow] = field(default_factory=list)
    waiting_for_triage: int = 0  # of by_channel's reports: those with no instansi yet (not in the totals)

    @property
    def channel_months(self) -> list[str]:
        """The months (YYYY-MM) the reports per channel fall in."""
        return sorted({month for row in self.by_channel for month in row.months})


@dataclass(frozen=True)
class Query:
    start: date
    end: date
    province_id: int | None = None
    instansi_id: int | None = None


def may_view(user: User) -> bool:
    return user.role in ADMIN_TIER


def report(session: Session, user: User, query: Query, now: datetime, target: float,
           targets: dict[int, float] | None = None) -> Report:
    """``target``: the national follow-up share target; ``targets``: an instansi's own, from the
    action plans (its own, its region's or its province's), where one exists."""
    if not may_view(user):
        raise Forbidden("monitoring is for the admin tier")
    _check(query)
    scope = _scope(session, user, query)
    figures = _figures(session, query, scope, user)
    _accounts(session, scope, figures, now)
    totals = Figures()
    provinces: dict[int, Row] = {}
    by_instansi = []
    for inst_id, (name, province_id, province_name) in scope.items():
        fig = figures.get(inst_id) or Figures()
        fig.instansi = 1
        fig.connected = 1 if fig.admins else 0
        by_instansi.append(Row(inst_id, name, fig, province_id))
        totals.add(fig)
        province = provinces.setdefault(province_id, Row(province_id, province_name, Figures(), province_id))
        province.figures.add(fig)
    months = _months(session, query, scope, user)
    by_channel, unrouted = _channels(session, query, scope, user, totals.received, months)
    return Report(start=query.start, end=query.end, target=target, totals=totals, by_instansi=by_instansi,
                  by_province=sorted(provinces.values(), key=lambda r: r.name),
                  by_month=months, lagging=_lagging(by_instansi, target, targets or {}),
                  refreshed_at=last_refreshed(session), province_id=query.province_id,
                  instansi_id=query.instansi_id,
                  by_channel=by_channel, waiting_for_triage=unrouted)


def sort_rows(rows: list[Row], by: str, descending: bool = True) -> list[Row]:
    """Rank rows by an indicator; rows without a value go last either way."""
    if by == "name":
        return sorted(rows, key=lambda r: r.name, reverse=descending)
    if by not in INDICATORS:
        raise Invalid({"sort": [("not_one_of", {"choices": ["name", *INDICATORS]})]})
    have = [r for r in rows if r.figures.indicator(by) is not None]
    missing = [r for r in rows if r.figures.indicator(by) is None]
    have.sort(key=lambda r: (r.figures.indicator(by), r.figures.received), reverse=descending)
    return have + sorted(missing, key=lambda r: r.name)


# -- internals -------------------------------------------------------------------------------------
def _check(query: Query) -> None:
    if query.end < query.start:
        raise Invalid({"end": [("before_start", {})]})
    if (query.end - query.start).days >= MAX_DAYS:
        raise Invalid({"end": [("period_too_long", {"days": MAX_DAYS})]})


def _scope(session: Session, user: User, query: Query) -> dict[int, tuple[str, int, str]]:
    """The instansi the report covers: id -> (name, province id, province name)."""
    province = Region.__table__.alias("province")
    own = Region.__table__.alias("own")
    stmt = (select(Instansi.id, Instansi.name, province.c.id, province.c.name)
            .join(own, own.c.id == Instansi.region_id)
            .join(province, province.c.id == func.coalesce(own.c.parent_id, own.c.id))
            .where(instansi_filter(user)).order_by(Instansi.name))
    if query.province_id is not None:
        stmt = stmt.where(province.c.id == query.province_id)
    if query.instansi_id is not None:
        stmt = stmt.where(Instansi.id == query.instansi_id)
    rows = session.execute(stmt).all()
    if not rows and (query.province_id is not None or query.instansi_id is not None):
        _refuse_filter(session, query)
    return {inst_id: (name, prov_id, prov_name) for inst_id, name, prov_id, prov_name in rows}


def _refuse_filter(session: Session, query: Query) -> None:
    if query.instansi_id is not None:
        if find(session, Instansi, query.instansi_id) is None:
            raise Invalid({"instansi_id": [("unknown_instansi", {})]})
        raise Forbidden("this instansi is outside your scope")
    region = find(session, Region, query.province_id)
    if region is None or region.parent_id is not None:
        raise Invalid({"province_id": [("unknown_region", {})]})
    raise Forbidden("this province is outside your scope")


def _period(query: Query):
    return (MonevDaily.day >= query.start) & (MonevDaily.day <= query.end)


def _restrict(stmt, query: Query, scope, user: User):
    """Whole country for the national admin without filters; otherwise the instansi in scope."""
    if user.role not in (ADMIN_INSTANSI, ADMIN_KOORDINATOR) and query.province_id is None \
            and query.instansi_id is None:
        return stmt
    return stmt.where(MonevDaily.instansi_id.in_(list(scope)))


def _sums():
    return [func.coalesce(func.sum(getattr(MonevDaily, name)), 0) for name in FIELDS]


def _figures(session: Session, query: Query, scope, user: User) -> dict[int, Figures]:
    stmt = select(MonevDaily.instansi_id, *_sums()).where(_period(query)).group_by(MonevDaily.instansi_id)
    result = {}
    for inst_id, *sums in session.execute(_restrict(stmt, query, scope, user)):
        if inst_id in scope:
            result[inst_id] = Figures(dict(zip(FIELDS, (int(s) for s in sums))))
    return result


def _months(session: Session, query: Query, scope, user: User) -> list[Row]:
    """Summed per day in SQL (a plain GROUP BY, at most one row a day), then per month here."""
    stmt = select(MonevDaily.day, *_sums()).where(_period(query)).group_by(MonevDaily.day)
    months: dict[str, Figures] = {}
    for day, *sums in session.execute(_restrict(stmt, query, scope, user)):
        key = f"{day:%Y-%m}"
        months.setdefault(key, Figures()).add(Figures(dict(zip(FIELDS, (int(s) for s in sums)))))
    return [Row(key, key, figures) for key, figures in sorted(months.items())]


def _channels(session: Session, query: Query, scope, user: User, received: int,
              months: list[Row]) -> tuple[list[ChannelRow], int]:
    """Reports per channel, most first, and how many of them wait for triage. The routed ones: the keyed
    and imported summed per day and channel from ``monev_channels`` (one grouped query), the website's
    the rest of each month's reports; those with no instansi yet, every channel, from ``monev_unrouted``
    (a second one) by their region, for the scopes that see them (national, a province)."""
    stmt = (select(MonevChannel.day, MonevChannel.channel, func.sum(MonevChannel.received))
            .where(MonevChannel.day >= query.start, MonevChannel.day <= query.end)
            .group_by(MonevChannel.day, MonevChannel.channel))
    if user.role in (ADMIN_INSTANSI, ADMIN_KOORDINATOR) or query.province_id is not None \
            or query.instansi_id is not None:
        stmt = stmt.where(MonevChannel.instansi_id.in_(list(scope)))
    rows: dict[str, ChannelRow] = {}

    def add(day: date, code: str, count: int) -> None:
        row = rows.setdefault(code, ChannelRow(code, None, 0, None))
        row.received += count
        key = f"{day:%Y-%m}"
        row.months[key] = row.months.get(key, 0) + count

    for day, code, count in session.execute(stmt):
        add(day, code, int(count))
    web = ChannelRow(channels.WEB, None, max(0, received - sum(r.received for r in rows.values())), None)
    for month in months:
        web.months[str(month.key)] = max(0, month.figures.received - sum(r.months.get(str(month.key), 0)
                                                                         for r in rows.values()))
    if web.received > 0:
        rows[channels.WEB] = web
    unrouted = 0
    for day, code, count in _unrouted(session, query, user):
        add(day, code, int(count))
        unrouted += int(count)
    total = received + unrouted
    names = channels.names(session, rows)
    for row in rows.values():
        row.name = names.get(row.channel)
        row.share = _share(row.received, total)
    return sorted(rows.values(), key=lambda r: (-r.received, r.channel)), unrouted


def _unrouted(session: Session, query: Query, user: User):
    """Reports with no instansi yet per day and channel, in the regions the view covers: the whole country
    (national), the province (a coordinator's, or the one asked for); none for an instansi's view."""
    if user.role not in (ADMIN_NASIONAL, ADMIN_KOORDINATOR) or query.instansi_id is not None:
        return []
    stmt = (select(MonevUnrouted.day, MonevUnrouted.channel, func.sum(MonevUnrouted.received))
            .where(MonevUnrouted.day >= query.start, MonevUnrouted.day <= query.end)
            .group_by(MonevUnrouted.day, MonevUnrouted.channel))
    province = query.province_id if query.province_id is not None else (
        user.region_id if user.role == ADMIN_KOORDINATOR else None)
    if user.role == ADMIN_KOORDINATOR and province != user.region_id:
        return []  # (_scope refuses another province before this)
    if province is not None:
        stmt = stmt.where(MonevUnrouted.region_id.in_(
            region_and_children(province)))
    return session.execute(stmt).all()


def _accounts(session: Session, scope, figures: dict[int, Figures], now: datetime) -> None:
    """Active admin accounts per instansi and how many logged in within the last 30 days."""
    recent = func.coalesce(func.sum(case((User.last_login_at >= now - ACTIVE_WITHIN, 1), else_=0)), 0)
    stmt = (select(User.instansi_id, func.count(), recent)
            .where(User.role == ADMIN_INSTANSI, User.active.is_(True), User.instansi_id.is_not(None))
            .group_by(User.instansi_id))
    for inst_id, admins, active in session.execute(stmt):
        if inst_id in scope:
            fig = figures.setdefault(inst_id, Figures())
            fig.admins, fig.admins_active = admins, int(active or 0)


def _lagging(rows: list[Row], target: float, targets: dict[int, float]) -> list[Row]:
    """Instansi that need coaching: below the follow-up target (with enough reports to judge), not
    connected, or whose admins have not logged in for a month. Those below target first, worst first."""
    lagging = []
    for row in rows:
        fig = row.figures
        reasons = []
        if fig.valid >= MIN_REPORTS and (fig.follow_up_share or 0) < targets.get(row.key, target):
            reasons.append("below_target")
        if not fig.admins:
            reasons.append("not_connected")
        elif not fig.admins_active:
            reasons.append("inactive_accounts")
        if reasons:
            lagging.append(Row(row.key, row.name, fig, row.province_id, reasons))
    lagging.sort(key=lambda r: ("below_target" not in r.reasons,
                                r.figures.follow_up_share if r.figures.follow_up_share is not None else 2,
                                -r.figures.received, r.name))
    return lagging
