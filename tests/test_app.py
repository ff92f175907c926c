"""Every page through Streamlit's AppTest: it renders, the frame's controls work, and the
figures a committee member would look for are there."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from dashboard.catalog import load_catalog
from dashboard.db import Store
from dashboard.demo import DEMO_PATH, demo_figures
from dashboard.imports import import_file
from dashboard.months import month_label
from dashboard.reference import load_reference

APP = "../dashboard/app.py"
REAL_JANUARY = DEMO_PATH.parent / "real" / "2025-01_orientering.csv"
PAGES = ["overblik"] + [i.id for i in load_catalog().initiatives] + ["sammenlign"]
DEMO = {f.key: f.value for f in demo_figures()}
LATEST = max(month for month, _, _ in DEMO)


def _store(path, figures=None, demo: bool = False) -> Store:
    store = Store(path)
    load_reference(store, user="test", demo=demo)
    if figures:
        result = import_file(
            store,
            figures,
            user="test",
            accept_warnings=True,
            note="test",
            is_demo=demo,
            action="demo" if demo else "import",
        )
        assert result.status == "saved", result.errors
    return store


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> Store:
    return _store(tmp_path_factory.mktemp("demo") / "k.duckdb", DEMO_PATH, demo=True)


@pytest.fixture(scope="module")
def real_store(tmp_path_factory) -> Store:
    return _store(tmp_path_factory.mktemp("real") / "k.duckdb", REAL_JANUARY)


def _app(monkeypatch, db) -> AppTest:
    monkeypatch.setenv("KRIMDASH_DB", str(db))
    return AppTest.from_file(APP, default_timeout=120).run()


def _open(at: AppTest, page: str) -> AppTest:
    """Go to a page by its url path. st.navigation's pages here are callables, which
    AppTest.switch_page (file pages only) cannot address; a page's hash is its url path's."""
    if page != "overblik":
        at._page_hash = calc_hash(page)
    return at.run()


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _texts(at: AppTest) -> str:
    """Everything the page wrote as text, tables included, for 'is it on the page' checks."""
    parts = [
        e.value
        for kind in ("title", "subheader", "markdown", "caption", "info", "warning")
        for e in getattr(at, kind)
    ]
    parts += [m.value for m in at.metric]
    for table in at.table:
        parts += [str(v) for v in table.value.reset_index().to_numpy().ravel()]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_demo_figures_under_the_demo_banner(monkeypatch, demo_store, page):
    at = _open(_app(monkeypatch, demo_store.path), page)
    assert not at.exception
    assert any("DEMO" in w.value for w in at.warning)


def test_overview_tiles_show_the_latest_demo_figures(monkeypatch, demo_store):
    at = _app(monkeypatch, demo_store.path)
    values = {m.label: m.value for m in at.metric}
    screened = next(v for label, v in values.items() if "Screenede sager" in label)
    assert screened == _number(DEMO[(LATEST, "top100.screened", "")])
    visits = next(v for label, v in values.items() if "Besøg i Ungesporet" in label)
    assert visits == _number(DEMO[(LATEST, "ungesporet.visits", "")])
    assert month_label(LATEST) in _texts(at)  # freshness names the latest month


def test_overview_shows_demo_targets_marked_as_demo(monkeypatch, demo_store):
    at = _app(monkeypatch, demo_store.path)
    progress = [p for p in at.get("progress")]
    assert progress and all("DEMO" in p.proto.text for p in progress)


def test_the_top100_page_shows_every_month_of_the_period(monkeypatch, demo_store):
    at = _open(_app(monkeypatch, demo_store.path), "top100")
    screened = at.table[0].value  # "Vis tal" under the screened-cases chart
    assert screened.index[0] == "juni 2024"
    assert screened.index[-1] == month_label(LATEST)
    assert "uden kategori" in screened.columns


def test_changing_the_period_narrows_the_charts(monkeypatch, demo_store):
    at = _open(_app(monkeypatch, demo_store.path), "ungesporet")
    at.sidebar.select_slider(key="period").set_range(
        pd.Timestamp("2025-01-01"), pd.Timestamp("2025-06-01")
    )
    at.run()
    assert not at.exception
    visits = at.table[0].value
    assert list(visits.index) == [
        month_label(d)
        for d in sorted({m for m, _, _ in DEMO})
        if "2025-01" <= f"{d:%Y-%m}" <= "2025-06"
    ]


def test_monthly_change_shows_the_new_cases_of_each_month(monkeypatch, demo_store):
    at = _open(_app(monkeypatch, demo_store.path), "ungesporet")
    at.sidebar.radio(key="mode").set_value("change").run()
    assert not at.exception
    visits = at.table[0].value
    month = "2025-08"
    august = [m for m, meas, c in DEMO if f"{m:%Y-%m}" == month][0]
    july = [m for m, meas, c in DEMO if f"{m:%Y-%m}" == "2025-07"][0]
    change = DEMO[(august, "ungesporet.visits", "")] - DEMO[(july, "ungesporet.visits", "")]
    assert visits.loc[month_label(august)].iloc[-1] == ("+" if change > 0 else "−") + _number(
        abs(change)
    )


@pytest.mark.parametrize("page", PAGES)
def test_every_page_speaks_english_when_asked(monkeypatch, demo_store, page):
    at = _open(_app(monkeypatch, demo_store.path), page)
    at.sidebar.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert any("fictive figures" in w.value for w in at.warning)
    assert "Vis tal" not in [e.label for e in at.expander]


def test_the_funnel_shows_the_chosen_month(monkeypatch, real_store):
    at = _open(_app(monkeypatch, real_store.path), "knaek_kurven")
    assert not at.exception
    funnel = at.table[0].value
    assert funnel.loc["Familier drøftet på screeningsmøder"].iloc[0] == "19"
    assert funnel.loc["Familier vurderet relevante"].iloc[0] == "8"
    assert funnel.loc["Familier vurderet relevante"].iloc[1] == "42,1 %"  # 8 of 19


def test_compare_shows_each_measures_difference(monkeypatch, demo_store):
    at = _open(_app(monkeypatch, demo_store.path), "sammenlign")
    assert not at.exception
    a, b = at.selectbox(key="compare_a").value, at.selectbox(key="compare_b").value
    top100 = at.table[0].value
    expected = DEMO[(b.date(), "top100.screened", "")] - DEMO[(a.date(), "top100.screened", "")]
    assert top100.loc["Screenede sager"].iloc[2] == "+" + _number(expected)


def test_real_january_shows_68_screened_and_no_demo_banner(monkeypatch, real_store):
    at = _app(monkeypatch, real_store.path)
    assert not at.exception
    assert not any("DEMO" in w.value for w in at.warning)
    assert any(m.value == "68" and "Screenede sager" in m.label for m in at.metric)


def test_an_empty_database_says_how_to_load_figures(monkeypatch, tmp_path):
    at = _app(monkeypatch, _store(tmp_path / "empty.duckdb").path)
    assert not at.exception
    assert "krimdash import" in at.info[0].value


def test_a_missing_database_says_how_to_create_it(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path / "none.duckdb")
    assert not at.exception
    assert "krimdash init" in at.error[0].value
    assert not (tmp_path / "none.duckdb").exists()
