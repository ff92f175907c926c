"""Shared fixtures: the real CLI, a database file per test, an initialised store, and the demo and
real-January databases, each built once per session through the CLI and shared read-only."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pg
import pytest
import real_january

from dashboard.db import Store
from dashboard.reference import load_reference

ROOT = Path(__file__).resolve().parent.parent


class CliResult(NamedTuple):
    """One `krimdash` run: `code, out, err = krimdash(...)`."""

    code: int
    out: str
    err: str


def _run_krimdash(*args: str | os.PathLike[str], db: Path | str, **env: str) -> CliResult:
    done = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env={**os.environ, "KRIMDASH_DB": str(db), "KRIMDASH_USER": "analytiker", **env},
        timeout=120,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


Krimdash = Callable[..., CliResult]


@pytest.fixture(scope="session")
def krimdash() -> Krimdash:
    """`krimdash("import", path, db=db_path, KRIMDASH_LOCK_TIMEOUT="1")`: the installed CLI in its
    own process, as an analyst runs it, with KRIMDASH_DB=db, KRIMDASH_USER=analytiker and any
    further environment variables given."""
    return _run_krimdash


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


@pytest.fixture
def own_copy(tmp_path: Path) -> Callable[[Path], Path]:
    """`own_copy(real_db)`: this test's own copy of a shared database, to write to."""

    def copy(shared: Path) -> Path:
        folder = tmp_path / f"copy-of-{shared.parent.name}"
        folder.mkdir()
        for file in (shared, shared.with_name(shared.name + ".wal")):
            if file.exists():
                shutil.copy(file, folder / file.name)
        return folder / shared.name

    return copy


def digest(db: Path) -> str:
    """SHA-256 of a database file and its write-ahead log: equal means nothing was written."""
    wal = db.with_name(db.name + ".wal")
    return hashlib.sha256(db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")).hexdigest()


def _shared(db: Path) -> Iterator[Path]:
    """Hand out a session database and check at the end that no test wrote to it."""
    before = digest(db)
    yield db
    assert digest(db) == before, (
        f"a test wrote to the shared {db.name}: copy it first (shutil.copy)"
    )


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory, krimdash: Krimdash) -> Iterator[Path]:
    """`krimdash init --demo`, once per session. Read only: a test that writes copies it first."""
    db = tmp_path_factory.mktemp("demo") / "krimdash.duckdb"
    code, _, err = krimdash("init", "--demo", db=db)
    assert code == 0, err
    yield from _shared(db)


@pytest.fixture(scope="session")
def real_db(tmp_path_factory: pytest.TempPathFactory, krimdash: Krimdash) -> Iterator[Path]:
    """Only the real January 2025 figures, imported by analyst FAS as the CLI does it, with the
    note's known inconsistency accepted (real_january.NOTE). Once per session; read only: a test
    that writes copies it first."""
    db = tmp_path_factory.mktemp("real") / "krimdash.duckdb"
    code, _, err = krimdash("init", db=db)
    assert code == 0, err
    code, _, err = krimdash(
        "import", real_january.PATH, "--user", "FAS",
        "--accept-warnings", "--note", real_january.NOTE, db=db,
    )  # fmt: skip
    assert code == 0, err
    yield from _shared(db)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium from Debian, one for the session's browser tests. In CI a missing
    browser fails the test (it must not skip); elsewhere it skips with the reason."""
    from servers import chromium_missing, launch_chromium

    if missing := chromium_missing():
        if os.environ.get("CI"):
            pytest.fail(f"{missing}: .ci/run installs it with apt-get install chromium")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        yield browser
        browser.close()


@contextmanager
def served(command: Callable[[int], list[str]], env: dict[str, str], log: Path | None = None):
    """servers.start for a test: a server that does not start fails the test (never skips);
    stopped on exit. Yields the servers.Server."""
    from servers import start, stop

    try:
        server = start(command, env, log)
    except RuntimeError as exc:
        pytest.fail(f"the dashboard did not start: {exc}")
    try:
        yield server
    finally:
        stop(server)


@pytest.fixture(scope="session")
def postgres() -> Iterator[pg.Postgres]:
    """PostgreSQL from Debian in a temporary folder, once per session (tests/pg.py): `.host`,
    `.port`, `.user`, `.new_database(name=None)` → "dbname=… host=127.0.0.1 port=… user=krimdash"
    (lake_url() makes the store URL of it). Stopped and removed at the end. In CI a missing
    PostgreSQL fails the test (it must not skip); elsewhere it skips with the reason."""
    if why := pg.missing():
        if os.environ.get("CI"):
            pytest.fail(f"{why}: the DuckLake tests need PostgreSQL")
        pytest.skip(why)
    try:
        server = pg.start()
    except RuntimeError as exc:
        pytest.fail(f"PostgreSQL did not start: {exc}")
    try:
        yield server
    finally:
        pg.stop(server)


@pytest.fixture
def lake_store_env(postgres: pg.Postgres, tmp_path: Path) -> dict[str, str]:
    """The environment of a DuckLake store of this test's own: a fresh PostgreSQL database for
    the catalog and an empty data folder, {"KRIMDASH_STORE": ..., "KRIMDASH_LAKE_DATA": ...}."""
    data = tmp_path / "lake"
    data.mkdir()
    return {
        "KRIMDASH_STORE": pg.lake_url(postgres.new_database()),
        "KRIMDASH_LAKE_DATA": str(data),
    }


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses PostgreSQL is marked `postgres` (-m "not postgres" leaves it out)."""
    for item in items:
        if "postgres" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
