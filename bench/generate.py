"""Year-scale data on PostgreSQL, fast: Indonesia's 34 provinces and 514 regencies/cities, ~670 instansi
(ministries and regional governments) with their units, officers for every role, and N complaints
over the past year in a realistic mix of statuses, each with its process instance, task rows,
deadlines and audit trail, loaded with COPY.

    .venv/bin/python bench/generate.py [--database aduan_gen] [--complaints 1000000]
                                       [--open-share 0.3] [--seed 1] [--replace] [--check]

How the rows stay valid: every scenario (a status reached through a given path: waiting for
verification, deferred, dispatched, in progress, waiting for the reporter, closed, archived,
auto-closed) is first run once for each weekday through the real services (a scratch SQLite database,
a hand-moved clock, the real sweep for the auto-close). Those runs are the *templates*. A complaint is
a replica of one: the serialized SpiffWorkflow state, the task rows, the deadlines and the audit
events are copied with the ids substituted (complaint, tracking ID, instansi, unit, region, officers,
task rows) and every moment moved by whole weeks, so a due date stays on the same weekday and hour
(public holidays are not recomputed: a replica's due date can fall on a holiday). The engine's task
ids (UUIDs) are the same in every replica of a template: they only need to be unique within an
instance. An open replica is placed so that its waiting timers are still in the future (nothing is
overdue: the sweep has nothing to catch up on); a reminder already past is marked fired with its audit
event. Notifications are not generated.

Monev (migration 0008): a replica's milestone moments (verified, dispatched, followed up) move with it;
its arrival day ``received_on`` is its moved creation's date in its region's time zone, and its
working-second durations are recomputed with the real calendar of its region (zone and national
holidays; the generated regions have no calendar overrides); the limit-missed flags and reopenings are
copied. After loading, the full monev rollup runs (``workflows.monev.rollup.refresh(full=True)``, then
``VACUUM ANALYZE monev_daily``) and its time is reported, so the database is dashboard-ready.

Officers: ``admin.<instansi>``, ``pp.<instansi>.<unit>``, ``koordinator.<province code>``,
``nasional``; every password is ``bench-password``; 80 % logged in within the last 30 days, 13 % 30 to
180 days ago, 7 % never (monev's account activity). The reporter token of complaint *id* is
``gen-<id>``. ``--check`` then uses the real app on the result: an officer's task list, a complaint
page, claiming and completing a generated task, a reporter's reply, one sweep, and the monev columns
and rollup (every arrival day, a sample of durations against the app's calendars, an incremental
refresh equal to a fresh aggregate). Its last part runs a worker whose clock is days to weeks ahead, so
a few complaints end up with ``updated_at`` in the future: the next monev refresh takes its watermark
from them. Benchmark the incremental refresh (bench/monev_pages.py) on a database not ``--check``-ed.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import queue
import random
import re
import sys
import tempfile
import threading
import time
from bisect import bisect
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import accumulate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import sqlalchemy as sa
from sqlalchemy import select
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from migrations import upgrade  # noqa: E402
from sla.calendar import BusinessCalendar  # noqa: E402
from sla.scheduler.sweep import sweep  # noqa: E402
from workflows.accounts import credentials, roles  # noqa: E402
from workflows.accounts.models import User
from workflows.audit import AuditEvent
from workflows.clock import ManualClock  # noqa: E402
from workflows.complaints.categories import CATEGORIES  # noqa: E402
from workflows.complaints.models import Complaint, ReporterContact
from workflows.complaints.service import TRACKING_ALPHABET, NewComplaint  # noqa: E402
from workflows.db import transaction  # noqa: E402
from workflows.monev import rollup  # noqa: E402
from workflows.org.models import Instansi, Region, Unit
from workflows.processes.models import ProcessDefinition, ProcessInstance
from workflows.service import Aduan  # noqa: E402
from workflows.sla.models import Deadline
from workflows.tasks.models import HumanTask

PG_ADMIN = os.environ.get("ADUAN_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "bench-password"
WIB = ZoneInfo("Asia/Jakarta")
TEMPLATE_MONDAY = datetime(2025, 7, 7, 9, 0, tzinfo=WIB)  # a week without public holidays
JITTER_MINUTES = 120
LOGGED_IN_RECENTLY, LOGGED_IN_BEFORE = 0.80, 0.13  # officers' last logins: within 30 days, 30-180 days ago
CHUNK = 5000

# (code, name, timezone, regencies and cities)
PROVINCES = [
    ("11", "Aceh", "Asia/Jakarta", 23), ("12", "Sumatera Utara", "Asia/Jakarta", 33),
    ("13", "Sumatera Barat", "Asia/Jakarta", 19), ("14", "Riau", "Asia/Jakarta", 12),
    ("15", "Jambi", "Asia/Jakarta", 11), ("16", "Sumatera Selatan", "Asia/Jakarta", 17),
    ("17", "Bengkulu", "Asia/Jakarta", 10), ("18", "Lampung", "Asia/Jakarta", 15),
    ("19", "Kepulauan Bangka Belitung", "Asia/Jakarta", 7), ("21", "Kepulauan Riau", "Asia/Jakarta", 7),
    ("31", "DKI Jakarta", "Asia/Jakarta", 6), ("32", "Jawa Barat", "Asia/Jakarta", 27),
    ("33", "Jawa Tengah", "Asia/Jakarta", 35), ("34", "DI Yogyakarta", "Asia/Jakarta", 5),
    ("35", "Jawa Timur", "Asia/Jakarta", 38), ("36", "Banten", "Asia/Jakarta", 8),
    ("51", "Bali", "Asia/Makassar", 9), ("52", "Nusa Tenggara Barat", "Asia/Makassar", 10),
    ("53", "Nusa Tenggara Timur", "Asia/Makassar", 22), ("61", "Kalimantan Barat", "Asia/Jakarta", 14),
    ("62", "Kalimantan Tengah", "Asia/Jakarta", 14), ("63", "Kalimantan Selatan", "Asia/Makassar", 13),
    ("64", "Kalimantan Timur", "Asia/Makassar", 10), ("65", "Kalimantan Utara", "Asia/Makassar", 5),
    ("71", "Sulawesi Utara", "Asia/Makassar", 15), ("72", "Sulawesi Tengah", "Asia/Makassar", 13),
    ("73", "Sulawesi Selatan", "Asia/Makassar", 24), ("74", "Sulawesi Tenggara", "Asia/Makassar", 17),
    ("75", "Gorontalo", "Asia/Makassar", 6), ("76", "Sulawesi Barat", "Asia/Makassar", 6),
    ("81", "Maluku", "Asia/Jayapura", 11), ("82", "Maluku Utara", "Asia/Jayapura", 10),
    ("91", "Papua Barat", "Asia/Jayapura", 13), ("94", "Papua", "Asia/Jayapura", 29),
]
assert len(PROVINCES) == 34 and sum(p[3] for p in PROVINCES) == 514
NATIONAL_INSTANSI = 122  # ministries, agencies and state enterprises (seated in DKI Jakarta)
NATIONAL_NAMES = ["Kementerian Kesehatan", "Kementerian Pendidikan Dasar dan Menengah", "Kementerian Sosial",
                  "Kementerian Perhubungan", "Kementerian Pekerjaan Umum", "Kementerian Dalam Negeri",
                  "Kementerian Agama", "Kementerian Keuangan", "Badan Pertanahan Nasional", "BPJS Kesehatan",
                  "BPJS Ketenagakerjaan", "Kepolisian Negara Republik Indonesia", "PT PLN (Persero)"]
UNIT_NAMES = [("sekretariat", "Sekretariat"), ("pelayanan", "Bidang Pelayanan"), ("dinkes", "Dinas Kesehatan"),
              ("disdik", "Dinas Pendidikan"), ("dpu", "Dinas Pekerjaan Umum"), ("dishub", "Dinas Perhubungan"),
              ("disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil"), ("dlh", "Dinas Lingkungan Hidup")]
TITLES = {
    "infrastruktur": ("Jalan berlubang", "Lampu jalan mati", "Saluran air tersumbat"),
    "kesehatan": ("Antrian puskesmas terlalu lama", "Obat tidak tersedia"),
    "pendidikan": ("Pungutan sekolah", "Guru sering tidak hadir"),
    "kependudukan": ("KTP elektronik belum jadi", "Akta kelahiran terlambat"),
    "lingkungan": ("Sampah menumpuk", "Pencemaran sungai"),
    "transportasi": ("Angkutan umum ngetem", "Terminal kotor"),
    "sosial": ("Bantuan sosial tidak tepat sasaran",), "ketertiban": ("Parkir liar",),
    "perizinan": ("Izin usaha lambat",), "lainnya": ("Pelayanan kurang ramah",),
}
NAMES = ("Siti", "Budi", "Dewi", "Agus", "Rina", "Joko", "Ayu", "Made", "Nur", "Yohanes", "Putu", "Fitri")


# -- the scenarios -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scenario:
    name: str
    open: bool
    weight: float        # share among open (or among closed) complaints
    steps: tuple         # (hours after submission, action, argument)


SCENARIOS = [
    Scenario("verify", True, 0.12, ()),
    Scenario("deferred", True, 0.05, ((2, "verify", {"action": "defer", "note": "Mohon lampirkan foto lokasi."}),)),
    Scenario("dispatched_normatif", True, 0.10, ((3, "verify", {"action": "dispatch", "tier": "normatif"}),)),
    Scenario("dispatched_tanpa", True, 0.08, ((3, "verify", {"action": "dispatch", "tier": "tanpa_pemeriksaan"}),)),
    Scenario("dispatched_pemeriksaan", True, 0.15,
             ((3, "verify", {"action": "dispatch", "tier": "pemeriksaan"}),)),
    Scenario("in_progress_normatif", True, 0.08, ((3, "verify", {"action": "dispatch", "tier": "normatif"}),
                                                  (5, "claim", None))),
    Scenario("in_progress_tanpa", True, 0.12, ((3, "verify", {"action": "dispatch", "tier": "tanpa_pemeriksaan"}),
                                               (5, "claim", None))),
    Scenario("in_progress_pemeriksaan", True, 0.20, ((3, "verify", {"action": "dispatch", "tier": "pemeriksaan"}),
                                                     (5, "claim", None))),
    Scenario("awaiting_reply", True, 0.10, ((3, "verify", {"action": "dispatch", "tier": "normatif"}),
                                            (5, "claim", None), (28, "follow_up", None))),
    Scenario("closed", False, 0.78, ((3, "verify", {"action": "dispatch", "tier": "normatif"}), (5, "claim", None),
                                     (28, "follow_up", None), (52, "reply", {"satisfied": True}))),
    Scenario("archived", False, 0.10, ((4, "verify", {"action": "archive", "note": "Laporan tidak jelas."}),)),
    Scenario("auto_closed", False, 0.12, ((3, "verify", {"action": "dispatch", "tier": "normatif"}),
                                          (5, "claim", None), (28, "follow_up", None),
                                          (24 * 21, "sweep", None))),
]
RATINGS = ("sangat_puas", "puas", "cukup_puas", "tidak_puas")


@dataclass
class Template:
    scenario: Scenario
    weekday: int
    created: datetime                         # submission moment (unshifted)
    last_step: timedelta                      # after submission
    min_timer: timedelta | None               # the first waiting timer, after submission (open only)
    complaint: dict[str, Any]
    contact: dict[str, Any]
    instance: dict[str, Any]
    state_parts: list                         # literal text and slots of the serialized state
    tasks: list[dict[str, Any]]
    deadlines: list[dict[str, Any]]
    events: list[dict[str, Any]]
    users: dict[int, str] = field(default_factory=dict)  # template user id -> "admin" | "pp"


STATE_SLOTS = re.compile(r'"(complaint_id|instansi_id|unit_id|region_id)":(\d+)'
                         r'|"(tracking_id|category|type)":"([^"]*)"'
                         r'|"(event_value)":"(\d{4}-\d\d-\d\dT[^"]+)"')


def split_state(state: str) -> list:
    """The serialized state as literal text and (key, original value) slots."""
    parts: list = []
    pos = 0
    for m in STATE_SLOTS.finditer(state):
        key = m.group(1) or m.group(3) or m.group(5)
        value = m.group(2) or m.group(4) or m.group(6)
        parts.append(state[pos:m.start()])
        parts.append((key, value))
        pos = m.end()
    parts.append(state[pos:])
    return parts


def render_state(parts: list, values: dict[str, str], shift: timedelta) -> str:
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        key, original = part
        if key == "event_value":
            moved = datetime.fromisoformat(original) + shift
            out.append(f'"event_value":"{moved.isoformat()}"')
        elif key in ("tracking_id", "category", "type"):
            out.append(f'"{key}":"{values[key]}"')
        else:
            out.append(f'"{key}":{values[key]}')
    return "".join(out)


def _row(obj, columns) -> dict[str, Any]:
    return {c: getattr(obj, c) for c in columns}


def columns(model) -> list[str]:
    return [c.key for c in model.__table__.columns]


def build_templates() -> list[Template]:
    """Run every scenario once per weekday through the real services on a scratch SQLite database."""
    folder = tempfile.mkdtemp(prefix="aduan-templates-")
    url = f"sqlite:///{folder}/templates.sqlite3"
    upgrade(url)
    clock = ManualClock(TEMPLATE_MONDAY)
    services = Aduan(url, clock=clock)
    with transaction(services.sessions) as db:
        services.registry.deploy_bundled(db)
        province = Region(code="32", name="Jawa Barat", kind="province", timezone="Asia/Jakarta")
        db.add(province)
        db.flush()
        regency = Region(code="32.73", name="Kota Bandung", kind="city", parent_id=province.id,
                         timezone="Asia/Jakarta")
        db.add(regency)
        db.flush()
        inst = Instansi(code="tpl", name="Instansi Templat", region_id=regency.id)
        db.add(inst)
        db.flush()
        unit = Unit(instansi_id=inst.id, code="u", name="Unit Templat", region_id=regency.id)
        db.add(unit)
        db.flush()
        admin = credentials.create_user(db, "tpl.admin", "Admin Templat", PASSWORD, roles.ADMIN_INSTANSI,
                                     region_id=regency.id, instansi_id=inst.id)
        pp = credentials.create_user(db, "tpl.pp", "PP Templat", PASSWORD, roles.PEJABAT_PENGHUBUNG,
                                  region_id=regency.id, instansi_id=inst.id, unit_id=unit.id)
        ids = dict(region=regency.id, instansi=inst.id, unit=unit.id, admin=admin.id, pp=pp.id)
    templates = []
    for scenario in SCENARIOS:
        for weekday in range(5):
            created = TEMPLATE_MONDAY + timedelta(days=weekday)
            clock.set(created)
            with transaction(services.sessions) as db:
                complaint, token = services.complaints.submit(db, NewComplaint(
                    type="pengaduan", category="infrastruktur", title="Templat", description="Templat",
                    region_id=ids["region"], instansi_id=ids["instansi"], reporter_name="Templat"))
                complaint_id, tracking_id = complaint.id, complaint.tracking_id
            last = timedelta(0)
            for hours, action, argument in scenario.steps:
                clock.set(created + timedelta(hours=hours))
                last = timedelta(hours=hours)
                with transaction(services.sessions) as db:
                    if action == "sweep":
                        db.close()
                        sweep(services)
                        continue
                    if action == "reply":
                        services.complaints.reply(db, tracking_id, token,
                                                  {"satisfied": True, "rating": "puas"}, "bench")
                        continue
                    role_user = db.get(User, ids["admin"] if action == "verify" else ids["pp"])
                    task = db.scalars(select(HumanTask).where(HumanTask.complaint_id == complaint_id,
                                                              HumanTask.state == "open")).first()
                    if action == "claim":
                        services.tasks.claim(db, task.id, role_user)
                    elif action == "verify":
                        data = dict(argument)
                        if data["action"] == "dispatch":
                            data["unit_id"] = ids["unit"]
                        services.tasks.complete(db, task.id, role_user, data)
                    elif action == "follow_up":
                        services.tasks.complete(db, task.id, role_user,
                                                {"follow_up_text": "Sudah ditindaklanjuti oleh unit."})
            templates.append(capture(services, scenario, weekday, created, last, complaint_id, ids))
    services.sql_engine.dispose()
    return templates


def capture(services: Aduan, scenario: Scenario, weekday: int, created: datetime, last: timedelta,
            complaint_id: int, ids: dict[str, int]) -> Template:
    with transaction(services.sessions) as db:
        complaint = db.get(Complaint, complaint_id)
        contact = db.get(ReporterContact, complaint_id)
        instance = db.scalars(select(ProcessInstance).where(ProcessInstance.complaint_id == complaint_id)).one()
        tasks = db.scalars(select(HumanTask).where(HumanTask.complaint_id == complaint_id)
                           .order_by(HumanTask.id)).all()
        deadlines = db.scalars(select(Deadline).where(Deadline.complaint_id == complaint_id)
                               .order_by(Deadline.id)).all()
        events = db.scalars(select(AuditEvent).where(AuditEvent.complaint_id == complaint_id)
                            .order_by(AuditEvent.id)).all()
        pending = [d.due_at for d in deadlines if d.state == "pending" and d.kind == "timer"]
        if scenario.open:
            assert not instance.completed, scenario.name
        else:
            assert instance.completed, scenario.name
        return Template(
            scenario=scenario, weekday=weekday, created=created, last_step=last,
            min_timer=(min(pending) - created) if pending and scenario.open else None,
            complaint=_row(complaint, columns(Complaint)), contact=_row(contact, columns(ReporterContact)),
            instance=_row(instance, columns(ProcessInstance)), state_parts=split_state(instance.state),
            tasks=[_row(t, columns(HumanTask)) for t in tasks],
            deadlines=[_row(d, columns(Deadline)) for d in deadlines],
            events=[_row(e, columns(AuditEvent)) for e in events],
            users={ids["admin"]: "admin", ids["pp"]: "pp"})


# -- the world ---------------------------------------------------------------------------------------
@dataclass
class World:
    regencies: list[int] = field(default_factory=list)
    regencies_of: dict[int, list[int]] = field(default_factory=dict)
    national: dict[int, bool] = field(default_factory=dict)
    province_of: dict[int, int] = field(default_factory=dict)
    zone_of: dict[int, str] = field(default_factory=dict)              # region -> IANA time zone
    instansi: list[tuple[int, int]] = field(default_factory=list)      # (id, region id)
    weights: list[float] = field(default_factory=list)
    units: dict[int, list[int]] = field(default_factory=dict)          # instansi -> unit ids
    admin: dict[int, tuple[int, str]] = field(default_factory=dict)    # instansi -> (user id, name)
    pp: dict[int, tuple[int, str]] = field(default_factory=dict)       # unit -> (user id, name)
    users: int = 0
    regions: int = 0


def copy_rows(cur, table: str, cols: list[str], rows: list[tuple]) -> None:
    with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)


def load_world(conn, rng: random.Random, now: datetime) -> World:
    world = World()
    password_hash = credentials.hash_password(PASSWORD)  # one hash for all: hashing 4,000 takes minutes
    regions, instansi, units, users = [], [], [], []
    rid = iid = uid = usid = 0
    logins = random.Random(7)  # its own stream: the replicas stay what they were before logins were drawn

    def last_login() -> datetime | None:
        # Monev's account activity (keaktifan akun): most officers logged in within the last 30 days,
        # some longer ago, a few never.
        draw = logins.random()
        if draw < LOGGED_IN_RECENTLY:
            return now - timedelta(seconds=logins.randrange(30 * 86400))
        if draw < LOGGED_IN_RECENTLY + LOGGED_IN_BEFORE:
            return now - timedelta(days=30, seconds=logins.randrange(150 * 86400))
        return None

    def user(username, full_name, role, region=None, inst=None, unit=None):
        nonlocal usid
        usid += 1
        users.append((usid, username, full_name, password_hash, role, region, inst, unit, True, now, last_login()))
        return usid

    user("nasional", "Admin Nasional KemenPAN-RB", roles.ADMIN_NASIONAL)
    jakarta = None
    for code, name, tz, count in PROVINCES:
        rid += 1
        province = rid
        regions.append((province, code, name, "province", None, tz))
        if code == "31":
            jakarta = province
        world.province_of[province] = province
        world.zone_of[province] = tz
        user(f"koordinator.{code}", f"Admin Koordinator {name}", roles.ADMIN_KOORDINATOR, region=province)
        governments = [(province, f"pemprov-{code}", f"Pemerintah Provinsi {name}")]
        for n in range(1, count + 1):
            rid += 1
            city = n > count - max(1, count // 5)
            rcode = f"{code}.{70 + n if city else n:02d}"
            rname = f"{'Kota' if city else 'Kabupaten'} {name} {n}"
            regions.append((rid, rcode, rname, "city" if city else "regency", province, tz))
            world.regencies.append(rid)
            world.regencies_of.setdefault(province, []).append(rid)
            world.province_of[rid] = province
            world.zone_of[rid] = tz
            governments.append((rid, f"{'pemkot' if city else 'pemkab'}-{rcode}", f"Pemerintah {rname}"))
        for region_id, icode, iname in governments:
            iid += 1
            instansi.append((iid, icode, iname, region_id))
            world.instansi.append((iid, region_id))
            world.weights.append(rng.paretovariate(1.5))
    for n in range(NATIONAL_INSTANSI):
        iid += 1
        base = NATIONAL_NAMES[n % len(NATIONAL_NAMES)]
        iname = base if n < len(NATIONAL_NAMES) else f"{base} (satker {n // len(NATIONAL_NAMES)})"
        instansi.append((iid, f"nas-{n + 1:03d}", iname, jakarta))
        world.instansi.append((iid, jakarta))
        world.national[iid] = True
        world.weights.append(rng.paretovariate(1.5) * 3)
    for inst_id, icode, iname, region_id in instansi:
        world.admin[inst_id] = (user(f"admin.{icode}", f"Admin {iname}", roles.ADMIN_INSTANSI,
                                     region=region_id, inst=inst_id), f"Admin {iname}")
        world.units[inst_id] = []
        for ucode, uname in UNIT_NAMES[:3 if icode.startswith("nas-") else rng.randint(4, 7)]:
            uid += 1
            units.append((uid, inst_id, ucode, uname, region_id))
            world.units[inst_id].append(uid)
            world.pp[uid] = (user(f"pp.{icode}.{ucode}", f"PP {uname} {iname}", roles.PEJABAT_PENGHUBUNG,
                                  region=region_id, inst=inst_id, unit=uid), f"PP {uname} {iname}")
    with conn.cursor() as cur:
        copy_rows(cur, "regions", ["id", "code", "name", "kind", "parent_id", "timezone"], regions)
        copy_rows(cur, "instansi", ["id", "code", "name", "region_id"], instansi)
        copy_rows(cur, "units", ["id", "instansi_id", "code", "name", "region_id"], units)
        copy_rows(cur, "users", ["id", "username", "full_name", "password_hash", "role", "region_id",
                                 "instansi_id", "unit_id", "active", "created_at", "last_login_at"], users)
    conn.commit()
    world.users = len(users)
    world.regions = len(regions)
    return world


# -- the replicas ------------------------------------------------------------------------------------
def tracking_id(n: int) -> str:
    """Distinct for every n < 32**8: an odd multiplier permutes the residues."""
    x = (n * 0x9E3779B1 + 0x5DEECE66D) % (32 ** 8)
    chars = []
    for _ in range(8):
        x, r = divmod(x, 32)
        chars.append(TRACKING_ALPHABET[r])
    return "LAP-" + "".join(chars)


TIME_COLUMNS = {"created_at", "updated_at", "closed_at", "claimed_at", "completed_at", "fired_at", "at",
                "breached_at"}
# The monev milestones (workflows/sla/milestones.py) on a complaint: moments move with the replica; the
# arrival day and the working-second durations are recomputed in the replica's region (its time zone
# differs from the template's, and a whole-week shift can land on a public holiday); whether a limit
# was missed and the reopenings are copied (the template's deadlines, copied too, decide them).
MILESTONE_MOMENTS = ("verified_at", "dispatched_at", "followed_up_at")
DURATIONS = (("verify_seconds", "created_at", "verified_at"), ("follow_up_seconds", "dispatched_at", "followed_up_at"))


class Replicator:
    def __init__(self, templates: list[Template], world: World, now: datetime, definition_id: int,
                 rng: random.Random, open_share: float):
        self.world, self.now, self.rng = world, now, rng
        self.definition_id = definition_id
        self.open_share = open_share
        self.instansi_cum = list(accumulate(world.weights))
        self.ids = {"human_tasks": 0, "deadlines": 0, "audit_events": 0}
        self.rows: dict[str, list[tuple]] = {}
        self.choices = {True: [], False: []}
        jitter = timedelta(minutes=JITTER_MINUTES)
        year_ago = now - timedelta(days=365)
        for t in templates:
            weeks = []
            for k in range(-80, 80):
                created = t.created + timedelta(weeks=k)
                if created < year_ago or created + t.last_step + jitter > now:
                    continue
                if t.scenario.open and t.min_timer is not None and created + t.min_timer <= now:
                    continue
                if t.scenario.open and t.min_timer is None and created < now - timedelta(days=60):
                    continue  # waiting with no timer (a deferral): within the last two months
                weeks.append(k)
            if weeks:
                self.choices[t.scenario.open].append((t, weeks))
        for is_open in (True, False):
            if not self.choices[is_open]:
                raise SystemExit(f"no {'open' if is_open else 'closed'} scenario fits before {now}")
        self.cum = {o: list(accumulate(c[0].scenario.weight / 5 for c in self.choices[o])) for o in (True, False)}
        # The real calendars (national holidays, 08:00-16:00 local): the generated regions have no
        # calendar overrides, so the app's policy.calendar(region) is BusinessCalendar(region's zone).
        self.calendars = {tz: BusinessCalendar(tz) for tz in set(world.zone_of.values())}
        self.zones = {tz: ZoneInfo(tz) for tz in self.calendars}
        template_calendar = BusinessCalendar(WIB.key)
        for t in templates:  # the recomputation agrees with what the services wrote on the templates
            for column, start, end in DURATIONS:
                c = t.complaint
                if c[column] is not None:
                    assert template_calendar.working_seconds_between(c[start], c[end]) == c[column], (t.scenario, column)
            assert t.complaint["received_on"] == t.complaint["created_at"].astimezone(WIB).date(), t.scenario
        self.columns = {
            "complaints": columns(Complaint), "reporter_contacts": columns(ReporterContact),
            "process_instances": columns(ProcessInstance), "human_tasks": columns(HumanTask),
            "deadlines": columns(Deadline), "audit_events": columns(AuditEvent)}
        self.reset()

    def reset(self) -> None:
        self.rows = {table: [] for table in self.columns}

    def pick(self, cum: list[float]) -> int:
        return bisect(cum, self.rng.random() * cum[-1])

    def add(self, cid: int) -> str:
        rng, world = self.rng, self.world
        is_open = rng.random() < self.open_share
        template, weeks = self.choices[is_open][self.pick(self.cum[is_open])]
        k = rng.choice(weeks)
        shift = timedelta(weeks=k)                          # due moments move by whole weeks
        moved = shift + timedelta(minutes=rng.randrange(JITTER_MINUTES))  # events also by a few minutes
        inst_id, inst_region = world.instansi[self.pick(self.instansi_cum)]
        if world.province_of[inst_region] != inst_region:      # a regency's or city's government
            region = inst_region
        elif world.national.get(inst_id):                       # a ministry: reports from anywhere
            region = rng.choice(world.regencies)
        else:                                                   # a province: from its regencies
            region = rng.choice(world.regencies_of[inst_region])
        unit = rng.choice(world.units[inst_id])
        category = rng.choice(CATEGORIES)
        kind = rng.choices(("pengaduan", "aspirasi", "permintaan_informasi"), (80, 15, 5))[0]
        tid = tracking_id(cid)
        users = {"admin": world.admin[inst_id], "pp": world.pp[unit]}
        values = {"complaint_id": cid, "tracking_id": tid, "instansi_id": inst_id, "unit_id": unit,
                  "region_id": region, "category": category, "type": kind}

        def at(value):
            return value + moved if value is not None else None

        c = dict(template.complaint)
        c.update(id=cid, tracking_id=tid, type=kind, category=category, region_id=region, instansi_id=inst_id,
                 unit_id=unit if c["unit_id"] is not None else None,
                 title=rng.choice(TITLES[category]),
                 description=f"{rng.choice(TITLES[category])} di wilayah kami sejak beberapa hari. Mohon ditindaklanjuti.",
                 rating=rng.choice(RATINGS) if c["rating"] else None,
                 created_at=at(c["created_at"]), updated_at=at(c["updated_at"]), closed_at=at(c["closed_at"]))
        for column in MILESTONE_MOMENTS:
            c[column] = at(c[column])
        tz = world.zone_of[region]
        c["received_on"] = c["created_at"].astimezone(self.zones[tz]).date()
        for column, start, end in DURATIONS:
            if c[column] is not None:
                c[column] = self.calendars[tz].working_seconds_between(c[start], c[end])
        self.rows["complaints"].append(tuple(c[k] for k in self.columns["complaints"]))
        name = rng.choice(NAMES)
        self.rows["reporter_contacts"].append((cid, name, f"{name.lower()}{cid}@contoh.id", None,
                                               hashlib.sha256(f"gen-{cid}".encode()).hexdigest()))
        i = dict(template.instance)
        i.update(id=cid, complaint_id=cid, definition_id=self.definition_id,
                 state=render_state(template.state_parts, values, shift),
                 created_at=at(i["created_at"]), updated_at=at(i["updated_at"]))
        self.rows["process_instances"].append(tuple(i[k] for k in self.columns["process_instances"]))
        province = world.province_of[region]
        task_ids: dict[int, int] = {}
        for t in template.tasks:
            self.ids["human_tasks"] += 1
            task_ids[t["id"]] = self.ids["human_tasks"]
        for t in template.tasks:
            r = dict(t)
            r.update(id=task_ids[t["id"]], instance_id=cid, complaint_id=cid, region_id=province,
                     instansi_id=inst_id, unit_id=unit if t["unit_id"] is not None else None,
                     assignee_id=users[template.users[t["assignee_id"]]][0] if t["assignee_id"] else None,
                     completed_by_id=users[template.users[t["completed_by_id"]]][0] if t["completed_by_id"] else None,
                     source_task_id=task_ids.get(t["source_task_id"]) if t["source_task_id"] else None,
                     due_at=t["due_at"] + shift if t["due_at"] else None,
                     created_at=at(t["created_at"]), claimed_at=at(t["claimed_at"]),
                     completed_at=at(t["completed_at"]))
            self.rows["human_tasks"].append(tuple(r[k] for k in self.columns["human_tasks"]))
        events = [dict(e) for e in template.events]
        for d in template.deadlines:
            self.ids["deadlines"] += 1
            r = dict(d)
            r.update(id=self.ids["deadlines"], instance_id=cid, complaint_id=cid,
                     human_task_id=task_ids.get(d["human_task_id"]) if d["human_task_id"] else None,
                     due_at=d["due_at"] + shift, created_at=at(d["created_at"]), fired_at=at(d["fired_at"]))
            if r["state"] == "pending" and r["due_at"] <= self.now:
                # A reminder already past: a running worker would have sent it.
                assert r["kind"] == "reminder", r
                r.update(state="fired", fired_at=r["due_at"])
                task = next(t for t in template.tasks if t["id"] == d["human_task_id"])
                events.append({"complaint_id": cid, "at": r["due_at"] - moved, "actor_kind": "system",
                               "actor_id": None, "actor_label": "Sistem", "action": "sla_reminder",
                               "task_name": task["name"], "public": False,
                               "data": {"step": d["step"], "due_at": (task["due_at"] + shift).isoformat()}})
            self.rows["deadlines"].append(tuple(r[k] for k in self.columns["deadlines"]))
        events.sort(key=lambda e: e["at"])
        for e in events:
            self.ids["audit_events"] += 1
            data = dict(e["data"])
            if isinstance(data.get("unit_id"), int):
                data["unit_id"] = unit
            if "category" in data:
                data["category"] = category
            if "type" in data:
                data["type"] = kind
            if "rating" in data:
                data["rating"] = c["rating"]
            actor_id, label = (users[template.users[e["actor_id"]]] if e["actor_id"] else (None, e["actor_label"]))
            r = dict(e, id=self.ids["audit_events"], complaint_id=cid, at=at(e["at"]), actor_id=actor_id,
                     actor_label=label, data=json.dumps(data))
            self.rows["audit_events"].append(tuple(r[k] for k in self.columns["audit_events"]))
        return template.scenario.name

    def flush(self, cur) -> int:
        n = 0
        for table, rows in self.rows.items():
            copy_rows(cur, table, self.columns[table], rows)
            n += len(rows)
        self.reset()
        return n


# -- driver ------------------------------------------------------------------------------------------
def database_url(name: str) -> str:
    return sa.engine.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)


def psycopg_dsn(url: str) -> str:
    u = sa.engine.make_url(url)
    return f"host={u.host} port={u.port or 5432} user={u.username} dbname={u.database}" + (
        f" password={u.password}" if u.password else "")


def create_database(name: str, replace: bool) -> str:
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists and not replace:
            raise SystemExit(f"database {name} exists; --replace drops it first")
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return database_url(name)


def generate(name: str, complaints: int, open_share: float, seed: int, replace: bool,
             now: datetime | None = None, quiet: bool = False) -> dict[str, Any]:
    rng = random.Random(seed)
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    began = time.perf_counter()
    url = create_database(name, replace)
    upgrade(url)
    services = Aduan(url)
    with transaction(services.sessions) as db:
        services.registry.deploy_bundled(db)
        definition_id = db.scalars(select(ProcessDefinition.id).where(
            ProcessDefinition.key == "sop_nasional")).one()
    services.sql_engine.dispose()
    t0 = time.perf_counter()
    templates = build_templates()
    template_seconds = time.perf_counter() - t0
    stats: dict[str, Any] = {"database": name, "complaints": complaints, "now": now.isoformat(),
                             "templates": len(templates), "template_seconds": round(template_seconds, 1)}
    with psycopg.connect(psycopg_dsn(url)) as conn:
        conn.execute("SET synchronous_commit = off")
        world = load_world(conn, rng, now)
        stats.update(regions=world.regions, instansi=len(world.instansi), units=sum(map(len, world.units.values())),
                     users=world.users)
        replicator = Replicator(templates, world, now, definition_id, rng, open_share)
        mix: dict[str, int] = {}
        rows = 0
        # The rows are consistent by construction: skip the per-row foreign-key triggers while loading
        # (superuser only; the audit trail's append-only triggers fire on UPDATE/DELETE, not here).
        conn.execute("SET session_replication_role = replica")
        chunks: queue.Queue = queue.Queue(maxsize=2)
        failure: list[BaseException] = []

        def writer() -> None:
            nonlocal rows
            try:
                with conn.cursor() as cur:
                    while (chunk := chunks.get()) is not None:
                        for table, table_rows in chunk.items():
                            copy_rows(cur, table, replicator.columns[table], table_rows)
                            rows += len(table_rows)
                        conn.commit()
            except BaseException as exc:  # report it in the main thread
                failure.append(exc)
                while chunks.get() is not None:
                    pass

        t0 = time.perf_counter()
        thread = threading.Thread(target=writer)
        thread.start()
        try:
            with tqdm(total=complaints, unit="complaint", disable=quiet, smoothing=0.05) as bar:
                for cid in range(1, complaints + 1):
                    scenario = replicator.add(cid)
                    mix[scenario] = mix.get(scenario, 0) + 1
                    if cid % CHUNK == 0 or cid == complaints:
                        chunks.put(replicator.rows)   # building the next chunk overlaps this COPY
                        replicator.reset()
                        bar.update(cid - bar.n)
                        if failure:
                            break
        finally:
            chunks.put(None)
            thread.join()
        if failure:
            raise failure[0]
        conn.execute("SET session_replication_role = DEFAULT")
        load_seconds = time.perf_counter() - t0
        for table in ("regions", "instansi", "units", "users", "complaints", "process_instances",
                      "human_tasks", "deadlines", "audit_events"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT coalesce(max(id), 1) FROM {table}))")
        conn.commit()
        t0 = time.perf_counter()
        conn.autocommit = True
        conn.execute("VACUUM (ANALYZE)")
        vacuum_seconds = time.perf_counter() - t0
        open_count = conn.execute("SELECT count(*) FROM process_instances WHERE NOT completed").fetchone()[0]
    # Dashboard-ready: the full monev rollup, as `aduan monev refresh --full` does after a bulk import.
    monev = monev_rollup(url, now)
    with psycopg.connect(psycopg_dsn(url)) as conn:
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    stats.update(rows=rows, load_seconds=round(load_seconds, 1), rows_per_s=round(rows / load_seconds),
                 complaints_per_s=round(complaints / load_seconds), vacuum_seconds=round(vacuum_seconds, 1),
                 open_instances=open_count, monev_rollup_seconds=monev["seconds"], monev_rows=monev["rows"],
                 monev_analyze_seconds=monev["analyze_seconds"], size=size, mix=dict(sorted(mix.items())),
                 total_seconds=round(time.perf_counter() - began, 1))
    return stats


def monev_rollup(url: str, now: datetime) -> dict[str, Any]:
    """The full monev rollup (workflows.monev.rollup.refresh(full=True)) and its time, then ANALYZE of
    the rollup table (autovacuum may be off: the dashboards' plans need its statistics)."""
    services = Aduan(url)
    try:
        t0 = time.perf_counter()
        result = rollup.refresh(services.sessions, now, full=True)
        seconds = time.perf_counter() - t0
    finally:
        services.sql_engine.dispose()
    with psycopg.connect(psycopg_dsn(url), autocommit=True) as conn:
        t0 = time.perf_counter()
        conn.execute("VACUUM (ANALYZE) monev_daily")
        analyze = time.perf_counter() - t0
    return {"seconds": round(seconds, 1), "rows": result.pairs, "analyze_seconds": round(analyze, 1)}


def check(name: str) -> list[str]:
    """Use the real app on the generated database: task list, complaint page, claim and complete a
    generated task, a reporter's reply, and a sweep. Returns what was done; raises on a failure."""
    from web import create_app
    url = database_url(name)
    services = Aduan(url)
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False}, services=services)
    client = app.test_client()
    done = []
    with transaction(services.sessions) as db:
        row = db.execute(select(HumanTask, User).join(User, User.unit_id == HumanTask.unit_id).where(
            HumanTask.state == "open", HumanTask.name == "follow_up", HumanTask.assignee_id.is_(None),
            User.role == roles.PEJABAT_PENGHUBUNG).limit(1)).first()
        task_id, username, complaint_id = row[0].id, row[1].username, row[0].complaint_id
        task_tid = db.get(Complaint, complaint_id).tracking_id
        waiting = db.scalars(select(HumanTask).where(HumanTask.state == "open",
                                                     HumanTask.name == "reporter_response").limit(1)).first()
        reply_complaint = db.get(Complaint, waiting.complaint_id)
        reply_tid, reply_cid = reply_complaint.tracking_id, reply_complaint.id
    r = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.json
    auth = {"Authorization": f"Bearer {r.json['token']}"}
    began = time.perf_counter()
    r = client.get("/api/tasks", headers=auth)
    assert r.status_code == 200 and r.json, r.status_code
    done.append(f"task list of {username}: {len(r.json)} shown of {r.headers['X-Total-Count']} "
                f"({1000 * (time.perf_counter() - began):.0f} ms)")
    r = client.get("/api/tasks", headers=auth, query_string={"tracking_id": task_tid})
    assert r.status_code == 200 and [t["id"] for t in r.json] == [task_id], r.json
    r = client.get(f"/api/officer/complaints/{complaint_id}", headers=auth)
    assert r.status_code == 200 and r.json["timeline"], r.json
    done.append(f"complaint {complaint_id}: status {r.json['status']}, {len(r.json['timeline'])} timeline entries")
    r = client.get(f"/api/tasks/{task_id}", headers=auth)
    assert r.status_code == 200 and r.json["form"], r.json
    r = client.post(f"/api/tasks/{task_id}/claim", headers=auth)
    assert r.status_code == 200, r.json
    r = client.post(f"/api/tasks/{task_id}/complete", headers=auth,
                    json={"data": {"follow_up_text": "Sudah diperbaiki (cek data bangkitan)."}})
    assert r.status_code == 200 and r.json["state"] == "completed", r.json
    r = client.get(f"/api/officer/complaints/{complaint_id}", headers=auth)
    assert [t["name"] for t in r.json["open_tasks"]] == ["reporter_response"], r.json["open_tasks"]
    done.append(f"task {task_id} claimed and completed; complaint now waits for the reporter")
    r = client.post(f"/api/complaints/{reply_tid}/reply",
                    json={"token": f"gen-{reply_cid}", "data": {"satisfied": True, "rating": "puas"}})
    assert r.status_code == 200 and r.json["closed_at"], r.json
    done.append(f"reporter of {reply_tid} replied satisfied: closed")
    for path in ("/tasks", f"/complaints/{complaint_id}"):  # the pages too (the API login set the session)
        page = client.get(path)
        assert page.status_code == 200, (path, page.status_code)
        done.append(f"page {path}: HTTP 200, {len(page.data):,} bytes")
    began = time.perf_counter()
    result = sweep(services)
    done.append(f"sweep: {result.fired} fired, {result.failed} failed in {time.perf_counter() - began:.2f} s")
    assert result.failed == 0
    done.extend(check_monev(services))
    services.sql_engine.dispose()
    # Generated state fires: a worker a week ahead handles one batch of what is due by then (the
    # reminders come first), and acts on one generated timer of each kind as the sweep would.
    ahead = Aduan(url, clock=ManualClock(datetime.now(timezone.utc) + timedelta(days=7)))
    result = sweep(ahead, batch=200, max_batches=1)
    assert result.fired and result.failed == 0, result
    done.append(f"sweep a week ahead, one batch of 200: {result.kinds}, none failed")
    for step in ("verify", "follow_up", "reporter_reply"):
        with transaction(ahead.sessions) as db:
            row = db.scalars(select(Deadline).where(Deadline.kind == "timer", Deadline.step == step,
                                                    Deadline.state == "pending").limit(1)).first()
            if row is None:
                continue
            ahead.clock.set(row.due_at + timedelta(minutes=1))
            ahead.timekeeper.act(db, row, ahead.clock())
            assert row.state == "fired", (step, row.state)
            status = db.get(Complaint, row.complaint_id).status
        done.append(f"{step} timer of complaint {row.complaint_id} fired: status {status}")
    ahead.sql_engine.dispose()
    return done


