"""Business calendar for SLA deadlines: Indonesian working days and working hours.

A pure library (no database, no web framework) that any layer may import::

    cal = BusinessCalendar("WIB", days_off={date(2025, 4, 9)})
    cal.due(submitted_at, Limit.parse("3WD"))

Rules
-----
* A *working day* is Monday-Friday that is not a national holiday, not a *cuti bersama*
  (government joint-leave) day and not an extra day off (``days_off``). An admin override in
  ``days_on`` cancels a holiday or extra day off; Saturdays and Sundays never become working days.
* National holidays and cuti bersama come from the ``holidays`` package
  (``country_holidays("ID", categories=("public", "government"))``), built lazily and cached per
  year.
* Working time is ``WorkingHours`` (default 08:00-16:00) in the calendar's local time zone.
  Time outside it, or on non-working days, does not count.
* All results are timezone-aware datetimes in UTC; every datetime argument must be aware.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = ["TIMEZONES", "BusinessCalendar", "Limit", "WorkingHours"]

#: Indonesian time-zone abbreviations accepted by ``BusinessCalendar(tz=...)``.
TIMEZONES: dict[str, str] = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}

_UTC = timezone.utc
_EXTRA_DAY_OFF = {"id": "Libur tambahan"}
_EXTRA_DAY_OFF_DEFAULT = "Extra day off"
_LIMIT_RE = re.compile(r"^\s*([0-9]+)\s*(WD|WH|HK|JK)\s*$", re.IGNORECASE)
_ALIASES = {"HK": "WD", "JK": "WH"}  # hari kerja, jam kerja: the Indonesian abbreviations
_UNITS = {"WD": "working days", "WH": "working hours"}


@dataclass(frozen=True)
class WorkingHours:
    """Daily opening and closing time (local wall clock) of a working day."""

    start: time = time(8, 0)
    end: time = time(16, 0)

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, time):
                raise ValueError(f"WorkingHours.{name} must be a datetime.time, got {value!r}")
            if value.tzinfo is not None:
                raise ValueError(f"WorkingHours.{name} must be a naive local time, got {value!r}")
        if not self.start < self.end:
            raise ValueError(
                f"WorkingHours start ({self.start.isoformat()}) must be before end ({self.end.isoformat()})"
            )

    @property
    def seconds(self) -> int:
        """Length of one working day in seconds (08:00-16:00 -> 28800)."""
        day = date(2000, 1, 1)
        return int((datetime.combine(day, self.end) - datetime.combine(day, self.start)).total_seconds())


@dataclass(frozen=True)
class Limit:
    """An SLA limit such as ``3WD`` (working days) or ``8WH`` (working hours)."""

    amount: int
    unit: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount <= 0:
            raise ValueError(f"Limit amount must be a positive whole number, got {self.amount!r}")
        unit = self.unit.upper() if isinstance(self.unit, str) else self.unit
        if unit not in _UNITS:
            raise ValueError(f"Limit unit must be 'WD' (working days) or 'WH' (working hours), got {self.unit!r}")
        object.__setattr__(self, "unit", unit)

    @classmethod
    def parse(cls, text: str) -> Limit:
        """Parse ``"3WD"``, ``"5 WD"``, ``"3wh"`` (or ``"3HK"``, ``"8 jk"``) ... into a ``Limit``;
        ``ValueError`` otherwise."""
        match = _LIMIT_RE.match(text) if isinstance(text, str) else None
        if match is None:
            raise ValueError(
                f"Invalid SLA limit {text!r}: expected a positive whole number followed by WD "
                "(working days) or WH (working hours), e.g. '3WD' or '8 WH'"
            )
        unit = match.group(2).upper()
        return cls(int(match.group(1)), _ALIASES.get(unit, unit))

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


def _resolve_zone(tz: str) -> ZoneInfo:
    if not isinstance(tz, str) or not tz.strip():
        raise ValueError(f"Unknown time zone {tz!r}: use an IANA name such as 'Asia/Jakarta' or WIB/WITA/WIT")
    name = TIMEZONES.get(tz.strip().upper(), tz.strip())
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"Unknown time zone {tz!r}: use an IANA name such as 'Asia/Jakarta' or WIB/WITA/WIT"
        ) from exc


def _as_dates(values: Iterable[date], name: str) -> frozenset[date]:
    result = set()
    for value in values:
        if isinstance(value, datetime) or not isinstance(value, date):
            raise ValueError(f"{name} must contain datetime.date values, got {value!r}")
        result.add(value)
    return frozenset(result)


def _require_aware(moment: datetime, name: str) -> None:
    if not isinstance(moment, datetime):
        raise ValueError(f"{name} must be a datetime, got {moment!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {moment.isoformat()}")


class BusinessCalendar:
    """Working days and working hours for one time zone, with national holidays and overrides.

    :param tz: IANA zone name, or ``"WIB"``/``"WITA"``/``"WIT"``. Unknown -> ``ValueError``.
    :param hours: daily working hours (local time).
    :param days_off: extra days off (regional holidays, admin overrides adding a day off).
    :param days_on: admin overrides cancelling a holiday/day off (weekends stay non-working).
        A date may not be in both ``days_off`` and ``days_on``.
    :param language: language of holiday names passed to the ``holidays`` package
        (``None``: package default, English; ``"id"``: Indonesian). Keyword-only extension.
    """

    def __init__(
        self,
        tz: str = "Asia/Jakarta",
        hours: WorkingHours = WorkingHours(),
        days_off: Iterable[date] = (),
        days_on: Iterable[date] = (),
        *,
        language: str | None = None,
    ) -> None:
        if not isinstance(hours, WorkingHours):
            raise ValueError(f"hours must be a WorkingHours, got {hours!r}")
        self.zone: ZoneInfo = _resolve_zone(tz)
        self.tz: str = self.zone.key
        self.hours: WorkingHours = hours
        self.days_off: frozenset[date] = _as_dates(days_off, "days_off")
        self.days_on: frozenset[date] = _as_dates(days_on, "days_on")
        both = self.days_off & self.days_on
        if both:
            listed = ", ".join(sorted(d.isoformat() for d in both))
            raise ValueError(f"Dates cannot be both an extra day off and a working-day override: {listed}")
        self.language = language
        self._extra_name = _EXTRA_DAY_OFF.get(language or "", _EXTRA_DAY_OFF_DEFAULT)
        self._national: dict[int, dict[date, str]] = {}

    def __repr__(self) -> str:
        return (
            f"BusinessCalendar(tz={self.tz!r}, hours={self.hours!r}, "
            f"days_off={len(self.days_off)} dates, days_on={len(self.days_on)} dates)"
        )

    # -- days -------------------------------------------------------------------------------

    def _national_holidays(self, year: int) -> dict[date, str]:
        cached = self._national.get(year)
        if cached is None:
            found = holidays.country_holidays(
                "ID", years=year, categories=("public", "government"), language=self.language
            )
            cached = dict(found.items())
            self._national[year] = cached
        return cached

    def holidays(self, year: int) -> dict[date, str]:
        """The national holidays and cuti bersama of ``year`` by date, named in the calendar's language."""
        return dict(self._national_holidays(year))

    def is_working_day(self, d: date) -> bool:
        """True for Monday-Friday that is not a holiday/cuti bersama/extra day off (unless in days_on)."""
        d = _day(d)
        if d.weekday() >= 5:
            return False
        if d in self.days_on:
            return True
        return d not in self.days_off and d not in self._national_holidays(d.year)

    def holiday_name(self, d: date) -> str | None:
        """Name of the national holiday or cuti bersama on ``d``, the extra-day-off label
        ("Extra day off", or "Libur tambahan" with ``language="id"``) for ``days_off``, else None
        (working days, plain weekends and days cancelled by ``days_on``)."""
        d = _day(d)
        if d in self.days_on:
            return None
        name = self._national_holidays(d.year).get(d)
        if name is not None:
            return name
        return self._extra_name if d in self.days_off else None

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        d = _day(d) + timedelta(days=1)
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    # -- working time -----------------------------------------------------------------------

    def _opening(self, d: date) -> datetime:
        return datetime.combine(d, self.hours.start, tzinfo=self.zone).astimezone(_UTC)

    def _closing(self, d: date) -> datetime:
        return datetime.combine(d, self.hours.end, tzinfo=self.zone).astimezone(_UTC)

    def add_working_seconds(self, start: datetime, seconds: int | float) -> datetime:
        """The moment ``seconds`` of working time after ``start`` (UTC, aware).

        Time before opening, after closing and on non-working days is skipped. An amount ending
        exactly at closing time returns that closing time. ``seconds == 0`` returns ``start``
        itself (as UTC), without moving it to the next working moment.
        """
        _require_aware(start, "start")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0:
            raise ValueError(f"seconds must be a non-negative number, got {seconds!r}")
        if seconds == float("inf"):
            raise ValueError("seconds must be finite")
        cursor = start.astimezone(_UTC)
        if seconds == 0:
            return cursor
        remaining = timedelta(seconds=seconds)
        day = cursor.astimezone(self.zone).date()
        if not self.is_working_day(day):
            day = self.next_working_day(day)
        while True:
            opening, closing = self._opening(day), self._closing(day)
            begin = max(cursor, opening)
            if begin < closing:
                available = closing - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day = self.next_working_day(day)

    def working_seconds_between(self, a: datetime, b: datetime) -> int:
        """Whole working seconds in ``[a, b)``; 0 if ``b <= a``."""
        _require_aware(a, "a")
        _require_aware(b, "b")
        a, b = a.astimezone(_UTC), b.astimezone(_UTC)
        if b <= a:
            return 0
        total = timedelta(0)
        day = a.astimezone(self.zone).date()
        last = b.astimezone(self.zone).date()
        while day <= last:
            if self.is_working_day(day):
                begin, end = max(a, self._opening(day)), min(b, self._closing(day))
                if begin < end:
                    total += end - begin
            day += timedelta(days=1)
        return int(total.total_seconds())

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Closing time (UTC) of the ``days``-th working day strictly after ``start``'s local date.

        Counting starts the next day whatever the time of submission, so
        ``add_working_days(s, n) == add_working_seconds(opening of next working day, n * hours.seconds)``.
        """
        _require_aware(start, "start")
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise ValueError(f"days must be a whole number of working days >= 1, got {days!r}")
        day = start.astimezone(self.zone).date()
        for _ in range(days):
            day = self.next_working_day(day)
        return self._closing(day)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """``add_working_seconds(start, hours * 3600)``."""
        if isinstance(hours, bool) or not isinstance(hours, (int, float)):
            raise ValueError(f"hours must be a number, got {hours!r}")
        return self.add_working_seconds(start, hours * 3600)

    def due(self, start: datetime, limit: Limit) -> datetime:
        """Deadline for ``limit`` from ``start``: WD -> add_working_days, WH -> add_working_hours."""
        if not isinstance(limit, Limit):
            raise ValueError(f"limit must be a Limit, got {limit!r}")
        if limit.unit == "WD":
            return self.add_working_days(start, limit.amount)
        return self.add_working_hours(start, limit.amount)


def _day(d: date) -> date:
    if isinstance(d, datetime) or not isinstance(d, date):
        raise ValueError(f"expected a datetime.date, got {d!r}")
    return d
