"""The Kaplan-Meier estimate of a survival curve, and the conditional probability of still running at a
later time. Pure: numbers in, numbers out (no database, no calendar).

A task's *duration* is the working time from its creation to its completion. A completed task is an
*event* at its duration; a task still open (or ended without being completed) is *censored* at the
time it has run so far: it is known to take longer than that, nothing more. Kaplan-Meier uses both:
at each event time ``t``, ``S`` is multiplied by ``1 - d/n`` (``d`` events at ``t``, ``n`` tasks
still running just before ``t``, censored ones included until their censoring time).
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Curve:
    """A step function: ``survival[i]`` is S just after ``times[i]`` (the distinct event times, ascending).
    S(t) = P(T > t); it is 1 before the first event and flat after the last observation."""
    times: tuple[float, ...]
    survival: tuple[float, ...]
    durations: tuple[float, ...]  # every observation (event or censored), ascending: who is at risk when
    events: int

    @property
    def observations(self) -> int:
        return len(self.durations)

    def at(self, t: float) -> float:
        """S(t) = P(T > t)."""
        i = bisect_right(self.times, t)
        return 1.0 if i == 0 else self.survival[i - 1]

    def before(self, t: float) -> float:
        """S(t-) = P(T >= t): the left limit (a task ending exactly at its due moment is late)."""
        i = bisect_left(self.times, t)
        return 1.0 if i == 0 else self.survival[i - 1]

    def at_risk(self, t: float) -> int:
        """How many observations lasted longer than ``t`` (those the estimate beyond ``t`` rests on)."""
        return len(self.durations) - bisect_right(self.durations, t)


def kaplan_meier(durations: Iterable[float], observed: Iterable[bool]) -> Curve:
    """The product-limit estimate. ``observed[i]``: the i-th duration ended in an event (completed);
    False: censored at that duration. Ties: events at ``t`` come before censorings at ``t`` (a task
    censored at ``t`` was still at risk at ``t``)."""
    pairs = sorted(zip(durations, observed), key=lambda p: p[0])
    n = len(pairs)
    times: list[float] = []
    survival: list[float] = []
    s, i, at_risk, events = 1.0, 0, n, 0
    while i < n:
        t, d, c = pairs[i][0], 0, 0
        while i < n and pairs[i][0] == t:
            if pairs[i][1]:
                d += 1
            else:
                c += 1
            i += 1
        if d:
            s *= 1.0 - d / at_risk
            times.append(t)
            survival.append(s)
            events += d
        at_risk -= d + c
    return Curve(tuple(times), tuple(survival), tuple(p[0] for p in pairs), events)


def conditional_miss(curve: Curve, elapsed: float, limit: float) -> float | None:
    """P(T >= limit | T > elapsed) = S(limit-) / S(elapsed): the chance that a task that has run
    ``elapsed`` so far is not done before its ``limit``. 1 when ``elapsed >= limit`` (already late).
    None when S(elapsed) = 0: no task of the history ran that long, so the history says nothing about
    this one (it is shown without an estimate, never as 0 or 100 %)."""
    if elapsed >= limit:
        return 1.0
    s_elapsed = curve.at(elapsed)
    if s_elapsed <= 0.0:
        return None
    return max(0.0, min(1.0, curve.before(limit) / s_elapsed))
