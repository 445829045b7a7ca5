"""The engine's decision source for the SOP's ``routing`` decision.

The routing table of a complaint's region is read in the transaction that starts its process
(:meth:`Routing.prepared`), so the engine evaluates exactly the rows that transaction sees; the
report's text is handed to the evaluation only, not kept in the process data.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy.orm import Session

from engine.decisions import Decision

from ..complaints.models import Complaint
from . import dmn
from .table import applicable

_prepared: ContextVar[dict[int, Decision] | None] = ContextVar("routing_prepared", default=None)


def decision_for(session: Session, complaint: Complaint) -> Decision:
    rows = applicable(session, complaint.region)
    text = " ".join(f"{complaint.title} {complaint.description}".lower().split())  # as keywords are written
    return Decision(dmn.document(rows, f"Tabel rute {complaint.region.name}"), {"text": text})


class Routing:
    """Callable as ``source(decision_ref, data)`` (engine/decisions.py)."""

    def __call__(self, ref: str, data: Mapping[str, Any]) -> Decision | None:
        if ref != dmn.DECISION_ID:
            return None
        return (_prepared.get() or {}).get(data.get("complaint_id"))  # type: ignore[arg-type]

    @contextmanager
    def prepared(self, session: Session, complaint: Complaint) -> Iterator[None]:
        token = _prepared.set({complaint.id: decision_for(session, complaint)})
        try:
            yield
        finally:
            _prepared.reset(token)
