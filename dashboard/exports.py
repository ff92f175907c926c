"""Exports: the figures CSV of DOMAIN.md (its one writer, `figures_csv`; current or as of a
moment), the same figures as XLSX (`figures_xlsx`), the public CSV and XLSX (approved months,
small counts protected by dashboard.protect) and the wide XLSX template.

Safe spreadsheets: every text cell of every CSV and XLSX krimdash writes goes through
`neutralise` (a cell that a spreadsheet would run as a formula gets a leading `'`, as OWASP
advises against CSV injection), and every text cell krimdash reads back goes through `restore`
(dashboard.files), so export → import → export gives the same bytes. Numbers are never touched;
in an XLSX every text cell is written as text, never as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .catalog import Catalog, load_catalog
from .cells import neutralise
from .config import LOCAL_TZ, small_count_threshold
from .db import Store, sql
from .months import format_month, month_label, month_range

EXPORT_COLUMNS = ["month", "measure", "category", "value", "note"]
# Statistics Denmark's sign for a figure that is not shown, and the public export's footnote.
PROTECTED_MARK = ".."
# The sheet note of an XLSX export with demo figures (the CSV says it in each row's note).
DEMO_SHEET_NOTE = "DEMO: filen indeholder fiktive demotal, ikke rigtige tal."
PROTECTED_NOTE = (
    "..: ikke vist for at beskytte små tal (1-{threshold}); heller ikke tal, "
    "som et lille tal kan regnes ud af"
)


# --- safe spreadsheet cells ---------------------------------------------------------------


def _text_cell(ws: Worksheet, row: int, column: int, value: str) -> None:
    """A text cell, neutralised, that stays text: openpyxl makes any string starting with `=` a
    formula, so the type is set after the value."""
    cell = ws.cell(row=row, column=column)
    cell.value = neutralise(value)
    cell.data_type = "s"


def _write_row(ws: Worksheet, row: int, values: Iterable[object]) -> None:
    """One row of a sheet: text through `_text_cell`, numbers as numbers, None and "" as an
    empty cell."""
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            if value:
                _text_cell(ws, row, column, value)
        elif value is not None:
            ws.cell(row=row, column=column, value=value)


def parse_as_of(text: str) -> datetime:
    """An ISO date or timestamp as naive UTC; without a zone it is Danish local time."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"«{text}» er ikke et tidspunkt; brug fx 2025-02-01 eller 2025-02-01T14:30"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    try:
        return moment.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:  # in UTC the moment would fall before year 1 or after year 9999
        raise ValueError(
            f"«{text}» er et tidspunkt uden for det, der kan regnes med (år 1 til 9999); "
            "brug fx 2025-02-01"
        ) from None


Row = tuple[date, str, str, int | str, str]


def current_rows(store: Store, as_of: datetime | None = None) -> list[Row]:
    """(month, measure, category, value, note) of every current figure (as they stood at
    `as_of`, if given), sorted by month, measure, category."""
    with store.reader() as conn:
        if as_of is None:
            return conn.execute(sql("figures_current")).fetchall()
        return conn.execute(sql("figures_as_of"), {"as_of": as_of}).fetchall()


def export_csv(store: Store, as_of: datetime | None = None) -> bytes:
    """UTF-8 CSV with the columns month,measure,category,value,note, sorted by the first three.

    Deterministic: the same figures give the same bytes, so export → import → export round-trips.
    """
    return figures_csv(current_rows(store, as_of))


def export_xlsx(store: Store, as_of: datetime | None = None) -> bytes:
    """The figures of `export_csv` as an XLSX (figures_xlsx)."""
    rows = current_rows(store, as_of)
    return figures_xlsx(rows, xlsx_notes(rows))


def xlsx_notes(rows: list[Row], public: bool = False, threshold: int | None = None) -> list[str]:
    """The lines of an XLSX export's sheet «Om filen»: that the figures are demo figures, when
    any of `rows` is one; for the public export, the footnote on `..`."""
    from .demo import DEMO_NOTE

    notes = []
    if any(str(note).startswith(DEMO_NOTE) for *_, note in rows):
        notes.append(DEMO_SHEET_NOTE)
    if public:
        threshold = small_count_threshold() if threshold is None else threshold
        notes.append(PROTECTED_NOTE.format(threshold=threshold))
    return notes


def approved_months(store: Store, as_of: datetime | None = None) -> list[date]:
    """The months the rådmand has approved (as they stood at `as_of`): what the public sees."""
    from .approvals import approved_months as approved

    return [pd.Timestamp(month).date() for month in approved(store, as_of)]


def public_csv(
    store: Store,
    as_of: datetime | None = None,
    catalog: Catalog | None = None,
    threshold: int | None = None,
) -> bytes:
    """The public export: the columns of the export CSV, approved months only, every value
    protected by dashboard.protect.protect() and written `..` where it is protected.

    A protected row's note is the footnote; otherwise a note is kept only when it marks a demo
    figure (an analyst's note is internal and may itself name a small number)."""
    return figures_csv(public_rows(store, as_of, catalog, threshold))


def public_xlsx(
    store: Store,
    as_of: datetime | None = None,
    catalog: Catalog | None = None,
    threshold: int | None = None,
) -> bytes:
    """The public export (public_rows) as an XLSX, its footnote on the sheet «Om filen»."""
    rows = public_rows(store, as_of, catalog, threshold)
    return figures_xlsx(rows, xlsx_notes(rows, public=True, threshold=threshold))


