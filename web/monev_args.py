"""From validated monev query arguments (``MonevQueryIn``) to the domain's query: the default
period is this year so far, by the national (WIB) calendar."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from workflows.monev.indicators import Query

WIB = ZoneInfo("Asia/Jakarta")


def today(now: datetime) -> date:
    return now.astimezone(WIB).date()


def to_query(args: dict, now: datetime) -> Query:
    end = args.get("end") or today(now)
    start = args.get("start") or date(end.year, 1, 1)
    return Query(start=start, end=end, province_id=args.get("province_id"), instansi_id=args.get("instansi_id"))
