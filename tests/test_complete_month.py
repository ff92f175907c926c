"""A half-reported month (e.g. only TOP100's figures for January) never replaces the latest
complete month as the default on any page; a reader can still choose it by name."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from apptest import body, open_page, sidebar

from dashboard.catalog import load_catalog
from dashboard.config import catalog_path
from dashboard.web import series

DECEMBER = pd.Timestamp("2025-12-01")
JANUARY = pd.Timestamp("2026-01-01")


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(catalog_path())


def _reported(catalog, months_measures) -> pd.DataFrame:
    return pd.DataFrame(
        [(pd.Timestamp(m), measure) for m, ms in months_measures for measure in ms],
        columns=["month", "measure"],
    )


def _started_by(catalog, month: pd.Timestamp) -> list[str]:
    """The measures whose initiative had started by `month` (the rule of missing_measures)."""
    out = []
    for m in catalog.measures:
        started = catalog.initiative(m.initiative).started
        if started is None or pd.Timestamp(started) <= month:
            out.append(m.id)
    return out


def test_the_latest_month_with_every_started_measure_is_complete(catalog):
    every = _started_by(catalog, JANUARY)
    reported = _reported(catalog, [(DECEMBER, every), (JANUARY, every[:1])])
    assert series.latest_complete_month(reported, catalog) == DECEMBER
    full = _reported(catalog, [(DECEMBER, every), (JANUARY, every)])
    assert series.latest_complete_month(full, catalog) == JANUARY


def test_a_measure_of_an_initiative_not_yet_started_is_not_needed(catalog):
    starts = sorted(pd.Timestamp(i.started) for i in catalog.initiatives if i.started is not None)
    assert starts, "the catalog has an initiative with a start month"
    start = starts[-1]  # the last initiative to start
    before = start - pd.DateOffset(months=1)
    needed = _started_by(catalog, before)
    later = set(_started_by(catalog, start)) - set(needed)
    assert later, "some measures are needed only from the last start month"
    # the month before it needs none of the new initiative's measures
    reported = _reported(catalog, [(before, needed), (start, needed)])
    assert series.latest_complete_month(reported, catalog) == before
    # from its start month on, it does
    every = _started_by(catalog, start)
    reported = _reported(catalog, [(before, needed), (start, every)])
    assert series.latest_complete_month(reported, catalog) == start


def test_categories_do_not_count_and_no_figures_gives_none(catalog):
    assert series.latest_complete_month(_reported(catalog, []), catalog) is None
    every = _started_by(catalog, JANUARY)
    # one row per measure is enough: a measure with categories needs no category figure
    reported = _reported(catalog, [(JANUARY, every)])
    assert series.latest_complete_month(reported, catalog) == JANUARY


def test_with_no_complete_month_the_latest_month_is_the_default(catalog):
    every = _started_by(catalog, JANUARY)
    reported = _reported(catalog, [(DECEMBER, every[1:]), (JANUARY, every[:1])])
    assert series.latest_complete_month(reported, catalog) == JANUARY


def test_compare_presets_end_at_the_complete_month():
    months = series.months_between(pd.Timestamp("2024-01-01"), JANUARY)
    preset, a, b = series.chosen_periods({}, months, DECEMBER)
    assert (a.first, a.last) == (pd.Timestamp("2025-10-01"), DECEMBER)
    assert (b.first, b.last) == (pd.Timestamp("2024-10-01"), pd.Timestamp("2024-12-01"))
    # the half-reported month can still be named
    _, a, _ = series.chosen_periods({series.PERIOD_MONTHS[1]: "2026-01"}, months, DECEMBER)
    assert a.last == JANUARY


@pytest.fixture(scope="module")
def half_db(tmp_path_factory, demo_db, krimdash):
    """The demo with January 2026 half reported: only TOP100's screened families and the
    families Knæk Kurven discussed (the funnel's first stage)."""
    folder = tmp_path_factory.mktemp("half")
    db = folder / demo_db.name
    db.write_bytes(demo_db.read_bytes())
    wal = demo_db.with_name(demo_db.name + ".wal")
    if wal.exists():
        db.with_name(db.name + ".wal").write_bytes(wal.read_bytes())
    csv = folder / "2026-01.csv"
    csv.write_text(
        "month,measure,category,value,note\n"
        "2026-01,top100.screened,,127,DEMO: fiktivt tal\n"
        "2026-01,knaek_kurven.discussed,,96,DEMO: fiktivt tal\n",
        encoding="utf-8",
    )
    code, out, err = krimdash(
        "import", csv, "--accept-warnings", "--note", "kun TOP100 indtil videre", db=db
    )
    assert code == 0, out + err
    return db


def _selected(html: str, name: str) -> str:
    select = re.search(rf'<select name="{name}">(.*?)</select>', html, re.S)
    assert select, f"no {name} select"
    chosen = re.search(r'<option value="([^"]*)" selected>', select.group(1))
    assert chosen, f"nothing selected in {name}"
    return chosen.group(1)


def _frame(at) -> str:
    return sidebar(at) + body(at)


@pytest.mark.parametrize("page", ["overblik", "top100", "knaek_kurven", "sammenlign"])
def test_the_frame_ends_at_the_complete_month_by_default(monkeypatch, half_db, page):
    at = open_page(monkeypatch, half_db, page)
    assert not at.exception
    assert _selected(_frame(at), "til") == "2025-12"


def test_the_overview_shows_the_complete_month_and_says_january_is_partial(monkeypatch, half_db):
    html = body(open_page(monkeypatch, half_db))
    assert "(december 2025)" in html
    assert "(januar 2026)" not in html
    assert "januar 2026 er kun delvist indberettet" in html
    assert "Mangler for januar 2026:" in html
    assert _selected(html, "maaned") == "2025-12"


def test_the_overview_shows_january_when_chosen(monkeypatch, half_db):
    html = body(open_page(monkeypatch, half_db, maaned="2026-01"))
    assert "(januar 2026)" in html
    assert "delvist indberettet" not in html
    assert _selected(html, "maaned") == "2026-01"


def test_the_funnel_defaults_to_the_complete_month(monkeypatch, half_db):
    html = body(open_page(monkeypatch, half_db, "knaek_kurven"))
    assert "Tragten for december 2025" in html
    html = body(open_page(monkeypatch, half_db, "knaek_kurven", til="2026-01", tragt="2026-01"))
    assert "Tragten for januar 2026" in html


def test_the_frame_can_end_at_the_half_reported_month(monkeypatch, half_db):
    at = open_page(monkeypatch, half_db, "top100", til="2026-01")
    assert _selected(_frame(at), "til") == "2026-01"


@pytest.mark.parametrize("preset", series.PRESETS)
def test_compare_defaults_leave_the_half_reported_month_out(monkeypatch, half_db, preset):
    names = series.PERIOD_MONTHS
    html = body(open_page(monkeypatch, half_db, "sammenlign", **{series.PERIOD_PRESET: preset}))
    chosen = [_selected(html, n) for n in names]
    assert chosen[1] == "2025-12"
    assert "2026-01" not in chosen
    # January can still be chosen by name
    html = body(open_page(monkeypatch, half_db, "sammenlign", **{names[1]: "2026-01"}))
    assert _selected(html, names[1]) == "2026-01"
