"""Tasks waiting for a person: the projection of the engine's ready tasks into rows (projection),
the task list's queries (queries), the orchestration rules every transition passes (rules) and
claim / unclaim / delegate / complete / reply (service)."""
