"""What a person sees: the app served by Streamlit, read in headless Chromium.

In CI the browser must be there: a missing Chromium fails these tests instead of skipping them.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import real_january
from conftest import served
from servers import krimdash_serve

from dashboard.months import month_label

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.browser


def _serve(db: Path) -> Iterator[str]:
    """`krimdash serve` on `db` in its own process on a free port; yields the base URL."""
    with served(krimdash_serve, {"KRIMDASH_DB": str(db)}) as server:
        yield server.url


def _published(db: Path, krimdash) -> Path:
    """`db` with January 2025 approved and the public view on, as an admin and the rådmand
    would publish the real figures: the browser here reads the public view, not signed in."""
    for args in (("month", "approve", "2025-01"), ("public", "on")):
        done = krimdash(*args, db=db)
        assert done.code == 0, done.out + done.err
    return db


@pytest.fixture(scope="module")
def server(real_db, krimdash, tmp_path_factory):
    """The real January 2025 figures, approved and public (a copy of the shared database)."""
    folder = tmp_path_factory.mktemp("published")
    for file in (real_db, real_db.with_name(real_db.name + ".wal")):
        if file.exists():
            shutil.copy(file, folder / file.name)
    yield from _serve(_published(folder / real_db.name, krimdash))


@pytest.fixture(scope="module")
def demo_server(demo_db):
    yield from _serve(demo_db)


@pytest.fixture
def writable_db(real_db, own_copy, krimdash) -> Path:
    return _published(own_copy(real_db), krimdash)


@pytest.fixture
def writable_server(writable_db):
    """A server of its own on a copy of the real January figures, for a test that writes."""
    yield from _serve(writable_db)


def _open(browser, url: str, width: int = 1280, height: int = 900, color_scheme: str = "light"):
    """A new page at `url`, returned once Streamlit's script run has finished; `color_scheme`
    is the device's light or dark mode (prefers-color-scheme)."""
    page = browser.new_page(viewport={"width": width, "height": height}, color_scheme=color_scheme)
    page.goto(url)
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        timeout=60_000
    )
    page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=30_000)
    return page


def _screened(page) -> str:
    """The TOP100 screened cases as the overview's tile shows them."""
    tile = page.locator(".tile", has_text="Screenede sager").first
    return tile.locator(".value").inner_text().strip()


def _screenshot(page, name: str) -> None:
    """Save the whole page; Streamlit scrolls inside its main block, so grow the viewport to fit."""
    ARTIFACTS.mkdir(exist_ok=True)
    height = page.evaluate(
        "Math.max(...[...document.querySelectorAll('[data-testid=stMain], [data-testid=stMainBlockContainer]')]"
        ".map(e => e.scrollHeight), 900)"
    )
    page.set_viewport_size(
        {"width": page.viewport_size["width"], "height": min(height + 100, 12000)}
    )
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / name))


def test_committee_member_reads_68_screened_top100_cases(browser, server):
    page = _open(browser, server)
    assert _screened(page) == str(real_january.value("top100.screened"))
    body = page.locator("body").inner_text()
    assert "januar 2025" in body
    # Real figures carry no DEMO banner.
    assert "DEMO" not in body
    _screenshot(page, "real-overview-1280.png")
    page.close()


PAGES = {
    "": "Overblik",
    "top100": "TOP100",
    "knaek_kurven": "Knæk Kurven",
    "ungeteam": "Det Opsøgende Ungeteam",
    "ungesporet": "Ungesporet",
    "sammenlign": "Sammenlign perioder",
}


