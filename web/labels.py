"""Display names for the codes the domain uses (statuses, types, categories, roles, steps).

English msgids; the Indonesian wording comes from the catalog like every other page text.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS = {
    "belum_diproses": _l("Not yet processed"),
    "didisposisi": _l("Verified & dispatched"),
    "dalam_proses": _l("In progress"),
    "dipending": _l("Pending"),
    "diselesaikan": _l("Resolved"),
    "diarsipkan": _l("Archived"),
}

# What each status means for the reporter (the tracking page says it under the status).
STATUS_HELP = {
    "belum_diproses": _l("The agency has received the report and must verify it: check it is complete and "
                         "within its authority, then pass it to the unit that handles it."),
    "didisposisi": _l("The report was verified and passed to the unit responsible, which must follow it up."),
    "dalam_proses": _l("An officer of the responsible unit is working on it."),
    "dipending": _l("The agency needs more information from you before it can go on; the time limit waits "
                    "for your answer."),
    "diselesaikan": _l("The agency has followed up the report. Tell it whether you are satisfied: if not, the "
                       "report is reopened."),
    "diarsipkan": _l("The report was archived: it was not a complaint the agency can handle (the reason is "
                     "below)."),
}
# The agency's next deadline, by the step it is at.
NEXT_DUE = {
    "triage": _l("The report will be passed to the responsible agency by %(when)s."),
    "verify": _l("The agency must verify the report by %(when)s."),
    "follow_up": _l("The agency must follow up the report by %(when)s."),
}

# "diselesaikan" is both "followed up, waiting for the reporter" and "closed": the pages say which.
RESOLVED_STAGE = {
    False: _l("waiting for the reporter's response"),
    True: _l("closed"),
}

TYPE = {
    "pengaduan": _l("Complaint"),
    "aspirasi": _l("Aspiration"),
    "permintaan_informasi": _l("Information request"),
}

CATEGORY = {
    "infrastruktur": _l("Infrastructure"),
    "kesehatan": _l("Health"),
    "pendidikan": _l("Education"),
    "kependudukan": _l("Civil registration"),
    "lingkungan": _l("Environment"),
    "transportasi": _l("Transport"),
    "sosial": _l("Social affairs"),
    "ketertiban": _l("Public order"),
    "perizinan": _l("Permits"),
    "lainnya": _l("Other"),
}

ROLE = {
    "admin_nasional": _l("National admin"),
    "admin_koordinator": _l("Coordinating admin"),
    "admin_instansi": _l("Agency admin"),
    "pejabat_penghubung": _l("Liaison officer"),
    "pelapor": _l("Reporter"),
}

RATING = {
    "sangat_puas": _l("Very satisfied"),
    "puas": _l("Satisfied"),
    "cukup_puas": _l("Fairly satisfied"),
    "tidak_puas": _l("Not satisfied"),
}

ACTION = {
    "submitted": _l("Report submitted"),
    "task_completed": _l("Step completed"),
    "status_changed": _l("Status changed"),
    "task_claimed": _l("Task claimed"),
    "task_unclaimed": _l("Task released"),
    "task_delegated": _l("Task delegated"),
    "task_handed_over": _l("Task handed over"),
    "sla_breach": _l("Time limit missed"),
    "sla_reminder": _l("Reminder sent"),
    "sla_paused": _l("Clock paused"),
    "escalated": _l("Escalated"),
    "escalation_handled": _l("Escalation handled"),
    "process_ended": _l("Process ended"),
    "script_ran": _l("Automatic step"),
    "process_migrated": _l("Moved to another SOP version"),
    "process_migration_reverted": _l("SOP version move reverted"),
}


# The built-in channels a report arrives through (an API key's channel is shown by the key's name): in a
# sentence ("Received via the website") and as a name (monev's reports per channel).
CHANNEL = {
    "web": _l("the website"),
    "import": _l("a data import"),
}
CHANNEL_NAME = {
    "web": _l("Website"),
    "import": _l("Data import"),
}


def label(table: dict, code: str | None) -> str:
    if code is None:
        return ""
    found = table.get(code)
    return str(found) if found is not None else code.replace("_", " ")

FIELD = {
    "action": _l("Action"),
    "note": _l("Note"),
    "unit": _l("Unit"),
    "unit_id": _l("Unit"),
    "tier": _l("Follow-up tier"),
    "target_instansi": _l("Target agency"),
    "target_instansi_id": _l("Target agency"),
    "follow_up_text": _l("Follow-up"),
    "additional_info": _l("Additional information"),
    "satisfied": _l("Satisfied"),
    "rating": _l("Rating"),
    "comment": _l("Comment"),
    "from": _l("From"),
    "to": _l("To"),
    "step": _l("Step"),
    "outcome": _l("Outcome"),
    "type": _l("Type"),
    "category": _l("Category"),
    "channel": _l("Channel"),
    "level": _l("Level"),
    "role": _l("Role"),
    "due_at": _l("Due"),
    "remaining_seconds": _l("Working time left"),
}

VALUE = {
    "dispatch": _l("Verify & dispatch"),
    "defer": _l("Defer (ask the reporter)"),
    "transfer": _l("Not our authority (transfer)"),
    "archive": _l("Archive"),
    "closed": _l("Closed"),
    "auto_closed": _l("Closed automatically"),
    "archived": _l("Archived"),
    "verify": _l("Verification"),
    "follow_up": _l("Follow-up"),
    "reporter_reply": _l("Reporter's reply"),
    "web": _l("Web"),
    **STATUS,
    **TYPE,
    **CATEGORY,
    **RATING,
    **ROLE,
}

# Timeline fields whose values are codes (shown by their label); all others are shown as written.
CODED = frozenset({"action", "outcome", "from", "to", "step", "type", "category", "channel", "rating", "role",
                   "tier"})
VALUE.update({
    "ringan": _l("Light (3 working hours)"),
    "normatif": _l("Normative (5 working days)"),
    "tanpa_pemeriksaan": _l("No inspection (14 working days)"),
    "pemeriksaan": _l("Needs inspection (60 working days)"),
})

TASK_STATE = {
    "open": _l("open"),
    "completed": _l("completed"),
    "cancelled": _l("cancelled"),
    "resolved": _l("resolved"),
}

DIFF_KIND = {"step": _l("Step"), "event": _l("Event"), "gateway": _l("Gateway"), "flow": _l("Flow")}
DIFF_CHANGE = {"added": _l("added"), "removed": _l("removed"), "changed": _l("changed")}
DIFF_ASPECT = {
    "name": _l("name"), "lane": _l("lane (role)"), "limit": _l("time limit"), "condition": _l("condition"),
    "script": _l("script"), "form": _l("form fields"), "properties": _l("properties"), "type": _l("element type"),
    "path": _l("connections"),
}
MIGRATION_OUTCOME = {"moved": _l("moved"), "refused": _l("not moved"), "moved_on": _l("changed meanwhile, not moved")}

RULE_SOURCE = {"here": _l("set here"), "province": _l("from the province"), "national": _l("national"),
               "default": _l("regulation default")}
TIER_NAME = {"ringan": _l("light"), "normatif": _l("normative"), "tanpa_pemeriksaan": _l("no inspection"),
             "pemeriksaan": _l("needs inspection")}
RULE_KIND = {"limit": _l("Time limit"), "day": _l("Calendar"), "chain": _l("Escalation chain")}
DAY_KIND = {"off": _l("day off (added)"), "on": _l("working day (day off cancelled)"), "holiday": _l("holiday")}
RULE_KIND["plan"] = _l("Action plan")
RULE_KIND.update({"routing": _l("Routing row"), "category": _l("Category"), "unit": _l("Unit")})
PLAN_INDICATOR = {
    "follow_up_share": _l("Follow-up share"), "verify_on_time": _l("Verified within the limit"),
    "satisfaction": _l("Satisfied reporters"), "account_activity": _l("Active admin accounts"),
    "connectedness": _l("Connected instansi"), "socialisation_events": _l("Socialisation events"),
}
PLAN_STATUS = {"planned": _l("planned"), "in_progress": _l("in progress"), "done": _l("done"),
               "dropped": _l("dropped")}

# The types of a category's extra fields (Open311's datatypes).
ATTRIBUTE_TYPE = {"string": _l("short text"), "text": _l("long text"), "number": _l("number"),
                  "datetime": _l("date and time"), "singlevaluelist": _l("one of a list"),
                  "multivaluelist": _l("several of a list")}
