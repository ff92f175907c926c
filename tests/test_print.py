"""Every reading page prints cleanly for meeting papers (krimdash.css, @media print, and
dashboard/web/printing.py): no Streamlit frame and no page links, charts within the A4 width,
and on every printed page the date the page was fetched and the DEMO or KLADDE mark.

The marks' texts are checked without a browser (the frame as AppTest draws it, the CSS strings
of the page-margin boxes); the printing itself in headless Chromium: print media emulated, then
page.pdf(format="A4") read back with pypdf, page by page.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
import test_signin_browser
from apptest import open_as, sidebar
from conftest import served
from servers import krimdash_serve
from test_signin_browser import _sign_in

from dashboard.access import Reader
from dashboard.config import LOCAL_TZ
from dashboard.db import Store
from dashboard.months import MONTHS_DA
from dashboard.web import printing
from dashboard.web.settings import Settings

# The sign-in tests' fixtures: the local test provider and a server signing in through it.
provider = test_signin_browser.provider
signin_server = test_signin_browser.signin_server
VIEWER = Reader(subject="udvalg", name="Udvalgsmedlem Test", role="viewer")
RAADMAND = Reader(subject="raadmand", name="Rådmand Test", role="raadmand")
DEMO_MARK = "DEMO – fiktive tal"
A4 = (595.3, 841.9)  # 210 × 297 mm in points (Chromium rounds to 1/100 inch)
HOSTILE = [
    '"; } body { display:none } @page { content: "x',
    "</style><script>alert(1)</script>",
    '\\" \\22 \\a \\\n\r\t\x00 æøå – · ’ 😀',
    '=HYPERLINK("http://x";"Klik")',
]


def _css_text(css: str) -> str:
    """What a CSS string of printing.css_string says (its escapes read back)."""
    assert css.startswith('"') and css.endswith('"')
    return re.sub(r"\\([0-9a-f]{6})", lambda m: chr(int(m.group(1), 16)), css[1:-1])


@pytest.mark.parametrize("value", HOSTILE)
def test_a_css_string_holds_any_text_and_nothing_can_end_it(value):
    css = str(printing.css_string(value))
    # Inside the quotes only letters, digits, spaces and six-digit escapes: no quote, no
    # backslash of its own, no '<', no line break.
    assert re.fullmatch(r'"(?:[A-Za-z0-9 ]|\\[0-9a-f]{6})*"', css), css
    assert _css_text(css) == value


def _months(db: Path) -> list[pd.Timestamp]:
    return [pd.Timestamp(m) for m in Store(db).query("months_with_figures", {})["month"]]


def test_a_page_shows_kladde_when_its_period_or_its_own_month_is_a_draft():
    months = [pd.Timestamp(f"2025-{m:02d}-01") for m in (1, 2, 3)]
    draft = frozenset({months[-1]})
    assert printing.shows_draft(Settings(months=months), draft)
    assert not printing.shows_draft(Settings(months=months[:2]), draft)
    assert printing.shows_draft(Settings(months=months[:2], extra=(("maaned", "2025-03"),)), draft)
    assert not printing.shows_draft(Settings(months=months), frozenset())

    stamp = printing.stamp(Settings(months=months), "TOP100", True, draft, "den 3. marts 2025")
    assert stamp.marks == ["KLADDE", DEMO_MARK]
    assert stamp.where == "TOP100 · krimdash · hentet den 3. marts 2025"
    assert _css_text(str(stamp.css_marks)) == f"KLADDE · {DEMO_MARK}"
    assert str(stamp.css_page_number) == '"Side " counter(page) " af " counter(pages)'
    english = printing.stamp(Settings(lang="en", months=months[:1]), "TOP100", False, draft, "x")
    assert english.marks == [] and english.fetched == "fetched x"
    assert str(english.css_page_number) == '"Page " counter(page) " of " counter(pages)'


def _stamp(frame: str) -> str:
    """The print-only element of the frame, as text."""
    found = re.search(r'<div class="kd-print"[^>]*>(.*?)</div>', frame)
    assert found, "the frame carries the print-only mark"
    return re.sub(r"<[^>]+>", " ", found.group(1))


def test_the_raadmands_draft_month_prints_kladde_and_a_viewers_page_does_not(monkeypatch, demo_db):
    months = _months(demo_db)
    draft = months[-1]  # init --demo leaves the latest month a draft
    now = datetime.now(LOCAL_TZ)
    for page in ("", "top100"):
        at = open_as(monkeypatch, demo_db, RAADMAND, page, til=f"{draft:%Y-%m}")
        frame = sidebar(at)
        assert "KLADDE" in _stamp(frame), page
        assert f"{MONTHS_DA[now.month - 1]} {now.year}" in _stamp(frame)
        # The page-margin boxes of every further printed page say the same.
        css = re.search(r"@top-left\{content:(\"[^\"]*\")\}", frame)
        assert css and _css_text(css.group(1)) == "KLADDE", frame[-600:]
        before = months[-2]
        at = open_as(monkeypatch, demo_db, RAADMAND, page, til=f"{before:%Y-%m}")
        assert "KLADDE" not in _stamp(sidebar(at)), "a period of approved months only"
        at = open_as(monkeypatch, demo_db, VIEWER, page, til=f"{draft:%Y-%m}")
        assert "KLADDE" not in sidebar(at), "a viewer never sees the draft month"


# --- in the browser -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_server(demo_db) -> Iterator[str]:
    with served(krimdash_serve, {"KRIMDASH_DB": str(demo_db)}) as server:
        yield server.url


def _open(browser, url: str, width: int = 1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(url)
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        timeout=60_000
    )
    page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=30_000)
    page.wait_for_function(
        "[...document.querySelectorAll('figure.chart img')].every(i => i.complete)"
    )
    return page


def _dates_today() -> set[str]:
    """Today's date as the mark writes it, without spaces (PDF text may lose them); also
    yesterday's, for a test that runs over midnight."""
    now = datetime.now(LOCAL_TZ)
    days = [now, now - pd.Timedelta(days=1)]
    return {f"{d.day}.{MONTHS_DA[d.month - 1]}{d.year}" for d in days}


