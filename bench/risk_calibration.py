"""Calibration of the breach-risk estimate (docs/risk-calibration.md): a seeded history with a known
structure, fitted on the earlier months, predicted on held-out later months, compared with what happened.

    .venv/bin/python bench/risk_calibration.py [--seed 15] [--seeds 1] [--moments 150] [--markdown]

``--seeds N`` pools N independent histories (seeds ``seed`` .. ``seed+N-1``): one history's high bins rest on
a few dozen late tasks, each counted at many moments, so one seed's table is noisy.

The history: one step (a follow-up with a 5 WD limit) in 8 units of 3 instansi, each unit with its own
duration distribution in working hours (exponential, log-normal, gamma, a fast mixture with a slow tail,
Weibull, two small units that must fall back to their instansi or the country, and one unit that slows down
by half in the held-out months). Tasks arrive as a Poisson stream per working day, at a working moment,
from 2025-01-02 to 2025-08-29, on the real business calendar (Asia/Jakarta: weekends, holidays, cuti bersama).

Fit: the curves are built as the app builds them (:func:`workflows.risk.model.build`) from the tasks created
before the cut-off 2025-07-01, as the cut-off saw them: those done by then are events, the rest censored at
the working time they had run. Predict: at ``--moments`` random moments of the held-out months, every task
created after the cut-off that is open and not yet late gets :func:`workflows.risk.model.assess` (its elapsed
working time, its limit). Outcome: it missed its limit (done at or after its due moment).

Baseline: the unit's breach share in the fitted months among the tasks whose outcome was known at the cut-off
(done, or still open past their limit), with the same fallback as the estimate (instansi, then all, when the
unit has fewer than 30) -- a constant per unit that ignores how long the task has already run.
"""
from __future__ import annotations

import argparse
import math
import random
import sys
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sla.calendar import BusinessCalendar  # noqa: E402
from workflows.risk.model import Observation, Settings, assess, build  # noqa: E402
from workflows.risk.worktime import WorkClock  # noqa: E402

WIB = ZoneInfo("Asia/Jakarta")
START, CUT, END = date(2025, 1, 2), date(2025, 7, 1), date(2025, 8, 29)
LIMIT_DAYS = 5
H = 3600.0


@dataclass(frozen=True)
class UnitSpec:
    unit: int
    instansi: int
    per_day: float       # arrivals per working day
    describe: str
    draw: object         # rng -> working hours
    slower_after_cut: float = 1.0


def _units() -> list[UnitSpec]:
    def mixture(r):
        return r.expovariate(1 / 4) if r.random() < 0.8 else r.uniform(40, 120)
    return [
        UnitSpec(1, 1, 2.0, "exponential, mean 10 h", lambda r: r.expovariate(1 / 10)),
        UnitSpec(2, 1, 2.0, "log-normal, median 20 h, sigma 0.8", lambda r: r.lognormvariate(math.log(20), 0.8)),
        UnitSpec(3, 1, 1.5, "gamma, shape 3, scale 10 h", lambda r: r.gammavariate(3, 10)),
        UnitSpec(4, 2, 2.0, "80 % exponential mean 4 h, 20 % uniform 40-120 h", mixture),
        UnitSpec(5, 2, 1.0, "log-normal, median 40 h, sigma 0.5", lambda r: r.lognormvariate(math.log(40), 0.5)),
        UnitSpec(6, 2, 1.5, "Weibull, shape 0.7, scale 15 h; 1.5x slower after the cut-off",
                 lambda r: r.weibullvariate(15, 0.7), slower_after_cut=1.5),
        UnitSpec(7, 3, 0.15, "small: exponential, mean 25 h", lambda r: r.expovariate(1 / 25)),
        UnitSpec(8, 3, 0.15, "small: log-normal, median 30 h, sigma 1", lambda r: r.lognormvariate(math.log(30), 1.0)),
    ]


@dataclass(frozen=True)
class Task:
    spec: UnitSpec
    start: float   # working seconds (WorkClock) at creation
    limit: float   # working seconds from creation to due
    duration: float

    @property
    def missed(self) -> bool:
        return self.duration >= self.limit


