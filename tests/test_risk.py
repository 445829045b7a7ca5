"""Breach risk of open tasks (workflows/risk): the Kaplan-Meier estimate against closed forms on seeded
synthetic histories, censoring, the conditional probability, the fallback levels, the working-time clock,
and the task list's ``breach_risk`` field and "risk" sort on a real database through the real app."""
from __future__ import annotations

import math
import random
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from sla.calendar import BusinessCalendar
from tests.helpers import Api
from web import create_app
from workflows.accounts.models import User
from workflows.clock import ManualClock
from workflows.db import transaction
from workflows.risk.model import INSTANSI, NATIONAL, UNIT, Observation, Settings, assess, build
from workflows.risk.survival import conditional_miss, kaplan_meier
from workflows.risk.worktime import WorkClock
from workflows.service import Aduan
from workflows.tasks.models import HumanTask
from workflows.tasks.queries import TaskQuery

WIB = ZoneInfo("Asia/Jakarta")
HOUR = 3600.0
DAY = 8 * HOUR  # one working day (08:00-16:00)


# -- the estimate itself (pure) ----------------------------------------------------------------------
def test_kaplan_meier_of_exponential_durations_matches_the_closed_form():
    rng, rate = random.Random(15), 1 / 3.0
    durations = [rng.expovariate(rate) for _ in range(4000)]
    curve = kaplan_meier(durations, [True] * len(durations))
    assert curve.observations == curve.events == 4000
    for t in (0.5, 1, 2, 3, 5, 8):
        assert curve.at(t) == pytest.approx(math.exp(-rate * t), abs=0.025), t
    # without censoring KM is the empirical survival: the share of durations above t
    assert curve.at(2.0) == pytest.approx(sum(d > 2.0 for d in durations) / 4000, abs=1e-12)


def _censored_history(seed: int = 7, n: int = 4000, rate: float = 1 / 3.0, window: float = 12.0):
    """Tasks arriving uniformly over ``window`` time units before "now", each taking Exp(rate): those not
    done by now are open, censored at the time they have run."""
    rng = random.Random(seed)
    durations, observed = [], []
    for _ in range(n):
        elapsed = rng.uniform(0, window)  # how long ago it arrived
        t = rng.expovariate(rate)
        durations.append(min(t, elapsed))
        observed.append(t <= elapsed)
    return durations, observed


def test_censored_open_tasks_keep_the_estimate_on_the_closed_form_unlike_the_naive_ones():
    rate = 1 / 3.0
    durations, observed = _censored_history(rate=rate)
    assert 0.15 < observed.count(False) / len(observed) < 0.5  # a real share is still open
    km = kaplan_meier(durations, observed)
    dropped = kaplan_meier([d for d, o in zip(durations, observed) if o], [True] * observed.count(True))
    as_done = kaplan_meier(durations, [True] * len(durations))
    for t in (1, 2, 4, 6):
        truth = math.exp(-rate * t)
        assert km.at(t) == pytest.approx(truth, abs=0.03), t
        # dropping the open tasks forgets the slow ones; counting them as done ends them too early
        assert dropped.at(t) < truth - 0.04, t
        assert as_done.at(t) < truth - 0.04, t


