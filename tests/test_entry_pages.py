"""The write pages in AppTest, signed in as an analyst: Indtast tal, Indlæs fil and Ret og
fortryd save through the import's single write path (imports.import_rows / import_file,
corrections.undo_batch), refuse what the rules refuse with nothing saved, and tell a second
session what changed. Readers without write_figures never reach them. The browser's upload is
tests/test_entry_browser.py."""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
import tomllib
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import real_january
from apptest import ANALYST, open_page
from conftest import ROOT, digest
from test_hostile_files import CASES
from test_signin import DEMO_ROLES, run_as

from dashboard import accesslog, approvals
from dashboard.access import Reader
from dashboard.db import Store
from dashboard.files import MAX_FILE_BYTES, read_figures
from dashboard.imports import import_rows
from dashboard.records import Problem, RawRow
from dashboard.web import auth, writing
from dashboard.web.app_pages import entry, fix, upload

FEB = date(2025, 2, 1)
JAN = real_january.MONTH
VIEWER = Reader(subject="udvalg", name="Udvalg", role="viewer")
RAADMAND = Reader(subject="raadmand", name="Rådmand", role="raadmand")
ADMIN = Reader(subject="admin", name="Admin", role="admin")
ANONYMOUS = Reader()


@pytest.fixture
def db(real_db: Path, own_copy) -> Path:
    return own_copy(real_db)


def current(db: Path) -> dict:
    return {(m, meas, cat): v for m, meas, cat, v, _ in Store(db).rows("figures_current")}


def latest_batch(db: Path) -> pd.Series:
    return Store(db).query("batches").iloc[0]


def ok(at):
    assert not at.exception, at.exception
    return at


def plain(markdown: str) -> str:
    """The text a reader sees of a markdown source whose outside text is escaped."""
    return re.sub(r"\\(.)", r"\1", markdown)


def errors(at) -> list[str]:
    return [plain(e.value) for e in at.error]


# --- Indtast tal ------------------------------------------------------------------------------


def key(month: date, initiative: str, measure: str, category: str = "") -> str:
    return f"indtast|{month:%Y-%m}|{initiative}|{measure}|{category}"


def entry_form(monkeypatch, db: Path, month: date, initiative: str):
    at = ok(open_page(monkeypatch, db, "indtast"))
    at.selectbox(key="indtast_maaned").set_value(month)
    at.selectbox(key="indtast_indsats").set_value(initiative)
    return ok(at.run())


def type_in(at, month: date, initiative: str, values: dict[str, str]):
    for measure, value in values.items():
        measure, _, category = measure.partition("/")
        at.text_input(key=key(month, initiative, measure, category)).input(value)
    return ok(at.run())


def save_button(at, month: date, initiative: str):
    return at.button(key=f"indtast|{month:%Y-%m}|{initiative}|gem")


def column_of(at, widget_key: str):
    """The innermost column that holds the widget with `widget_key` (its field's own column)."""

    def search(block):
        for child in getattr(block, "children", {}).values():
            if (found := search(child)) is not None:
                return found
        if type(block).__name__ == "Column" and any(
            getattr(c, "key", None) == widget_key for c in block.children.values()
        ):
            return block
        return None

    return search(at.main)


def test_a_valid_entry_is_saved_as_one_batch(monkeypatch, db) -> None:
    at = entry_form(monkeypatch, db, FEB, "ungesporet")
    assert [t.value for t in at.title] == ["Indtast tal"]
    # Pre-filled with the current value (none for February), last month's beside each.
    assert at.text_input(key=key(FEB, "ungesporet", "ungesporet.visits")).value == ""
    type_in(at, FEB, "ungesporet", {"ungesporet.visits": "12", "ungesporet.activities": "3"})
    assert not errors(at)
    assert "2 tal gemmes" in " ".join(c.value for c in at.caption)
    save_button(at, FEB, "ungesporet").click()
    ok(at.run())
    assert [s.value for s in at.success] == [
        f"Gemt som indlæsning nr. {latest_batch(db)['id']}: 2 nye og 0 ændrede tal."
    ]
    figures = current(db)
    assert figures[(FEB, "ungesporet.visits", "")] == 12
    assert figures[(FEB, "ungesporet.activities", "")] == 3
    batch = latest_batch(db)
    assert (batch["action"], batch["user_name"], batch["n_new"]) == ("entry", "analytiker", 2)
    # The form now shows the saved values, and nothing is left to save.
    assert at.text_input(key=key(FEB, "ungesporet", "ungesporet.visits")).value == "12"
    assert save_button(at, FEB, "ungesporet").disabled


