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
import tempfile
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

import duckdb

from dashboard.cells import RESTORE_SQL, restore
from dashboard.db import sql
from dashboard.months import format_month, parse_month
from dashboard.records import FileRejected, Problem, RawRow
from dashboard.rules import Staged, stage_rows

MAX_FILE_BYTES = 20 * 1024 * 1024
# Limits well above any real figures file (a month is dozens of rows, the whole history a few
# thousand), so that a crafted file is refused before it costs seconds or hundreds of MB.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # an XLSX's parts together, unpacked
MAX_ROWS = 500_000  # lines of a CSV
MAX_XLSX_ROWS = 100_000  # row elements in any part of an XLSX, empty ones included
MAX_XLSX_CELLS = 200_000  # cell elements in any part of an XLSX, empty ones included
MAX_COLUMNS = 1_000  # columns in use (trailing empty cells are ignored)
MAX_CSV_CELLS = 2_000_000  # cells in a CSV up to each row's last non-empty one
MAX_ROW_CELLS = 16_384  # cells in a CSV row, empty ones included (Excel's own maximum, XFD)
MAX_CELL_CHARS = 32_767  # characters in one cell (Excel's own maximum)
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

    rows: list[RawRow]  # empty when stage_figures staged the file without them
    layout: str  # "long" or "wide"
    kind: str  # "csv" or "xlsx"
    encoding: str | None  # "utf-8", "utf-8-sig" or "cp1252" for CSV; None for XLSX


def read_figures(data: bytes, file_name: str = "") -> ParsedFile:
    """Read a figures file; raise FileRejected for problems with the file as a whole.

    The kind (CSV or XLSX) is detected from the content; `file_name` only makes
    messages clearer.
    """
    kind, text, encoding = _sniff(data, file_name)
    if kind == "xlsx":
        return _parse_table(_xlsx_table(data), kind="xlsx", encoding=None)
    return _parse_table(_csv_table(text), kind="csv", encoding=encoding)


def stage_figures(
    data: bytes, file_name: str, conn: duckdb.DuckDBPyConnection
) -> tuple[ParsedFile, Staged]:
    """Read a figures file into `conn`'s staging table for the rules (dashboard.rules.check).

    The same file gives the same staged rows and the same FileRejected as `read_figures`. A
    large long CSV that the csv module would read line by line (no quotes, no stray carriage
    returns, no whitespace but spaces) is split by DuckDB instead, without a Python object per
    row; its ParsedFile has no `rows`. Every other file (small ones, XLSX, the wide template,
    quoted cells, a file over a limit) goes through `read_figures` and `rules.stage_rows`.
    """
    kind, text, encoding = _sniff(data, file_name)
    if kind == "csv" and (staged := _stage_long_csv(text, conn)) is not None:
        return ParsedFile(rows=[], layout="long", kind="csv", encoding=encoding), staged
    if kind == "xlsx":
        parsed = _parse_table(_xlsx_table(data), kind="xlsx", encoding=None)
    else:
        parsed = _parse_table(_csv_table(text), kind="csv", encoding=encoding)
    return parsed, stage_rows(conn, parsed.rows)


def _sniff(data: bytes, file_name: str) -> tuple[str, str, str | None]:
    """("xlsx", "", None) or ("csv", the text, its encoding); FileRejected for anything else."""
    if len(data) > MAX_FILE_BYTES:
        _reject(_too_large(len(data)))
    if not data.removeprefix(_UTF8_BOM).strip():
        _reject("filen er tom")
    if data.startswith(_ZIP_MAGIC):
        return "xlsx", "", None
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
    return "csv", text, encoding


