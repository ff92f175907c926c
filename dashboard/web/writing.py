"""What the write pages (Indtast tal, Indlæs fil, Ret og fortryd) compute, without Streamlit: the
entry form's fields and the rows they make, an uploaded file's safe name and private folder,
and the preview's bounded tables. Every write goes through dashboard.imports (import_rows,
import_file, retract) and dashboard.corrections (undo_batch): the same rules and the single
write path as the command line."""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from dashboard.catalog import Catalog, Measure
from dashboard.config import local_time
from dashboard.db import Store
from dashboard.months import add_months, current_month, format_month, month_label
from dashboard.records import Figure, Problem, RawRow
from dashboard.rules import printable

# The preview shows counts, and at most this many rows of each kind (a file may hold 276,000).
PREVIEW_ROWS = 200
MAX_PROBLEMS_SHOWN = 500
MAX_NAME_CHARS = 100  # an uploaded file's name as kept (the rest of a longer name is dropped)
SUFFIXES = (".csv", ".xlsx")
ENTRY_MONTHS = 36  # the entry form offers the current month and the 35 before it


def entry_months(today: date | None = None) -> list[date]:
    """The months the entry form offers, newest first (the current month first)."""
    latest = current_month(today)
    return [add_months(latest, -n) for n in range(ENTRY_MONTHS)]


@dataclass(frozen=True)
class Field:
    """One field of the entry form: a measure's total (category '') or one of its categories."""

    measure: Measure
    category: str

    @property
    def id(self) -> tuple[str, str]:
        return (self.measure.id, self.category)

    def label(self, lang: str = "da") -> str:
        if not self.category:
            return self.measure.label(lang)
        return f"{self.measure.label(lang)}: {self.measure.category_label(self.category, lang)}"


def entry_fields(catalog: Catalog, initiative_id: str) -> list[Field]:
    """The fields of an initiative's form, in the catalog's order: each measure's total, then
    its categories."""
    return [Field(m, c) for m in catalog.measures_of(initiative_id) for c in ("", *m.category_ids)]


def field_key(month: date, initiative_id: str, field: Field) -> str:
    """The widget key of a field: the month and initiative in it, so another month's form has
    fields of its own."""
    return f"indtast|{format_month(month)}|{initiative_id}|{field.measure.id}|{field.category}"


def month_values(
    store: Store, month: date
) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """The current figures of `month` and of the month before it: (measure, category) -> value,
    read now (not cached: a form shows what the store holds)."""
    previous = add_months(month, -1)
    now: dict[tuple[str, str], int] = {}
    before: dict[tuple[str, str], int] = {}
    for m, measure, category, value in store.rows(
        "figures_of_months", {"month": month, "previous": previous}
    ):
        (now if m == month else before)[(measure, category)] = int(value)
    return now, before


def entry_rows(month: date, typed: dict[str, tuple[Field, str]]) -> list[RawRow]:
    """The rows the form's filled-in fields make (widget key -> (field, text)); each row names
    its field's key as the column of every cell, so a Problem's column is the field it is about."""
    rows = []
    for line, (key, (field, value)) in enumerate(typed.items(), start=1):
        if not value.strip():
            continue
        columns = dict.fromkeys(("month", "measure", "category", "value", "note"), key)
        rows.append(
            RawRow(
                line, format_month(month), field.measure.id, field.category, value, None, columns
            )
        )
    return rows


def problems_at(problems: list[Problem]) -> tuple[dict[str, list[str]], list[str]]:
    """A dry run's errors by the field (widget key) they are about, and those about none."""
    at: dict[str, list[str]] = {}
    loose: list[str] = []
    for p in problems:
        if p.column:
            at.setdefault(p.column, []).append(p.reason)
        else:
            loose.append(p.reason)
    return at, loose


# --- uploads ----------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^\w.,()+\- ]", re.UNICODE)


class UploadRefused(ValueError):
    """An uploaded file that is not read at all (its name says it is no CSV or XLSX); Danish."""


def safe_upload_name(name: str) -> str:
    """An uploaded file's name as kept and shown: its base name only (no folders, Windows' nor
    POSIX'), no control or markup characters (each becomes "_"), at most MAX_NAME_CHARS
    characters with its suffix kept; UploadRefused unless it ends in .csv or .xlsx."""
    base = re.split(r"[\\/]", str(name))[-1]
    base = unicodedata.normalize("NFC", base)
    base = _UNSAFE.sub("_", printable(base).replace("\\", "_")).rstrip(" .")
    suffix = next((x for x in SUFFIXES if base.lower().endswith(x)), None)
    if suffix is None:
        raise UploadRefused("filen skal være en CSV-fil (.csv) eller en Excel-projektmappe (.xlsx)")
    stem = base[: -len(suffix)].strip(" .")[: MAX_NAME_CHARS - len(suffix)] or "fil"
    return stem + suffix


