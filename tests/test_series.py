"""Shaping figures for pages: what a committee member reads off a tile, a funnel or a chart.

Most tests use small frames shaped like queries/figure_series.sql's result; the first ones
read a real database, so the change the pages show is the change the query computes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import real_january

from dashboard.catalog import load_catalog
from dashboard.db import Store
from dashboard.imports import import_file
from dashboard.rules import MAX_NOTE_CHARS
from dashboard.web import series
from dashboard.web.series import UNCATEGORISED

CATALOG = load_catalog()
T = pd.Timestamp
DEC, JAN, FEB, MAR, APR, MAY = T(2024, 12, 1), *(T(2025, m, 1) for m in range(1, 6))
ALL_FIGURES = {"initiative": None, "key_only": False, "month": None, "max_note": MAX_NOTE_CHARS}


def figures(*rows: tuple) -> pd.DataFrame:
    """A frame like figure_series.sql returns, from (month, measure, category, value, change)."""
    months, measures, categories, values, changes = zip(*rows, strict=True) if rows else [()] * 5
    n = len(months)
    return pd.DataFrame(
        {
            "month": pd.to_datetime(list(months)),
            "measure": list(measures),
            "initiative": [m.split(".")[0] for m in measures],
            "category": list(categories),
            "value": pd.array(values, dtype="int64"),
            "change": pd.array(changes, dtype="Int64"),
            "note": [""] * n,
            "recorded_at": [T(2025, 2, 15, 9, 30)] * n,
            "recorded_by": ["analytiker"] * n,
            "is_demo": [False] * n,
        }
    )


@pytest.fixture(scope="module")
def demo_series(demo_db: Path) -> pd.DataFrame:
    """figure_series.sql over the demo dataset (`krimdash init --demo`)."""
    return Store(demo_db).query("figure_series", ALL_FIGURES)


# --- the query: change from the month before ------------------------------------------------


def test_each_change_is_the_value_minus_the_month_before(demo_series: pd.DataFrame) -> None:
    data = demo_series.sort_values(["measure", "category", "month"])
    by_series = data.groupby(["measure", "category"])
    previous_month = by_series["month"].shift()
    follows = previous_month + pd.offsets.MonthBegin(1) == data["month"]
    expected = data["value"] - by_series["value"].shift()
    assert follows.sum() > 300  # the demo is 19 months of a dozen series
    assert (data.loc[follows, "change"] == expected[follows]).all()
    assert data.loc[~follows, "change"].isna().all()


@pytest.mark.parametrize(
    ("month", "measure", "category", "value", "change"),
    [
        # The demo's January is the real note's (tests/test_demo.py).
        pytest.param(
            JAN,
            "top100.screened",
            "",
            real_january.value("top100.screened"),
            8,
            id="january-68-screened",
        ),
        pytest.param(
            JAN,
            "knaek_kurven.discussed",
            "",
            real_january.value("knaek_kurven.discussed"),
            4,
            id="january-19-discussed",
        ),
        pytest.param(T(2024, 6, 1), "top100.screened", "", 6, None, id="first-month"),
        pytest.param(FEB, "top100.screened", "1", 11, None, id="first-split-month"),
        pytest.param(MAR, "top100.screened", "1", 12, 1, id="category-change"),
        pytest.param(T(2024, 11, 1), "ungesporet.visits", "", 0, -35, id="closed-november"),
    ],
)
def test_the_demo_series_shows_the_change_a_reader_expects(
    demo_series: pd.DataFrame,
    month: pd.Timestamp,
    measure: str,
    category: str,
    value: int,
    change: int | None,
) -> None:
    row = demo_series[
        (demo_series["month"] == month)
        & (demo_series["measure"] == measure)
        & (demo_series["category"] == category)
    ]
    assert row["value"].tolist() == [value]
    if change is None:
        assert row["change"].isna().all()
    else:
        assert row["change"].tolist() == [change]


def test_a_missing_month_leaves_no_change_across_the_gap(store: Store, tmp_path: Path) -> None:
    csv = tmp_path / "ungesporet.csv"
    csv.write_text(
        "month,measure,category,value,note\n"
        "2025-01,ungesporet.visits,,92,\n"
        "2025-02,ungesporet.visits,,110,\n"
        "2025-04,ungesporet.visits,,141,\n"
        "2025-05,ungesporet.visits,,156,\n",
        encoding="utf-8",
    )
    assert import_file(store, csv, user="analytiker", role="analyst").status == "saved"
    data = store.query("figure_series", ALL_FIGURES)
    assert data["month"].tolist() == [JAN, FEB, APR, MAY]
    assert data["change"].tolist() == [pd.NA, 18, pd.NA, 15]


def test_a_note_stored_before_the_limit_reaches_a_page_cut_to_the_limit(
    real_db: Path, own_copy
) -> None:
    """A database from before notes were capped may hold a note of any length; the pages'
    query carries at most MAX_NOTE_CHARS of it, so one huge note cannot weigh on every page."""
    store = Store(own_copy(real_db))
    with store.writer() as conn:
        conn.execute(
            "update figure_revisions set note = repeat('x', 5000000) "
            "where measure_id = 'knaek_kurven.discussed'"
        )
    data = store.query("figure_series", ALL_FIGURES)
    discussed = data[data["measure"] == "knaek_kurven.discussed"]
    assert len(discussed) == 1
    assert discussed["note"].str.len().max() == MAX_NOTE_CHARS
    assert data["note"].str.len().max() <= MAX_NOTE_CHARS


# --- series_for --------------------------------------------------------------------------------

VISITS_WITH_A_GAP = figures(
    (JAN, "ungesporet.visits", "", 92, 44),
    (FEB, "ungesporet.visits", "", 110, 18),
    (APR, "ungesporet.visits", "", 141, None),
)


def test_a_month_without_a_figure_stays_a_gap_never_zero() -> None:
    out = series.series_for(VISITS_WITH_A_GAP, "ungesporet.visits", months=[JAN, FEB, MAR, APR])
    assert out["month"].tolist() == [JAN, FEB, MAR, APR]
    assert out["value"].tolist()[:2] == [92, 110]
    assert pd.isna(out["value"][2]) and pd.isna(out["change"][2])
    assert out["value"][3] == 141 and pd.isna(out["change"][3])
    assert 0 not in out["value"].tolist()


@pytest.mark.parametrize("months", [[date(2025, m, 1) for m in (1, 2, 3, 4)], [JAN, FEB, MAR, APR]])
def test_a_period_given_as_dates_or_timestamps_finds_the_same_figures(months: list) -> None:
    out = series.series_for(VISITS_WITH_A_GAP, "ungesporet.visits", months=months)
    assert out["value"].fillna(-1).tolist() == [92, 110, -1, 141]


def test_without_a_period_only_reported_months_are_returned() -> None:
    out = series.series_for(VISITS_WITH_A_GAP, "ungesporet.visits")
    assert out["month"].tolist() == [JAN, FEB, APR]


SCREENED = figures(
    (JAN, "top100.screened", "", 68, 8),
    (FEB, "top100.screened", "", 73, 5),
    (FEB, "top100.screened", "1", 11, None),
    (FEB, "top100.screened", "2", 46, None),
    (FEB, "top100.screened", "3", 16, None),
)


@pytest.mark.parametrize(
    ("category", "values"),
    [
        pytest.param("", [68, 73], id="total"),
        pytest.param("1", [None, 11], id="category-1"),
        pytest.param("3", [None, 16], id="category-3"),
    ],
)
def test_a_series_is_one_category_and_not_the_total(category: str, values: list) -> None:
    out = series.series_for(SCREENED, "top100.screened", category, months=[JAN, FEB])
    assert [None if pd.isna(v) else v for v in out["value"]] == values


# --- category_breakdown ------------------------------------------------------------------------


def _screened_in(month: pd.Timestamp, total: int | None, parts: dict[str, int]) -> pd.DataFrame:
    rows = [(month, "top100.screened", c, v, None) for c, v in parts.items()]
    if total is not None:
        rows.append((month, "top100.screened", "", total, None))
    return figures(*rows)


@pytest.mark.parametrize(
    ("total", "parts", "expected"),
    [
        pytest.param(68, {}, {UNCATEGORISED: 68}, id="january-68-not-split"),
        pytest.param(68, {"1": 10, "2": 40, "3": 15}, {"1": 10, "2": 40, "3": 15, UNCATEGORISED: 3}, id="remainder-3"),
        pytest.param(73, {"1": 11, "2": 46, "3": 16}, {"1": 11, "2": 46, "3": 16}, id="fully-split"),
        pytest.param(68, {"1": 10, "2": 40, "3": 25}, {"1": 10, "2": 40, "3": 25}, id="parts-exceed-total"),
        pytest.param(None, {"1": 10, "2": 40}, {"1": 10, "2": 40}, id="no-total"),
        pytest.param(68, {"2": 60}, {"2": 60, UNCATEGORISED: 8}, id="one-category-reported"),
    ],
)  # fmt: skip
def test_each_category_and_the_remainder_not_split_make_up_the_bar(
    total: int | None, parts: dict[str, int], expected: dict[str, int]
) -> None:
    data = _screened_in(JAN, total, parts)
    out = series.category_breakdown(data, CATALOG.measure("top100.screened"), [JAN])
    assert dict(zip(out["part"], out["value"], strict=True)) == expected
    assert (out["value"] >= 0).all()


def test_the_breakdown_follows_the_catalogs_category_order_and_the_period() -> None:
    data = pd.concat(
        [
            _screened_in(DEC, 60, {}),
            _screened_in(JAN, 68, {"3": 15, "1": 10, "2": 40}),
            _screened_in(FEB, 73, {"1": 11, "2": 46, "3": 16}),
        ]
    )
    out = series.category_breakdown(data, CATALOG.measure("top100.screened"), [JAN, FEB])
    assert out["month"].tolist() == [JAN] * 4 + [FEB] * 3
    assert out["part"].tolist() == ["1", "2", "3", UNCATEGORISED, "1", "2", "3"]


def test_an_unknown_monthly_change_is_a_gap_in_the_breakdown_not_zero() -> None:
    # Categories are first reported in February, so their change from January is unknown.
    data = figures(
        (JAN, "top100.screened", "", 68, None),
        (FEB, "top100.screened", "", 73, 5),
        (FEB, "top100.screened", "1", 11, None),
        (FEB, "top100.screened", "2", 46, None),
        (FEB, "top100.screened", "3", 16, None),
    )
    out = series.category_breakdown(
        data, CATALOG.measure("top100.screened"), [JAN, FEB], value="change"
    )
    assert list(zip(out["month"], out["part"], out["value"], strict=True)) == [
        (FEB, UNCATEGORISED, 5)
    ]


# --- funnel_for_month --------------------------------------------------------------------------

KNAEK_KURVEN = CATALOG.funnel_of("knaek_kurven")
# The real note of 15 January 2025 (data/real/2025-01_orientering.csv).
JANUARY_NOTE = {
    measure: value
    for (measure, category), value in real_january.FIGURES.items()
    if measure.startswith("knaek_kurven.") and not category
}
DISCUSSED_IN_JANUARY = JANUARY_NOTE["knaek_kurven.discussed"]


def _funnel_figures(values: dict[str, int], month: pd.Timestamp = JAN) -> pd.DataFrame:
    return figures(*[(month, m, "", v, None) for m, v in values.items()])


OFFERED_IN_JANUARY = JANUARY_NOTE["knaek_kurven.offered"]


@pytest.mark.parametrize(
    ("measure", "role", "base"),
    [
        ("knaek_kurven.discussed", "stage", "knaek_kurven.discussed"),
        ("knaek_kurven.relevant", "stage", "knaek_kurven.discussed"),
        ("knaek_kurven.offered", "stage", "knaek_kurven.discussed"),
        ("knaek_kurven.accepted", "outcome", "knaek_kurven.offered"),
        ("knaek_kurven.declined", "outcome", "knaek_kurven.offered"),
        ("knaek_kurven.in_process", "outcome", "knaek_kurven.offered"),
    ],
)
def test_januarys_funnel_shares_stages_of_the_discussed_and_outcomes_of_the_offered(
    measure: str, role: str, base: str
) -> None:
    data = pd.concat(
        [_funnel_figures(JANUARY_NOTE), _funnel_figures({m: 99 for m in JANUARY_NOTE}, FEB)]
    )
    out = series.funnel_for_month(data, KNAEK_KURVEN, date(2025, 1, 1)).set_index("measure")
    assert out.loc[measure, "role"] == role
    assert out.loc[measure, "value"] == JANUARY_NOTE[measure]
    assert out.loc[measure, "base"] == base
    assert out.loc[measure, "share"] == pytest.approx(JANUARY_NOTE[measure] / JANUARY_NOTE[base])


def test_in_january_three_of_the_eight_offered_said_yes() -> None:
    out = series.funnel_for_month(_funnel_figures(JANUARY_NOTE), KNAEK_KURVEN, JAN)
    accepted = out.set_index("measure").loc["knaek_kurven.accepted"]
    assert (accepted["value"], OFFERED_IN_JANUARY) == (3, 8)
    assert accepted["share"] == pytest.approx(3 / 8)  # 38 %, not 3 / 19 = 16 % of the discussed


def test_the_funnel_carries_each_steps_change_from_the_month_before() -> None:
    rows = [(DEC, m, "", v - 2, None) for m, v in JANUARY_NOTE.items()]
    rows += [(JAN, m, "", v, 2) for m, v in JANUARY_NOTE.items() if m != "knaek_kurven.declined"]
    rows += [(JAN, "knaek_kurven.declined", "", JANUARY_NOTE["knaek_kurven.declined"], None)]
    out = series.funnel_for_month(figures(*rows), KNAEK_KURVEN, JAN).set_index("measure")
    assert out.loc["knaek_kurven.accepted", "change"] == 2
    assert pd.isna(out.loc["knaek_kurven.declined", "change"])  # a gap: no change to show


def test_the_bases_of_the_funnel_are_the_first_stage_and_the_offered() -> None:
    assert series.funnel_bases(KNAEK_KURVEN) == [
        ("knaek_kurven.relevant", "knaek_kurven.discussed"),
        ("knaek_kurven.offered", "knaek_kurven.discussed"),
        ("knaek_kurven.accepted", "knaek_kurven.offered"),
        ("knaek_kurven.declined", "knaek_kurven.offered"),
        ("knaek_kurven.in_process", "knaek_kurven.offered"),
    ]


@pytest.mark.parametrize(
    ("changes", "gap"),
    [
        pytest.param({}, None, id="outcomes-add-up"),
        pytest.param({"knaek_kurven.declined": 4}, (10, 8), id="outcomes-above-offered"),
        pytest.param({"knaek_kurven.accepted": 1}, (6, 8), id="outcomes-below-offered"),
        pytest.param({"knaek_kurven.in_process": None}, None, id="an-outcome-missing"),
        pytest.param({"knaek_kurven.offered": None}, None, id="offered-missing"),
    ],
)
def test_outcomes_that_do_not_add_up_to_the_offered_are_found(
    changes: dict[str, int | None], gap: tuple[int, int] | None
) -> None:
    values = {m: v for m, v in (JANUARY_NOTE | changes).items() if v is not None}
    out = series.funnel_for_month(_funnel_figures(values), KNAEK_KURVEN, JAN)
    assert series.funnel_outcomes_gap(out) == gap


def test_the_funnel_lists_stages_widest_first_then_outcomes() -> None:
    out = series.funnel_for_month(_funnel_figures(JANUARY_NOTE), KNAEK_KURVEN, JAN)
    assert out["measure"].tolist() == [*KNAEK_KURVEN.stages, *KNAEK_KURVEN.outcomes]
    assert "knaek_kurven.not_relevant" not in out["measure"].tolist()


def test_a_stage_without_a_figure_has_no_value_and_no_share() -> None:
    partial = {m: v for m, v in JANUARY_NOTE.items() if m != "knaek_kurven.offered"}
    out = series.funnel_for_month(_funnel_figures(partial), KNAEK_KURVEN, JAN).set_index("measure")
    assert pd.isna(out.loc["knaek_kurven.offered", "value"])
    assert pd.isna(out.loc["knaek_kurven.offered", "share"])
    relevant = JANUARY_NOTE["knaek_kurven.relevant"]
    assert out.loc["knaek_kurven.relevant", "share"] == pytest.approx(
        relevant / DISCUSSED_IN_JANUARY
    )
    assert out.loc[list(KNAEK_KURVEN.outcomes), "share"].isna().all()  # their base is missing


@pytest.mark.parametrize("first", [None, 0], ids=["first-stage-missing", "first-stage-zero"])
def test_without_families_discussed_the_stages_have_no_shares(first: int | None) -> None:
    values = {**JANUARY_NOTE, "knaek_kurven.discussed": first}
    values = {m: v for m, v in values.items() if v is not None}
    out = series.funnel_for_month(_funnel_figures(values), KNAEK_KURVEN, JAN).set_index("measure")
    assert out.loc[list(KNAEK_KURVEN.stages), "share"].isna().all()
    # the outcomes are shares of the offered, which are still known
    assert out.loc["knaek_kurven.accepted", "share"] == pytest.approx(
        JANUARY_NOTE["knaek_kurven.accepted"] / OFFERED_IN_JANUARY
    )
    assert out.loc["knaek_kurven.relevant", "value"] == JANUARY_NOTE["knaek_kurven.relevant"]


# --- ratio_series ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "share"),
    [
        pytest.param(JAN, 8 / 19, id="both-reported"),
        pytest.param(FEB, None, id="whole-is-zero"),
        pytest.param(MAR, None, id="whole-missing"),
        pytest.param(APR, None, id="part-missing"),
        pytest.param(MAY, 0.0, id="part-is-zero"),
    ],
)
def test_a_share_needs_both_figures_and_a_whole_above_zero(
    month: pd.Timestamp, share: float | None
) -> None:
    data = figures(
        (JAN, "knaek_kurven.relevant", "", 8, None),
        (JAN, "knaek_kurven.discussed", "", 19, None),
        (FEB, "knaek_kurven.relevant", "", 3, None),
        (FEB, "knaek_kurven.discussed", "", 0, None),
        (MAR, "knaek_kurven.relevant", "", 8, None),
        (APR, "knaek_kurven.discussed", "", 27, None),
        (MAY, "knaek_kurven.relevant", "", 0, None),
        (MAY, "knaek_kurven.discussed", "", 35, None),
    )
    out = series.ratio_series(
        data, "knaek_kurven.relevant", "knaek_kurven.discussed", [JAN, FEB, MAR, APR, MAY]
    )
    assert out["month"].tolist() == [JAN, FEB, MAR, APR, MAY]
    got = out.set_index("month").loc[month, "share"]
    if share is None:
        assert pd.isna(got)
    else:
        assert got == pytest.approx(share)


# --- key_tiles ---------------------------------------------------------------------------------

TILE_FIGURES = figures(
    (JAN, "top100.screened", "", 60, None),
    (FEB, "top100.screened", "", 68, 8),
    (MAR, "top100.screened", "", 73, 5),
    (MAR, "top100.screened", "2", 46, None),
    (JAN, "knaek_kurven.discussed", "", 19, None),
    (MAR, "knaek_kurven.discussed", "", 35, None),
    (MAR, "top100.called_in", "", 9, 5),  # not a key measure
)


def test_tiles_are_the_key_measures_with_figures_in_catalog_order() -> None:
    tiles = series.key_tiles(TILE_FIGURES, CATALOG)
    assert [t.measure.id for t in tiles] == ["top100.screened", "knaek_kurven.discussed"]


@pytest.mark.parametrize(
    ("measure", "value", "basis", "delta", "trend"),
    [
        # a running total: the month's new cases (73 - 68), not the total since the start again
        pytest.param("top100.screened", 73, "new", 5.0, [60, 68, 73], id="running-total"),
        # no figure for February: nothing to compare with, never the first month
        pytest.param("knaek_kurven.discussed", 35, "", None, [19, None, 35], id="gap-before-last"),
    ],
)
def test_a_tile_shows_its_months_value_and_what_it_is_compared_with(
    measure: str, value: int, basis: str, delta: float | None, trend: list
) -> None:
    tile = next(t for t in series.key_tiles(TILE_FIGURES, CATALOG) if t.measure.id == measure)
    assert (tile.month, tile.first_month) == (MAR, JAN)
    assert tile.value == value
    assert (tile.comparison.basis, tile.comparison.delta) == (basis, delta)
    assert tile.trend["month"].tolist() == [JAN, FEB, MAR]
    assert [None if pd.isna(v) else v for v in tile.trend["value"]] == trend


def monthly(measure: str, values: dict[str, int]) -> pd.DataFrame:
    """A measure's totals, {"2025-01": 12, ...}; the change column is not what tiles read."""
    return figures(*((f"{m}-01", measure, "", v, None) for m, v in values.items()))


