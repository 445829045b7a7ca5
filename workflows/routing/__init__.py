"""Routing: which instansi and unit a report should go to (a DMN decision table per region that the
SOP calls), the triage of reports without an instansi, and the categories and units it routes by."""
