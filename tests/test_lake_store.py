"""The shared store itself (dashboard/lake.py), on a real PostgreSQL and DuckLake: its schema is
the file's without what DuckLake cannot hold, it loads its extensions from disk, its data
version moves with every commit from any process, writers wait for each other, and a catalog
that does not answer is a Danish message, never a traceback or a "damaged database".
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pg
import pytest

from dashboard import db, lake
from dashboard.db import Store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def lake_env(lake_store_env: dict[str, str], tmp_path: Path, monkeypatch) -> dict[str, str]:
    """A lake store of this test's own, initialised (`krimdash init`), selected in this process."""
    env = {**lake_store_env, "KRIMDASH_DB": str(tmp_path / "local.duckdb")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    Store().upgrade()
    yield env
    lake.close_all()


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dashboard.cli", *args],
        capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=120,
        env={**os.environ, "KRIMDASH_USER": "analytiker", **env},
    )  # fmt: skip


def test_a_ducklake_address_makes_a_lake_store_and_a_path_a_file(lake_env):
    assert isinstance(Store(), lake.LakeStore)
    assert isinstance(Store(lake_env["KRIMDASH_STORE"]), lake.LakeStore)
    assert type(Store(Path(lake_env["KRIMDASH_DB"]))) is Store


def test_the_lake_has_the_files_tables_and_columns_without_its_constraints(lake_env, tmp_path):
    file_store = Store(tmp_path / "file.duckdb")
    file_store.upgrade()
    query = (
        "select table_name, column_name, data_type, is_nullable from duckdb_columns() "
        "where database_name = current_database() and table_name in (select table_name from "
        "duckdb_tables() where database_name = current_database()) order by all"
    )
    with file_store.reader() as conn:
        file_columns = conn.execute(query).fetchall()
        file_constraints = conn.execute(
            "select count(*) from duckdb_constraints() where database_name = current_database() "
            "and constraint_type in ('PRIMARY KEY', 'UNIQUE', 'CHECK')"
        ).fetchone()[0]
    with Store().reader() as conn:
        lake_columns = [c for c in conn.execute(query).fetchall() if c[0] != "store_clock"]
        lake_constraints = conn.execute(
            "select constraint_type from duckdb_constraints() where database_name = "
            "current_database() and constraint_type in ('PRIMARY KEY', 'UNIQUE', 'CHECK')"
        ).fetchall()
        versions = conn.execute("select version from schema_version order by 1").fetchall()
    assert lake_columns == file_columns
    assert file_constraints > 0 and lake_constraints == []
    assert [v for (v,) in versions] == list(range(1, db.latest_version() + 1))


def test_init_again_on_the_lake_changes_nothing(lake_env):
    store = Store()
    before = store.data_version()
    with store.writer(init=True) as conn:
        assert lake.lake_schema(conn) == []
    assert store.schema_version() == db.latest_version()
    assert store.data_version()[0] >= before[0]


def test_the_extensions_come_from_the_pypi_packages_and_nothing_is_installed(lake_env):
    for package, name in (
        ("duckdb_extension_ducklake", "ducklake"),
        ("duckdb_extension_postgres_scanner", "postgres_scanner"),
    ):
        assert lake.extension_file(package, name).is_file()
    with Store().reader() as conn:
        loaded = dict(
            conn.execute(
                "select extension_name, installed from duckdb_extensions() where loaded"
            ).fetchall()
        )
        autoinstall = conn.execute("select current_setting('autoinstall_known_extensions')")
        assert autoinstall.fetchone()[0] is False
    assert loaded.get("ducklake") is False and loaded.get("postgres_scanner") is False


def test_a_commit_from_another_process_moves_the_data_version(lake_env):
    store = Store()
    before = store.data_version()
    done = _cli("user", "add", "ny@aarhus.dk", "--role", "viewer", "--user", "admin", env=lake_env)
    assert done.returncode == 0, done.stderr
    lake._versions.clear()  # the 0.2 s memo of one page run
    after = store.data_version()
    assert after[0] > before[0]
    assert ("ny@aarhus.dk", "viewer") in [(s, r) for s, r, *_ in store.rows("users")]