def test_the_form_shows_the_current_and_last_months_values(monkeypatch, db) -> None:
    at = entry_form(monkeypatch, db, JAN, "knaek_kurven")
    assert at.text_input(key=key(JAN, "knaek_kurven", "knaek_kurven.discussed")).value == "19"
    at = entry_form(monkeypatch, db, FEB, "knaek_kurven")
    beside = column_of(at, key(FEB, "knaek_kurven", "knaek_kurven.discussed"))
    assert beside is not None
    shown = [m.value for m in at.markdown if m.value.startswith("Sidste måned")]
    assert "Sidste måned: 19" in shown


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "«abc» er ikke et helt tal"),
        ("-4", "-4 er negativ"),
        ("1.234", "skriv 1234 (uden tusindtalsskilletegn)"),
        ("2000000", "over grænsen på 1.000.000"),
        # what an attacker types: huge, control characters, markup, a formula, mis-encoded
        ("9" * 5000, "en værdi har højst 100 tegn"),
        ("12\x1b[2K", "kontroltegnet \\x1b"),
        ("<script>alert(1)</script>", "er ikke et helt tal"),
        ('=HYPERLINK("http://x";"12")', "er ikke et helt tal"),
        ("1Ã¦2", "er ikke et helt tal"),
    ],
)
def test_an_invalid_entry_is_refused_at_its_field_and_nothing_saved(
    monkeypatch, db, typed, message
) -> None:
    before = digest(db)
    at = entry_form(monkeypatch, db, FEB, "ungesporet")
    type_in(at, FEB, "ungesporet", {"ungesporet.visits": typed, "ungesporet.activities": "3"})
    at_field = column_of(at, key(FEB, "ungesporet", "ungesporet.visits"))
    assert any(message in plain(e.value) for e in at_field.error), errors(at)
    other = column_of(at, key(FEB, "ungesporet", "ungesporet.activities"))
    assert not list(other.error), "the error is at its own field only"
    assert save_button(at, FEB, "ungesporet").disabled
    assert digest(db) == before


def test_a_saved_figure_cannot_be_emptied_in_the_form(monkeypatch, db) -> None:
    before = digest(db)
    at = entry_form(monkeypatch, db, JAN, "knaek_kurven")
    type_in(at, JAN, "knaek_kurven", {"knaek_kurven.discussed": ""})
    at_field = column_of(at, key(JAN, "knaek_kurven", "knaek_kurven.discussed"))
    assert any("Ret og fortryd" in plain(e.value) for e in at_field.error)
    assert save_button(at, JAN, "knaek_kurven").disabled
    assert digest(db) == before


def test_a_warning_is_saved_only_after_the_tick_and_a_note(monkeypatch, db) -> None:
    before = digest(db)
    at = entry_form(monkeypatch, db, FEB, "top100")
    # A running total that falls: 68 in January, 60 now.
    type_in(at, FEB, "top100", {"top100.screened": "60"})
    assert any("lavere end 68 i januar 2025" in plain(w.value) for w in at.warning)
    assert save_button(at, FEB, "top100").disabled
    tick = at.checkbox(key=f"indtast|{FEB:%Y-%m}|top100|ok")
    ok(tick.check().run())
    assert save_button(at, FEB, "top100").disabled, "a tick without a note is not enough"
    at.text_area(key=f"indtast|{FEB:%Y-%m}|top100|note").input("Opgjort på ny i februar")
    ok(at.run())
    assert digest(db) == before
    save_button(at, FEB, "top100").click()
    ok(at.run())
    assert current(db)[(FEB, "top100.screened", "")] == 60
    batch = latest_batch(db)
    assert batch["note"] == "Opgjort på ny i februar"
    assert json.loads(batch["warnings"])[0]["rule"] == "cumulative_decrease"


