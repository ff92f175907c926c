"""The rules of DOMAIN.md: which figures an analyst cannot save, and which need a second look."""

from __future__ import annotations

from datetime import date

import pytest
import real_january

from dashboard import rules
from dashboard.catalog import load_catalog
from dashboard.records import Figure, RawRow
from dashboard.rules import (
    check,
    find_warnings,
    new_warnings,
    parse_value,
    stage_rows,
    validate_rows,
    work_connection,
)

CATALOG = load_catalog()
TODAY = date(2025, 3, 15)
JAN, FEB = date(2025, 1, 1), date(2025, 2, 1)
# Danish headers, so a message that points at a column is seen to use the file's own names.
COLUMNS = {
    "month": "Måned",
    "measure": "Måling",
    "category": "Kategori",
    "value": "Værdi",
    "note": "Bemærkning",
}


def row(line: int, month: object, measure: object, category: object, value: object) -> RawRow:
    return RawRow(line, month, measure, category, value, "", columns=COLUMNS)


@pytest.mark.parametrize("raw", [68, "68", " 68 ", 68.0, "+68"])
def test_a_whole_number_is_read_as_it_was_meant(raw: object) -> None:
    assert parse_value(raw) == 68


@pytest.mark.parametrize("raw", [0, "0", 1_000_000, "1000000"])
def test_zero_and_the_limit_itself_are_allowed(raw: object) -> None:
    assert parse_value(raw) == int(raw)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        pytest.param(-1, "-1 er negativ", id="negative"),
        pytest.param("-1", "-1 er negativ", id="negative-text"),
        pytest.param("12,5", "«12,5» er ikke et helt tal", id="danish-decimal"),
        pytest.param("12.5", "«12.5» er ikke et helt tal", id="decimal-point"),
        pytest.param(12.5, "«12,5» er ikke et helt tal", id="excel-decimal"),
        pytest.param("abc", "«abc» er ikke et helt tal", id="text"),
        pytest.param("1.234", "«1.234» er ikke et helt tal; skriv 1234", id="thousands-point"),
        pytest.param("1 234", "«1 234» er ikke et helt tal; skriv 1234", id="thousands-space"),
        pytest.param("", "«» er ikke et helt tal", id="empty"),
        pytest.param(1_000_001, "1000001 er over grænsen på 1.000.000", id="over-limit"),
        pytest.param(True, "«True» er ikke et helt tal", id="boolean"),
    ],
)
def test_a_value_that_is_not_a_count_is_refused_with_a_danish_reason(
    raw: object, reason: str
) -> None:
    with pytest.raises(ValueError) as caught:
        parse_value(raw)
    assert reason in str(caught.value)


@pytest.mark.parametrize(
    ("bad", "field", "reason"),
    [
        pytest.param(
            row(7, "2025-01", "top100.screenet", "", 68),
            "measure",
            "ukendt måling «top100.screenet»; mente du top100.screened?",
            id="unknown-measure",
        ),
        pytest.param(
            row(7, "2025-01", "top100.screened", "4", 10),
            "category",
            "har ikke kategorien «4» (tilladt: 1, 2, 3)",
            id="unknown-category",
        ),
        pytest.param(
            row(7, "2025-01", "knaek_kurven.discussed", "1", 10),
            "category",
            "(tilladt: ingen (kun total))",
            id="category-on-measure-without-categories",
        ),
        pytest.param(
            row(7, "2025-13", "ungeteam.cases", "", 45),
            "month",
            "«2025-13» er ikke en måned",
            id="malformed-month",
        ),
        pytest.param(
            row(7, "december 1999", "ungeteam.cases", "", 45),
            "month",
            "december 1999 er før januar 2000",
            id="month-before-2000",
        ),
        pytest.param(
            row(7, "2025-04", "ungeteam.cases", "", 45),
            "month",
            "april 2025 ligger i fremtiden",
            id="future-month",
        ),
        pytest.param(
            row(7, "2025-01", "ungeteam.cases", "", "-3"),
            "value",
            "-3 er negativ",
            id="negative-value",
        ),
    ],
)
def test_a_wrong_row_is_an_error_at_its_line_and_column(
    bad: RawRow, field: str, reason: str
) -> None:
    good = row(2, "2025-01", "knaek_kurven.discussed", "", "19")
    figures, errors = validate_rows([good, bad], CATALOG, TODAY)
    assert len(errors) == 1, [str(e) for e in errors]
    (error,) = errors
    assert reason in error.reason
    assert (error.line, error.column) == (7, COLUMNS[field])
    assert str(error).startswith(f"Linje 7, kolonne «{COLUMNS[field]}»: ")
    assert [f.line for f in figures] == [2]