def comparison(data: pd.DataFrame, kind: str, month: str) -> series.TileComparison:
    values = {T(m): float(v) for m, v in zip(data["month"], data["value"], strict=True)}
    return series.tile_comparison(values, kind, T(f"{month}-01"))


def test_a_monthly_count_is_compared_with_the_same_month_a_year_before() -> None:
    data = monthly("v", {"2024-12": 8, "2025-09": 30, "2025-10": 40, "2025-11": 50, "2025-12": 12})
    c = comparison(data, "flow", "2025-12")
    assert (c.basis, c.delta, c.reference, c.first) == ("year", 4.0, 8.0, T(2024, 12, 1))


def test_without_the_year_before_a_monthly_count_is_compared_with_the_3_month_average() -> None:
    data = monthly("v", {"2025-01": 99, "2025-03": 9, "2025-04": 12, "2025-05": 15, "2025-06": 14})
    c = comparison(data, "flow", "2025-06")
    # the three months before (12 on average), not the first month (99)
    assert (c.basis, c.delta, c.reference) == ("average", 2.0, 12.0)
    assert (c.first, c.last) == (T(2025, 3, 1), T(2025, 5, 1))


def test_a_monthly_count_with_too_few_months_is_compared_with_nothing() -> None:
    data = monthly("v", {"2025-01": 99, "2025-02": 9, "2025-04": 12, "2025-05": 15})
    assert comparison(data, "flow", "2025-05").basis == ""  # March is missing from the three
    assert comparison(monthly("v", {"2025-01": 5}), "flow", "2025-01").basis == ""