def test_two_sessions_save_the_same_month_and_the_second_is_told_what_changed(
    monkeypatch, db
) -> None:
    first = entry_form(monkeypatch, db, JAN, "knaek_kurven")
    second = entry_form(monkeypatch, db, JAN, "knaek_kurven")
    discussed = key(JAN, "knaek_kurven", "knaek_kurven.discussed")
    meetings = key(JAN, "knaek_kurven", "knaek_kurven.screening_meetings")
    type_in(first, JAN, "knaek_kurven", {"knaek_kurven.discussed": "20"})
    type_in(second, JAN, "knaek_kurven", {"knaek_kurven.screening_meetings": "4"})
    save_button(first, JAN, "knaek_kurven").click()
    ok(first.run())
    assert current(db)[(JAN, "knaek_kurven.discussed", "")] == 20
    before = digest(db)

    save_button(second, JAN, "knaek_kurven").click()
    ok(second.run())

    told = " ".join(errors(second))
    assert "intet er gemt" in told.lower()
    assert "knaek_kurven.discussed: viste 19, er nu 20 (gemt af analytiker" in told
    assert digest(db) == before, "nothing saved, nothing overwritten"
    # The form now shows the other session's figure, and keeps what this analyst typed.
    assert second.text_input(key=discussed).value == "20"
    assert second.text_input(key=meetings).value == "4"
    save_button(second, JAN, "knaek_kurven").click()
    ok(second.run())
    figures = current(db)
    assert figures[(JAN, "knaek_kurven.discussed", "")] == 20
    assert figures[(JAN, "knaek_kurven.screening_meetings", "")] == 4


def test_a_save_that_meets_a_change_made_after_the_last_check_saves_nothing(
    monkeypatch, db
) -> None:
    """The other session saves between this run's check and its save (here: the check finds
    nothing): the save itself (imports' `expected=`) refuses, and the form shows what changed."""
    form = entry_form(monkeypatch, db, JAN, "knaek_kurven")
    meetings = key(JAN, "knaek_kurven", "knaek_kurven.screening_meetings")
    type_in(form, JAN, "knaek_kurven", {"knaek_kurven.screening_meetings": "5"})
    row = RawRow(1, "2025-01", "knaek_kurven.screening_meetings", "", "4")
    assert import_rows(Store(db), [row], user="FAS", role="analyst").status == "saved"
    monkeypatch.setattr(entry, "refresh", lambda *args: [])
    before = digest(db)
    save_button(form, JAN, "knaek_kurven").click()
    ok(form.run())
    told = " ".join(errors(form))
    assert "Intet er gemt" in told
    assert "screening_meetings: viste intet tal, er nu 4 (gemt af FAS" in told
    assert digest(db) == before
    assert form.text_input(key=meetings).value == "5", "what the analyst typed stays"
    save_button(form, JAN, "knaek_kurven").click()
    ok(form.run())
    assert current(db)[(JAN, "knaek_kurven.screening_meetings", "")] == 5


# --- Indlæs fil -------------------------------------------------------------------------------

DANISH_CSV = (
    "måned;måling;kategori;værdi;bemærkning\r\n"
    "februar 2025;ungesporet.visits;;14;Opgjort af Ungesporet, Århus\r\n"
    "januar 2025;knaek_kurven.discussed;;19;\r\n"
    "januar 2025;knaek_kurven.screening_meetings;;5;Søndergade\r\n"
).encode("cp1252")


def upload_page(monkeypatch, db: Path, name: str, data: bytes):
    at = ok(open_page(monkeypatch, db, "indlaes"))
    at.file_uploader(key="indlaes_fil").upload(name, data, "text/csv")
    return ok(at.run())


def test_an_upload_is_previewed_then_saved(monkeypatch, db) -> None:
    before = digest(db)
    at = upload_page(monkeypatch, db, "februar.csv", DANISH_CSV)
    assert digest(db) == before, "the preview saves nothing"
    counts = " ".join(m.value for m in at.markdown)
    assert "**2** nye, **0** ændrede og **1** uændrede tal" in counts
    table = at.dataframe[0].value
    assert set(table["Status"]) == {"ny", "uændret"}
    visits = table[table["Linje"] == 2]
    assert visits[["Måned", "Før", "Nu", "Status"]].values.tolist() == [
        ["februar 2025", "", "14", "ny"]
    ]
    at.button(key="indlaes|gem").click()
    ok(at.run())
    assert any("Gemt som indlæsning nr." in s.value for s in at.success)
    figures = current(db)
    assert figures[(FEB, "ungesporet.visits", "")] == 14
    assert figures[(JAN, "knaek_kurven.screening_meetings", "")] == 5
    batch = latest_batch(db)
    assert (batch["file_name"], batch["user_name"]) == ("februar.csv", "analytiker")


