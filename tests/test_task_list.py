"""The task list's filters (category, due soon / overdue) and sort order, with a clock the test moves."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from tests.helpers import Api
from web import create_app
from workflows.clock import ManualClock
from workflows.db import transaction
from workflows.service import Aduan
from workflows.tasks.models import HumanTask

WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def clocked(database_url, world):
    clock = ManualClock(datetime(2025, 7, 7, 9, 0, tzinfo=WIB))  # Monday, no holidays that week
    services = Aduan(database_url, clock=clock)
    api = Api(create_app({"TESTING": True, "SECRET_KEY": "t"}, services=services).test_client(), world)
    yield services, api, clock
    services.sql_engine.dispose()


def _three_complaints(api: Api, clock: ManualClock) -> dict[str, dict]:
    """Verification tasks submitted a day apart: a (infrastruktur), b (kesehatan), c (infrastruktur)."""
    tasks = {}
    for name, category in (("a", "infrastruktur"), ("b", "kesehatan"), ("c", "infrastruktur")):
        tid = api.submit(category=category, title=f"Laporan {name}")["tracking_id"]
        tasks[name] = api.task_for("admin_a", tid)
        clock.advance(days=1)
    return tasks


def _names(rows: list[dict], tasks: dict[str, dict]) -> list[str]:
    by_id = {t["id"]: name for name, t in tasks.items()}
    return [by_id[r["id"]] for r in rows if r["id"] in by_id]


def _due(task: dict) -> datetime:
    return datetime.fromisoformat(task["due_at"])


def test_category_filter_and_total_count(clocked):
    services, api, clock = clocked
    tasks = _three_complaints(api, clock)
    assert _names(api.tasks("admin_a", category="infrastruktur"), tasks) == ["a", "c"]
    assert _names(api.tasks("admin_a", category="kesehatan"), tasks) == ["b"]
    assert api.tasks("admin_a", category="lainnya") == []

    r = api.client.get("/api/tasks", query_string={"category": "infrastruktur", "limit": 1},
                       headers=api.auth("admin_a"))
    assert r.status_code == 200 and len(r.json) == 1
    assert r.headers["X-Total-Count"] == "2"
    r = api.client.get("/api/tasks", query_string={"limit": 1, "offset": 2}, headers=api.auth("admin_a"))
    assert _names(r.json, tasks) == ["c"] and r.headers["X-Total-Count"] == "3"


def test_due_filters_follow_the_clock(clocked):
    services, api, clock = clocked
    tasks = _three_complaints(api, clock)
    assert _due(tasks["a"]) < _due(tasks["b"]) < _due(tasks["c"])

    clock.set(_due(tasks["a"]) - timedelta(hours=1))
    assert _names(api.tasks("admin_a", due="overdue"), tasks) == []
    soon = [n for n in "abc" if _due(tasks[n]) < clock() + timedelta(days=2)]
    assert _names(api.tasks("admin_a", due="soon"), tasks) == soon and "a" in soon

    clock.set(_due(tasks["a"]) + timedelta(minutes=1))   # a is now late
    assert _names(api.tasks("admin_a", due="overdue"), tasks) == ["a"]
    soon = [n for n in "bc" if _due(tasks[n]) < clock() + timedelta(days=2)]
    assert _names(api.tasks("admin_a", due="soon"), tasks) == soon
    r = api.client.get("/api/tasks", query_string={"due": "overdue"}, headers=api.auth("admin_a"))
    assert r.headers["X-Total-Count"] == "1"

    clock.set(_due(tasks["c"]) + timedelta(minutes=1))
    assert _names(api.tasks("admin_a", due="overdue"), tasks) == ["a", "b", "c"]
    assert _names(api.tasks("admin_a", due="soon"), tasks) == []
    assert _names(api.tasks("admin_a", due="overdue", category="kesehatan"), tasks) == ["b"]


def test_sort_by_due_date_both_ways_with_undated_tasks_last(clocked):
    services, api, clock = clocked
    tasks = _three_complaints(api, clock)
    with transaction(services.sessions) as db:  # a task without a due date
        db.execute(update(HumanTask).where(HumanTask.id == tasks["b"]["id"]).values(due_at=None))
    assert _names(api.tasks("admin_a"), tasks) == ["a", "c", "b"]
    assert _names(api.tasks("admin_a", sort="due"), tasks) == ["a", "c", "b"]
    assert _names(api.tasks("admin_a", sort="-due"), tasks) == ["c", "a", "b"]
    assert _names(api.tasks("admin_a", sort="-due", due="overdue"), tasks) == []


def test_bad_filter_values_are_refused_with_the_field_name(clocked):
    services, api, clock = clocked
    for query, field in (({"due": "later"}, "due"), ({"sort": "title"}, "sort"), ({"category": ""}, "category")):
        r = api.client.get("/api/tasks", query_string=query, headers=api.auth("admin_a"))
        assert r.status_code == 422, (query, r.json)
        assert field in r.json["fields"]