def test_the_current_month_is_not_the_future() -> None:
    figures, errors = validate_rows(
        [row(2, "marts 2025", "ungeteam.cases", "", 45)], CATALOG, TODAY
    )
    assert errors == []
    assert figures == [Figure(date(2025, 3, 1), "ungeteam.cases", "", 45, "", 2)]


def test_a_row_with_several_mistakes_reports_each_of_them() -> None:
    _, errors = validate_rows([row(4, "2025-13", "nope", "", "x")], CATALOG, TODAY)
    assert {e.column for e in errors} == {"Måned", "Måling", "Værdi"}
    assert {e.line for e in errors} == {4}


def test_the_same_figure_twice_with_different_values_names_both_lines() -> None:
    rows = [
        row(3, "2025-01", "ungeteam.cases", "ukn", 7),
        row(4, "2025-01", "ungeteam.cases", "", 45),
        row(5, "jan 2025", "ungeteam.cases", "ukn", 8),
    ]
    _, errors = validate_rows(rows, CATALOG, TODAY)
    assert len(errors) == 1
    (error,) = errors
    assert (error.line, error.column) == (5, "Værdi")
    assert "januar 2025 / ungeteam.cases / kategori ukn står to gange" in error.reason
    assert "7 i linje 3 og 8 her" in error.reason


def test_the_same_figure_twice_with_the_same_value_is_one_figure() -> None:
    rows = [
        row(3, "2025-01", "ungeteam.cases", "", 45),
        row(9, "januar 2025", "ungeteam.cases", "", "45"),
    ]
    figures, errors = validate_rows(rows, CATALOG, TODAY)
    assert errors == []
    assert figures == [Figure(JAN, "ungeteam.cases", "", 45, "", 3)]


def test_a_connection_checks_a_large_staging_after_a_small_one_and_back(monkeypatch) -> None:
    """A few staged rows get their valid rows as a table, many as a view, and the staged rows and
    lookups are temp tables made from lists (few) or registered Arrow tables (more than
    rules._LIST_ROWS): checking with each kind after the other on the same connection gives the
    same figures and errors each time."""
    rows = [
        row(3, "2025-01", "ungeteam.cases", "", 45),
        row(4, "2025-01", "ungeteam.cases", "", 46),
        row(5, "februar 2025", "ungeteam.cases", "", "7"),
    ]
    with work_connection() as conn:
        found = []
        # None: not known, as for DuckDB's read_csv; 2: the rows and lookups as Arrow tables
        for staged_rows, list_rows in ((3, 2_000), (None, 2), (3, 2), (None, 2_000), (3, 2_000)):
            monkeypatch.setattr(rules, "_LIST_ROWS", list_rows)
            staged = stage_rows(conn, rows)
            staged.rows = staged_rows
            errors = [(e.line, e.column) for e in check(staged, CATALOG, TODAY)]
            figures = conn.execute(
                "select line, month, value from rule_checked order by ord"
            ).fetchall()
            found.append((errors, figures))
    assert found[0] == ([(4, "Værdi")], [(3, JAN, 45), (5, date(2025, 2, 1), 7)])
    assert found == [found[0]] * 5


def test_a_connection_checks_valid_rows_after_repeated_ones_and_back() -> None:
    """Rows that are all valid figures make rule_checked a table of its own, repeated ones a view:
    checking each after the other on the same connection gives the figures each time."""
    valid = [
        row(3, "2025-01", "ungeteam.cases", "", 45),
        row(4, "2025-02", "ungeteam.cases", "", 7),
    ]
    repeated = [*valid, row(5, "2025-01", "ungeteam.cases", "", 45)]
    with work_connection() as conn:
        found = []
        for rows in (valid, repeated, valid, repeated):
            errors = check(stage_rows(conn, rows), CATALOG, TODAY)
            figures = conn.execute("select line, value from rule_checked order by ord").fetchall()
            found.append((errors, figures))
    assert found == [([], [(3, 45), (4, 7)])] * 4