def test_conditional_probability_is_survival_at_the_limit_over_survival_now():
    # four tasks done after 1, 2, 3 and 4 hours: S = .75, .5, .25, 0
    curve = kaplan_meier([1, 2, 3, 4], [True] * 4)
    assert (curve.at(0.5), curve.at(1), curve.at(2.5), curve.at(4)) == (1.0, 0.75, 0.5, 0.0)
    assert curve.before(3) == 0.5 and curve.at(3) == 0.25  # done exactly at the limit counts as late
    assert conditional_miss(curve, 0.5, 3) == pytest.approx(0.5)          # S(3-)/S(0.5) = .5/1
    assert conditional_miss(curve, 1.5, 3) == pytest.approx(0.5 / 0.75)   # S(3-)/S(1.5)
    assert conditional_miss(curve, 2.5, 3.5) == pytest.approx(0.25 / 0.5)
    assert conditional_miss(curve, 3, 3) == 1.0          # already at the limit: missed
    assert conditional_miss(curve, 4, 5) is None          # S(4) = 0: no past task ran that long
    # exponential times forget: S(L)/S(e) = exp(-rate (L - e)) whatever e
    rng, rate = random.Random(3), 1 / 2.0
    expo = kaplan_meier([rng.expovariate(rate) for _ in range(6000)], [True] * 6000)
    for e in (0.0, 1.0, 2.0):
        assert conditional_miss(expo, e, e + 2) == pytest.approx(math.exp(-rate * 2), abs=0.03), e
    # censoring: one task still open at 2.5 leaves the risk set after the event at 2
    mixed = kaplan_meier([1, 2, 2.5, 3, 4], [True, True, False, True, True])
    assert mixed.at(2) == pytest.approx(0.6) and mixed.at(3) == pytest.approx(0.3)


def _obs(unit, instansi, n, hours, done=True):
    return [Observation(unit, instansi, hours * HOUR, done) for _ in range(n)]


def test_the_unit_then_the_instansi_then_the_step_nationally():
    # unit 1 (instansi 10): 40 tasks, a quarter late; unit 2 (instansi 10): 10 all late; unit 3 (instansi 20): 5
    history = (_obs(1, 10, 30, 2) + _obs(1, 10, 10, 50) + _obs(2, 10, 10, 50) + _obs(3, 20, 5, 1)
               + _obs(None, 30, 20, 60))
    curves = build(history)
    limit = 40 * HOUR
    unit = assess(curves, 1, 10, HOUR, limit)
    assert (unit.level, unit.observations) == (UNIT, 40) and unit.probability == pytest.approx(0.25)
    instansi = assess(curves, 2, 10, HOUR, limit)   # the unit has only 10: its instansi's 50
    assert (instansi.level, instansi.observations) == (INSTANSI, 50) and instansi.probability == pytest.approx(20 / 50)
    national = assess(curves, 3, 20, 0.5 * HOUR, limit)  # 5 in the unit and the instansi: the country's 75
    assert (national.level, national.observations) == (NATIONAL, 75)
    assert national.probability == pytest.approx(40 / 75)
    unknown = assess(curves, None, None, HOUR, limit)
    assert unknown.level == NATIONAL
    # beyond 2 h, unit 1 has 10 tasks left of 40: enough at risk; with min_at_risk 11 the instansi is asked
    assert assess(curves, 1, 10, 3 * HOUR, limit).level == UNIT
    assert assess(curves, 1, 10, 3 * HOUR, limit, Settings(min_at_risk=11)).level == INSTANSI
    # too little history anywhere: no estimate; an already late task: none either (its due date says so)
    assert assess(build(_obs(1, 10, 29, 2)), 1, 10, HOUR, limit) is None
    assert assess(curves, 1, 10, limit, limit) is None
    # the task has run longer than every past task of its unit: S(e) = 0 there, so the next level
    assert assess(build(_obs(1, 10, 40, 2) + _obs(2, 10, 40, 70)), 1, 10, 3 * HOUR, limit).level == INSTANSI


def test_work_clock_counts_working_time_as_the_calendar_does():
    calendar = BusinessCalendar(tz="Asia/Makassar", days_off={datetime(2025, 3, 12).date()})
    clock, rng = WorkClock(calendar), random.Random(9)
    base = datetime(2024, 12, 20, tzinfo=timezone.utc)
    for _ in range(400):
        a = base + timedelta(seconds=rng.uniform(0, 200 * 86400))
        b = a + timedelta(seconds=rng.uniform(0, 40 * 86400))
        assert abs(clock.between(a, b) - calendar.working_seconds_between(a, b)) <= 1, (a, b)
        assert clock.between(b, a) == 0


