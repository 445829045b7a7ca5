"""Working time as a running total: ``WorkClock.at(t)`` is the working seconds from a fixed day to
``t`` by one business calendar, so the working time between two moments is one subtraction
(``BusinessCalendar.working_seconds_between`` walks every day in between, which is too slow for the
thousands of past tasks a risk curve is built from). The totals per day are built lazily, once.
Indonesian zones keep no daylight saving, so a local time of day maps to seconds directly."""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

from sla.calendar import BusinessCalendar

_DAY = timedelta(days=1)


class WorkClock:
    def __init__(self, calendar: BusinessCalendar):
        self.calendar = calendar
        self.zone = calendar.zone
        start = calendar.hours.start
        self._open = start.hour * 3600 + start.minute * 60 + start.second
        self._length = calendar.hours.seconds
        self._before: dict[date, int] = {}  # working seconds from the anchor day to the start of each day
        self._working: dict[date, bool] = {}
        self._lo: date | None = None
        self._hi: date | None = None
        self._lock = threading.Lock()

    def at(self, t: datetime) -> float:
        """Working seconds from the anchor day's start to ``t`` (aware)."""
        local = t.astimezone(self.zone)
        day = local.date()
        base = self._day_start(day)
        if not self._working[day]:
            return float(base)
        into = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6 - self._open
        return base + min(max(into, 0.0), float(self._length))

    def between(self, a: datetime, b: datetime) -> float:
        """Working seconds in ``[a, b)`` (0 when ``b <= a``), as ``working_seconds_between`` counts them."""
        return max(0.0, self.at(b) - self.at(a))

    def _day_start(self, day: date) -> int:
        found = self._before.get(day)
        if found is not None:
            return found
        with self._lock:
            if self._lo is None or self._hi is None:
                self._lo = self._hi = day
                self._before[day] = 0
                self._working[day] = self.calendar.is_working_day(day)
            while day > self._hi:
                nxt = self._hi + _DAY
                self._working[nxt] = self.calendar.is_working_day(nxt)
                self._before[nxt] = self._before[self._hi] + (self._length if self._working[self._hi] else 0)
                self._hi = nxt
            while day < self._lo:
                prv = self._lo - _DAY
                self._working[prv] = self.calendar.is_working_day(prv)
                self._before[prv] = self._before[self._lo] - (self._length if self._working[prv] else 0)
                self._lo = prv
            return self._before[day]


class WorkClocks:
    """One :class:`WorkClock` per distinct calendar (the SLA policy hands out fresh calendar objects
    each time it reloads its rules; equal rules share one clock)."""

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[BusinessCalendar, WorkClock]] = {}
        self._by_rules: dict[tuple, WorkClock] = {}

    def of(self, calendar: BusinessCalendar) -> WorkClock:
        found = self._by_id.get(id(calendar))
        if found is not None and found[0] is calendar:
            return found[1]
        key = (calendar.tz, calendar.hours, calendar.days_off, calendar.days_on)
        clock = self._by_rules.get(key)
        if clock is None:
            clock = self._by_rules[key] = WorkClock(calendar)
        if len(self._by_id) > 1000:
            self._by_id.clear()
        self._by_id[id(calendar)] = (calendar, clock)
        return clock
