"""The ``aduan`` command: init-db, seed-demo, run (dev server) and the rest of Flask's CLI."""
from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from workflows.db import DatabaseError, database_url, describe, transaction
from workflows.errors import DomainError, Invalid


def _services():
    return current_app.extensions["aduan"]


def _describe(exc: DomainError) -> str:
    """The error in sentences (the operator's language: ADUAN_CLI_LANG, English by default)."""
    from flask_babel import force_locale

    from .messages import field_message, message
    with force_locale(os.environ.get("ADUAN_CLI_LANG", "en")):
        detail = ""
        if isinstance(exc, Invalid):
            detail = "; ".join(f"{name}: " + " ".join(field_message(code, params) for code, params in errs)
                               for name, errs in exc.fields.items())
        return message(exc.message) + (f" ({detail})" if detail else "")


class AduanGroup(FlaskGroup):
    """Domain errors and an unreachable database end a command with a clear message, not a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DomainError as exc:
            raise click.ClickException(_describe(exc)) from exc
        except DatabaseError as exc:
            raise click.ClickException(f"cannot use the database ({database_url()}): {describe(exc)}") from exc


@click.group(cls=AduanGroup, create_app=lambda: __import__("web").create_app(),
             add_default_commands=True, add_version_option=False)
def cli() -> None:
    """Aduan: complaint handling on BPMN (SP4N-LAPOR!)."""


@cli.command("init-db")
@with_appcontext
def init_db() -> None:
    """Migrate the database to the newest schema and deploy the bundled BPMN diagrams."""
    from migrations import upgrade
    services = _services()
    upgrade(database_url(current_app.config.get("DATABASE_URL")))
    with transaction(services.sessions) as db:
        for definition in services.registry.deploy_bundled(db):
            click.echo(f"process {definition.key} v{definition.version} deployed")
    click.echo("database ready")


@cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when demo data is already there.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Load a demo province with regencies, instansi, units, officers and complaints in various states."""
    from workflows import demo
    services = _services()
    if demo.already_seeded(services):
        if if_empty:
            click.echo("demo data already present")
            return
        raise click.ClickException("demo data is already in this database; use a fresh database "
                                   "(or --if-empty to skip quietly)")
    for line in demo.seed(services):
        click.echo(line)


@cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-scheduler", is_flag=True, help="Do not run the SLA sweep inside the server.")
@with_appcontext
def run(host: str, port: int, no_scheduler: bool) -> None:
    """Serve the app (development server) with the SLA scheduler running inside it."""
    from sla.scheduler.worker import interval_seconds, start_background
    if "ADUAN_SECURE_COOKIES" not in os.environ:
        # The development server speaks plain HTTP: a Secure cookie would never come back.
        current_app.config["SESSION_COOKIE_SECURE"] = False
    if not no_scheduler:
        start_background(_services())
        click.echo(f"SLA sweep every {interval_seconds():g}s")
    from werkzeug.serving import run_simple
    run_simple(host, port, current_app._get_current_object(), use_reloader=False, threaded=True)


@cli.command("worker")
@click.option("--interval", type=float, default=None, help="Seconds between sweeps (ADUAN_SWEEP_SECONDS, 5).")
@with_appcontext
def worker(interval: float | None) -> None:
    """Run the SLA scheduler in this process (run as many as you like against PostgreSQL)."""
    import logging

    from sla.scheduler.worker import run_forever
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    click.echo("SLA worker started")
    run_forever(_services(), interval)


@cli.command("sweep")
@with_appcontext
def sweep_once() -> None:
    """Run one SLA sweep now and say what it did."""
    from sla.scheduler.sweep import sweep
    result = sweep(_services())
    click.echo(f"{result.fired} handled, {result.failed} failed {result.kinds}")


@cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_command(path: str) -> None:
    """Write a consistent backup of the database to PATH while Aduan runs (SQLite: the online backup
    API; PostgreSQL: pg_dump --format=custom, restored with pg_restore)."""
    from workflows.backup import BackupError, backup
    try:
        click.echo(backup(path))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc


@cli.command("check")
@with_appcontext
def check() -> None:
    """Check that every complaint is consistent with its process (after an incident, a restore).

    The task list matches each instance's ready tasks, every waiting timer has its pending deadline
    and no deadline is left without one, every status matches its process, every audit trail is
    whole. Lists what is wrong and exits 1; changes nothing."""
    from workflows.processes.consistency import check as run_check
    services = _services()
    report = run_check(services.sessions, services.progress)
    for problem in report.problems:
        click.echo(f"{problem.tracking_id}  {problem.invariant:10s}  {problem.detail}")
    click.echo(f"{report.complaints} complaints, {report.instances} process instances checked: "
               + ("consistent" if report.ok else f"{len(report.problems)} problems"))
    if not report.ok:
        raise SystemExit(1)


@cli.group("monev")
def monev_group() -> None:
    """Monitoring and evaluation: the daily rollup the dashboards read."""