def _pdf_pages(page) -> list[tuple[str, tuple[float, float]]]:
    """The page printed to an A4 PDF: each printed page's text (spaces removed) and size."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(page.pdf(format="A4")))
    return [
        (
            re.sub(r"\s+", "", p.extract_text()),
            (float(p.mediabox.width), float(p.mediabox.height)),
        )
        for p in reader.pages
    ]


VISIBLE = "e => !!e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden'"
FRAME = [
    "[data-testid=stHeader]",
    "[data-testid=stToolbar]",
    "[data-testid=stSidebar]",
    "[data-testid=stDecoration]",
    "header.kd-frame nav",
    "header.kd-frame .kd-frame-opts",
]


@pytest.mark.browser
@pytest.mark.parametrize("path", ["", "top100", "knaek_kurven", "sammenlign"])
def test_a_page_prints_on_a4_without_the_frame_with_the_demo_mark_and_date_on_every_page(
    browser, demo_server, path
):
    page = _open(browser, f"{demo_server}/?side={path}")
    mark = page.locator(".kd-print")
    assert not mark.is_visible(), "the print-only mark is not on the screen"
    assert page.locator("header.kd-frame nav").is_visible()

    page.emulate_media(media="print")
    for selector in FRAME:
        for element in page.locator(selector).all():
            assert not element.evaluate(VISIBLE), selector
    assert mark.is_visible()
    text = mark.inner_text()
    assert DEMO_MARK in text and "KLADDE" not in text  # the public view: approved months
    assert any(d in text.replace(" ", "") for d in _dates_today()), text
    # The charts fit the width of an A4 page (the page's content box at 96 dpi).
    a4_content = round((210 - 2 * 14) / 25.4 * 96)
    page.set_viewport_size({"width": a4_content, "height": 1100})
    for image in page.locator("figure.chart img").all():
        box = image.bounding_box()
        assert box is not None and box["width"] > 0 and box["x"] + box["width"] <= a4_content + 1
    assert page.evaluate("document.documentElement.scrollWidth") <= a4_content + 1

    printed = _pdf_pages(page)
    assert printed, "the page printed"
    for number, (words, size) in enumerate(printed, start=1):
        assert all(abs(got - a4) < 1.5 for got, a4 in zip(size, A4, strict=True)), size
        assert DEMO_MARK.replace(" ", "") in words, number
        assert any(d in words for d in _dates_today()), (number, words[:200])
        assert f"Side{number}af{len(printed)}" in words
        assert "Sprog/Language" not in words and "Vistal" not in words  # no frame, no toggles
    if path == "top100":  # a long page: all of it is printed, not the first screen
        assert len(printed) > 1
        assert "..betyder" in printed[-1][0]  # the public view's footnote, at the very end
    page.close()


@pytest.mark.browser
def test_a_signed_in_raadmand_prints_kladde_on_every_page_of_a_draft_month(
    browser, signin_server, provider, demo_db
):
    page = _sign_in(browser, signin_server, provider, "raadmand")
    draft = _months(demo_db)[-1]
    page.goto(f"{signin_server}/?side=top100&til={draft:%Y-%m}")
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        timeout=60_000
    )
    page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=30_000)
    page.emulate_media(media="print")
    assert "KLADDE" in page.locator(".kd-print").inner_text()
    printed = _pdf_pages(page)
    assert len(printed) > 1
    for number, (words, _) in enumerate(printed, start=1):
        assert "KLADDE" in words and DEMO_MARK.replace(" ", "") in words, number
        assert any(d in words for d in _dates_today()), number
    page.context.close()
