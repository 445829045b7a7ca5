"""Demo data for the forward-looking features, after the year of history is in: open work that has been
waiting a while (so the task list's breach-risk badges have something to say), a national draft and two
kept replays (so the designer sees what a replay shows before deploying)."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

from sqlalchemy import select

from .accounts.models import User
from .clock import ManualClock
from .complaints.service import NewComplaint
from .db import transaction
from .org.models import Instansi, Unit
from .processes.registry import NATIONAL_SOP
from .replay import service as replay
from .service import Aduan
from .tasks.models import HumanTask


def seed(services: Aduan) -> Iterator[str]:
    yield from _waiting_work(services)
    yield from _draft_and_replays(services)


def _started_for_due_on(calendar, now: datetime, working_days: int) -> datetime:
    """08:00 on the day from which a limit of ``working_days`` runs out at 16:00 on the next working day
    that still has a few working hours left: so the task is well into its limit but not late yet."""
    local = now.astimezone(calendar.zone)
    day = local.date()
    if not calendar.is_working_day(day) or local.time() >= time(14, 0):
        day = calendar.next_working_day(day)  # (strictly after)
    for _ in range(working_days):
        day -= timedelta(days=1)
        while not calendar.is_working_day(day):
            day -= timedelta(days=1)
    return datetime.combine(day, time(8, 0), calendar.zone)


def _waiting_work(services: Aduan) -> Iterator[str]:
    """Reports whose verification runs out at the end of today (or of the next working day) and one whose
    follow-up does: their chance of missing the limit, from the year behind them, is high."""
    calendar = services.policy.calendar(None)
    now = services.clock()
    earlier = Aduan(sql_engine=services.sql_engine, clock=ManualClock(_started_for_due_on(calendar, now, 3)))
    waiting = [("pemkot-bandung", "Lampu penerangan jalan mati sepekan",
                "Tiga lampu PJU di Jl. Riau mati sejak minggu lalu, jalan gelap dan rawan.", "infrastruktur"),
               ("pemkab-bogor", "Pungutan liar saat mengurus KTP",
                "Petugas meminta uang tambahan agar KTP cepat jadi di kantor kecamatan.", "kependudukan"),
               ("pemkot-bekasi", "Antrean puskesmas sampai siang",
                "Pasien menunggu lebih dari empat jam di Puskesmas Bekasi Jaya.", "kesehatan")]
    ids = [_submit(earlier, *item) for item in waiting]
    yield f"{', '.join(ids)}: verifikasi hampir jatuh tempo"
    # a follow-up at Bogor's civil registry, dispatched five working days before its limit runs out
    earlier.clock.set(_started_for_due_on(calendar, now, 6))
    slow = _submit(earlier, "pemkab-bogor", "Akta kelahiran belum terbit",
                   "Sudah lima minggu mengajukan akta kelahiran anak, belum juga terbit.", "kependudukan")
    earlier.clock.set(_started_for_due_on(calendar, now, 5))
    with transaction(earlier.sessions) as db:
        task = db.scalars(select(HumanTask).join(HumanTask.complaint).where(
            HumanTask.state == "open", HumanTask.name == "verify")
            .where(HumanTask.complaint.has(tracking_id=slow))).one()
        admin = db.scalars(select(User).where(User.username == "admin.pemkab-bogor")).one()
        unit = db.scalars(select(Unit).join(Instansi, Instansi.id == Unit.instansi_id).where(
            Instansi.code == "pemkab-bogor", Unit.code == "disdukcapil")).one()
        earlier.tasks.complete(db, task.id, admin, {"action": "dispatch", "unit_id": unit.id, "tier": "normatif"})
    yield f"{slow}: tindak lanjut hampir jatuh tempo"


def _submit(services: Aduan, instansi_code: str, title: str, description: str, category: str) -> str:
    with transaction(services.sessions) as db:
        inst = db.scalars(select(Instansi).where(Instansi.code == instansi_code)).one()
        complaint, _token = services.complaints.submit(db, NewComplaint(
            type="pengaduan", category=category, title=title, description=description, region_id=inst.region_id,
            instansi_id=inst.id, reporter_name="Warga Demo"))
        return complaint.tracking_id


def _draft_and_replays(services: Aduan) -> Iterator[str]:
    """A national draft that closes a complaint at the follow-up (no reporter's answer), replayed over Kota
    Bandung's year; and the live SOP replayed there with a two-working-day verification limit."""
    now = services.clock()
    with transaction(services.sessions) as db:
        national = db.scalars(select(User).where(User.username == "nasional")).one()
        draft = services.designer.start_draft(db, national, NATIONAL_SOP, "")
        shorter = draft.bpmn_xml.replace('sourceRef="follow_up" targetRef="reporter_response"',
                                         'sourceRef="follow_up" targetRef="end_closed"')
        services.designer.save(db, national, draft.id, shorter, draft.revision)
        draft_id = draft.id
        year = (now.date() - timedelta(days=365), now.date())
        runs = [replay.request(db, national, replay.Request(
                    *year, draft_id=draft_id, region_code="32.73",
                    label="Tutup setelah tindak lanjut, tanpa menunggu pelapor"), now),
                replay.request(db, national, replay.Request(
                    *year, limits={"verify": "2WD"}, region_code="32.73",
                    label="Verifikasi paling lama 2 hari kerja"), now)]
        run_ids = [r.id for r in runs]
    for run_id in run_ids:
        done = replay.run_queued(services.sessions, services.registry, services.policy, services.clock, run_id)
        if done is None:
            raise RuntimeError(f"demo replay {run_id} failed")
        totals = done.report["totals"]
        yield (f"replay #{run_id}: {done.total} complaints in {done.seconds:.0f} s; late {totals['live']['late']} "
               f"(live) -> {totals['candidate']['late']} (candidate)")
    yield f"draft #{draft_id} (closes at the follow-up) with its replay"
