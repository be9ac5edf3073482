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

# The virtual environment is rebuilt when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $@

setup: $(VENV)/.installed

## make demo: set up, load the demo into var/budget.db, open the dashboard (demo log-in)
demo: setup
	$(BIN)/budget db upgrade
	$(BIN)/budget demo
	BUDGET_DEMO=1 $(BIN)/streamlit run dashboards/app.py --server.address $(HOST) --server.port $(PORT) --server.headless true --client.showErrorDetails none --browser.gatherUsageStats false --runner.postScriptGC false

## make dashboard: the dashboard on the configured database, with log-in
dashboard: setup
	$(BIN)/streamlit run dashboards/app.py --server.address $(HOST) --server.port $(PORT) --server.headless true --client.showErrorDetails none --browser.gatherUsageStats false --runner.postScriptGC false

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
