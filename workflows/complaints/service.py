"""Complaints: submission (intake), finding one (by tracking ID, for an officer in scope), the reporter's
secret token, attachments. What the public and officers see of one is built in :mod:`.views`."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit
from ..accounts.models import User
from ..accounts.scope import complaint_in_scope
from ..clock import Clock
from ..errors import Forbidden, Invalid, NotFound
from ..mail import reporter
from ..org.models import Instansi, Region
from ..orm import find
from ..processes.progress import Progress
from ..tasks import queries as task_queries
from ..tasks.service import Tasks
from ..text import storable
from ..throttle import Throttle
from ..webhooks import events as hooks
from . import attributes, statuses, views
from .attachments import Upload
from .attachments import check as check_attachments
from .attachments import problems as attachment_problems
from .images import IMAGE_TYPES, SCREEN, THUMB, NotAnImage, shown
from .models import Attachment, Category, Complaint, ReporterContact

TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


@dataclass(frozen=True)
class NewComplaint:
    type: str
    category: str
    title: str
    description: str
    region_id: int
    instansi_id: int | None  # None: the reporter does not know; the routing table proposes one at triage
    location: str | None = None
    latitude: float | None = None   # a pin on the map (WGS 84)
    longitude: float | None = None
    anonymous: bool = False
    confidential: bool = False
    reporter_name: str | None = None
    reporter_email: str | None = None
    reporter_phone: str | None = None
    channel: str = "web"
    language: str = "id"  # of the messages the reporter gets (the page's language when reporting)
    attachments: tuple[Upload, ...] = ()  # photos or letters (see workflows.attachments for the limits)
    # answers to the category's extra fields (code -> values); checked against its definitions, then
    # added to the description in words
    attributes: dict[str, list[str]] | None = None


def new_tracking_id() -> str:
    return "LAP-" + "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))


def new_reply_code() -> str:
    """The reporter's secret code: 3 groups of 4 from 32 characters without look-alikes (60 bits), e.g.
    ``K7QM-3XHP-W2RD``; typed with or without the dashes, in any case. Unguessable under the reply-code
    throttle (a few free failures per tracking ID and address, then growing delays)."""
    return "-".join("".join(secrets.choice(TRACKING_ALPHABET) for _ in range(4)) for _ in range(3))


def normalized_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch not in "- ") if len(code) <= 20 else code  # (the
    # 32-character codes of before keep their exact form)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


REPLY_CODE = "reply_code"  # what the throttle counts: wrong reply codes per tracking ID and address
TOO_MANY_CODES = "too many wrong codes for this report; try again later"


class Complaints:
    def __init__(self, progress: Progress, tasks: Tasks, reply_codes: Throttle):
        self.progress = progress
        self.tasks = tasks
        self.clock: Clock = progress.clock
        self.reply_codes = reply_codes

    def submit(self, session: Session, new: NewComplaint) -> tuple[Complaint, str]:
        """File a complaint and start its process. Returns the complaint and the reporter's secret token."""
        errors: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        if new.type not in statuses.COMPLAINT_TYPES:
            errors["type"] = [("not_one_of", {"choices": list(statuses.COMPLAINT_TYPES)})]
        region = find(session, Region, new.region_id)
        if region is None:
            errors["region_id"] = [("unknown_region", {})]
        if new.instansi_id is not None and find(session, Instansi, new.instansi_id) is None:
            errors["instansi_id"] = [("unknown_instansi", {})]
        if not new.anonymous and not (new.reporter_name or "").strip():
            errors["reporter_name"] = [("required_unless_anonymous", {})]
        if (new.latitude is None) != (new.longitude is None):
            errors["latitude" if new.latitude is None else "longitude"] = [("required_with_pin", {})]
        elif new.latitude is not None and new.longitude is not None:
            if not -90 <= new.latitude <= 90:
                errors["latitude"] = [("out_of_bounds", {"min": -90, "max": 90})]
            if not -180 <= new.longitude <= 180:
                errors["longitude"] = [("out_of_bounds", {"min": -180, "max": 180})]
        file_problems = attachment_problems(new.attachments)
        if file_problems:
            errors["attachments"] = file_problems
        description = new.description
        category = session.get(Category, new.category) if len(new.category) <= 60 else None
        definitions = (category.attributes or []) if category is not None else []
        if definitions or new.attributes:
            try:
                zone = self.progress.policy.calendar(new.region_id).zone if region is not None else None
                answers = attributes.check(definitions, new.attributes or {}, zone)
            except Invalid as exc:
                errors.update(exc.fields)
            else:
                shown = attributes.describe(definitions, answers, new.language)
                description = f"{description.rstrip()}\n\n{shown}" if shown else description
        if errors:
            raise Invalid(errors)
        files = check_attachments(new.attachments)
        token = new_reply_code()
        now = self.clock()
        for _attempt in range(5):
            complaint = Complaint(
                tracking_id=new_tracking_id(), type=new.type, category=new.category, title=new.title,
                description=description, location=new.location, channel=new.channel,
                latitude=new.latitude, longitude=new.longitude,
                region_id=new.region_id, instansi_id=new.instansi_id, unit_id=None, status=statuses.BELUM_DIPROSES,
                anonymous=new.anonymous, confidential=new.confidential, created_at=now, updated_at=now,
                received_on=now.astimezone(self.progress.policy.calendar(new.region_id).zone).date())
            try:
                with session.begin_nested():
                    session.add(complaint)
                    session.flush()
                break
            except IntegrityError:  # tracking ID collision: draw again
                continue
        session.add(ReporterContact(complaint_id=complaint.id, name=new.reporter_name,
                                    email=new.reporter_email, phone=new.reporter_phone,
                                    token_hash=_digest(normalized_code(token)),
                                    language=new.language if new.language in ("id", "en") else "id"))
        for file in files:
            session.add(Attachment(complaint_id=complaint.id, filename=file.filename,
                                   content_type=file.content_type, size=file.size, sha256=file.sha256,
                                   data=file.data, created_at=now))
        audit.record(session, complaint.id, audit.CITIZEN, "submitted", now,
                     data={"type": new.type, "category": new.category, "channel": new.channel}, public=True)
        hooks.submitted(session, self.progress.mail.base_url, complaint, now)  # (before any later event)
        self.progress.start(session, complaint)
        waiting = [t.due_at for t in task_queries.open_for_complaint(session, complaint.id) if t.due_at is not None]
        reporter.submitted(session, self.progress.mail, complaint, token, min(waiting) if waiting else None, now)
        return complaint, token

    def answer_problems(self, session: Session, category_code: str, answers: dict[str, list[str]],
                        region_id: int | None) -> dict[str, list[tuple[str, dict[str, Any]]]]:
        """What :meth:`submit` would say of these answers to the category's extra fields (a form names
        them with its other problems at once)."""
        category = session.get(Category, category_code) if category_code and len(category_code) <= 60 else None
        definitions = (category.attributes or []) if category is not None else []
        region = find(session, Region, region_id)
        zone = self.progress.policy.calendar(region.id if region else None).zone
        try:
            attributes.check(definitions, answers, zone)
        except Invalid as exc:
            return exc.fields
        return {}

    def by_tracking_id(self, session: Session, tracking_id: str) -> Complaint:
        if len(tracking_id) > 40 or not storable(tracking_id):
            raise NotFound("no complaint with this tracking ID")
        complaint = session.scalars(select(Complaint).where(
            Complaint.tracking_id == tracking_id.strip().upper())).first()
        if complaint is None:
            raise NotFound("no complaint with this tracking ID")
        return complaint

    def check_reporter(self, session: Session, complaint: Complaint, token: str | None, source: str | None) -> None:
        """The reporter's secret code, guessed at no faster than the throttle allows per tracking ID
        and address (429 before the code is compared; a wrong code is counted)."""
        self.reply_codes.check(session, complaint.tracking_id, source)
        contact = session.get(ReporterContact, complaint.id)
        digest = _digest(normalized_code(token.strip())) if token and len(token) <= 100 else None
        if digest is not None and contact is not None:
            if hmac.compare_digest(contact.token_hash, digest):
                return
            if contact.new_token_hash and hmac.compare_digest(contact.new_token_hash, digest):
                contact.token_hash, contact.new_token_hash = digest, None  # the renewed code, used: it counts now
                return
        self.reply_codes.failed(complaint.tracking_id, source)
        raise Forbidden("the reporter token does not match this complaint")

    def resend_code(self, session: Session, tracking_id: str, source: str | None) -> None:
        """A new reply code to the reporter's address; the old one keeps working until the new one is used (so a
        stranger asking cannot lock the reporter out). Counted like a wrong code, so it cannot flood a mailbox;
        says nothing of whether an address is on file."""
        complaint = self.by_tracking_id(session, tracking_id)
        self.reply_codes.check(session, complaint.tracking_id, source)
        self.reply_codes.failed(complaint.tracking_id, source)
        contact = session.get(ReporterContact, complaint.id)
        if contact is None or not (contact.email or (contact.phone and self.progress.mail.webhook_url)):
            return
        code = new_reply_code()
        contact.new_token_hash = _digest(normalized_code(code))
        reporter.new_code(session, self.progress.mail, complaint, code, self.clock())
        audit.record(session, complaint.id, audit.CITIZEN, "reply_code_renewed", self.clock(), public=False)

    def reply(self, session: Session, tracking_id: str, token: str | None, data: Any,
              source: str | None, files: tuple[Upload, ...] = ()) -> Complaint:
        complaint = self.by_tracking_id(session, tracking_id)
        self.check_reporter(session, complaint, token, source)
        self.tasks.reply(session, complaint, data, files)
        return complaint

    def for_officer(self, session: Session, complaint_id: int, user: User) -> Complaint:
        complaint = find(session, Complaint, complaint_id)
        if complaint is None:
            raise NotFound("complaint not found")
        if not complaint_in_scope(user, complaint):
            raise Forbidden("this complaint is outside your scope")
        return complaint

    @staticmethod
    def attachments(session: Session, complaint: Complaint) -> list[Attachment]:
        return views.attachments(session, complaint)

    def attachment(self, session: Session, complaint: Complaint, attachment_id: int) -> Attachment:
        item = find(session, Attachment, attachment_id)
        if item is None or item.complaint_id != complaint.id:
            raise NotFound("attachment not found")
        return item

    def public_photo(self, session: Session, tracking_id: str, attachment_id: int, thumb: bool,
                     token: str | None = None, source: str | None = None) -> bytes:
        """A photo of a report as anyone may see it (of a confidential report: only its reporter, with the
        code), re-encoded without its metadata (EXIF location, camera), scaled down."""
        complaint = self.by_tracking_id(session, tracking_id)
        item = find(session, Attachment, attachment_id)
        if item is None or item.complaint_id != complaint.id or item.content_type not in IMAGE_TYPES:
            raise NotFound("attachment not found")
        if complaint.confidential:
            if not token:
                raise NotFound("attachment not found")
            try:
                self.check_reporter(session, complaint, token, source)
            except Forbidden as exc:
                raise NotFound("attachment not found") from exc
        try:
            return shown(item.data, THUMB if thumb else SCREEN)
        except NotAnImage as exc:
            raise NotFound("attachment not found") from exc

    # -- views (built in workflows.complaints.views) ------------------------------------------------
    def public_view(self, session: Session, complaint: Complaint, reporter: bool = False) -> dict[str, Any]:
        return views.public_view(session, self.progress.registry, complaint, reporter,
                                 form_of=lambda task: self.tasks.form(session, task),
                                 props_of=lambda task: self.progress.task_properties(session, task))

    def officer_view(self, session: Session, complaint: Complaint, user: User) -> dict[str, Any]:
        return views.officer_view(session, self.progress.registry, complaint, user)
