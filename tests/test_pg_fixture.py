"""The PostgreSQL the DuckLake tests run on (tests/pg.py, the `postgres` and `lake_store_env`
fixtures): it answers, its databases are separate, it runs as an unprivileged user, it is gone
after use (also when the body failed), and DuckDB with the extensions from the PyPI packages keeps
a DuckLake catalog in it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pg
import pytest


def _postmaster_pid(server: pg.Postgres) -> int:
    return int((server.data / "postmaster.pid").read_text().split()[0])


def test_the_server_answers_psql(postgres: pg.Postgres) -> None:
    done = subprocess.run(
        [postgres.bin / "psql", "-X", "-A", "-t", "-h", postgres.host, "-p", str(postgres.port),
         "-U", postgres.user, "-d", "postgres", "-c", "select 1"],
        capture_output=True, text=True, env=postgres.client_env(), timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"
    assert postgres.host == "127.0.0.1"
    assert postgres.user == "krimdash"


def test_new_databases_are_separate(postgres: pg.Postgres) -> None:
    first, second = postgres.new_database(), postgres.new_database()
    assert first != second
    name = dict(part.split("=") for part in first.split())["dbname"]
    assert first == f"dbname={name} host=127.0.0.1 port={postgres.port} user=krimdash"
    postgres.psql("create table only_here (n integer); insert into only_here values (7)", name)
    assert postgres.psql("select n from only_here", name) == "7"
    other = dict(part.split("=") for part in second.split())["dbname"]
    assert (
        postgres.psql("select count(*) from pg_tables where tablename = 'only_here'", other) == "0"
    )
    named = postgres.new_database("krimdash_named")
    assert named.startswith("dbname=krimdash_named ")
    with pytest.raises(RuntimeError, match="already exists"):
        postgres.new_database("krimdash_named")


def test_the_cluster_runs_as_an_unprivileged_user_in_a_temporary_folder(
    postgres: pg.Postgres,
) -> None:
    pid = _postmaster_pid(postgres)
    owner = os.stat(f"/proc/{pid}").st_uid
    assert owner != 0, "the postmaster runs as root"
    assert os.stat(postgres.data).st_uid == owner
    data_directory = postgres.psql("show data_directory")
    assert Path(data_directory) == postgres.data
    assert postgres.data.is_relative_to(postgres.folder)
    assert postgres.psql("show fsync") == "off"
    assert postgres.psql("show listen_addresses") == "127.0.0.1"
    assert Path(postgres.psql("show unix_socket_directories")).is_relative_to(postgres.folder)


def test_a_cluster_is_stopped_and_removed_also_when_the_body_fails(
    postgres: pg.Postgres,  # only for the skip (or failure in CI) when PostgreSQL is missing
) -> None:
    with pytest.raises(ZeroDivisionError), pg.cluster() as server:
        folder, pid = server.folder, _postmaster_pid(server)
        assert server.port != postgres.port
        assert server.psql("select 2") == "2"
        1 / 0  # noqa: B018
    assert not folder.exists()
    assert not Path(f"/proc/{pid}").exists() or _zombie(pid)


def test_a_cluster_left_by_a_killed_run_is_stopped_by_the_next(postgres: pg.Postgres) -> None:
    # A run killed by a signal skips its teardown; its cluster must not outlive it for long.
    script = (
        "import pg, sys; server = pg.start(); print(server.folder, flush=True); sys.stdin.read()"
    )
    run = subprocess.Popen(
        [sys.executable, "-c", script], cwd=Path(__file__).parent,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )  # fmt: skip
    folder = Path(run.stdout.readline().strip())
    server = pg.Postgres(pg.HOST, 0, pg.USER, postgres.bin, folder)
    pid = _postmaster_pid(server)
    pg.stop_abandoned()
    assert folder.exists(), "a cluster whose run is still going was stopped"
    run.kill()
    run.wait(timeout=10)
    pg.stop_abandoned()
    assert not folder.exists()
    assert not Path(f"/proc/{pid}").exists() or _zombie(pid)
    assert postgres.psql("select 1") == "1"  # this run's own cluster is not touched


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


def test_duckdb_keeps_a_ducklake_catalog_in_postgres(postgres: pg.Postgres, tmp_path: Path) -> None:
    conn = postgres.new_database()
    url = pg.lake_url(conn)
    assert url == "ducklake:postgres:" + conn
    data = tmp_path / "lake"
    data.mkdir()

    writer = pg.lake_connection()
    loaded = writer.sql(
        "select extension_name, install_mode from duckdb_extensions() "
        "where loaded and extension_name in ('ducklake', 'postgres_scanner') order by 1"
    ).fetchall()
    assert loaded == [("ducklake", "NOT_INSTALLED"), ("postgres_scanner", "NOT_INSTALLED")]
    writer.execute(f"ATTACH '{url}' AS lake (DATA_PATH '{data}/')")
    # DuckLake takes no PRIMARY KEY, CHECK or sequences: plain columns only.
    writer.execute("CREATE TABLE lake.figures (measure VARCHAR, month DATE, value BIGINT)")
    writer.execute(
        "INSERT INTO lake.figures VALUES ('deltagere', DATE '2025-01-01', 12), "
        "('deltagere', DATE '2025-02-01', 15)"
    )
    name = dict(part.split("=") for part in conn.split())["dbname"]
    # A small insert is inlined into the catalog database; a large one is written as Parquet.
    inlined = "select count(*) from pg_tables where tablename like 'ducklake_inlined_data_%'"
    assert int(postgres.psql(inlined, name)) > 0
    assert not list(data.rglob("*.parquet"))
    writer.execute(
        "INSERT INTO lake.figures SELECT 'bulk', DATE '2025-03-01', range FROM range(20000)"
    )
    assert list(data.rglob("*.parquet")), "DuckLake wrote no data file into DATA_PATH"
    writer.close()

    # Another connection (as another process would) reads it back from the catalog and the files.
    reader = pg.lake_connection()
    reader.execute(f"ATTACH '{url}' AS lake (DATA_PATH '{data}/', READ_ONLY)")
    rows = reader.sql(
        "SELECT measure, count(*), sum(value) FROM lake.figures GROUP BY measure ORDER BY measure"
    ).fetchall()
    assert rows == [("bulk", 20000, sum(range(20000))), ("deltagere", 2, 12 + 15)]
    reader.close()
    catalog = postgres.psql(
        "select count(*) from pg_tables where tablename = 'ducklake_snapshot'", name
    )
    assert catalog == "1", "DuckLake's catalog is not in PostgreSQL"


def test_lake_store_env_is_a_fresh_store_per_test(
    postgres: pg.Postgres, lake_store_env: dict[str, str]
) -> None:
    assert set(lake_store_env) == {"KRIMDASH_STORE", "KRIMDASH_LAKE_DATA"}
    url = lake_store_env["KRIMDASH_STORE"]
    assert url.startswith("ducklake:postgres:dbname=")
    conn = url.removeprefix("ducklake:postgres:")
    name = dict(part.split("=") for part in conn.split())["dbname"]
    assert postgres.psql("select count(*) from pg_tables where schemaname = 'public'", name) == "0"
    data = Path(lake_store_env["KRIMDASH_LAKE_DATA"])
    assert data.is_dir() and not any(data.iterdir())


def test_tests_that_use_postgres_carry_the_marker(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("postgres") is None  # this one does not use it
    for item in request.session.items:
        uses = "postgres" in getattr(item, "fixturenames", ())
        assert (item.get_closest_marker("postgres") is not None) == uses, item.nodeid
