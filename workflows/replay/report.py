"""Paths counted into the comparison a designer reads: per step, per region, per instansi, and the
workload per queue per week, for what happened, the live version and the candidate side by side."""
from __future__ import annotations

import csv
import io
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sla.calendar import WorkingHours

from .records import Path

SCENARIOS = ("actual", "live", "candidate")
DAY_SECONDS = WorkingHours().seconds


class Tally:
    """Counts for one scenario, built path by path (so a year of complaints never sits in memory twice)."""

    def __init__(self, zone: str = "Asia/Jakarta") -> None:
        self.complaints = 0
        self.errors = 0
        self.error_examples: list[str] = []
        self.outcomes: dict[str, int] = defaultdict(int)
        self.late_complaints = 0
        self.escalations = 0
        self.reminders = 0
        self.days: list[float] = []
        self.steps: dict[str, _Group] = defaultdict(_Group)
        self.regions: dict[int, _Group] = defaultdict(_Group)
        self.instansi: dict[int | None, _Group] = defaultdict(_Group)
        self.weekly: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, path: Path, horizon: float) -> None:
        self.complaints += 1
        if path.error:
            self.errors += 1
            if len(self.error_examples) < 5:
                self.error_examples.append(path.error)
            return
        self.outcomes[path.outcome or "open"] += 1
        officer_tasks = [t for t in path.tasks if t.officer]
        late = any(t.late for t in officer_tasks)
        self.late_complaints += late
        escalations = sum(t.escalations for t in officer_tasks)
        self.escalations += escalations
        reminders = sum(t.reminded for t in officer_tasks)
        self.reminders += reminders
        days = path.working_seconds / DAY_SECONDS if path.working_seconds is not None else None
        if days is not None:
            self.days.append(days)
        for group in (self.regions[path.region_id], self.instansi[path.instansi_id]):
            group.add_complaint(late, escalations, reminders, path.outcome, days)
        for task in path.tasks:
            self.steps[task.name].add_task(task)
            if task.officer:
                for week in _weeks(task.ready_at, task.done_at if task.done_at is not None else horizon):
                    self.weekly[task.unit_key][week] += 1

    def summary(self) -> dict[str, Any]:
        done = self.complaints - self.errors
        return {"complaints": self.complaints, "errors": self.errors, "error_examples": self.error_examples,
                "late": self.late_complaints, "within_share": _share(done - self.late_complaints, done),
                "escalations": self.escalations, "reminders": self.reminders,
                "closed": self.outcomes.get("closed", 0), "auto_closed": self.outcomes.get("auto_closed", 0),
                "archived": self.outcomes.get("archived", 0), "open": self.outcomes.get("open", 0),
                "median_days": _median(self.days)}


class _Group:
    def __init__(self) -> None:
        self.count = 0
        self.late = 0
        self.timed = 0
        self.escalations = 0
        self.reminders = 0
        self.auto_closed = 0
        self.days: list[float] = []

    def add_complaint(self, late: bool, escalations: int, reminders: int, outcome: str | None,
                      days: float | None) -> None:
        self.count += 1
        self.timed += 1
        self.late += late
        self.escalations += escalations
        self.reminders += reminders
        self.auto_closed += outcome == "auto_closed"
        if days is not None:
            self.days.append(days)

    def add_task(self, task) -> None:
        self.count += 1
        self.timed += task.due_at is not None and task.officer
        self.late += task.late
        self.escalations += task.escalations
        self.reminders += task.reminded
        if task.working_seconds is not None:
            self.days.append(task.working_seconds / DAY_SECONDS)

    def summary(self) -> dict[str, Any]:
        return {"count": self.count, "late": self.late, "within_share": _share(self.timed - self.late, self.timed),
                "escalations": self.escalations, "reminders": self.reminders, "auto_closed": self.auto_closed,
                "median_days": _median(self.days)}


def build(tallies: Mapping[str, Tally], names: Mapping[str, Mapping[Any, str]], meta: dict[str, Any]
          ) -> dict[str, Any]:
    """The stored report: totals, rows per step/region/instansi/queue with the three scenarios side by
    side, and the weekly workload series for the chart."""
    def rows(attr: str, label: Mapping[Any, str]) -> list[dict[str, Any]]:
        keys = sorted({k for t in tallies.values() for k in getattr(t, attr)}, key=lambda k: str(label.get(k, k)))
        return [{"key": k, "name": label.get(k, str(k)),
                 **{s: getattr(tallies[s], attr)[k].summary() if k in getattr(tallies[s], attr) else None
                    for s in tallies}} for k in keys]

    weeks = sorted({w for t in tallies.values() for queue in t.weekly.values() for w in queue})
    queues = sorted({q for t in tallies.values() for q in t.weekly}, key=lambda q: names["queues"].get(q, q))
    workload = []
    for queue in queues:
        row: dict[str, Any] = {"key": queue, "name": names["queues"].get(queue, queue)}
        for s, tally in tallies.items():
            counts = [tally.weekly.get(queue, {}).get(w, 0) for w in weeks]
            row[s] = {"mean": round(sum(counts) / len(counts), 1) if counts else 0, "peak": max(counts, default=0)}
        workload.append(row)
    return {**meta,
            "totals": {s: t.summary() for s, t in tallies.items()},
            "steps": rows("steps", names["steps"]),
            "regions": rows("regions", names["regions"]),
            "instansi": rows("instansi", names["instansi"]),
            "workload": workload,
            "weeks": {"labels": [w.isoformat() for w in weeks],
                      **{s: [sum(q.get(w, 0) for q in t.weekly.values()) for w in weeks] for s, t in tallies.items()}}}


def to_csv(report: dict[str, Any]) -> str:
    """The report as one CSV table: section, row, measure, then one column per scenario."""
    out = io.StringIO()
    writer = csv.writer(out)
    scenarios = [s for s in SCENARIOS if s in report.get("totals", {})]
    writer.writerow(["section", "key", "name", "measure", *scenarios])
    for measure in ("complaints", "late", "within_share", "escalations", "reminders", "closed", "auto_closed",
                    "archived", "open", "median_days", "errors"):
        writer.writerow(["total", "", "", measure, *[report["totals"][s].get(measure) for s in scenarios]])
    for section in ("steps", "regions", "instansi"):
        for row in report.get(section, []):
            for measure in ("count", "late", "within_share", "escalations", "reminders", "auto_closed", "median_days"):
                writer.writerow([section, row["key"], row["name"], measure,
                                 *[(row.get(s) or {}).get(measure) for s in scenarios]])
    for row in report.get("workload", []):
        for measure in ("mean", "peak"):
            writer.writerow(["workload", row["key"], row["name"], f"weekly_{measure}",
                             *[(row.get(s) or {}).get(measure) for s in scenarios]])
    return out.getvalue()


def _weeks(start: float, end: float) -> Iterable[date]:
    """The Mondays (UTC) of the weeks a task waited in."""
    first = datetime.fromtimestamp(start, timezone.utc).date()
    last = datetime.fromtimestamp(max(start, end), timezone.utc).date()
    week = first - timedelta(days=first.weekday())
    while week <= last:
        yield week
        week += timedelta(days=7)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None
