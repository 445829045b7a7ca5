"""The layering holds (docs/adr/0007-layers-and-areas.md): the import-linter contracts in setup.cfg
are checked on every `make test`. A page that builds a query, a domain module that imports Flask,
or a calendar that imports the domain makes this test fail and names the import."""
from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    run = subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
                          "sys.exit(lint_imports_command())", "--config", "setup.cfg", "--no-cache"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_every_layer_and_area_is_under_contract():
    """The contracts name the layers the design card fixes, and every area's models are off limits to
    the entry points (a new area's models must be added to the list)."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    layers = config["importlinter:contract:layers"]["layers"].split()
    assert [layer for layer in layers if layer != ":"] == ["web", "sla.scheduler", "migrations", "workflows", "engine"]
    forbidden = set(config["importlinter:contract:entry-points-build-no-queries"]["forbidden_modules"].split())
    areas = {p.parent.name for p in (ROOT / "workflows").glob("*/models.py")}
    assert {f"workflows.{area}.models" for area in areas} <= forbidden
    assert "sqlalchemy" in forbidden