# -- the task list on a real database ------------------------------------------------------------------
@pytest.fixture
def clocked(database_url, world):
    clock = ManualClock(datetime(2025, 7, 7, 9, 0, tzinfo=WIB))  # Monday, no holidays that week
    services = Aduan(database_url, clock=clock)
    api = Api(create_app({"TESTING": True, "SECRET_KEY": "t"}, services=services).test_client(), world)
    yield services, api, clock
    services.sql_engine.dispose()


def add_history(services: Aduan, like: dict, durations_hours: list[float], start: datetime,
                instansi_id: int | None = None, unit_id: int | None = None, every: timedelta = timedelta(hours=5),
                region_id: int | None = None) -> None:
    """Completed tasks of ``like``'s step (a task dict from the API), created one after another from
    ``start``, each taking the given working hours by its complaint's calendar. They hang on ``like``'s
    complaint (only their step, place and times matter to the estimate)."""
    with transaction(services.sessions) as db:
        model = db.get(HumanTask, like["id"])
        region = region_id if region_id is not None else model.complaint.region_id
        calendar = services.policy.calendar(region)
        created = start
        for hours in durations_hours:
            created = calendar.add_working_seconds(created, 1)  # a working moment
            db.add(HumanTask(instance_id=model.instance_id, complaint_id=model.complaint_id,
                             spiff_task_id=f"history-{uuid.uuid4().hex}", kind="bpmn", name=model.name,
                             title=model.title, role=model.role, region_id=model.region_id,
                             instansi_id=instansi_id if instansi_id is not None else model.instansi_id,
                             unit_id=unit_id, state="completed", created_at=created,
                             completed_at=calendar.add_working_seconds(created, hours * HOUR)))
            created += every
    services.risk.invalidate()


# past verification tasks of instansi A: 10 done after 1 working hour, 10 after 10, 8 after 17, 12 after 80 (late)
HISTORY_HOURS = [1] * 10 + [10] * 10 + [17] * 8 + [80] * 12


def test_breach_risk_field_and_the_risk_sort_on_the_task_list(clocked):
    services, api, clock = clocked
    tasks = {}
    for name in "abc":  # verification tasks created Monday, Tuesday and Wednesday at 09:00
        tid = api.submit(title=f"Laporan {name}")["tracking_id"]
        tasks[name] = api.task_for("admin_a", tid)
        clock.advance(days=1)
    assert all(t["breach_risk"] is None for t in api.tasks("admin_a"))  # no history yet: no estimate
    add_history(services, tasks["a"], HISTORY_HOURS, datetime(2025, 5, 5, 8, 0, tzinfo=WIB))
    clock.set(datetime(2025, 7, 9, 9, 30, tzinfo=WIB))  # Wednesday 09:30

    rows = {r["id"]: r for r in api.tasks("admin_a")}
    risk = {n: rows[t["id"]]["breach_risk"] for n, t in tasks.items()}
    assert {rows[t["id"]]["breach_risk_basis"] for t in tasks.values()} == {"instansi"}  # no unit before dispatch
    # the hand computation: the 40 past tasks with the three open ones censored where they are now
    cal_clock = WorkClock(services.policy.calendar(api.world.regency))
    now = clock()
    elapsed = {n: cal_clock.between(datetime.fromisoformat(t["created_at"]), now) for n, t in tasks.items()}
    assert elapsed == {"a": pytest.approx(16.5 * HOUR), "b": pytest.approx(8.5 * HOUR), "c": pytest.approx(0.5 * HOUR)}
    curve = kaplan_meier([h * HOUR for h in HISTORY_HOURS] + list(elapsed.values()), [True] * 40 + [False] * 3)
    for n, t in tasks.items():
        limit = cal_clock.between(datetime.fromisoformat(t["created_at"]), datetime.fromisoformat(t["due_at"]))
        assert risk[n] == pytest.approx(conditional_miss(curve, elapsed[n], limit), abs=1e-3), n
    assert risk["a"] > risk["b"] > risk["c"] > 0.2
    assert risk["a"] == pytest.approx(12 / 20, abs=1e-3)  # the 12 late ones of the 20 still running at 16.5 h

    order = [r["id"] for r in api.tasks("admin_a", sort="risk")]
    assert order == [tasks[n]["id"] for n in "abc"]
    assert [r["id"] for r in api.tasks("admin_a", sort="due")] == [tasks[n]["id"] for n in "abc"]
    r = api.client.get("/api/tasks", query_string={"sort": "risk", "limit": 1, "offset": 1}, headers=api.auth("admin_a"))
    assert [t["id"] for t in r.json] == [tasks["b"]["id"]] and r.headers["X-Total-Count"] == "3"

    # a task already late has no estimate; in the risk sort it comes after those that have one
    clock.set(datetime.fromisoformat(tasks["a"]["due_at"]) + timedelta(minutes=5))
    rows = api.tasks("admin_a", sort="risk")
    assert rows[-1]["id"] == tasks["a"]["id"] and rows[-1]["breach_risk"] is None
    assert all(r["breach_risk"] is not None for r in rows[:-1])


