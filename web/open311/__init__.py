"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) under ``/open311/v2``: discovery, the
service list and definitions, filing a service request with an API key, reading requests (by ids,
service, dates, open/closed) and tokens. The format is the path's suffix (``.json`` or ``.xml``);
errors are the standard's ``[{code, description}]`` with the HTTP status as code."""
from __future__ import annotations

import functools
from typing import Any

from flask import current_app, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from marshmallow import ValidationError

from workflows.apikeys import keys
from workflows.errors import Invalid, TooManyAttempts, Unauthorized
from workflows.open311 import service as open311

from ..context import services, unit_of_work
from ..labels import RESOLVED_STAGE, STATUS
from . import render
from .docs import DOCS
from .schemas import FilingIn, RequestsQuery
from .texts import field_errors, refusal, schema_errors

blp = Blueprint("open311", __name__, url_prefix="/open311/v2",
                description="Open311 GeoReport v2: other systems file and read complaints the standard way "
                            "(JSON or XML by the path's suffix). Filing needs an API key (`api_key`).")

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DATATYPE_HELP = {  # how to write an answer, where the type alone does not say
    "number": _l("a number; a comma or a dot for decimals, e.g. 3,5"),
    "datetime": _l("a date and time, e.g. 2026-11-30T10:00:00+07:00 (without the offset: the region's local time)"),
    "multivaluelist": _l("one or more keys: attribute[code][]=key1&attribute[code][]=key2"),
    "singlevaluelist": _l("one of the keys below"),
}
CHANGESET = "2026-12-01T00:00:00+00:00"  # when this endpoint's behaviour last changed


class Failed(Exception):
    def __init__(self, status: int, descriptions: list[str], headers: dict[str, str] | None = None):
        super().__init__(descriptions)
        self.status, self.descriptions, self.headers = status, descriptions, headers or {}


def standard(view):
    """Every answer in the asked format; every refusal as the standard's error list."""
    @functools.wraps(view)
    def wrapped(*args, fmt: str, **kwargs):
        shown = fmt if fmt in render.FORMATS else "json"
        try:
            if fmt not in render.FORMATS:
                raise Failed(400, [refusal("format must be json or xml")])
            root, value, status = view(*args, **kwargs)
            return render.respond(fmt, root, value, status)
        except Failed as exc:
            return render.errors(shown, exc.status, exc.descriptions, exc.headers)
        except open311.Refused as exc:
            return render.errors(shown, exc.status, [refusal(exc.description, exc.params)])
        except Invalid as exc:
            return render.errors(shown, 400, field_errors(exc.fields))
        except ValidationError as exc:
            return render.errors(shown, 400, schema_errors(exc.messages))
        except TooManyAttempts as exc:
            return render.errors(shown, 429, [refusal(exc.message)], {"Retry-After": str(exc.retry_after)})
    return wrapped


@blp.after_app_request
def _as_standard(response):
    """An error the app's own handlers answered (a database refusal, 405, an unexpected error) in the
    standard's list and the asked format, like every other Open311 refusal."""
    if response.status_code >= 400 and response.is_json and request.path.startswith(blp.url_prefix + "/"):
        body = response.get_json(silent=True)
        if isinstance(body, dict) and "error" in body:
            fmt = request.path.rsplit(".", 1)[-1] if "." in request.path.rsplit("/", 1)[-1] else "json"
            shown = render.errors(fmt if fmt in render.FORMATS else "json", response.status_code,
                                  [str(body.get("message") or body["error"])])
            for name, value in response.headers.items():  # the security headers, Allow, Retry-After ...
                if name.lower() not in ("content-type", "content-length"):
                    shown.headers[name] = value
            return shown
    return response


def _language() -> str:
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "id"


def _jurisdiction(db) -> open311.Jurisdiction:
    code = request.values.get("jurisdiction_id")
    if code is not None and len(code) > 60:
        raise Failed(400, [f"jurisdiction_id: {refusal('Longer than maximum length 60.')}"])
    return open311.jurisdiction(db, code)


