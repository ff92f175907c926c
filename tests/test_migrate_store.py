"""`krimdash migrate-store --to URL`: the embedded database, with its whole history, approvals,
users, settings and access log, into a DuckLake store on a real PostgreSQL (tests/pg.py), through
the real CLI; the export is byte for byte the same before and after, now and as of moments of the
history, and every table is the same row for row."""

from __future__ import annotations

import csv
import io
import sqlite3
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from conftest import Krimdash, digest

from dashboard import accesslog, cli, content, exports, lake, migrate_store
from dashboard.access import LOCAL
from dashboard.db import Store


def _rows_of(csv_bytes: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8"))))


def _one_figure_csv(path: Path, row: dict[str, str], value: int, note: str) -> Path:
    path.write_text(
        "month,measure,category,value,note\n"
        f"{row['month']},{row['measure']},{row['category']},{value},{note}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory, krimdash: Krimdash) -> Path:
    """`krimdash init --demo`, then a month approved, a correction of an approved month (which
    sends it back to kladde), a retraction and the month's text written: a history with
    approvals, revisions and content. Read only."""
    folder = tmp_path_factory.mktemp("migrate-source")
    db = folder / "krimdash.duckdb"
    assert krimdash("init", "--demo", db=db).code == 0
    assert krimdash("month", "approve", "2025-12", db=db).code == 0
    figures = _rows_of(krimdash("export", db=db).out.encode("utf-8"))
    december = next(r for r in figures if r["month"] == "2025-12" and not r["category"])
    november = next(r for r in figures if r["month"] == "2025-11" and not r["category"])
    fix = _one_figure_csv(
        folder / "rettelse.csv", december, int(december["value"]) + 1, "DEMO: rettet"
    )
    code, _, err = krimdash(
        "import", fix, "--accept-warnings", "--note", "rettelse efter godkendelse", db=db
    )
    assert code == 0, err
    code, _, err = krimdash(
        "retract", "--month", "2025-11", "--measure", november["measure"],
        "--note", "indberettet ved en fejl", db=db,
    )  # fmt: skip
    assert code == 0, err
    store = Store(db)
    section = content.sections(content._catalog(store))[0][0]
    saved = content.save_month_text(
        store, "2025-12", {section: "DEMO: en tekst til notatet"}, user="analytiker", role=LOCAL
    )
    assert saved.batch_id is not None
    return db


def _tables(conn: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "select table_name from duckdb_tables() where database_name = current_database() "
            "and schema_name = 'main' order by table_name"
        ).fetchall()
    ]


def _every_table(conn: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every table's rows, sorted (the lake's own store_clock left out)."""
    return {
        t: conn.execute(f'select * from "{t}" order by all').fetchall()
        for t in _tables(conn)
        if t != "store_clock"
    }


def _lake(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("KRIMDASH_LAKE_DATA", env["KRIMDASH_LAKE_DATA"])
    return Store(env["KRIMDASH_STORE"])


def test_the_round_trip_keeps_every_row_and_the_export_byte_for_byte_and_the_lake_then_works(
    source: Path,
    krimdash: Krimdash,
    lake_store_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, data = lake_store_env["KRIMDASH_STORE"], lake_store_env["KRIMDASH_LAKE_DATA"]
    before_file = digest(source)
    code, before_export, err = krimdash("export", db=source)
    assert code == 0, err
    with duckdb.connect(str(source), read_only=True) as conn:
        tables_before = _every_table(conn)
        moments = [t for (t,) in conn.execute("select created_at from batches").fetchall()]
    source_log = accesslog.log_path(source)
    log_before = accesslog.read(None, None, database=source)
    assert log_before  # the approval, the import and the retraction are in it
    # The lake's machine has its own database path (KRIMDASH_DB): its access log goes beside it.
    machine_db = tmp_path / "maskine" / "krimdash.duckdb"

    code, out, err = krimdash(
        "--db", source, "migrate-store", "--to", url, db=machine_db, KRIMDASH_LAKE_DATA=data
    )
    assert code == 0, err
    assert "eksport før = eksport efter" in out
    assert "FORSKELLIG" not in out and "≠" not in out
    assert f"figure_revisions: {len(tables_before['figure_revisions'])} rækker i filen" in out
    assert digest(source) == before_file  # the file is read, never written

    # The access log is copied beside the lake machine's database (before this command's own
    # entry, which the source's log gets after the copy).
    copied = accesslog.log_path(machine_db)
    assert copied != source_log and copied.exists()
    with closing(sqlite3.connect(copied)) as conn:
        copied_rows = conn.execute("select * from access_log order by id").fetchall()
    with closing(sqlite3.connect(source_log)) as conn:
        source_rows = conn.execute("select * from access_log order by id").fetchall()
    assert copied_rows == source_rows[: len(copied_rows)]
    assert len(copied_rows) == len(log_before)
    assert source_rows[-1][2] == "export" and "migrate-store" in source_rows[-1][5]

    # The export through the CLI, from the lake, is the file's byte for byte.
    code, after_export, err = krimdash(
        "--store", url, "export", db=machine_db, KRIMDASH_LAKE_DATA=data
    )
    assert code == 0, err
    assert after_export.encode("utf-8") == before_export.encode("utf-8")
    assert len(_rows_of(after_export.encode("utf-8"))) > 300

    lake_store = _lake(lake_store_env, monkeypatch)
    try:
        # As of every batch of the history (and just before each), the same bytes.
        source_store = Store(source)
        for moment in moments:
            for as_of in (moment, moment - timedelta(microseconds=1)):
                assert exports.export_csv(lake_store, as_of) == exports.export_csv(
                    source_store, as_of
                ), as_of
        # Every table row for row: the audit log, approvals, revisions, users, settings.
        with lake_store.reader() as conn:
            tables_after = _every_table(conn)
        assert tables_after.keys() == tables_before.keys()
        for table, rows in tables_before.items():
            assert tables_after[table] == rows, table
        assert tables_before["month_status"] and tables_before["month_text_revisions"]
        assert tables_before["users"] and tables_before["app_settings"]
    finally:
        lake.close_all()

    # The lake works for the CLI: an import is the next batch after the file's.
    last_id = max(row[0] for row in tables_before["batches"])
    figures = _rows_of(before_export.encode("utf-8"))
    row = next(r for r in figures if r["month"] == "2025-10" and not r["category"])
    fix = _one_figure_csv(tmp_path / "oktober.csv", row, int(row["value"]) + 2, "DEMO: rettet")
    code, out, err = krimdash(
        "--store", url, "import", fix, "--accept-warnings", "--note", "efter flytningen",
        db=machine_db, KRIMDASH_LAKE_DATA=data,
    )  # fmt: skip
    assert code == 0, err
    assert f"Gemt som indlæsning nr. {last_id + 1}" in out
    code, log, err = krimdash("--store", url, "log", db=machine_db, KRIMDASH_LAKE_DATA=data)
    assert code == 0, err
    ids = [int(line.split(" | ", 1)[0].lstrip("#")) for line in log.splitlines()]
    assert ids == list(range(last_id + 1, 0, -1))  # every old batch, and the new one on top
    assert "efter flytningen" in log.splitlines()[0]
    # The approvals came along: December was approved, then sent back to kladde by the fix.
    code, months, err = krimdash(
        "--store", url, "month", "history", db=machine_db, KRIMDASH_LAKE_DATA=data
    )
    assert code == 0, err
    assert "2025-12 | kladde" in months and "2025-12 | godkendt" in months
    # The lake's access log already existed now: a second move is refused anyway, untouched.
    code, _, err = krimdash(
        "--db", source, "migrate-store", "--to", url, db=machine_db, KRIMDASH_LAKE_DATA=data
    )
    assert code == cli.EXIT_REJECTED and "Intet er ændret" in err


def test_a_target_with_figures_is_refused_and_left_unchanged(
    source: Path,
    krimdash: Krimdash,
    lake_store_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import real_january

    url, data = lake_store_env["KRIMDASH_STORE"], lake_store_env["KRIMDASH_LAKE_DATA"]
    machine_db = tmp_path / "krimdash.duckdb"
    run = {"db": machine_db, "KRIMDASH_LAKE_DATA": data}
    assert krimdash("--store", url, "init", **run).code == 0
    code, _, err = krimdash(
        "--store", url, "import", real_january.PATH, "--accept-warnings", "--note",
        real_january.NOTE, **run,
    )  # fmt: skip
    assert code == 0, err
    lake_store = _lake(lake_store_env, monkeypatch)
    try:
        snapshot = lake_store.data_version()
        with lake_store.reader() as conn:
            before = _every_table(conn)
        lake.close_all()

        code, out, err = krimdash("--db", source, "migrate-store", "--to", url, **run)
        assert code == cli.EXIT_REJECTED
        assert "har allerede data" in err and "Intet er ændret" in err
        assert "figure_revisions" in err
        assert not out

        lake_store = _lake(lake_store_env, monkeypatch)
        assert lake_store.data_version() == snapshot  # no DuckLake commit at all
        with lake_store.reader() as conn:
            assert _every_table(conn) == before
    finally:
        lake.close_all()


def test_a_target_made_by_init_alone_is_taken_and_the_file_ids_replace_its_own(
    source: Path,
    krimdash: Krimdash,
    lake_store_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, data = lake_store_env["KRIMDASH_STORE"], lake_store_env["KRIMDASH_LAKE_DATA"]
    run = {"db": tmp_path / "krimdash.duckdb", "KRIMDASH_LAKE_DATA": data}
    assert krimdash("--store", url, "init", **run).code == 0  # its own reference batch no. 1
    code, out, err = krimdash("--db", source, "migrate-store", "--to", url, **run)
    assert code == 0, err
    with duckdb.connect(str(source), read_only=True) as conn:
        batches = conn.execute("select * from batches order by id").fetchall()
    lake_store = _lake(lake_store_env, monkeypatch)
    try:
        with lake_store.reader() as conn:
            assert conn.execute("select * from batches order by id").fetchall() == batches
    finally:
        lake.close_all()


def test_a_lake_as_the_source_is_refused(
    krimdash: Krimdash,
    lake_store_env: dict[str, str],
    postgres,  # noqa: ANN001 - tests/pg.Postgres
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pg

    url, data = lake_store_env["KRIMDASH_STORE"], lake_store_env["KRIMDASH_LAKE_DATA"]
    run = {"db": tmp_path / "krimdash.duckdb", "KRIMDASH_LAKE_DATA": data}
    other = pg.lake_url(postgres.new_database())
    code, out, err = krimdash("--store", url, "migrate-store", "--to", other, **run)
    assert code == cli.EXIT_USAGE
    assert "er selv et delt lager" in err and not out
    monkeypatch.setenv("KRIMDASH_LAKE_DATA", data)
    try:
        assert not Store(other).exists()  # nothing made in the target
    finally:
        lake.close_all()
    # --to must name a shared store, and the lake needs its data folder.
    code, _, err = krimdash("migrate-store", "--to", tmp_path / "anden.duckdb", **run)
    assert code == cli.EXIT_USAGE and "er ikke et delt lager" in err
    code, _, err = krimdash(
        "migrate-store", "--to", other, db=tmp_path / "krimdash.duckdb", KRIMDASH_LAKE_DATA=""
    )
    assert code == cli.EXIT_USAGE and "KRIMDASH_LAKE_DATA" in err


def test_a_copy_that_differs_is_exit_1_names_what_differs_and_leaves_the_lake(
    source: Path,
    lake_store_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A lake that answers with one figure fewer (made so here) is caught by the checks."""
    url = lake_store_env["KRIMDASH_STORE"]
    monkeypatch.setenv("KRIMDASH_LAKE_DATA", lake_store_env["KRIMDASH_LAKE_DATA"])
    monkeypatch.setenv("KRIMDASH_DB", str(tmp_path / "krimdash.duckdb"))
    monkeypatch.delenv("KRIMDASH_STORE", raising=False)
    real = migrate_store.current_rows

    def lake_loses_a_figure(store, as_of=None):  # noqa: ANN001, ANN202
        rows = real(store, as_of)
        return rows[:-1] if isinstance(store, lake.LakeStore) and rows else rows

    monkeypatch.setattr(migrate_store, "current_rows", lake_loses_a_figure)
    try:
        code = cli.main(["--db", str(source), "migrate-store", "--to", url])
        out, err = capsys.readouterr()
        assert code == cli.EXIT_REJECTED
        assert "eksport før ≠ eksport efter" in out
        assert "Kopien passer ikke" in err and "efterladt, som det er" in err
        assert "Adgangsloggen er ikke kopieret" in out
        assert not accesslog.log_path(tmp_path / "krimdash.duckdb").exists()
        with Store(url).reader() as conn:  # the lake is left as it is, for inspection
            (n,) = conn.execute("select count(*) from figure_revisions").fetchone()
        with duckdb.connect(str(source), read_only=True) as conn:
            assert n == conn.execute("select count(*) from figure_revisions").fetchone()[0]
    finally:
        lake.close_all()


def test_a_copy_that_fails_midway_leaves_the_lake_without_any_copied_row(
    source: Path, lake_store_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """All tables go in one transaction: a failure after some tables are in takes them all out."""
    target = _lake(lake_store_env, monkeypatch)
    real = migrate_store._columns
    copied: list[str] = []

    def disk_gone_at_month_status(conn, table):  # noqa: ANN001, ANN202
        if table == "month_status":
            raise duckdb.IOException("the data folder went away")
        copied.append(table)
        return real(conn, table)

    monkeypatch.setattr(migrate_store, "_columns", disk_gone_at_month_status)
    try:
        with pytest.raises(duckdb.IOException):
            migrate_store.migrate(Store(source), target)
        assert "figure_revisions" in copied and "batches" in copied  # these were inserted
        assert target.exists()  # the schema, made before the copy, stays
        with target.reader() as conn:
            for table in ("batches", "figure_revisions", "users", "app_settings"):
                assert conn.execute(f"select count(*) from {table}").fetchone()[0] == 0, table
    finally:
        lake.close_all()


def test_a_source_older_than_this_krimdash_is_sent_to_init_first(
    tmp_path: Path, lake_store_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard.db import DatabaseOutdated, _migrate, latest_version

    old = tmp_path / "gammel.duckdb"
    with duckdb.connect(str(old)) as conn:
        _migrate(conn, upto=latest_version() - 1)
    target = _lake(lake_store_env, monkeypatch)
    try:
        with pytest.raises(DatabaseOutdated, match="krimdash init"):
            migrate_store.migrate(Store(old), target)
        assert not target.exists()  # nothing made in the lake
    finally:
        lake.close_all()
