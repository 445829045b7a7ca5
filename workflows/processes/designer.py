"""The process designer's work: who may design what, drafts (saved often, guarded by a revision),
the versions with their history, and deploying a draft as the next version.

* The right: an Admin Nasional grants ``designer`` = ``national`` (the national SOP and every
  variant) or ``regional`` (only the variant of the officer's own region). Everyone else sees
  diagrams read-only.
* A draft starts from the live version (or a posted diagram), is saved with ``If-Match: <revision>``
  and answers 412 naming who saved it last and when, if someone else did since.
* Deploying validates the draft (every problem at its element), makes it version N+1 of its key
  and variant with the designer's note, and closes the draft. Complaints already running stay on
  their version; new ones start on the new one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..accounts.roles import ADMIN_NASIONAL
from ..clock import Clock
from ..errors import Forbidden, Invalid, NotFound, PreconditionFailed
from ..org.models import Region
from ..orm import find
from .diff import Change, compare, names
from .models import ProcessDefinition, ProcessDraft, ProcessInstance
from .registry import NATIONAL_SOP, Registry

NATIONAL, REGIONAL = "national", "regional"
RIGHTS = (NATIONAL, REGIONAL)
MAX_NOTE = 500


@dataclass(frozen=True)
class VersionView:
    definition: ProcessDefinition
    running: int           # complaints whose process runs on this version now
    deployed_by: str | None
    live: bool             # the newest version of its key and variant


def may_design(user: User, variant: str, session: Session) -> bool:
    if user.designer == NATIONAL:
        return True
    if user.designer == REGIONAL and variant and user.region_id is not None:
        region = find(session, Region, user.region_id)
        return region is not None and region.code == variant
    return False


def own_variant(user: User, session: Session) -> str | None:
    """The region code whose SOP variant a regional designer edits (None for anyone else)."""
    if user.designer != REGIONAL or user.region_id is None:
        return None
    region = find(session, Region, user.region_id)
    return region.code if region is not None else None


def known_variant(session: Session, variant: str) -> bool:
    """'' (national) or a region's code."""
    return variant == "" or session.scalars(select(Region.id).where(Region.code == variant)).first() is not None