@blp.route("/discovery.<fmt>")
@blp.doc(**DOCS["discovery"])
@standard
def discovery():
    """Where the endpoints are, their formats and where to ask for a key."""
    base = url_for("open311.discovery", fmt="json", _external=True).rsplit("/", 1)[0]
    return "discovery", {
        "changeset": CHANGESET,
        "contact": current_app.config.get("OPEN311_CONTACT") or url_for("pages_public.home", _external=True),
        "key_service": url_for("pages_apikeys.page", _external=True),  # where an administrator makes keys
        "endpoints": [{"specification": SPECIFICATION, "url": base, "changeset": CHANGESET, "type": "production",
                       "formats": ["text/xml", "application/json"]}],
    }, 200


@blp.route("/services.<fmt>")
@blp.doc(**DOCS["services"])
@standard
def service_list():
    """One service per complaint category."""
    language = _language()
    with unit_of_work() as db:
        _jurisdiction(db)
        return "services", [{
            "service_code": c.code, "service_name": c.name(language), "description": c.name(language),
            "metadata": bool(c.attributes), "type": "realtime", "keywords": "", "group": "pengaduan",
        } for c in open311.services(db)], 200


@blp.route("/services/<service_code>.<fmt>")
@blp.doc(**DOCS["service"])
@standard
def service_definition(service_code: str):
    """The extra fields (attributes) a category asks for."""
    language = _language()
    with unit_of_work() as db:
        _jurisdiction(db)
        category = open311.service(db, service_code)
        attributes = []
        for i, a in enumerate(sorted(category.attributes or [], key=lambda a: a.get("order", 0)), 1):
            item: dict[str, Any] = {
                "variable": True, "code": a["code"], "datatype": a.get("datatype", "string"),
                "required": bool(a.get("required")),
                "datatype_description": str(DATATYPE_HELP.get(a.get("datatype", "string"), "")),
                "order": a.get("order", i),
                "description": a.get(f"description_{language}") or a.get("description_id") or a["code"]}
            if a.get("values"):
                item["values"] = [{"key": v["key"], "name": v.get(f"name_{language}") or v.get("name_id") or v["key"]}
                                  for v in a["values"]]
            attributes.append(item)
        return "service_definition", {"service_code": category.code, "attributes": attributes}, 200


@blp.route("/requests.<fmt>", methods=["GET"])
@blp.doc(**DOCS["requests"])
@standard
def service_requests():
    """Service requests by the standard's filters (public: confidential reports show no content)."""
    query = RequestsQuery().load(request.args)
    with unit_of_work() as db:
        place = _jurisdiction(db)
        records = open311.requests(db, place, open311.Query(
            ids=query["service_request_id"], service_codes=query["service_code"], start=query["start_date"],
            end=query["end_date"], states=query["status"]), services().clock())
        shown = _Shown()
        return "service_requests", [shown(r) for r in records], 200


@blp.route("/requests.<fmt>", methods=["POST"], endpoint="file_request")
@blp.doc(**DOCS["file"])
@standard
def file_request():
    """File a service request with an API key; it becomes a complaint with the key's channel."""
    return _file()


@blp.route("/requests/<service_request_id>.<fmt>")
@blp.doc(**DOCS["request"])
@standard
def service_request(service_request_id: str):
    """One service request (a list of one, as the standard says)."""
    with unit_of_work() as db:
        place = _jurisdiction(db)
        return "service_requests", [_Shown()(open311.one(db, place, service_request_id))], 200


@blp.route("/tokens/<token>.<fmt>")
@blp.doc(**DOCS["token"])
@standard
def token(token: str):
    """The service request a token (from a POST) stands for."""
    with unit_of_work() as db:
        tracking_id, found = open311.by_token(db, token)
    return "service_requests", [{"service_request_id": tracking_id, "token": found}], 200


