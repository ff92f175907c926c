"""Safe spreadsheets: every text cell krimdash writes to a CSV or XLSX is neutralised (a cell a
spreadsheet would run as a formula gets a leading `'`), numbers stay numbers, and importing the
export gives the original text back, so export → import → export is byte-identical; and
`krimdash export --format csv|xlsx [--public]`."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import Krimdash
from disclosure import disclosures, shown_from_public_csv
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from dashboard.access import LOCAL
from dashboard.catalog import load_catalog
from dashboard.cells import FORMULA_STARTS, neutralise, restore
from dashboard.db import Store
from dashboard.demo import DEMO_NOTE
from dashboard.exports import (
    ABOUT_SHEET,
    DEMO_SHEET_NOTE,
    EXPORT_COLUMNS,
    PROTECTED_MARK,
    approved_months,
    export_csv,
    export_xlsx,
    figures_csv,
    figures_xlsx,
    public_csv,
    public_xlsx,
    table_csv,
    write_template,
)
from dashboard.files import FAST_CSV_CHARS, read_figures, stage_figures
from dashboard.imports import import_file, import_rows
from dashboard.records import RawRow

# Notes as an attacker (or an unlucky analyst) would write them.
HOSTILE = [
    '=HYPERLINK("http://x";"Klik")',
    "+cmd|' /C calc'!A0",
    "-1+2",
    "@SUM(A1)",
    "'=1+1",  # really starts with a quote: must survive the round trip too
    "''+x",
    "'plain",
    "'",
    "=",
    "almindelig note",
]
# What a spreadsheet runs as a formula: the first character.
DANGEROUS = tuple(FORMULA_STARTS)

texts = st.text(
    alphabet=st.sampled_from(["=", "+", "-", "@", "\t", "\r", "'", "a", " ", "ø", "1", '"', ","]),
    max_size=8,
)


@given(texts)
def test_restore_undoes_neutralise(text: str) -> None:
    assert restore(neutralise(text)) == text


@given(texts)
def test_a_neutralised_cell_never_starts_as_a_formula(text: str) -> None:
    assert not neutralise(text).startswith(DANGEROUS)


@given(texts)
def test_neutralise_gives_back_what_restore_read(text: str) -> None:
    # A file krimdash wrote is read and written again unchanged (the written side of the
    # round trip): every neutralised text is a fixed point.
    written = neutralise(text)
    assert neutralise(restore(written)) == written


def test_only_a_quote_before_a_formula_start_is_taken_off() -> None:
    assert restore("'=x") == "=x"
    assert restore("''=x") == "'=x"
    assert restore("'\tx") == "\tx"
    assert restore("'x") == "'x"  # an apostrophe that protects nothing is text
    assert restore("''") == "''"
    assert restore("x'=") == "x'="
    assert neutralise("-1+2") == "'-1+2"
    assert neutralise("'=1+1") == "''=1+1"
    assert neutralise("'plain") == "'plain"


# A cell of the export CSV holds no carriage return: a figure's text may hold no control
# character (dashboard.rules), and the csv module leaves a lone one unquoted.
cell_texts = texts.filter(lambda t: "\r" not in t)


@given(st.lists(st.tuples(cell_texts, cell_texts), max_size=5))
def test_the_export_csv_reads_back_as_written(cells: list[tuple[str, str]]) -> None:
    rows = [(date(2025, 1, 1), "m", category, 7, note) for category, note in cells]
    data = figures_csv(rows)
    read = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))[1:]
    assert all(not cell.startswith(DANGEROUS) for row in read for cell in row)
    assert [(restore(r[2]), restore(r[4])) for r in read] == cells
    assert [r[3] for r in read] == ["7"] * len(cells)  # the value column is never touched


def test_a_table_csv_keeps_numbers_and_neutralises_text() -> None:
    data = table_csv(["Måned", "=kolonne"], [["2025-01", 5], ["-2", -3], ["x", None]])
    assert data.decode("utf-8").splitlines() == [
        "Måned,'=kolonne",
        "2025-01,5",
        "'-2,-3",  # a negative number stays a number; the same text is neutralised
        "x,",
    ]


def _hostile_store(store: Store) -> Store:
    """`store` with a figure per hostile note, saved as the entry form saves them (no file)."""
    measures = ["ungesporet.visits", "ungesporet.activities", "knaek_kurven.screening_meetings"]
    rows = [
        RawRow(
            line=n + 2,
            month=f"2025-{n // 3 + 1:02d}",
            measure=measures[n % 3],
            category="",
            value=str(10 + n),
            note=note,
            columns={},
        )
        for n, note in enumerate(HOSTILE)
    ]
    result = import_rows(store, rows, user="analytiker", role=LOCAL, today=date(2025, 12, 1))
    assert result.status == "saved", result.errors
    return store


def _empty(path: Path) -> Store:
    from dashboard.reference import load_reference

    other = Store(path)
    other.upgrade()
    load_reference(other, user="test")
    return other


def _import(store: Store, path: Path) -> None:
    result = import_file(store, path, user="analytiker", role=LOCAL, today=date(2025, 12, 1))
    assert result.status == "saved", result.errors


def test_hostile_notes_round_trip_through_the_csv_export(store: Store, tmp_path: Path) -> None:
    first = export_csv(_hostile_store(store))
    text = first.decode("utf-8")
    assert '\'=HYPERLINK(""http://x"";""Klik"")' in text
    assert ",'+cmd|' /C calc'!A0\n" in text
    assert ",'-1+2\n" in text and ",'@SUM(A1)\n" in text and ",''=1+1\n" in text
    for row in list(csv.reader(io.StringIO(text, newline="")))[1:]:
        assert not any(cell.startswith(DANGEROUS) for cell in row if not cell.isdigit())
    path = tmp_path / "eksport.csv"
    path.write_bytes(first)
    # the reader gives them back
    assert sorted(r.note for r in read_figures(first).rows) == sorted(HOSTILE)
    other = _empty(tmp_path / "anden.duckdb")
    _import(other, path)
    assert export_csv(other) == first


def test_hostile_notes_round_trip_through_the_xlsx_export(store: Store, tmp_path: Path) -> None:
    first = export_csv(_hostile_store(store))
    data = export_xlsx(store)
    sheet = load_workbook(io.BytesIO(data))["Tal"]
    rows = list(sheet.iter_rows(min_row=2))
    assert [c.value for c in next(sheet.iter_rows(max_row=1))] == EXPORT_COLUMNS
    for month, measure, category, value, note in rows:
        assert month.data_type == measure.data_type == note.data_type == "s"
        assert category.value is None  # the total: an empty cell
        assert not str(note.value).startswith(DANGEROUS)
        assert value.data_type == "n" and isinstance(value.value, int)  # numbers stay numbers
    assert sorted(restore(r[4].value) for r in rows) == sorted(HOSTILE)
    path = tmp_path / "eksport.xlsx"
    path.write_bytes(data)
    other = _empty(tmp_path / "anden.duckdb")
    _import(other, path)
    assert export_csv(other) == first


def test_a_large_export_read_by_duckdb_gives_the_notes_back(tmp_path: Path) -> None:
    # A file of 256 kB or more without quotes is split by DuckDB (files._stage_long_csv): it
    # restores the neutralised cells as the csv module's reading does.
    notes = ["-1+2", "@SUM(A1)", "'=1+1", "'plain", "+x", "ok", "''-y"]
    rows = [
        (date(2000 + n // 12 % 25, n % 12 + 1, 1), "m.x", "", n, f"{notes[n % len(notes)]} nr {n}")
        for n in range(FAST_CSV_CHARS // 20)
    ]
    data = figures_csv(rows)
    assert len(data) > FAST_CSV_CHARS
    assert b'"' not in data
    with duckdb.connect() as conn:
        parsed, staged = stage_figures(data, "stor.csv", conn)
        assert parsed.rows == []  # DuckDB read it
        fast = [r[0] for r in conn.execute("select note from staging order by ord").fetchall()]
    slow = [r.note for r in read_figures(data).rows]
    assert fast == slow
    assert slow[:7] == [f"{note} nr {i}" for i, note in enumerate(notes)]


def test_a_neutralised_tab_or_carriage_return_is_still_refused(
    store: Store, tmp_path: Path
) -> None:
    # The reader gives back what was written, and a note may hold no control character: the
    # neutralising opens no way around the rule.
    path = tmp_path / "tal.csv"
    path.write_bytes(figures_csv([(date(2025, 1, 1), "ungesporet.visits", "", 5, "\tx")]))
    assert path.read_bytes().endswith(b",'\tx\n")
    assert [r.note for r in read_figures(path.read_bytes()).rows] == ["\tx"]
    result = import_file(store, path, user="analytiker", role=LOCAL, today=date(2025, 12, 1))
    assert result.status == "rejected"
    assert "kontroltegnet \\t" in result.errors[0].reason
    assert neutralise("\rx") == "'\rx" and restore("'\rx") == "\rx"


def test_the_template_writes_text_cells_as_text(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "skabelon.xlsx"
    write_template(store, date(2025, 1, 1), date(2025, 2, 1), path)
    sheet = load_workbook(path)["Tal"]
    for row in sheet.iter_rows():
        for cell in row[:3]:
            assert cell.data_type == "s" or cell.value is None
    assert [c.value for c in sheet[1]][:4] == ["måling", "kategori", "betegnelse", "2025-01"]


# --- krimdash export --format ---------------------------------------------------------------


def _xlsx_rows(path: Path) -> list[list[object]]:
    sheet = load_workbook(path)["Tal"]
    return [[c.value if c.value is not None else "" for c in row] for row in sheet.iter_rows()]


def _as_csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_cli_exports_csv_by_default_and_xlsx_on_request(
    demo_db: Path, krimdash: Krimdash, tmp_path: Path
) -> None:
    default, named, xlsx = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.xlsx"
    assert krimdash("export", "-o", default, db=demo_db).code == 0
    assert krimdash("export", "--format", "csv", "-o", named, db=demo_db).code == 0
    code, out, err = krimdash("export", "--format", "xlsx", "-o", xlsx, db=demo_db)
    assert code == 0, err
    assert default.read_bytes() == named.read_bytes() == export_csv(Store(demo_db))
    csv_rows = _as_csv_rows(default.read_bytes())
    assert f"Eksporteret {len(csv_rows) - 1} tal til {xlsx}" in out
    assert [[str(v) for v in row] for row in _xlsx_rows(xlsx)] == csv_rows
    about = load_workbook(xlsx)[ABOUT_SHEET]
    assert about["A1"].value == DEMO_SHEET_NOTE  # demo figures: the file says so
    code, _, err = krimdash("export", "--format", "pdf", db=demo_db)
    assert code != 0 and "--format" in err


def test_the_public_xlsx_export_of_the_demo_shows_no_small_count(
    demo_db: Path, krimdash: Krimdash, tmp_path: Path
) -> None:
    path = tmp_path / "offentlig.xlsx"
    code, _, err = krimdash("export", "--public", "--format", "xlsx", "-o", path, db=demo_db)
    assert code == 0, err
    store = Store(demo_db)
    public = public_csv(store)
    rows = _xlsx_rows(path)
    assert [[str(v) for v in row] for row in rows] == _as_csv_rows(public)
    assert public_xlsx(store) and rows[1:]
    people = {m.id for m in load_catalog().measures if m.counts_people}
    shown = [r[3] for r in rows[1:] if r[1] in people and r[3] != PROTECTED_MARK]
    assert shown and all(isinstance(v, int) for v in shown)
    assert not [v for v in shown if 1 <= v <= 4]
    assert any(r[3] == PROTECTED_MARK for r in rows[1:])
    assert all(str(r[4]).startswith(DEMO_NOTE) for r in rows[1:])
    notes = [c.value for c in load_workbook(path)[ABOUT_SHEET]["A"]]
    assert notes[0] == DEMO_SHEET_NOTE and "(1-4)" in notes[1]
    # An outsider who reads the file works out no small count.
    months = set(approved_months(store))
    truth = [r for r in store.rows("figures_current") if r[0] in months]
    import pandas as pd

    frame = pd.DataFrame(
        [(pd.Timestamp(m), meas, cat, v) for m, meas, cat, v, _ in truth],
        columns=["month", "measure", "category", "value"],
    )
    shown_table = shown_from_public_csv(
        figures_csv((date.fromisoformat(f"{r[0]}-01"), r[1], r[2], r[3], "") for r in rows[1:])
    )
    assert disclosures(frame, shown_table, load_catalog(), 4) == []


@pytest.mark.parametrize("public", [False, True])
def test_cli_xlsx_to_standard_output_is_the_file(
    demo_db: Path, tmp_path: Path, public: bool
) -> None:
    import os
    import subprocess
    import sys

    from conftest import ROOT

    done = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "export", "--format", "xlsx"]
        + (["--public"] if public else []),
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "KRIMDASH_DB": str(demo_db), "KRIMDASH_USER": "analytiker"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    path = tmp_path / "ud.xlsx"
    path.write_bytes(done.stdout)
    expected = public_csv(Store(demo_db)) if public else export_csv(Store(demo_db))
    assert [[str(v) for v in row] for row in _xlsx_rows(path)] == _as_csv_rows(expected)


# Notes as they are stored (no control character, no space around: the rules strip a note):
# quotes, formula starts, separators.
notes = (
    st.text(
        alphabet=st.sampled_from(["=", "+", "-", "@", "'", '"', ",", ";", " ", "a", "Ø", "1", "("]),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(bool)
)


@given(st.lists(notes, min_size=1, max_size=4))
def test_any_note_comes_back_from_the_csv_and_the_xlsx_export(written: list[str]) -> None:
    rows = [(date(2025, 1, 1), "ungesporet.visits", "", n, note) for n, note in enumerate(written)]
    csv_data = figures_csv(rows)
    xlsx_data = figures_xlsx(rows)
    assert [r.note for r in read_figures(csv_data).rows] == written
    assert [r.note for r in read_figures(xlsx_data).rows] == written
    # and what is read is written again as the same bytes
    again = [
        (date(2025, 1, 1), r.measure, r.category, int(r.value), r.note)
        for r in read_figures(csv_data).rows
    ]
    assert figures_csv(again) == csv_data
