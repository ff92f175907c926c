"""The app and the CLI at once: DuckDB lets one process write, so every connection is short.

These run real processes against a real DuckDB file.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from krimdash_cli import run_krimdash as _krimdash

from dashboard.db import Store
from dashboard.exports import export_csv
from dashboard.reference import load_reference

ROOT = Path(__file__).resolve().parent.parent


def _background(code: str, db: Path) -> subprocess.Popen:
    """A second Python process running `code` with `db` bound; it prints READY when it holds on."""
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), str(db)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "READY"
    return process


@pytest.fixture
def db(tmp_path) -> Path:
    store = Store(tmp_path / "krimdash.duckdb")
    load_reference(store, user="test")
    return store.path


@pytest.fixture
def figures(tmp_path) -> Path:
    path = tmp_path / "januar.csv"
    path.write_text("month,measure,category,value\n2025-01,ungeteam.cases,,45\n", encoding="utf-8")
    return path


def test_an_import_succeeds_while_the_app_keeps_reading(db, figures):
    # Like a busy dashboard: a reader that opens, queries and closes, over and over, for 4 s.
    reader = _background(
        """
        import sys, time
        from dashboard.db import Store
        store = Store(sys.argv[1])
        print("READY", flush=True)
        end = time.monotonic() + 4
        reads = 0
        while time.monotonic() < end:
            store.query("figures_current")
            reads += 1
        print(reads, flush=True)
        """,
        db,
    )
    done = _krimdash(db, "import", str(figures), "--user", "FAS")
    reads = int(reader.communicate(timeout=60)[0].strip())
    assert reader.returncode == 0
    assert done.returncode == 0, done.stderr
    assert reads > 0
    assert b"2025-01,ungeteam.cases,,45," in export_csv(Store(db))


def test_a_database_held_too_long_gets_a_clear_danish_message_and_no_change(db, figures):
    holder = _background(
        """
        import sys, time, duckdb
        conn = duckdb.connect(sys.argv[1])
        print("READY", flush=True)
        time.sleep(6)
        conn.close()
        """,
        db,
    )
    try:
        done = _krimdash(db, "import", str(figures), KRIMDASH_LOCK_TIMEOUT="1")
    finally:
        holder.wait(timeout=30)
    assert done.returncode == 4
    assert "optaget af en anden proces" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert export_csv(Store(db)) == b"month,measure,category,value,note\n"


def test_an_import_waits_for_a_short_write_and_then_succeeds(db, figures):
    holder = _background(
        """
        import sys, time, duckdb
        conn = duckdb.connect(sys.argv[1])
        print("READY", flush=True)
        time.sleep(1.5)
        conn.close()
        """,
        db,
    )
    done = _krimdash(db, "import", str(figures))
    holder.wait(timeout=30)
    assert done.returncode == 0, done.stderr
    assert b"ungeteam.cases,,45" in export_csv(Store(db))