@pytest.mark.parametrize(("kind", "basis"), [("stock", "previous"), ("cumulative", "new")])
def test_a_stock_and_a_running_total_are_compared_with_the_month_before(
    kind: str, basis: str
) -> None:
    data = monthly("v", {"2024-12": 1, "2025-01": 125, "2025-02": 131})
    c = comparison(data, kind, "2025-02")
    assert (c.basis, c.delta, c.reference, c.first) == (basis, 6.0, 125.0, T(2025, 1, 1))


def test_tiles_for_a_chosen_month_show_that_month_and_the_trend_up_to_it() -> None:
    tiles = {t.measure.id: t for t in series.key_tiles(TILE_FIGURES, CATALOG, FEB)}
    screened = tiles["top100.screened"]
    assert (screened.month, screened.value, screened.comparison.delta) == (FEB, 68, 8.0)
    assert screened.trend["month"].tolist() == [JAN, FEB]
    # no figure in February: the latest before it, said by the tile's month
    discussed = tiles["knaek_kurven.discussed"]
    assert (discussed.month, discussed.value) == (JAN, 19)
    assert series.key_tiles(TILE_FIGURES, CATALOG, T(2024, 12, 1)) == []


def test_a_trend_carries_its_first_and_last_figure_and_its_range() -> None:
    trend = pd.DataFrame({"month": [JAN, FEB, MAR], "value": [47.0, float("nan"), 38.0]})
    scale = series.trend_scale(trend)
    assert (scale.first_month, scale.first, scale.last_month, scale.last) == (JAN, 47, MAR, 38)
    assert (scale.low, scale.high) == (38, 47)
    assert series.trend_scale(trend.iloc[:2]) is None  # one figure: no line, no scale


