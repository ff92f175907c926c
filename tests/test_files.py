"""Reading figures files: what an analyst who uploads a CSV or Excel file would notice."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from dashboard.files import MAX_FILE_BYTES, read_figures, read_file_bytes
from dashboard.records import FileRejected, RawRow

CANONICAL = (
    "month,measure,category,value,note\n"
    "februar 2025,knaek_kurven.discussed,,19,Ændret opgørelse\n"
    "2025-02,top100.screened,2,40,\n"
)
DANISH_EXCEL = (
    "Måned;Måling;Kategori;Værdi;Bemærkning\r\n"
    "februar 2025;knaek_kurven.discussed;;19;Ændret opgørelse\r\n"
    "2025-02;top100.screened;2;40;\r\n"
)
EXPECTED = [
    RawRow(2, "februar 2025", "knaek_kurven.discussed", "", "19", "Ændret opgørelse"),
    RawRow(3, "2025-02", "top100.screened", "2", "40", ""),
]


def xlsx(rows: list[list[Any]]) -> bytes:
    """An XLSX file whose first sheet holds `rows` from A1 (None = empty cell)."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def reason(data: bytes, file_name: str = "") -> str:
    with pytest.raises(FileRejected) as caught:
        read_figures(data, file_name)
    return str(caught.value)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        pytest.param(CANONICAL.encode("utf-8"), "utf-8", id="comma-utf8"),
        pytest.param(b"\xef\xbb\xbf" + CANONICAL.encode("utf-8"), "utf-8-sig", id="utf8-bom"),
        pytest.param(DANISH_EXCEL.encode("cp1252"), "cp1252", id="semicolon-cp1252-danish"),
        pytest.param(
            CANONICAL.replace(
                "month,measure,category,value,note", "MONTH, Measure ,Category,VALUE,Note"
            ).encode("utf-8"),
            "utf-8",
            id="headers-any-case",
        ),
        pytest.param(
            ("sep=;\n" + DANISH_EXCEL.replace("\r\n", "\n")).encode("utf-8"),
            "utf-8",
            id="excel-sep-line",
        ),
    ],
)
def test_csv_variants_give_the_same_rows(data: bytes, encoding: str) -> None:
    parsed = read_figures(data, "tal.csv")
    expected = EXPECTED
    if data.startswith(b"sep="):
        # The "sep=;" line is line 1, so the header is line 2.
        expected = [
            RawRow(r.line + 1, r.month, r.measure, r.category, r.value, r.note) for r in EXPECTED
        ]
    assert parsed.rows == expected
    assert (parsed.kind, parsed.layout, parsed.encoding) == ("csv", "long", encoding)


def test_columns_name_the_headers_as_the_user_wrote_them() -> None:
    parsed = read_figures(DANISH_EXCEL.encode("cp1252"))
    assert parsed.rows[0].columns == {
        "month": "Måned",
        "measure": "Måling",
        "category": "Kategori",
        "value": "Værdi",
        "note": "Bemærkning",
    }


def test_category_and_note_columns_may_be_left_out() -> None:
    parsed = read_figures(b"value,measure,month\n45,ungeteam.cases,2025-01\n")
    assert parsed.rows == [RawRow(2, "2025-01", "ungeteam.cases", "", "45", "")]
    assert set(parsed.rows[0].columns) == {"month", "measure", "value"}


def test_empty_values_and_blank_lines_are_skipped_but_lines_keep_their_numbers() -> None:
    data = (
        b"month,measure,value,comment\n"
        b"2025-01,ungeteam.cases,,not reported\n"
        b"\n"
        b" , , ,\n"
        b"2025-01,knaek_kurven.discussed,   ,\n"
        b"2025-01,knaek_kurven.relevant, 8 ,\n"
        b"2025-01,knaek_kurven.offered\n"
    )
    parsed = read_figures(data)
    assert [(r.line, r.measure, r.value) for r in parsed.rows] == [
        (6, "knaek_kurven.relevant", "8")
    ]


def test_quoted_newline_keeps_later_line_numbers() -> None:
    data = (
        b"month;measure;value;note\r\n"
        b'2025-01;top100.screened;68;"Flest i kategori 2;\r\nfordeling ikke opgjort"\r\n'
        b"2025-01;ungeteam.cases;45;\r\n"
    )
    parsed = read_figures(data)
    assert [(r.line, r.note) for r in parsed.rows] == [
        (2, "Flest i kategori 2;\r\nfordeling ikke opgjort"),
        (4, ""),
    ]


