"""Time limits as domain rules and state, in one area:

* policy -- the rules in force for a region (calendar, limits, escalation chain; region ->
  province -> national), read from the rule tables and cached briefly;
* rules -- editing those rules;
* deadlines -- the deadline table, the one writer of ``Deadline.state``;
* escalations -- the escalation chain applied: breaches, escalation tasks (their one writer),
  acknowledging and ending them;
* due -- what happens when a deadline falls due (the scheduler's ``Timekeeper``);
* milestones -- the moments monev measures, in working time;
* diagram_functions -- ``sla_due("step")`` and friends, which the diagram's timers call.

The business calendar itself is the leaf library ``sla.calendar``; the scheduler that drives this
area on a timer is ``sla.scheduler``.
"""
