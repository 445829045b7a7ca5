"""Orchestration rules: every change to a human task passes a small list of composable checks.

Each rule looks at the proposed transition and either lets it pass or raises a DomainError saying
why not (the shape of Prefect's orchestration rules). Claim, unclaim and complete each have their
own list; new transitions (defer, transfer, escalate, delegate) add lists, not branches.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..accounts.models import User
from ..accounts.roles import ADMIN_TIER, PELAPOR
from ..accounts.scope import task_in_scope
from ..errors import Conflict, Forbidden, Invalid
from .models import HumanTask


@dataclass(frozen=True)
class Proposal:
    transition: str          # claim | unclaim | complete | reply | delegate | colleagues
    task: HumanTask
    user: User | None        # None: the reporter (authenticated by the reporter token)
    target: User | None = None  # delegate: the colleague the task goes to (None: no such user)


Rule = Callable[[Proposal], None]


def task_is_open(p: Proposal) -> None:
    if p.task.state != "open":
        raise Conflict(f"task is already {p.task.state}", task_state=p.task.state)


def officer_task(p: Proposal) -> None:
    if p.task.role == PELAPOR:
        raise Forbidden("this task is answered by the reporter")
    if p.user is None:
        raise Forbidden("an officer must be logged in")


def user_in_scope(p: Proposal) -> None:
    if p.user is not None and not task_in_scope(p.user, p.task):
        raise Forbidden("this task belongs to another role or instansi")


def not_claimed_by_other(p: Proposal) -> None:
    if p.task.assignee_id is not None and p.user is not None and p.task.assignee_id != p.user.id:
        raise Conflict("task is claimed by another officer", assignee_id=p.task.assignee_id)


def not_claimed(p: Proposal) -> None:
    if p.task.assignee_id is not None:
        if p.user is not None and p.task.assignee_id == p.user.id:
            raise Conflict("you have already claimed this task")
        raise Conflict("task is claimed by another officer", assignee_id=p.task.assignee_id)


def is_claimed(p: Proposal) -> None:
    if p.task.assignee_id is None:
        raise Conflict("task is not claimed")


def assignee_or_admin(p: Proposal) -> None:
    if p.user is not None and p.task.assignee_id != p.user.id and p.user.role not in ADMIN_TIER:
        raise Forbidden("only the assignee or an admin may release this task")


def holder_or_admin(p: Proposal) -> None:
    """The officer holding the task, anyone in scope while nobody holds it, or an admin in scope."""
    if p.user is None or p.task.assignee_id in (None, p.user.id) or p.user.role in ADMIN_TIER:
        return
    raise Forbidden("only the officer holding this task or an admin may delegate it")


def target_is_colleague(p: Proposal) -> None:
    """The task goes to an active officer who could work on it and does not hold it already."""
    target = p.target
    if target is None or not target.active or target.id == p.task.assignee_id \
            or not task_in_scope(target, p.task):
        raise Invalid({"user_id": [("not_a_colleague", {})]})


def reporter_task(p: Proposal) -> None:
    if p.task.role != PELAPOR:
        raise Forbidden("this task is not the reporter's")


MAY_DELEGATE: list[Rule] = [task_is_open, officer_task, user_in_scope, holder_or_admin]

RULES: dict[str, list[Rule]] = {
    "claim": [task_is_open, officer_task, user_in_scope, not_claimed],
    "unclaim": [task_is_open, officer_task, user_in_scope, is_claimed, assignee_or_admin],
    "complete": [task_is_open, officer_task, user_in_scope, not_claimed_by_other],
    "reply": [task_is_open, reporter_task],
    "delegate": [*MAY_DELEGATE, target_is_colleague],
    "colleagues": MAY_DELEGATE,  # who the task could go to: asked by those who may delegate it
}


def check(transition: str, task: HumanTask, user: User | None, target: User | None = None) -> None:
    proposal = Proposal(transition, task, user, target)
    for rule in RULES[transition]:
        rule(proposal)
