"""Benchmark: the SLA sweep's cost follows what is due, not what is open.

For each size N given with ``--open`` this script prepares a PostgreSQL database holding N open
(``pending``) deadlines of which exactly ``--due`` are due, then measures sweeps over copies of it.

Preparing ``aduan_bench_<N>``:

1. Create it, migrate it, deploy the bundled BPMN and create a minimal world (one province, one
   regency, one instansi, one unit).
2. With a hand-moved clock at Mon 7 Jul 2025 09:00 WIB, submit ``--due`` real complaints. Each one
   creates a ``timer`` deadline (verification limit, due Thu 10 Jul 16:00 WIB) and a ``reminder``
   deadline (80% of the limit, Thu ~09:48 WIB).
3. Submit one more complaint (the "holder"), cancel its own deadlines, and bulk-load filler
   ``pending`` timer rows pointing at its instance with COPY, until N deadlines are pending. Their
   due times lie 1 to 60 days after the measured moment, so none of them is due.
4. Move the clock to Thu 10:00 and sweep once, untimed, to fire the reminders. Then
   ``VACUUM (ANALYZE)`` (fresh statistics, as autovacuum keeps them on a live system).

Measuring, ``--rounds`` times per size, the sizes interleaved (100k, 1M, 100k, 1M, ...):

5. Copy the prepared database (``CREATE DATABASE ... TEMPLATE``, which also checkpoints), so every
   round starts from the same state. Set the clock to Thu 10 Jul 17:00 WIB: exactly ``--due``
   timers are due. Warm the process-spec and policy caches.
6. Time the claim query alone (the sweep's own ``SELECT ... FOR UPDATE SKIP LOCKED``, in a
   transaction that is rolled back) and capture its ``EXPLAIN (ANALYZE, BUFFERS)`` plan; then time
   ``sweep(services)``, which fires each timer through the engine (load the instance, fire, store,
   record the breach, create the escalation); then time a sweep with nothing due.
7. Check that ``--due`` timers fired, that ``--due`` breaches were recorded and that the filler is
   untouched; drop the copy.

The table reports the median round (and the range of the sweep times). The prepared databases are
dropped at the end unless ``--keep`` is given.

Usage::

    .venv/bin/python bench/sla_sweep.py [--open 100000 1000000] [--due 1000] [--rounds 3] [--keep]

The server is ``ADUAN_BENCH_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``);
the user must be allowed to create databases. This is a benchmark, not a test: it prints figures.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import event, func, select

from migrations import upgrade
from sla.scheduler.sweep import BATCH, sweep
from workflows.clock import ManualClock
from workflows.complaints.service import NewComplaint
from workflows.db import transaction
from workflows.org.models import Instansi, Region, Unit
from workflows.processes.models import ProcessDefinition, ProcessInstance
from workflows.service import Aduan
from workflows.sla.models import Deadline, SlaBreach

WIB = ZoneInfo("Asia/Jakarta")
START = datetime(2025, 7, 7, 9, 0, tzinfo=WIB)             # Monday, no holiday that week
REMINDERS_DUE = datetime(2025, 7, 10, 10, 0, tzinfo=WIB)   # after every reminder (Thu ~09:48)
MEASURED_AT = datetime(2025, 7, 10, 17, 0, tzinfo=WIB)     # after every verification timer (Thu 16:00)
SERVER_URL = os.environ.get("ADUAN_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DATABASE_PREFIX = "aduan_bench_"
INDEX = "ix_deadlines_pending_due"
FILLER_KEY = "filler:"
CLAIM_REPEATS = 7
IDLE_SWEEP_REPEATS = 7


@dataclass
class Prepared:
    """A database holding ``open`` pending deadlines, ``due`` of them due at MEASURED_AT."""
    name: str
    open: int
    due: int
    regency_id: int
    submit_seconds: float
    load_seconds: float

    @property
    def filler(self) -> int:
        return self.open - self.due


@dataclass
class Round:
    sweep_seconds: float
    claim_ms: float
    idle_sweep_ms: float
    plan: list[str]

    @property
    def index_used(self) -> bool:
        return any(INDEX in line for line in self.plan)


@dataclass
class Result:
    prepared: Prepared
    rounds: list[Round] = field(default_factory=list)

    @property
    def median(self) -> Round:
        """The round with the median sweep time (the lower middle one for an even count)."""
        ordered = sorted(self.rounds, key=lambda r: r.sweep_seconds)
        return ordered[(len(ordered) - 1) // 2]

    @property
    def per_due_ms(self) -> float:
        return 1000 * self.median.sweep_seconds / self.prepared.due


@dataclass
class World:
    regency_id: int
    instansi_id: int


class BenchError(RuntimeError):
    """The data did not come out as the method requires: the figures would mean nothing."""


def check(condition: bool, message: object) -> None:
    if not condition:
        raise BenchError(str(message))


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Progress:
    """Prints ``label: done / total (pct)`` each time another tenth of the work is done."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.next_tenth, self.started = label, total, 1, time.perf_counter()

    def update(self, done: int) -> None:
        tenth = done * 10 // self.total if self.total else 10
        if tenth >= self.next_tenth:
            elapsed = time.perf_counter() - self.started
            say(f"  {self.label}: {done:,} / {self.total:,} ({tenth * 10}%, {elapsed:.1f} s)")
            self.next_tenth = tenth + 1