@pytest.mark.parametrize("width", [1280, 768])
@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_renders_in_the_browser(browser, demo_server, demo_db, path, width):
    # A reader who is not signed in sees the public view: the approved months (init --demo
    # leaves the latest demo month as kladde).
    from dashboard.approvals import approved_months
    from dashboard.db import Store

    latest = month_label(max(approved_months(Store(demo_db))).date())
    page = _open(browser, f"{demo_server}/{path}", width=width)
    assert page.locator("[data-testid='stMain'] h1").first.inner_text().strip() == PAGES[path]
    assert page.title() == f"{PAGES[path]} – krimdash"  # each tab names its page
    assert page.locator("[data-testid='stException']").count() == 0
    assert "DEMO – fiktive tal" in page.locator("body").inner_text()
    if path not in ("", "sammenlign"):
        charts = page.locator("figure.chart img")
        assert charts.count() >= 2
        page.wait_for_function(
            "[...document.querySelectorAll('figure.chart img')].every(i => i.complete && i.naturalWidth > 0)"
        )
        # Every chart fits the screen: it scales down instead of overflowing.
        for box in (c.bounding_box() for c in charts.all()):
            assert box is not None and box["width"] > 100 and box["x"] + box["width"] <= width
        # Exact values are one hover away: each mark has a box with a title over it.
        titles = [t.get_attribute("title") for t in page.locator("figure.chart span[title]").all()]
        assert any(t.startswith(f"{latest}: ") for t in titles)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    _screenshot(page, f"demo-{path or 'overblik'}-{width}.png")
    page.close()


def test_the_tab_title_names_the_page_in_english_too(browser, demo_server):
    for path, title in [("", "Overview"), ("top100", "TOP100"), ("sammenlign", "Compare periods")]:
        page = _open(browser, f"{demo_server}/?side={path}&sprog=en")
        assert page.title() == f"{title} – krimdash"
        page.close()


# The WCAG contrast of every visible piece of text in the main area (and a sidebar, if any): its colour
# against its effective background (the nearest ancestor with a background colour, with any
# translucent layers on the way laid over it). Text that is not 4.5:1 comes back described.
LOW_CONTRAST = """(minimum) => {
  const rgba = (css) => {
    const m = css.match(/rgba?\\(([^)]*)\\)/);
    if (!m) return null;
    const [r, g, b, a] = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [r, g, b, a === undefined ? 1 : a];
  };
  const over = (top, bottom) => top.slice(0, 3).map((c, i) => c * top[3] + bottom[i] * (1 - top[3])).concat(1);
  const background = (element) => {
    const layers = [];
    for (let e = element; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    if (!layers.length || layers[layers.length - 1][3] < 1) return null;
    return layers.reduceRight((below, layer) => over(layer, below));
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const bad = [];
  let texts = 0;
  const areas = document.querySelectorAll("[data-testid=stMain], [data-testid=stSidebar]");
  for (const area of areas) {
    for (const e of area.querySelectorAll("*")) {
      const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      const style = getComputedStyle(e);
      if (!own || !e.getClientRects().length || style.visibility !== "visible" || Number(style.opacity) === 0) continue;
      texts += 1;
      const back = background(e);
      const text = e.textContent.trim().slice(0, 40);
      if (!back) { bad.push(`${text}: no background`); continue; }
      const colour = rgba(style.color);
      if (!colour) { bad.push(`${text}: colour ${style.color}`); continue; }
      const fore = over(colour, back);
      const [l1, l2] = [luminance(fore), luminance(back)].sort((x, y) => y - x);
      const ratio = (l1 + 0.05) / (l2 + 0.05);
      if (ratio < minimum) bad.push(`${text}: ${ratio.toFixed(2)} (${style.color} on rgb(${back.slice(0, 3).map(Math.round)}))`);
    }
  }
  return {areas: areas.length, texts, bad};
}"""


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_is_readable_on_a_tablet_in_dark_mode(browser, demo_server, path):
    """An iPad in dark mode asks for dark pages; the theme is fixed to light on purpose
    (dashboard/web/.streamlit/config.toml), so every text keeps a contrast of at least 4.5:1."""
    page = _open(browser, f"{demo_server}/?side={path}", color_scheme="dark")
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    found = page.evaluate(LOW_CONTRAST, 4.5)
    assert found["areas"] == 1  # the main area (the frame is its top bar; there is no sidebar)
    assert found["texts"] > 20
    assert found["bad"] == []
    page.close()