def test_missing_in_a_month_lists_the_measures_of_started_initiatives_without_a_figure() -> None:
    got = series.missing_in_month(TILE_FIGURES, CATALOG, FEB)
    assert "top100.screened" not in set(got["measure"])
    assert "knaek_kurven.discussed" in set(got["measure"])
    started = {i.id: i.started for i in CATALOG.initiatives}
    for initiative in got["initiative"]:
        assert started[initiative] is None or T(started[initiative]) <= FEB


def test_no_figures_means_no_tiles() -> None:
    assert series.key_tiles(figures(), CATALOG) == []


# --- changed_since_last_month, events_between ----------------------------------------------------

NEWS = figures(
    (JAN, "top100.screened", "", 68, 8),
    (FEB, "top100.screened", "", 73, 5),
    (FEB, "top100.screened", "1", 11, None),
    (FEB, "top100.called_in", "", 4, 0),
    (FEB, "ungesporet.visits", "", 82, -10),
)


@pytest.mark.parametrize(
    "month",
    [
        pytest.param(FEB, id="timestamp"),
        pytest.param(
            date(2025, 2, 1),
            id="date",
        ),
    ],
)
def test_news_lists_the_figures_that_moved_since_the_month_before(month: object) -> None:
    out = series.changed_since_last_month(NEWS, month)
    assert list(zip(out["measure"], out["category"], out["value"], out["change"], strict=True)) == [
        ("top100.screened", "", 73, 5),
        ("ungesporet.visits", "", 82, -10),
    ]