# -- databases ------------------------------------------------------------------------------------
def database_url(name: str) -> str:
    return sa.engine.make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(admin: sa.Engine, name: str) -> None:
    check(name.startswith(DATABASE_PREFIX), f"refusing to drop {name!r}")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def create_database(admin: sa.Engine, name: str, template: str | None = None) -> str:
    drop_database(admin, name)
    # FILE_COPY (PostgreSQL 15+) copies the files and checkpoints, instead of logging the copy to WAL.
    copy = f' TEMPLATE "{template}"' + (" STRATEGY FILE_COPY" if server_version(admin) >= 150000 else "")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"' + (copy if template else "")))
    return database_url(name)


def server_version(admin: sa.Engine) -> int:
    with admin.connect() as conn:
        return int(conn.scalar(sa.text("SHOW server_version_num")))


def server_description(admin: sa.Engine) -> str:
    with admin.connect() as conn:
        return conn.scalar(sa.text("SHOW server_version"))


def count(services: Aduan, *conditions) -> int:
    with transaction(services.sessions) as db:
        return db.scalar(select(func.count()).select_from(Deadline).where(*conditions))


# -- preparing ------------------------------------------------------------------------------------
def build_world(services: Aduan) -> World:
    """Deploy the bundled BPMN and create one province, regency, instansi and unit."""
    with transaction(services.sessions) as db:
        services.registry.deploy_bundled(db)
        province = Region(code="31", name="Provinsi Bench", kind="province")
        db.add(province)
        db.flush()
        regency = Region(code="31.01", name="Kabupaten Bench", kind="regency", parent_id=province.id)
        db.add(regency)
        db.flush()
        instansi = Instansi(code="pemkab-bench", name="Pemkab Bench", region_id=regency.id)
        db.add(instansi)
        db.flush()
        db.add(Unit(instansi_id=instansi.id, code="dpu", name="Dinas PU", region_id=regency.id))
        return World(regency.id, instansi.id)


def submit_complaint(services: Aduan, world: World, title: str) -> int:
    with transaction(services.sessions) as db:
        complaint, _token = services.complaints.submit(db, NewComplaint(
            type="pengaduan", category="bench", title=title, description="Beban sapuan tenggat waktu.",
            region_id=world.regency_id, instansi_id=world.instansi_id, reporter_name="Bench"))
        return complaint.id


def submit_complaints(services: Aduan, world: World, total: int) -> None:
    progress = Progress("complaints", total)
    for i in range(total):
        submit_complaint(services, world, f"Laporan {i}")
        progress.update(i + 1)


def make_holder(services: Aduan, world: World) -> tuple[int, int]:
    """One more complaint whose instance the filler rows point at. Its own deadlines are cancelled
    so that exactly ``--due`` rows are due at the measured moment."""
    complaint_id = submit_complaint(services, world, "Pemegang tenggat pengisi")
    with transaction(services.sessions) as db:
        instance_id = db.scalar(select(ProcessInstance.id).where(ProcessInstance.complaint_id == complaint_id))
        db.execute(sa.update(Deadline).where(Deadline.complaint_id == complaint_id).values(state="cancelled"))
    return complaint_id, instance_id