def test_months_and_numbers_in_vis_tal_do_not_wrap_on_a_tablet(browser, demo_server):
    page = _open(browser, f"{demo_server}/?side=knaek_kurven", width=768)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    lines = page.evaluate(
        """() => [...document.querySelectorAll('details tbody th, details td.n')]
        .filter(c => c.textContent.trim())
        .map(c => { const r = document.createRange(); r.selectNodeContents(c);
                    const tops = new Set([...r.getClientRects()].map(b => Math.round(b.top)));
                    return [c.textContent.trim(), tops.size]; })"""
    )
    assert len(lines) > 20
    assert [cell for cell, count in lines if count != 1] == []
    page.close()


def test_a_chart_tells_its_exact_values_on_hover(browser, demo_server):
    page = _open(browser, f"{demo_server}/ungesporet")
    july = page.locator('figure.chart span[title="juli 2025: 97 – Besøg i Ungesporet"]')
    assert july.count() == 1
    # The hover box lies over the July bar: inside the chart image.
    image = page.locator("figure.chart img").first.bounding_box()
    box = july.bounding_box()
    assert image["x"] < box["x"] < image["x"] + image["width"]
    assert image["y"] < box["y"] < image["y"] + image["height"]
    # Events show as dashed rules with their title.
    titles = [t.get_attribute("title") for t in page.locator("figure.chart span[title]").all()]
    assert any("Ungesporet genåbner" in t for t in titles)
    page.close()


@pytest.mark.parametrize("width", [1280, 768])
def test_every_bar_and_point_gives_its_own_value_where_it_is_tapped(browser, demo_server, width):
    """Knæk Kurven has events on the months of its bars and points: hovering or tapping the
    middle of each data mark's box reaches that box, never an event's, on every chart."""
    page = _open(browser, f"{demo_server}/knaek_kurven", width=width)
    page.wait_for_function(
        "[...document.querySelectorAll('figure.chart img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    checked, covered = page.evaluate(
        """() => {
            let checked = 0; const covered = [];
            for (const figure of document.querySelectorAll('figure.chart')) {
                figure.scrollIntoView({block: 'center'});
                for (const span of figure.querySelectorAll('span.hover:not(.event)')) {
                    const r = span.getBoundingClientRect();
                    const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
                    checked += 1;
                    if (hit !== span) covered.push([span.title, hit ? hit.title || hit.tagName : null]);
                }
            }
            return [checked, covered];
        }"""
    )
    assert checked > 100
    assert covered == []
    titles = [t.get_attribute("title") for t in page.locator("figure.chart span.hover").all()]
    values = [t for t in titles if re.match(r"\w+ \d{4}: −?[\d.,]+\s", t)]
    assert len(values) >= checked  # each data box tells a month and a value
    events = page.locator("figure.chart span.hover.event").count()
    assert events > 0  # the events still tell their titles, above the plot
    page.close()


def test_a_page_link_leads_to_the_root_where_no_server_lookup_fails(browser, demo_server):
    # At a path address (/top100) Streamlit's frontend first asks /top100/_stcore/health (404)
    # and asks the root only 100 ms later; at the root (./?side=top100) it connects at once.
    page = _open(browser, demo_server)
    failed = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.locator("header.kd-frame").get_by_role("link", name="TOP100").click()
    page.wait_for_url("**/?side=top100&*")
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for()
    page.locator("figure.chart img").first.wait_for()
    assert page.locator("[data-testid='stMain'] h1").first.inner_text() == "TOP100"
    assert failed == []
    page.close()


