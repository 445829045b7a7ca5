"""``aduan replay``: a what-if replay from the command line, with a progress bar, kept like one from the page."""
from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import with_appcontext

from workflows.db import transaction
from workflows.replay import report as replay_report
from workflows.replay import service

from .cli import _services, cli


def _date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=name) from None


@cli.command("replay")
@click.option("--from", "period_from", required=True, help="First day of arrivals to replay (YYYY-MM-DD).")
@click.option("--to", "period_to", required=True, help="Last day of arrivals to replay (YYYY-MM-DD).")
@click.option("--draft", "draft_id", type=int, help="The candidate: an open draft's id (see /designer).")
@click.option("--version", type=int, help="The candidate: a deployed version number of the SOP.")
@click.option("--variant", default="", help="With --version: the region code of a variant ('' national).")
@click.option("--region", "region_code", help="Only complaints of this region (and the regions under it).")
@click.option("--instansi", "instansi_id", type=int, help="Only complaints of this instansi (id).")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the draws for steps without history.")
@click.option("--limit", "limits", multiple=True, metavar="STEP[/TIER]=LIMIT",
              help="A changed limit, e.g. verify=2WD or follow_up/normatif=4WD (repeatable).")
@click.option("--day-off", "days_off", multiple=True, metavar="DATE", help="An extra day off (repeatable).")
@click.option("--chain", help="A changed escalation chain: role=after,... e.g. admin_instansi=2WD,admin_koordinator=3WD.")
@click.option("--processes", type=int, help="Worker processes (default: one per core; small replays run inline).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, writable=True), help="Write the report as JSON.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, writable=True), help="Write the report as CSV.")
@with_appcontext
def replay(period_from: str, period_to: str, draft_id: int | None, version: int | None, variant: str,
           region_code: str | None, instansi_id: int | None, seed: int, limits: tuple[str, ...],
           days_off: tuple[str, ...], chain: str | None, processes: int | None, json_path: str | None,
           csv_path: str | None) -> None:
    """Replay past complaints through a candidate (a draft, a version, or changed limits, days off or chain)
    and compare with what happened and with the live version. Nothing live is changed; the run is kept."""
    import os

    from tqdm import tqdm
    for path, name in ((json_path, "--json"), (csv_path, "--csv")):  # before the work, not after it
        if path and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            raise click.BadParameter(f"{path!r}: its folder does not exist", param_hint=name)
    services = _services()
    changed = {}
    for item in limits:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise click.BadParameter(f"{item!r}: write STEP[/TIER]=LIMIT, e.g. verify=2WD", param_hint="--limit")
        changed[key.strip()] = value.strip()
    levels = []
    for item in (chain or "").split(","):
        if item.strip():
            role, sep, after = item.partition("=")
            if not sep:
                raise click.BadParameter(f"{item!r}: write role=after, e.g. admin_instansi=2WD", param_hint="--chain")
            levels.append((role.strip(), after.strip()))
    req = service.Request(
        period_from=_date(period_from, "--from"), period_to=_date(period_to, "--to"), draft_id=draft_id,
        version=version, variant=variant, region_code=region_code, instansi_id=instansi_id, seed=seed,
        limits=changed, days_off=tuple(_date(d, "--day-off") for d in days_off), chain=tuple(levels),
        label="aduan replay")
    with transaction(services.sessions) as db:
        run = service.request(db, None, req, services.clock())
        run_id, total = run.id, run.total
    with transaction(services.sessions) as db:
        if service.claim(db, services.clock(), run_id) is None:
            raise click.ClickException(f"replay {run_id} was taken by another worker")
    with tqdm(total=total, unit="complaint", desc=f"replay {run_id}") as bar:
        def progress(done: int, _total: int) -> None:
            bar.update(done - bar.n)
        done = service.execute(services.sessions, services.registry, services.policy, services.clock, run_id,
                               processes=processes, progress=progress)
    report = done.report
    click.echo(f"replay {run_id}: {total} complaints in {done.seconds:.1f} s over {report['processes']} process(es)")
    click.echo(_table(report))
    if json_path:
        with open(json_path, "w", encoding="utf-8") as out:
            json.dump(report, out, ensure_ascii=False, indent=1)
        click.echo(f"report written to {json_path}")
    if csv_path:
        with open(csv_path, "w", encoding="utf-8", newline="") as out:
            out.write(replay_report.to_csv(report))
        click.echo(f"report written to {csv_path}")


def _table(report: dict) -> str:
    scenarios = ("actual", "live", "candidate")
    lines = [f"{'':24}" + "".join(f"{s:>12}" for s in ("happened", "live", "candidate"))]
    for measure in ("complaints", "late", "within_share", "escalations", "auto_closed", "archived", "median_days",
                    "errors"):
        lines.append(f"{measure:24}" + "".join(f"{_cell(report['totals'][s].get(measure)):>12}" for s in scenarios))
    for row in report["steps"]:
        lines.append(f"{('late: ' + row['key'])[:24]:24}" +
                     "".join(f"{_cell((row.get(s) or {}).get('late')):>12}" for s in scenarios))
    if report.get("unknown_steps"):
        lines.append("steps without history (1 working day each): " + ", ".join(report["unknown_steps"]))
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if isinstance(value, float) else str(value)
