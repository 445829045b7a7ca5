"""Demo data: a province, a few regencies, instansi, units, officers per role, complaints in various states.

Every complaint is driven through the real process (submit, verify, claim, follow up, reply), so
the demo database looks exactly like one that was used.
"""
from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO

from PIL import Image, ImageDraw
from sqlalchemy import select

from .accounts import credentials, roles
from .accounts.models import User
from .complaints import categories
from .complaints.attachments import Upload
from .complaints.models import Complaint
from .complaints.service import NewComplaint
from .db import transaction
from .org.models import Instansi, Region, Unit
from .plans import service as plans
from .routing import table as routing
from .service import Aduan
from .sla import rules as sla_rules
from .tasks.models import HumanTask

DEMO_PASSWORD = "demo12345"

REGIONS = [  # code, name, kind, parent code, timezone
    ("32", "Jawa Barat", "province", None, "Asia/Jakarta"),
    ("32.73", "Kota Bandung", "city", "32", "Asia/Jakarta"),
    ("32.01", "Kabupaten Bogor", "regency", "32", "Asia/Jakarta"),
    ("32.75", "Kota Bekasi", "city", "32", "Asia/Jakarta"),
]
INSTANSI = [  # code, name, region code, units
    ("pemprov-jabar", "Pemerintah Provinsi Jawa Barat", "32",
     [("dinkes", "Dinas Kesehatan"), ("dishub", "Dinas Perhubungan")]),
    ("pemkot-bandung", "Pemerintah Kota Bandung", "32.73",
     [("dpu", "Dinas Pekerjaan Umum"), ("disdik", "Dinas Pendidikan"), ("dlh", "Dinas Lingkungan Hidup")]),
    ("pemkab-bogor", "Pemerintah Kabupaten Bogor", "32.01",
     [("dpu", "Dinas PUPR"), ("disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil")]),
    ("pemkot-bekasi", "Pemerintah Kota Bekasi", "32.75", [("dinkes", "Dinas Kesehatan")]),
]


def already_seeded(services: Aduan) -> bool:
    with transaction(services.sessions) as db:
        return db.scalars(select(User).where(User.username == "nasional")).first() is not None


def seed(services: Aduan) -> Iterator[str]:
    with transaction(services.sessions) as db:
        services.registry.deploy_bundled(db)
        regions: dict[str, Region] = {}
        for code, name, kind, parent, tz in REGIONS:
            region = Region(code=code, name=name, kind=kind, timezone=tz,
                            parent_id=regions[parent].id if parent else None)
            db.add(region)
            db.flush()
            regions[code] = region
        national = credentials.create_user(db, "nasional", "Admin Nasional KemenPAN-RB", DEMO_PASSWORD,
                                           roles.ADMIN_NASIONAL)
        national.designer = "national"  # the process-designer right (web: Proses)
        coordinator = credentials.create_user(db, "koordinator.jabar", "Admin Koordinator Jawa Barat", DEMO_PASSWORD,
                                              roles.ADMIN_KOORDINATOR, region_id=regions["32"].id)
        coordinator.designer = "regional"  # West Java's SOP variant only
        for code, name, region_code, units in INSTANSI:
            inst = Instansi(code=code, name=name, region_id=regions[region_code].id)
            db.add(inst)
            db.flush()
            credentials.create_user(db, f"admin.{code}", f"Admin {name}", DEMO_PASSWORD, roles.ADMIN_INSTANSI,
                                 region_id=inst.region_id, instansi_id=inst.id)
            for unit_code, unit_name in units:
                unit = Unit(instansi_id=inst.id, code=unit_code, name=unit_name, region_id=inst.region_id)
                db.add(unit)
                db.flush()
                credentials.create_user(db, f"pp.{code}.{unit_code}", f"Pejabat Penghubung {unit_name} ({name})",
                                     DEMO_PASSWORD, roles.PEJABAT_PENGHUBUNG, region_id=inst.region_id,
                                     instansi_id=inst.id, unit_id=unit.id)
        # A second liaison officer at Bogor's civil registry office, to try the hand-over with: the
        # first one holds the complaint "dalam proses" below.
        unit = db.scalars(select(Unit).join(Instansi, Instansi.id == Unit.instansi_id).where(
            Instansi.code == "pemkab-bogor", Unit.code == "disdukcapil")).one()
        credentials.create_user(db, "pp2.pemkab-bogor.disdukcapil",
                             "Pejabat Penghubung Pengganti Disdukcapil Kabupaten Bogor", DEMO_PASSWORD,
                             roles.PEJABAT_PENGHUBUNG, region_id=unit.region_id, instansi_id=unit.instansi_id,
                             unit_id=unit.id)
    yield f"{len(REGIONS)} regions, {len(INSTANSI)} instansi; officers' password: {DEMO_PASSWORD}"
    yield from _complaints(services)