def test_the_period_form_and_the_language_link_work(browser, demo_server):
    page = _open(browser, f"{demo_server}/ungesporet")
    page.select_option("select[name=fra]", "2025-01")
    page.select_option("select[name=til]", "2025-06")
    page.get_by_role("button", name="Vis perioden").click()
    page.wait_for_url("**/ungesporet?*fra=2025-01*")
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for()
    page.locator("figure.chart img").first.wait_for()
    rows = page.locator("details table tbody th").all_text_contents()
    assert rows[0] == "januar 2025" and "juli 2025" not in rows
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**sprog=en*")
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for()
    page.locator("text=DEMO – fictive figures.").first.wait_for()
    assert "fra=2025-01" in page.url  # the period stays chosen
    # The period form keeps the language (a hidden field named `lang` was dropped by
    # Streamlit's sanitiser, so an English reader was sent back to Danish).
    page.select_option("select[name=til]", "2025-03")
    page.get_by_role("button", name="Show the period").click()
    page.wait_for_url("**til=2025-03*")
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for()
    assert "sprog=en" in page.url
    page.locator("text=DEMO – fictive figures.").first.wait_for()
    page.close()


def test_the_controls_are_reachable_by_keyboard(browser, demo_server):
    page = _open(browser, f"{demo_server}/top100")
    reached = []
    for _ in range(25):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                "(() => { const e = document.activeElement; return e.tagName + '|' "
                "+ (e.getAttribute('name') || e.innerText || '').slice(0, 40); })()"
            )
        )
    assert "A|Knæk Kurven" in reached  # the page links
    assert "SELECT|fra" in reached and "SELECT|til" in reached  # the period
    assert "BUTTON|Vis perioden" in reached
    assert "A|Månedlig ændring" in reached  # level / change
    page.close()


def test_the_readme_screenshot_shows_the_demo_overview(browser, demo_server):
    page = _open(browser, demo_server, width=1280, height=1100)
    page.wait_for_timeout(300)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "readme-overview.png"))
    assert page.locator(".tile").count() >= 5
    page.close()


def test_overview_is_usable_on_a_tablet(browser, server):
    page = _open(browser, server, width=768)
    cases = page.locator(".tile", has_text="Sager i Det Opsøgende Ungeteam").first
    cases.wait_for(state="visible", timeout=30_000)
    box = cases.bounding_box()
    # Nothing is cut off or needs sideways scrolling at tablet width.
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 768
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    _screenshot(page, "real-overview-768.png")
    page.close()


def test_an_import_while_serving_shows_on_the_next_page_load(
    browser, writable_server, writable_db, krimdash, tmp_path
):
    """DuckDB lets one process write at a time: the app's short reads must not block an import."""
    page = _open(browser, writable_server)
    figures = tmp_path / "februar.csv"
    figures.write_text(
        "måned;måling;kategori;værdi\nfebruar 2025;top100.screened;;73\n", encoding="utf-8"
    )
    done = krimdash("import", figures, "--user", "FAS", db=writable_db)
    assert done.code == 0, done.out + done.err
    done = krimdash("month", "approve", "2025-02", db=writable_db)  # the public view shows it
    assert done.code == 0, done.out + done.err
    page.reload()
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        timeout=60_000
    )
    page.locator(".tile", has_text="februar 2025").first.wait_for(timeout=30_000)
    assert _screened(page) == "73"
    page.close()


# --- a tablet reader (768 px) --------------------------------------------------------------------


