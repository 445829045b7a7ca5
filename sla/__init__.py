"""Time limits, in two roles kept apart:

* ``sla.calendar`` -- the business calendar (working days and hours, Indonesian holidays and cuti
  bersama, regional days off, WIB/WITA/WIT). A leaf library: it imports nothing of Aduan, and any
  layer may use it.
* ``sla.scheduler`` -- the scheduler (sweep, worker, simulate): an entry point like ``web``, driving
  the workflows layer on a timer. It holds no rules and builds no queries.

The SLA rules and state themselves (limits in force, deadlines, breaches, escalations, milestones)
live in the domain, in ``workflows/sla/``.
"""