def rules_in(state: dict[tuple[date, str, str], int]) -> list[tuple[str, date, str]]:
    return [(w.rule, w.month, w.message) for w in find_warnings(state, CATALOG)]


SCREENED, DISCUSSED = "top100.screened", "knaek_kurven.discussed"
KK = "knaek_kurven."


@pytest.mark.parametrize(
    ("state", "rule", "message"),
    [
        pytest.param(
            {(JAN, SCREENED, ""): 10, (JAN, SCREENED, "1"): 8, (JAN, SCREENED, "2"): 5},
            "categories_vs_total",
            "januar 2025: kategorierne for Screenede sager summerer til 13, men totalen er 10",
            id="parts-above-total",
        ),
        pytest.param(
            {
                (JAN, "ungeteam.cases", ""): 45,
                (JAN, "ungeteam.cases", "barnets_lov"): 20,
                (JAN, "ungeteam.cases", "sel"): 15,
                (JAN, "ungeteam.cases", "ukn"): 7,
            },
            "categories_vs_total",
            "summerer til 42, men totalen er 45",
            id="all-parts-present-sum-differs",
        ),
        pytest.param(
            {(JAN, KK + "relevant", ""): 10, (JAN, DISCUSSED, ""): 9},
            "not_above",
            "januar 2025: Familier vurderet relevante (10) er flere end Familier drøftet på "
            "screeningsmøder (9)",
            id="relevant-above-discussed",
        ),
        pytest.param(
            {(JAN, KK + "offered", ""): 9, (JAN, KK + "relevant", ""): 8},
            "not_above",
            "Familier tilbudt indsatsen (9) er flere end Familier vurderet relevante (8)",
            id="offered-above-relevant",
        ),
        pytest.param(
            {(JAN, "top100.employment_case", ""): 40, (JAN, SCREENED, ""): 30},
            "not_above",
            "Screenede med beskæftigelsessag (40) er flere end Screenede sager (30)",
            id="employment-case-above-screened",
        ),
        pytest.param(
            {(JAN, "top100.called_in", ""): 31, (JAN, SCREENED, ""): 30},
            "not_above",
            "Indkaldte borgere (31) er flere end Screenede sager (30)",
            id="called-in-above-screened",
        ),
        pytest.param(
            {
                (JAN, KK + "relevant", ""): 8,
                (JAN, KK + "not_relevant", ""): 12,
                (JAN, DISCUSSED, ""): 19,
            },
            "sum_equals",
            "= 20, men Familier drøftet på screeningsmøder er 19",
            id="relevant-plus-not-relevant-differs-from-discussed",
        ),
        pytest.param(
            {
                (JAN, KK + "accepted", ""): 3,
                (JAN, KK + "declined", ""): 2,
                (JAN, KK + "in_process", ""): 2,
                (JAN, KK + "offered", ""): 8,
            },
            "sum_equals",
            "Familier i proces (2) = 7, men Familier tilbudt indsatsen er 8",
            id="accepted-declined-in-process-differ-from-offered",
        ),
        pytest.param(
            {(JAN, DISCUSSED, ""): 19, (FEB, DISCUSSED, ""): 17},
            "cumulative_decrease",
            "februar 2025: Familier drøftet på screeningsmøder er 17, lavere end 19 i januar 2025",
            id="cumulative-falls",
        ),
        pytest.param(
            {(date(2024, 5, 1), SCREENED, ""): 3},
            "before_start",
            "maj 2024: Screenede sager har et tal før TOP100 startede (juni 2024)",
            id="month-before-start",
        ),
    ],
)
def test_a_figure_that_looks_wrong_gives_one_warning(
    state: dict[tuple[date, str, str], int], rule: str, message: str
) -> None:
    warnings = rules_in(state)
    assert len(warnings) == 1, warnings
    (found_rule, _, found_message) = warnings[0]
    assert found_rule == rule
    assert message in found_message


