"""The access log: its own SQLite file beside the database, never the figures' DuckDB file, with
retention (dashboard/accesslog.py)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import digest

from dashboard import accesslog
from dashboard.db import Store, utc_now


@pytest.fixture
def demo_store(demo_db: Path, own_copy) -> Store:
    return Store(own_copy(demo_db))


def test_a_record_lands_beside_the_database_and_never_touches_it(demo_store: Store) -> None:
    before, version = digest(demo_store.path), demo_store.data_version()
    accesslog.record(
        "page_view", who="udvalg", role="viewer", target="overblik", database=demo_store
    )
    accesslog.record(
        "page_refused", who="x@y.dk", role="", target="admin", ok=False, database=demo_store
    )
    assert digest(demo_store.path) == before
    assert demo_store.data_version() == version  # the page caches' key is unchanged
    path = demo_store.path.with_name(demo_store.path.name + ".access.sqlite")
    assert accesslog.log_path(demo_store) == path and path.exists()
    newest, older = accesslog.read(database=demo_store)
    assert (newest.event, newest.who, newest.role, newest.target, newest.ok) == (
        "page_refused", "x@y.dk", "", "admin", False,
    )  # fmt: skip
    assert (older.event, older.who, older.role, older.target, older.ok) == (
        "page_view", "udvalg", "viewer", "overblik", True,
    )  # fmt: skip
    assert abs(newest.at - utc_now()) < timedelta(minutes=1)


def test_a_page_view_works_while_a_writer_holds_the_database(demo_store: Store) -> None:
    with demo_store.writer():
        accesslog.record("page_view", who="udvalg", role="viewer", database=demo_store)
    assert len(accesslog.read(database=demo_store)) == 1


def test_the_default_log_follows_krimdash_db_and_the_variable_overrides_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KRIMDASH_DB", str(tmp_path / "a.duckdb"))
    assert accesslog.log_path() == tmp_path / "a.duckdb.access.sqlite"
    monkeypatch.setenv("KRIMDASH_ACCESS_LOG", str(tmp_path / "logs" / "adgang.sqlite"))
    accesslog.record("sign_in", who="admin", role="admin")
    assert (tmp_path / "logs" / "adgang.sqlite").exists()
    assert [e.event for e in accesslog.read()] == ["sign_in"]
    assert not (tmp_path / "a.duckdb").exists()


def test_reading_a_log_that_does_not_exist_is_empty_and_creates_nothing(tmp_path: Path) -> None:
    assert accesslog.read(database=tmp_path / "x.duckdb") == []
    assert list(tmp_path.iterdir()) == []


def test_entries_past_the_retention_period_are_deleted_on_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "x.duckdb"
    accesslog.record("sign_in", who="gammel", role="viewer", database=db)
    path = accesslog.log_path(db)
    # Age the first entry by 13 months, another by 11.
    accesslog.record("sign_in", who="nyere", role="viewer", database=db)
    with sqlite3.connect(path) as conn:
        old = (utc_now() - timedelta(days=396)).isoformat(timespec="microseconds")
        recent = (utc_now() - timedelta(days=335)).isoformat(timespec="microseconds")
        conn.execute("update access_log set at = ? where who = 'gammel'", (old,))
        conn.execute("update access_log set at = ? where who = 'nyere'", (recent,))
    # Not shown even before the next write deletes it.
    assert [e.who for e in accesslog.read(database=db)] == ["nyere"]
    accesslog.record("sign_in", who="ny", role="viewer", database=db)
    with sqlite3.connect(path) as conn:
        assert [r[0] for r in conn.execute("select who from access_log order by at")] == [
            "nyere",
            "ny",
        ]
    monkeypatch.setenv("KRIMDASH_LOG_RETENTION_MONTHS", "6")
    accesslog.record("sign_in", who="nyest", role="viewer", database=db)
    assert [e.who for e in accesslog.read(database=db)] == ["nyest", "ny"]


@pytest.mark.parametrize("value", ["0", "-1", "tolv", "1.5"])
def test_a_bad_retention_is_a_danish_error_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("KRIMDASH_LOG_RETENTION_MONTHS", value)
    with pytest.raises(ValueError, match="KRIMDASH_LOG_RETENTION_MONTHS skal være"):
        accesslog.record("sign_in", who="a", role="viewer", database=tmp_path / "d" / "x.db")
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_event_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ukendt hændelse"):
        accesslog.record("peek", who="a", role="viewer", database=tmp_path / "x.duckdb")
    assert list(tmp_path.iterdir()) == []


def test_text_is_bounded_and_control_characters_are_replaced(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    accesslog.record(
        "page_view", who="a\x1b[31mb", role="viewer", what="x" * 5000, target="\x00", database=db
    )
    (entry,) = accesslog.read(database=db)
    assert entry.who == "a\ufffd[31mb" and entry.target == "\ufffd" and len(entry.what) == 500


def test_since_and_limit(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    for who in ("a", "b", "c"):
        accesslog.record("sign_in", who=who, role="viewer", database=db)
    assert [e.who for e in accesslog.read(limit=2, database=db)] == ["c", "b"]
    assert accesslog.read(since=utc_now() + timedelta(minutes=1), database=db) == []
