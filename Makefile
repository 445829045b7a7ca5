# Aduan: `make run` sets everything up and serves on http://127.0.0.1:5000; `make test` runs the suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install run serve test test-sqlite migrate seed bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/aduan init-db

seed: migrate
	$(BIN)/aduan seed-demo --if-empty

run: seed
	$(BIN)/aduan run --host 127.0.0.1 --port 5000

# Runs on SQLite always and on PostgreSQL when reachable (ADUAN_TEST_POSTGRES_URL);
# ADUAN_REQUIRE_POSTGRES=1 turns an unreachable PostgreSQL into a failure.
test: install
	ADUAN_TEST_POSTGRES_URL=$${ADUAN_TEST_POSTGRES_URL:-$(PG_TEST_URL)} $(BIN)/python -m pytest $(PYTEST_ARGS)

# SLA sweep benchmark on PostgreSQL (ADUAN_BENCH_POSTGRES_URL, default postgres@127.0.0.1:5432);
# results and method in docs/PERFORMANCE.md.
bench: install
	$(BIN)/python bench/sla_sweep.py

clean:
	rm -rf $(VENV) instance *.egg-info .pytest_cache