@monev_group.command("refresh")
@click.option("--full", is_flag=True, help="Rebuild every day of every instansi (after a bulk import).")
@with_appcontext
def monev_refresh(full: bool) -> None:
    """Bring the monev rollup up to date now (the scheduler does it every ADUAN_MONEV_SECONDS)."""
    from workflows.monev import rollup
    services = _services()
    result = rollup.refresh(services.sessions, services.clock(), full=full)
    if result.skipped:
        click.echo("another process is refreshing the rollup now; nothing done")
    else:
        click.echo(f"{result.pairs} day rows rebuilt" + (" (full)" if result.full else ""))


@cli.group("mail")
def mail_group() -> None:
    """The outbox of e-mail and gateway messages (the scheduler delivers it every ADUAN_MAIL_SECONDS)."""


@mail_group.command("list")
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "failed", "interrupted"]), default=None)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@with_appcontext
def mail_list(status: str | None, limit: int) -> None:
    """The newest messages: id, status, attempts, channel, recipient, subject, last error. Channels: email,
    webhook (the SMS/WhatsApp gateway), hook (a webhook subscriber: its URL, the event and the complaint)."""
    from workflows.mail import delivery
    with transaction(_services().sessions) as db:
        for m in delivery.listed(db, status, limit):
            click.echo(f"{m.id:6} {m.status:11} {m.attempts:2} {m.channel:7} {m.recipient[:40]:40} {m.subject[:60]}"
                       + (f"  [{m.last_error}]" if m.last_error else ""))


@mail_group.command("send")
@with_appcontext
def mail_send() -> None:
    """Deliver what is due now: webhook subscribers' events always; e-mail with ADUAN_SMTP_HOST, the gateway's
    messages with ADUAN_NOTIFY_WEBHOOK_URL (without them those wait in the outbox)."""
    from workflows.mail import delivery
    services = _services()
    if not services.mail.smtp_host and not services.mail.webhook_url:
        click.echo("no ADUAN_SMTP_HOST (nor ADUAN_NOTIFY_WEBHOOK_URL) is set: e-mail waits in the outbox; "
                   "webhook events are delivered")
    r = delivery.deliver_due(services.sessions, services.mail, services.clock())
    click.echo(f"{r.sent} sent, {r.retried} to retry, {r.failed} failed, {r.interrupted} interrupted"
               + (f", {r.requeued} sent again after a lost worker" if r.requeued else ""))


@mail_group.command("retry")
@click.argument("message_id", type=int)
@with_appcontext
def mail_retry(message_id: int) -> None:
    """Send a failed or interrupted message again (an interrupted one may then arrive twice; a webhook event
    keeps its X-Aduan-Delivery key, so its receiver can drop a copy)."""
    from workflows.mail import delivery
    services = _services()
    with transaction(services.sessions) as db:
        if delivery.retry(db, message_id, services.clock()) is None:
            raise click.ClickException(f"message {message_id} is not failed or interrupted (or does not exist)")
    click.echo(f"message {message_id} queued again")


@cli.command("simulate")
@click.option("--days", type=float, required=True, help="How far to move the clock forward.")
@click.option("--step-hours", type=float, default=6, show_default=True, help="Sweep after every step.")
@with_appcontext
def simulate(days: float, step_hours: float) -> None:
    """Fast-forward a demo database: move its shared clock and sweep, so escalations can be watched.

    Every process on this database (server, workers) follows the moved clock within seconds."""
    from datetime import timedelta

    from sla.scheduler.simulation import fast_forward
    if days <= 0 or step_hours <= 0:
        raise click.BadParameter("--days and --step-hours must be positive")
    for moment, result in fast_forward(_services(), timedelta(days=days), timedelta(hours=step_hours)):
        if result.fired or result.failed:
            click.echo(f"{moment:%Y-%m-%d %H:%M} UTC: {result.fired} handled {result.kinds}"
                       + (f", {result.failed} failed" if result.failed else ""))
    click.echo(f"clock now {_services().clock():%Y-%m-%d %H:%M} UTC")


@cli.group("sla")
def sla_group() -> None:
    """Time-limit rules: limits, calendar overrides, escalation chains (national or per region)."""


