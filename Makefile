# Aduan: `make run` sets everything up and serves on http://127.0.0.1:5000; `make test` runs the suite.
# Browser libraries (bpmn-js) come from npm via package.json/package-lock.json and are copied into
# web/static/vendor/ by `make static` (never committed); browser tests drive Debian's Chromium.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
NPM_STAMP    := node_modules/.aduan-stamp
VENDOR       := web/static/vendor
VENDOR_STAMP := $(VENDOR)/.stamp
BPMN_DIST    := node_modules/bpmn-js/dist
ADUAN_CHROMIUM ?= /usr/bin/chromium
export ADUAN_CHROMIUM
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Another apt/dpkg run (unattended upgrades, a second install) holds the lock: wait for it up to
# 10 minutes instead of failing at once.
APT_LOCK     := -o DPkg::Lock::Timeout=600
APT_INSTALL  := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get $(APT_LOCK) install -y --no-install-recommends
APT_UPDATE   := $(SUDO) apt-get $(APT_LOCK) update

.PHONY: install run serve test test-sqlite migrate seed bench faults clean static chromium screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# npm ci only when package.json/package-lock.json changed since the last install (npm ci empties
# node_modules first, so the stamp goes with it).
$(NPM_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || $(APT_INSTALL) nodejs npm || { $(APT_UPDATE) && $(APT_INSTALL) nodejs npm; }
	SCARF_ANALYTICS=false npm ci --no-audit --no-fund  # (swagger-ui-dist's @scarf/scarf: no install report)
	touch $(NPM_STAMP)

# The built viewer and its stylesheets/fonts, served at /static/vendor/bpmn-js/...; the designer's
# modeler (bpmn-js Modeler + Camunda properties panel + bpmnlint) bundled by esbuild into vendor/modeler/;
# Leaflet for the maps (vendor/leaflet/); Chart.js for the replay's charts (vendor/chartjs/); Swagger UI for
# the API's docs page /api/docs (vendor/swagger-ui/).
$(VENDOR_STAMP): $(NPM_STAMP) web/static/src/modeler.js
	rm -rf $(VENDOR)/bpmn-js
	mkdir -p $(VENDOR)/bpmn-js/assets
	cp $(BPMN_DIST)/bpmn-navigated-viewer.production.min.js $(VENDOR)/bpmn-js/
	cp $(BPMN_DIST)/assets/diagram-js.css $(BPMN_DIST)/assets/bpmn-js.css $(VENDOR)/bpmn-js/assets/
	cp -R $(BPMN_DIST)/assets/bpmn-font $(VENDOR)/bpmn-js/assets/
	cp node_modules/bpmn-js/LICENSE $(VENDOR)/bpmn-js/
	rm -rf $(VENDOR)/modeler
	mkdir -p $(VENDOR)/modeler
	node_modules/.bin/esbuild web/static/src/modeler.js --bundle --minify --format=iife --target=es2019 \
		--log-level=warning --outfile=$(VENDOR)/modeler/modeler.js
	cp node_modules/@bpmn-io/properties-panel/dist/assets/properties-panel.css \
		node_modules/bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css $(VENDOR)/modeler/
	rm -rf $(VENDOR)/leaflet
	mkdir -p $(VENDOR)/leaflet
	cp -R node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images \
		node_modules/leaflet/LICENSE $(VENDOR)/leaflet/
	rm -rf $(VENDOR)/chartjs
	mkdir -p $(VENDOR)/chartjs
	cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/LICENSE.md $(VENDOR)/chartjs/
	rm -rf $(VENDOR)/swagger-ui
	mkdir -p $(VENDOR)/swagger-ui
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
		node_modules/swagger-ui-dist/LICENSE node_modules/swagger-ui-dist/NOTICE $(VENDOR)/swagger-ui/
	touch $(VENDOR_STAMP)

static: $(VENDOR_STAMP)

# Debian's Chromium for the browser tests (Playwright's own browser download cannot work here);
# tests/browser launch $(ADUAN_CHROMIUM).
chromium:
	@test -x $(ADUAN_CHROMIUM) || $(APT_INSTALL) chromium || { $(APT_UPDATE) && $(APT_INSTALL) chromium; }

migrate: install
	$(BIN)/aduan init-db

seed: migrate
	$(BIN)/aduan seed-demo --if-empty

# The demo's webhook receiver is 127.0.0.1:9 (nothing listens: its page shows retries), so the private
# network is allowed here unless the variable says otherwise (README, Configuration).
run: static seed
	ADUAN_WEBHOOK_ALLOW_PRIVATE=$${ADUAN_WEBHOOK_ALLOW_PRIVATE:-1} $(BIN)/aduan run --host 127.0.0.1 --port 5000

# Runs on SQLite always and on PostgreSQL when reachable (ADUAN_TEST_POSTGRES_URL);
# ADUAN_REQUIRE_POSTGRES=1 turns an unreachable PostgreSQL into a failure.
test: install static chromium
	ADUAN_TEST_POSTGRES_URL=$${ADUAN_TEST_POSTGRES_URL:-$(PG_TEST_URL)} $(BIN)/python -m pytest $(PYTEST_ARGS)

# The year-scale benchmark harness (bench/run.py) on PostgreSQL (default postgres@127.0.0.1:5432) and
# SQLite: engine ceiling, HTTP end to end, completion latency, SLA sweep, memory against generated
# year-scale databases. Prints a table and rewrites the summary in docs/PERFORMANCE.md. Not part of
# `make test`. BENCH_ARGS=--quick runs small sizes in a few minutes.
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[test,bench]"
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Faults under load (bench/faults.py): kills a web worker and an SLA worker mid-sweep and restarts the
# local PostgreSQL cluster while officers and citizens work, then checks nothing was lost or doubled.
# Needs root; not part of `make test` (it restarts the database server). About 2 minutes.
faults: $(STAMP)
	$(BIN)/python bench/faults.py $(FAULTS_ARGS)

# Screenshots of the pages for the docs (docs/screenshots.py), taken in Debian's Chromium.
screenshots: install static chromium
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf $(VENV) instance *.egg-info .pytest_cache node_modules $(VENDOR)
