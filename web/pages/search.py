"""The officers' complaint search page: the complaints within their scope, filtered, newest first."""
from __future__ import annotations

from dataclasses import replace

from babel.dates import format_date
from flask import Blueprint, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from marshmallow import ValidationError

from workflows.complaints.search import SearchQuery, search, sees_triage
from workflows.errors import Invalid
from workflows.org import queries as org

from ..context import unit_of_work
from ..search_schemas import ComplaintSearchIn
from .common import current_officer, officer_required

bp = Blueprint("pages_search", __name__)

PAGE_SIZE = 25
FILTERS = ("q", "status", "category", "instansi", "received_from", "received_to")
TRIAGE = "triage"  # the instansi choice "waiting for triage"


def _names() -> dict[str, str]:
    return {"q": _("Search"), "status": _("Status"), "category": _("Category"), "instansi": _("Instansi"),
            "instansi_id": _("Instansi"), "triage": _("Instansi"), "received_from": _("Received from"),
            "received_to": _("Received until"), "page": _("Page")}


def _arguments(raw: dict[str, str], page: int) -> dict:
    """The form's fields as the search schema reads them (the instansi choice is an id or 'triage')."""
    args = {k: v for k, v in raw.items() if k != "instansi"}
    if raw.get("instansi") == TRIAGE:
        args["triage"] = "true"
    elif raw.get("instansi"):
        args["instansi_id"] = raw["instansi"]
    return {**args, "page": page, "per_page": PAGE_SIZE}


def _field(name: str) -> str:
    return "instansi" if name in ("instansi_id", "triage") else name


@bp.get("/complaints")
@officer_required
def page():
    raw = {k: v.strip() for k, v in request.args.items() if k in FILTERS and v.strip()}
    number = min(max(1, int(request.args["page"])), 10_000) if request.args.get("page", "").isdigit() else 1
    ignored: set[str] = set()
    with unit_of_work() as db:
        user = current_officer(db)
        query = SearchQuery(per_page=PAGE_SIZE)
        for _attempt in range(3):  # drop what is not understood, then search with the rest
            try:
                query = SearchQuery(**ComplaintSearchIn().load(_arguments(raw, number)))
                found = search(db, user, query)
                break
            except ValidationError as exc:
                bad = {_field(name) for name in exc.messages}
            except Invalid as exc:
                bad = {_field(name) for name in exc.fields}
            ignored |= bad
            raw = {k: v for k, v in raw.items() if k not in bad}
        else:  # pragma: no cover - what is left after dropping the bad filters is understood
            raw, query = {}, SearchQuery(per_page=PAGE_SIZE)
            found = search(db, user, query)
        if found.total and found.page > found.pages:  # past the end (the list got shorter): its last page
            found = search(db, user, replace(query, page=found.pages))
        locale = str(get_locale())
        items = [{"complaint": c, "received": format_date(c.received_on, "d MMM yyyy", locale=locale)}
                 for c in found.items]
        instansi = [(i.id, i.name) for i in org.instansi_in_scope(db, user)]
        triage = sees_triage(user)
    problem = None
    if ignored:
        names = _names()
        problem = _("Some filters were not understood and were ignored: %(names)s.",
                    names=", ".join(sorted(names.get(n, n) for n in ignored)))
    return render_template("complaints/search.html", items=items, filters=raw, page=found.page,
                           pages=found.pages, total=found.total, instansi=instansi, triage=triage,
                           problem=problem)