def _submit(services: Aduan, instansi_code: str, title: str, description: str, category: str, **kw) -> str:
    with transaction(services.sessions) as db:
        inst = db.scalars(select(Instansi).where(Instansi.code == instansi_code)).one()
        complaint, _token = services.complaints.submit(db, NewComplaint(
            type=kw.pop("type", "pengaduan"), category=category, title=title, description=description,
            region_id=inst.region_id, instansi_id=inst.id, reporter_name=kw.pop("name", "Warga Demo"), **kw))
        return complaint.tracking_id


def _demo_photo(colour: tuple[int, int, int]) -> bytes:
    """A small made-up photo (a coloured picture with a few shapes), so the pages show thumbnails."""
    image = Image.new("RGB", (640, 420), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((180, 150, 460, 330), fill=(40, 40, 40))
    draw.rectangle((0, 330, 640, 420), fill=(70, 70, 70))
    out = BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _task(services: Aduan, tracking_id: str) -> tuple[int, User]:
    """The open officer task of a complaint and an officer who may work it."""
    with transaction(services.sessions) as db:
        complaint = db.scalars(select(Complaint).where(Complaint.tracking_id == tracking_id)).one()
        task = db.scalars(select(HumanTask).where(HumanTask.complaint_id == complaint.id,
                                                  HumanTask.state == "open")).one()
        query = select(User).where(User.role == task.role)
        if task.role == roles.ADMIN_KOORDINATOR:
            query = query.where(User.region_id == task.region_id)
        elif task.role == roles.ADMIN_INSTANSI:
            query = query.where(User.instansi_id == task.instansi_id)
        elif task.role == roles.PEJABAT_PENGHUBUNG:
            query = query.where(User.unit_id == task.unit_id)
        return task.id, db.scalars(query.order_by(User.id)).first()


def _complete(services: Aduan, tracking_id: str, data: dict, claim_only: bool = False) -> None:
    task_id, user = _task(services, tracking_id)
    with transaction(services.sessions) as db:
        user = db.get(User, user.id)
        if claim_only:
            services.tasks.claim(db, task_id, user)
        else:
            services.tasks.complete(db, task_id, user, data)


def _unit(services: Aduan, instansi_code: str, unit_code: str) -> int:
    with transaction(services.sessions) as db:
        return db.scalars(select(Unit.id).join(Instansi).where(Instansi.code == instansi_code,
                                                               Unit.code == unit_code)).one()


def _reply(services: Aduan, tracking_id: str, data: dict) -> None:
    with transaction(services.sessions) as db:
        complaint = db.scalars(select(Complaint).where(Complaint.tracking_id == tracking_id)).one()
        services.tasks.reply(db, complaint, data)


def _complaints(services: Aduan) -> Iterator[str]:
    from .webhooks import demo as webhooks_demo  # Kota Bandung's dashboard hears of the reports below
    yield from webhooks_demo.subscribe(services)
    fresh = _submit(services, "pemkot-bandung", "Jalan berlubang di Jl. Soekarno-Hatta",
                    "Lubang besar di depan halte, sudah dua minggu belum diperbaiki dan membahayakan pengendara.",
                    "infrastruktur", location="Jl. Soekarno-Hatta, Bandung", latitude=-6.9402, longitude=107.6256,
                    attachments=(Upload("lubang-jalan.jpg", _demo_photo((120, 110, 100))),),
                    reporter_email="warga.demo@example.id")
    yield f"{fresh}: belum diproses"

    dispatched = _submit(services, "pemkot-bandung", "Sampah menumpuk di pasar",
                         "Sampah di Pasar Kosambi tidak diangkut sejak Senin, bau menyengat.", "lingkungan",
                         latitude=-6.9213, longitude=107.6261, attachments=(Upload("sampah.jpg", _demo_photo((90, 120, 60))),))
    _complete(services, dispatched, {"action": "dispatch", "unit_id": _unit(services, "pemkot-bandung", "dlh")})
    yield f"{dispatched}: didisposisi"

    in_progress = _submit(services, "pemkab-bogor", "Antrean KTP-el sangat lama",
                          "Antrean perekaman KTP-el di kecamatan mencapai lima jam tanpa kepastian.",
                          "kependudukan", anonymous=True, name=None)
    _complete(services, in_progress, {"action": "dispatch",
                                      "unit_id": _unit(services, "pemkab-bogor", "disdukcapil")})
    _complete(services, in_progress, {}, claim_only=True)
    yield f"{in_progress}: dalam proses (anonim)"

    deferred = _submit(services, "pemprov-jabar", "Pungutan liar di terminal",
                       "Ada pungutan tambahan untuk penumpang di terminal, mohon ditindak.", "transportasi",
                       confidential=True)
    _complete(services, deferred, {"action": "defer", "note": "Mohon sebutkan nama terminal dan waktu kejadian."})
    yield f"{deferred}: dipending (rahasia)"

    followed = _submit(services, "pemkot-bandung", "Guru honorer belum digaji",
                       "Gaji guru honorer di SD negeri belum dibayarkan selama tiga bulan.", "pendidikan",
                       latitude=-6.9034, longitude=107.6186)
    _complete(services, followed, {"action": "dispatch", "unit_id": _unit(services, "pemkot-bandung", "disdik")})
    _complete(services, followed, {"follow_up_text": "Pembayaran dijadwalkan pekan ini setelah verifikasi data."})
    yield f"{followed}: diselesaikan, menunggu tanggapan pelapor"

    closed = _submit(services, "pemkot-bekasi", "Puskesmas tutup saat jam layanan",
                     "Puskesmas kelurahan tutup pukul 11 padahal jadwal sampai pukul 14.", "kesehatan",
                     latitude=-6.2383, longitude=106.9756)
    _complete(services, closed, {"action": "dispatch", "unit_id": _unit(services, "pemkot-bekasi", "dinkes")})
    _complete(services, closed, {"follow_up_text": "Kepala puskesmas telah ditegur; jam layanan kembali normal."})
    _reply(services, closed, {"satisfied": True, "rating": "puas"})
    yield f"{closed}: selesai (puas)"

    transferred = _submit(services, "pemkot-bandung", "Jalan provinsi rusak",
                          "Ruas jalan provinsi Bandung-Lembang rusak parah di beberapa titik.", "infrastruktur")
    with transaction(services.sessions) as db:
        jabar = db.scalars(select(Instansi.id).where(Instansi.code == "pemprov-jabar")).one()
    _complete(services, transferred, {"action": "transfer", "target_instansi_id": jabar,
                                      "note": "Kewenangan jalan provinsi."})
    yield f"{transferred}: dilimpahkan ke Pemprov Jawa Barat"

    archived = _submit(services, "pemkot-bekasi", "Tes laporan", "Ini hanya percobaan aplikasi saja.", "lainnya")
    _complete(services, archived, {"action": "archive", "note": "Bukan pengaduan (uji coba)."})
    yield f"{archived}: diarsipkan"
    yield from webhooks_demo.first_deliveries(services)
    yield from _second_version(services)
    yield from _regional_rules_and_plan(services)
    yield from _routing(services)
    from . import demo_apikeys  # the keys first: the history carries their channels
    yield from demo_apikeys.seed(services)
    yield from _history(services)
    from . import demo_whatif  # after the history: it is what the risk and the replays read
    yield from demo_whatif.seed(services)
    from . import demo_open311  # road reports ask what is damaged; reports through Open311 with the demo keys
    yield from demo_open311.seed(services)


def _second_version(services: Aduan) -> Iterator[str]:
    """Version 2 of the national SOP (a clearer verification step), so the designer's pages show a
    history, complaints still on version 1 to migrate, and a diff."""
    with transaction(services.sessions) as db:
        national = db.scalars(select(User).where(User.username == "nasional")).one()
        live = services.designer.versions(db)[0].definition
        xml = live.bpmn_xml.replace('name="Verifikasi laporan"', 'name="Verifikasi &amp; klasifikasi laporan"')
        version = services.registry.deploy(db, live.key, xml, deployed_by_id=national.id,
                                           note="Nama langkah verifikasi diperjelas (klasifikasi ikut diperiksa).")
        number = version.version
    later = _submit(services, "pemkot-bandung", "Lampu jalan padam",
                    "Lampu penerangan jalan di Jl. Dago padam sejak tiga malam, rawan kecelakaan.", "infrastruktur",
                    location="Jl. Ir. H. Juanda (Dago), Bandung")
    yield f"{later}: belum diproses, SOP versi {number}"


def _regional_rules_and_plan(services: Aduan) -> Iterator[str]:
    """West Java's coordinator at work: a stricter follow-up limit for Kota Bandung, a regional day
    off, and the province's rencana aksi for this year with targets and activities."""
    now = services.clock()
    with transaction(services.sessions) as db:
        coordinator = db.scalars(select(User).where(User.username == "koordinator.jabar")).one()
        bandung = db.scalars(select(Region).where(Region.code == "32.73")).one()
        jabar = db.scalars(select(Region).where(Region.code == "32")).one()
        sla_rules.set_limit(db, services.policy, "follow_up", "4WD", "normatif", bandung, user=coordinator, now=now)
        day = next_weekday(now.date(), 30)
        sla_rules.set_day(db, services.policy, day, "off", bandung, "Hari jadi Kota Bandung (demo)",
                          user=coordinator, now=now)
        year = now.year
        plans.save_targets(db, coordinator, year, jabar, None,
                           {"follow_up_share": 0.95, "verify_on_time": 0.9, "satisfaction": 0.8,
                            "account_activity": 0.9, "socialisation_events": 4},
                           {"socialisation_events": 1}, now)
        first = plans.add_activity(db, coordinator, year, jabar, None,
                                   "Sosialisasi SP4N-LAPOR! ke 27 kabupaten/kota", None, 2, now)
        plans.update_activity(db, coordinator, first.id, "in_progress", "Bandung dan Bekasi sudah", now)
        plans.add_activity(db, coordinator, year, jabar, None, "Pelatihan admin instansi baru", None, 3, now)
    yield "Kota Bandung: tindak lanjut normatif 4 hari kerja, satu hari libur daerah; rencana aksi Jawa Barat"


def _routing(services: Aduan) -> Iterator[str]:
    """Routing tables at three levels, a new category, and two reports whose reporters did not know the
    instansi: one waiting for West Java's coordinator with a suggestion, one already routed."""
    now = services.clock()
    with transaction(services.sessions) as db:
        national = db.scalars(select(User).where(User.username == "nasional")).one()
        coordinator = db.scalars(select(User).where(User.username == "koordinator.jabar")).one()
        region = {r.code: r for r in db.scalars(select(Region))}
        inst = {i.code: i for i in db.scalars(select(Instansi))}

        def unit(code: str, unit_code: str) -> int:
            return db.scalars(select(Unit.id).where(Unit.instansi_id == inst[code].id, Unit.code == unit_code)).one()
        categories.add(db, "air_bersih", "Air bersih", "Clean water", user=national, now=now)
        routing.add_row(db, region["32"], category="kependudukan", sub_region="32.01",
                        instansi_id=inst["pemkab-bogor"].id, unit_id=unit("pemkab-bogor", "disdukcapil"),
                        user=coordinator, now=now)
        routing.add_row(db, region["32"], category="kesehatan", instansi_id=inst["pemprov-jabar"].id,
                        unit_id=unit("pemprov-jabar", "dinkes"), user=coordinator, now=now)
        routing.add_row(db, region["32"], category="kesehatan", sub_region="32.75", instansi_id=inst["pemkot-bekasi"].id,
                        unit_id=unit("pemkot-bekasi", "dinkes"), user=coordinator, now=now)
        routing.add_row(db, region["32"], category="transportasi", instansi_id=inst["pemprov-jabar"].id,
                        unit_id=unit("pemprov-jabar", "dishub"), user=coordinator, now=now)
        routing.add_row(db, region["32.73"], category="infrastruktur", keywords="jalan, lubang, trotoar",
                        instansi_id=inst["pemkot-bandung"].id, unit_id=unit("pemkot-bandung", "dpu"),
                        user=coordinator, now=now)
        routing.add_row(db, region["32.73"], category="lingkungan", instansi_id=inst["pemkot-bandung"].id,
                        unit_id=unit("pemkot-bandung", "dlh"), user=coordinator, now=now)
        bandung, bekasi = region["32.73"].id, region["32.75"].id
    waiting = _submit_unrouted(services, bandung, "Got mampet, air meluap ke jalan",
                               "Saluran air di Jl. Cihampelas mampet, air meluap setiap hujan.", "lingkungan")
    routed = _submit_unrouted(services, bekasi, "Obat kosong di puskesmas",
                              "Obat hipertensi kosong sejak dua minggu di puskesmas kecamatan.", "kesehatan")
    with transaction(services.sessions) as db:
        bekasi_city = db.scalars(select(Instansi.id).where(Instansi.code == "pemkot-bekasi")).one()
    _complete(services, routed, {"target_instansi_id": bekasi_city, "note": "Sesuai usulan tabel rute."})
    yield f"{waiting}: menunggu triase (tanpa instansi); {routed}: ditriase ke Pemkot Bekasi; tabel rute Jawa Barat"


def _submit_unrouted(services: Aduan, region_id: int, title: str, description: str, category: str) -> str:
    with transaction(services.sessions) as db:
        complaint, _token = services.complaints.submit(db, NewComplaint(
            type="pengaduan", category=category, title=title, description=description, region_id=region_id,
            instansi_id=None, reporter_name="Warga Demo"))
        return complaint.tracking_id


def next_weekday(start, days: int):
    """A weekday about ``days`` after ``start`` (a regional day off that changes due dates)."""
    from datetime import timedelta
    day = start + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


# -- a year of history, loaded through the importer (workflows/history) ---------------------------------
HISTORY_SEED = 20250101
HISTORY_DAYS = 365
HISTORY_PER_DAY = {"pemprov-jabar": 2.2, "pemkot-bandung": 3.2, "pemkab-bogor": 2.4, "pemkot-bekasi": 1.2}
UNIT_CATEGORIES = {"dinkes": ("kesehatan",), "dishub": ("transportasi", "ketertiban"),
                   "dpu": ("infrastruktur", "lingkungan"), "disdik": ("pendidikan",), "dlh": ("lingkungan",),
                   "disdukcapil": ("kependudukan", "perizinan")}
HISTORY_TITLES = {"kesehatan": "Pelayanan puskesmas lambat", "transportasi": "Angkutan umum ngetem sembarangan",
                  "ketertiban": "Parkir liar di trotoar", "infrastruktur": "Jalan rusak belum diperbaiki",
                  "lingkungan": "Sampah menumpuk", "pendidikan": "Pungutan di sekolah negeri",
                  "kependudukan": "KTP-el belum jadi", "perizinan": "Izin usaha lama diproses",
                  "lainnya": "Laporan lain-lain"}


def _history(services: Aduan) -> Iterator[str]:
    """About twelve months of finished complaints in every demo instansi and unit, ending a few days ago:
    working-day durations drawn (seeded) around each step's limit with some late ones, archived and
    deferred reports, dissatisfied reporters who reopen, and reporters who never answer. Built in memory
    and loaded through the importer, so monev shows months, the breach-risk estimate has task durations per
    unit and the replay a year to replay."""
    from .history import importer
    from .history.rows import RawRow
    from .demo_apikeys import with_channels
    rows = [RawRow(n, fields) for n, fields in enumerate(with_channels(history_rows(services), services.clock()), 1)]
    result = importer.import_rows(services.sessions, services.registry, services.policy, rows, services.clock(),
                                  source="demo")
    if result.rejected:
        raise RuntimeError(f"demo history refused: {result.rejected[:3]}")
    yield f"{result.loaded} finished complaints of the last {HISTORY_DAYS} days (history)"


def history_places(services: Aduan) -> list[tuple[str, str, int, list[str]]]:
    """Each instansi with its region (code, id) and its units' codes: where the history happens."""
    with transaction(services.sessions) as db:
        return [(i.code, i.region.code, i.region_id, [u.code for u in db.scalars(select(Unit).where(
            Unit.instansi_id == i.id).order_by(Unit.id))]) for i in db.scalars(select(Instansi).order_by(Instansi.id))]


def history_rows(services: Aduan, seed: int = HISTORY_SEED, days: int = HISTORY_DAYS) -> list[dict]:
    """The demo history as import rows (JSON shape, with steps); the same seed gives the same rows."""
    import random
    from datetime import timedelta

    places = history_places(services)
    rng = random.Random(seed)
    end = services.clock() - timedelta(days=3)
    first_day = (end - timedelta(days=days)).date()
    rows: list[dict] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        for code, region_code, region_id, units in places:
            if not units:
                continue
            rate = HISTORY_PER_DAY.get(code, 1.0) * (0.35 if day.weekday() >= 5 else 1.0)
            for _ in range(_poisson(rng, rate)):
                row = _history_row(rng, services, code, region_code, region_id, units, day, end, len(rows) + 1)
                if row is not None:
                    rows.append(row)
    return rows


def _poisson(rng, rate: float) -> int:
    import math
    threshold, k, p = math.exp(-rate), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


def _history_row(rng, services: Aduan, instansi: str, region_code: str, region_id: int, units: list[str], day,
                 end, number: int) -> dict | None:
    """One finished complaint; None when it would not have finished before ``end``."""
    from datetime import datetime, time

    cal = services.policy.calendar(region_id)
    hour = rng.choice((7, 8, 9, 9, 10, 10, 11, 13, 14, 15, 16, 19, 21))
    arrived = datetime.combine(day, time(hour, rng.randrange(60)), cal.zone)
    unit = rng.choice(units)
    category = rng.choice(UNIT_CATEGORIES.get(unit, ("lainnya",)) + ("lainnya",) * (rng.random() < 0.05))
    day_seconds = 8 * 3600

    def after(start, limit_days: float, late_share: float, median_share: float = 0.35):
        """A working-time duration around a limit of ``limit_days`` WD: most well within it, some late."""
        if rng.random() < late_share:
            share = 1.0 + rng.expovariate(1 / 0.6)
        else:
            share = min(0.97, rng.lognormvariate(0, 0.6) * median_share)
        return cal.add_working_seconds(start, max(600, int(share * limit_days * day_seconds)))

    late_unit = 0.25 if unit in ("dpu", "disdukcapil") else 0.1  # some units are slower than others
    verify_late = 0.12 if instansi == "pemkab-bogor" else 0.06
    steps: list[dict] = []
    claimed = cal.add_working_seconds(arrived, rng.randrange(600, 4 * 3600))
    verified = max(claimed, after(arrived, 3, verify_late))
    roll = rng.random()
    if roll < 0.07:
        steps.append({"step": "verify", "started": claimed.isoformat(), "done": verified.isoformat(),
                      "action": "archive", "note": rng.choice(("Laporan ganda.", "Bukan pengaduan pelayanan publik.",
                                                               "Isi laporan tidak jelas."))})
        last = verified
    else:
        if roll < 0.12:  # deferred: the reporter adds what was missing, then verification again
            steps.append({"step": "verify", "started": claimed.isoformat(), "done": verified.isoformat(),
                          "action": "defer", "note": "Mohon lengkapi lokasi dan waktu kejadian."})
            answered = cal.add_working_seconds(verified, rng.randrange(3600, 5 * day_seconds))
            steps.append({"step": "reporter_info", "done": answered.isoformat(),
                          "additional_info": "Lokasi dan waktu sudah saya tambahkan."})
            verified = after(answered, 1, verify_late / 2)
        tier = rng.choices(("ringan", "normatif", "tanpa_pemeriksaan"), (0.1, 0.75, 0.15))[0]
        steps.append({"step": "verify", "done": verified.isoformat(), "action": "dispatch", "unit": unit, "tier": tier})
        limit = services.policy.limit(region_id, "follow_up", tier, on=verified.astimezone(cal.zone).date())
        limit_days = limit.amount / 8 if limit.unit == "WH" else limit.amount
        start, rounds = verified, 0
        while True:
            rounds += 1
            taken = cal.add_working_seconds(start, rng.randrange(900, 6 * 3600))
            done = max(taken, after(start, limit_days, late_unit))
            steps.append({"step": "follow_up", "started": taken.isoformat(), "done": done.isoformat(),
                          "text": "Sudah ditindaklanjuti oleh unit terkait."})
            answer = rng.random()
            if answer < 0.35:  # no answer: closed when the reply limit passes
                steps.append({"step": "reporter_response", "satisfied": "auto"})
                last = cal.due(done, services.policy.limit(region_id, "reporter_reply",
                                                           on=done.astimezone(cal.zone).date()))
                break
            replied = cal.add_working_seconds(done, rng.randrange(1800, 4 * day_seconds))
            if answer < 0.9 or rounds > 1:
                steps.append({"step": "reporter_response", "done": replied.isoformat(), "satisfied": True,
                              "rating": rng.choices(("sangat_puas", "puas", "cukup_puas"), (0.3, 0.5, 0.2))[0]})
                last = replied
                break
            steps.append({"step": "reporter_response", "done": replied.isoformat(), "satisfied": False,
                          "comment": "Masalah belum selesai di lapangan."})
            start = replied
    if last > end:
        return None
    return {"external_id": f"DEMO-{day:%Y%m%d}-{number:05d}", "received_at": arrived.isoformat(),
            "region": region_code, "instansi": instansi, "category": category,
            "type": rng.choices(("pengaduan", "aspirasi", "permintaan_informasi"), (0.8, 0.1, 0.1))[0],
            "title": HISTORY_TITLES.get(category, "Laporan warga"), "reporter_name": "Warga (riwayat demo)",
            "steps": steps}
