"""Reading figures files (CSV or XLSX, long or wide layout) into raw rows.

Format only: cell values are kept as found, and dashboard.rules decides whether
they are valid. Anything that stops the file from being read at all raises
FileRejected with Danish messages.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NoReturn

from dashboard.months import format_month, parse_month
from dashboard.records import FileRejected, Problem, RawRow

MAX_FILE_BYTES = 20 * 1024 * 1024
FIELDS = ("month", "measure", "category", "value", "note")

# Header names per field, compared after normalising (NFC, stripped, casefolded).
_HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "month": ("month", "måned"),
    "measure": ("measure", "måling"),
    "category": ("category", "kategori"),
    "value": ("value", "værdi"),
    "note": ("note", "bemærkning"),
    # Only in the wide template: a human-readable name of the measure, not read.
    "label": ("label", "betegnelse", "navn"),
}
_DANISH = {
    "month": "måned",
    "measure": "måling",
    "category": "kategori",
    "value": "værdi",
    "note": "bemærkning",
}
_REQUIRED_LONG = ("month", "measure", "value")
_EXPECTED = (
    "forventede kolonner: måned (month), måling (measure), værdi (value) og evt. "
    "kategori (category) og bemærkning (note) – eller skabelonens måling (measure), "
    "kategori (category) og én kolonne pr. måned (fx 2025-01)"
)
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF8_BOM = b"\xef\xbb\xbf"
_BINARY_SNIFF = 8 * 1024


@dataclass(frozen=True)
class ParsedFile:
    """The raw rows of a figures file and how the file was written."""

    rows: list[RawRow]
    layout: str  # "long" or "wide"
    kind: str  # "csv" or "xlsx"
    encoding: str | None  # "utf-8", "utf-8-sig" or "cp1252" for CSV; None for XLSX


def read_figures(data: bytes, file_name: str = "") -> ParsedFile:
    """Read a figures file; raise FileRejected for problems with the file as a whole.

    The kind (CSV or XLSX) is detected from the content; `file_name` only makes
    messages clearer.
    """
    if len(data) > MAX_FILE_BYTES:
        _reject(_too_large(len(data)))
    if not data.removeprefix(_UTF8_BOM).strip():
        _reject("filen er tom")
    if data.startswith(_ZIP_MAGIC):
        table = _xlsx_table(data)
        return _parse_table(table, kind="xlsx", encoding=None)
    if data.startswith(_OLE_MAGIC):
        # Both old .xls files and password-protected .xlsx files are OLE containers.
        _reject(
            "filen er i det gamle Excel-format (.xls) eller beskyttet med adgangskode; "
            "gem den som Excel-projektmappe (.xlsx) uden adgangskode eller som CSV"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode-tekst" is UTF-16; it would otherwise look binary.
        _reject("filen er gemt som UTF-16 (Unicode-tekst); gem den som CSV (UTF-8) eller .xlsx")
    if b"\x00" in data[:_BINARY_SNIFF]:
        suffix = os.path.splitext(file_name)[1].lower()
        hint = f" (filtypen er {suffix})" if suffix not in ("", ".csv", ".txt", ".xlsx") else ""
        _reject(f"filen er hverken CSV eller Excel (xlsx){hint}")
    text, encoding = _decode(data)
    table = _csv_table(text)
    return _parse_table(table, kind="csv", encoding=encoding)


def read_file_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a figures file, refusing one that is too large before reading it.

    OSError (missing file, no permission) is not a problem with the file's content
    and is left to the caller.
    """
    size = os.stat(path).st_size
    if size > MAX_FILE_BYTES:
        _reject(_too_large(size))
    with open(path, "rb") as handle:
        return handle.read(MAX_FILE_BYTES + 1)


# --- helpers -------------------------------------------------------------------

# A table is the file's non-empty rows as (line number, cells).
Table = list[tuple[int, list[Any]]]


def _reject(reason: str, line: int | None = None) -> NoReturn:
    raise FileRejected([Problem(reason, line=line)])


def _too_large(size: int) -> str:
    return f"filen er for stor ({_mb(size)} MB); den må højst fylde {_mb(MAX_FILE_BYTES)} MB"


def _mb(size: int) -> str:
    # Round up, so a file just over the limit never reads as exactly the limit.
    megabytes = math.ceil(size * 10 / (1024 * 1024)) / 10
    text = f"{megabytes:.0f}" if megabytes == int(megabytes) else f"{megabytes:.1f}"
    return text.replace(".", ",")