def test_xlsx_long_keeps_cell_types_and_sheet_rows() -> None:
    data = xlsx(
        [
            ["Måned", "Måling", "Kategori", "Værdi", "Note", "Ekstra"],
            [datetime(2025, 1, 1), "top100.screened", None, 68, None, "ignored"],
            [None, None, None, None, None, None],
            ["2025-01", " ungeteam.cases ", "sel", 12.0, "Ny opgørelse", None],
            ["2025-01", "ungeteam.cases", "ukn", None, "not reported", None],
        ]
    )
    parsed = read_figures(data, "tal.csv")  # the name does not decide the kind
    assert (parsed.kind, parsed.layout, parsed.encoding) == ("xlsx", "long", None)
    assert parsed.rows == [
        RawRow(2, datetime(2025, 1, 1), "top100.screened", "", 68, ""),
        RawRow(4, "2025-01", "ungeteam.cases", "sel", 12.0, "Ny opgørelse"),
    ]
    assert parsed.rows[1].columns["value"] == "Værdi"


def test_xlsx_wide_template_gives_one_row_per_filled_cell() -> None:
    data = xlsx(
        [
            ["Måling", "Kategori", "Betegnelse", datetime(2025, 1, 1), "2025-02"],
            ["top100.screened", None, "Screenede sager", 68, None],
            ["ungeteam.cases", "sel", "Sager", "  ", 47],
            [None, None, None, None, None],
            ["knaek_kurven.discussed", None, "Familier drøftet", 19, 21],
        ]
    )
    parsed = read_figures(data)
    assert (parsed.kind, parsed.layout) == ("xlsx", "wide")
    assert parsed.rows == [
        RawRow(2, datetime(2025, 1, 1), "top100.screened", "", 68, None),
        RawRow(3, "2025-02", "ungeteam.cases", "sel", 47, None),
        RawRow(5, datetime(2025, 1, 1), "knaek_kurven.discussed", "", 19, None),
        RawRow(5, "2025-02", "knaek_kurven.discussed", "", 21, None),
    ]
    assert parsed.rows[0].columns == {
        "measure": "Måling",
        "category": "Kategori",
        "month": "2025-01",
        "value": "2025-01 (D)",
    }
    assert parsed.rows[1].columns["value"] == "2025-02 (E)"


def test_wide_layout_works_in_csv_too() -> None:
    parsed = read_figures("måling;jan 2025;feb 2025\nungeteam.cases;45;\n".encode())
    assert parsed.layout == "wide"
    assert parsed.rows == [RawRow(2, "jan 2025", "ungeteam.cases", "", "45", None)]
    assert parsed.rows[0].columns["value"] == "jan 2025 (B)"


def test_wide_ignores_extra_columns_that_are_not_months() -> None:
    data = xlsx(
        [["Måling", "2025-01", "Total 2025", "Kommentar"], ["ungeteam.cases", 45, 45, "ok"]]
    )
    assert [(r.month, r.value) for r in read_figures(data).rows] == [("2025-01", 45)]


def test_tab_separated_text_from_excel_is_read() -> None:
    data = "Måned\tMåling\tVærdi\r\njan. 2025\tungeteam.cases\t45\r\n".encode("cp1252")
    assert read_figures(data).rows == [RawRow(2, "jan. 2025", "ungeteam.cases", "", "45", "")]


def test_csv_content_named_xlsx_is_read_as_csv() -> None:
    assert read_figures(CANONICAL.encode(), "tal.xlsx").kind == "csv"