class Designer:
    def __init__(self, registry: Registry, clock: Clock):
        self.registry = registry
        self.clock = clock

    # -- the right ---------------------------------------------------------------------------------
    @staticmethod
    def grant(session: Session, admin: User, user_id: int, right: str | None) -> User:
        if admin.role != ADMIN_NASIONAL:
            raise Forbidden("only the Admin Nasional grants the process-designer right")
        if right not in (*RIGHTS, None):
            raise Invalid({"designer": [("not_one_of", {"choices": list(RIGHTS)})]})
        user = find(session, User, user_id)
        if user is None:
            raise NotFound("user not found")
        if right == REGIONAL and user.region_id is None:
            raise Invalid({"designer": [("needs_region", {})]})
        user.designer = right
        session.flush()
        return user

    # -- versions ----------------------------------------------------------------------------------
    @staticmethod
    def versions(session: Session, key: str = NATIONAL_SOP, variant: str = "") -> list[VersionView]:
        rows = session.execute(
            select(ProcessDefinition, func.count(ProcessInstance.id), User.full_name)
            .outerjoin(ProcessInstance, (ProcessInstance.definition_id == ProcessDefinition.id)
                       & ProcessInstance.completed.is_(False))
            .outerjoin(User, User.id == ProcessDefinition.deployed_by_id)
            .where(ProcessDefinition.key == key, ProcessDefinition.variant == variant)
            .group_by(ProcessDefinition.id, User.full_name).order_by(ProcessDefinition.version.desc())).all()
        return [VersionView(d, running, name, i == 0) for i, (d, running, name) in enumerate(rows)]

    @staticmethod
    def version(session: Session, key: str, number: int, variant: str = "") -> ProcessDefinition:
        definition = session.scalars(select(ProcessDefinition).where(
            ProcessDefinition.key == key, ProcessDefinition.variant == variant,
            ProcessDefinition.version == number)).first()
        if definition is None:
            raise NotFound("no such process version")
        return definition

    # -- diff --------------------------------------------------------------------------------------
    def compare(self, session: Session, key: str, variant: str, source: int, target: int | None = None,
                draft_id: int | None = None) -> list[Change]:
        """What changed from version ``source`` to version ``target`` or to a draft."""
        old = self.version(session, key, source, variant).bpmn_xml
        if draft_id is not None:
            new = self.draft(session, draft_id).bpmn_xml
        elif target is not None:
            new = self.version(session, key, target, variant).bpmn_xml
        else:
            raise Invalid({"to": [("required", {})]})
        try:
            return compare(old, new)
        except etree.XMLSyntaxError as exc:
            raise Invalid({"bpmn": [("invalid_diagram", {"reason": str(exc)})]}) from exc

    def element_names(self, session: Session, key: str, number: int, variant: str = "") -> dict[str, str]:
        return names(self.version(session, key, number, variant).bpmn_xml)

    # -- drafts ------------------------------------------------------------------------------------
    def start_draft(self, session: Session, user: User, key: str = NATIONAL_SOP, variant: str = "",
                    bpmn_xml: str | None = None) -> ProcessDraft:
        """A draft of ``key``/``variant``: the posted diagram, else a copy of the live version (a new
        variant starts from the national one)."""
        self.require(session, user, variant)
        live = self._live(session, key, variant) or self._live(session, key, "")
        if bpmn_xml is None and live is None:
            raise NotFound("this process is not deployed yet; post a diagram to start from")
        now = self.clock()
        draft = ProcessDraft(key=key, variant=variant, based_on_id=live.id if live else None,
                             bpmn_xml=bpmn_xml if bpmn_xml is not None else live.bpmn_xml,
                             created_by_id=user.id, created_at=now, updated_by_id=user.id, updated_at=now)
        session.add(draft)
        session.flush()
        return draft

    def draft_from_version(self, session: Session, user: User, key: str, variant: str, number: int) -> ProcessDraft:
        """A draft holding an older version's diagram: deploying it is a roll-back (a new version)."""
        version = self.version(session, key, number, variant)
        draft = self.start_draft(session, user, key, variant, version.bpmn_xml)
        draft.based_on_id = version.id
        session.flush()
        return draft

    @staticmethod
    def drafts(session: Session, key: str = NATIONAL_SOP) -> list[ProcessDraft]:
        return list(session.scalars(select(ProcessDraft).where(
            ProcessDraft.key == key, ProcessDraft.state == "open").order_by(ProcessDraft.updated_at.desc())))

    @staticmethod
    def draft(session: Session, draft_id: int) -> ProcessDraft:
        draft = find(session, ProcessDraft, draft_id)
        if draft is None or draft.state == "discarded":
            raise NotFound("draft not found")
        return draft

    def save(self, session: Session, user: User, draft_id: int, bpmn_xml: str, if_match: int | None) -> ProcessDraft:
        """Save the draft if nobody else saved it since revision ``if_match`` (412 otherwise)."""
        draft = self._editable(session, user, draft_id, if_match)
        draft.bpmn_xml = bpmn_xml
        draft.revision += 1
        draft.updated_by_id, draft.updated_at = user.id, self.clock()
        session.flush()
        return draft

    def discard(self, session: Session, user: User, draft_id: int, if_match: int | None) -> None:
        draft = self._editable(session, user, draft_id, if_match)
        draft.state = "discarded"
        draft.revision += 1
        draft.updated_by_id, draft.updated_at = user.id, self.clock()
        session.flush()

    def deploy(self, session: Session, user: User, draft_id: int, note: str, if_match: int | None) -> ProcessDefinition:
        """The draft, valid, as the next version of its key and variant (refused whole if not valid)."""
        draft = self._editable(session, user, draft_id, if_match)
        note = (note or "").strip()
        if not note:
            raise Invalid({"note": [("required", {})]})
        if len(note) > MAX_NOTE:
            raise Invalid({"note": [("too_long", {"max": MAX_NOTE})]})
        definition = self.registry.deploy(session, draft.key, draft.bpmn_xml, draft.variant,
                                          deployed_by_id=user.id, note=note,
                                          national_base_id=self._national_base(session, draft))
        draft.state, draft.deployed_id = "deployed", definition.id
        draft.revision += 1
        draft.updated_by_id, draft.updated_at = user.id, self.clock()
        session.flush()
        return definition

    @staticmethod
    def behind_national(session: Session, key: str, variant: str) -> tuple[int, int] | None:
        """For a regional variant whose live version was forked from an older national version than the
        live national one: (the national version it is based on, the live national version)."""
        if not variant:
            return None
        live = Designer._live(session, key, variant)
        national = Designer._live(session, key, "")
        if live is None or national is None or live.national_base_id is None:
            return None
        base = find(session, ProcessDefinition, live.national_base_id)
        return (base.version, national.version) if base is not None and base.version < national.version else None

    @staticmethod
    def _national_base(session: Session, draft: ProcessDraft) -> int | None:
        """The national version a variant draft stands on: the one it was started from, or the one its
        starting variant version stood on."""
        if not draft.variant or draft.based_on_id is None:
            return None
        based_on = find(session, ProcessDefinition, draft.based_on_id)
        if based_on is None:
            return None
        return based_on.id if based_on.variant == "" else based_on.national_base_id

    # -- internals ---------------------------------------------------------------------------------
    def _editable(self, session: Session, user: User, draft_id: int, if_match: int | None) -> ProcessDraft:
        draft = self.draft(session, draft_id)
        self.require(session, user, draft.variant)
        if draft.state != "open":
            raise PreconditionFailed("this draft was deployed already; start a new one")
        if if_match is None:
            raise PreconditionFailed("send If-Match with the draft's revision (its ETag)")
        if if_match != draft.revision:
            who = find(session, User, draft.updated_by_id)
            raise PreconditionFailed("someone else saved this draft since you opened it",
                                     saved_by=who.full_name if who else "", saved_at=_iso(draft.updated_at),
                                     revision=draft.revision)
        return draft

    @staticmethod
    def require(session: Session, user: User, variant: str) -> None:
        if not may_design(user, variant, session):
            raise Forbidden("you do not have the process-designer right for this diagram")

    @staticmethod
    def _live(session: Session, key: str, variant: str) -> ProcessDefinition | None:
        return session.scalars(select(ProcessDefinition).where(
            ProcessDefinition.key == key, ProcessDefinition.variant == variant)
            .order_by(ProcessDefinition.version.desc()).limit(1)).first()


def _iso(moment: datetime) -> str:
    return moment.isoformat()