def _poisson(rng: random.Random, mean: float) -> int:
    threshold, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


def generate(seed: int, calendar: BusinessCalendar, clock: WorkClock) -> list[Task]:
    rng = random.Random(seed)
    tasks = []
    day = START
    while day <= END:
        if calendar.is_working_day(day):
            for spec in _units():
                for _ in range(_poisson(rng, spec.per_day)):
                    created = datetime.combine(day, time(8), tzinfo=WIB) + timedelta(seconds=rng.uniform(0, 8 * H))
                    due = calendar.add_working_days(created, LIMIT_DAYS)
                    hours = spec.draw(rng) * (spec.slower_after_cut if day >= CUT else 1.0)
                    start = clock.at(created)
                    tasks.append(Task(spec, start, clock.at(due) - start, max(hours * H, 1.0)))
        day += timedelta(days=1)
    return tasks


def _baseline(fitted: list[Task], cut: float, settings: Settings):
    """The breach share of each unit (instansi, all) among fitted tasks whose outcome the cut-off knew."""
    known = [t for t in fitted if t.start + t.duration <= cut or cut - t.start >= t.limit]

    def share(rows):
        return sum(t.missed for t in rows) / len(rows) if len(rows) >= settings.min_observations else None
    units = {u: share([t for t in known if t.spec.unit == u]) for u in {t.spec.unit for t in known}}
    instansi = {i: share([t for t in known if t.spec.instansi == i]) for i in {t.spec.instansi for t in known}}
    overall = share(known)
    return lambda spec: next(v for v in (units.get(spec.unit), instansi.get(spec.instansi), overall) if v is not None)


def evaluate(seed: int, moments: int, settings: Settings) -> dict:
    calendar = BusinessCalendar(tz="Asia/Jakarta")
    clock = WorkClock(calendar)
    tasks = generate(seed, calendar, clock)
    cut = clock.at(datetime.combine(CUT, time(0), tzinfo=WIB))
    end = clock.at(datetime.combine(END, time(16), tzinfo=WIB))
    fitted = [t for t in tasks if t.start < cut]
    held = [t for t in tasks if t.start >= cut]
    curves = build(Observation(t.spec.unit, t.spec.instansi, min(t.duration, cut - t.start),
                               t.start + t.duration <= cut) for t in fitted)
    baseline = _baseline(fitted, cut, settings)
    rng = random.Random(seed + 1)
    rows = []  # (predicted, baseline, missed, level, unit)
    skipped = 0
    for _ in range(moments):
        now = rng.uniform(cut, end)
        for t in held:
            elapsed = now - t.start
            if elapsed < 0 or elapsed >= t.duration or elapsed >= t.limit:
                continue  # not created yet, done, or already late
            risk = assess(curves, t.spec.unit, t.spec.instansi, elapsed, t.limit, settings)
            if risk is None:
                skipped += 1
                continue
            rows.append((risk.probability, baseline(t.spec), t.missed, risk.level, t.spec.unit))
    return {"tasks": len(tasks), "fitted": len(fitted), "held": len(held), "rows": rows, "skipped": skipped,
            "units": _units(), "fitted_by_unit": {u.unit: sum(t.spec.unit == u.unit for t in fitted) for u in _units()},
            "held_missed": {u.unit: _share([t.missed for t in held if t.spec.unit == u.unit]) for u in _units()}}


