"""User-facing wording for domain error codes. English msgids; Indonesian comes from the catalog."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

FIELD_MESSAGES = {
    "required": lambda p: _("This field is required."),
    "required_when": lambda p: _("Required when %(field)s is %(value)s.", field=p.get("field"), value=p.get("value")),
    "required_unless_anonymous": lambda p: _("Required unless the report is anonymous."),
    "too_long": lambda p: _("Too long: at most %(max)s characters.", max=p.get("max")),
    "too_short": lambda p: _("Too short: at least %(min)s characters.", min=p.get("min")),
    "too_small": lambda p: _("Must be at least %(min)s.", min=p.get("min")),
    "too_large": lambda p: _("Must be at most %(max)s.", max=p.get("max")),
    "not_a_string": lambda p: _("Must be text."),
    "not_an_integer": lambda p: _("Must be a whole number."),
    "not_a_boolean": lambda p: _("Must be true or false."),
    "not_a_date": lambda p: _("Must be a date (YYYY-MM-DD)."),
    "not_an_object": lambda p: _("Must be an object of field values."),
    "not_one_of": lambda p: _("Must be one of: %(choices)s.", choices=", ".join(map(str, p.get("choices", [])))),
    "unknown_field": lambda p: _("Unknown field."),
    "unknown_unit": lambda p: _("No such unit in this instansi."),
    "unknown_instansi": lambda p: _("No such instansi."),
    "unknown_region": lambda p: _("No such region."),
    "same_instansi": lambda p: _("The complaint is already with this instansi."),
    "not_a_colleague": lambda p: _("Not an active officer who can take over this task."),
    "bad_username": lambda p: _("3 to 80 characters: lower-case letters, digits, dot, dash or underscore."),
    "taken": lambda p: _("This username is already taken."),
    "outside_scope": lambda p: _("Outside your scope."),
    "not_a_province": lambda p: _("Must be a province."),
    "no_such_unit": lambda p: _("No such unit."),
    "unknown_user": lambda p: _("No such user."),
    "same_user": lambda p: _("Must be someone other than the officer who is leaving."),
    "not_a_successor": lambda p: _("Must be an active officer with the same role and scope."),
    "too_many": lambda p: _("At most %(max)s files.", max=p.get("max")),
    "file_too_large": lambda p: _("%(file)s is too large: at most %(max_mb)s MB.", file=p.get("file"),
                                  max_mb=p.get("max_mb")),
    "unsupported_type": lambda p: _("%(file)s is not an allowed file type (%(allowed)s).", file=p.get("file"),
                                    allowed=p.get("allowed")),
    "empty_file": lambda p: _("%(file)s is empty.", file=p.get("file")),
    "invalid_value": lambda p: _("Not a valid value."),
    "invalid_characters": lambda p: _("Contains a character that is not allowed (NUL or broken Unicode)."),
    "before_start": lambda p: _("The end of the period must not be before its start."),
    "period_too_long": lambda p: _("At most %(days)s days at once.", days=p.get("days")),
    "needs_region": lambda p: _("A regional designer right needs an officer with a region."),
    "invalid_diagram": lambda p: _("The diagram cannot be deployed: %(reason)s", reason=p.get("reason")),
    "limit_format": lambda p: _("Write a limit as a number of working days or hours, e.g. 3WD or 8WH."),
    "in_the_past": lambda p: _("Must be today (%(today)s) or later: complaints already running keep their limits.",
                               today=p.get("today")),
    "looser_than_above": lambda p: _("At most %(above)s: the %(source)s limit is a maximum; it may only be made "
                                     "stricter.", above=p.get("above"),
                                     source={"province": _("province's"), "regulation": _("regulation's")}.get(
                                         p.get("source"), _("national"))),
    "unknown_role_at": lambda p: _("Level %(level)s: %(role)s is not an officer role (%(choices)s).",
                                   level=p.get("level"), role=p.get("role"),
                                   choices=", ".join(p.get("choices", []))),
    "limit_format_at": lambda p: _("Level %(level)s: %(value)s is not a limit; write e.g. 2WD or 8WH.",
                                   level=p.get("level"), value=p.get("value")),
    "too_far": lambda p: _("At most %(years)s years ahead.", years=p.get("years")),
    "chain_order": lambda p: _("Each level must be higher than the one before it, without repeats: %(order)s.",
                               order=" → ".join(p.get("order", []))),
    "not_a_decimal": lambda p: _("Must be a number (a comma or a dot for decimals)."),
    "whole_number": lambda p: _("Must be a whole number."),
    "out_of_range": lambda p: _("Must be between 0 and %(max)s.", max=p.get("max")),
    "not_a_moment": lambda p: _("Must be a date and time with its offset, e.g. 2026-12-01T09:00+07:00."),
    "not_a_number": lambda p: _("Must be a positive whole number."),
    "same_version": lambda p: _("Choose a version other than the one the complaints run on."),
    "not_an_email": lambda p: _("Not a valid e-mail address."),
    # pins and files
    "required_with_pin": lambda p: _("A pin needs both coordinates: latitude and longitude."),
    # Open311
    "location_required": lambda p: _("A location is required: lat and long, address_string or address_id."),
    "unknown_attribute": lambda p: _("This service has no such attribute."),
    "one_value": lambda p: _("Give one value only."),
    "duplicate_attribute": lambda p: _("This category asks for a field with this code already."),
    "values_only_for_lists": lambda p: _("Only the list types have values; leave this empty."),
    "too_many_attributes": lambda p: _("At most %(max)s fields per category.", max=p.get("max")),
    "bad_values": lambda p: _("One value per line: key = Indonesian name = English name; the key in lower-case "
                              "letters, digits and _."),
    "duplicate_value": lambda p: _("A key is used twice."),
    "too_many_values": lambda p: _("At most 30 values."),
    "out_of_bounds": lambda p: _("Must be between %(min)s and %(max)s.", min=p.get("min"), max=p.get("max")),
    "no_files_here": lambda p: _("This step takes no files."),
    # routing, categories, units
    "unknown_category": lambda p: _("No such category (or it is retired)."),
    "in_the_future": lambda p: _("Must not be in the future: only complaints that arrived can be replayed."),
    "draft_or_version": lambda p: _("Choose a draft or a version, not both."),
    "unknown_draft": lambda p: _("No such open draft."),
    "unknown_version": lambda p: _("No such deployed version."),
    "nothing_to_compare": lambda p: _("Choose a draft or a version, or change a limit, a day off or the chain: "
                                      "otherwise there is nothing to compare."),
    "no_complaints": lambda p: _("No complaints arrived in this period and scope."),
    "looser_no_effect": lambda p: _("%(key)s: at most %(above)s here. Limits are maxima (the strictest applies), "
                                    "so a longer one would change nothing.", key=p.get("key"), above=p.get("above")),
    "limit_format_for": lambda p: _("%(key)s: %(value)s is not a limit; write e.g. 3WD or 8WH.", key=p.get("key"),
                                    value=p.get("value")),
    "duplicate_route": lambda p: _("This table already has a row for this category with these keywords and "
                                   "sub-region; remove it first."),
    "too_many_routes": lambda p: _("At most %(max)s rows per table.", max=p.get("max")),
    "too_many_keywords": lambda p: _("At most %(max)s keywords.", max=p.get("max")),
    "bad_keyword": lambda p: _("Keywords are words of letters, digits, spaces or dashes, at most %(max)s "
                               "characters each, separated by commas.", max=p.get("max")),
    "not_a_sub_region": lambda p: _("Must be a regency or city of this province."),
    "bad_code": lambda p: _("A short code of lower-case letters, digits and _, starting with a letter."),
    "bad_unit_code": lambda p: _("A short code of letters, digits, dot, dash or _ (at most 32)."),
    "duplicate_unit_name": lambda p: _("This instansi has a unit with this name already."),
    "duplicate_category": lambda p: _("A category with this code exists already."),
    "duplicate_unit": lambda p: _("This instansi has a unit with this code already."),
    # diagram problems (workflows.processes.validation), each at its BPMN element
    "unknown_role": lambda p: _("%(element)s: a user task needs a known role (candidate group or lane): %(roles)s.",
                                element=p.get("element"), roles=", ".join(p.get("roles", []))),
    "no_time_limit": lambda p: _("%(element)s: an officer's task needs a time limit (a timer boundary event) "
                                 "or the property sla_exempt saying why not.", element=p.get("element")),
    "unknown_status": lambda p: _("%(element)s: %(status)s is not a LAPOR! status (%(statuses)s).",
                                  element=p.get("element"), status=p.get("status"),
                                  statuses=", ".join(p.get("statuses", []))),
    "unknown_step": lambda p: _("%(element)s: sla_due names the step %(step)s, which has no time limit (%(steps)s).",
                                element=p.get("element"), step=p.get("step"), steps=", ".join(p.get("steps", []))),
    "juel_expression": lambda p: _("%(element)s: a Camunda (JUEL) expression; write it in Python instead: %(python)s",
                                   element=p.get("element"), python=p.get("python")),
    "expression_invalid": lambda p: _("%(element)s: the expression is refused: %(reason)s",
                                      element=p.get("element"), reason=p.get("reason")),
    "script_invalid": lambda p: _("%(element)s: the script is refused: %(reason)s",
                                  element=p.get("element"), reason=p.get("reason")),
    "field_type": lambda p: _("%(element)s: field %(field)s has the unknown type %(type)s.",
                              element=p.get("element"), field=p.get("field"), type=p.get("type")),
    "field_no_values": lambda p: _("%(element)s: choice field %(field)s has no values.",
                                   element=p.get("element"), field=p.get("field")),
    "field_ref": lambda p: _("%(element)s: field %(field)s refers to %(ref)s, which is not unit or instansi.",
                             element=p.get("element"), field=p.get("field"), ref=p.get("ref")),
    "field_public": lambda p: _("%(element)s: field %(field)s: public must be value or text.",
                                element=p.get("element"), field=p.get("field")),
    "required_if_field": lambda p: _("%(element)s: field %(field)s is required_if %(other)s, which is not in the form.",
                                     element=p.get("element"), field=p.get("field"), other=p.get("other")),
    "required_if_value": lambda p: _("%(element)s: field %(field)s is required_if %(other)s has values it cannot have.",
                                     element=p.get("element"), field=p.get("field"), other=p.get("other")),
    "shown_if_field": lambda p: _("%(element)s: field %(field)s is shown_if %(other)s, which is not in the form.",
                                  element=p.get("element"), field=p.get("field"), other=p.get("other")),
    "shown_if_value": lambda p: _("%(element)s: field %(field)s is shown_if %(other)s has values it cannot have.",
                                  element=p.get("element"), field=p.get("field"), other=p.get("other")),
    "unset_variable": lambda p: _("%(element)s: the condition reads %(names)s, which no form field or script of "
                                  "this diagram sets.", element=p.get("element"), names=", ".join(p.get("names", []))),
    "no_unit_choice": lambda p: _("%(element)s: a liaison officer's task needs an earlier form field unit_id "
                                  "(ref = unit) choosing the unit.", element=p.get("element")),
    "field_removed": lambda p: _("%(element)s: field %(field)s of the live version is missing; complaints waiting "
                                 "here and their recorded answers use it. Keep it, or retire the task under a new id.",
                                 element=p.get("element"), field=p.get("field")),
    "field_retyped": lambda p: _("%(element)s: field %(field)s was %(was)s in the live version, now %(type)s.",
                                 element=p.get("element"), field=p.get("field"), was=p.get("was"), type=p.get("type")),
    "values_removed": lambda p: _("%(element)s: field %(field)s loses the choices %(values)s of the live version.",
                                  element=p.get("element"), field=p.get("field"),
                                  values=", ".join(p.get("values", []))),
    "unreachable": lambda p: _("%(element)s: no path from the start reaches it.", element=p.get("element")),
    "no_way_to_end": lambda p: _("%(element)s: no path from it reaches an end event.", element=p.get("element")),
}

# Domain error messages (English in code) and their catalog entries.
MESSAGES = {
    "wrong username or password": lambda: _("wrong username or password"),
    "this account is deactivated; ask your administrator":
        lambda: _("this account is deactivated; ask your administrator"),
    "login required": lambda: _("login required"),
    "task not found": lambda: _("task not found"),
    "complaint not found": lambda: _("complaint not found"),
    "no complaint with this tracking ID": lambda: _("no complaint with this tracking ID"),
    "the reporter token does not match this complaint": lambda: _("the reporter token does not match this complaint"),
    "this complaint is outside your scope": lambda: _("this complaint is outside your scope"),
    "this task belongs to another role or instansi": lambda: _("this task belongs to another role or instansi"),
    "task is claimed by another officer": lambda: _("task is claimed by another officer"),
    "task was claimed by someone else just now": lambda: _("task was claimed by someone else just now"),
    "you have already claimed this task": lambda: _("you have already claimed this task"),
    "task is not claimed": lambda: _("task is not claimed"),
    "only the assignee or an admin may release this task": lambda: _("only the assignee or an admin may release this task"),
    "this task is answered by the reporter": lambda: _("this task is answered by the reporter"),
    "only the officer holding this task or an admin may delegate it":
        lambda: _("only the officer holding this task or an admin may delegate it"),
    "task changed just now; reload and try again": lambda: _("task changed just now; reload and try again"),
    "nothing is waiting for the reporter's reply on this complaint":
        lambda: _("nothing is waiting for the reporter's reply on this complaint"),
    "this complaint was changed by someone else at the same time; reload and try again":
        lambda: _("this complaint was changed by someone else at the same time; reload and try again"),
    "too many failed logins; try again later": lambda: _("too many failed logins; try again later"),
    "too many wrong codes for this report; try again later":
        lambda: _("too many wrong codes for this report; try again later"),
    "attachment not found": lambda: _("attachment not found"),
    "user not found": lambda: _("user not found"),
    "you do not manage officer accounts": lambda: _("you do not manage officer accounts"),
    "this officer is outside your scope": lambda: _("this officer is outside your scope"),
    "you cannot deactivate your own account": lambda: _("you cannot deactivate your own account"),
    "the officer's tasks changed during the hand-over; try again":
        lambda: _("the officer's tasks changed during the hand-over; try again"),
    "monitoring is for the admin tier": lambda: _("monitoring is for the admin tier"),
    "this instansi is outside your scope": lambda: _("this instansi is outside your scope"),
    "this province is outside your scope": lambda: _("this province is outside your scope"),
    "invalid input": lambda: _("invalid input"),
    "not found": lambda: _("not found"),
    "replay not found": lambda: _("replay not found"),
    "replay not finished": lambda: _("replay not finished"),
    "you may not design this process variant": lambda: _("you may not design this process variant"),
    "replays are for process designers and the admins who set rules":
        lambda: _("replays are for process designers and the admins who set rules"),
    "method not allowed": lambda: _("method not allowed"),
    "request body too large": lambda: _("request body too large"),
    "internal error": lambda: _("internal error"),
    "only the Admin Nasional grants the process-designer right":
        lambda: _("only the Admin Nasional grants the process-designer right"),
    "you do not have the process-designer right for this diagram":
        lambda: _("you do not have the process-designer right for this diagram"),
    "this draft was deployed already; start a new one": lambda: _("this draft was deployed already; start a new one"),
    "send If-Match with the draft's revision (its ETag)": lambda: _("send If-Match with the draft's revision (its ETag)"),
    "someone else saved this draft since you opened it": lambda: _("someone else saved this draft since you opened it"),
    "the process was deployed by someone else at the same time; try again":
        lambda: _("the process was deployed by someone else at the same time; try again"),
    "draft not found": lambda: _("draft not found"),
    "no such process version": lambda: _("no such process version"),
    "this process is not deployed yet; post a diagram to start from":
        lambda: _("this process is not deployed yet; post a diagram to start from"),
    "migration not found": lambda: _("migration not found"),
    "you may not change the rules of this region": lambda: _("you may not change the rules of this region"),
    "you may not see the rules of this region": lambda: _("you may not see the rules of this region"),
    "no such region": lambda: _("no such region"),
    "this region sets no limit of its own for this step": lambda: _("this region sets no limit of its own for this step"),
    "this region sets no escalation chain of its own": lambda: _("this region sets no escalation chain of its own"),
    "you may not change this action plan": lambda: _("you may not change this action plan"),
    "activity not found": lambda: _("activity not found"),
    "no such day in this region's calendar": lambda: _("no such day in this region's calendar"),
    "this migration was reverted already": lambda: _("this migration was reverted already"),
    "the complaint moved on since it was migrated (a step was completed or a timer fired); reverting would lose that":
        lambda: _("the complaint moved on since it was migrated (a step was completed or a timer fired); "
                  "reverting would lose that"),
    "the complaint moved on since the dry run": lambda: _("the complaint moved on since the dry run"),
    "the user who started the migration no longer exists":
        lambda: _("the user who started the migration no longer exists"),
}


def field_message(code: str, params: dict[str, Any]) -> str:
    render = FIELD_MESSAGES.get(code)
    return render(params) if render else code


def message(text: str) -> str:
    render = MESSAGES.get(text)
    if render:
        return render()
    for pattern, translated in PATTERNS:  # marshmallow's messages with numbers in them
        found = pattern.match(text)
        if found:
            return translated(*found.groups())
    return text


# marshmallow's validators put their limits into the text ("Length must be between 10 and 10000."):
# matched here and said again in the page's language.
PATTERNS: list[tuple[re.Pattern, Callable[..., str]]] = [
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"),
     lambda low, high: _("Must be %(min)s to %(max)s characters long.", min=low, max=high)),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"),
     lambda low: _("Too short: at least %(min)s characters.", min=low)),
    (re.compile(r"^Longer than maximum length (\d+)\.$"),
     lambda high: _("Too long: at most %(max)s characters.", max=high)),
    (re.compile(r"^Length must be (\d+)\.$"), lambda n: _("Must be exactly %(n)s characters long.", n=n)),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
     lambda low, high: _("Must be between %(min)s and %(max)s.", min=low, max=high)),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), lambda low: _("Must be at least %(min)s.", min=low)),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), lambda high: _("Must be at most %(max)s.", max=high)),
    (re.compile(r"^Must be one of: (.*)\.$"), lambda choices: _("Must be one of: %(choices)s.", choices=choices)),
]

for _state in ("completed", "cancelled"):
    MESSAGES[f"task is already {_state}"] = (lambda s: lambda: _("task is already %(state)s", state=s))(_state)
MESSAGES["task is no longer waiting for input"] = lambda: _("task is no longer waiting for input")

# marshmallow's own messages
for _text in (
    "Missing data for required field.",
    "Not a valid integer.",
    "Not a valid boolean.",
    "Not a valid string.",
    "Not a valid email address.",
    "Invalid JSON body.",
    "Not a valid mapping type.",
    "Not a valid number.",
    "Not a valid date.",
    "Special numeric values (nan or infinity) are not permitted.",
    "Field may not be null.",
    "String does not match expected pattern.",
    "Must be a record id: a whole number from 1 to 2147483647.",
    "Contains a character that is not allowed (NUL or broken Unicode).",
    "the request body nests too deeply",
    "the request could not be stored as sent",
):
    MESSAGES[_text] = (lambda t: lambda: _(t))(_text)

# Routing, categories and units (workflows.routing, complaints.categories, org.units)
for _text in (
    "only the Admin Nasional manages the categories",
    "no such category",
    "no such attribute",
    "no such instansi",
    "no such unit",
    "you may not manage the units of this instansi",
    "no such routing row in this region's table",
    "if this report has an address, a new code was sent to it",
):
    MESSAGES[_text] = (lambda t: lambda: _(t))(_text)

# Page-level messages
for _text in (
    "the form has expired; reload the page and try again",
    "you may not open this page",
    "this account is outside your scope",
):
    MESSAGES[_text] = (lambda t: lambda: _(t))(_text)

# API keys (workflows.apikeys)
FIELD_MESSAGES.update({
    "bad_channel": lambda p: _("2 to 20 characters: lower-case letters, digits, - or _, starting with a letter or "
                               "digit (e.g. sms1708)."),
    "reserved_channel": lambda p: _("%(channels)s are built-in channels; choose another name.",
                                    channels=", ".join(p.get("channels", []))),
    "channel_elsewhere": lambda p: _("This channel belongs to a key outside your scope; choose another."),
    "national_scope": lambda p: _("A key without regions or instansi files anywhere: only the Admin Nasional makes "
                                  "one. Choose at least one region or instansi."),
    "too_many_items": lambda p: _("At most %(max)s.", max=p.get("max")),
})
for _text in (
    "you do not manage API keys",
    "API key not found",
    "this API key is outside your scope",
    "this API key is already revoked",
    "the key's scope reaches beyond yours",
    "unknown or revoked API key",
    "too many requests with this API key; try again later",
):
    MESSAGES[_text] = (lambda t: lambda: _(t))(_text)

# Outgoing webhooks (workflows.webhooks)
FIELD_MESSAGES.update({
    "not_a_url": lambda p: _("Must be a web address starting with http:// or https://, without spaces."),
    "choose_one": lambda p: _("Choose at least one: %(choices)s.", choices=", ".join(p.get("choices", []))),
    "bad_secret": lambda p: _("Printable characters without spaces only."),
    "region_or_instansi": lambda p: _("Choose a region or an instansi, not both."),
    "private_address": lambda p: _("The address %(address)s is inside the private network: a webhook may only "
                                   "go to a receiver on the public internet.", address=p.get("address", "")),
})
for _text in (
    "webhooks are managed by the admin tier",
    "webhook subscription not found",
    "this webhook subscription is deactivated",
    "Not a valid list.",
):
    MESSAGES[_text] = (lambda t: lambda: _(t))(_text)
