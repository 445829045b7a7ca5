"""What every page shares: the logged-in officer, error translation, dates in the region's time zone."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from functools import wraps
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import g, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from sla.calendar import WorkingHours
from workflows.accounts.users import by_id, officer
from workflows.complaints import categories
from workflows.errors import DomainError, Invalid
from workflows.notifications import inbox
from workflows.org import queries as org
from workflows.sla import inforce

from .. import labels
from ..context import unit_of_work
from ..messages import field_message, message

if TYPE_CHECKING:
    from workflows.accounts.models import User

ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


@dataclass(frozen=True)
class Officer:
    """The logged-in officer as the page chrome needs it (the views load the full row themselves)."""
    id: int
    username: str
    full_name: str
    role: str
    unread: int = 0  # notifications newer than what they marked read
    designer: str | None = None  # the process-designer right: national | regional | None

    @property
    def is_admin(self) -> bool:
        from workflows.accounts.roles import ADMIN_TIER
        return self.role in ADMIN_TIER


def load_officer() -> None:
    g.officer = None
    user_id = session.get("user_id")
    if user_id is None:
        return
    with unit_of_work() as db:
        user = officer(db, user_id)
        if user is None:
            session.pop("user_id", None)
            return
        g.officer = Officer(user.id, user.username, user.full_name, user.role,
                            inbox.unread_count(db, user), user.designer)


def officer_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("officer") is None:
            return redirect(url_for("pages_auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapped


def current_officer(db) -> User:
    return by_id(db, g.officer.id)


def zones_for(db, region_ids) -> dict[int | None, str]:
    """The time zone of each region (one query), for showing times as the region reads them."""
    return org.zones(db, region_ids)


def field_errors(exc: Invalid) -> dict[str, list[str]]:
    return {name: [field_message(code, params) for code, params in problems]
            for name, problems in exc.fields.items()}


def error_text(exc: DomainError) -> str:
    return message(exc.message)


def error_words(exc: DomainError) -> str:
    """The error in words, naming the fields of bad input (for a page with no form to mark them on)."""
    if isinstance(exc, Invalid):
        return " ".join(text for texts in field_errors(exc).values() for text in texts) or error_text(exc)
    return error_text(exc)


def local_time(moment: datetime | None, zone: str | None = "Asia/Jakarta", with_zone: bool = True) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    zone = zone or "Asia/Jakarta"
    text = format_datetime(moment, "d MMM yyyy HH:mm", tzinfo=ZoneInfo(zone), locale=str(get_locale()))
    return f"{text} {ZONE_NAMES.get(zone, zone)}" if with_zone else text


def long_time(moment: datetime | None, zone: str | None = "Asia/Jakarta") -> str:
    """A deadline as people read it: "Jumat, 10 April 2025 16.00 WIB"."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    zone = zone or "Asia/Jakarta"
    pattern = "EEEE, d MMMM y HH.mm" if str(get_locale()) == "id" else "EEEE, d MMMM y, HH:mm"
    text = format_datetime(moment, pattern, tzinfo=ZoneInfo(zone), locale=str(get_locale()))
    return f"{text} {ZONE_NAMES.get(zone, zone)}"


def working_time(seconds: int | float | None) -> str:
    """Working seconds as people count them: "2 hari kerja 4 jam" (a working day of the default hours)."""
    if not isinstance(seconds, (int, float)) or seconds < 0:
        return ""
    hours = WorkingHours()
    day = (hours.end.hour * 60 + hours.end.minute - hours.start.hour * 60 - hours.start.minute) * 60
    days, rest = divmod(int(seconds), day)
    whole_hours = round(rest / 3600)
    parts = []
    if days:
        parts.append(_("1 working day") if days == 1 else _("%(num)s working days", num=days))
    if whole_hours or not days:
        parts.append(_("1 working hour") if whole_hours == 1 else _("%(num)s working hours", num=whole_hours))
    return " ".join(parts)


def lang_url(code: str) -> str:
    """This page in another language. After a form was posted (its address answers POST only), the
    page the form was on."""
    if request.method != "GET":
        referrer = urlsplit(request.referrer or "")
        same_site = referrer.netloc in ("", request.host)
        path = referrer.path if same_site and referrer.path.startswith("/") else "/"
        args = {k: v for k, v in parse_qsl(referrer.query) if k != "lang"} if same_site else {}
        return f"{path}?{urlencode({**args, 'lang': code})}"
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "lang"}
    args["lang"] = code
    return f"{request.path}?{urlencode(args)}"


def safe_next(target: str | None, default: str) -> str:
    """Only local paths: a login link must not send the officer to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def _category_names() -> dict[str, tuple[str, str]]:
    """Every category's Indonesian and English name, read once per request (the Admin Nasional manages them)."""
    names = g.get("category_names")
    if names is None:
        with unit_of_work() as db:
            names = {c.code: (c.name_id, c.name_en) for c in categories.listed(db)}
        g.category_names = names
    return names


def category_name(code: str | None) -> str:
    """A category's name in the page's language (an unknown code: its built-in label, else the code)."""
    if not code:
        return ""
    pair = _category_names().get(code)
    if pair is None:
        return labels.label(labels.CATEGORY, code)
    return pair[1] if str(get_locale()) == "en" else pair[0]


def category_choices() -> list[tuple[str, str]]:
    """Every category as (code, name in the page's language), for filters."""
    return [(code, category_name(code)) for code in _category_names()]


def region_asked() -> str | None:
    """The region code a rules or routing page is asked for; when none, the officer's home region
    (national, None, for the Admin Nasional)."""
    code = (request.values.get("region") or "").strip()[:16]
    if code or "region" in request.values:
        return code or None
    with unit_of_work() as db:
        return inforce.home_region(db, current_officer(db))