def _decode(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes as UTF-8 (with or without BOM), else as Danish Excel's cp1252."""
    bom = data.startswith(_UTF8_BOM)
    body = data.removeprefix(_UTF8_BOM)
    try:
        return body.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; replacing them keeps one bad byte from
        # hiding the whole file, and the replacement character shows in the cell.
        return body.decode("cp1252", errors="replace"), "cp1252"


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _csv_table(text: str) -> Table:
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), 0)
    header_line = lines[first] if lines else ""
    skip_until = 0
    # Excel understands a first line "sep=;" and some exports write it.
    if header_line.strip().lower().startswith("sep=") and len(header_line.strip()) == 5:
        delimiter = header_line.strip()[4]
        skip_until = first + 1
    else:
        delimiter = _delimiter(header_line)
    # strict: a misplaced or unclosed quote is reported instead of silently swallowing
    # the rest of the file into one cell.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    table: Table = []
    start = 1
    try:
        for cells in reader:
            # line_num is the last physical line of the record; a quoted field with
            # newlines spans several, and the user looks for the line it starts on.
            line, start = start, reader.line_num + 1
            if line <= skip_until:
                continue
            if all(_is_blank(cell) for cell in cells):
                continue
            table.append((line, [cell.strip() for cell in cells]))
    except csv.Error as error:
        _reject(_csv_error(str(error)), line=start)
    return table


def _delimiter(header_line: str) -> str:
    """';' if the header has more ';' than ',', else ','; tab for Excel's tab-separated text."""
    semicolons, commas = header_line.count(";"), header_line.count(",")
    if header_line.count("\t") > max(semicolons, commas):
        return "\t"
    return ";" if semicolons > commas else ","


def _csv_error(message: str) -> str:
    if "unexpected end of data" in message:
        return 'CSV-filen kan ikke læses: et anførselstegn (") bliver ikke lukket'
    if "expected after" in message:
        return 'CSV-filen kan ikke læses: et anførselstegn (") står midt i en celle'
    return f"CSV-filen kan ikke læses ({message})"


def _xlsx_table(data: bytes) -> Table:
    """The first sheet's non-empty rows; any failure inside openpyxl rejects the file."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        _reject("filen er en beskadiget zip-fil og kan ikke læses som Excel-regneark (xlsx)")
    if "xl/workbook.xml" not in names:
        _reject(
            "filen er en zip-fil, men ikke et Excel-regneark (xlsx); "
            "gem den som Excel-projektmappe (.xlsx) eller CSV"
        )
    from openpyxl import load_workbook  # imported late: only XLSX uploads need it

    table: Table = []
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it ignores; not the user's concern.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                if not workbook.worksheets:
                    return table
                sheet = workbook.worksheets[0]
                # Some writers store a wrong sheet size; read the rows that are there.
                sheet.reset_dimensions()
                for line, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), 1):
                    if all(_is_blank(value) for value in values):
                        continue
                    cells = [value.strip() if isinstance(value, str) else value for value in values]
                    table.append((line, cells))
            finally:
                workbook.close()
    except Exception as error:  # openpyxl raises many kinds on broken files
        if _defused(error):  # openpyxl parses with defusedxml when it is installed
            raise FileRejected(
                [
                    Problem(
                        "Excel-filen afvises: den indeholder XML-entiteter eller en DTD, som "
                        "kan bruges til angreb (fx «billion laughs» eller eksterne filer); "
                        "gem den igen fra Excel"
                    )
                ]
            ) from error
        raise FileRejected(
            [
                Problem(
                    "Excel-filen kan ikke læses; den er måske beskadiget (prøv at gemme den igen)"
                )
            ]
        ) from error
    return table


def _defused(error: BaseException | None) -> bool:
    """Whether defusedxml refused the XML somewhere in the chain of `error`'s causes."""
    seen = 0
    while error is not None and seen < 10:
        if type(error).__module__.startswith("defusedxml"):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


_NAME_TO_FIELD = {
    _normalise(name): field_name for field_name, names in _HEADER_NAMES.items() for name in names
}


def _header_text(value: Any) -> str:
    """The header as the user sees it; Excel dates on the 1st show as 2025-01."""
    if isinstance(value, datetime | date):
        try:
            return format_month(parse_month(value))
        except ValueError:
            return f"{value:%Y-%m-%d}"
    return "" if value is None else str(value).strip()


def _month_of(value: Any) -> date | None:
    if _is_blank(value):
        return None
    try:
        return parse_month(value)
    except ValueError:
        return None


# Dates with a four-digit year, or a month name (Danish or English, first three
# letters) and a year; "Total 2025" or "I alt" are left alone as ordinary extra columns.
_MONTHISH = re.compile(
    r"^(\d{4}[-./]\d{1,2}([-./]\d{1,2})?|\d{1,2}[-./](\d{1,2}[-./])?\d{4}"
    r"|(jan|feb|mar|apr|maj|may|jun|jul|aug|sep|okt|oct|nov|dec)[^\W\d_]*\.?[\s-]+\d{2,4})$",
    re.IGNORECASE,
)


def _looks_like_month(value: Any) -> bool:
    """A header the user probably meant as a month: a date, 2025-1-15, 15.01.2025, May 2025."""
    if isinstance(value, datetime | date):
        return True
    return isinstance(value, str) and bool(_MONTHISH.match(value.strip()))


def _month_reason(value: Any) -> str:
    try:
        parse_month(value)
    except ValueError as error:
        return str(error)
    return "ukendt format"


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _cell(cells: Sequence[Any], index: int | None) -> Any:
    if index is None or index >= len(cells):
        return None
    return cells[index]


