"""Only `krimdash init` creates or upgrades a database, and a busy database is recognised by
DuckDB's own lock error, nothing else. Run with the real CLI in its own process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from dashboard.db import (
    DatabaseBroken,
    DatabaseBusy,
    Store,
    _is_lock_error,
    _migrate,
    latest_version,
)

Krimdash = Callable[..., tuple[int, str, str]]
FIGURES = "month,measure,category,value,note\n2025-01,ungeteam.cases,,45,\n"


@pytest.fixture
def figures(tmp_path: Path) -> Path:
    path = tmp_path / "figures" / "januar.csv"
    path.parent.mkdir()
    path.write_text(FIGURES, encoding="utf-8")
    return path


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(("retract", "--month", "2025-01", "--measure", "ungeteam.cases", "--note", "fejl"), id="retract"),
        pytest.param(("import", "{figures}"), id="import"),
        pytest.param(("import", "{figures}", "--dry-run"), id="import-dry-run"),
        pytest.param(("export", "-o", "{tmp}/ud.csv"), id="export"),
    ],
)  # fmt: skip
def test_a_mistyped_database_gives_exit_4_and_creates_nothing(
    tmp_path: Path, figures: Path, krimdash: Krimdash, command: tuple[str, ...]
) -> None:
    before = _files(tmp_path)
    mistyped = tmp_path / "sub" / "mistyped.duckdb"
    args = [a.format(figures=figures, tmp=tmp_path) for a in command]
    code, out, err = krimdash("--db", mistyped, *args, db=tmp_path / "env.duckdb")
    assert code == 4, out + err
    assert f"Der er ingen database i {mistyped}. Opret den med: krimdash init" in err
    assert "Traceback" not in out + err
    assert _files(tmp_path) == before  # no database, no WAL, no folder, no export


def _as_an_older_krimdash_left_it(db: Path) -> None:
    """The database as schema version 2 was, made afresh with the migrations up to 2: no stored
    catalog (schema version 3 added it), events and targets as plain tables (until version 6)."""
    for file in (db, db.with_name(db.name + ".wal")):
        file.unlink(missing_ok=True)
    with duckdb.connect(str(db)) as conn:
        _migrate(conn, upto=2)


def test_writes_do_not_migrate_an_older_database_init_does(
    tmp_path: Path, figures: Path, krimdash: Krimdash
) -> None:
    db = tmp_path / "krimdash.duckdb"
    assert krimdash("init", db=db)[0] == 0
    _as_an_older_krimdash_left_it(db)

    code, out, err = krimdash("import", figures, db=db)
    assert code == 4, out + err
    assert f"Databasen {db} har skemaversion 2" in err
    assert "Opgrader den med: krimdash init" in err
    assert Store(db).schema_version() == 2  # the write did not migrate
    assert Store(db).rows("figures_current") == []

    code, out, err = krimdash("init", db=db)
    assert code == 0, err
    assert f"Database opgraderet: {db} (skemaversion {latest_version()})" in out
    code, out, err = krimdash("import", figures, db=db)
    assert code == 0, err
    assert [row[3] for row in Store(db).rows("figures_current")] == [45]


def test_a_lock_timeout_that_is_not_seconds_is_wrong_use(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "--db", str(tmp_path / "k.duckdb"), "init"],
        capture_output=True,
        text=True,
        env={**os.environ, "KRIMDASH_LOCK_TIMEOUT": "tyve"},
        timeout=120,
    )
    assert done.returncode == 2
    assert "KRIMDASH_LOCK_TIMEOUT skal være et antal sekunder, ikke «tyve»" in done.stderr
    assert "Traceback" not in done.stderr


# --- a busy database ------------------------------------------------------------------------


@pytest.fixture
def held(tmp_path: Path):
    """A database file that another process holds open for writing, as `krimdash import` does."""
    db = tmp_path / "held.duckdb"
    duckdb.connect(str(db)).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import sys, time, duckdb
                conn = duckdb.connect(sys.argv[1])
                print("READY", flush=True)
                sys.stdin.read()
                """
            ),
            str(db),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "READY"
    yield db
    holder.communicate("", timeout=30)


def test_duckdbs_own_lock_error_is_a_busy_database(held: Path, monkeypatch) -> None:
    with pytest.raises(duckdb.IOException) as caught:
        duckdb.connect(str(held), read_only=True)
    assert _is_lock_error(caught.value)  # the message of the DuckDB installed, not a made-up one
    monkeypatch.setenv("KRIMDASH_LOCK_TIMEOUT", "0.3")
    with pytest.raises(DatabaseBusy, match="optaget af en anden proces"):
        Store(held).rows("schema_version")


def test_an_error_that_mentions_a_lock_is_not_a_busy_database(tmp_path: Path) -> None:
    conn = duckdb.connect()
    with pytest.raises(duckdb.CatalogException) as caught:
        conn.execute("select * from lock_table")
    assert "lock" in str(caught.value).lower()
    assert not _is_lock_error(caught.value)
    assert not _is_lock_error(duckdb.IOException('Could not read from file "deadlock.duckdb"'))
    assert not _is_lock_error(OSError("Could not set lock on file"))  # not DuckDB's


def test_a_database_path_with_lock_in_its_name_fails_at_once_not_after_the_wait(
    tmp_path: Path, monkeypatch
) -> None:
    # A folder where the database should be: DuckDB says 'Could not read from file
    # ".../deadlock.duckdb": Is a directory'. It is no busy database, so no waiting.
    folder = tmp_path / "deadlock.duckdb"
    folder.mkdir()
    monkeypatch.setenv("KRIMDASH_LOCK_TIMEOUT", "30")
    start = time.monotonic()
    with pytest.raises(DatabaseBroken, match="deadlock.duckdb"):
        Store(folder).rows("schema_version")
    assert time.monotonic() - start < 5
    done = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "--db", str(folder), "export"],
        capture_output=True,
        text=True,
        timeout=25,  # well inside the 30 s a busy database would be waited for
    )
    assert done.returncode == 4
    assert f"Databasen {folder} kan ikke åbnes" in done.stderr
    assert "optaget" not in done.stderr and "Traceback" not in done.stderr


def test_the_log_shows_a_batch_that_names_a_file_without_its_digest(
    demo_db: Path, own_copy, krimdash
) -> None:
    """A batch written by a tool of its own (bench/synthetic.py) may name a file and no SHA-256:
    `krimdash log` shows the file name instead of failing."""
    from dashboard.db import Store, insert_batch

    db = own_copy(demo_db)
    with Store(db).writer() as conn:
        insert_batch(conn, action="import", user="synthetic", file_name="syntetisk.csv")
    code, out, err = krimdash("log", db=db)
    assert code == 0, err
    assert "syntetisk.csv" in out and "sha256" not in out.splitlines()[0]
