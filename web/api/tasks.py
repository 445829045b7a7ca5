"""The officer's task list and the actions on a task."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflows.accounts.scope import task_visible_to
from workflows.errors import Forbidden
from workflows.tasks.queries import TaskQuery

from ..context import current_user, services, unit_of_work
from ..schemas import AtRiskQueryIn, ColleagueOut, DelegateIn, FormValues, TaskOut, TaskQueryIn

blp = Blueprint("tasks", __name__, url_prefix="/api/tasks", description="Task list")


@blp.route("")
class TaskList(MethodView):
    @blp.arguments(TaskQueryIn, location="query")
    @blp.response(200, TaskOut(many=True))
    def get(self, query):
        """My claimed tasks and my group's unclaimed tasks, soonest due first (``sort=-due``: latest
        first; ``sort=risk``: highest breach risk first). Filters: ``status``, ``tracking_id``,
        ``category``, ``due`` (soon | overdue). Each task carries its ``breach_risk``. The
        ``X-Total-Count`` header gives the number of matching tasks for paging."""
        with unit_of_work() as db:
            user = current_user(db)
            rows, total = services().risk.task_page(db, user, TaskQuery(**query))
            return rows, 200, {"X-Total-Count": str(total)}


@blp.route("/at-risk")
class AtRisk(MethodView):
    @blp.arguments(AtRiskQueryIn, location="query")
    @blp.response(200, TaskOut(many=True))
    def get(self, query):
        """Admins: open officers' tasks in my scope, not yet late, whose breach risk is at least
        ``ADUAN_RISK_THRESHOLD`` (0.5), highest risk first. ``X-Total-Count``: how many."""
        with unit_of_work() as db:
            page = services().risk.at_risk(db, current_user(db), query["limit"], query["offset"])
            return page.items, 200, {"X-Total-Count": str(page.total)}


@blp.route("/<int:task_id>")
class TaskDetail(MethodView):
    @blp.response(200, TaskOut)
    def get(self, task_id):
        """One task with its form definition (from the BPMN)."""
        tasks = services().tasks
        with unit_of_work() as db:
            user = current_user(db)
            task = tasks.get(db, task_id)
            if not task_visible_to(user, task):
                raise Forbidden("this task belongs to another role or instansi")
            return tasks.with_form(db, task)


def _act(task_id: int, action: str, data=None) -> dict:
    tasks = services().tasks
    with unit_of_work() as db:
        user = current_user(db)
        if action == "complete":
            task = tasks.complete(db, task_id, user, data)
        else:
            task = getattr(tasks, action)(db, task_id, user)
        return task


@blp.route("/<int:task_id>/claim")
class Claim(MethodView):
    @blp.response(200, TaskOut)
    def post(self, task_id):
        return _act(task_id, "claim")


@blp.route("/<int:task_id>/unclaim")
class Unclaim(MethodView):
    @blp.response(200, TaskOut)
    def post(self, task_id):
        return _act(task_id, "unclaim")


@blp.route("/<int:task_id>/complete")
class Complete(MethodView):
    @blp.arguments(FormValues)
    @blp.response(200, TaskOut)
    def post(self, body, task_id):
        """Complete the task with values for its form; 409 if someone else got there first."""
        return _act(task_id, "complete", body["data"])


@blp.route("/<int:task_id>/delegate")
class Delegate(MethodView):
    @blp.arguments(DelegateIn)
    @blp.response(200, TaskOut)
    def post(self, body, task_id):
        """Hand the task to a colleague in its scope (the holder, or an admin); 409 if it changed hands."""
        tasks = services().tasks
        with unit_of_work() as db:
            return tasks.delegate(db, task_id, current_user(db), body["user_id"])


@blp.route("/<int:task_id>/colleagues")
class Colleagues(MethodView):
    @blp.response(200, ColleagueOut(many=True))
    def get(self, task_id):
        """Who the task could be delegated to: active officers in its scope other than its holder."""
        tasks = services().tasks
        with unit_of_work() as db:
            user = current_user(db)
            return tasks.colleagues(db, tasks.get(db, task_id), user)
