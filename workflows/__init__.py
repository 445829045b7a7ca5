"""The domain layer: everything Aduan knows about complaints, as one package per area.

Where is X?

    accounts/       officers, passwords, tokens, login throttling, roles, scope, hand-over
    org/            regions, instansi, units
    complaints/     intake, tracking and officer views, attachments, LAPOR! statuses, categories
    tasks/          the task projection, task list queries, orchestration rules, claim/complete
    processes/      deployed diagram versions and variants, moving an instance forward
    sla/            limits in force, deadlines, breaches, the escalation chain, milestones
    monev/          the monitoring indicators and their daily rollup
    notifications/  officers' notifications
    plans/          rencana aksi: yearly targets and activities of regions and instansi

Shared kernel, used by every area: ``db`` (engine, sessions, transactions), ``orm`` (declarative
base, column types), ``clock``, ``errors``, ``audit`` (the append-only trail), ``settings``.
``tables`` imports every area's tables (migrations, tests); ``service.Aduan`` wires the areas
together for one process; ``demo`` loads the demo data.

Layers: ``web`` and the scheduler (``sla.scheduler``) call into this package, which calls
``engine`` (SpiffWorkflow) and the database; nothing here imports ``web`` or the scheduler.
``sla.calendar`` is a leaf library any layer may use. See docs/adr/0007-layers-and-areas.md.
"""