def load_filler(services: Aduan, complaint_id: int, instance_id: int, total: int, seed: int) -> None:
    """COPY ``total`` pending timer rows, due 1 to 60 days after the measured moment."""
    rng = random.Random(seed)
    earliest = MEASURED_AT.astimezone(timezone.utc) + timedelta(days=1)
    spread = timedelta(days=59).total_seconds()
    created_at = START.astimezone(timezone.utc)
    progress = Progress("filler deadlines", total)
    step = max(1, total // 100)
    connection = services.sql_engine.raw_connection()
    try:
        with connection.cursor() as cursor:
            with cursor.copy("COPY deadlines (instance_id, complaint_id, key, kind, step, due_at, state, created_at)"
                             " FROM STDIN") as copy:
                for i in range(total):
                    due_at = earliest + timedelta(seconds=rng.uniform(0, spread))
                    copy.write_row((instance_id, complaint_id, f"{FILLER_KEY}{i}", "timer", "verify", due_at,
                                    "pending", created_at))
                    if (i + 1) % step == 0 or i + 1 == total:
                        progress.update(i + 1)
        connection.commit()
    finally:
        connection.close()


def vacuum_analyze(services: Aduan) -> None:
    with services.sql_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM (ANALYZE)"))


def prepare(admin: sa.Engine, open_count: int, due: int, seed: int) -> Prepared:
    if open_count <= due:
        raise SystemExit(f"--open {open_count} must exceed --due {due}")
    name = f"{DATABASE_PREFIX}{open_count}"
    say(f"== preparing {name}: {open_count:,} open deadlines, {due:,} of them due")
    url = create_database(admin, name)
    upgrade(url)
    clock = ManualClock(START)
    services = Aduan(url, clock=clock)
    try:
        world = build_world(services)
        started = time.perf_counter()
        submit_complaints(services, world, due)
        submit_seconds = time.perf_counter() - started
        pending_timers = count(services, Deadline.state == "pending", Deadline.kind == "timer")
        check(pending_timers == due, f"{pending_timers} pending timers after {due} complaints")

        complaint_id, instance_id = make_holder(services, world)
        started = time.perf_counter()
        load_filler(services, complaint_id, instance_id, open_count - due, seed)
        load_seconds = time.perf_counter() - started

        clock.set(REMINDERS_DUE)
        reminders = sweep(services)
        check(reminders.kinds == {"reminder": due} and reminders.failed == 0, reminders)
        vacuum_analyze(services)

        pending = count(services, Deadline.state == "pending")
        check(pending == open_count, f"{pending} deadlines pending, expected {open_count}")
        due_then = count(services, Deadline.state == "pending", Deadline.due_at <= MEASURED_AT)
        check(due_then == due, f"{due_then} deadlines due at the measured moment, expected {due}")
    finally:
        services.sql_engine.dispose()  # a template database must have no connections
    return Prepared(name, open_count, due, world.regency_id, submit_seconds, load_seconds)


# -- measuring ------------------------------------------------------------------------------------
def warm_up(services: Aduan, regency_id: int) -> None:
    """Load what a long-running sweeper holds in memory: the parsed process specs and the SLA policy."""
    with services.sessions() as db:
        for definition in db.scalars(select(ProcessDefinition)):
            services.registry.loaded(definition)
    services.policy.calendar(regency_id)
    services.policy.chain(regency_id)


def time_claim(services: Aduan, now: datetime) -> tuple[float, list[str]]:
    """Median time of the sweep's claim (``Timekeeper.claim``, one batch) and the plan of the exact
    SQL it sends. Every attempt runs in a transaction that is rolled back, so nothing stays locked."""
    captured: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        if "FOR UPDATE" in statement:
            captured.append((statement, parameters))

    event.listen(services.sql_engine, "before_cursor_execute", capture)
    try:
        timings = []
        for _ in range(CLAIM_REPEATS):
            with services.sessions() as db:
                db.connection()  # begin outside the timed region
                started = time.perf_counter()
                rows = services.timekeeper.claim(db, now, BATCH)
                timings.append(1000 * (time.perf_counter() - started))
                check(len(rows) == BATCH, f"claimed {len(rows)} rows, expected a full batch of {BATCH}")
                db.rollback()
    finally:
        event.remove(services.sql_engine, "before_cursor_execute", capture)
    statement, parameters = captured[-1]
    with services.sessions() as db:
        plan = [line for (line,) in db.connection().exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
        db.rollback()
    return statistics.median(timings), plan


def time_idle_sweeps(services: Aduan) -> float:
    timings = []
    for _ in range(IDLE_SWEEP_REPEATS):
        started = time.perf_counter()
        result = sweep(services)
        timings.append(1000 * (time.perf_counter() - started))
        check(result.fired == 0 and result.failed == 0, result)
    return statistics.median(timings)


def measure_round(admin: sa.Engine, prepared: Prepared, number: int) -> Round:
    name = f"{prepared.name}_r{number}"
    url = create_database(admin, name, template=prepared.name)
    services = Aduan(url, clock=ManualClock(MEASURED_AT))
    try:
        now = services.clock()
        warm_up(services, prepared.regency_id)
        claim_ms, plan = time_claim(services, now)

        started = time.perf_counter()
        result = sweep(services)
        sweep_seconds = time.perf_counter() - started
        check(result.kinds == {"timer": prepared.due} and result.failed == 0, result)

        idle_sweep_ms = time_idle_sweeps(services)

        filler = count(services, Deadline.state == "pending", Deadline.key.startswith(FILLER_KEY))
        check(filler == prepared.filler, f"filler touched: {filler} of {prepared.filler} still pending")
        with transaction(services.sessions) as db:
            breaches = db.scalar(select(func.count()).select_from(SlaBreach))
        check(breaches == prepared.due, f"{breaches} breaches recorded, expected {prepared.due}")
    finally:
        services.sql_engine.dispose()
        drop_database(admin, name)
    measured = Round(sweep_seconds, claim_ms, idle_sweep_ms, plan)
    say(f"  round {number} at {prepared.open:,} open: sweep {sweep_seconds:.2f} s "
        f"({1000 * sweep_seconds / prepared.due:.1f} ms per due deadline), claim {claim_ms:.2f} ms, "
        f"idle sweep {idle_sweep_ms:.2f} ms")
    return measured


# -- reporting ------------------------------------------------------------------------------------
def table(results: list[Result]) -> str:
    header = ("open deadlines", "due", "sweep seconds", "range (s)", "per due ms", "claim query ms",
              "idle sweep ms", "index used")
    rows = []
    for r in results:
        m, times = r.median, [x.sweep_seconds for x in r.rounds]
        rows.append((f"{r.prepared.open:,}", f"{r.prepared.due:,}", f"{m.sweep_seconds:.2f}",
                     f"{min(times):.2f}-{max(times):.2f}", f"{r.per_due_ms:.2f}", f"{m.claim_ms:.2f}",
                     f"{m.idle_sweep_ms:.2f}", INDEX if all(x.index_used for x in r.rounds) else "NO"))
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths)) + " |" for row in [header, *rows]]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--open", type=int, nargs="+", default=[100_000, 1_000_000],
                        help="total pending deadlines per database (default: 100000 1000000)")
    parser.add_argument("--due", type=int, default=1000, help="due timers among them (default: 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="measured sweeps per size (default: 3)")
    parser.add_argument("--seed", type=int, default=20250710, help="seed for the filler's due times")
    parser.add_argument("--keep", action="store_true", help="keep the prepared databases (aduan_bench_<N>)")
    args = parser.parse_args(argv)

    admin = sa.create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    results: list[Result] = []
    try:
        say(f"PostgreSQL {server_description(admin)}, {os.cpu_count()} CPUs, sweep batch {BATCH}")
        for open_count in args.open:
            results.append(Result(prepare(admin, open_count, args.due, args.seed)))
        say(f"== measuring, {args.rounds} round(s) per size, interleaved")
        for number in range(1, args.rounds + 1):
            for result in results:
                result.rounds.append(measure_round(admin, result.prepared, number))
    finally:
        if not args.keep:
            for result in results:
                drop_database(admin, result.prepared.name)
        admin.dispose()

    print()
    print(table(results))
    for r in results:
        p = r.prepared
        print(f"\nSetup for {p.open:,}: {p.due:,} complaints submitted in {p.submit_seconds:.1f} s, "
              f"{p.filler:,} filler rows loaded with COPY in {p.load_seconds:.1f} s.")
        print(f"Claim plan (EXPLAIN ANALYZE, BUFFERS) at {p.open:,} open, median round:")
        for line in r.median.plan:
            print("    " + line)
    return 0 if all(x.index_used for r in results for x in r.rounds) else 1


if __name__ == "__main__":
    sys.exit(main())