def public_rows(
    store: Store,
    as_of: datetime | None = None,
    catalog: Catalog | None = None,
    threshold: int | None = None,
) -> list[Row]:
    """The rows of the public export (see public_csv)."""
    from .demo import DEMO_NOTE
    from .protect import protect
    from .reference import loaded_catalog

    threshold = small_count_threshold() if threshold is None else threshold
    catalog = catalog or loaded_catalog(store) or load_catalog()
    months = set(approved_months(store, as_of))
    rows = [row for row in current_rows(store, as_of) if row[0] in months]
    figures = pd.DataFrame(
        [
            (pd.Timestamp(m), measure, category, value, note)
            for m, measure, category, value, note in rows
        ],
        columns=["month", "measure", "category", "value", "note"],
    )
    shown = protect(figures, catalog, threshold)
    footnote = PROTECTED_NOTE.format(threshold=threshold)
    public = []
    for (month, measure, category, _, note), value, hidden in zip(
        rows, shown["value"], shown["protected"], strict=True
    ):
        notes = [DEMO_NOTE] if note.startswith(DEMO_NOTE) else []
        if hidden:
            notes.append(footnote)
        public.append(
            (month, measure, category, PROTECTED_MARK if hidden else int(value), "; ".join(notes))
        )
    return public


def figures_csv(rows: Iterable[Row]) -> bytes:
    """The export format of DOMAIN.md: UTF-8, comma, `\\n`, a header of EXPORT_COLUMNS, and one
    line per (month, measure, category, value, note), in the order given; text cells
    neutralised (the value column is a number or `..`, never touched)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for month, measure, category, value, note in rows:
        writer.writerow(
            [
                format_month(month),
                neutralise(measure),
                neutralise(category),
                value,
                neutralise(note),
            ]
        )
    return out.getvalue().encode("utf-8")


def table_csv(header: list[str], rows: Iterable[Iterable[object]]) -> bytes:
    """Any table krimdash hands out as CSV (e.g. the numbers behind a chart): UTF-8, comma,
    `\\n`; text cells neutralised, numbers as they are, None as an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow(
            ["" if v is None else neutralise(v) if isinstance(v, str) else v for v in row]
        )
    return out.getvalue().encode("utf-8")


# The sheet beside the figures in an XLSX export: what a reader of the file must know.
ABOUT_SHEET = "Om filen"


def figures_xlsx(rows: Iterable[Row], notes: Iterable[str] = ()) -> bytes:
    """The export format as an XLSX: the sheet «Tal» with the columns of the CSV (month as text
    `2025-01`, value a number, or `..` where protected), every text cell neutralised and typed
    text; `notes` (DEMO, the public footnote) on the sheet «Om filen». The first sheet reads
    back with `krimdash import`."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Tal"
    _write_row(ws, 1, EXPORT_COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    n = 1
    for n, (month, measure, category, value, note) in enumerate(rows, start=2):
        _write_row(ws, n, [format_month(month), measure, category, value, note])
    ws.freeze_panes = "A2"
    for column, width in zip("ABCDE", (10, 34, 14, 10, 60), strict=True):
        ws.column_dimensions[column].width = width
    notes = list(notes)
    if notes:
        about = wb.create_sheet(ABOUT_SHEET)
        for line, note in enumerate(notes, start=1):
            _text_cell(about, line, 1, note)
        about.column_dimensions["A"].width = 100
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def write_template(
    store: Store, first: date, last: date, path: Path | str, catalog: Catalog | None = None
) -> int:
    """Write the wide template for first..last, pre-filled with current values; returns its rows."""
    catalog = catalog or load_catalog()
    months = month_range(first, last)
    with store.reader() as conn:
        current = {
            (m, meas, cat): v
            for m, meas, cat, v, _ in conn.execute(sql("figures_current")).fetchall()
            if first <= m <= last
        }
    wb = Workbook()
    ws = wb.active
    ws.title = "Tal"
    header = ["måling", "kategori", "betegnelse", *(format_month(m) for m in months)]
    _write_row(ws, 1, header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    fill = PatternFill("solid", fgColor="EEEEEE")
    n = 0
    for measure in catalog.measures:
        for category, label in [("", measure.label_da)] + [
            (c.id, f"{measure.label_da}: {c.label_da}") for c in measure.categories
        ]:
            n += 1
            _write_row(
                ws,
                n + 1,
                [
                    measure.id,
                    category,
                    label,
                    *(current.get((m, measure.id, category)) for m in months),
                ],
            )
            for col in (1, 2, 3):
                ws.cell(row=n + 1, column=col).fill = fill
    ws.freeze_panes = "D2"
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 12
    ws.column_dimensions["C"].width = 60
    for i in range(len(months)):
        ws.column_dimensions[get_column_letter(4 + i)].width = 10
    guide = wb.create_sheet("Vejledning")
    for row, line in enumerate(
        [
            f"krimdash-skabelon for {month_label(first)} til {month_label(last)}.",
            "Skriv ét helt tal pr. celle på arket «Tal». En tom celle betyder «ikke opgjort».",
            "Ret ikke kolonnerne måling og kategori; kategori tom er målingens total.",
            "Tallene er udfyldt med de nuværende værdier; ændrede celler gemmes som rettelser.",
            "Indlæs filen med: krimdash import FIL.xlsx",
        ],
        start=1,
    ):
        _text_cell(guide, row, 1, line)
    guide.column_dimensions["A"].width = 100
    wb.save(path)
    return n
