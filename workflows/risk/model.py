"""From a step's history to one open task's risk: the curves per unit, per instansi and national, and
the choice of the level an estimate rests on. Pure (no database): the calibration bench runs it on
synthetic histories exactly as the app runs it on real ones."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .survival import Curve, conditional_miss, kaplan_meier

UNIT, INSTANSI, NATIONAL = "unit", "instansi", "national"
LEVELS = (UNIT, INSTANSI, NATIONAL)


@dataclass(frozen=True)
class Settings:
    # A level's curve is used only with at least this many past tasks of the step (completed or not) ...
    min_observations: int = 30
    # ... of which at least this many ran longer than the task's elapsed time (else the conditional
    # estimate rests on a handful of slow tasks and the next level is tried).
    min_at_risk: int = 5


@dataclass(frozen=True)
class Observation:
    """One past (or still open) task of a step: its working-time duration, or the working time it has run
    so far when it is not done (``done`` False: censored)."""
    unit_id: int | None
    instansi_id: int | None
    duration: float
    done: bool


@dataclass(frozen=True)
class Risk:
    """The estimated probability that an open task misses its limit, and what it rests on."""
    probability: float
    level: str          # unit | instansi | national
    observations: int   # past tasks in that level's curve

    @property
    def percent(self) -> int:
        return int(round(self.probability * 100))


@dataclass
class StepCurves:
    units: dict[int, Curve] = field(default_factory=dict)
    instansi: dict[int, Curve] = field(default_factory=dict)
    national: Curve | None = None


def build(observations: Iterable[Observation]) -> StepCurves:
    """The Kaplan-Meier curves of one step for each unit, each instansi and the whole country."""
    by_unit: dict[int, list[Observation]] = {}
    by_instansi: dict[int, list[Observation]] = {}
    everything: list[Observation] = []
    for o in observations:
        everything.append(o)
        if o.unit_id is not None:
            by_unit.setdefault(o.unit_id, []).append(o)
        if o.instansi_id is not None:
            by_instansi.setdefault(o.instansi_id, []).append(o)

    def curve(rows: list[Observation]) -> Curve:
        return kaplan_meier([o.duration for o in rows], [o.done for o in rows])
    return StepCurves({k: curve(v) for k, v in by_unit.items()}, {k: curve(v) for k, v in by_instansi.items()},
                      curve(everything) if everything else None)


def assess(curves: StepCurves, unit_id: int | None, instansi_id: int | None, elapsed: float, limit: float,
           settings: Settings = Settings()) -> Risk | None:
    """The risk of a task of this step that has run ``elapsed`` working seconds of its ``limit``: from the
    unit's curve, else the instansi's, else the national one -- the first with ``min_observations`` past
    tasks of which ``min_at_risk`` ran longer than ``elapsed``. None: the task is already late (the due
    date says so), or no level has enough history (no estimate is shown)."""
    if elapsed >= limit:
        return None
    candidates = ((UNIT, curves.units.get(unit_id) if unit_id is not None else None),
                  (INSTANSI, curves.instansi.get(instansi_id) if instansi_id is not None else None),
                  (NATIONAL, curves.national))
    for level, curve in candidates:
        if curve is None or curve.observations < settings.min_observations:
            continue
        if curve.at_risk(elapsed) < max(1, settings.min_at_risk):
            continue
        p = conditional_miss(curve, elapsed, limit)
        if p is not None:
            return Risk(p, level, curve.observations)
    return None
