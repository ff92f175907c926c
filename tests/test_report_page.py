"""The Rapport page (`?side=rapport`): the rådmand and analysts make the monthly note as DOCX,
PDF and HTML from the app, the same files as `krimdash report`; other readers never reach it;
a public note of a month not approved is refused before any button; every file made is in the
access log."""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
import pandas as pd
import pypdf
import pytest
import real_january
from apptest import ANALYST, open_page
from test_content_pages import ADMIN, RAADMAND, VIEWER

from dashboard import accesslog
from dashboard.access import Reader
from dashboard.db import Store
from dashboard.web.app_pages import report

JANUARY = pd.Timestamp(real_january.MONTH)
FIGURES = [
    str(real_january.value("top100.screened")),
    str(real_january.value("knaek_kurven.discussed")),
    str(real_january.value("knaek_kurven.relevant")),
    str(real_january.value("ungeteam.cases")),
]


def _buttons(at) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


@pytest.mark.parametrize("reader", [ANALYST, RAADMAND], ids=["analyst", "raadmand"])
def test_the_page_offers_the_note_in_three_formats(
    monkeypatch: pytest.MonkeyPatch, real_db: Path, reader: Reader
) -> None:
    at = open_page(monkeypatch, real_db, report.REPORT_PAGE, reader=reader)
    assert not at.exception, at.exception
    assert at.title[0].value == "Rapport: månedens orientering"
    assert at.selectbox(key="report_month").value == JANUARY
    assert _buttons(at) == ["Hent som Word (DOCX)", "Hent som PDF", "Hent som HTML"]
    # January is not approved: the page says the note is marked KLADDE
    assert "KLADDE" in at.warning[0].value


@pytest.mark.parametrize(
    "reader", [VIEWER, ADMIN, None], ids=["viewer", "admin", "anonymous-public-view"]
)
def test_other_readers_never_reach_the_page(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, reader: Reader | None
) -> None:
    at = open_page(monkeypatch, demo_db, report.REPORT_PAGE, reader=reader)
    assert not at.exception, at.exception
    assert not at.get("download_button")
    assert all("Rapport" not in t.value for t in at.title)


def test_a_public_note_of_a_draft_month_is_refused_before_any_button(
    monkeypatch: pytest.MonkeyPatch, real_db: Path
) -> None:
    at = open_page(monkeypatch, real_db, report.REPORT_PAGE, reader=ANALYST)
    at.checkbox(key="report_public").check().run()
    assert not at.exception, at.exception
    assert not at.get("download_button")
    assert "ikke laves en offentlig udgave" in at.warning[0].value


def _text(fmt: str, data: bytes) -> str:
    if fmt == "docx":
        document = docx.Document(io.BytesIO(data))
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        headers = [p.text for s in document.sections for p in s.header.paragraphs]
        return "\n".join([p.text for p in document.paragraphs] + cells + headers)
    if fmt == "pdf":
        return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    return data.decode("utf-8")


