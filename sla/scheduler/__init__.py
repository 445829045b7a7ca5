"""The scheduler: an entry point like ``web`` that drives the workflows layer on a timer
(``sweep`` acts on due deadlines, ``worker`` runs it with APScheduler, ``simulation`` fast-forwards
a demo database)."""
