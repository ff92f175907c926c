"""Hostile files, tried as an attacker would: each is imported with the real `krimdash import` in its
own process, whose peak memory (the child's ru_maxrss) and time are measured. Every one is rejected
within seconds and 500 MB, with a Danish message naming line, column or reason, nothing printed
raw from the file, and the database unchanged (its export has the same bytes before and after)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest
from conftest import ROOT, Krimdash

MAX_RSS_MB = 500
MAX_SECONDS = 20  # generous for a shared machine; each is well under 5 s alone
HEADER = "month,measure,category,value,note\n"
GOOD = "2025-01,top100.screened,,68,\n"

# The child's peak resident memory, measured by a parent that does nothing else.
_MEASURE = """
import resource, subprocess, sys, time
start = time.monotonic()
done = subprocess.run(sys.argv[1:], capture_output=True, timeout=120)
seconds = time.monotonic() - start
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stdout.write(repr((done.returncode, peak_kb, seconds)) + "\\n")
sys.stdout.flush()
sys.stdout.buffer.write(done.stdout + b"\\0" + done.stderr)
"""


class Measured(NamedTuple):
    code: int
    out: str
    err: str
    peak_mb: float
    seconds: float


def import_measured(path: Path, db: Path) -> Measured:
    """`krimdash import path` in its own process, with its peak RSS and wall time."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _MEASURE,
            sys.executable,
            "-m",
            "dashboard.cli",
            "import",
            str(path),
        ],
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "KRIMDASH_DB": str(db), "KRIMDASH_USER": "analytiker"},
        timeout=180,
    )
    first, rest = done.stdout.split(b"\n", 1)
    code, peak_kb, seconds = eval(first.decode())  # noqa: S307 - our own repr of three numbers
    out, err = rest.split(b"\0", 1)
    return Measured(code, out.decode(), err.decode(), peak_kb / 1024, seconds)


# --- the hostile files ------------------------------------------------------------------------


def _sheet_xml(rows: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{rows}</sheetData></worksheet>"
    )


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _header_and_good_rows() -> str:
    header = "".join(
        _inline(f"{col}1", name)
        for col, name in zip("ABCD", ["month", "measure", "category", "value"], strict=True)
    )
    good = _inline("A2", "2025-01") + _inline("B2", "top100.screened") + '<c r="D2"><v>68</v></c>'
    return f'<row r="1">{header}</row><row r="2">{good}</row>'