def _text_or_empty(value: Any) -> Any:
    """Category and note: a missing or empty cell means '' (the total / no note)."""
    return "" if _is_blank(value) else value


def _parse_table(table: Table, kind: str, encoding: str | None) -> ParsedFile:
    if not table:
        _reject("filen er tom")
    header_line, header = table[0]
    data_rows = table[1:]
    fields: dict[str, int] = {}
    months: dict[date, int] = {}
    unreadable_months: list[tuple[int, Any]] = []
    problems: list[Problem] = []
    for index, cell in enumerate(header):
        if _is_blank(cell):
            continue
        text = _header_text(cell)
        field_name = _NAME_TO_FIELD.get(_normalise(text)) if isinstance(cell, str) else None
        if field_name is not None:
            if field_name in fields:
                first = _header_text(header[fields[field_name]])
                problems.append(_duplicate(first, text, header_line))
            else:
                fields[field_name] = index
        elif (month := _month_of(cell)) is not None:
            if month in months:
                first = _header_text(header[months[month]])
                problems.append(_duplicate(first, text, header_line))
            else:
                months[month] = index
        elif _looks_like_month(cell):
            unreadable_months.append((index, cell))
    if problems:
        raise FileRejected(problems)
    # Month headers alone are not enough: a file without a header whose first row
    # starts with "2025-01" would otherwise be taken for the template.
    if not fields.keys() & set(FIELDS):
        _reject(f"filen har ingen genkendelig overskrift; {_EXPECTED}", header_line)
    wide = "value" not in fields and bool(months or unreadable_months)
    if wide:
        # Other unknown columns are ignored, but a month the template cannot read
        # (e.g. "May 2025", or a date not on the 1st) would lose its figures unseen.
        problems = [
            Problem(
                f"kolonnen «{_header_text(cell)}» ({_column_letter(index)}) ligner en måned, "
                f"men kan ikke læses: {_month_reason(cell)}",
                header_line,
            )
            for index, cell in unreadable_months
        ]
        if problems:
            raise FileRejected(problems)
    required = ("measure",) if wide else _REQUIRED_LONG
    missing = [name for name in required if name not in fields]
    if missing:
        raise FileRejected(
            [
                Problem(f"kolonnen «{_DANISH[name]}» ({name}) mangler i overskriften", header_line)
                for name in missing
            ]
        )
    if not data_rows:
        _reject("filen har ingen tal (kun overskrift)", header_line)
    if kind == "csv":
        # A CSV row may stop early; its missing cells are empty text like the rest.
        width = len(header)
        data_rows = [(line, cells + [""] * (width - len(cells))) for line, cells in data_rows]
    if wide:
        rows = list(_wide_rows(data_rows, header, fields, months))
    else:
        rows = list(_long_rows(data_rows, header, fields))
    if not rows:
        _reject("filen har ingen tal (alle værdier er tomme)", header_line)
    return ParsedFile(rows=rows, layout="wide" if wide else "long", kind=kind, encoding=encoding)


def _duplicate(first: str, second: str, line: int) -> Problem:
    if first == second:
        reason = f"kolonnen «{first}» står flere gange i overskriften; behold kun én"
    else:
        reason = f"kolonnerne «{first}» og «{second}» betyder det samme; behold kun én af dem"
    return Problem(reason, line)


def _long_rows(
    data_rows: Iterable[tuple[int, list[Any]]], header: list[Any], fields: dict[str, int]
) -> Iterable[RawRow]:
    columns = {name: _header_text(header[index]) for name, index in fields.items()}
    columns.pop("label", None)
    for line, cells in data_rows:
        value = _cell(cells, fields["value"])
        if _is_blank(value):
            continue  # an empty value means "not reported"
        yield RawRow(
            line=line,
            month=_cell(cells, fields["month"]),
            measure=_cell(cells, fields["measure"]),
            category=_text_or_empty(_cell(cells, fields.get("category"))),
            value=value,
            note=_text_or_empty(_cell(cells, fields.get("note"))),
            columns=dict(columns),
        )


def _wide_rows(
    data_rows: Iterable[tuple[int, list[Any]]],
    header: list[Any],
    fields: dict[str, int],
    months: dict[date, int],
) -> Iterable[RawRow]:
    base = {
        name: _header_text(header[fields[name]])
        for name in ("measure", "category")
        if name in fields
    }
    month_columns = sorted(months.values())
    for line, cells in data_rows:
        measure = _cell(cells, fields["measure"])
        category = _text_or_empty(_cell(cells, fields.get("category")))
        for index in month_columns:
            value = _cell(cells, index)
            if _is_blank(value):
                continue  # an empty cell means "not reported"
            raw_header = header[index]
            text = _header_text(raw_header)
            yield RawRow(
                line=line,
                month=raw_header,
                measure=measure,
                category=category,
                value=value,
                note=None,
                columns={**base, "month": text, "value": f"{text} ({_column_letter(index)})"},
            )