EVENTS = pd.DataFrame(
    {
        "id": ["reopens", "deadline", "call_ins", "new_head"],
        "event_date": pd.to_datetime(["2024-12-01", "2025-01-14", "2025-01-31", "2025-02-01"]),
        "title_da": ["Genåbner", "Ansøgningsfrist", "Første indkaldelser", "Ny afdelingsleder"],
    }
)


@pytest.mark.parametrize(
    ("month", "titles"),
    [
        pytest.param(date(2025, 1, 1), ["Ansøgningsfrist", "Første indkaldelser"], id="date"),
        pytest.param(JAN, ["Ansøgningsfrist", "Første indkaldelser"], id="timestamp"),
        pytest.param(FEB, ["Ny afdelingsleder"], id="first-of-month"),
        pytest.param(MAR, [], id="none"),
    ],
)
def test_the_months_events_are_those_from_its_first_to_its_last_day(
    month: object, titles: list[str]
) -> None:
    assert series.events_between(EVENTS, month, month)["title_da"].tolist() == titles


# --- target_progress ---------------------------------------------------------------------------

TARGETS = pd.DataFrame(
    {
        "measure": ["knaek_kurven.accepted", "top100.called_in", "ungesporet.visits"],
        "category": ["", "", ""],
        "target_month": pd.to_datetime(["2025-12-01", "2025-12-01", "2025-12-01"]),
        "value": [30, 60, 200],
        "label_da": ["30 har sagt ja", "60 indkaldte", "200 besøg"],
        "label_en": ["30 said yes", "60 called in", "200 visits"],
        "source": ["DEMO", "DEMO", "DEMO"],
    }
)
PROGRESS_FIGURES = figures(
    (T(2025, 11, 1), "knaek_kurven.accepted", "", 24, 3),
    (T(2025, 12, 1), "knaek_kurven.accepted", "", 26, 2),
    (T(2026, 1, 1), "knaek_kurven.accepted", "", 31, 5),  # after the target month
    (T(2025, 10, 1), "top100.called_in", "", 43, 5),
)


@pytest.mark.parametrize(
    ("measure", "month", "value", "share"),
    [
        pytest.param("knaek_kurven.accepted", T(2025, 12, 1), 26, 26 / 30, id="by-target-month"),
        pytest.param("top100.called_in", T(2025, 10, 1), 43, 43 / 60, id="latest-before"),
        pytest.param("ungesporet.visits", None, None, None, id="no-figures"),
    ],
)
def test_a_target_shows_the_latest_figure_by_its_month_and_the_share_reached(
    measure: str, month: pd.Timestamp | None, value: int | None, share: float | None
) -> None:
    out = series.target_progress(TARGETS, PROGRESS_FIGURES).set_index("measure")
    row = out.loc[measure]
    assert row["target"] == TARGETS.set_index("measure").loc[measure, "value"]
    if month is None:
        assert pd.isna(row["month"]) and pd.isna(row["value"]) and pd.isna(row["share"])
    else:
        assert (row["month"], row["value"]) == (month, value)
        assert row["share"] == pytest.approx(share)


def test_months_between_covers_the_period_inclusive() -> None:
    assert series.months_between(date(2024, 11, 1), FEB) == [T(2024, 11, 1), DEC, JAN, FEB]
