"""Timers that read the engine's clock instead of the wall clock.

Stock SpiffWorkflow compares timer due dates with ``datetime.now()``. Aduan's engine carries a clock
(``script_engine.clock``) so tests and ``aduan simulate`` can move time: a 5-working-day limit is
tested in milliseconds, like Temporal's time-skipping tests.
"""
from __future__ import annotations

from datetime import datetime, timezone

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)


def engine_now(my_task) -> datetime:
    clock = getattr(my_task.workflow.script_engine, "clock", None)
    return clock() if clock is not None else datetime.now(timezone.utc)


class ClockedTimeDate(TimeDateEventDefinition):
    def has_fired(self, my_task):
        value = my_task._get_internal_data("event_value")
        if value is None:
            value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            if isinstance(value, datetime):
                value = value.isoformat()
            my_task._set_internal_data(event_value=value)
        if TimerEventDefinition.parse_time_or_duration(value) <= engine_now(my_task):
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockedDuration(DurationTimerEventDefinition):
    def has_fired(self, my_task):
        value = my_task._get_internal_data("event_value")
        if value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            parsed = TimerEventDefinition.parse_iso_duration(expression)
            start = engine_now(my_task)
            value = (start + TimerEventDefinition.get_timedelta_from_start(parsed, start)).isoformat()
            my_task._set_internal_data(event_value=value)
        if TimerEventDefinition.get_datetime(value) <= engine_now(my_task):
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


def clocked(definition):
    """Swap a parsed stock timer definition for its clock-aware twin (cycles stay stock)."""
    for stock, ours in ((TimeDateEventDefinition, ClockedTimeDate), (DurationTimerEventDefinition, ClockedDuration)):
        if type(definition) is stock:
            return ours(definition.name, definition.expression, description=definition.description)
    return definition
