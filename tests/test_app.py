"""Pages through Streamlit's AppTest: each renders without exception and shows what it should."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.db import Store
from dashboard.demo import DEMO_PATH
from dashboard.imports import import_file
from dashboard.reference import load_reference

APP = "../dashboard/app.py"
REAL_JANUARY = DEMO_PATH.parent / "real" / "2025-01_orientering.csv"


def _store(path, figures=None, **kwargs) -> Store:
    store = Store(path)
    load_reference(store, user="test")
    if figures:
        result = import_file(
            store, figures, user="test", accept_warnings=True, note="test", **kwargs
        )
        assert result.status == "saved", result.errors
    return store


def _run(monkeypatch, store: Store | None, path=None) -> AppTest:
    monkeypatch.setenv("KRIMDASH_DB", str(store.path if store else path))
    return AppTest.from_file(APP, default_timeout=60).run()


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> Store:
    return _store(
        tmp_path_factory.mktemp("demo") / "k.duckdb", DEMO_PATH, is_demo=True, action="demo"
    )


@pytest.fixture(scope="module")
def real_store(tmp_path_factory) -> Store:
    return _store(tmp_path_factory.mktemp("real") / "k.duckdb", REAL_JANUARY)


def _tables(at: AppTest) -> list:
    return [t.value for t in at.table]


def test_demo_figures_show_under_a_demo_banner(monkeypatch, demo_store):
    at = _run(monkeypatch, demo_store)
    assert not at.exception
    assert any("DEMO" in w.value for w in at.warning)
    assert {s.value for s in at.subheader} == {
        "TOP100", "Knæk Kurven", "Det Opsøgende Ungeteam", "Ungesporet",
    }  # fmt: skip


def test_real_january_shows_68_screened_and_no_demo_banner(monkeypatch, real_store):
    at = _run(monkeypatch, real_store)
    assert not at.exception
    assert not any("DEMO" in w.value for w in at.warning)
    top100 = _tables(at)[0]
    assert top100.loc["Screenede sager"].iloc[0] == "68"
    assert any("januar 2025" in c.value for c in at.caption)


def test_the_overview_speaks_english_when_asked(monkeypatch, real_store):
    at = _run(monkeypatch, real_store)
    at.sidebar.radio[0].set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    assert "Screened cases" in _tables(at)[0].index
    assert any("January 2025" in c.value for c in at.caption)


def test_an_empty_database_says_how_to_load_figures(monkeypatch, tmp_path):
    at = _run(monkeypatch, _store(tmp_path / "empty.duckdb"))
    assert not at.exception
    assert "krimdash import" in at.info[0].value


def test_a_missing_database_says_how_to_create_it(monkeypatch, tmp_path):
    at = _run(monkeypatch, None, tmp_path / "none.duckdb")
    assert not at.exception
    assert "krimdash init" in at.error[0].value
    assert not (tmp_path / "none.duckdb").exists()
