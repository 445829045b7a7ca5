"""History in and out: past complaints imported from another system (``importer``: rows read and
checked, then written whole), and the audit trail exported as an XES event log (``xes``)."""