def check_monev(services: Aduan, sample: int = 2000) -> list[str]:
    """The monev columns and rollup: every arrival day is the creation's date in the region's zone; the
    working-second durations of a random sample agree with the app's own calendars (policy); after
    the check's changes an incremental refresh leaves the rollup equal to a fresh aggregate."""
    done = []
    with transaction(services.sessions) as db:
        wrong = db.scalar(sa.text(
            "SELECT count(*) FROM complaints c JOIN regions r ON r.id = c.region_id "
            "WHERE c.received_on <> (c.created_at AT TIME ZONE r.timezone)::date"))
        assert wrong == 0, f"{wrong} complaints with received_on not the created_at's date in their zone"
        top = db.scalar(select(sa.func.max(Complaint.id)))
        ids = random.Random(3).sample(range(1, top + 1), min(sample, top))
        rows = db.execute(select(Complaint.region_id, Complaint.created_at, Complaint.verified_at,
                                 Complaint.verify_seconds, Complaint.dispatched_at, Complaint.followed_up_at,
                                 Complaint.follow_up_seconds).where(Complaint.id.in_(ids))).all()
        timed = 0
        for region_id, created, verified, verify_s, dispatched, followed, follow_s in rows:
            calendar = services.policy.calendar(region_id)
            for start, end, seconds in ((created, verified, verify_s), (dispatched, followed, follow_s)):
                if seconds is not None:
                    assert calendar.working_seconds_between(start, end) == seconds, (region_id, start, end, seconds)
                    timed += 1
                else:
                    assert end is None, (start, end)
    done.append(f"monev: received_on is the local arrival day of every complaint; {timed} durations of "
                f"{len(rows)} sampled complaints agree with the app's calendars")
    began = time.perf_counter()
    result = rollup.refresh(services.sessions, services.clock())
    took = time.perf_counter() - began
    names = list(rollup._COLUMNS)
    with transaction(services.sessions) as db:
        kept = db.execute(select(*[sa.func.coalesce(sa.func.sum(sa.column(n)), 0) for n in names])
                          .select_from(sa.table("monev_daily"))).one()
        fresh = db.execute(select(*rollup._COLUMNS.values()).select_from(Complaint)).one()
    assert [int(v) for v in kept] == [int(v) for v in fresh], dict(zip(names, zip(kept, fresh)))
    done.append(f"monev: incremental refresh after the check's changes rebuilt {result.pairs} day rows in "
                f"{took:.2f} s; rollup totals equal a fresh aggregate ({int(kept[0]):,} received)")
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="aduan_gen")
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--open-share", type=float, default=0.3,
                        help="share of complaints still open (DOMAIN.md: several hundred thousand of a year's)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--replace", action="store_true", help="drop the database first if it exists")
    parser.add_argument("--check", action="store_true", help="then use the real app on it")
    parser.add_argument("--check-only", action="store_true", help="only check an already generated database")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.check_only:
        for line in check(args.database):
            print(f"  check: {line}")
        return
    stats = generate(args.database, args.complaints, args.open_share, args.seed, args.replace, quiet=args.json)
    if args.check:
        stats["check"] = check(args.database)
    if args.json:
        print(json.dumps(stats))
        return
    for key, value in stats.items():
        if key == "check":
            for line in value:
                print(f"  check: {line}")
        else:
            print(f"{key:18s} {value}")


if __name__ == "__main__":
    main()