def test_a_changed_row_shows_old_and_new(monkeypatch, db) -> None:
    data = b"month,measure,category,value,note\n2025-01,knaek_kurven.discussed,,20,\n"
    at = upload_page(monkeypatch, db, "rettelse.csv", data)
    table = at.dataframe[0].value
    assert table[["Før", "Nu", "Status", "Linje"]].values.tolist() == [["19", "20", "ændret", 2]]


def test_an_upload_is_not_saved_when_the_figures_changed_since_its_preview(monkeypatch, db) -> None:
    data = b"month,measure,category,value,note\n2025-01,knaek_kurven.discussed,,20,\n"
    at = upload_page(monkeypatch, db, "rettelse.csv", data)
    # Meanwhile another analyst changes the same figure.
    row = RawRow(1, "2025-01", "knaek_kurven.discussed", "", "21")
    assert import_rows(Store(db), [row], user="FAS", role="analyst", accept_warnings=True, note="n").status == "saved"  # fmt: skip
    before = digest(db)
    at.button(key="indlaes|gem").click()
    ok(at.run())
    assert "viste 19, er nu 21 (gemt af FAS" in " ".join(errors(at))
    assert digest(db) == before
    # The preview is made again against the figures as they are now.
    assert at.dataframe[0].value[["Før", "Nu"]].values.tolist() == [["21", "20"]]


def test_a_rejected_file_shows_line_column_and_reason_and_saves_nothing(monkeypatch, db) -> None:
    before = digest(db)
    data = "month,measure,category,value,note\n2025-01,knaek_kurven.discusd,,20,\n2025-13,x,,y,\n"
    at = upload_page(monkeypatch, db, "fejl.csv", data.encode())
    assert any("Filen er afvist; intet er gemt." in e for e in errors(at))
    table = at.dataframe[0].value
    assert table.iloc[0][["Linje", "Kolonne"]].tolist() == ["2", "measure"]
    assert "mente du knaek_kurven.discussed?" in table.iloc[0]["Fejl"]
    assert not [b for b in at.button if b.key == "indlaes|gem"]
    assert digest(db) == before


def _as_cli_prints(table: pd.DataFrame) -> str:
    """The errors table's rows written as the command line writes a Problem."""
    return "\n".join(
        str(Problem(r["Fejl"], int(r["Linje"]) if r["Linje"] else None, r["Kolonne"] or None))
        for _, r in table.iterrows()
    )


@pytest.mark.parametrize("name", list(CASES))
def test_a_hostile_upload_is_refused_in_danish_and_saves_nothing(
    monkeypatch, db, tmp_path, name
) -> None:
    case = CASES[name]
    before = digest(db)
    at = upload_page(monkeypatch, db, f"{name}{case.suffix}", case.make())
    assert any("Filen er afvist; intet er gemt." in e for e in errors(at))
    shown = _as_cli_prints(at.dataframe[0].value)
    for piece in case.expected:
        assert piece in shown, (piece, shown[:2000])
    assert not [c for c in shown if (ord(c) < 32 and c != "\n") or 0x7F <= ord(c) < 0xA0]
    assert digest(db) == before
    assert not [b for b in at.button if b.key == "indlaes|gem"]


HOSTILE_NAMES = [
    "../../../../etc/cron.d/tal.csv",
    "..\\..\\Windows\\System32\\tal.csv",
    "<img src=x onerror=alert(1)>[klik](https://evil.example) **tal**.csv",
    "tal\x1b[2K\r\nGemt som indlæsning nr. 99\x00.csv",
    "x" * 5000 + ".csv",
    ".csv",
]