def test_batch_ids_are_made_in_the_write_path_one_after_another(lake_env):
    store = Store()
    for n in range(3):
        with store.writer() as conn:
            db.insert_batch(conn, action="import", user="test", note=f"nr. {n}")
    ids = [row[0] for row in store.rows("batches")]
    assert sorted(ids) == list(range(min(ids), min(ids) + len(ids)))
    with store.reader() as conn:
        assert conn.execute("select writes from store_clock").fetchone()[0] >= 3


def test_a_writer_waits_for_another_and_then_says_busy_in_danish(lake_env, monkeypatch):
    monkeypatch.setenv("KRIMDASH_LOCK_TIMEOUT", "0.5")
    store = Store()
    with store.writer() as conn:  # holds the store's write lock
        conn.execute("select 1")
        other = Store()
        with pytest.raises(db.DatabaseBusy, match="optaget af en anden skrivning"), other.writer():
            pass
    with store.writer() as conn:  # let go after the commit: the next write goes through
        db.insert_batch(conn, action="import", user="test")


def test_a_failed_write_saves_nothing_and_lets_go_of_the_lock(lake_env, monkeypatch):
    monkeypatch.setenv("KRIMDASH_LOCK_TIMEOUT", "0.5")
    store = Store()
    before = store.rows("batches")
    with pytest.raises(RuntimeError, match="midt i"), store.writer() as conn:
        db.insert_batch(conn, action="import", user="test")
        raise RuntimeError("midt i skrivningen")
    assert store.rows("batches") == before
    with store.writer() as conn:
        db.insert_batch(conn, action="import", user="test")
    assert len(store.rows("batches")) == len(before) + 1


def test_a_catalog_that_does_not_answer_is_a_danish_message_in_the_cli(tmp_path):
    port = pg.free_port() if hasattr(pg, "free_port") else 1
    env = {
        "KRIMDASH_STORE": f"ducklake:postgres:dbname=x host=127.0.0.1 port={port} user=krimdash "
        "password=hemmeligt",
        "KRIMDASH_LAKE_DATA": str(tmp_path / "lake"),
        "KRIMDASH_DB": str(tmp_path / "local.duckdb"),
    }
    done = _cli("export", env=env)
    assert done.returncode == 4, done.stderr
    assert "kan ikke nås" in done.stderr and "Traceback" not in done.stderr
    assert "hemmeligt" not in done.stderr and "password=***" in done.stderr


def test_a_catalog_that_stops_answering_is_unreachable_not_damaged(postgres, tmp_path, monkeypatch):
    """A PostgreSQL of its own, stopped while the lake is attached: the next read and write are
    StoreUnreachable (the page's "busy, try again"), and both work again once it is back."""
    server = pg.start()
    try:
        monkeypatch.setenv("KRIMDASH_STORE", pg.lake_url(server.new_database()))
        monkeypatch.setenv("KRIMDASH_LAKE_DATA", str(tmp_path / "lake"))
        monkeypatch.setenv("KRIMDASH_DB", str(tmp_path / "local.duckdb"))
        store = Store()
        store.upgrade()
        assert store.rows("batches") == []
        pg.stop(server, remove=False)
        lake._versions.clear()
        with pytest.raises(db.StoreUnreachable, match="kan ikke nås"):
            store.data_version()
        with pytest.raises(db.StoreUnreachable, match="kan ikke nås"):
            store.rows("batches")
        with pytest.raises(db.StoreUnreachable, match="kan ikke nås"), store.writer() as conn:
            db.insert_batch(conn, action="import", user="test")
    finally:
        lake.close_all()
        pg.stop(server)


def test_an_address_that_is_not_a_store_and_a_lake_without_folder_are_refused(tmp_path):
    env = {"KRIMDASH_DB": str(tmp_path / "x.duckdb"), "KRIMDASH_LAKE_DATA": ""}
    done = _cli("--store", "ducklake:sqlite:x.db", "export", env=env)
    assert done.returncode == 2 and "ducklake:postgres:" in done.stderr
    done = _cli("--store", "ducklake:postgres:dbname=x", "export", env=env)
    assert done.returncode == 2 and "KRIMDASH_LAKE_DATA" in done.stderr
    done = _cli("--store", "ducklake:postgres:dbname=x", "--db", "y.duckdb", "export", env=env)
    assert done.returncode == 2 and "enten --db eller --store" in done.stderr


