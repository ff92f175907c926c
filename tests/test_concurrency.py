"""The app and the CLI at once: DuckDB lets one process write, so every connection is short.

These run real processes against a real DuckDB file.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dashboard.db import Store
from dashboard.exports import export_csv

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
def db(store: Store) -> Path:
    return store.path


@pytest.fixture
def figures(tmp_path) -> Path:
    path = tmp_path / "januar.csv"
    path.write_text("month,measure,category,value\n2025-01,ungeteam.cases,,45\n", encoding="utf-8")
    return path


def test_an_import_succeeds_while_the_app_keeps_reading(db, figures, krimdash):
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
    done = krimdash("import", figures, "--user", "FAS", db=db)
    reads = int(reader.communicate(timeout=60)[0].strip())
    assert reader.returncode == 0
    assert done.code == 0, done.err
    assert reads > 0
    assert b"2025-01,ungeteam.cases,,45," in export_csv(Store(db))


def test_a_database_held_too_long_gets_a_clear_danish_message_and_no_change(db, figures, krimdash):
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
        done = krimdash("import", figures, db=db, KRIMDASH_LOCK_TIMEOUT="1")
    finally:
        holder.wait(timeout=30)
    assert done.code == 4
    assert "optaget af en anden proces" in done.err
    assert "Traceback" not in done.out + done.err
    assert export_csv(Store(db)) == b"month,measure,category,value,note\n"


def test_an_import_waits_for_a_short_write_and_then_succeeds(db, figures, krimdash):
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
    done = krimdash("import", figures, db=db)
    holder.wait(timeout=30)
    assert done.code == 0, done.err
    assert b"ungeteam.cases,,45" in export_csv(Store(db))