def _file():
    _readable_body()
    raw = request.values.get("api_key") or request.headers.get("X-Api-Key")
    if not raw:
        raise Failed(403, [refusal("api_key is required")])
    clock = services().clock
    with unit_of_work() as db:  # counted in its own transaction: a refused filing still counts
        try:
            key = keys.authenticate(db, raw, clock())
        except Unauthorized as exc:
            raise Failed(403, [refusal(exc.message)]) from None
    body = FilingIn().load(request.values)
    language = _language()
    with unit_of_work() as db:
        place = _jurisdiction(db)
        complaint, _code, record = open311.file(db, services().complaints, key, place, open311.Filing(
            service_code=body["service_code"], description=body["description"], lat=body["lat"],
            long=body["long"], address_string=body["address_string"], address_id=body["address_id"],
            email=body["email"], phone=body["phone"], first_name=body["first_name"], last_name=body["last_name"],
            device_id=body["device_id"], account_id=body["account_id"], media_url=body["media_url"],
            attributes=_attributes(), language=language), clock())
        answer = {"service_request_id": complaint.tracking_id, "token": record.token,
                  "service_notice": _notice(complaint.tracking_id), "account_id": body["account_id"] or ""}
    return "service_requests", [answer], 201


def _readable_body() -> None:
    """A POST is form fields in UTF-8 (or none, with everything in the query): a body the form parser
    would drop (another content type, bytes that are not UTF-8) is refused as such, not as a missing key."""
    body = request.get_data(cache=True)  # (cached: the form is parsed from it afterwards)
    if not body:
        return
    form = request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        form = form and request.mimetype == "multipart/form-data"  # (files may be binary)
    if not form:
        raise Failed(400, [refusal("the body must be form fields (application/x-www-form-urlencoded) in UTF-8")])


def _attributes() -> dict[str, list[str]]:
    """``attribute[code]=v`` and ``attribute[code][]=v1&attribute[code][]=v2`` as code -> values."""
    found: dict[str, list[str]] = {}
    for name in request.values:
        if name.startswith("attribute[") and "]" in name:
            code = name[len("attribute["):name.index("]")]
            found.setdefault(code, []).extend(request.values.getlist(name))
    return found


def _notice(tracking_id: str) -> str:
    return _("Follow it at %(url)s", url=url_for("pages_public.track", tracking_id=tracking_id, _external=True))


class _Shown:
    """Records with the standard's field names (and nothing of a confidential report's content). The
    words and links that are the same for every record are made once per response, not per record."""

    MARK = "LAP-00000000"

    def __init__(self):
        self.english = _language() == "en"
        self.status = {code: str(text) for code, text in STATUS.items()}
        self.stage = {ended: str(text) for ended, text in RESOLVED_STAGE.items()}
        self.notice = _notice(self.MARK)

    def __call__(self, r: open311.Record) -> dict[str, Any]:
        notes = self.status.get(r.status, r.status)
        if r.status == "diselesaikan":
            notes = f"{notes}: {self.stage[r.ended]}"
        agency = " — ".join(p for p in (r.agency, r.unit) if p) or None
        media = r.media_url
        if media is None and r.photo_id is not None:
            media = url_for("pages_public.photo", tracking_id=r.tracking_id, attachment_id=r.photo_id,
                            _external=True)
        return {
            "service_request_id": r.tracking_id, "status": "closed" if r.closed else "open", "status_notes": notes,
            "service_name": r.service_name_en if self.english else r.service_name_id,
            "service_code": r.service_code, "description": r.description, "agency_responsible": agency,
            "service_notice": self.notice.replace(self.MARK, r.tracking_id),
            "requested_datetime": r.requested, "updated_datetime": r.updated, "expected_datetime": r.expected,
            "address": r.address, "address_id": None, "zipcode": None, "lat": r.lat, "long": r.long,
            "media_url": media,
        }