@pytest.mark.parametrize(
    "state",
    [
        pytest.param(
            {(JAN, SCREENED, ""): 10, (JAN, SCREENED, "1"): 2, (JAN, SCREENED, "2"): 3},
            id="parts-below-total-but-incomplete",
        ),
        pytest.param(
            {
                (JAN, SCREENED, ""): 10,
                (JAN, SCREENED, "1"): 2,
                (JAN, SCREENED, "2"): 5,
                (JAN, SCREENED, "3"): 3,
            },
            id="all-parts-add-up",
        ),
        pytest.param(
            {(JAN, SCREENED, "1"): 2, (JAN, SCREENED, "2"): 5},
            id="parts-without-a-total",
        ),
        pytest.param(
            {(JAN, "ungeteam.cases", ""): 45, (FEB, "ungeteam.cases", ""): 40},
            id="stock-falls",
        ),
        pytest.param(
            {(JAN, "ungesporet.visits", ""): 300, (FEB, "ungesporet.visits", ""): 120},
            id="flow-falls",
        ),
        pytest.param(
            {(JAN, DISCUSSED, ""): 19, (FEB, DISCUSSED, ""): 19},
            id="cumulative-unchanged",
        ),
        pytest.param(
            {
                (JAN, KK + "relevant", ""): 8,
                (JAN, KK + "not_relevant", ""): 11,
                (JAN, DISCUSSED, ""): 19,
            },
            id="funnel-adds-up",
        ),
        pytest.param({(date(2024, 6, 1), SCREENED, ""): 3}, id="the-start-month-itself"),
        pytest.param({(date(2015, 1, 1), "ungeteam.cases", ""): 30}, id="initiative-without-start"),
    ],
)
def test_figures_that_may_well_be_right_give_no_warning(
    state: dict[tuple[date, str, str], int],
) -> None:
    assert rules_in(state) == []


def test_a_decrease_is_against_the_latest_earlier_month_with_a_figure() -> None:
    state = {
        (date(2024, 11, 1), DISCUSSED, ""): 12,
        (JAN, DISCUSSED, ""): 19,
        (date(2025, 3, 1), DISCUSSED, ""): 18,
    }
    assert [(rule, month) for rule, month, _ in rules_in(state)] == [
        ("cumulative_decrease", date(2025, 3, 1))
    ]


REAL_JANUARY = real_january.state()  # data/real/2025-01_orientering.csv


def test_januarys_note_gives_exactly_its_known_inconsistency() -> None:
    assert [(rule, month) for rule, month, _ in rules_in(REAL_JANUARY)] == [("sum_equals", JAN)]


def test_new_warnings_leaves_out_what_was_already_acknowledged() -> None:
    fewer = REAL_JANUARY[(JAN, DISCUSSED, "")] - 2
    february = {**REAL_JANUARY, (FEB, DISCUSSED, ""): fewer, (FEB, SCREENED, ""): 75}
    added = new_warnings(REAL_JANUARY, february, CATALOG)
    assert [(w.rule, w.month) for w in added] == [("cumulative_decrease", FEB)]


def test_new_warnings_is_empty_when_nothing_gets_worse() -> None:
    assert new_warnings(REAL_JANUARY, dict(REAL_JANUARY), CATALOG) == []
    adds_up = (
        REAL_JANUARY[(JAN, KK + "relevant", "")] + REAL_JANUARY[(JAN, KK + "not_relevant", "")]
    )
    fixed = {**REAL_JANUARY, (JAN, DISCUSSED, ""): adds_up}
    assert new_warnings(REAL_JANUARY, fixed, CATALOG) == []


def test_a_changed_inconsistency_is_a_new_warning() -> None:
    relevant, not_relevant = (REAL_JANUARY[(JAN, KK + m, "")] for m in ("relevant", "not_relevant"))
    worse = {**REAL_JANUARY, (JAN, KK + "not_relevant", ""): not_relevant + 1}
    added = new_warnings(REAL_JANUARY, worse, CATALOG)
    assert [(w.rule, w.month) for w in added] == [("sum_equals", JAN)]
    assert f"= {relevant + not_relevant + 1}, men" in added[0].message
