"""The `krimdash` command as an analyst runs it: each test drives the real CLI in subprocesses."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import real_january
from openpyxl import load_workbook

from dashboard.config import LOCAL_TZ
from dashboard.db import Store
from dashboard.exports import export_csv

REAL_JANUARY = real_january.PATH
ACK = ("--accept-warnings", "--note", real_january.NOTE)
N_JANUARY = len(real_january.FIGURES)
DISCUSSED_IN_JANUARY = real_january.value("knaek_kurven.discussed")
HEADER = "month,measure,category,value,note\n"
# Already in the database before each bad file is tried, so a partial save would show.
SEED = HEADER + "2024-12,ungeteam.cases,,41,\n2024-12,ungeteam.cases,ukn,7,Ændret opgørelse\n"
NEXT_YEAR = date.today().year + 1

# (code, out, err) of one run, see conftest.krimdash.
Krimdash = Callable[..., tuple[int, str, str]]


def unchanged(db: Path) -> str:
    """What the database holds after a refused import, read in this process: cheaper than a
    further `krimdash export` run (the export itself is tested by the tests that save)."""
    return export_csv(Store(db)).decode("utf-8")


def export(krimdash: Krimdash, *args: str, db: Path) -> str:
    code, out, err = krimdash("export", *args, db=db)
    assert code == 0, err
    return out


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory, krimdash: Krimdash) -> Path:
    """A database after `krimdash init --empty`, made once and copied for each test."""
    db = tmp_path_factory.mktemp("initialised") / "krimdash.duckdb"
    code, _, err = krimdash("init", "--empty", db=db)
    assert code == 0, err
    return db


@pytest.fixture(scope="module")
def seeded(initialised: Path, krimdash: Krimdash) -> Path:
    """An initialised database whose export is exactly SEED."""
    db = initialised.with_name("seeded.duckdb")
    shutil.copy(initialised, db)
    seed = initialised.with_name("seed.csv")
    seed.write_text(SEED, encoding="utf-8")
    code, _, err = krimdash("import", seed, db=db)
    assert code == 0, err
    assert export(krimdash, db=db) == SEED
    return db


@pytest.fixture
def empty_db(initialised: Path, db_path: Path) -> Path:
    """This test's own database, just after `init --empty`."""
    shutil.copy(initialised, db_path)
    return db_path


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def hundred_rows_with_one_bad() -> bytes:
    rows = [
        f"{2015 + i // 12}-{i % 12 + 1:02d},ungeteam.outreach_contacts,,{i}," for i in range(100)
    ]
    rows.insert(60, "2025-01,ungesporet.visits,,-5,")  # line 62: header is line 1
    return (HEADER + "\n".join(rows) + "\n").encode("utf-8")


