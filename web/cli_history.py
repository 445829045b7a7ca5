"""``aduan import`` (past complaints from another system) and ``aduan export-xes`` (the audit trail as
an XES event log for process-mining tools). Registered on the ``aduan`` group by web/cli.py."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from .cli import _services, cli


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default=None,
              help="The file's format (default: from its name, .json or else CSV).")
@click.option("--skip-invalid", is_flag=True, help="Load the valid rows even when some are rejected.")
@with_appcontext
def import_command(file: Path, fmt: str | None, skip_invalid: bool) -> None:
    """Load finished complaints from another system (docs/import.md): every row whole or not at all;
    by default nothing when any row is rejected. Re-importing an external id is refused for that row."""
    from tqdm import tqdm

    from workflows.history import importer, rows
    services = _services()
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{file} is not UTF-8 text: {exc}") from exc
    try:
        read = rows.read(text, fmt or rows.guess_format(file.name))
    except rows.FileInvalid as exc:
        raise click.ClickException(f"{file}: nothing imported, line {exc.line}: {exc.reason}") from exc
    with tqdm(total=len(read), unit="row", desc="import", disable=None) as bar:
        result = importer.import_rows(services.sessions, services.registry, services.policy, read,
                                      services.clock(), skip_invalid=skip_invalid, source=file.name,
                                      progress=bar.update)
    for rejection in result.rejected:
        label = f" ({rejection.external_id})" if rejection.external_id else ""
        click.echo(f"line {rejection.line}{label}: {rejection.reason}")
    if result.refused:
        hint = "" if skip_invalid else " (--skip-invalid loads the valid ones)"
        raise click.ClickException(f"nothing imported: {len(result.rejected)} of {result.read} rows rejected{hint}")
    click.echo(f"{result.loaded} complaints imported" + (f", {len(result.rejected)} rows rejected"
                                                          if result.rejected else ""))


@cli.command("export-xes")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--from", "received_from", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="First arrival day (inclusive).")
@click.option("--to", "received_to", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Last arrival day (inclusive).")
@click.option("--region", default=None, help="A region code: that region (a province: with its regencies).")
@with_appcontext
def export_xes(file: Path, received_from, received_to, region: str | None) -> None:
    """Write the audit trail as an XES event log (IEEE 1849) for process-mining tools: one trace per
    complaint, one event per audit-trail entry."""
    from workflows.db import transaction
    from workflows.history import xes
    services = _services()
    query = xes.ExportQuery(received_from.date() if received_from else None,
                            received_to.date() if received_to else None, region)
    with transaction(services.sessions) as db:
        xes.check(db, query)
    counts = xes.Counts()
    partial = file.with_name(file.name + ".part")
    with partial.open("w", encoding="utf-8") as out:
        for piece in xes.stream(services.sessions, None, query, services.clock(), counts):
            out.write(piece)
    partial.replace(file)
    click.echo(f"{counts.traces} complaints, {counts.events} events written to {file}")
