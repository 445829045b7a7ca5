"""The region tree: a province and its regencies and cities."""
from __future__ import annotations

from sqlalchemy import ColumnElement, Select, or_, select

from .models import Region


def region_and_children(region_id: int | ColumnElement) -> Select:
    """The ids of a region and of the regions under it (for a province: its regencies and cities), as
    a subquery for ``... .in_(...)``."""
    return select(Region.id).where(or_(Region.id == region_id, Region.parent_id == region_id))