def _xlsx(sheet: str | Callable[[zipfile.ZipFile], None], shared: bool = False) -> bytes:
    """A minimal workbook whose first sheet is `sheet` (XML text, or a writer of the member)."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["month"])
    plain = io.BytesIO()
    workbook.save(plain)
    source = zipfile.ZipFile(io.BytesIO(plain.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                if callable(sheet):
                    sheet(archive)
                else:
                    archive.writestr(info.filename, sheet)
            elif info.filename == "[Content_Types].xml" and shared:
                types = source.read(info.filename).replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                    b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" /></Types>',
                )
                archive.writestr(info, types)
            else:
                archive.writestr(info, source.read(info.filename))
    return out.getvalue()


def shared_strings_bomb() -> bytes:
    """About 1 MB that unpacks to 1 GB: one shared string of a billion 'a's."""

    def write(archive: zipfile.ZipFile) -> None:
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            _sheet_xml(_header_and_good_rows() + '<row r="3"><c r="E3" t="s"><v>0</v></c></row>'),
        )
        info = zipfile.ZipInfo("xl/sharedStrings.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as member:
            member.write(
                b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats'
                b'.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
            )
            chunk = b"a" * (1024 * 1024)
            for _ in range(1024):
                member.write(chunk)
            member.write(b"</t></si></sst>")

    return _xlsx(write, shared=True)


def many_shared_strings() -> bytes:
    """Just under 100 MB unpacked: 4.3 million tiny shared strings (72 s and 800 MB to read)."""

    def write(archive: zipfile.ZipFile) -> None:
        archive.writestr("xl/worksheets/sheet1.xml", _sheet_xml(_header_and_good_rows()))
        info = zipfile.ZipInfo("xl/sharedStrings.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as member:
            member.write(
                b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats'
                b'.org/spreadsheetml/2006/main">'
            )
            for start in range(0, 4_300_000, 100_000):
                member.write(
                    b"".join(b"<si><t>%d</t></si>" % i for i in range(start, start + 100_000))
                )
            member.write(b"</sst>")

    return _xlsx(write, shared=True)


def far_column() -> bytes:
    """2,000 rows with one cell at column ZZZ: 12 KB that a reader pads to 36 million cells."""
    rows = "".join(
        f'<row r="{i}">{_inline(f"A{i}", "2025-01")}<c r="ZZZ{i}"><v>1</v></c></row>'
        for i in range(3, 2003)
    )
    return _xlsx(_sheet_xml(_header_and_good_rows() + rows))


def million_empty_rows() -> bytes:
    """1,000,000 rows with nothing in them but an empty, styled cell."""
    rows = "".join(f'<row r="{i}"><c r="A{i}" s="0"/></row>' for i in range(3, 1_000_003))
    return _xlsx(_sheet_xml(_header_and_good_rows() + rows))


def long_xlsx_cell() -> bytes:
    """A note of 40,000 characters, more than Excel itself can hold in a cell."""
    rows = f'<row r="3">{_inline("A3", "2025-02")}{_inline("E3", "x" * 40_000)}</row>'
    return _xlsx(_sheet_xml(_header_and_good_rows() + rows))


def csv_wide_header() -> bytes:
    """A header of three names and ten million empty columns."""
    return b"month,measure,value" + b"," * 10_000_000 + b"\n2025-01,top100.screened,68\n"


def csv_wide_rows() -> bytes:
    """20 MB of rows with a thousand short cells each: seven million cells to hold."""
    row = "2025-01,top100.screened,,1," + ",".join(f"{i % 90 + 10}" for i in range(995)) + "\n"
    return (HEADER + row * ((20 * 1024 * 1024 - 100) // len(row))).encode()


def csv_short_lines() -> bytes:
    """Seven million lines of two letters: cheap to send, dear to split into lines."""
    return b"month,measure,value\n" + b"ab\n" * 6_900_000


def csv_long_note() -> bytes:
    return (HEADER + GOOD + "2025-02,top100.screened,,70," + "x" * 1001 + "\n").encode()


def csv_huge_note() -> bytes:
    """A quoted note of 15 MB, beyond the CSV reader's field limit."""
    return (HEADER + GOOD + '2025-02,top100.screened,,70,"' + "x" * 15_000_000 + '"\n').encode()


def csv_terminal_escape() -> bytes:
    """A measure that erases the line and prints a fake success in the analyst's terminal."""
    fake = "\x1b[2K\x1b[1A\x1b[2K\x1b[GGemt som indlæsning nr. 12."
    return (HEADER + GOOD + f"2025-02,{fake},,70,\n").encode()


def csv_nul_in_note() -> bytes:
    """A NUL byte on line 62, after the first 8 KB that are looked at to tell text from binary."""
    earlier = "".join(
        f"{2020 + i // 12}-{i % 12 + 1:02d},top100.screened,,{i},{'n' * 150}\n" for i in range(60)
    )
    return (HEADER + earlier + "2025-02,top100.screened,,70,før\x00efter\n").encode()


def csv_tab_in_note() -> bytes:
    return (HEADER + GOOD + '2025-02,top100.screened,,70,"før\tefter"\n').encode()


def csv_utf8_with_cp1252_byte() -> bytes:
    """UTF-8 throughout ("Bemærkning", "Århus") but one byte on line 3 written by Windows-1252."""
    return (
        "måned,måling,kategori,værdi,bemærkning\n".encode()
        + "2025-01,top100.screened,,68,Århus\n".encode()
        + b"2025-02,top100.screened,,70,S\xf8nderg\n"
    )


class Case(NamedTuple):
    make: Callable[[], bytes]
    suffix: str
    expected: tuple[str, ...]  # pieces of the Danish message