# A CSV of at least this many characters may be split by DuckDB (stage_figures); a smaller one is
# read by the csv module, which is as quick for a monthly file's dozens of rows.
FAST_CSV_CHARS = 256 * 1024
# Whitespace other than a space or a line break: str.strip() and DuckDB's trim() would differ
# on it (and \x0b, \x0c, \x1c-\x1e, \x85, \u2028 and \u2029 end a line for str.splitlines()).
# Written out: finding them among all 1.1 million code points took 40 ms at every start of the
# CLI; tests/test_files.py checks the list against str.isspace().
_OTHER_SPACE = (
    "\t\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _other_space(text: str) -> bool:
    # `in` per character is far quicker than a regular expression over megabytes
    chars = [c for c in _OTHER_SPACE if c < "\x80"] if text.isascii() else _OTHER_SPACE
    return any(char in text for char in chars)


def _stage_long_csv(text: str, conn: duckdb.DuckDBPyConnection) -> Staged | None:
    """Stage a large long-layout CSV with DuckDB's read_csv, or None for `_csv_table` to read it.

    Only a file the csv module reads one line per record is read here: no quote character (so
    no cell spans lines or holds the separator), every carriage return in a CRLF, no NUL, no
    empty line (read_csv skips those, which would shift the line numbers), no whitespace in
    cells but spaces (so DuckDB's trim is str.strip), no line with more cells than the header
    line. Then row n of read_csv is line n + 1, and its cells are the csv module's. A file that
    may be over a limit (lines, columns, cells, cell length), with an odd header (sep=, blank
    cells only, the wide template) or without figures goes to the csv module, which names
    what is wrong.
    """
    if len(text) < FAST_CSV_CHARS or '"' in text or "\x00" in text:
        return None
    if text.startswith(("\n", "\r\n")) or "\n\n" in text or "\n\r\n" in text:
        return None
    if text.count("\r") != text.count("\r\n") or _other_space(text):
        return None
    text = text.replace("\r\n", "\n")  # the same lines (read_csv's own CRLF reading is less strict)
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    head = text[: 1024 * 1024].splitlines()
    first = next((i for i, line in enumerate(head) if line.strip()), None)
    if lines > MAX_ROWS or first is None or head[first].strip().lower().startswith("sep="):
        return None
    delimiter = _delimiter(head[first])
    header = head[first].split(delimiter)
    width = len(header)  # no line may have more cells: read_csv refuses it (strict_mode)
    if width > MAX_COLUMNS or text.count(delimiter) + lines > MAX_CSV_CELLS:
        return None
    while header and _is_blank(header[-1]):
        header.pop()
    if not header:
        return None
    try:
        with tempfile.TemporaryDirectory(prefix="krimdash-") as folder:
            path = Path(folder) / "tal.csv"
            path.write_text(text, encoding="utf-8", newline="")
            options = {
                "path": str(path),
                "delimiter": delimiter,
                "columns": {f"c{i}": "varchar" for i in range(width)},
            }
            conn.execute(sql("stage_csv_read"), options)
    except (duckdb.Error, OSError):
        # a line with more cells than the header, or too long (the csv module says which), or no
        # room for the temporary copy: the csv module reads the file instead
        return None
    # bytes, at least the characters: known without reading the text
    longest = ", ".join(f"coalesce(max(strlen(c{i})), 0)" for i in range(width))
    if conn.execute(f"select greatest({longest}) from csv_cells").fetchall()[0][0] > MAX_CELL_CHARS:
        return None
    found = _read_header(first + 1, [cell.strip() for cell in header])
    if found.wide:
        return None
    # trim() costs as much as reading the file: only where a cell may start or end with a space
    spaced = text.startswith(" ") or any(
        s in text for s in (" \n", "\n ", f" {delimiter}", f"{delimiter} ")
    )
    cell = (
        "coalesce(trim(c{}), '')"
        if spaced or text.rstrip("\n").endswith(" ")
        else "coalesce(c{}, '')"
    )
    parts = {
        name: cell.format(found.fields[name]) if name in found.fields else "''" for name in FIELDS
    }
    if "'" in text:  # a cell an export neutralised (`'=x`): as it was (dashboard.cells.restore)
        for name in ("category", "note"):
            parts[name] = RESTORE_SQL.format(parts[name])
    conn.execute(sql("stage_csv_rows").format(**parts), {"header_line": first + 1})
    conn.execute("drop table csv_cells")  # its cells are in staging now
    if not conn.execute("select count(*) from staging").fetchall()[0][0]:
        return None  # no figures: the csv module's reading says so, as for any file
    columns = {name: _header_text(header[index]) for name, index in found.fields.items()}
    columns.pop("label", None)
    return Staged(conn, [columns])


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
    """Decode CSV bytes as UTF-8 (with or without BOM), else as Danish Excel's cp1252.

    A file that is UTF-8 in one place (æ written as two bytes) and not in another was
    edited by two programs: read either way, some of its text would be stored garbled
    («Ã¦»), so it is refused, naming the line of the first byte that is not UTF-8.
    """
    bom = data.startswith(_UTF8_BOM)
    body = data.removeprefix(_UTF8_BOM)
    try:
        return body.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError as error:
        if bom or _UTF8_MULTIBYTE.search(body):
            line = body.count(b"\n", 0, error.start) + 1
            _reject(
                f"filen er gemt som UTF-8, men byte 0x{body[error.start]:02X} i linjen er ikke "
                "UTF-8 (den er vist skrevet af et andet program, fx som Windows-1252); "
                "gem hele filen igen som CSV (UTF-8)",
                line,
            )
        # cp1252 leaves five bytes undefined; replacing them keeps one bad byte from
        # hiding the whole file, and the replacement character shows in the cell.
        return body.decode("cp1252", errors="replace"), "cp1252"


# Letters and signs of Danish text written as UTF-8: æøå ÆØÅ é ü ... (0xC3 and one byte),
# dashes and curly quotes (0xE2 0x80 ...) and € (0xE2 0x82 0xAC). Read as Windows-1252 they
# are «Ã¦», «â€“», which Danish text never has; «PÅ”» (0xC5 0x94) stays Windows-1252.
_UTF8_MULTIBYTE = re.compile(rb"\xc3[\x80-\xbf]|\xe2\x80[\x90-\xbf]|\xe2\x82\xac")


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _csv_table(text: str) -> Table:
    # The header is looked for in the first megabyte: splitting a whole file of millions of
    # short lines would cost far more memory than the file.
    lines = text[: 1024 * 1024].splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), 0)
    header_line = lines[first] if lines else ""
    skip_until = 0
    # Excel understands a first line "sep=;" and some exports write it.
    if header_line.strip().lower().startswith("sep=") and len(header_line.strip()) == 5:
        delimiter = header_line.strip()[4]
        skip_until = first + 1
    else:
        delimiter = _delimiter(header_line)
    if (nul := text.find("\x00")) >= 0:
        # A NUL would otherwise be read into a cell (and stored); say on which line it is.
        _reject(
            "filen indeholder et NUL-tegn (\\x00); kontroltegn må ikke stå i en celle",
            text.count("\n", 0, nul) + 1,
        )
    # strict: a misplaced or unclosed quote is reported instead of silently swallowing
    # the rest of the file into one cell.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    table: Table = []
    start = 1
    cell_count = 0
    try:
        for cells in reader:
            # line_num is the last physical line of the record; a quoted field with
            # newlines spans several, and the user looks for the line it starts on.
            line, start = start, reader.line_num + 1
            if line > MAX_ROWS:
                _reject(_too_many_rows(), line)
            if len(cells) > MAX_ROW_CELLS:
                _reject(
                    f"linjen har {_fmt(len(cells))} kolonner; en linje må højst have "
                    f"{_fmt(MAX_ROW_CELLS)} (som i Excel)",
                    line,
                )
            if line <= skip_until:
                continue
            while cells and _is_blank(cells[-1]):
                cells.pop()  # trailing empty cells, as spreadsheet programs often write them
            if not cells:
                continue
            _check_width(len(cells), line)
            cell_count += len(cells)
            if cell_count > MAX_CSV_CELLS:
                _reject(
                    f"filen har over {_fmt(MAX_CSV_CELLS)} udfyldte celler; den må højst have "
                    f"{_fmt(MAX_CSV_CELLS)} (del den op i flere filer)",
                    line,
                )
            if max(map(len, cells)) > MAX_CELL_CHARS:
                for index, cell in enumerate(cells):
                    _check_length(cell, line, index)
            table.append((line, [cell.strip() for cell in cells]))
    except csv.Error as error:
        _reject(_csv_error(str(error)), line=start)
    return table


