"""The fictive demo dataset: what a user of the demo would notice."""

from __future__ import annotations

import csv
from datetime import date

import real_january

from dashboard.catalog import load_catalog
from dashboard.demo import DEMO_NOTE, DEMO_PATH, demo_csv, demo_figures
from dashboard.months import month_range
from dashboard.rules import find_warnings

JANUARY = date(2025, 1, 1)
LAST = date(2025, 12, 1)


def demo_state() -> dict[tuple[date, str, str], int]:
    return {f.key: f.value for f in demo_figures()}


def test_committed_demo_file_is_what_the_generator_writes() -> None:
    assert DEMO_PATH.read_bytes() == demo_csv(), "run: python -m dashboard.demo"


def test_demo_csv_is_in_export_format() -> None:
    lines = demo_csv().decode("utf-8").split("\n")
    assert lines[0] == "month,measure,category,value,note"
    assert lines[1].startswith("2024-06,knaek_kurven.accepted,,0,")
    assert lines[-1] == ""  # the file ends with a newline
    assert "\r" not in demo_csv().decode("utf-8")


def test_demo_has_each_figure_once() -> None:
    figures = demo_figures()
    assert len({f.key for f in figures}) == len(figures)


def test_january_2025_equals_the_real_note() -> None:
    state = demo_state()
    assert len(real_january.FIGURES) == 9
    for key, value in real_january.state().items():
        assert state.get(key) == value, key


def test_january_2025_has_no_category_split() -> None:
    january = [f for f in demo_figures() if f.month == JANUARY]
    assert {f.category for f in january} == {""}


def test_only_warning_is_januarys_reported_inconsistency() -> None:
    warnings = find_warnings(demo_state(), load_catalog())
    assert len(warnings) == 1, [w.message for w in warnings]
    (warning,) = warnings
    assert warning.rule == "sum_equals"
    assert warning.month == JANUARY
    discussed, relevant, not_relevant = (
        real_january.value(f"knaek_kurven.{m}") for m in ("discussed", "relevant", "not_relevant")
    )
    assert str(discussed) in warning.message
    assert f"relevante ({relevant})" in warning.message and f"({not_relevant})" in warning.message


def test_every_measure_has_a_figure_from_its_start_to_december_2025() -> None:
    catalog = load_catalog()
    months_by_measure: dict[str, set[date]] = {}
    for f in demo_figures():
        if f.category == "":
            months_by_measure.setdefault(f.measure, set()).add(f.month)
    assert set(months_by_measure) == {m.id for m in catalog.measures}
    for measure in catalog.measures:
        started = catalog.initiative(measure.initiative).started or date(2024, 6, 1)
        assert sorted(months_by_measure[measure.id]) == month_range(started, LAST), measure.id


def test_categories_are_split_from_february_2025_and_sum_to_the_total() -> None:
    catalog = load_catalog()
    state = demo_state()
    for measure in (m for m in catalog.measures if m.categories):
        for month in month_range(date(2024, 6, 1), LAST):
            parts = [state.get((month, measure.id, c)) for c in measure.category_ids]
            if month < date(2025, 2, 1):
                assert parts == [None] * len(parts), (measure.id, month)
            else:
                assert sum(parts) == state[(month, measure.id, "")], (measure.id, month)
    december = {c: state[(LAST, "top100.screened", c)] for c in ("1", "2", "3")}
    assert max(december, key=december.__getitem__) == "2"  # most TOP100 cases in category 2


def test_every_row_is_marked_as_demo() -> None:
    assert {f.note for f in demo_figures()} == {DEMO_NOTE}
    with DEMO_PATH.open(encoding="utf-8", newline="") as handle:
        assert {row["note"] for row in csv.DictReader(handle)} == {DEMO_NOTE}


def test_summer_dip_in_ungesporet_visits() -> None:
    state = demo_state()
    june, july, august = (state[(date(2025, m, 1), "ungesporet.visits", "")] for m in (6, 7, 8))
    assert july < june
    assert july < august


def test_knaek_kurven_discusses_three_to_five_families_per_meeting() -> None:
    state = demo_state()
    months = month_range(date(2024, 6, 1), LAST)
    for before, month in zip(months, months[1:], strict=False):
        meetings = state[(month, "knaek_kurven.screening_meetings", "")]
        new = (
            state[(month, "knaek_kurven.discussed", "")]
            - state[(before, "knaek_kurven.discussed", "")]
        )
        assert 3 * meetings <= new <= 5 * meetings, month
    assert state[(date(2025, 7, 1), "knaek_kurven.screening_meetings", "")] == 0