@pytest.mark.parametrize("hostile", HOSTILE_NAMES)
def test_a_hostile_file_name_is_kept_safe(monkeypatch, db, hostile) -> None:
    data = b"month,measure,category,value,note\n2025-02,ungesporet.visits,,7,\n"
    at = upload_page(monkeypatch, db, hostile, data)
    at.button(key="indlaes|gem").click()
    ok(at.run())
    kept = latest_batch(db)["file_name"]
    assert kept == writing.safe_upload_name(hostile)
    assert kept.endswith(".csv") and len(kept) <= writing.MAX_NAME_CHARS
    assert not set(kept) & set("/\\<>[]*\x1b\r\n\x00")
    assert current(db)[(FEB, "ungesporet.visits", "")] == 7


@pytest.mark.parametrize("hostile", ["tal.exe", "tal.csv.sh", "tal", "tal.xls"])
def test_a_file_that_is_no_csv_or_xlsx_by_name_is_refused(monkeypatch, db, hostile) -> None:
    before = digest(db)
    at = upload_page(monkeypatch, db, hostile, b"month,measure,value\n2025-02,x,1\n")
    assert any("Filen er afvist; intet er gemt." in e and "CSV" in e for e in errors(at))
    assert digest(db) == before


def test_safe_upload_names() -> None:
    assert writing.safe_upload_name("C:\\Users\\fas\\Tal Februar.CSV") == "Tal Februar.csv"
    assert writing.safe_upload_name("../a/b/æøå tal (2).xlsx") == "æøå tal (2).xlsx"
    assert writing.safe_upload_name("a\tb.csv") == "a_tb.csv"
    assert writing.safe_upload_name(".csv") == "fil.csv"
    with pytest.raises(writing.UploadRefused):
        writing.safe_upload_name("tal.csv.exe")


def test_an_upload_lives_in_a_private_folder_until_removed(tmp_path) -> None:
    path = writing.save_upload(b"data", "../x.csv")
    try:
        assert path.name == "x.csv"
        assert path.parent.stat().st_mode & 0o077 == 0, "only the server's user reads it"
        assert path.stat().st_mode & 0o077 == 0
    finally:
        writing.remove_upload(path)
    assert not path.parent.exists()