def test_the_embedded_file_keeps_its_constraints(tmp_path):
    """What the lake cannot hold, the file still refuses (README: «What the shared store does
    not enforce itself»): a second revision with the same key, a value out of range."""
    store = Store(tmp_path / "file.duckdb")
    store.upgrade()
    with store.writer() as conn:
        batch = db.insert_batch(conn, action="import", user="test")
    with store.writer() as conn:
        conn.execute(
            "insert into figure_revisions values (?, date '2025-01-01', 'm', '', 1, '')", [batch]
        )
    with pytest.raises(duckdb.ConstraintException), store.writer() as conn:
        conn.execute(
            "insert into figure_revisions values (?, date '2025-01-01', 'm', '', 2, '')", [batch]
        )
    with pytest.raises(duckdb.ConstraintException), store.writer() as conn:
        conn.execute(
            "insert into figure_revisions values (?, date '2025-02-01', 'm', '', -1, '')", [batch]
        )


def test_an_import_on_the_lake_leaves_the_process_connections_settings_alone(lake_env, tmp_path):
    """The file's writer takes one thread and a memory limit for an import (its own instance);
    the lake's writer is a cursor of the process's one connection, which the pages use too."""
    from dashboard.imports import import_file

    query = "select current_setting('threads'), current_setting('memory_limit')"
    store = Store()
    with store.reader() as conn:
        before = conn.execute(query).fetchone()
    month = tmp_path / "maaned.csv"
    month.write_text("month,measure,category,value,note\n2025-01,ungeteam.cases,,4,\n")
    result = import_file(store, month, user="FAS", role="analyst")
    assert result.status == "saved", result.errors
    with store.reader() as conn:
        assert conn.execute(query).fetchone() == before


def test_the_start_up_check_reads_every_table_once_per_process_then_the_version(lake_env):
    """After the first full check in a process, a new snapshot's check asks the schema version
    only; a schema from a newer krimdash is still found and said."""
    store = Store()
    assert store.check() == db.latest_version()
    assert store.url in lake._checked
    with store.writer() as conn:
        conn.execute("insert into schema_version values (999, 'fra fremtiden', now()::timestamp)")
    with pytest.raises(db.DatabaseBroken, match="nyere krimdash"):
        store.check()


HOSTILE_ADDRESSES = {  # (address, exit code of `--store A export`)
    "control characters": "ducklake:sqlite:x\x1b[2K\rGemt som batch 12.\x07",
    "huge": "ducklake:sqlite:" + "x" * 100_000,
    "markup": "ducklake:<script>alert(1)</script>",
    "formula": '=HYPERLINK("http://x")',  # no ducklake: prefix: a file's path, which is missing
    "mis-encoded": "ducklake:sqlite:\udcff",  # the byte 0xff, as the shell passes it
}


@pytest.mark.parametrize("name", HOSTILE_ADDRESSES)
@pytest.mark.parametrize("option", ["--store", "migrate-store --to"])
def test_a_hostile_store_address_is_a_short_danish_message_and_nothing_is_made(
    name, option, tmp_path
):
    """`--store` and `migrate-store --to` are ways in: what an attacker would type there is a
    short Danish message with nothing raw for the terminal, and no database or lake is made."""
    address = HOSTILE_ADDRESSES[name]
    source = tmp_path / "kilde.duckdb"
    Store(source).upgrade()
    before = source.read_bytes()
    env = {"KRIMDASH_DB": str(source), "KRIMDASH_LAKE_DATA": str(tmp_path / "lake")}
    if option == "--store":
        done = _cli("--store", address, "export", env=env)
        expected = 4 if name == "formula" else 2  # a missing file, else not a store address
    else:
        done = _cli("migrate-store", "--to", address, env=env)
        expected = 2
    assert done.returncode == expected, done.stderr
    assert "Traceback" not in done.stderr
    assert re.search(r"delt lager|ducklake:postgres|ingen database", done.stderr)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", done.stderr)  # nothing raw for a terminal
    assert len(done.stderr) < 2_000
    # no lake folder, no other database; the attempt may be in the file's access log
    assert {p.name for p in tmp_path.iterdir()} <= {"kilde.duckdb", "kilde.duckdb.access.sqlite"}
    assert source.read_bytes() == before
