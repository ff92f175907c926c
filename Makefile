# krimdash: `make run` serves the dashboard on demo data with the local test sign-in; `make test`
# runs lint and every test; `make audit` checks every locked package for known vulnerabilities.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
DB ?= data/krimdash.duckdb

.PHONY: run serve test lint format bench audit lock clean

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

# The dashboard on demo data with sign-in through the local OpenID Connect test provider
# (oidc-provider-mock on 127.0.0.1:9400, users udvalg, raadmand, analytiker, admin): writes
# data/testlogin.secrets.toml (git-ignored) with a new random cookie secret and prints how to
# sign in. Open the printed 127.0.0.1 address, not localhost (the sign-in cookie is per host).
run: $(BIN)/krimdash $(DB)
	$(BIN)/python -m dashboard.testlogin --db $(DB) --port $(PORT)

# The dashboard as production runs it: sign-in from dashboard/web/.streamlit/secrets.toml (see
# README, "Log ind"); without it, the public view alone.
serve: $(BIN)/krimdash $(DB)
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

# pip-audit over requirements.lock; fails unless every locked package was actually checked, and
# says so plainly when the advisory data cannot be reached (tools/audit.py).
audit: $(BIN)/krimdash
	$(BIN)/python tools/audit.py requirements.lock

bench: $(BIN)/krimdash
	$(BIN)/python bench/pages.py

# Regenerate the lock file from pyproject.toml (needs network to the package index).
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --no-header -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