def over_20_mb() -> bytes:
    row = "2025-01,ungeteam.cases,,45,en lang bemærkning der gentages\n"
    return (HEADER + row * (21 * 1024 * 1024 // len(row))).encode("utf-8")


BAD_INPUTS = [
    # (file name, content, what the message must say)
    pytest.param(
        "negativ.csv",
        HEADER + "2025-01,ungeteam.cases,,-1,\n",
        ["Linje 2, kolonne «value»", "-1 er negativ"],
        id="negative-value",
    ),
    pytest.param(
        "decimal.csv",
        HEADER + '2025-01,ungeteam.cases,,"12,5",\n',
        ["Linje 2, kolonne «value»", "«12,5» er ikke et helt tal"],
        id="decimal-value",
    ),
    pytest.param(
        "tekst.csv",
        HEADER + "2025-01,ungeteam.cases,,mange,\n",
        ["Linje 2, kolonne «value»", "«mange» er ikke et helt tal"],
        id="text-value",
    ),
    pytest.param(
        "stor-vaerdi.csv",
        HEADER + "2025-01,ungesporet.visits,,1000001,\n",
        ["Linje 2, kolonne «value»", "over grænsen på 1.000.000"],
        id="value-over-a-million",
    ),
    pytest.param(
        "maaling.csv",
        HEADER + "2025-01,ungeteam.sager,,45,\n",
        ["Linje 2, kolonne «measure»", "ukendt måling «ungeteam.sager»"],
        id="unknown-measure",
    ),
    pytest.param(
        "kategori.csv",
        HEADER + "2025-01,ungeteam.cases,bup,4,\n",
        ["Linje 2, kolonne «category»", "har ikke kategorien «bup»"],
        id="unknown-category",
    ),
    pytest.param(
        "maaned.csv",
        HEADER + "2025-13,ungeteam.cases,,45,\n",
        ["Linje 2, kolonne «month»", "«2025-13» er ikke en måned"],
        id="malformed-month",
    ),
    pytest.param(
        "gammel.csv",
        HEADER + "1999-12,ungeteam.cases,,45,\n",
        ["Linje 2, kolonne «month»", "december 1999 er før januar 2000"],
        id="month-before-2000",
    ),
    pytest.param(
        "fremtid.csv",
        HEADER + f"januar {NEXT_YEAR},ungeteam.cases,,45,\n",
        ["Linje 2, kolonne «month»", f"januar {NEXT_YEAR} ligger i fremtiden"],
        id="future-month",
    ),
    pytest.param(
        "dublet.csv",
        HEADER + "2025-01,ungeteam.cases,,45,\n2025-01,ungesporet.visits,,80,\n"
        "jan 2025,ungeteam.cases,,46,\n",
        ["Linje 4, kolonne «value»", "står to gange", "45 i linje 2 og 46 her"],
        id="same-key-twice-different-values",
    ),
    pytest.param(
        "kolonne.csv",
        "month,measure,category,note\n2025-01,ungeteam.cases,,45\n",
        ["Linje 1", "kolonnen «værdi» (value) mangler"],
        id="missing-value-column",
    ),
    pytest.param("tom.csv", "", ["filen er tom"], id="empty-file"),
    pytest.param("overskrift.csv", HEADER, ["Linje 1", "kun overskrift"], id="header-only"),
    pytest.param(
        "billede.csv",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
        ["hverken CSV eller Excel"],
        id="binary-file",
    ),
    pytest.param(
        "tal.xlsx",
        zip_of({"tal.csv": HEADER + "2025-01,ungeteam.cases,,45,\n"}),
        ["zip-fil, men ikke et Excel-regneark"],
        id="zip-that-is-not-a-workbook",
    ),
    pytest.param(
        "kaempe.csv", over_20_mb(), ["filen er for stor", "højst fylde 20 MB"], id="over-20-mb"
    ),
    pytest.param(
        "hundrede.csv",
        hundred_rows_with_one_bad(),
        ["1 fejl", "Linje 62, kolonne «value»", "-5 er negativ"],
        id="one-bad-row-among-a-hundred",
    ),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_INPUTS)
def test_a_bad_file_is_rejected_in_danish_and_nothing_is_saved(
    seeded: Path,
    db_path: Path,
    tmp_path: Path,
    krimdash: Krimdash,
    name: str,
    content: str | bytes,
    message: list[str],
) -> None:
    shutil.copy(seeded, db_path)
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)

    code, out, err = krimdash("import", path, db=db_path)

    assert code == 1
    assert "Filen er afvist; intet er gemt." in err
    for fragment in message:
        assert fragment in err
    assert "Traceback" not in out + err
    assert unchanged(db_path) == SEED  # as before the import


CANONICAL = (
    "month,measure,category,value,note\n"
    "2025-02,knaek_kurven.discussed,,21,Ændret opgørelse\n"
    "2025-02,top100.screened,2,40,\n"
)
DANISH_EXCEL = (
    "Måned;Måling;Kategori;Værdi;Bemærkning\r\n"
    "februar 2025;knaek_kurven.discussed;;21;Ændret opgørelse\r\n"
    "Feb. 2025;top100.screened;2;40;\r\n"
)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(CANONICAL.encode("utf-8"), id="canonical-comma-utf8"),
        pytest.param(DANISH_EXCEL.encode("cp1252"), id="danish-excel-semicolon-cp1252"),
        pytest.param(b"\xef\xbb\xbf" + CANONICAL.encode("utf-8"), id="utf8-with-bom"),
    ],
)
def test_files_as_excel_writes_them_give_the_canonical_export(
    empty_db: Path, tmp_path: Path, krimdash: Krimdash, content: bytes
) -> None:
    path = tmp_path / "februar.csv"
    path.write_bytes(content)
    code, out, err = krimdash("import", path, db=empty_db)
    assert code == 0, err
    assert "Nye: 2" in out
    assert export(krimdash, db=empty_db) == CANONICAL


EXTRA = (
    HEADER
    + '2025-02,top100.screened,,75,"Opgjort pr. 31.01, ""foreløbigt"""\n'
    + "2025-02,top100.screened,1,10,\n"
    + '2025-02,top100.screened,2,50,"Størstedelen, jf. notatet"\n'
    + "2025-02,top100.screened,3,15,\n"
    + '2025-02,ungeteam.cases,ukn,7,"Ændret opgørelse; ""UKN"" tælles for sig"\n'
)


def test_export_import_into_an_empty_database_export_gives_the_same_bytes(
    initialised: Path, real_db: Path, own_copy, tmp_path: Path, krimdash: Krimdash
) -> None:
    january = own_copy(real_db)
    extra = tmp_path / "ekstra.csv"
    extra.write_text(EXTRA, encoding="utf-8")
    assert krimdash("import", extra, db=january)[0] == 0
    first = tmp_path / "eksport.csv"
    assert krimdash("export", "-o", first, db=january)[0] == 0
    text = first.read_text(encoding="utf-8")
    assert len(text.splitlines()) == 1 + N_JANUARY + 5
    assert '"Opgjort pr. 31.01, ""foreløbigt"""' in text

    other = tmp_path / "anden.duckdb"
    shutil.copy(initialised, other)
    code, out, err = krimdash("import", first, *ACK, db=other)
    assert code == 0, err
    assert f"Nye: {N_JANUARY + 5}, ændrede: 0, uændrede: 0" in out
    assert export(krimdash, db=other).encode("utf-8") == first.read_bytes()


