"""The compare page's period computations (dashboard.web.series): the presets and the periods
chosen in the address, each measure over a period by its kind, and when a percentage is left
out; and the periods in words (dashboard.web.views.period_text)."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from dashboard.catalog import Catalog, Category, Initiative, Measure
from dashboard.web import series, views
from dashboard.web.series import Period, PeriodValue
from dashboard.web.settings import Settings
from dashboard.web.texts import text

T = pd.Timestamp


def months(first: str, last: str) -> list[pd.Timestamp]:
    return series.months_between(T(first), T(last))


def period(first: str, last: str) -> Period:
    return Period(T(first), T(last))


# --- presets and chosen periods ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "available", "a"),
    [
        pytest.param("kvartal", months("2024-06-01", "2025-12-01"), ("2025-10-01", "2025-12-01"), id="quarter-ends-with-the-data"),
        pytest.param("kvartal", months("2024-06-01", "2026-02-01"), ("2025-10-01", "2025-12-01"), id="latest-complete-quarter"),
        pytest.param("kvartal", months("2025-11-01", "2026-02-01"), ("2025-12-01", "2026-02-01"), id="no-whole-quarter-so-the-last-3-months"),
        pytest.param("kvartal", months("2026-01-01", "2026-02-01"), ("2026-01-01", "2026-02-01"), id="fewer-than-3-months"),
        pytest.param("aar", months("2024-06-01", "2025-05-01"), ("2025-01-01", "2025-05-01"), id="year-to-date"),
        pytest.param("aar", months("2025-03-01", "2025-05-01"), ("2025-03-01", "2025-05-01"), id="year-to-date-from-the-first-figure"),
        pytest.param("maaned", months("2024-06-01", "2025-05-01"), ("2025-05-01", "2025-05-01"), id="latest-month"),
        pytest.param("nonsense", months("2024-06-01", "2025-12-01"), ("2025-10-01", "2025-12-01"), id="unknown-is-the-quarter"),
    ],
)  # fmt: skip
def test_a_preset_compares_its_months_with_the_same_months_a_year_before(
    preset: str, available: list[pd.Timestamp], a: tuple[str, str]
) -> None:
    got_a, got_b = series.preset_periods(preset, available)
    assert got_a == period(*a)
    assert got_b == Period(
        got_a.first - pd.DateOffset(years=1), got_a.last - pd.DateOffset(years=1)
    )


DEMO_MONTHS = months("2024-06-01", "2025-12-01")


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        pytest.param({}, ("kvartal", ("2025-10-01", "2025-12-01"), ("2024-10-01", "2024-12-01")), id="default"),
        pytest.param({"periode": "maaned"}, ("maaned", ("2025-12-01", "2025-12-01"), ("2024-12-01", "2024-12-01")), id="preset"),
        pytest.param(
            {"a_fra": "2025-01", "a_til": "2025-06", "b_fra": "2024-07", "b_til": "2024-12"},
            ("", ("2025-01-01", "2025-06-01"), ("2024-07-01", "2024-12-01")), id="chosen",
        ),
        pytest.param(
            {"a_fra": "2025-06", "a_til": "2025-01"}, ("", ("2025-01-01", "2025-06-01"), ("2024-10-01", "2024-12-01")),
            id="backwards-turned-round-the-rest-from-the-preset",
        ),
        pytest.param({"b_fra": "2023-12"}, ("", ("2025-10-01", "2025-12-01"), ("2023-12-01", "2024-12-01")), id="a-year-before-the-first-figure"),
        pytest.param(
            {"periode": "<script>", "a_fra": "2023-05", "a_til": "2099-01", "b_fra": "jan' OR 1=1", "b_til": "2025-13"},
            ("kvartal", ("2025-10-01", "2025-12-01"), ("2024-10-01", "2024-12-01")), id="hostile-falls-back",
        ),
    ],
)  # fmt: skip
def test_the_periods_come_from_the_address_and_fall_back_to_the_preset(
    address: dict[str, str], expected: tuple[str, tuple[str, str], tuple[str, str]]
) -> None:
    preset, a, b = series.chosen_periods(address, DEMO_MONTHS)
    assert (preset, a, b) == (expected[0], period(*expected[1]), period(*expected[2]))


# --- a measure over a period, by its kind ----------------------------------------------------------

Q1 = period("2025-01-01", "2025-03-01")
VALUES = {
    T("2024-12-01"): 100.0,
    T("2025-01-01"): 110.0,
    T("2025-02-01"): 125.0,
    T("2025-03-01"): 131.0,
}


@pytest.mark.parametrize(
    ("kind", "values", "expected"),
    [
        pytest.param("flow", VALUES, PeriodValue(110 + 125 + 131), id="flow-sums-the-months"),
        pytest.param("stock", VALUES, PeriodValue(131), id="stock-is-the-level-at-the-end"),
        pytest.param("cumulative", VALUES, PeriodValue(131 - 100), id="cumulative-is-the-increase"),
        pytest.param(
            "flow", {**VALUES, T("2025-02-01"): float("nan")}, PeriodValue(None, (T("2025-02-01"),)),
            id="flow-missing-a-month-is-not-summed",
        ),
        pytest.param(
            "flow", {T("2025-01-01"): 4.0}, PeriodValue(None, (T("2025-02-01"), T("2025-03-01"))),
            id="flow-names-every-missing-month",
        ),
        pytest.param(
            "stock", {k: v for k, v in VALUES.items() if k != T("2025-02-01")}, PeriodValue(131),
            id="stock-needs-only-the-end",
        ),
        pytest.param(
            "stock", {k: v for k, v in VALUES.items() if k != T("2025-03-01")}, PeriodValue(None, (T("2025-03-01"),)),
            id="stock-missing-the-end",
        ),
        pytest.param(
            "cumulative", {k: v for k, v in VALUES.items() if k != T("2024-12-01")}, PeriodValue(None, (T("2024-12-01"),)),
            id="cumulative-missing-the-month-before-is-not-taken-as-0",
        ),
    ],
)  # fmt: skip
def test_a_measure_over_a_period_follows_its_kind(
    kind: str, values: dict[pd.Timestamp, float], expected: PeriodValue
) -> None:
    assert series.period_value(values, kind, Q1) == expected


@pytest.mark.parametrize(
    ("kind", "a", "b", "expected"),
    [
        pytest.param("flow", 60, 40, (20, 0.5, ""), id="growth"),
        pytest.param("stock", 30, 40, (-10, -0.25, ""), id="fall"),
        pytest.param("flow", 12, 10, (2, 0.2, ""), id="base-of-10-is-enough"),
        pytest.param("flow", 12, 9, (3, None, "small_base"), id="base-under-10"),
        pytest.param("flow", 5, 0, (5, None, "small_base"), id="base-0"),
        pytest.param("cumulative", 80, 40, (40, None, "cumulative"), id="running-total"),
        pytest.param("flow", None, 40, (None, None, ""), id="a-unknown"),
        pytest.param("flow", 40, None, (None, None, ""), id="b-unknown"),
    ],
)  # fmt: skip
def test_a_percentage_only_where_it_does_not_mislead(
    kind: str, a: int | None, b: int | None, expected: tuple
) -> None:
    assert series.compare(PeriodValue(a), PeriodValue(b), kind) == pytest.approx(expected)


# --- every measure and category of two periods --------------------------------------------------------

CATALOG = Catalog(
    (Initiative("i", "I", "I", None, "", ""),),
    (
        Measure("i.cases", "i", "Sager", "Cases", "flow", "", "",
                (Category("boys", "Drenge", "Boys"), Category("girls", "Piger", "Girls"))),
        Measure("i.total", "i", "I alt", "Total", "cumulative", "", ""),
        Measure("i.none", "i", "Ingen", "None", "stock", "", ""),
    ),
)  # fmt: skip


def figures(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"month": T(m), "measure": measure, "category": c, "value": v}
            for m, measure, c, v in rows
        ]
    )


def test_compare_periods_gives_totals_then_categories_in_catalog_order() -> None:
    a, b = period("2025-01-01", "2025-02-01"), period("2024-01-01", "2024-02-01")
    data = figures(
        [
            (month, "i.cases", category, value)
            for month, values in (("2024-01-01", (20, 8, 12)), ("2024-02-01", (30, 9, 21)),
                                  ("2025-01-01", (25, 10, 15)), ("2025-02-01", (35, 15, 20)))
            for category, value in zip(("", "girls", "boys"), values, strict=True)
        ]
        + [("2023-12-01", "i.total", "", 5), ("2024-02-01", "i.total", "", 50),
           ("2024-12-01", "i.total", "", 90), ("2025-02-01", "i.total", "", 120)]
    )  # fmt: skip
    got = series.compare_periods(data, CATALOG, a, b)
    assert [(c.measure.id, c.category) for c in got] == [
        ("i.cases", ""),
        ("i.cases", "boys"),
        ("i.cases", "girls"),
        ("i.total", ""),
    ]
    cases, boys, girls, total = got
    assert (cases.a.value, cases.b.value, cases.difference) == (60, 50, 10)
    assert cases.relative == pytest.approx(0.2)
    assert (boys.a.value, boys.b.value, boys.difference) == (35, 33, 2)
    assert (girls.a.value, girls.b.value, girls.no_relative) == (25, 17, "")
    assert (total.a.value, total.b.value, total.difference) == (30, 45, -15)
    assert (total.relative, total.no_relative) == (None, "cumulative")


def test_a_period_without_figures_is_unknown_with_its_months_named() -> None:
    a, b = period("2025-01-01", "2025-02-01"), period("2024-01-01", "2024-02-01")
    data = figures([("2025-01-01", "i.cases", "", 3), ("2025-02-01", "i.cases", "", 4)])
    (cases,) = series.compare_periods(data, CATALOG, a, b)
    assert cases.a == PeriodValue(7)
    assert cases.b == PeriodValue(None, (T("2024-01-01"), T("2024-02-01")))
    assert (cases.difference, cases.relative) == (None, None)


# --- periods in words -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "da", "en"),
    [
        pytest.param("2025-01-01", "2025-03-01", "1. kvartal 2025", "Q1 2025", id="quarter"),
        pytest.param("2024-10-01", "2024-12-01", "4. kvartal 2024", "Q4 2024", id="last-quarter"),
        pytest.param("2025-01-01", "2025-05-01", "jan.–maj 2025", "Jan–May 2025", id="year-to-date"),
        pytest.param("2025-02-01", "2025-04-01", "feb.–apr. 2025", "Feb–Apr 2025", id="three-months-not-a-quarter"),
        pytest.param("2024-11-01", "2025-02-01", "nov. 2024–feb. 2025", "Nov 2024–Feb 2025", id="across-the-new-year"),
        pytest.param("2025-03-01", "2025-03-01", "marts 2025", "March 2025", id="one-month"),
        pytest.param("2024-01-01", "2024-12-01", "2024", "2024", id="a-whole-year"),
    ],
)  # fmt: skip
def test_a_period_in_words(first: str, last: str, da: str, en: str) -> None:
    assert views.period_text(period(first, last), "da") == da
    assert views.period_text(period(first, last), "en") == en


# --- the page body -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "heading", "small_base", "incomplete"),
    [
        pytest.param("da", "1. kvartal 2025 mod 1. kvartal 2024", "Ingen procent, når B er under 10",
                     "Periode B er ufuldstændig: der mangler tal for januar 2024 og marts 2024.", id="da"),
        pytest.param("en", "Q1 2025 against Q1 2024", "No percentage when B is under 10",
                     "Period B is incomplete: figures are missing for January 2024 and March 2024.", id="en"),
    ],
)  # fmt: skip
def test_the_page_names_its_periods_and_says_why_a_figure_is_left_out(
    lang: str, heading: str, small_base: str, incomplete: str
) -> None:
    a, b = period("2025-01-01", "2025-03-01"), period("2024-01-01", "2024-03-01")
    data = figures(
        [(f"2025-0{m}-01", "i.cases", "", 3) for m in (1, 2, 3)]
        + [("2024-02-01", "i.cases", "", 2)]
        + [(f"2025-0{m}-01", "i.cases", "boys", 1) for m in (1, 2, 3)]
        + [(f"2024-0{m}-01", "i.cases", "boys", 2) for m in (1, 2, 3)]
    )
    comparisons = series.compare_periods(data, CATALOG, a, b)
    s = Settings(lang, months("2024-01-01", "2025-03-01"))
    body = views.compare_body(comparisons, CATALOG, a, b, "kvartal", s, s.months)
    assert f"<h2>{heading}</h2>" in body
    assert text("compare_own_periods", lang) in html.unescape(body)
    # the total: B lacks two months, so it is not summed from the one there is
    assert f'<td class="n" title="{incomplete}">–<sup>1</sup></td>' in body
    # boys: 3 against 6, a base under 10: the difference, but no percentage
    boys = re.search(r"<tr><th scope=\"row\">↳ Boys|<tr><th scope=\"row\">↳ Drenge", body)
    assert boys is not None
    row = body[boys.start() : body.index("</tr>", boys.start())]
    assert "−3" in row
    assert re.search(rf'title="{small_base}[^"]*">–<sup>2</sup>', row)
    assert f"<li>{incomplete}</li>" in body
    # the chosen preset is marked, and every preset link keeps the language
    assert body.count('aria-current="true"') == 1
    assert body.count(f"sprog={lang}&amp;") >= 3