def test_the_at_risk_list_for_admins_within_their_scope(clocked):
    services, api, clock = clocked
    a = api.task_for("admin_a", api.submit(title="Laporan a")["tracking_id"])
    clock.advance(days=2)
    b = api.task_for("admin_a", api.submit(title="Laporan b")["tracking_id"])
    other = api.task_for("admin_b", api.submit(title="Lain", instansi_id=api.world.inst_b,
                                               region_id=api.world.province)["tracking_id"])
    add_history(services, a, HISTORY_HOURS, datetime(2025, 5, 5, 8, 0, tzinfo=WIB))
    clock.set(datetime(2025, 7, 9, 9, 30, tzinfo=WIB))  # a has run 16.5 h (risk .6), b 0.5 h (risk .31)

    def at_risk(user, **query):
        r = api.client.get("/api/tasks/at-risk", query_string=query, headers=api.auth(user))
        assert r.status_code == 200, r.json
        return r

    rows = at_risk("admin_a").json
    assert [t["id"] for t in rows] == [a["id"]] and rows[0]["breach_risk"] == pytest.approx(0.6, abs=1e-3)
    services.risk.threshold = 0.7
    assert at_risk("admin_a").json == []
    services.risk.threshold = 0.3
    r = at_risk("admin_a")
    assert [t["id"] for t in r.json] == [a["id"], b["id"]] and r.headers["X-Total-Count"] == "2"
    # the coordinator of the province and the national admin see them; instansi B's admin does not;
    # the other instansi's task rests on the national history of the step
    assert [t["id"] for t in at_risk("koord").json][:2] == [a["id"], b["id"]]
    assert a["id"] in [t["id"] for t in at_risk("nasional").json]
    assert {t["id"] for t in at_risk("admin_b").json} <= {other["id"]}
    assert api.client.get("/api/tasks/at-risk", headers=api.auth("pp_a1")).status_code == 403
    # not yet late only: once a is late it leaves the list
    clock.set(datetime.fromisoformat(a["due_at"]) + timedelta(minutes=1))
    assert a["id"] not in [t["id"] for t in at_risk("admin_a").json]


def test_history_reads_in_one_query_and_is_cached(clocked):
    services, api, clock = clocked
    a = api.task_for("admin_a", api.submit(title="Laporan a")["tracking_id"])
    add_history(services, a, HISTORY_HOURS, datetime(2025, 5, 5, 8, 0, tzinfo=WIB))
    statements: list[str] = []
    event.listen(services.sql_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with transaction(services.sessions) as db:
        officer = db.scalar(select(User).where(User.username == "admin_a"))
        statements.clear()
        first, _total = services.risk.task_page(db, officer, TaskQuery())
        cold = len(statements)
        statements.clear()
        services.risk.task_page(db, officer, TaskQuery())
        assert len(statements) == cold - 1  # the history is read once (one query) and kept
        assert first[0].breach_risk is not None
