"""Who may see what: the scope rules for officers, in one place."""
from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from ..complaints.models import Complaint
from ..org.models import Instansi, Region
from ..org.tree import region_and_children
from ..tasks.models import HumanTask
from .models import User
from .roles import ADMIN_INSTANSI, ADMIN_KOORDINATOR, ADMIN_NASIONAL, PEJABAT_PENGHUBUNG


def task_in_scope(user: User, task: HumanTask) -> bool:
    if task.role != user.role:
        return False
    if user.role == ADMIN_NASIONAL:
        return True
    if user.role == ADMIN_KOORDINATOR:
        return task.region_id is not None and task.region_id == user.region_id
    if user.role == ADMIN_INSTANSI:
        return task.instansi_id is not None and task.instansi_id == user.instansi_id
    if user.role == PEJABAT_PENGHUBUNG:
        return task.unit_id is not None and task.unit_id == user.unit_id
    return False


def officers_for_task_filter(task: HumanTask) -> ColumnElement[bool]:
    """SQL over ``users``: the officers for whom :func:`task_in_scope` holds (active or not)."""
    role = User.role == task.role
    if task.role == ADMIN_NASIONAL:
        return role
    if task.role == ADMIN_KOORDINATOR:
        return role & (User.region_id == task.region_id) if task.region_id is not None else false()
    if task.role == ADMIN_INSTANSI:
        return role & (User.instansi_id == task.instansi_id) if task.instansi_id is not None else false()
    if task.role == PEJABAT_PENGHUBUNG:
        return role & (User.unit_id == task.unit_id) if task.unit_id is not None else false()
    return false()


def scope_filter(user: User, region_col, instansi_col, unit_col) -> ColumnElement[bool]:
    """SQL form of an officer's scope over any rows that carry province, instansi and unit columns."""
    if user.role == ADMIN_NASIONAL:
        return true()
    if user.role == ADMIN_KOORDINATOR:
        return region_col == user.region_id
    if user.role == ADMIN_INSTANSI:
        return instansi_col == user.instansi_id
    if user.role == PEJABAT_PENGHUBUNG:
        return unit_col == user.unit_id
    return false()


def task_scope_filter(user: User) -> ColumnElement[bool]:
    """SQL form of :func:`task_in_scope` (without the role check)."""
    return scope_filter(user, HumanTask.region_id, HumanTask.instansi_id, HumanTask.unit_id)


def complaint_in_scope(user: User, complaint: Complaint) -> bool:
    if user.role == ADMIN_NASIONAL:
        return True
    if user.role == ADMIN_KOORDINATOR:
        region: Region = complaint.region
        return user.region_id in (region.id, region.parent_id)
    if user.role == ADMIN_INSTANSI:
        return complaint.instansi_id == user.instansi_id
    if user.role == PEJABAT_PENGHUBUNG:
        return complaint.unit_id is not None and complaint.unit_id == user.unit_id
    return False


def may_see_reporter(user: User, complaint: Complaint) -> bool:
    """An anonymous reporter is hidden from the instansi and its units; only the admin tier above
    it (coordinator, national) may see who it is. A named reporter is visible to every officer in scope."""
    if complaint.anonymous:
        return user.role in (ADMIN_NASIONAL, ADMIN_KOORDINATOR)
    return True


def task_visible_to(user: User, task: HumanTask) -> bool:
    """An officer may open a task of their role and scope, or one that is assigned to them."""
    return task.assignee_id == user.id or task_in_scope(user, task)


def instansi_filter(user: User) -> ColumnElement[bool]:
    """The instansi an admin works over: all (national), those of their province (coordinator), their own."""
    if user.role == ADMIN_NASIONAL:
        return true()
    if user.role == ADMIN_KOORDINATOR:
        regions = region_and_children(user.region_id)
        return Instansi.region_id.in_(regions)
    if user.role == ADMIN_INSTANSI:
        return Instansi.id == user.instansi_id
    return false()