def test_an_abandoned_upload_is_removed_by_a_later_one(monkeypatch, tmp_path) -> None:
    """A preview no one saved (the session closed) leaves its folder; a later upload removes
    folders older than a day, and leaves a fresh one (another analyst's preview) alone."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    old = writing.save_upload(b"gammel", "gammel.csv")
    fresh = writing.save_upload(b"ny", "ny.csv")
    day_ago = time.time() - writing.STALE_UPLOAD_SECONDS - 60
    os.utime(old.parent, (day_ago, day_ago))
    newest = writing.save_upload(b"nyeste", "nyeste.csv")
    assert not old.parent.exists()
    assert fresh.exists() and newest.exists()


def test_the_upload_limit_is_the_file_limit() -> None:
    config = tomllib.loads((ROOT / "dashboard/web/.streamlit/config.toml").read_text("utf-8"))
    assert config["server"]["maxUploadSize"] * 1024 * 1024 == MAX_FILE_BYTES
    assert upload.MAX_UPLOAD_MB * 1024 * 1024 == MAX_FILE_BYTES


def test_the_template_downloads_from_the_upload_page(monkeypatch, db) -> None:
    at = ok(open_page(monkeypatch, db, "indlaes"))
    at.selectbox(key="skabelon_fra").set_value(date(2024, 12, 1))
    at.selectbox(key="skabelon_til").set_value(FEB)
    at.button(key="skabelon_lav").click()
    ok(at.run())
    assert at.get("download_button"), "the download is offered"
    data = at.session_state["skabelon|2024-12|2025-02"]
    parsed = read_figures(data, "skabelon.xlsx")
    assert parsed.layout == "wide"
    values = {(r.month, r.measure, r.category): r.value for r in parsed.rows}
    assert values[("2025-01", "knaek_kurven.discussed", "")] == 19


# --- Ret og fortryd ---------------------------------------------------------------------------


def fix_page(monkeypatch, db: Path, month: date, measure: str, category: str = ""):
    at = ok(open_page(monkeypatch, db, "ret"))
    at.selectbox(key="ret_maaned").set_value(month)
    at.selectbox(key="ret_maaling").set_value(measure)
    ok(at.run())
    at.selectbox(key="ret_kategori").set_value(category)
    return ok(at.run())


def test_a_correction_to_an_approved_month_sends_it_back_to_kladde(monkeypatch, db) -> None:
    approvals.approve(Store(db), JAN, user="raadmand", role="raadmand")
    at = fix_page(monkeypatch, db, JAN, "knaek_kurven.discussed")
    assert any("Nuværende tal: **19**" in m.value for m in at.markdown)
    form = "ret|2025-01|knaek_kurven.discussed|"
    at.text_input(key=form + "|vaerdi").input("20")
    ok(at.run())
    assert at.button(key=form + "|gem").disabled, "a correction needs a reason"
    at.text_area(key=form + "|grund").input("Notatet er rettet: 20 familier")
    ok(at.run())
    at.button(key=form + "|gem").click()
    ok(at.run())
    assert current(Store(db).path)[(JAN, "knaek_kurven.discussed", "")] == 20
    assert approvals.statuses(Store(db)) == {pd.Timestamp(JAN): "kladde"}
    batch = latest_batch(db)
    assert (batch["action"], batch["note"]) == ("correction", "Notatet er rettet: 20 familier")
    # The figure's revisions are shown, newest first.
    history = at.dataframe[0].value
    assert history["Værdi"].tolist() == ["20", "19"]


def test_a_correction_is_told_when_the_figure_changed_since_the_page_showed_it(
    monkeypatch, db
) -> None:
    at = fix_page(monkeypatch, db, JAN, "knaek_kurven.discussed")
    form = "ret|2025-01|knaek_kurven.discussed|"
    at.text_input(key=form + "|vaerdi").input("20")
    at.text_area(key=form + "|grund").input("Notatet er rettet")
    ok(at.run())
    row = RawRow(1, "2025-01", "knaek_kurven.discussed", "", "21")
    assert import_rows(Store(db), [row], user="FAS", role="analyst", accept_warnings=True, note="n").status == "saved"  # fmt: skip
    before = digest(db)
    at.button(key=form + "|gem").click()
    ok(at.run())
    assert "det viste 19, nu er det 21" in " ".join(errors(at))
    assert digest(db) == before
    at.button(key=form + "|gem").click()
    ok(at.run())
    assert current(db)[(JAN, "knaek_kurven.discussed", "")] == 20
    assert latest_batch(db)["note"] == "Notatet er rettet"


def test_a_figure_is_withdrawn_with_a_reason(monkeypatch, db) -> None:
    at = fix_page(monkeypatch, db, JAN, "knaek_kurven.discussed")
    form = "ret|2025-01|knaek_kurven.discussed|"
    at.text_area(key=form + "|grund").input("Tallet er ikke opgjort endnu")
    ok(at.run())
    at.button(key=form + "|traek").click()
    ok(at.run())
    assert (JAN, "knaek_kurven.discussed", "") not in current(db)
    assert at.dataframe[0].value["Værdi"].tolist() == ["trukket tilbage", "19"]


def test_a_batch_is_undone_from_the_page(monkeypatch, db) -> None:
    before = current(db)
    rows = [RawRow(1, "2025-02", "ungesporet.visits", "", "9"), RawRow(2, "2025-01", "knaek_kurven.discussed", "", "20")]  # fmt: skip
    batch = import_rows(Store(db), rows, user="FAS", role="analyst", accept_warnings=True, note="n").batch_id  # fmt: skip
    at = ok(open_page(monkeypatch, db, "ret"))
    at.selectbox(key="fortryd_nr").set_value(batch)
    ok(at.run())
    assert at.button(key=f"fortryd|{batch}|gem").disabled, "an undo needs a reason"
    at.text_area(key=f"fortryd|{batch}|grund").input("Forkert fil")
    ok(at.run())
    at.button(key=f"fortryd|{batch}|gem").click()
    ok(at.run())
    assert any(f"Indlæsning nr. {batch} er fortrudt" in s.value for s in at.success)
    assert current(db) == before
    assert latest_batch(db)["action"] == "undo"


def test_an_undo_refused_says_why_and_saves_nothing(monkeypatch, db) -> None:
    row = RawRow(1, "2025-01", "knaek_kurven.discussed", "", "20")
    first = import_rows(Store(db), [row], user="FAS", role="analyst", accept_warnings=True, note="n").batch_id  # fmt: skip
    row = RawRow(1, "2025-01", "knaek_kurven.discussed", "", "21")
    import_rows(Store(db), [row], user="FAS", role="analyst", accept_warnings=True, note="n")
    before = digest(db)
    at = ok(open_page(monkeypatch, db, "ret"))
    at.selectbox(key="fortryd_nr").set_value(first)
    ok(at.run())
    at.text_area(key=f"fortryd|{first}|grund").input("Forkert")
    ok(at.run())
    at.button(key=f"fortryd|{first}|gem").click()
    ok(at.run())
    assert "senere indlæsninger har ændret 1 af dens tal" in " ".join(errors(at))
    assert digest(db) == before


# --- who may reach them -----------------------------------------------------------------------

WRITE_PAGES = ["indtast", "indlaes", "ret"]
TITLES = {"Indtast tal", "Indlæs fil", "Ret og fortryd"}


@pytest.mark.parametrize(
    "reader", [VIEWER, RAADMAND, ADMIN, ANONYMOUS], ids=lambda r: r.role or "anonym"
)
@pytest.mark.parametrize("page", WRITE_PAGES)
def test_readers_without_write_figures_cannot_reach_a_write_page(
    monkeypatch, db, reader, page
) -> None:
    before = digest(db)
    at = ok(open_page(monkeypatch, db, page, reader=reader))
    assert not {t.value for t in at.title} & TITLES
    assert not at.text_input and not at.get("file_uploader")
    assert not [b for b in at.button if b.label in ("Gem", "Gem rettelsen")]
    assert "Indtast tal" not in "".join(h.proto.body for h in at.main.html)  # no link to it
    assert digest(db) == before


def test_an_analyst_sees_the_write_pages_in_the_frame(monkeypatch, db) -> None:
    at = ok(open_page(monkeypatch, db, "overblik", reader=ANALYST))
    frame = "".join(h.proto.body for h in at.main.html)
    for path, title in [
        ("indtast", "Indtast tal"),
        ("indlaes", "Indlæs fil"),
        ("ret", "Ret og fortryd"),
    ]:
        assert f"side={path}" in frame and title in frame


@pytest.mark.parametrize("render", [entry.render, upload.render, fix.render])
@pytest.mark.parametrize(
    "reader", [VIEWER, RAADMAND, ADMIN, ANONYMOUS], ids=lambda r: r.role or "anonym"
)
def test_the_pages_check_the_role_again(monkeypatch, db, render, reader) -> None:
    """Called directly (as if routed by mistake), a write page draws nothing for them."""
    drawn = []
    import streamlit as st

    monkeypatch.setattr(st, "title", lambda *a, **k: drawn.append(a))
    monkeypatch.setattr(st, "html", lambda *a, **k: drawn.append(a))
    render("", reader, lang="da", store=Store(db))
    assert not drawn


@pytest.fixture
def gate_log(monkeypatch) -> list[tuple]:
    """What the gate writes to the access log in this test: (event, who, role, target, ok)."""
    rows: list[tuple] = []

    def record(event, *, who, role, what="", target="", ok=True):
        rows.append((event, who, role, target, ok))

    monkeypatch.setattr(accesslog, "record", record)
    monkeypatch.setattr(auth, "SESSIONS_LOGGED", set())
    return rows


@pytest.mark.parametrize(("sub", "allowed"), [("udvalg", False), ("raadmand", False), ("admin", False), ("analytiker", True)])  # fmt: skip
@pytest.mark.parametrize("page", WRITE_PAGES)
def test_through_the_sign_in_only_the_analyst_reaches_a_write_page(
    monkeypatch, demo_db, own_copy, gate_log, sub, allowed, page
) -> None:
    """The real gate (st.user and the role in the database): a write page asked for by anyone
    else is refused and logged, and the overview is shown instead."""
    db = own_copy(demo_db)
    at = run_as(monkeypatch, db, sub, **{"side": page})
    titles = {t.value for t in at.title}
    assert bool(titles & TITLES) is allowed
    refused = ("page_refused", sub, DEMO_ROLES[sub], page, False)
    assert (refused in gate_log) is not allowed
