# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
ASSETS := ehcna/web/static/vendor/swagger-ui.css

.PHONY: setup system run demo test lint fuzz bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

# GOV.UK Frontend from the npm registry, served by the app from ehcna/web/static/govuk
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

$(ASSETS): $(NODE_STAMP) dev/build_assets.py | $(STAMP)
	$(BIN)/python -m dev.build_assets

setup: $(STAMP) $(ASSETS)

# Debian's chromium (browser tests) and docker-compose (compose file check)
system:
	bash dev/setup_system.sh

run: setup
	$(BIN)/python -m dev.devstack

# the Outlook on two years of fictional history with a what-if (a store of its own: dev/outlook_demo.py);
# then, with `make run` going: a small realistic caseload, some of it already late, and plans in force
# with reviews due, overdue and in amendment (docs/plan-import-format.md)
demo: setup
	$(BIN)/python -m dev.outlook_demo
	$(BIN)/ehcna import docs/examples/cases.csv --advice docs/examples/advice.csv --exceptions docs/examples/exceptions.csv
	$(BIN)/ehcna import-plans docs/examples/plans.csv --reviews docs/examples/plan_reviews.csv

# style, the layers of architecture.md (import contracts in pyproject.toml) and the types
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/mypy --strict domain workflows

# pytest-xdist, one process per core: most of the suite waits on real servers, so two processes on
# two cores take about 14 minutes (1,409 tests) where one took 21 for 1,070 (each process has its own
# Temporal dev server and databases)
test: setup system lint
	$(BIN)/python -m pytest -q -n auto

fuzz: setup
	$(BIN)/python -m pytest -q -m fuzz tests/web/test_fuzz.py

bench: setup
	$(BIN)/python -m bench.kpi_bench
	$(BIN)/python -m bench.throughput
	$(BIN)/python -m bench.latency
	$(BIN)/python -m bench.import_open_cases
	$(BIN)/python -m bench.import_plans
	$(BIN)/python -m bench.forecast

clean:
	rm -rf $(VENV) node_modules ehcna/web/static/govuk ehcna/web/static/vendor var .pytest_cache .ruff_cache .hypothesis