CASES = {
    "xlsx-shared-strings-1gb": Case(shared_strings_bomb, ".xlsx", ("pakket ud", "MB")),
    "xlsx-4-million-shared-strings": Case(
        many_shared_strings, ".xlsx", ("over 200.000 celler eller tekster", "højst")
    ),
    "xlsx-column-zzz": Case(far_column, ".xlsx", ("Linje 3", "ZZZ3", "kolonner")),
    "xlsx-million-empty-rows": Case(million_empty_rows, ".xlsx", ("rækker", "højst have 100.000")),
    "xlsx-cell-40000-chars": Case(long_xlsx_cell, ".xlsx", ("Linje 3", "tegn")),
    "csv-ten-million-empty-columns": Case(csv_wide_header, ".csv", ("kolonner", "højst")),
    "csv-20-mb-of-wide-rows": Case(csv_wide_rows, ".csv", ("Linje ", "celler", "højst")),
    "csv-seven-million-lines": Case(
        csv_short_lines, ".csv", ("Linje 500001", "linjer", "højst have 500.000")
    ),
    "csv-note-1001-chars": Case(
        csv_long_note, ".csv", ("Linje 3, kolonne «note»", "1.001 tegn", "højst have 1.000 tegn")
    ),
    "csv-note-15-mb": Case(csv_huge_note, ".csv", ("Linje 3", "tegn", "højst")),
    "csv-terminal-escape": Case(csv_terminal_escape, ".csv", ("Linje 3", "\\x1b", "kontroltegn")),
    "csv-nul-in-note": Case(csv_nul_in_note, ".csv", ("Linje 62", "NUL", "\\x00")),
    "csv-tab-in-note": Case(csv_tab_in_note, ".csv", ("Linje 3, kolonne «note»", "\\t")),
    "csv-utf8-with-a-cp1252-byte": Case(
        csv_utf8_with_cp1252_byte, ".csv", ("Linje 3", "UTF-8", "Windows-1252")
    ),
}


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.mark.parametrize("name", list(CASES))
def test_a_hostile_file_is_rejected_quickly_leanly_in_danish_and_changes_nothing(
    name: str,
    hostile_dir: Path,
    real_db: Path,
    own_copy: Callable[[Path], Path],
    krimdash: Krimdash,
) -> None:
    case = CASES[name]
    path = hostile_dir / f"{name}{case.suffix}"
    path.write_bytes(case.make())
    assert path.stat().st_size <= 20 * 1024 * 1024
    db = own_copy(real_db)
    before = krimdash("export", db=db)
    assert before.code == 0 and before.out.count("\n") > 5

    run = import_measured(path, db)

    assert run.code == 1, (run.out, run.err[-2000:])
    assert "Filen er afvist; intet er gemt." in run.err
    assert "Traceback" not in run.err
    for piece in case.expected:
        assert piece in run.err, (piece, run.err[-2000:])
    # Nothing from the file reaches the terminal raw: no control character but the line ends.
    printed = run.out + run.err
    assert not [c for c in printed if (ord(c) < 32 and c != "\n") or 0x7F <= ord(c) < 0xA0]
    assert len(printed) < 20_000, "messages must be short, not echo the file"
    assert run.seconds < MAX_SECONDS, run.seconds
    assert run.peak_mb < MAX_RSS_MB, f"{run.peak_mb:.0f} MB"
    after = krimdash("export", db=db)
    assert after.out == before.out


@pytest.mark.parametrize(
    "text",
    ["Windows-1252 Bemærkning Århus Søndergade", "æøå ÆØÅ – “citat” € “PÅ” SØ–NORD"],
)
def test_a_pure_windows_1252_file_still_reads(text: str, tmp_path: Path, store) -> None:  # noqa: ANN001
    from dashboard.files import read_figures

    data = f"måned;måling;værdi;bemærkning\r\njan. 2025;top100.screened;68;{text}\r\n"
    parsed = read_figures(data.encode("cp1252"), "tal.csv")
    assert parsed.encoding == "cp1252"
    assert [r.note for r in parsed.rows] == [text]


def test_a_note_of_exactly_1000_characters_is_saved(
    tmp_path: Path, real_db: Path, own_copy: Callable[[Path], Path], krimdash: Krimdash
) -> None:
    db = own_copy(real_db)
    path = tmp_path / "lang.csv"
    path.write_text(HEADER + "2025-02,top100.screened,,70," + "æ" * 1000 + "\n", encoding="utf-8")
    code, out, err = krimdash("import", path, db=db)
    assert code == 0, err
    exported = krimdash("export", db=db).out
    assert "æ" * 1000 in exported


