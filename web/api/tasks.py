"""The officer's task list and the actions on a task."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflows.accounts.scope import task_visible_to
from workflows.errors import Forbidden
from workflows.tasks.queries import TaskQuery

from ..context import current_user, services, unit_of_work
from ..openapi import Err, api_errors
from ..schemas import AtRiskQueryIn, ColleagueOut, DelegateIn, FormValues, TaskOut, TaskQueryIn

blp = Blueprint("tasks", __name__, url_prefix="/api/tasks", description="Task list")

NOT_FOUND = "task not found"
NOT_YOURS = "this task belongs to another role or instansi"
REPORTERS = "this task is answered by the reporter"
DONE = Err("task is already completed", why="The task is completed (or cancelled) already")


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
    @api_errors(forbidden="the at-risk list is for admins")
    def get(self, query):
        """Admins: open officers' tasks in my scope, not yet late, whose breach risk is at least
        ``ADUAN_RISK_THRESHOLD`` (0.5), highest risk first. ``X-Total-Count``: how many."""
        with unit_of_work() as db:
            page = services().risk.at_risk(db, current_user(db), query["limit"], query["offset"])
            return page.items, 200, {"X-Total-Count": str(page.total)}


@blp.route("/<int:task_id>")
class TaskDetail(MethodView):
    @blp.response(200, TaskOut)
    @api_errors(not_found=NOT_FOUND, forbidden=NOT_YOURS)
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
    @api_errors(not_found=NOT_FOUND, forbidden=[NOT_YOURS, REPORTERS],
                conflict=["task is claimed by another officer", "you have already claimed this task",
                          "task was claimed by someone else just now", DONE])
    def post(self, task_id):
        """Claim the task: it leaves the group's list and becomes mine."""
        return _act(task_id, "claim")


@blp.route("/<int:task_id>/unclaim")
class Unclaim(MethodView):
    @blp.response(200, TaskOut)
    @api_errors(not_found=NOT_FOUND,
                forbidden=[NOT_YOURS, REPORTERS, "only the assignee or an admin may release this task"],
                conflict=["task is not claimed", "task changed just now; reload and try again", DONE])
    def post(self, task_id):
        """Release the task back to its group (its holder, or an admin)."""
        return _act(task_id, "unclaim")


@blp.route("/<int:task_id>/complete")
class Complete(MethodView):
    @blp.arguments(FormValues)
    @blp.response(200, TaskOut)
    @api_errors(not_found=NOT_FOUND, forbidden=[NOT_YOURS, REPORTERS],
                conflict=["task is claimed by another officer", "task is no longer waiting for input", DONE,
                          "this complaint was changed by someone else at the same time; reload and try again"],
                invalid=[Err("invalid input", fields={"unit_id": ("required_when", {"field": "action",
                                                                                     "value": "dispatch"})}),
                         Err("the process could not continue: the script ran longer than 2 s", code="process_error",
                             why="A script or condition of the diagram failed (the complaint is untouched)")])
    def post(self, body, task_id):
        """Complete the task with values for its form; 409 if someone else got there first."""
        return _act(task_id, "complete", body["data"])


@blp.route("/<int:task_id>/delegate")
class Delegate(MethodView):
    @blp.arguments(DelegateIn)
    @blp.response(200, TaskOut)
    @api_errors(not_found=NOT_FOUND,
                forbidden=[NOT_YOURS, REPORTERS, "only the officer holding this task or an admin may delegate it"],
                conflict=["task changed just now; reload and try again", DONE],
                invalid={"user_id": ("not_a_colleague", {})})
    def post(self, body, task_id):
        """Hand the task to a colleague in its scope (the holder, or an admin); 409 if it changed hands."""
        tasks = services().tasks
        with unit_of_work() as db:
            return tasks.delegate(db, task_id, current_user(db), body["user_id"])


@blp.route("/<int:task_id>/colleagues")
class Colleagues(MethodView):
    @blp.response(200, ColleagueOut(many=True))
    @api_errors(not_found=NOT_FOUND,
                forbidden=[NOT_YOURS, REPORTERS, "only the officer holding this task or an admin may delegate it"],
                conflict=DONE)
    def get(self, task_id):
        """Who the task could be delegated to: active officers in its scope other than its holder."""
        tasks = services().tasks
        with unit_of_work() as db:
            user = current_user(db)
            return tasks.colleagues(db, tasks.get(db, task_id), user)
