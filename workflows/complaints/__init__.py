"""Complaints: intake and finding one (service), what the public and officers see (views), the
files attached (attachments), the published LAPOR! statuses (statuses) and the categories the
report form offers (categories)."""
