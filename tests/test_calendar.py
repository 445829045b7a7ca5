"""Business calendar (sla.calendar): working days, working hours, SLA due dates.

Expected due dates below are computed by hand from the Indonesian government calendar (SKB
libur nasional & cuti bersama), as listed by the ``holidays`` package
(categories public + government). The relevant days:

2025: Fri 28 Mar cuti bersama Nyepi, Sat 29 Mar Nyepi, Mon 31 Mar + Tue 1 Apr Idul Fitri,
      Wed 2, Thu 3, Fri 4, Mon 7 Apr cuti bersama Idul Fitri, Fri 18 Apr Good Friday,
      Mon 12 May Waisak + Tue 13 May cuti bersama, Thu 25 Dec Natal + Fri 26 Dec cuti bersama.
2026: Thu 1 Jan New Year. The package lists NO cuti bersama in early January 2026 (the next
      holiday is Fri 16 Jan, Isra' Mi'raj), so Fri 2 Jan 2026 is a working day.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import holidays
import pytest

from sla.calendar import TIMEZONES, BusinessCalendar, Limit, WorkingHours

JAKARTA = "Asia/Jakarta"


def local(tz: str, y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(y, m, d, hh, mm, tzinfo=ZoneInfo(tz))


def wib(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return local(JAKARTA, y, m, d, hh, mm)


def assert_utc(moment: datetime) -> None:
    assert moment.tzinfo is not None
    assert moment.utcoffset() == timedelta(0)


@pytest.fixture
def cal() -> BusinessCalendar:
    return BusinessCalendar()


# -- the hand-made table --------------------------------------------------------------------

DUE_TABLE = [
    # Lebaran 2025 (with Nyepi just before): 28 Mar - 7 Apr has no working day.
    pytest.param(wib(2025, 3, 28, 10), "3WD", wib(2025, 4, 10, 16), id="fri28mar-3WD-nyepi-lebaran"),
    pytest.param(wib(2025, 3, 26, 9), "3WD", wib(2025, 4, 9, 16), id="wed26mar-3WD-27mar-8-9apr"),
    pytest.param(wib(2025, 3, 27, 10), "5WD", wib(2025, 4, 14, 16), id="thu27mar-5WD"),
    pytest.param(wib(2025, 3, 27, 10), "10WD", wib(2025, 4, 22, 16), id="thu27mar-10WD-goodfriday"),
    pytest.param(wib(2025, 4, 1, 9), "5WD", wib(2025, 4, 14, 16), id="tue1apr-holiday-5WD"),
    pytest.param(wib(2025, 4, 1, 9), "10WD", wib(2025, 4, 22, 16), id="tue1apr-holiday-10WD"),
    # Late submission (after closing) still counts from the next day; so does an early one.
    pytest.param(wib(2025, 4, 14, 23, 59), "1WD", wib(2025, 4, 15, 16), id="mon14apr-late-1WD"),
    pytest.param(wib(2025, 4, 14, 0, 1), "1WD", wib(2025, 4, 15, 16), id="mon14apr-early-1WD"),
    # Waisak 2025: Mon 12 + Tue 13 May off.
    pytest.param(wib(2025, 5, 9, 11), "2WD", wib(2025, 5, 15, 16), id="fri9may-2WD-waisak"),
    # Natal 2025 and New Year 2026.
    pytest.param(wib(2025, 12, 24, 14), "3WD", wib(2025, 12, 31, 16), id="wed24dec-3WD-natal"),
    # 29, 30, 31 Dec, (1 Jan holiday), 2 Jan, 5 Jan.
    pytest.param(wib(2025, 12, 24, 14), "5WD", wib(2026, 1, 5, 16), id="wed24dec-5WD-newyear"),
    # Hour scale (Mon 14 Apr 2025 is an ordinary working day).
    pytest.param(wib(2025, 4, 14, 10), "3WH", wib(2025, 4, 14, 13), id="mon-10h-3WH"),
    pytest.param(wib(2025, 4, 14, 14), "3WH", wib(2025, 4, 15, 9), id="mon-14h-3WH-next-morning"),
    pytest.param(wib(2025, 4, 14, 6), "3WH", wib(2025, 4, 14, 11), id="mon-06h-before-opening"),
    pytest.param(wib(2025, 4, 14, 13), "3WH", wib(2025, 4, 14, 16), id="mon-13h-ends-at-closing"),
    pytest.param(wib(2025, 4, 14, 17), "3WH", wib(2025, 4, 15, 11), id="mon-17h-after-closing"),
    pytest.param(wib(2025, 4, 12, 10), "3WH", wib(2025, 4, 14, 11), id="saturday-start"),
    # Fri 9 May 15:00: 1h, then weekend + Waisak + cuti bersama -> Wed 14 May 08:00 + 2h.
    pytest.param(wib(2025, 5, 9, 15), "3WH", wib(2025, 5, 14, 10), id="fri9may-15h-long-weekend"),
    # Thu 17 Apr 15:00: 1h, then Good Friday + weekend -> Mon 21 Apr 10:00.
    pytest.param(wib(2025, 4, 17, 15), "3WH", wib(2025, 4, 21, 10), id="thu17apr-15h-goodfriday"),
    # Thu 27 Mar 15:00: 1h, then nothing until Tue 8 Apr.
    pytest.param(wib(2025, 3, 27, 15), "3WH", wib(2025, 4, 8, 10), id="thu27mar-15h-lebaran"),
    # 16WH = two full days: from Mon 08:00 ends at Tue closing, not Wed morning.
    pytest.param(wib(2025, 4, 14, 8), "16WH", wib(2025, 4, 15, 16), id="16WH-two-full-days"),
]


@pytest.mark.parametrize("start, limit, expected", DUE_TABLE)
def test_due_table(cal: BusinessCalendar, start: datetime, limit: str, expected: datetime) -> None:
    result = cal.due(start, Limit.parse(limit))
    assert_utc(result)
    assert result == expected, f"{result.astimezone(expected.tzinfo)} != {expected}"


def test_package_lists_the_days_the_table_relies_on() -> None:
    """Guards the table: if the holidays package changes these, the table must be redone."""
    listed = holidays.country_holidays("ID", years=[2025, 2026], categories=("public", "government"))
    for day in ["2025-03-28", "2025-03-29", "2025-03-31", "2025-04-01", "2025-04-02", "2025-04-03",
                "2025-04-04", "2025-04-07", "2025-04-18", "2025-05-12", "2025-05-13",
                "2025-12-25", "2025-12-26", "2026-01-01"]:
        assert date.fromisoformat(day) in listed, day
    for day in ["2025-03-27", "2025-04-08", "2025-04-17", "2025-12-24", "2025-12-29", "2026-01-02",
                "2026-01-05"]:
        assert date.fromisoformat(day) not in listed, day


# -- days -----------------------------------------------------------------------------------

def test_working_days_and_next_working_day(cal: BusinessCalendar) -> None:
    assert cal.is_working_day(date(2025, 3, 27))
    assert not cal.is_working_day(date(2025, 3, 28))  # cuti bersama (government category)
    assert not cal.is_working_day(date(2025, 4, 5))  # plain Saturday
    assert not cal.is_working_day(date(2025, 4, 6))  # plain Sunday
    assert cal.next_working_day(date(2025, 3, 27)) == date(2025, 4, 8)
    assert cal.next_working_day(date(2025, 4, 8)) == date(2025, 4, 9)  # strictly after
    assert cal.next_working_day(date(2025, 12, 31)) == date(2026, 1, 2)  # across the year


def test_holiday_names(cal: BusinessCalendar) -> None:
    assert cal.holiday_name(date(2025, 3, 28)) == "Day of Silence Joint Holiday"
    assert cal.holiday_name(date(2025, 3, 29)) == "Day of Silence"  # holiday on a Saturday
    assert cal.holiday_name(date(2025, 12, 25)) == "Christmas Day"
    assert cal.holiday_name(date(2025, 4, 5)) is None  # plain weekend
    assert cal.holiday_name(date(2025, 4, 8)) is None  # working day


def test_holiday_names_in_indonesian() -> None:
    cal = BusinessCalendar(days_off={date(2025, 4, 9)}, language="id")
    assert cal.holiday_name(date(2025, 3, 28)) == "Cuti Bersama Hari Suci Nyepi"
    assert cal.holiday_name(date(2025, 4, 9)) == "Libur tambahan"


def test_days_off_and_days_on() -> None:
    cal = BusinessCalendar(days_off={date(2025, 4, 9)}, days_on={date(2025, 4, 7), date(2025, 4, 5)})
    assert not cal.is_working_day(date(2025, 4, 9))
    assert cal.holiday_name(date(2025, 4, 9)) == "Extra day off"
    assert cal.is_working_day(date(2025, 4, 7))  # cancelled cuti bersama
    assert cal.holiday_name(date(2025, 4, 7)) is None
    assert not cal.is_working_day(date(2025, 4, 5))  # a Saturday never becomes a working day


@pytest.mark.parametrize("overrides, expected", [
    pytest.param({}, wib(2025, 4, 10, 16), id="national-only"),
    # Regional day off on Wed 9 Apr: 8, 10, 11 Apr.
    pytest.param({"days_off": {date(2025, 4, 9)}}, wib(2025, 4, 11, 16), id="days_off-9apr"),
    # Cuti bersama Mon 7 Apr cancelled: 7, 8, 9 Apr.
    pytest.param({"days_on": [date(2025, 4, 7)]}, wib(2025, 4, 9, 16), id="days_on-7apr"),
])
def test_region_overrides_move_the_deadline(overrides: dict, expected: datetime) -> None:
    cal = BusinessCalendar(JAKARTA, **overrides)
    assert cal.due(wib(2025, 3, 28, 10), Limit.parse("3WD")) == expected


def test_holidays_are_built_lazily_once_per_year(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = holidays.country_holidays

    def counting(*args, **kwargs):
        calls.append(kwargs.get("years"))
        return real(*args, **kwargs)

    monkeypatch.setattr(holidays, "country_holidays", counting)
    cal = BusinessCalendar()
    assert calls == []  # nothing built at construction
    for _ in range(3):
        cal.due(wib(2025, 12, 24, 14), Limit.parse("5WD"))
    assert sorted(calls) == [2025, 2026]


# -- hours and time zones -------------------------------------------------------------------

def test_working_hours() -> None:
    assert WorkingHours().seconds == 28800
    assert WorkingHours(time(7, 30), time(15, 0)).seconds == 27000
    with pytest.raises(ValueError, match="before end"):
        WorkingHours(time(16, 0), time(8, 0))
    with pytest.raises(ValueError, match="before end"):
        WorkingHours(time(8, 0), time(8, 0))


def test_custom_working_hours() -> None:
    cal = BusinessCalendar(hours=WorkingHours(time(7, 0), time(15, 0)))
    # Mon 14 Apr 14:00: 1h to closing at 15:00, 2h from Tue 07:00.
    assert cal.add_working_hours(wib(2025, 4, 14, 14), 3) == wib(2025, 4, 15, 9)
    assert cal.add_working_days(wib(2025, 3, 28, 10), 3) == wib(2025, 4, 10, 15)


def test_fractional_hours_and_seconds(cal: BusinessCalendar) -> None:
    assert cal.add_working_hours(wib(2025, 4, 14, 10), 1.5) == wib(2025, 4, 14, 11, 30)
    assert cal.add_working_seconds(wib(2025, 4, 14, 15, 59), 120) == wib(2025, 4, 15, 8, 1)


def test_zero_seconds_returns_start_unchanged(cal: BusinessCalendar) -> None:
    saturday_night = wib(2025, 4, 12, 20)
    result = cal.add_working_seconds(saturday_night, 0)
    assert result == saturday_night
    assert_utc(result)


@pytest.mark.parametrize("abbr, iana", sorted(TIMEZONES.items()))
def test_timezone_abbreviations(abbr: str, iana: str) -> None:
    assert BusinessCalendar(abbr).tz == iana
    assert BusinessCalendar(iana).tz == iana


def test_same_local_start_in_wita_is_one_hour_earlier_in_utc() -> None:
    wib_cal, wita_cal, wit_cal = BusinessCalendar("WIB"), BusinessCalendar("Asia/Makassar"), BusinessCalendar("WIT")
    for limit, expected_wib_utc in [("3WH", datetime(2025, 4, 14, 6, tzinfo=timezone.utc)),
                                    ("3WD", datetime(2025, 4, 17, 9, tzinfo=timezone.utc))]:
        in_wib = wib_cal.due(local("Asia/Jakarta", 2025, 4, 14, 10), Limit.parse(limit))
        in_wita = wita_cal.due(local("Asia/Makassar", 2025, 4, 14, 10), Limit.parse(limit))
        in_wit = wit_cal.due(local("Asia/Jayapura", 2025, 4, 14, 10), Limit.parse(limit))
        for result in (in_wib, in_wita, in_wit):
            assert_utc(result)
        assert in_wib == expected_wib_utc
        assert in_wib - in_wita == timedelta(hours=1)
        assert in_wib - in_wit == timedelta(hours=2)


def test_local_date_decides_where_counting_starts(cal: BusinessCalendar) -> None:
    # Sun 13 Apr 23:30 UTC is Mon 14 Apr 06:30 WIB: count 15, 16, 17 Apr (not 14, 15, 16).
    start = datetime(2025, 4, 13, 23, 30, tzinfo=timezone.utc)
    assert cal.add_working_days(start, 3) == wib(2025, 4, 17, 16)
    # ... and the working hours are local: 06:30 WIB is before opening.
    assert cal.add_working_hours(start, 1) == wib(2025, 4, 14, 9)


# -- working_seconds_between and pause/resume -----------------------------------------------

def test_working_seconds_between(cal: BusinessCalendar) -> None:
    assert cal.working_seconds_between(wib(2025, 4, 14, 10), wib(2025, 4, 14, 13)) == 3 * 3600
    # Mon 14 Apr 06:00 -> Tue 15 Apr 20:00: two full days.
    assert cal.working_seconds_between(wib(2025, 4, 14, 6), wib(2025, 4, 15, 20)) == 2 * 28800
    # Fri 11 Apr 15:00 -> Mon 14 Apr 09:00: 1h + 1h across a weekend.
    assert cal.working_seconds_between(wib(2025, 4, 11, 15), wib(2025, 4, 14, 9)) == 2 * 3600
    # Nothing is worked during Lebaran.
    assert cal.working_seconds_between(wib(2025, 3, 28, 8), wib(2025, 4, 8, 8)) == 0
    assert cal.working_seconds_between(wib(2025, 4, 14, 13), wib(2025, 4, 14, 10)) == 0
    assert cal.working_seconds_between(wib(2025, 4, 14, 10), wib(2025, 4, 14, 10)) == 0


def test_pause_resume_round_trip_across_holidays(cal: BusinessCalendar) -> None:
    submitted = wib(2025, 3, 26, 9)
    due = cal.due(submitted, Limit.parse("3WD"))
    assert due == wib(2025, 4, 9, 16)  # 27 Mar, 8 Apr, 9 Apr
    # Paused Thu 27 Mar 14:00: 2h left that day + 8 Apr + 9 Apr = 18h.
    remaining = cal.working_seconds_between(wib(2025, 3, 27, 14), due)
    assert remaining == 18 * 3600
    # Resumed Thu 17 Apr 11:00: 5h that day (13h left), Good Friday + weekend skipped,
    # Mon 21 Apr 8h (5h left), Tue 22 Apr 08:00 + 5h.
    assert cal.add_working_seconds(wib(2025, 4, 17, 11), remaining) == wib(2025, 4, 22, 13)


# -- contract invariants and performance ----------------------------------------------------

@pytest.mark.parametrize("hours", [WorkingHours(), WorkingHours(time(7, 30), time(15, 30))])
def test_working_days_equals_working_seconds_from_next_opening(hours: WorkingHours) -> None:
    cal = BusinessCalendar("WITA", hours=hours, days_off={date(2025, 4, 9)}, days_on={date(2025, 4, 7)})
    start = local("Asia/Makassar", 2025, 3, 20, 13)
    for step in range(0, 24 * 60, 7):  # ~2 months of starts at uneven times
        moment = start + timedelta(hours=step)
        next_day = cal.next_working_day(moment.astimezone(cal.zone).date())
        opening = datetime.combine(next_day, hours.start, tzinfo=cal.zone)
        for days in (1, 3, 10):
            assert cal.add_working_days(moment, days) == cal.add_working_seconds(opening, days * hours.seconds)


# -- Limit and errors -----------------------------------------------------------------------

@pytest.mark.parametrize("text, amount, unit", [
    ("3WD", 3, "WD"), ("5 WD", 5, "WD"), ("3wh", 3, "WH"), (" 60 wd ", 60, "WD"), ("8Wh", 8, "WH"),
])
def test_limit_parse(text: str, amount: int, unit: str) -> None:
    limit = Limit.parse(text)
    assert (limit.amount, limit.unit) == (amount, unit)
    assert str(limit) == f"{amount}{unit}"
    assert Limit.parse(str(limit)) == limit


@pytest.mark.parametrize("text", ["3 days", "0WD", "-3WD", "3.5WH", "WD", "", "3", "3WDX", "3 W D", None])
def test_limit_parse_rejects(text: object) -> None:
    with pytest.raises(ValueError, match=r"WD \(working days\) or WH \(working hours\)|positive"):
        Limit.parse(text)  # type: ignore[arg-type]


def test_limit_constructor_validates() -> None:
    assert Limit(3, "wd").unit == "WD"
    with pytest.raises(ValueError, match="positive"):
        Limit(0, "WD")
    with pytest.raises(ValueError, match="unit"):
        Limit(3, "WK")


def test_naive_datetimes_are_rejected(cal: BusinessCalendar) -> None:
    naive = datetime(2025, 4, 14, 10)
    for call in (lambda: cal.add_working_seconds(naive, 60),
                 lambda: cal.add_working_days(naive, 3),
                 lambda: cal.add_working_hours(naive, 3),
                 lambda: cal.due(naive, Limit.parse("3WD")),
                 lambda: cal.working_seconds_between(naive, wib(2025, 4, 15)),
                 lambda: cal.working_seconds_between(wib(2025, 4, 13), naive)):
        with pytest.raises(ValueError, match="timezone-aware"):
            call()


@pytest.mark.parametrize("days", [0, -1])
def test_non_positive_days_are_rejected(cal: BusinessCalendar, days: int) -> None:
    with pytest.raises(ValueError, match=">= 1"):
        cal.add_working_days(wib(2025, 4, 14, 10), days)


def test_negative_seconds_are_rejected(cal: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="non-negative"):
        cal.add_working_seconds(wib(2025, 4, 14, 10), -1)


@pytest.mark.parametrize("tz", ["Mars/Olympus", "", "WIBX", "../etc/passwd"])
def test_bad_timezone(tz: str) -> None:
    with pytest.raises(ValueError, match="Unknown time zone"):
        BusinessCalendar(tz)


def test_conflicting_overrides_are_rejected() -> None:
    with pytest.raises(ValueError, match="2025-04-09"):
        BusinessCalendar(days_off=[date(2025, 4, 9)], days_on=[date(2025, 4, 9)])
