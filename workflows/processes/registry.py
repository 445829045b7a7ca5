"""The process-model registry: deployed BPMN versions, national and per-region variants."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from engine.runtime import Engine, LoadedSpec

from ..errors import Conflict, NotFound
from ..org.models import Region
from . import validation
from .models import ProcessDefinition, ProcessInstance

NATIONAL_SOP = "sop_nasional"


def bundled_dir() -> Path:
    return Path(os.environ.get("ADUAN_BPMN_DIR") or Path(__file__).resolve().parents[2] / "bpmn")


class Registry:
    def __init__(self, engine: Engine):
        self.engine = engine

    def deploy(self, session: Session, key: str, bpmn_xml: str, variant: str = "",
               deployed_by_id: int | None = None, note: str = "",
               national_base_id: int | None = None) -> ProcessDefinition:
        """Deploy a new version if the diagram changed; an identical diagram returns the current one.
        A diagram that fails validation (``workflows.processes.validation``) is refused whole. Two
        deploys at once get versions N+1 and N+2: the loser of the unique (key, variant, version)
        retries with the next number."""
        # every problem, each naming its element; compatible with the version it replaces
        validation.check(bpmn_xml, key, self.live_diagram(session, key, variant))
        digest = hashlib.sha256(bpmn_xml.encode("utf-8")).hexdigest()
        for _attempt in range(5):
            latest = self._latest(session, key, variant)
            if latest is not None and latest.sha256 == digest:
                return latest
            definition = ProcessDefinition(key=key, variant=variant, bpmn_xml=bpmn_xml, sha256=digest,
                                           version=(latest.version + 1) if latest else 1,
                                           deployed_by_id=deployed_by_id, note=note,
                                           national_base_id=national_base_id if variant else None)
            try:
                with session.begin_nested():
                    session.add(definition)
                    session.flush()
                return definition
            except IntegrityError:  # another deploy took this version number just now
                continue
        raise Conflict("the process was deployed by someone else at the same time; try again")

    def live_diagram(self, session: Session, key: str, variant: str = "") -> str | None:
        """The diagram a new version of ``key``/``variant`` replaces: the variant's newest version, else
        the national one (a new variant forks it)."""
        live = self._latest(session, key, variant) or (self._latest(session, key, "") if variant else None)
        return live.bpmn_xml if live is not None else None

    def deploy_bundled(self, session: Session) -> list[ProcessDefinition]:
        """Deploy every diagram shipped in bpmn/ (file name = process id) as the national version."""
        return [self.deploy(session, path.stem, path.read_text(encoding="utf-8"))
                for path in sorted(bundled_dir().glob("*.bpmn"))]

    def active(self, session: Session, key: str, region: Region | None = None) -> ProcessDefinition:
        """The newest version for the region's own variant, its province's, else the national one.

        One query for all candidate variants; the diagram text is deferred (a parsed version is
        served from the engine's cache, so its XML is read only the first time)."""
        variants = []
        if region is not None:
            variants.append(region.code)
            if region.parent_id:
                parent = session.get(Region, region.parent_id)
                if parent is not None:
                    variants.append(parent.code)
        variants.append("")
        rows = session.scalars(select(ProcessDefinition).options(defer(ProcessDefinition.bpmn_xml)).where(
            ProcessDefinition.key == key, ProcessDefinition.variant.in_(variants))).all()
        newest: dict[str, ProcessDefinition] = {}
        for row in rows:
            if row.variant not in newest or row.version > newest[row.variant].version:
                newest[row.variant] = row
        for variant in variants:
            if variant in newest:
                return newest[variant]
        raise NotFound(f"process {key!r} is not deployed; run 'aduan init-db'")

    def loaded(self, definition: ProcessDefinition) -> LoadedSpec:
        cached = self.engine.cached_spec(definition.id)
        if cached is not None:
            return cached
        return self.engine.spec(definition.id, definition.bpmn_xml, definition.key)

    def loaded_by_id(self, session: Session, definition_id: int) -> LoadedSpec:
        """A deployed version is immutable: once parsed, it is served without reading its row again."""
        cached = self.engine.cached_spec(definition_id)
        if cached is not None:
            return cached
        definition = session.get(ProcessDefinition, definition_id)
        if definition is None:
            raise NotFound(f"process definition {definition_id} not found")
        return self.loaded(definition)

    @staticmethod
    def diagram_of_complaint(session: Session, complaint_id: int) -> str | None:
        """The diagram (BPMN XML) of the version a complaint runs on, not necessarily the newest."""
        return session.scalar(select(ProcessDefinition.bpmn_xml)
                              .join(ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id)
                              .where(ProcessInstance.complaint_id == complaint_id))

    def forms_of_complaint(self, session: Session, complaint_id: int) -> dict[str, dict]:
        """The forms of the user tasks of the version a complaint runs on, by task name."""
        definition_id = session.scalar(select(ProcessInstance.definition_id).where(
            ProcessInstance.complaint_id == complaint_id))
        if definition_id is None:
            return {}
        return self.engine.forms(self.loaded_by_id(session, definition_id))

    @staticmethod
    def _latest(session: Session, key: str, variant: str) -> ProcessDefinition | None:
        newest = (select(func.max(ProcessDefinition.version))
                  .where(ProcessDefinition.key == key, ProcessDefinition.variant == variant)
                  .scalar_subquery())
        return session.scalars(select(ProcessDefinition).where(
            ProcessDefinition.key == key, ProcessDefinition.variant == variant,
            ProcessDefinition.version == newest)).first()
