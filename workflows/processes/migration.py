"""Moving running complaints from one version of their process to another.

* **Dry run** (:meth:`Migrations.plan`): for every open complaint on version N, whether it can move
  to M -- every element it waits at exists in M with the same kind (``engine.migration``) -- and
  what changes for it: the due moment of each of its timers before and after.
* **Run** (:meth:`Migrations.run`): each complaint in its own transaction, guarded by the
  instance's lock version (a complaint that moved on since the dry run is reported, not moved);
  a timeline entry on each moved complaint; the others untouched and reported with the reason.
* **Revert** (:meth:`Migrations.revert`): the kept state back, while the complaint has not moved
  on since the migration.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from engine import migration as engine_migration
from engine.runtime import StepResult

from .. import audit
from ..accounts.models import User
from ..complaints.models import Complaint
from ..db import DatabaseError, is_write_conflict, transaction
from ..errors import Conflict, DomainError, Invalid, NotFound
from ..orm import find
from ..tasks.models import HumanTask
from .designer import Designer
from .models import ProcessDefinition, ProcessInstance, ProcessMigration
from .progress import Progress

MAX_PER_RUN = 5000
CHANGED_MEANWHILE = "this complaint was changed by someone else at the same time; reload and try again"
MOVED, REFUSED, MOVED_ON = "moved", "refused", "moved_on"


@dataclass
class Candidate:
    complaint_id: int
    tracking_id: str
    instance_id: int
    lock_version: int
    waiting: list[str]
    unmapped: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    due_before: dict[str, datetime] = field(default_factory=dict)  # timer id -> due moment
    due_after: dict[str, datetime] = field(default_factory=dict)
    outcome: str | None = None         # after a run: moved | refused | moved_on
    migration_id: int | None = None

    @property
    def movable(self) -> bool:
        return not self.unmapped


@dataclass(frozen=True)
class MigrationView:
    record: ProcessMigration
    tracking_id: str
    from_version: int
    to_version: int


class Migrations:
    def __init__(self, progress: Progress, sessions: sessionmaker[Session]):
        self.progress = progress
        self.engine = progress.engine
        self.registry = progress.registry
        self.sessions = sessions

    def plan(self, session: Session, user: User, key: str, source: int, target: int, variant: str = "",
             complaint_ids: list[int] | None = None) -> list[Candidate]:
        """Dry run: nothing is written."""
        old, new = self._versions(session, user, key, source, target, variant)
        return [self._try(session, instance, complaint, new)[0]
                for instance, complaint in self._open(session, old, complaint_ids)]

    def run(self, user_id: int, key: str, source: int, target: int, variant: str = "",
            complaint_ids: list[int] | None = None, reviewed: dict[int, int] | None = None) -> list[Candidate]:
        """Move every movable complaint, each in its own transaction; report every one.
        ``reviewed``: complaint id -> the lock version the dry run saw; then only those complaints,
        and one that changed since the dry run is reported (moved_on), not moved unseen."""
        if reviewed is not None:
            complaint_ids = sorted(reviewed)
        with transaction(self.sessions) as session:
            user = self._user(session, user_id)
            old, new = self._versions(session, user, key, source, target, variant)
            planned = [(i.id, c.id, c.tracking_id, reviewed.get(c.id, i.lock_version) if reviewed else i.lock_version)
                       for i, c in self._open(session, old, complaint_ids)]
            old_id, new_id = old.id, new.id
        report = []
        for instance_id, complaint_id, tracking_id, lock_version in planned:
            try:
                with transaction(self.sessions) as session:
                    candidate = self._move(session, self._user(session, user_id), instance_id, old_id, new_id,
                                           lock_version)
            except (StaleDataError, Conflict):
                candidate = Candidate(complaint_id, tracking_id, instance_id, lock_version, [], outcome=MOVED_ON)
            except DatabaseError as exc:
                if not is_write_conflict(exc):
                    raise
                candidate = Candidate(complaint_id, tracking_id, instance_id, lock_version, [], outcome=MOVED_ON)
            report.append(candidate)
        return report

    def revert(self, session: Session, user: User, migration_id: int) -> MigrationView:
        record = find(session, ProcessMigration, migration_id)
        if record is None:
            raise NotFound("migration not found")
        old = find(session, ProcessDefinition, record.from_definition_id)
        Designer.require(session, user, old.variant)
        if record.reverted_at is not None:
            raise Conflict("this migration was reverted already")
        instance = find(session, ProcessInstance, record.instance_id)
        if instance.lock_version != record.new_lock_version or instance.definition_id != record.to_definition_id:
            raise Conflict("the complaint moved on since it was migrated (a step was completed or a timer "
                           "fired); reverting would lose that")
        complaint = find(session, Complaint, record.complaint_id)
        workflow = self.engine.load(self.registry.loaded(old), record.old_state)
        now = self.progress.clock()
        new_version = find(session, ProcessDefinition, record.to_definition_id).version
        instance.definition_id = old.id
        try:
            self.progress.save(session, complaint, instance, workflow, StepResult(), audit.officer(user))
        except StaleDataError as exc:  # someone else reverted it, or the complaint moved, just now
            raise Conflict(CHANGED_MEANWHILE) from exc
        audit.record(session, complaint.id, audit.officer(user), "process_migration_reverted", now,
                     data={"from": new_version, "to": old.version})
        record.reverted_at, record.reverted_by_id = now, user.id
        session.flush()
        return MigrationView(record, complaint.tracking_id, new_version, old.version)

    @staticmethod
    def history(session: Session, key: str, variant: str = "", limit: int = 200) -> list[MigrationView]:
        """Complaints moved between versions of ``key``/``variant``, the newest first."""
        old, new = aliased(ProcessDefinition), aliased(ProcessDefinition)
        rows = session.execute(
            select(ProcessMigration, Complaint.tracking_id, old.version, new.version)
            .join(Complaint, Complaint.id == ProcessMigration.complaint_id)
            .join(old, old.id == ProcessMigration.from_definition_id)
            .join(new, new.id == ProcessMigration.to_definition_id)
            .where(new.key == key, new.variant == variant)
            .order_by(ProcessMigration.id.desc()).limit(limit)).all()
        return [MigrationView(*row) for row in rows]

    # -- internals ---------------------------------------------------------------------------------
    def _move(self, session: Session, user: User, instance_id: int, old_id: int, new_id: int,
              lock_version: int) -> Candidate:
        instance = find(session, ProcessInstance, instance_id)
        complaint = find(session, Complaint, instance.complaint_id)
        if instance.definition_id != old_id or instance.completed or instance.lock_version != lock_version:
            raise Conflict("the complaint moved on since the dry run")
        new = find(session, ProcessDefinition, new_id)
        old_state = instance.state
        candidate, workflow = self._try(session, instance, complaint, new)
        if not candidate.movable:
            candidate.outcome = REFUSED
            return candidate
        instance.definition_id = new.id
        now = self.progress.clock()
        self.progress.save(session, complaint, instance, workflow, StepResult(), audit.officer(user))
        old_version = find(session, ProcessDefinition, old_id).version
        audit.record(session, complaint.id, audit.officer(user), "process_migrated", now,
                     data={"from": old_version, "to": new.version})
        record = ProcessMigration(instance_id=instance.id, complaint_id=complaint.id, from_definition_id=old_id,
                                  to_definition_id=new.id, old_state=old_state,
                                  new_lock_version=instance.lock_version, migrated_by_id=user.id, migrated_at=now)
        session.add(record)
        session.flush()
        candidate.outcome, candidate.migration_id = MOVED, record.id
        return candidate

    def _try(self, session: Session, instance: ProcessInstance, complaint: Complaint, new: ProcessDefinition):
        """The candidate, and the workflow moved in memory onto ``new`` (None when it cannot move)."""
        workflow = self.progress.open(session, instance)
        before = {t.name: t.due_at for t in self.engine.pending_timers(workflow)}
        entered = dict(session.execute(select(HumanTask.spiff_task_id, HumanTask.created_at).where(
            HumanTask.instance_id == instance.id, HumanTask.state == "open")).all())
        target = self.registry.loaded(new)
        try:
            check = engine_migration.migrate(workflow, target, entered)
        except engine_migration.MigrationRefused as refused:
            check, workflow = refused.check, None
        candidate = Candidate(complaint.id, complaint.tracking_id, instance.id, instance.lock_version,
                              list(check.active), list(check.unmapped), list(check.changed), before)
        if workflow is not None:
            candidate.due_after = {t.name: t.due_at for t in self.engine.pending_timers(workflow)}
        return candidate, workflow

    @staticmethod
    def _open(session: Session, definition: ProcessDefinition, complaint_ids: list[int] | None):
        query = (select(ProcessInstance, Complaint).join(Complaint, Complaint.id == ProcessInstance.complaint_id)
                 .where(ProcessInstance.definition_id == definition.id, ProcessInstance.completed.is_(False)))
        if complaint_ids:
            query = query.where(Complaint.id.in_(complaint_ids))
        return session.execute(query.order_by(Complaint.id).limit(MAX_PER_RUN)).all()

    @staticmethod
    def _versions(session: Session, user: User, key: str, source: int, target: int, variant: str):
        Designer.require(session, user, variant)
        if source == target:
            raise Invalid({"to": [("same_version", {})]})
        return Designer.version(session, key, source, variant), Designer.version(session, key, target, variant)

    @staticmethod
    def _user(session: Session, user_id: int) -> User:
        user = find(session, User, user_id)
        if user is None:
            raise DomainError("the user who started the migration no longer exists")
        return user
