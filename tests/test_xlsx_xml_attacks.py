"""An XLSX file is zipped XML: a file with a DTD (entity expansion, "billion laughs") or an
external entity (reading a file of the server) is refused with a Danish message and nothing is
saved. openpyxl parses with defusedxml when it is installed (it is locked in requirements.lock)."""

from __future__ import annotations

import io
import zipfile

import openpyxl.xml
import pytest
from openpyxl import Workbook

from dashboard.files import read_figures
from dashboard.records import FileRejected

LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
)
EXTERNAL = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY c SYSTEM "file:///etc/passwd">]>'
MESSAGE = "Excel-filen afvises: den indeholder XML-entiteter eller en DTD"


def template() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["month", "measure", "category", "value"])
    sheet.append(["2025-01", "top100.screened", "", 68])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def poisoned(part: str, prolog: str) -> bytes:
    """The template with `prolog` (a DTD) put before `part`'s XML, and the entity used in it
    where the part has the measure's text (declaring it is refused already)."""
    source = zipfile.ZipFile(io.BytesIO(template()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in source.namelist():
            data = source.read(name)
            if name == part:
                text = data.decode("utf-8")
                text = text.split("?>", 1)[1] if text.startswith("<?xml") else text
                data = (prolog + text.replace("top100.screened", "&c;", 1)).encode("utf-8")
            archive.writestr(name, data)
    return buffer.getvalue()


def test_openpyxl_parses_with_defusedxml() -> None:
    assert openpyxl.xml.DEFUSEDXML
    assert not openpyxl.xml.LXML  # lxml is installed (WeasyPrint), but openpyxl must not use it


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
@pytest.mark.parametrize("prolog", [LAUGHS, EXTERNAL], ids=["billion-laughs", "external-entity"])
def test_an_xlsx_with_entities_is_refused_in_danish(part: str, prolog: str) -> None:
    with pytest.raises(FileRejected) as caught:
        read_figures(poisoned(part, prolog), "tal.xlsx")
    assert MESSAGE in str(caught.value.problems[0])


def test_the_import_of_such_a_file_saves_nothing(krimdash, demo_db, own_copy, tmp_path) -> None:
    db = own_copy(demo_db)
    before = krimdash("export", db=db).out
    evil = tmp_path / "tal.xlsx"
    evil.write_bytes(poisoned("xl/worksheets/sheet1.xml", LAUGHS))
    code, _, err = krimdash("import", evil, "--accept-warnings", "--note", "x", db=db)
    assert code == 1
    assert MESSAGE in err
    assert krimdash("export", db=db).out == before
