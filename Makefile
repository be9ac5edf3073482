# Two commands matter (see README): `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
# The dashboard answers on this machine only; HOST=0.0.0.0 serves it to the network.
HOST   ?= 127.0.0.1
# Test workers: two cores on the team's machines and in CI.
WORKERS ?= 2

.PHONY: setup demo dashboard test test-fast lint bench clean

# The demo has a database of its own: its fictitious organisations never mix with real work
# in var/budget.db (and `budget demo` refuses a ledger holding anything else).
DEMO_DB := sqlite:///var/demo.db

# The virtual environment is rebuilt when pyproject.toml changes: the app alone for the
# demo and the dashboard, the test and lint tools on top for the tests.
$(VENV)/.app: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed: $(VENV)/.app
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $@

setup: $(VENV)/.installed

## make demo: install the app, load the demo into var/demo.db, serve the dashboard on
## http://$(HOST):$(PORT) (demo log-in; streamlit prints the URL)
demo: $(VENV)/.app
	mkdir -p var
	BUDGET_DATABASE_URL=$(DEMO_DB) $(BIN)/budget db upgrade
	BUDGET_DATABASE_URL=$(DEMO_DB) $(BIN)/budget demo
	BUDGET_DATABASE_URL=$(DEMO_DB) BUDGET_DEMO=1 $(BIN)/streamlit run dashboards/serve.py --server.address $(HOST) --server.port $(PORT) --server.headless true --client.showErrorDetails none --browser.gatherUsageStats false --runner.postScriptGC false

## make dashboard: the dashboard on the configured database, with log-in
dashboard: $(VENV)/.app
	$(BIN)/streamlit run dashboards/serve.py --server.address $(HOST) --server.port $(PORT) --server.headless true --client.showErrorDetails none --browser.gatherUsageStats false --runner.postScriptGC false

## make test: set up and run the whole test suite
test: setup
	$(BIN)/pytest -n $(WORKERS)

test-fast: setup
	$(BIN)/pytest -n $(WORKERS) -m "not browser and not slow"

lint: setup
	$(BIN)/ruff check budget imports dashboards tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis .mypy_cache .ruff_cache