@sla_group.command("limit")
@click.argument("step")
@click.argument("limit")
@click.option("--tier", default="", help="Follow-up tier: ringan, normatif, tanpa_pemeriksaan, pemeriksaan.")
@click.option("--region", default=None, help="Region code; national when omitted.")
@click.option("--from", "effective_from", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Steps started on or after this date get the new limit (default: today).")
@with_appcontext
def sla_limit(step: str, limit: str, tier: str, region: str | None, effective_from) -> None:
    """Set a time limit, e.g. `aduan sla limit follow_up 4WD --tier normatif --region 32.73`. A region's
    limit may be stricter than the one it inherits, never looser."""
    from workflows.sla import rules as sla_rules
    services = _services()
    with transaction(services.sessions) as db:
        row = sla_rules.set_limit(db, services.policy, step, limit, tier, sla_rules.region_by_code(db, region),
                                  effective_from=effective_from.date() if effective_from else None,
                                  now=services.clock())
        click.echo(f"{row.step}{'/' + row.tier if row.tier else ''} = {row.limit} ({region or 'national'}, "
                   f"from {row.effective_from})")


@sla_group.command("day")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("kind", type=click.Choice(["off", "on"]))
@click.option("--region", default=None, help="Region code; national when omitted.")
@click.option("--note", default="")
@with_appcontext
def sla_day(day, kind: str, region: str | None, note: str) -> None:
    """Add a day off (off) or cancel a holiday (on), e.g. `aduan sla day 2025-04-09 off --region 32.73`."""
    from workflows.sla import rules as sla_rules
    services = _services()
    with transaction(services.sessions) as db:
        sla_rules.set_day(db, services.policy, day.date(), kind, sla_rules.region_by_code(db, region), note,
                          now=services.clock())
    click.echo(f"{day.date()} {kind} ({region or 'national'})")


@sla_group.command("chain")
@click.argument("levels")
@click.option("--region", default=None, help="Region code; national when omitted.")
@with_appcontext
def sla_chain(levels: str, region: str | None) -> None:
    """Set the escalation chain, e.g. `pejabat_penghubung:2WD,admin_instansi:2WD,admin_koordinator:3WD`:
    every level is ROLE:LIMIT, the time that level has before the next one is called in."""
    from workflows.sla import rules as sla_rules
    pairs = []
    for part in levels.split(","):
        role, colon, after = part.partition(":")
        if not colon or not role.strip() or not after.strip():
            raise click.BadParameter(f"{part.strip() or '(empty)'!r}: write each level as ROLE:LIMIT, e.g. "
                                     "pejabat_penghubung:2WD", param_hint="LEVELS")
        pairs.append((role.strip(), after.strip()))
    services = _services()
    with transaction(services.sessions) as db:
        rows = sla_rules.set_chain(db, services.policy, pairs, sla_rules.region_by_code(db, region),
                                   now=services.clock())
    click.echo(" -> ".join(f"{r.role} ({r.after})" for r in rows))


@sla_group.command("show")
@click.option("--region", default=None, help="Region code; national when omitted.")
@with_appcontext
def sla_show(region: str | None) -> None:
    """Every rule in force for a region's complaints and where it comes from (here, province, national)."""
    from workflows.routing import table as routing
    from workflows.sla import inforce
    from workflows.sla import rules as sla_rules
    services = _services()
    with transaction(services.sessions) as db:
        found = sla_rules.region_by_code(db, region)
        today = services.clock().astimezone(services.policy.calendar(found.id if found else None).zone).date()
        rules = inforce.in_force(db, services.policy, None, found, today)
        routes = [(r.rule.category, ", ".join(r.keywords), r.sub_region, r.instansi, r.unit, r.source)
                  for r in routing.rows_for_page(db, found)]
    click.echo(f"{found.name + ' (' + found.code + ')' if found else 'National'} on {today}: "
               f"time zone {rules.timezone}, working hours {rules.working_hours}")
    click.echo("time limits:")
    for item in rules.limits:
        later = "; ".join(f"{limit} from {since}" for since, limit in item.scheduled)
        click.echo(f"  {item.step + ('/' + item.tier if item.tier else ''):32} {item.limit:6} {item.source}"
                   + (f", set by {item.set_by}" if item.set_by else "") + (f" (then {later})" if later else ""))
    click.echo("escalation chain (" + rules.chain_source + "): "
               + (" -> ".join(f"{role} ({after})" for role, after in rules.chain) or "none"))
    changed = [d for d in rules.days if d.kind != "holiday"]
    click.echo("calendar changes: " + (", ".join(f"{d.day} {d.kind} ({d.source})" for d in changed) or "none"))
    click.echo("routing (first match wins):" + ("" if routes else " none"))
    for category, keywords, sub_region, instansi, unit, source in routes:
        when = category + (f" [{keywords}]" if keywords else "") + (f" ({sub_region})" if sub_region else "")
        click.echo(f"  {when:40} -> {instansi}{' / ' + unit if unit else ''}  {source}")


@sla_group.command("due")
@click.argument("limit")
@click.option("--region", default=None, help="Region code; national calendar when omitted.")
@click.option("--start", default=None, help="ISO datetime with offset; now when omitted.")
@with_appcontext
def sla_due(limit: str, region: str | None, start: str | None) -> None:
    """Show when a limit started at a moment falls due, e.g. `aduan sla due 3WD --start 2025-03-28T10:00+07:00`."""
    from datetime import datetime

    from sla.calendar import Limit
    from workflows.sla import rules as sla_rules
    services = _services()
    with transaction(services.sessions) as db:
        found = sla_rules.region_by_code(db, region)
    try:
        begin = datetime.fromisoformat(start) if start else services.clock()
        parsed = Limit.parse(limit)
        calendar = services.policy.calendar(found.id if found else None)
        due = calendar.due(begin, parsed)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    click.echo(due.astimezone(calendar.zone).isoformat() if hasattr(calendar, "zone") else due.isoformat())


from . import cli_history  # noqa: E402,F401  (aduan import, aduan export-xes)
from . import cli_replay  # noqa: E402,F401  (aduan replay)


def main() -> None:
    cli.main(prog_name="aduan")


if __name__ == "__main__":
    main()
