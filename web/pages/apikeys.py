"""Integrations: the API keys other systems file reports with (list, create, revoke), for the admin tier.

A new key is shown once, on the answer to the form that created it (never stored, never put in the
session cookie); that answer is not cached, and the page's script turns its address back into the
list's, so reloading shows the list without the key instead of creating another one.
"""
from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from workflows.apikeys import manage
from workflows.errors import DomainError, Invalid

from ..context import services, unit_of_work
from .common import current_officer, error_text, field_errors, officer_required

if TYPE_CHECKING:
    from workflows.accounts.models import User

bp = Blueprint("pages_apikeys", __name__)

NO_STORE = {"Cache-Control": "no-store"}


def _admin(db) -> User:
    user = current_officer(db)
    if not manage.may_manage(user):
        abort(403)
    return user


def _render(errors=None, values=None, problem=None, created: manage.Created | None = None, status: int = 200):
    with unit_of_work() as db:
        admin = _admin(db)
        regions, instansi = manage.scope_choices(db, admin)
        example = manage.example(db, created.key) if created is not None else None
        page = render_template("integrations/keys.html", keys=manage.visible(db, admin), admin=admin,
                               regions=regions, instansi=instansi, errors=errors or {}, values=values or {},
                               problem=problem, created=created, notice=session.pop("notice", None),
                               example=example, curl=_curl(created, example) if created is not None else None,
                               defaults={"rate_per_minute": manage.RATE_DEFAULT})
    return page, status, NO_STORE


def _curl(created: manage.Created, example: manage.Example) -> str:
    """A request that files a report with the new key as it is (its key, a jurisdiction of its scope, an
    offered service), one parameter a line, each quoted for the shell."""
    place = example.jurisdiction
    params = [("api_key", created.raw)]
    if place is not None:
        params.append(("jurisdiction_id", place.code))
    params.append(("service_code", example.service_code or "…"))
    params += [(f"attribute[{code}]", value) for code, value in example.attributes]
    params += [("description", _("Integration test of %(name)s: this report may be archived.",
                                 name=created.key.name)),
               ("address_string", example.address or "…")]
    url = url_for("open311.file_request", fmt="json", _external=True)
    lines = [f"curl -X POST {shlex.quote(url)}"]
    lines += [f"  --data-urlencode {shlex.quote(f'{name}={value}')}" for name, value in params]
    return " \\\n".join(lines)


@bp.get("/integrations")
@officer_required
def index():
    return redirect(url_for(".page"))


@bp.get("/integrations/keys")
@officer_required
def page():
    return _render()


def _ids(name: str) -> tuple[str, ...]:
    return tuple(v for v in request.form.getlist(name) if v.strip())


@bp.post("/integrations/keys")
@officer_required
def create():
    new = manage.NewKey(name=request.form.get("name") or "", channel=(request.form.get("channel") or "").strip(),
                        region_ids=_ids("region_ids"), instansi_ids=_ids("instansi_ids"),
                        rate_per_minute=(request.form.get("rate_per_minute") or "").strip() or None)
    values = {"name": new.name, "channel": new.channel, "rate_per_minute": request.form.get("rate_per_minute", ""),
              "region_ids": set(new.region_ids), "instansi_ids": set(new.instansi_ids)}
    try:
        with unit_of_work() as db:
            created = manage.create(db, current_officer(db), new, services().clock())
    except Invalid as exc:
        return _render(field_errors(exc), values, error_text(exc), status=exc.status)
    except DomainError as exc:
        return _render({}, values, error_text(exc), status=exc.status)
    return _render(created=created, status=201)


@bp.post("/integrations/keys/<int:key_id>/revoke")
@officer_required
def revoke(key_id):
    try:
        with unit_of_work() as db:
            key = manage.revoke(db, current_officer(db), key_id, services().clock())
            name = key.name
    except DomainError as exc:
        return _render({}, {}, error_text(exc), status=exc.status)
    session["notice"] = _("Key %(name)s revoked: it is refused from now on.", name=name)
    return redirect(url_for(".page"))
