"""Backups while the system runs. SQLite: the online backup API copies a consistent snapshot page by
page while others keep writing. PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot of
one transaction), restored with ``pg_restore``. Part of the shared kernel; ``aduan backup`` calls it."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from .db import database_url


class BackupError(Exception):
    """The backup could not be made; the message says why, for the operator."""


def backup(target: Path, url: str | None = None) -> str:
    """Write a backup of the database at ``url`` (default: DATABASE_URL) to ``target``; returns
    what was written, in words. Refuses to overwrite an existing file."""
    url = database_url(url)
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite(Path(parsed.database or ""), target)
    if parsed.get_backend_name() == "postgresql":
        return _postgresql(parsed, target)
    raise BackupError(f"no backup method for {parsed.get_backend_name()}")


def _sqlite(source: Path, target: Path) -> str:
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as live, sqlite3.connect(target) as copy:
        live.backup(copy, pages=1024)
    return f"SQLite snapshot of {source} written to {target} ({target.stat().st_size:,} bytes)"


def _postgresql(parsed, target: Path) -> str:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is not installed (Debian: apt-get install postgresql-client)")
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    run = subprocess.run([pg_dump, "--format=custom", "--no-owner", "--file", str(target), dsn],
                         capture_output=True, text=True)
    if run.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {run.stderr.strip().splitlines()[-1] if run.stderr.strip() else run.returncode}")
    return (f"PostgreSQL dump of {parsed.database} written to {target} ({target.stat().st_size:,} bytes); "
            f"restore with: pg_restore --no-owner --dbname=<new database> {target}")
