"""Start-up checks: the CLI and the app verify the database before anything else (it opens, its
schema version is one this krimdash knows, its write-ahead log replays). A database that fails
stops them with a Danish message naming the latest backup, and neither deletes nor rewrites the
database or its WAL. A page run that meets a busy or damaged database shows a Danish message on
every page, never a stack trace."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import real_january
from apptest import open_page

from dashboard.db import DatabaseBroken, Store, latest_version
from dashboard.web import app_pages
from dashboard.web.texts import text

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["overblik", "top100", "sammenlign"]


def wal(db: Path) -> Path:
    return db.with_name(db.name + ".wal")


def files(db: Path) -> dict[str, str | None]:
    """The database's and its WAL's bytes (a digest), or None for a file that is not there."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None
        for p in (db, wal(db))
    }


def damage(db: Path, at: int = 4096, length: int = 20_000) -> None:
    """Overwrite bytes of the file in place, keeping its size and its modification time (so a
    server that has read it before sees no change until it reads it again)."""
    st = db.stat()
    with open(db, "r+b") as f:
        f.seek(at)
        f.write(b"\xff" * length)
    os.utime(db, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert db.stat().st_size == st.st_size


def backups(tmp_path: Path) -> tuple[Path, Path]:
    """A backup folder with two backups; returns (the folder, the newest backup)."""
    folder = tmp_path / "sikkerhedskopier"
    older, newer = folder / "krimdash-2026-11-27", folder / "krimdash-2026-11-28"
    for when, backup in ((time.time() - 86400, older), (time.time() - 3600, newer)):
        backup.mkdir(parents=True)
        (backup / "manifest.json").write_text("{}", encoding="utf-8")
        os.utime(backup, (when, when))
    return folder, newer


def left_a_wal(db: Path) -> None:
    """Import the real January figures into `db` in a process that ends right after the commit,
    before the connection is closed: the batch is then only in the write-ahead log."""
    code = (
        "import os, sys\n"
        "from dashboard import db, imports\n"
        "from dashboard.access import LOCAL\n"
        "kept = []\n"
        "db._close = kept.append  # never closed, so no checkpoint: the batch stays in the WAL\n"
        "r = imports.import_file(db.Store(sys.argv[1]), sys.argv[2], user='FAS', role=LOCAL,\n"
        "    accept_warnings=True, note=sys.argv[3])\n"
        "sys.stdout.write(r.status); sys.stdout.flush(); os._exit(0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(db), str(real_january.PATH), real_january.NOTE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "saved", done.stdout + done.stderr
    assert wal(db).exists() and wal(db).stat().st_size > 0


COMMANDS = [
    ("export",),
    ("log",),
    ("check",),
    ("import", str(real_january.PATH), "--accept-warnings", "--note", "x"),
    ("init",),
    ("serve", "--port", "1"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_damaged_database_stops_every_command_naming_the_latest_backup(
    command, demo_db, own_copy, krimdash, tmp_path
):
    db = own_copy(demo_db)
    damage(db)
    before = files(db)
    folder, newest = backups(tmp_path)

    done = krimdash(*command, db=db, KRIMDASH_BACKUP_DIR=str(folder))

    assert done.code == 4, done.out + done.err
    assert f"Databasen {db} kan ikke åbnes: filen er beskadiget" in done.err
    assert f"Seneste sikkerhedskopi: {newest} " in done.err
    assert f"krimdash restore {newest}" in done.err
    assert "Traceback" not in done.err
    assert files(db) == before  # not repaired, rewritten or deleted


def test_without_a_backup_folder_the_message_says_none_is_set(demo_db, own_copy, krimdash):
    db = own_copy(demo_db)
    damage(db)
    done = krimdash("export", db=db)
    assert done.code == 4
    assert "kan ikke åbnes" in done.err and "KRIMDASH_BACKUP_DIR" in done.err
    assert "Seneste sikkerhedskopi" not in done.err


def test_a_file_that_is_not_a_database_is_left_alone(tmp_path, krimdash):
    db = tmp_path / "krimdash.duckdb"
    db.write_bytes(os.urandom(100_000))
    before = files(db)
    done = krimdash("init", db=db)
    assert done.code == 4, done.out + done.err
    assert "filen er ikke en DuckDB-database" in done.err and "Traceback" not in done.err
    assert files(db) == before


def test_a_wal_that_replays_is_read_and_left_as_it_is(real_db, own_copy, krimdash, tmp_path):
    db = own_copy(real_db)
    done = krimdash("retract", "--month", "2025-01", "--measure", "top100.screened",
                    "--note", "prøve", db=db)  # fmt: skip
    assert done.code == 0, done.err
    left_a_wal(db)  # the January figures again, only in the WAL
    before = files(db)

    done = krimdash("export", db=db, KRIMDASH_ACCESS_LOG=str(tmp_path / "log.sqlite"))

    assert done.code == 0, done.err
    screened = real_january.value("top100.screened")
    assert f"2025-01,top100.screened,,{screened}," in done.out  # the WAL's batch is there
    assert files(db) == before  # read-only: the WAL replays in memory, no file changes


def test_a_wal_that_does_not_replay_stops_and_both_files_are_kept(
    real_db, own_copy, krimdash, tmp_path
):
    db = own_copy(real_db)
    done = krimdash("retract", "--month", "2025-01", "--measure", "top100.screened",
                    "--note", "prøve", db=db)  # fmt: skip
    assert done.code == 0, done.err
    left_a_wal(db)
    data = bytearray(wal(db).read_bytes())
    middle = len(data) // 2  # inside an entry: its checksum no longer matches
    data[middle : middle + 40] = b"\x13" * 40
    wal(db).write_bytes(bytes(data))
    before = files(db)
    folder, newest = backups(tmp_path)

    for command in (("export",), ("import", str(real_january.PATH)), ("init",)):
        done = krimdash(*command, db=db, KRIMDASH_BACKUP_DIR=str(folder))
        assert done.code == 4, done.out + done.err
        assert "skriveloggen (WAL-filen) kan ikke genafspilles" in done.err
        assert f"Seneste sikkerhedskopi: {newest} " in done.err and "Traceback" not in done.err
        assert files(db) == before


def test_a_schema_version_from_a_newer_krimdash_stops_even_init(
    real_db, own_copy, krimdash, tmp_path
):
    db = own_copy(real_db)
    newer = latest_version() + 1
    with duckdb.connect(str(db)) as conn:
        conn.execute(
            "insert into schema_version values (?, 'from_the_future', now()::timestamp)",
            [newer],
        )
    before = files(db)
    for command in (("export",), ("init",)):
        done = krimdash(*command, db=db)
        assert done.code == 4, done.out + done.err
        assert f"skemaversion {newer} er ukendt" in done.err and "Traceback" not in done.err
        assert files(db) == before


# The app.


@pytest.mark.parametrize("page", PAGES)
def test_the_app_stops_on_a_damaged_database_naming_the_latest_backup(
    page, demo_db, own_copy, tmp_path, monkeypatch
):
    db = own_copy(demo_db)
    damage(db)
    before = files(db)
    folder, newest = backups(tmp_path)
    monkeypatch.setenv("KRIMDASH_BACKUP_DIR", str(folder))

    at = open_page(monkeypatch, db, page)

    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith(text("db_broken", "da")), errors
    assert f"Seneste sikkerhedskopi: {newest.name} (fra " in errors[0]
    assert str(folder) not in errors[0]  # the reader is not told the server's folders
    assert not at.main.html  # no page drawn
    assert files(db) == before


@pytest.mark.parametrize("page", PAGES)
def test_a_page_run_that_meets_a_database_damaged_after_the_check_shows_a_danish_message(
    page, demo_db, own_copy, monkeypatch
):
    db = own_copy(demo_db)
    first = open_page(monkeypatch, db, "overblik")
    assert not first.exception and first.main.html
    damage(db)
    os.utime(db)  # a new data version: nothing the pages read is cached any more
    # ... damaged a moment after this server's start-up check passed on this very version:
    app_pages._CHECKED.add((str(db), Store(db).data_version()))

    at = open_page(monkeypatch, db, page, fra="2024-02", til="2024-11")

    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [text("db_broken", "da")]


@pytest.fixture
def write_lock(tmp_path):
    """Hold `db` open for writing in another process (as an import does) until the test ends."""
    held: list[subprocess.Popen] = []

    def hold(db: Path) -> None:
        code = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(120)"
        process = subprocess.Popen(
            [sys.executable, "-c", code, str(db)], stdout=subprocess.PIPE, text=True
        )
        held.append(process)
        assert process.stdout.readline().strip() == "held"

    yield hold
    for process in held:
        process.kill()
        process.wait(timeout=10)


@pytest.mark.parametrize("page", PAGES)
def test_a_page_run_that_meets_a_busy_database_shows_a_danish_message(
    page, demo_db, own_copy, write_lock, monkeypatch
):
    db = own_copy(demo_db)
    monkeypatch.setenv("KRIMDASH_LOCK_TIMEOUT", "0.3")
    write_lock(db)

    at = open_page(monkeypatch, db, page, fra="2024-03", til="2024-10")

    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [text("busy", "da")]


def test_a_damaged_block_a_query_meets_after_the_check_is_said_in_danish(
    demo_db, own_copy, krimdash, tmp_path
):
    """The start-up check reads each table's row count, not every block (too slow for every
    command on a large database): a damaged data block is found when a query reads it, and said
    the same way. Find such a block in the demo database: the check passes, the export fails."""
    from dashboard.exports import export_csv

    db = own_copy(demo_db)
    original = db.read_bytes()
    for at in range(len(original) // 2, len(original), 4096):
        db.write_bytes(original)
        damage(db, at=at + 100, length=64)
        try:
            Store(db).check()
        except DatabaseBroken:
            continue
        try:
            export_csv(Store(db), None)
        except duckdb.Error:
            break
    else:
        pytest.fail("no data block of the demo database the export reads")
    before = files(db)

    done = krimdash("export", db=db, KRIMDASH_BACKUP_DIR=str(backups(tmp_path)[0]))

    assert done.code == 4, done.out + done.err
    assert f"Databasen {db} kan ikke åbnes: filen er beskadiget" in done.err
    assert "Seneste sikkerhedskopi" in done.err and "Traceback" not in done.err
    assert files(db) == before