def test_a_file_from_disk_is_read(tmp_path: Path) -> None:
    path = tmp_path / "tal.csv"
    path.write_bytes(DANISH_EXCEL.encode("cp1252"))
    assert read_figures(read_file_bytes(path), path.name).rows == EXPECTED


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"", "filen er tom", id="zero-bytes"),
        pytest.param(b"\xef\xbb\xbf \r\n\n", "filen er tom", id="bom-and-whitespace"),
        pytest.param(xlsx([]), "filen er tom", id="empty-sheet"),
        pytest.param(b"month,measure,value\n", "filen har ingen tal (kun overskrift)", id="header"),
        pytest.param(
            b"month,measure,value\n\n,,\n", "filen har ingen tal (kun overskrift)", id="blank-rows"
        ),
        pytest.param(
            xlsx([["month", "measure", "value"]]), "filen har ingen tal (kun overskrift)", id="xlsx"
        ),
        pytest.param(
            b"month,measure,value\n2025-01,ungeteam.cases,\n",
            "filen har ingen tal (alle værdier er tomme)",
            id="all-values-empty",
        ),
        pytest.param(
            b"month,measure,category\n2025-01,ungeteam.cases,\n",
            "kolonnen «værdi» (value) mangler i overskriften",
            id="missing-value",
        ),
        pytest.param(
            "måling;værdi\nungeteam.cases;45\n".encode(),
            "kolonnen «måned» (month) mangler i overskriften",
            id="missing-month",
        ),
        pytest.param(
            xlsx([["Kategori", "2025-01"], ["sel", 4]]),
            "kolonnen «måling» (measure) mangler i overskriften",
            id="wide-missing-measure",
        ),
        pytest.param(
            b"a,b,c\n1,2,3\n",
            "ingen genkendelig overskrift; forventede kolonner: måned (month)",
            id="unknown-header",
        ),
        pytest.param(
            b"2025-01,ungeteam.cases,,45\n",
            "ingen genkendelig overskrift",
            id="no-header-row",
        ),
        pytest.param(
            "month,Måned,measure,value\n2025-01,2025-01,x,1\n".encode(),
            "kolonnerne «month» og «Måned» betyder det samme",
            id="duplicate-header",
        ),
        pytest.param(
            b"measure,2025-01,januar 2025\nx,1,2\n",
            "kolonnerne «2025-01» og «januar 2025» betyder det samme",
            id="duplicate-month",
        ),
        pytest.param(
            xlsx([["Måling", datetime(2025, 1, 15), "May 2025"], ["ungeteam.cases", 45, 47]]),
            "kolonnen «2025-01-15» (B) ligner en måned, men kan ikke læses",
            id="wide-date-not-a-month",
        ),
        pytest.param(
            b"measure,2025-01,May 2025\nungeteam.cases,45,47\n",
            "kolonnen «May 2025» (C) ligner en måned, men kan ikke læses",
            id="wide-english-month",
        ),
        pytest.param(
            b'month,measure,value,note\n2025-01,x,1,ok\n2025-02,x,2,"no end\n2025-03,x,3,\n',
            'Linje 3: CSV-filen kan ikke læses: et anførselstegn (") bliver ikke lukket',
            id="unclosed-quote",
        ),
        pytest.param(
            b'month,measure,value,note\n2025-01,x,1,"a" b\n',
            'Linje 2: CSV-filen kan ikke læses: et anførselstegn (") står midt i en celle',
            id="stray-quote",
        ),
        pytest.param(
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "filen er hverken CSV eller Excel (xlsx)",
            id="png",
        ),
        pytest.param(
            zip_of({"word/document.xml": b"<w/>"}),
            "filen er en zip-fil, men ikke et Excel-regneark (xlsx)",
            id="zip-not-workbook",
        ),
        pytest.param(
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
            "gamle Excel-format (.xls)",
            id="xls",
        ),
        pytest.param(
            zip_of({"xl/workbook.xml": b"<not really", "[Content_Types].xml": b"?"}),
            "Excel-filen kan ikke læses",
            id="corrupt-xlsx",
        ),
        pytest.param(
            xlsx([["month", "measure", "value"], ["2025-01", "x", 1]])[:3000],
            "beskadiget",
            id="truncated-xlsx",
        ),
        pytest.param("month,measure,value\n".encode("utf-16"), "UTF-16", id="utf16-unicode-text"),
    ],
)
def test_unreadable_files_are_rejected_with_a_danish_reason(data: bytes, expected: str) -> None:
    assert expected in reason(data)


def test_header_problems_point_at_line_1() -> None:
    with pytest.raises(FileRejected) as caught:
        read_figures(b"month,measure\n2025-01,x\n")
    assert [p.line for p in caught.value.problems] == [1]
    assert str(caught.value).startswith("Linje 1: kolonnen «værdi»")


def test_binary_file_mentions_its_type() -> None:
    assert "(filtypen er .pdf)" in reason(b"%PDF-1.7\n\x00\x01", "rapport.pdf")


def test_too_large_file_is_rejected_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "stor.csv"
    with path.open("wb") as handle:
        handle.truncate(25 * 1024 * 1024)  # sparse: no disk use, and reading would be slow
    with pytest.raises(FileRejected) as caught:
        read_file_bytes(path)
    assert "filen er for stor (25 MB); den må højst fylde 20 MB" in str(caught.value)


def test_too_large_bytes_are_rejected() -> None:
    message = reason(b"a" * (MAX_FILE_BYTES + 1))
    assert "filen er for stor (20,1 MB)" in message


@pytest.mark.parametrize("cut", [30, 500, 1500, 2500, 4000, -200, -22])
def test_truncated_xlsx_never_escapes_as_a_raw_error(cut: int) -> None:
    data = xlsx([["month", "measure", "value"], ["2025-01", "ungeteam.cases", 45]])
    with pytest.raises(FileRejected):
        read_figures(data[:cut])


def test_the_other_whitespace_is_every_space_python_knows_but_space_and_line_breaks() -> None:
    from dashboard.files import _OTHER_SPACE

    every = {chr(c) for c in range(0x110000) if chr(c).isspace()} - {" ", "\n", "\r"}
    assert set(_OTHER_SPACE) == every and len(_OTHER_SPACE) == len(every)