@pytest.mark.parametrize(
    "moment", ["0001-01-01", "0001-01-01T00:30", "9999-12-31T23:59-12:00", "0001-01-01T00:00+14:00"]
)
def test_an_extreme_as_of_is_a_danish_error(moment: str, real_db: Path, krimdash: Krimdash) -> None:
    code, out, err = krimdash("export", "--as-of", moment, db=real_db)
    assert "Traceback" not in err
    assert code == 2, err
    assert f"«{moment}»" in err and "tidspunkt" in err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("template", "--from", "9999-01", "--to", "9999-12"), "december 9998"),
        (("template", "--from", "0001-01", "--to", "0001-12"), "januar 2000"),
        (("month", "list", "--as-of", "0001-01-01"), "«0001-01-01»"),
        (("log", "--access", "--since", "0001-01-01"), "«0001-01-01»"),
    ],
)
def test_other_extreme_dates_are_danish_errors(
    args: tuple[str, ...], expected: str, tmp_path: Path, real_db: Path, krimdash: Krimdash
) -> None:
    if args[0] == "template":
        args = (*args, "-o", str(tmp_path / "skabelon.xlsx"))
    code, out, err = krimdash(*args, db=real_db)
    assert "Traceback" not in err and "out of range" not in err
    assert code == 2, err
    assert expected in err


def test_a_month_in_year_0_is_a_danish_error(
    tmp_path: Path, real_db: Path, own_copy: Callable[[Path], Path], krimdash: Krimdash
) -> None:
    db = own_copy(real_db)
    path = tmp_path / "aar0.csv"
    path.write_text(HEADER + "0000-01,top100.screened,,1,\n", encoding="utf-8")
    code, out, err = krimdash("import", path, db=db)
    assert code == 1
    assert "Linje 2, kolonne «month»: «0000-01» er ikke en måned" in err
    assert "out of range" not in err


def test_thousands_of_errors_and_warnings_are_printed_capped(
    tmp_path: Path, real_db: Path, own_copy: Callable[[Path], Path], krimdash: Krimdash
) -> None:
    db = own_copy(real_db)
    wrong = tmp_path / "fejl.csv"
    wrong.write_text(
        HEADER + "".join(f"2025-01,ukendt.{i},,1,\n" for i in range(5000)), encoding="utf-8"
    )
    code, out, err = krimdash("import", wrong, db=db)
    assert code == 1
    assert "5000 fejl" in err and "og 4950 fejl mere" in err
    assert err.count("ukendt måling") == 50

    # A running total that falls every month for 25 years: one warning per month.
    falling = tmp_path / "advarsler.csv"
    months = [f"{year}-{month:02d}" for year in range(2000, 2025) for month in range(1, 13)]
    falling.write_text(
        HEADER
        + "".join(
            f"{m},top100.screened,,{10_000 - i},\n{m},top100.called_in,,{10_000 - i},\n"
            for i, m in enumerate(months)
        ),
        encoding="utf-8",
    )
    code, out, err = krimdash("import", falling, db=db)
    assert code == 3, (out, err)
    shown = [line for line in out.splitlines() if line.startswith("  - ")]
    total = int(out.split("Advarsler (", 1)[1].split(")", 1)[0])
    assert total > 300
    assert len(shown) == 50
    assert f"og {total - 50} advarsler mere" in out
    assert krimdash("export", db=db).out == krimdash("export", db=real_db).out


def test_measured_figures_are_reported(tmp_path: Path, real_db: Path, own_copy) -> None:  # noqa: ANN001
    """The harness itself: a good file is saved and its memory is a plausible number."""
    db = own_copy(real_db)
    path = tmp_path / "god.csv"
    path.write_text(HEADER + "2025-02,top100.screened,,70,\n", encoding="utf-8")
    run = import_measured(path, db)
    assert run.code == 0, run.err
    assert 20 < run.peak_mb < MAX_RSS_MB


def test_trailing_empty_cells_are_ignored_up_to_excels_width() -> None:
    """Spreadsheet programs write rows out to the last formatted column: ;;;; is not a column."""
    from dashboard.files import read_figures

    data = "måned;måling;værdi" + ";" * 16_000 + "\r\njan. 2025;top100.screened;68" + ";" * 9_000
    parsed = read_figures(data.encode("cp1252"), "tal.csv")
    assert [(r.line, r.month, r.measure, r.value) for r in parsed.rows] == [
        (2, "jan. 2025", "top100.screened", "68")
    ]
