"""Officer accounts, managed within scope: who manages whom, creating and changing accounts, and
handing a leaver's open tasks to a successor.

* ``admin_nasional`` manages everyone and may create any officer role;
* ``admin_koordinator`` manages the admin_instansi and pejabat_penghubung of the instansi in their
  province (the instansi's region is the province or one of its regencies/cities);
* ``admin_instansi`` manages the admin_instansi and pejabat_penghubung of their own instansi;
* ``pejabat_penghubung`` manages nobody. Nobody may deactivate themself.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit
from ..clock import Clock
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..notifications import inbox
from ..org.models import Instansi, Region, Unit
from ..orm import find
from ..tasks.models import HumanTask
from .credentials import hash_password
from .models import ApiToken, User
from .roles import ADMIN_INSTANSI, ADMIN_KOORDINATOR, ADMIN_NASIONAL, OFFICER_ROLES, PEJABAT_PENGHUBUNG
from .scope import instansi_filter

USERNAME = re.compile(r"[a-z0-9._-]{3,80}")
PASSWORD_MIN, PASSWORD_MAX = 8, 200  # the login form accepts at most 200 characters
FULL_NAME_MAX = 200

# The roles each admin role manages (and may create), within its scope.
MANAGED_ROLES: dict[str, tuple[str, ...]] = {
    ADMIN_NASIONAL: OFFICER_ROLES,
    ADMIN_KOORDINATOR: (ADMIN_INSTANSI, PEJABAT_PENGHUBUNG),
    ADMIN_INSTANSI: (ADMIN_INSTANSI, PEJABAT_PENGHUBUNG),
}

Errors = dict[str, list[tuple[str, dict[str, Any]]]]


@dataclass(frozen=True)
class NewUser:
    username: str
    full_name: str
    password: str
    role: str
    instansi_id: int | None = None
    unit_id: int | None = None   # pejabat_penghubung: instansi and region follow from the unit
    region_id: int | None = None  # admin_koordinator: their province


def assignable_roles(admin: User) -> tuple[str, ...]:
    """The roles ``admin`` may give to accounts they create (empty: they manage nobody)."""
    return MANAGED_ROLES.get(admin.role, ()) if admin.active else ()


def _covers(admin: User, role: str, instansi: Instansi | None) -> bool:
    """Whether ``admin`` manages an account of ``role`` working for ``instansi``."""
    if role not in assignable_roles(admin):
        return False
    if admin.role == ADMIN_NASIONAL:
        return True
    if instansi is None:
        return False
    if admin.role == ADMIN_KOORDINATOR:
        return admin.region_id is not None and instansi.region.province_id() == admin.region_id
    return instansi.id == admin.instansi_id  # admin_instansi


def may_manage(admin: User, user: User) -> bool:
    return _covers(admin, user.role, user.instansi)


def _succeeds(leaver: User, successor: User) -> bool:
    """The successor is active, has the leaver's role and covers the leaver's scope."""
    if not successor.active or successor.role != leaver.role:
        return False
    key = {PEJABAT_PENGHUBUNG: "unit_id", ADMIN_INSTANSI: "instansi_id",
           ADMIN_KOORDINATOR: "region_id"}.get(leaver.role)
    return key is None or (getattr(leaver, key) is not None and getattr(leaver, key) == getattr(successor, key))


def _check_full_name(full_name: str, errors: Errors) -> str:
    name = (full_name or "").strip()
    if not name:
        errors["full_name"] = [("required", {})]
    elif len(name) > FULL_NAME_MAX:
        errors["full_name"] = [("too_long", {"max": FULL_NAME_MAX})]
    return name


def _check_password(password: str, errors: Errors) -> None:
    if len(password or "") < PASSWORD_MIN:
        errors["password"] = [("too_short", {"min": PASSWORD_MIN})]
    elif len(password) > PASSWORD_MAX:
        errors["password"] = [("too_long", {"max": PASSWORD_MAX})]


def _revoke_tokens(session: Session, user: User) -> None:
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


def by_id(session: Session, user_id: int) -> User | None:
    return find(session, User, user_id)


def officer(session: Session, user_id: int) -> User | None:
    """The officer with this id, if the account exists and is active."""
    user = find(session, User, user_id)
    return user if user is not None and user.active else None


class Users:
    def __init__(self, clock: Clock):
        self.clock = clock

    may_manage = staticmethod(may_manage)
    assignable_roles = staticmethod(assignable_roles)

    def _admin(self, admin: User) -> tuple[str, ...]:
        roles = assignable_roles(admin)
        if not roles:
            raise Forbidden("you do not manage officer accounts")
        return roles

    def _get(self, session: Session, admin: User, user_id: int) -> User:
        user = find(session, User, user_id)
        if user is None:
            raise NotFound("user not found")
        if not may_manage(admin, user):
            raise Forbidden("this officer is outside your scope")
        return user

    # -- reading ---------------------------------------------------------------------------------
    def managed(self, session: Session, admin: User, user_id: int) -> User:
        """An account ``admin`` manages (404 if there is none, 403 if it is outside their scope)."""
        return self._get(session, admin, user_id)

    def manageable(self, session: Session, admin: User) -> list[User]:
        """The accounts ``admin`` manages (active or not), by name. Forbidden for non-admins."""
        roles = self._admin(admin)
        stmt = select(User).order_by(User.full_name, User.id)
        if admin.role != ADMIN_NASIONAL:
            stmt = stmt.where(User.role.in_(roles),
                              User.instansi_id.in_(select(Instansi.id).where(instansi_filter(admin))))
        return list(session.scalars(stmt))

    def successors(self, session: Session, admin: User, leaver: User) -> list[User]:
        """Who could take over the leaver's open work: active, same role, covering the same scope."""
        return [u for u in self.manageable(session, admin) if u.id != leaver.id and _succeeds(leaver, u)]

    # -- changing --------------------------------------------------------------------------------
    def create(self, session: Session, admin: User, new: NewUser) -> User:
        """A new account in ``admin``'s scope; every field problem is reported at once (Invalid)."""
        roles = self._admin(admin)
        errors: Errors = {}
        if not USERNAME.fullmatch(new.username or ""):
            errors["username"] = [("bad_username", {})]
        elif session.scalar(select(User.id).where(User.username == new.username)) is not None:
            errors["username"] = [("taken", {})]
        full_name = _check_full_name(new.full_name, errors)
        _check_password(new.password, errors)
        scope: dict[str, int | None] = {}
        if new.role not in roles:
            errors["role"] = [("not_one_of", {"choices": list(roles)})]
        else:
            scope = self._scope(session, admin, new, errors)
        if errors:
            raise Invalid(errors)
        user = User(username=new.username, full_name=full_name, password_hash=hash_password(new.password),
                    role=new.role, created_at=self.clock(), **scope)
        try:
            with session.begin_nested():
                session.add(user)
                session.flush()
        except IntegrityError:  # the same username created at the same moment
            raise Invalid({"username": [("taken", {})]}) from None
        return user

    def _scope(self, session: Session, admin: User, new: NewUser, errors: Errors) -> dict[str, int | None]:
        """Region, instansi and unit of a new account of ``new.role``, checked against ``admin``'s scope."""
        role = new.role
        if role == ADMIN_NASIONAL:
            return {"region_id": None, "instansi_id": None, "unit_id": None}
        if role == ADMIN_KOORDINATOR:
            region = find(session, Region, new.region_id)
            if new.region_id is None:
                errors["region_id"] = [("required", {})]
            elif region is None:
                errors["region_id"] = [("unknown_region", {})]
            elif region.parent_id is not None or region.kind != "province":
                errors["region_id"] = [("not_a_province", {})]
            return {"region_id": new.region_id, "instansi_id": None, "unit_id": None}
        if role == ADMIN_INSTANSI:
            instansi = find(session, Instansi, new.instansi_id)
            if new.instansi_id is None:
                errors["instansi_id"] = [("required", {})]
            elif instansi is None:
                errors["instansi_id"] = [("unknown_instansi", {})]
            elif not _covers(admin, role, instansi):
                errors["instansi_id"] = [("outside_scope", {})]
            return {"region_id": instansi.region_id if instansi else None, "instansi_id": new.instansi_id,
                    "unit_id": None}
        # pejabat_penghubung
        unit = find(session, Unit, new.unit_id)
        if new.unit_id is None:
            errors["unit_id"] = [("required", {})]
        elif unit is None:
            errors["unit_id"] = [("no_such_unit", {})]
        elif not _covers(admin, role, session.get(Instansi, unit.instansi_id)):
            errors["unit_id"] = [("outside_scope", {})]
        if unit is None:
            return {}
        return {"region_id": unit.region_id, "instansi_id": unit.instansi_id, "unit_id": unit.id}

    def update(self, session: Session, admin: User, user_id: int, *, full_name: str | None = None,
               active: bool | None = None, password: str | None = None) -> User:
        """Rename, (de)activate or set a new password. Deactivating revokes the user's API tokens."""
        self._admin(admin)
        user = self._get(session, admin, user_id)
        if active is False and user.id == admin.id:
            raise Forbidden("you cannot deactivate your own account")
        errors: Errors = {}
        if full_name is not None:
            full_name = _check_full_name(full_name, errors)
        if password is not None:
            _check_password(password, errors)
        if errors:
            raise Invalid(errors)
        if full_name is not None:
            user.full_name = full_name
        if password is not None:
            user.password_hash = hash_password(password)
        if active is not None:
            user.active = active
            if not active:
                _revoke_tokens(session, user)
        session.flush()
        return user

    def handover(self, session: Session, admin: User, from_user_id: int, to_user_id: int,
                 deactivate: bool = True) -> int:
        """Move every open task the leaver holds to the successor (who must have the same role and
        scope), in the caller's transaction; optionally deactivate the leaver. Returns how many moved."""
        self._admin(admin)
        leaver = self._get(session, admin, from_user_id)
        if to_user_id == leaver.id:
            raise Invalid({"to_user_id": [("same_user", {})]})
        successor = find(session, User, to_user_id)
        if successor is None:
            raise Invalid({"to_user_id": [("unknown_user", {})]})
        if not may_manage(admin, successor):
            raise Forbidden("this officer is outside your scope")
        if deactivate and leaver.id == admin.id:
            raise Forbidden("you cannot deactivate your own account")
        if not _succeeds(leaver, successor):
            raise Invalid({"to_user_id": [("not_a_successor", {})]})

        now = self.clock()
        held = session.execute(select(HumanTask.id, HumanTask.complaint_id, HumanTask.name).where(
            HumanTask.assignee_id == leaver.id, HumanTask.state == "open").order_by(HumanTask.id)).all()
        if held:
            moved = session.execute(update(HumanTask).where(
                HumanTask.id.in_([t.id for t in held]), HumanTask.assignee_id == leaver.id,
                HumanTask.state == "open")
                .values(assignee_id=successor.id, claimed_at=now, lock_version=HumanTask.lock_version + 1)
                .execution_options(synchronize_session=False))
            if moved.rowcount != len(held):
                raise Conflict("the officer's tasks changed during the hand-over; try again")
            actor = audit.officer(admin)
            for task in held:
                audit.record(session, task.complaint_id, actor, "task_handed_over", now, task_name=task.name,
                             data={"from": leaver.id, "to": successor.id})
            inbox.notify_user(session, successor.id, "handover", now,
                                      {"count": len(held), "from": leaver.full_name})
        if deactivate:
            leaver.active = False
            _revoke_tokens(session, leaver)
        session.flush()
        return len(held)
