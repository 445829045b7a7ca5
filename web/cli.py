"""The ``aduan`` command: init-db, seed-demo, run (dev server) and the rest of Flask's CLI."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from workflows.db import database_url, transaction
from workflows.errors import DomainError


def _services():
    return current_app.extensions["aduan"]


@click.group(cls=FlaskGroup, create_app=lambda: __import__("web").create_app(),
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
    if if_empty and demo.already_seeded(services):
        click.echo("demo data already present")
        return
    for line in demo.seed(services):
        click.echo(line)


def main() -> None:
    try:
        cli.main(prog_name="aduan")
    except DomainError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(2)