def _fmt(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _too_many_rows() -> str:
    return f"filen har for mange linjer; den må højst have {_fmt(MAX_ROWS)}"


def _check_width(width: int, line: int) -> None:
    if width > MAX_COLUMNS:
        _reject(
            f"linjen har indhold i kolonne {_column_letter(width - 1)} (nr. {_fmt(width)}); "
            f"en fil må højst have {_fmt(MAX_COLUMNS)} kolonner i brug",
            line,
        )


def _check_length(value: Any, line: int, index: int) -> None:
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        raise FileRejected(
            [
                Problem(
                    f"cellen har {_fmt(len(value))} tegn; en celle må højst have "
                    f"{_fmt(MAX_CELL_CHARS)} tegn (som i Excel)",
                    line,
                    _column_letter(index),
                )
            ]
        )


def _delimiter(header_line: str) -> str:
    """';' if the header has more ';' than ',', else ','; tab for Excel's tab-separated text."""
    semicolons, commas = header_line.count(";"), header_line.count(",")
    if header_line.count("\t") > max(semicolons, commas):
        return "\t"
    return ";" if semicolons > commas else ","


def _csv_error(message: str) -> str:
    """The csv module's English errors in Danish (Python 3.11's messages)."""
    if "unexpected end of data" in message:
        return 'CSV-filen kan ikke læses: et anførselstegn (") bliver ikke lukket'
    if "expected after" in message:
        return 'CSV-filen kan ikke læses: et anførselstegn (") står midt i en celle'
    if "field larger than field limit" in message:
        return (
            f"CSV-filen kan ikke læses: en celle er for lang (over {_fmt(csv.field_size_limit())} "
            f"tegn); en celle må højst have {_fmt(MAX_CELL_CHARS)} tegn"
        )
    if "NUL" in message:
        return "CSV-filen kan ikke læses: den indeholder et NUL-tegn (\\x00)"
    if "new-line" in message:
        return "CSV-filen kan ikke læses: et linjeskift står midt i en celle uden anførselstegn"
    return "CSV-filen kan ikke læses; gem den igen som CSV (UTF-8) fra Excel"


def _xlsx_table(data: bytes) -> Table:
    """The first sheet's non-empty rows; any failure inside openpyxl rejects the file.

    The limits are checked before reading (the parts' unpacked sizes, the sheet's rows and
    cells counted in its XML) and while reading (row numbers, columns, cell lengths), so a
    zip bomb or a sheet padded out to a million rows or column ZZZ costs neither memory
    nor time.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        _reject("filen er en beskadiget zip-fil og kan ikke læses som Excel-regneark (xlsx)")
    if "xl/workbook.xml" not in {member.filename for member in members}:
        _reject(
            "filen er en zip-fil, men ikke et Excel-regneark (xlsx); "
            "gem den som Excel-projektmappe (.xlsx) eller CSV"
        )
    # zipfile never unpacks more than a member's declared size (a larger stream fails its
    # check), so the declared sizes bound what reading the file can cost.
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED_BYTES:
        _reject(
            f"Excel-filen fylder {_mb(unpacked)} MB pakket ud; den må højst fylde "
            f"{_mb(MAX_UNPACKED_BYTES)} MB pakket ud (er den en «zip-bombe»?)"
        )
    # Counted before openpyxl opens the file: it reads every sheet once to find its size.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in members:
            with archive.open(member) as source:
                rows, cells = _count_tags(source)
            if rows > MAX_XLSX_ROWS:
                _reject(
                    f"regnearket har over {_fmt(MAX_XLSX_ROWS)} rækker (også tomme, formaterede "
                    f"rækker tæller); det må højst have {_fmt(MAX_XLSX_ROWS)}"
                )
            if cells > MAX_XLSX_CELLS:
                _reject(
                    f"regnearket har over {_fmt(MAX_XLSX_CELLS)} celler eller tekster (også tomme, formaterede "
                    f"celler tæller); det må højst have {_fmt(MAX_XLSX_CELLS)}"
                )
    from openpyxl import load_workbook  # imported late: only XLSX uploads need it

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it ignores; not the user's concern.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                if not workbook.worksheets:
                    return []
                return _sheet_rows(workbook, workbook.worksheets[0])
            finally:
                workbook.close()
    except FileRejected:
        raise
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


# A row or cell element in the sheet's XML, with or without a namespace prefix.
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\b")
_STRING_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si\b")  # a shared string


def _count_tags(source: io.BufferedIOBase) -> tuple[int, int]:
    """Rows and cells (or shared strings) in a part's XML, read in chunks: fast, and lean
    whatever its size."""
    rows = cells = 0
    rest = b""
    while chunk := source.read(1024 * 1024):
        text = rest + chunk
        cut = text.rfind(b"<")
        whole, rest = (text[:cut], text[cut:]) if cut > 0 else (text, b"")
        rows += len(_ROW_TAG.findall(whole))
        cells += len(_CELL_TAG.findall(whole)) + len(_STRING_TAG.findall(whole))
        if rows > MAX_XLSX_ROWS or cells > MAX_XLSX_CELLS:
            break
    rows += len(_ROW_TAG.findall(rest))
    cells += len(_CELL_TAG.findall(rest)) + len(_STRING_TAG.findall(rest))
    return rows, cells


def _sheet_rows(workbook: Any, sheet: Any) -> Table:
    """The sheet's rows as (row number, cells), read cell by cell without padding.

    openpyxl's own row reading pads every row to the sheet's widest one and yields every
    empty row in a gap; reading its parser's cells directly lets the limits apply first.
    """
    from openpyxl.worksheet._reader import WorkSheetParser

    table: Table = []
    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for line, found in parser.parse():
            if line > MAX_XLSX_ROWS:
                _reject(f"regnearket må højst have {_fmt(MAX_XLSX_ROWS)} rækker", line)
            values: dict[int, Any] = {}
            for cell in found:
                value = cell["value"]
                if _is_blank(value):
                    continue
                index = cell["column"] - 1
                if index >= MAX_COLUMNS:
                    _reject(
                        f"cellen {_column_letter(index)}{line} er udfyldt, men en fil må højst "
                        f"have {_fmt(MAX_COLUMNS)} kolonner i brug (til og med "
                        f"{_column_letter(MAX_COLUMNS - 1)})",
                        line,
                    )
                _check_length(value, line, index)
                values[index] = value.strip() if isinstance(value, str) else value
            if values:
                row = [None] * (max(values) + 1)
                for index, value in values.items():
                    row[index] = value
                table.append((line, row))
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
    """Category and note: a missing or empty cell means '' (the total / no note); a text as it
    was before krimdash's export neutralised it (_restored)."""
    return "" if _is_blank(value) else _restored(value)


def _restored(value: Any) -> Any:
    """A text cell as written before an export made it safe (dashboard.cells.restore: `'=x` is
    `=x` again), after any leading spaces, as the large-CSV reading trims them; not text: as is."""
    if not isinstance(value, str):
        return value
    rest = value.lstrip(" ")
    return value[: len(value) - len(rest)] + restore(rest)


@dataclass(frozen=True)
class _Header:
    """What a file's header says: where each field and (in the template) each month is."""

    line: int
    cells: list[Any]
    fields: dict[str, int]
    months: dict[date, int]
    wide: bool


def _read_header(header_line: int, header: list[Any]) -> _Header:
    """The header's fields and months; FileRejected for a header that cannot be used."""
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
    return _Header(header_line, header, fields, months, wide)


def _parse_table(table: Table, kind: str, encoding: str | None) -> ParsedFile:
    if not table:
        _reject("filen er tom")
    header_line, header = table[0]
    data_rows = table[1:]
    found = _read_header(header_line, header)
    fields, months, wide = found.fields, found.months, found.wide
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
