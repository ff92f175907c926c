"""Exports: the figures CSV of DOMAIN.md (its one writer, `figures_csv`; current or as of a
moment), the public CSV (approved months, small counts protected by dashboard.protect) and the
wide XLSX template."""

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

from .catalog import Catalog, load_catalog
from .config import LOCAL_TZ, small_count_threshold
from .db import Store, sql
from .months import format_month, month_label, month_range

EXPORT_COLUMNS = ["month", "measure", "category", "value", "note"]
# Statistics Denmark's sign for a figure that is not shown, and the public export's footnote.
PROTECTED_MARK = ".."
PROTECTED_NOTE = (
    "..: ikke vist for at beskytte små tal (1-{threshold}); heller ikke tal, "
    "som et lille tal kan regnes ud af"
)


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


def export_csv(store: Store, as_of: datetime | None = None) -> bytes:
    """UTF-8 CSV with the columns month,measure,category,value,note, sorted by the first three.

    Deterministic: the same figures give the same bytes, so export → import → export round-trips.
    """
    with store.reader() as conn:
        if as_of is None:
            rows = conn.execute(sql("figures_current")).fetchall()
        else:
            rows = conn.execute(sql("figures_as_of"), {"as_of": as_of}).fetchall()
    return figures_csv(rows)


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
    from .demo import DEMO_NOTE
    from .protect import protect
    from .reference import loaded_catalog

    threshold = small_count_threshold() if threshold is None else threshold
    catalog = catalog or loaded_catalog(store) or load_catalog()
    months = set(approved_months(store, as_of))
    with store.reader() as conn:
        if as_of is None:
            rows = conn.execute(sql("figures_current")).fetchall()
        else:
            rows = conn.execute(sql("figures_as_of"), {"as_of": as_of}).fetchall()
    rows = [row for row in rows if row[0] in months]
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
    return figures_csv(public)


def figures_csv(rows: Iterable[tuple[date, str, str, int | str, str]]) -> bytes:
    """The export format of DOMAIN.md: UTF-8, comma, `\\n`, a header of EXPORT_COLUMNS, and one
    line per (month, measure, category, value, note), in the order given."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for month, measure, category, value, note in rows:
        writer.writerow([format_month(month), measure, category, value, note])
    return out.getvalue().encode("utf-8")


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
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    fill = PatternFill("solid", fgColor="EEEEEE")
    n = 0
    for measure in catalog.measures:
        for category, label in [("", measure.label_da)] + [
            (c.id, f"{measure.label_da}: {c.label_da}") for c in measure.categories
        ]:
            ws.append(
                [
                    measure.id,
                    category,
                    label,
                    *(current.get((m, measure.id, category)) for m in months),
                ]
            )
            n += 1
            for col in (1, 2, 3):
                ws.cell(row=ws.max_row, column=col).fill = fill
    ws.freeze_panes = "D2"
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 12
    ws.column_dimensions["C"].width = 60
    for i in range(len(months)):
        ws.column_dimensions[get_column_letter(4 + i)].width = 10
    guide = wb.create_sheet("Vejledning")
    for line in [
        f"krimdash-skabelon for {month_label(first)} til {month_label(last)}.",
        "Skriv ét helt tal pr. celle på arket «Tal». En tom celle betyder «ikke opgjort».",
        "Ret ikke kolonnerne måling og kategori; kategori tom er målingens total.",
        "Tallene er udfyldt med de nuværende værdier; ændrede celler gemmes som rettelser.",
        "Indlæs filen med: krimdash import FIL.xlsx",
    ]:
        guide.append([line])
    guide.column_dimensions["A"].width = 100
    wb.save(path)
    return n
