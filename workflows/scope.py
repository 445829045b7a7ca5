"""Who may see what: the scope rules for officers, in one place."""
from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from .models import Complaint, HumanTask, Region, User
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
