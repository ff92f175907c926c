"""The monthly note's HTML file in headless Chromium, as a committee member opens it from a mail
or a meeting portal: with the network cut off nothing is requested but the file itself, every
chart is drawn, it fits a tablet's and a phone's width, and printed on A4 every page carries
KLADDE while the month is not approved."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from dashboard.db import Store
from dashboard.note import build_note
from dashboard.note_html import note_html

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def january_html(real_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    note = build_note(Store(real_db), "2025-01", images=False)
    assert note.draft
    path = tmp_path_factory.mktemp("notat") / "notat-januar-2025.html"
    path.write_bytes(note_html(note))
    return path


def _open_offline(browser, path: Path, width: int = 768, height: int = 1024):
    """A page with `path` opened and every other request aborted: (page, context, requests
    that tried to leave the file)."""
    url = path.as_uri()
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_offline(True)
    left: list[str] = []

    def gate(route) -> None:
        if route.request.url == url:
            route.continue_()
        else:
            left.append(route.request.url)
            route.abort()

    context.route("**/*", gate)
    page = context.new_page()
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.goto(url, wait_until="load")
    return page, context, left + [u for u in seen if u != url and not u.startswith("data:")]


def test_the_note_opens_offline_with_every_chart_drawn(browser, january_html: Path) -> None:
    page, context, left = _open_offline(browser, january_html)
    try:
        assert left == [], f"requests left the file: {left}"
        charts = page.evaluate(
            """() => [...document.querySelectorAll('figure.kd-chart svg')].map(svg => {
                const box = svg.getBoundingClientRect();
                const inner = svg.getBBox();
                return {
                  width: box.width, height: box.height, inner: inner.width * inner.height,
                  paths: [...svg.querySelectorAll('path')].filter(p => (p.getAttribute('d') || '').length > 4).length,
                  texts: [...svg.querySelectorAll('text')].map(t => t.textContent),
                };
            })"""
        )
        sections = page.locator("section.kd-initiative").count()
        assert sections == 4
        # TOP100, Knæk Kurven and Det Opsøgende Ungeteam have January figures; Ungesporet none.
        assert len(charts) == 3, charts
        for chart in charts:
            assert chart["width"] > 300 and chart["height"] > 150, chart
            assert chart["inner"] > 300 * 150 and chart["paths"] >= 3, chart
            assert "jan. 2025" in chart["texts"], chart["texts"]
        text = page.inner_text("body")
        for figure in ("68", "19", "8", "45"):
            assert re.search(rf"(?<![\d.,]){figure}(?![\d.,]\d)", text), figure
        assert "KLADDE" in text
    finally:
        context.close()


@pytest.mark.parametrize("width", [768, 390], ids=["tablet", "phone"])
def test_the_note_fits_a_tablet_and_a_phone(browser, january_html: Path, width: int) -> None:
    page, context, left = _open_offline(browser, january_html, width=width, height=900)
    try:
        assert left == []
        overflow = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert overflow[0] <= overflow[1], overflow
        # Body text stays readable: at least 16 px.
        size = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
        assert size >= 16
    finally:
        context.close()


def test_printed_on_a4_every_page_says_kladde(browser, january_html: Path) -> None:
    page, context, left = _open_offline(browser, january_html)
    try:
        pdf = page.pdf(format="A4", print_background=True)
    finally:
        context.close()
    assert left == []
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) >= 2
    assert all("KLADDE" in text for text in pages), [t[:80] for t in pages]
    assert all(re.search(r"Side \d+ af \d+", text) for text in pages)
    # Sections drawn only when scrolled to on screen (content-visibility) are all printed.
    printed = " ".join(pages)
    for text in (
        "Det Opsøgende Ungeteam",
        "45",
        "Begivenheder i måneden",
        "Åbent hus i Ungesporet",
    ):
        assert text in printed, text