def test_a_filled_in_template_is_imported_into_the_export(
    real_db: Path, own_copy, tmp_path: Path, krimdash: Krimdash
) -> None:
    january = own_copy(real_db)
    template = tmp_path / "skabelon.xlsx"
    code, out, err = krimdash(
        "template", "--from", "2025-01", "--to", "2025-02", "-o", template, db=january
    )
    assert code == 0, err

    workbook = load_workbook(template)
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["måling", "kategori", "betegnelse"]
    assert header[3:] == ["2025-01", "2025-02"]
    rows = {(r[0].value, r[1].value or ""): r for r in sheet.iter_rows(min_row=2)}
    assert (
        rows[("knaek_kurven.discussed", "")][3].value == DISCUSSED_IN_JANUARY
    )  # pre-filled with January
    meetings = rows[("knaek_kurven.screening_meetings", "")][4]
    assert meetings.value is None
    meetings.value = 2
    workbook.save(template)

    code, out, err = krimdash("import", template, db=january)
    assert code == 0, err
    assert "bred skabelon" in out
    assert f"Nye: 1, ændrede: 0, uændrede: {N_JANUARY}" in out
    exported = export(krimdash, db=january)
    assert "2025-02,knaek_kurven.screening_meetings,,2,\n" in exported
    assert f"2025-01,knaek_kurven.discussed,,{DISCUSSED_IN_JANUARY}," in exported


def test_a_dry_run_shows_what_would_happen_and_saves_nothing(
    empty_db: Path, krimdash: Krimdash
) -> None:
    log_before = krimdash("log", db=empty_db)[1]
    code, out, err = krimdash("import", REAL_JANUARY, "--dry-run", db=empty_db)
    assert code == 0, err
    assert f"Nye: {N_JANUARY}" in out
    assert "Prøvekørsel (--dry-run): intet er gemt." in out
    assert unchanged(empty_db) == HEADER
    assert krimdash("log", db=empty_db)[1] == log_before


def test_accepting_warnings_without_a_note_is_refused(empty_db: Path, krimdash: Krimdash) -> None:
    code, out, err = krimdash("import", REAL_JANUARY, "--accept-warnings", db=empty_db)
    assert code == 2  # wrong use of the command, as the README promises
    assert "--accept-warnings kræver --note" in err
    assert "Traceback" not in out + err
    assert unchanged(empty_db) == HEADER


def test_warnings_block_the_import_until_acknowledged_and_check_shows_why(
    empty_db: Path, krimdash: Krimdash
) -> None:
    code, out, err = krimdash("import", REAL_JANUARY, db=empty_db)
    assert code == 3
    assert real_january.INCONSISTENCY in out
    assert "--accept-warnings" in err
    assert unchanged(empty_db) == HEADER

    assert krimdash("import", REAL_JANUARY, *ACK, db=empty_db)[0] == 0
    code, out, _ = krimdash("check", db=empty_db)
    assert code == 0
    assert f"{N_JANUARY} nuværende tal kontrolleret; 1 advarsel." in out
    assert f"godkendt: {real_january.NOTE} (analytiker)" in out


def test_export_as_of_before_a_correction_shows_the_old_value_and_the_log_both_batches(
    real_db: Path, own_copy, tmp_path: Path, krimdash: Krimdash
) -> None:
    january = own_copy(real_db)
    # Danish local time without a zone, as an analyst would type it.
    before_correction = datetime.now(UTC).astimezone(LOCAL_TZ).replace(tzinfo=None)
    correction = tmp_path / "rettelse.csv"
    correction.write_text(HEADER + "2025-01,knaek_kurven.discussed,,20,Rettet\n", encoding="utf-8")
    code, out, err = krimdash("import", correction, db=january)
    assert code == 0, err
    assert f"ændret: januar 2025 / knaek_kurven.discussed: {DISCUSSED_IN_JANUARY} → 20" in out

    then = export(krimdash, "--as-of", before_correction.isoformat(), db=january)
    assert f"2025-01,knaek_kurven.discussed,,{DISCUSSED_IN_JANUARY}," in then
    assert "2025-01,knaek_kurven.discussed,,20,Rettet\n" in export(krimdash, db=january)

    code, log, _ = krimdash("log", db=january)
    assert code == 0
    lines = log.splitlines()
    assert "rettelse.csv" in lines[0] and "ændrede 1" in lines[0]
    assert "2025-01_orientering.csv" in lines[1] and "1 godkendt advarsel" in lines[1]


def test_db_option_overrides_the_environment(tmp_path: Path, krimdash: Krimdash) -> None:
    from_env, from_option = tmp_path / "env.duckdb", tmp_path / "option.duckdb"
    assert krimdash("--db", from_option, "init", "--empty", db=from_env)[0] == 0
    assert krimdash("--db", from_option, "import", REAL_JANUARY, *ACK, db=from_env)[0] == 0
    assert from_option.exists()
    assert not from_env.exists()
    code, out, err = krimdash("--db", from_option, "export", db=from_env)
    assert code == 0, err
    assert len(out.splitlines()) == 1 + N_JANUARY
    code, _, err = krimdash("export", db=from_env)
    assert code == 4
    assert "Der er ingen database" in err
