"""What the request-path work (docs/PERFORMANCE.md, "End to end") must not change: totals without a
count query, escalations ending when only their next-level deadline is left, a fired timer's row
written once, and the statements a task completion costs."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select

from sla.scheduler.sweep import sweep
from tests.helpers import Api
from web import create_app
from workflows.clock import ManualClock
from workflows.db import transaction
from workflows.service import Aduan
from workflows.sla.models import Deadline
from workflows.tasks.models import HumanTask

WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def clocked(database_url, world):
    clock = ManualClock(datetime(2025, 7, 7, 9, 0, tzinfo=WIB))  # Monday, no holidays that week
    services = Aduan(database_url, clock=clock)
    api = Api(create_app({"TESTING": True, "SECRET_KEY": "t"}, services=services).test_client(), world)
    yield services, api, clock
    services.sql_engine.dispose()


class Statements:
    def __init__(self, services: Aduan):
        self.seen: list[tuple[str, object]] = []
        event.listen(services.sql_engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, parameters, _context, _executemany):
        self.seen.append((" ".join(statement.split()), parameters))

    def starting(self, prefix: str) -> list[tuple[str, object]]:
        return [(s, p) for s, p in self.seen if s.startswith(prefix)]


def test_total_count_is_right_on_partial_pages_and_past_the_end(clocked):
    _services, api, _clock = clocked
    for _ in range(3):
        api.submit()
    for query, rows, total in (({"limit": 50}, 3, "3"), ({"limit": 2}, 2, "3"), ({"limit": 2, "offset": 2}, 1, "3"),
                               ({"limit": 2, "offset": 5}, 0, "3"), ({"limit": 3}, 3, "3")):
        r = api.client.get("/api/tasks", query_string=query, headers=api.auth("admin_a"))
        assert r.status_code == 200
        assert (len(r.json), r.headers["X-Total-Count"]) == (rows, total), query


def test_a_fired_timers_deadline_is_written_once(clocked):
    services, api, clock = clocked
    api.submit()
    with transaction(services.sessions) as db:
        timer = db.scalars(select(Deadline).where(Deadline.kind == "timer")).one()
    clock.set(datetime(2025, 7, 10, 10, 0, tzinfo=WIB))  # the reminder (09:48) first
    assert sweep(services).kinds == {"reminder": 1}
    clock.set(datetime(2025, 7, 10, 16, 30, tzinfo=WIB))
    statements = Statements(services)
    assert sweep(services).kinds == {"timer": 1}
    writes = [s for s, p in statements.starting("UPDATE deadlines") if "WHERE deadlines.id =" in s
              and (p.get("deadlines_id") if isinstance(p, dict) else p[-1]) == timer.id]
    assert len(writes) == 1
    with transaction(services.sessions) as db:
        row = db.get(Deadline, timer.id)
        assert (row.state, row.fired_at) == ("fired", clock())


def test_an_acknowledged_escalation_still_stops_the_next_level(clocked, world):
    """No escalation task is open any more, only the next level's deadline: finishing the late task
    must still cancel it."""
    services, api, clock = clocked
    tid = api.submit()["tracking_id"]
    clock.set(datetime(2025, 7, 11, 9, 0, tzinfo=WIB))
    sweep(services)
    esc = api.task_for("koord", tid, "escalation")
    assert api.complete("koord", esc["id"], {"note": "Sudah ditegur."}).status_code == 200
    with transaction(services.sessions) as db:
        assert db.scalar(select(func.count()).select_from(Deadline).where(
            Deadline.kind == "escalate", Deadline.state == "pending")) == 1
    verify = api.task_for("admin_a", tid, "verify")
    assert api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1}).status_code == 200
    with transaction(services.sessions) as db:
        assert db.scalar(select(func.count()).select_from(Deadline).where(
            Deadline.kind == "escalate", Deadline.state == "pending")) == 0
        assert db.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.kind == "escalation", HumanTask.state == "open")) == 0


def test_a_completion_reads_and_writes_each_row_once(clocked, world):
    """The dispatch of a fresh complaint: the complaint is read once and written once, the process
    definition is not read, and nothing about escalations is written when there are none."""
    services, api, _clock = clocked
    tid = api.submit()["tracking_id"]
    verify = api.task_for("admin_a", tid)
    statements = Statements(services)
    r = api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1})
    assert r.status_code == 200 and r.json["tracking_id"] == tid
    assert len(statements.starting("SELECT complaints")) <= 1  # (or joined to the task)
    assert len(statements.starting("UPDATE complaints")) == 1
    assert statements.starting("SELECT process_definitions") == []
    assert len(statements.starting("SELECT units")) == 1
    assert [s for s, _ in statements.starting("UPDATE human_tasks") if "escalation" in s] == []
    assert len(statements.seen) <= 20, [s[:60] for s, _ in statements.seen]
