"""What a person sees: the app served by Streamlit, read in headless Chromium.

In CI the browser must be there: a missing Chromium fails these tests instead of skipping them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
REAL_JANUARY = ROOT / "data" / "real" / "2025-01_orientering.csv"

pytestmark = pytest.mark.browser


def _krimdash(db: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dashboard.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "KRIMDASH_DB": str(db), **env},
        timeout=120,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs it with apt-get install chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def real_db(tmp_path_factory) -> Path:
    """A database holding only the real January 2025 figures, imported as an analyst would."""
    db = tmp_path_factory.mktemp("real") / "krimdash.duckdb"
    assert _krimdash(db, "init", "--empty").returncode == 0
    done = _krimdash(
        db, "import", str(REAL_JANUARY), "--user", "FAS",
        "--accept-warnings", "--note", "Som rapporteret: 8 + 12 ≠ 19 i kilden",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return db


@pytest.fixture(scope="module")
def server(real_db):
    """`krimdash serve` in its own process, on a free port."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dashboard.cli",
            "serve",
            "--port",
            str(port),
            "--address",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env={**os.environ, "KRIMDASH_DB": str(real_db)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    break
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail("the dashboard did not start within 60 s")
        time.sleep(0.3)
    yield url
    process.terminate()
    process.wait(timeout=20)


def _open(browser, url: str, width: int = 1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(url)
    page.get_by_role("heading", name="TOP100").wait_for(timeout=30_000)
    page.locator("[data-testid='stTable']").first.wait_for(timeout=30_000)
    return page


def _screened(page) -> str:
    """The TOP100 screened cases as the overview's table shows them."""
    row = page.locator("[data-testid='stTable'] tr", has_text="Screenede sager").first
    return row.locator("td").first.inner_text().strip()


def test_committee_member_reads_68_screened_top100_cases(browser, server):
    page = _open(browser, server)
    assert _screened(page) == "68"
    assert "Seneste måned: januar 2025" in page.locator("body").inner_text()
    # Real figures carry no DEMO banner.
    assert "DEMO" not in page.locator("body").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview-1280.png"), full_page=True)
    page.close()


def test_overview_is_usable_on_a_tablet(browser, server):
    page = _open(browser, server, width=768)
    cases = page.get_by_text("Sager i Det Opsøgende Ungeteam").first
    cases.wait_for(state="visible", timeout=30_000)
    box = cases.bounding_box()
    # Nothing is cut off or needs sideways scrolling at tablet width.
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 768
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview-768.png"), full_page=True)
    page.close()


def test_an_import_while_serving_shows_on_the_next_page_load(browser, server, real_db, tmp_path):
    """DuckDB lets one process write at a time: the app's short reads must not block an import."""
    page = _open(browser, server)
    figures = tmp_path / "februar.csv"
    figures.write_text(
        "måned;måling;kategori;værdi\nfebruar 2025;top100.screened;;73\n", encoding="utf-8"
    )
    done = _krimdash(real_db, "import", str(figures), "--user", "FAS")
    assert done.returncode == 0, done.stdout + done.stderr
    page.reload()
    page.get_by_text("februar 2025").first.wait_for(timeout=30_000)
    assert _screened(page) == "73"
    page.close()
