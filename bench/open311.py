"""What an Open311 call costs: GET requests (the standard's default page: last 90 days, at most 1000
requests) in JSON and XML, one request, and filing (POST) with an API key, over the demo world plus N
imported complaints. In-process through Flask's test client (routing, parsing, the queries, rendering).

    .venv/bin/python bench/open311.py [--history 20000] [--database sqlite:////tmp/bench_open311.sqlite3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

from migrations import upgrade
from web import create_app
from workflows import demo
from workflows.apikeys import keys
from workflows.apikeys.models import ApiKey
from workflows.db import transaction
from workflows.history import importer
from workflows.history.rows import RawRow
from workflows.service import Aduan

RAW_KEY = "adn_bench_open311"


def timed(call, rounds: int) -> list[float]:
    spent = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def line(label: str, ms: list[float]) -> str:
    ms = sorted(ms)
    return f"{label:<42} median {statistics.median(ms):7.1f} ms   p95 {ms[int(len(ms) * 0.95) - 1]:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=20_000, help="extra imported complaints")
    parser.add_argument("--database", default="sqlite:////tmp/bench_open311.sqlite3")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    if args.database.startswith("sqlite:///") and os.path.exists(args.database[len("sqlite:///"):]):
        os.remove(args.database[len("sqlite:///"):])
    upgrade(args.database)
    services = Aduan(args.database)
    for _line in demo.seed(services):
        pass
    fields: list[dict] = []
    while len(fields) < args.history:
        fields.extend(demo.history_rows(services, seed=len(fields) + 7))
    rows = [RawRow(i + 1, {**f, "external_id": f"BENCH-{i}"}) for i, f in enumerate(fields[:args.history])]
    importer.import_rows(services.sessions, services.registry, services.policy, rows, services.clock())
    with transaction(services.sessions) as db:
        db.add(ApiKey(name="Bench", channel="bench", prefix=RAW_KEY[:10], key_hash=keys.digest(RAW_KEY),
                      region_ids=[], instansi_ids=[], rate_per_minute=100_000))
    app = create_app({"TESTING": True, "SECRET_KEY": "bench"}, services=services)
    client = app.test_client()
    listed = client.get("/open311/v2/requests.json").get_json()
    one = listed[0]["service_request_id"]
    print(f"{args.database.split(':')[0]}: {len(listed)} requests on the default page "
          f"(of {args.history} imported + the demo's)")
    print(line("GET requests.json (default page)", timed(lambda: client.get("/open311/v2/requests.json"), args.rounds)))
    print(line("GET requests.xml (default page)", timed(lambda: client.get("/open311/v2/requests.xml"), args.rounds)))
    print(line("GET requests.json?status=open&service_code", timed(lambda: client.get(
        "/open311/v2/requests.json?status=open&service_code=kesehatan"), args.rounds)))
    print(line("GET requests/{id}.json", timed(lambda: client.get(f"/open311/v2/requests/{one}.json"), args.rounds)))
    form = {"api_key": RAW_KEY, "jurisdiction_id": "pemkot-bandung", "service_code": "kesehatan",
            "description": "Puskesmas tutup pada jam pelayanan, antrean panjang.", "address_string": "Jl. Melati 5",
            "first_name": "Bench"}

    def post():
        response = client.post("/open311/v2/requests.json", data=form)
        assert response.status_code == 201, response.get_data(as_text=True)
    print(line("POST requests.json (files a complaint)", timed(post, args.rounds)))


if __name__ == "__main__":
    main()
