# krimdash: `make run` serves the dashboard on demo data; `make test` runs lint and every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
DB ?= data/krimdash.duckdb

.PHONY: run test lint format bench lock clean

# The virtualenv is rebuilt whenever the lock file or pyproject changes.
$(BIN)/krimdash: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# The demo database is made again (init keeps its figures) when the schema or reference data change.
$(DB): $(wildcard queries/migrations/*.sql) data/catalog.toml data/events.toml data/demo_figures.csv | $(BIN)/krimdash
	$(BIN)/krimdash --db $(DB) init --demo
	touch $@

run: $(BIN)/krimdash $(DB)
	$(BIN)/krimdash --db $(DB) serve --port $(PORT)

test: $(BIN)/krimdash
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

lint: $(BIN)/krimdash
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/krimdash
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(BIN)/krimdash
	$(BIN)/python bench/pages.py

# Regenerate the lock file from pyproject.toml (needs network to the package index).
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --no-header -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