@pytest.mark.parametrize("fmt", list(report.FORMATS))
def test_each_file_is_the_january_note_and_is_logged(
    real_db: Path, own_copy, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = own_copy(real_db)
    monkeypatch.setenv("KRIMDASH_DB", str(db))
    store = Store(db)
    data = report.note_file(store, JANUARY, fmt, public=False, reader=ANALYST)
    shown = _text(fmt, data)
    for figure in FIGURES:
        assert figure in shown, (fmt, figure)
    assert "Månedlig orientering på det kriminalpræventive område" in shown
    assert "KLADDE" in shown
    entries = accesslog.read(database=store)
    assert any(
        e.event == "export" and e.who == ANALYST.subject and e.what == f"notat 2025-01 {fmt}"
        for e in entries
    )


def test_a_reader_without_the_role_gets_no_file(real_db: Path) -> None:
    with pytest.raises(PermissionError):
        report.note_file(Store(real_db), JANUARY, "html", public=False, reader=VIEWER)


@pytest.mark.browser
def test_the_rådmand_downloads_the_note_in_the_browser(
    browser, demo_db: Path, own_copy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signed in through the local test provider, the rådmand clicks "Hent som PDF" on the
    Rapport page of the demo data; the file the browser saves is the demo month's note, marked
    DEMO, and the access log has the export."""
    from conftest import served
    from servers import krimdash_serve_signed, oidc_provider
    from test_signin_browser import _body, _settled, _sign_in

    db = own_copy(demo_db)
    log = tmp_path / "access.sqlite"
    with oidc_provider(tmp_path / "provider.log") as provider:
        command = krimdash_serve_signed(tmp_path / "secrets.toml", provider)
        env = {"KRIMDASH_DB": str(db), "KRIMDASH_ACCESS_LOG": str(log)}
        with served(command, env, tmp_path / "serve.log") as server:
            page = _sign_in(browser, server.url, provider, "raadmand")
            page.goto(f"{server.url}/?side=rapport")
            _settled(page)
            assert "Rapport: månedens orientering" in _body(page)
            button = page.get_by_role("button", name="Hent som PDF")
            button.wait_for(timeout=30_000)
            with page.expect_download(timeout=120_000) as caught:
                button.click()
            download = caught.value
            assert download.suggested_filename.startswith("maanedlig-orientering-")
            data = Path(download.path()).read_bytes()
            page.context.close()
    shown = _text("pdf", data)
    assert "Månedlig orientering på det kriminalpræventive område" in shown
    assert "DEMO" in shown
    monkeypatch.setenv("KRIMDASH_ACCESS_LOG", str(log))
    entries = accesslog.read(database=db)
    exports = [(e.who, e.role, e.what) for e in entries if e.event == "export"]
    assert len(exports) == 1
    _, role, what = exports[0]
    assert role == "raadmand"
    assert re.fullmatch(r"notat \d{4}-\d{2} pdf", what), what


def _approved_with_text(db: Path, month: str) -> Store:
    """`month` approved, with a month's text that names 3 families (and, as no count: a date,
    a version number, a deadline and a time)."""
    from dashboard import approvals, content

    store = Store(db)
    texts = {
        f"{content.STATUS}knaek_kurven": "3 familier har sagt ja til indsatsen den 13. januar.",
        content.PERSONALE: "Stillingen er slået op (version 12), svarfrist 2025-02-03 kl. 3.30.",
    }
    the_month = pd.Timestamp(month).date()
    content.save_month_text(store, the_month, texts, user="FAS", role="analyst")
    approvals.approve(store, the_month, user="raadmand", role="raadmand")
    return store


def test_a_small_count_in_the_words_of_a_public_note_is_warned_about(
    demo_db: Path, own_copy, krimdash, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The public note protects the figures; the month's text is printed as written, so the CLI
    and the page name the place that says "3 familier" (and not dates, times or 12)."""
    from dashboard.note import build_note, small_counts_in_text

    db = own_copy(demo_db)
    month = "2025-06"
    store = _approved_with_text(db, month)
    places = small_counts_in_text(build_note(store, month, public=True, images=False))
    assert places == ["Teksten under «Status på indsatser: Knæk Kurven» nævner tallet 3"]

    out = tmp_path / "offentlig.html"
    code, _, err = krimdash(
        "report", "--month", month, "--format", "html", "--public", "-o", out, db=db
    )
    assert code == 0, err
    assert "Advarsel: Teksten under «Status på indsatser: Knæk Kurven» nævner tallet 3" in err
    assert "Personale" not in err

    at = open_page(monkeypatch, db, report.REPORT_PAGE, reader=ANALYST)
    at.selectbox(key="report_month").select(pd.Timestamp(month)).run()
    at.checkbox(key="report_public").check().run()
    assert not at.exception, at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "Status på indsatser: Knæk Kurven» nævner tallet 3" in warnings
    assert len(_buttons(at)) == 3  # a warning: the analyst decides, the files are still offered