def _share(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def brier(pairs) -> float:
    return sum((p - float(y)) ** 2 for p, y in pairs) / len(pairs)


def report(result: dict, markdown: bool, threshold: float = 0.5) -> str:
    rows = result["rows"]
    out = []
    bs_km = brier([(p, y) for p, _b, y, _l, _u in rows])
    bs_base = brier([(b, y) for _p, b, y, _l, _u in rows])
    base_rate = _share([y for *_x, y, _l, _u in rows]) or 0.0
    bs_clim = brier([(base_rate, y) for *_x, y, _l, _u in rows])
    out.append(f"history: {result['tasks']} tasks ({result['fitted']} fitted before the cut-off, "
               f"{result['held']} held out); {len(rows)} predictions at sampled moments "
               f"({result['skipped']} open tasks without an estimate); breach share among them {base_rate:.3f}")
    out.append("")
    out.append("| estimate | Brier score | skill vs baseline |")
    out.append("|---|---:|---:|")
    out.append(f"| Kaplan-Meier, conditional on elapsed time | {bs_km:.4f} | {1 - bs_km / bs_base:+.1%} |")
    out.append(f"| baseline: the unit's breach share | {bs_base:.4f} | — |")
    out.append(f"| one share for all (the held-out breach share itself) | {bs_clim:.4f} | {1 - bs_clim / bs_base:+.1%} |")
    out.append("")
    out.append("Reliability (Kaplan-Meier):")
    out.append("")
    out.append("| predicted risk | predictions | mean predicted | actual breach share | baseline's mean |")
    out.append("|---|---:|---:|---:|---:|")
    for lo in range(10):
        inside = [r for r in rows if lo / 10 <= r[0] < (lo + 1) / 10 or (lo == 9 and r[0] == 1.0)]
        if not inside:
            out.append(f"| {lo / 10:.1f}–{(lo + 1) / 10:.1f} | 0 | | | |")
            continue
        out.append(f"| {lo / 10:.1f}–{(lo + 1) / 10:.1f} | {len(inside)} | {sum(r[0] for r in inside) / len(inside):.3f} "
                   f"| {_share([r[2] for r in inside]):.3f} | {sum(r[1] for r in inside) / len(inside):.3f} |")
    out.append("")
    flagged = [r for r in rows if r[0] >= threshold]
    flagged_base = [r for r in rows if r[1] >= threshold]
    missed = [r for r in rows if r[2]]
    out.append(f"At the threshold {threshold}: the at-risk list holds {len(flagged)} of {len(rows)} predictions, "
               f"{_share([r[2] for r in flagged]) or 0:.1%} of them then missed their limit (precision); it held "
               f"{sum(1 for r in missed if r[0] >= threshold) / max(1, len(missed)):.1%} of the predictions that "
               f"ended late (recall). The baseline at the same threshold: precision "
               f"{_share([r[2] for r in flagged_base]) or 0:.1%}, recall "
               f"{sum(1 for r in missed if r[1] >= threshold) / max(1, len(missed)):.1%}.")
    out.append("")
    out.append("| unit | distribution | fitted tasks | level used | predictions | Brier KM | Brier baseline | held-out breach share |")
    out.append("|---|---|---:|---|---:|---:|---:|---:|")
    for spec in result["units"]:
        mine = [r for r in rows if r[4] == spec.unit]
        levels = sorted({r[3] for r in mine})
        held = result["held_missed"][spec.unit]
        out.append(f"| {spec.unit} (instansi {spec.instansi}) | {spec.describe} | {result['fitted_by_unit'][spec.unit]} "
                   f"| {', '.join(levels) or '—'} | {len(mine)} "
                   f"| {brier([(r[0], r[2]) for r in mine]) if mine else float('nan'):.4f} "
                   f"| {brier([(r[1], r[2]) for r in mine]) if mine else float('nan'):.4f} "
                   f"| {f'{held:.3f}' if held is not None else '—'} |")
    text = "\n".join(out)
    return text if markdown else text.replace("| ", "").replace(" |", "  ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--moments", type=int, default=150)
    parser.add_argument("--min-history", type=int, default=30)
    parser.add_argument("--min-at-risk", type=int, default=5)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    settings = Settings(min_observations=args.min_history, min_at_risk=args.min_at_risk)
    result = evaluate(args.seed, args.moments, settings)
    for extra in range(1, args.seeds):
        more = evaluate(args.seed + extra, args.moments, settings)
        for key in ("tasks", "fitted", "held", "skipped"):
            result[key] += more[key]
        result["rows"] += more["rows"]
        for unit, n in more["fitted_by_unit"].items():
            result["fitted_by_unit"][unit] += n
        result["held_missed"] = {u: None for u in result["held_missed"]}  # (per history; not pooled)
    print(report(result, args.markdown))


if __name__ == "__main__":
    main()