# An upload's folder older than this belongs to a preview no one saved (the session closed):
# the next upload removes it, so abandoned files do not pile up in the temp folder.
STALE_UPLOAD_SECONDS = 24 * 3600


def save_upload(data: bytes, name: str) -> Path:
    """Write an upload to a new private folder (only this server's user may read it) under its
    safe name; returns the file's path. `remove_upload` removes the folder; folders of previews
    abandoned more than STALE_UPLOAD_SECONDS ago are removed first."""
    remove_stale_uploads()
    folder = Path(tempfile.mkdtemp(prefix="krimdash-upload-"))  # mode 0700
    path = folder / safe_upload_name(name)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
        handle.write(data)
    return path


def remove_stale_uploads(now: float | None = None) -> int:
    """Remove this user's upload folders older than STALE_UPLOAD_SECONDS; returns how many."""
    now = time.time() if now is None else now
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob("krimdash-upload-*"):
        try:
            info = folder.lstat()
        except OSError:
            continue
        mine = info.st_uid == os.getuid() and stat.S_ISDIR(info.st_mode)
        if mine and now - info.st_mtime > STALE_UPLOAD_SECONDS:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def remove_upload(path: Path | str | None) -> None:
    """Remove an upload's private folder (made by save_upload) and everything in it."""
    if path:
        folder = Path(path).parent
        if folder.name.startswith("krimdash-upload-"):
            shutil.rmtree(folder, ignore_errors=True)


def preview_table(
    sample: list[tuple[Figure, str, int | None]], catalog: Catalog, limit: int = PREVIEW_ROWS
) -> pd.DataFrame:
    """The first `limit` figures of a preview (ImportResult.sample, in file order): line, month,
    measure, category, before → after and whether the figure is new, changed or unchanged."""
    kinds = {"new": "ny", "changed": "ændret", "unchanged": "uændret"}
    rows = []
    for f, kind, old in sample[:limit]:
        measure = catalog.measure(f.measure)
        rows.append(
            {
                "Linje": f.line,
                "Måned": month_label(f.month),
                "Måling": measure.label_da if measure else f.measure,
                "Kategori": measure.category_label(f.category) if measure and f.category else "",
                "Før": "" if old is None else str(old),
                "Nu": str(f.value),
                "Status": kinds.get(kind, kind),
            }
        )
    return pd.DataFrame(
        rows, columns=["Linje", "Måned", "Måling", "Kategori", "Før", "Nu", "Status"]
    )


def problems_table(problems: list[Problem], limit: int = MAX_PROBLEMS_SHOWN) -> pd.DataFrame:
    """Errors with their line, column and reason (the first `limit`)."""
    return pd.DataFrame(
        [
            {
                "Linje": "" if p.line is None else str(p.line),
                "Kolonne": printable(p.column or ""),
                "Fejl": printable(p.reason),
            }
            for p in problems[:limit]
        ],
        columns=["Linje", "Kolonne", "Fejl"],
    )


def batches_table(rows: pd.DataFrame, limit: int = 30) -> pd.DataFrame:
    """The audit log's latest `limit` batches for reading (local time, counts, note)."""
    recent = rows.head(limit)
    return pd.DataFrame(
        {
            "Nr.": recent["id"].astype(int),
            "Tidspunkt": [local_time(t.to_pydatetime()) for t in recent["created_at"]],
            "Bruger": recent["user_name"],
            "Handling": recent["action"],
            "Fil": recent["file_name"].fillna(""),
            "Nye": recent["n_new"],
            "Ændrede": recent["n_changed"],
            "Trukket tilbage": recent["n_retracted"],
            "Note": recent["note"].str.slice(0, 200),
        }
    )


def history_table(rows: pd.DataFrame) -> pd.DataFrame:
    """A figure's revisions, newest first: when, who, what, value (empty: withdrawn), reason."""
    return pd.DataFrame(
        {
            "Tidspunkt": [local_time(t.to_pydatetime()) for t in rows["recorded_at"]],
            "Bruger": rows["recorded_by"],
            "Nr.": rows["batch_id"].astype(int),
            "Handling": rows["action"],
            "Værdi": ["trukket tilbage" if pd.isna(v) else str(int(v)) for v in rows["value"]],
            "Begrundelse": rows["batch_note"].str.slice(0, 200),
        }
    )
