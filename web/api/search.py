"""Complaint search for officers: the complaints within their scope, filtered, newest first, paged."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflows.complaints.search import SearchQuery, search

from ..context import current_user, unit_of_work
from ..openapi import api_errors
from ..search_schemas import ComplaintSearchIn, ComplaintSearchOut

blp = Blueprint("complaint_search", __name__, url_prefix="/api/officer/complaints",
                description="Complaint search for officers")


@blp.route("")
class Search(MethodView):
    @blp.arguments(ComplaintSearchIn, location="query")
    @blp.response(200, ComplaintSearchOut)
    @api_errors(invalid={"per_page": ("out_of_range", {"max": 100})})
    def get(self, query):
        """The complaints within my scope, newest first. ``q`` is a tracking ID (exact) or text in the title,
        description, location or (where I may see the reporter) the reporter's name or e-mail; further
        filters: ``status``, ``category``, ``instansi_id``, ``triage`` (no instansi yet),
        ``received_from``/``received_to`` (arrival days, inclusive); ``page`` and ``per_page`` (at most 100)."""
        with unit_of_work() as db:
            found = search(db, current_user(db), SearchQuery(**query))
            return {"items": found.items, "total": found.total, "page": found.page, "per_page": found.per_page,
                    "pages": found.pages}
