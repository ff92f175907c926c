"""Shared fixtures: a database file per test, an initialised store, and the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from dashboard.db import Store
from dashboard.reference import load_reference

# (returncode, stdout, stderr) of one `krimdash` run.
CliResult = tuple[int, str, str]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where this test's database lives; nothing is created there yet."""
    return tmp_path / "krimdash.duckdb"


@pytest.fixture
def store(db_path: Path) -> Store:
    """An initialised store with the catalog, events and targets loaded, and no figures."""
    store = Store(db_path)
    store.upgrade()
    load_reference(store, user="test")
    return store


def _run_krimdash(*args: str | os.PathLike[str], db: Path | str) -> CliResult:
    env = {**os.environ, "KRIMDASH_DB": str(db), "KRIMDASH_USER": "analytiker"}
    done = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="session")
def krimdash() -> Callable[..., CliResult]:
    """`krimdash("import", path, db=db_path)`: the installed CLI in its own process, as an
    analyst runs it, with KRIMDASH_DB=db and KRIMDASH_USER=analytiker."""
    return _run_krimdash