def _tablet(browser, url: str):
    """A touch tablet in portrait (768 × 1024) at `url`, once the page and its charts are drawn."""
    context = browser.new_context(viewport={"width": 768, "height": 1024}, has_touch=True)
    page = context.new_page()
    page.goto(url)
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        timeout=60_000
    )
    page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=30_000)
    page.wait_for_function(
        "[...document.querySelectorAll('figure.chart img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    return context, page


def _in_view(page, locator) -> bool:
    """Shown on the first screen without opening or scrolling anything."""
    box = locator.bounding_box()
    size = page.viewport_size
    return (
        locator.is_visible()
        and box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"]
        and box["y"] + box["height"] <= size["height"]
    )


@pytest.mark.parametrize("path", ["", "knaek_kurven", "sammenlign"])
def test_on_a_tablet_every_page_link_and_the_period_are_in_view(browser, demo_server, path):
    context, page = _tablet(browser, f"{demo_server}/?side={path}")
    # No sidebar and no "»" to open one: the frame is the top bar of the page.
    assert page.locator("[data-testid='stSidebar']").count() == 0
    assert page.locator("[data-testid='stExpandSidebarButton']").count() == 0
    assert page.locator("[data-testid='stSidebarCollapsedControl']").count() == 0
    frame = page.locator("[data-testid='stMain'] header.kd-frame")
    for name in PAGES.values():
        assert _in_view(page, frame.get_by_role("link", name=name, exact=True)), name
    current = frame.locator("a[aria-current=page]")
    assert current.count() == 1 and current.inner_text() == PAGES[path]
    for control in [
        frame.locator("select[name=fra]"),
        frame.locator("select[name=til]"),
        frame.get_by_role("button", name="Vis perioden"),
        frame.get_by_role("link", name="English"),
        frame.get_by_role("link", name="Månedlig ændring"),
    ]:
        assert _in_view(page, control)
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    context.close()


# Every text in every chart image: its font size in the SVG times the image's rendered scale.
CHART_TEXT_SIZES = """() => [...document.querySelectorAll('figure.chart img')].map((img) => {
  const svg = atob(img.src.split(',')[1]);
  const scale = img.getBoundingClientRect().width / img.naturalWidth;
  const sizes = [...svg.matchAll(/<text\\b[^>]*?font-size[=:]\\s*"?([\\d.]+)/g)].map((m) => Number(m[1]));
  return [img.alt.slice(0, 40), scale, sizes.length, Math.min(...sizes) * scale];
})"""


@pytest.mark.parametrize("path", ["top100", "knaek_kurven", "ungeteam", "ungesporet"])
def test_on_a_tablet_chart_text_is_at_least_11_px(browser, demo_server, path):
    context, page = _tablet(browser, f"{demo_server}/?side={path}")
    charts = page.evaluate(CHART_TEXT_SIZES)
    assert len(charts) >= 2
    for alt, scale, texts, smallest in charts:
        assert texts > 5, alt  # axis labels at least
        assert scale > 0.9, alt  # shown at about its own size, not shrunk
        assert smallest >= 11, (alt, smallest)
    context.close()


def test_on_a_tablet_a_tap_on_a_bar_shows_its_value(browser, demo_server):
    context, page = _tablet(browser, f"{demo_server}/?side=top100")
    bars = page.locator("figure.chart").first.locator("span.hover:not(.event)")
    assert bars.count() > 10
    for bar in (bars.nth(0), bars.nth(bars.count() - 1)):
        title = bar.get_attribute("title")
        assert re.match(r"\w+ \d{4}: [\d.]+ – ", title)
        label = "getComputedStyle(document.activeElement, '::after')"
        bar.scroll_into_view_if_needed()
        # The middle of the bar's box is the box itself (no event box on top) ...
        box = bar.bounding_box()
        page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        # ... and the tap shows the mark's text as a visible label beside it.
        assert page.evaluate("document.activeElement.title") == title
        assert page.evaluate(f"{label}.content") == f'"{title}"'
        assert page.evaluate(f"{label}.display") != "none"
        assert page.evaluate(f"{label}.visibility") == "visible"
        assert float(page.evaluate(f"parseFloat({label}.fontSize)")) >= 11
    # Elsewhere the label is gone: it is not shown before a tap.
    page.locator("[data-testid='stMain'] h1").first.tap()
    assert (
        page.evaluate("getComputedStyle(document.querySelector('span.hover'), '::after').content")
        == "none"
    )
    context.close()
