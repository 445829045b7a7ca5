"""How fast ``aduan import`` loads history: N generated rows (the demo's generator) into a fresh SQLite file.

    .venv/bin/python bench/import_history.py [--rows 10000] [--database /tmp/bench_import.sqlite3]
"""
from __future__ import annotations

import argparse
import os
import time

from migrations import upgrade
from workflows import demo
from workflows.history import importer
from workflows.history.rows import RawRow
from workflows.service import Aduan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database", default="/tmp/bench_import.sqlite3")
    args = parser.parse_args()
    if os.path.exists(args.database):
        os.remove(args.database)
    url = f"sqlite:///{args.database}"
    upgrade(url)
    services = Aduan(url)
    for _line in demo.seed(services):  # the demo world (and its own year of history)
        pass
    fields: list[dict] = []
    while len(fields) < args.rows:
        fields.extend(demo.history_rows(services, seed=len(fields) + 1))
    rows = [RawRow(i + 1, {**f, "external_id": f"BENCH-{i}"}) for i, f in enumerate(fields[:args.rows])]
    started = time.perf_counter()
    result = importer.import_rows(services.sessions, services.registry, services.policy, rows, services.clock())
    seconds = time.perf_counter() - started
    print(f"{result.loaded} of {len(rows)} rows imported in {seconds:.1f} s ({result.loaded / seconds:.0f} rows/s); "
          f"{len(result.rejected)} rejected")


if __name__ == "__main__":
    main()
