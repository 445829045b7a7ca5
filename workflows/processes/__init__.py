"""Processes: deployed BPMN versions and regional variants (registry) and moving an instance
forward while keeping its mirrors in step -- task rows, deadlines, the complaint's status and
routing, the audit trail (progress). The designer's work (drafts, validation, migration) grows here."""
