"""The export menu and a download, as a person uses them: the app served by Streamlit, read in
headless Chromium (the public view of the demo data, as tests/test_browser.py reads it)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import served
from servers import krimdash_serve

from dashboard.db import Store
from dashboard.exports import EXPORT_COLUMNS, PROTECTED_MARK, public_csv

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_server(demo_db: Path) -> Iterator[str]:
    with served(krimdash_serve, {"KRIMDASH_DB": str(demo_db)}) as server:
        yield server.url


def _ready(page) -> None:
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        timeout=60_000
    )
    page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=30_000)


def test_the_export_menu_leads_to_files_that_download(browser, demo_server, demo_db, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page.goto(f"{demo_server}/?side=knaek_kurven&fra=2025-01")
    _ready(page)
    menu = page.locator("details.kd-export")
    assert menu.count() == 1
    menu.locator("summary").click()
    menu.get_by_role("link", name="Tallene (CSV, Excel)").click()
    page.wait_for_url("**side=eksport*")
    assert "for=knaek_kurven" in page.url and "fra=2025-01" in page.url
    _ready(page)
    assert page.locator("[data-testid='stMain'] h1").first.inner_text() == "Eksport: Knæk Kurven"
    assert page.locator("[data-testid='stException']").count() == 0
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Tallene som CSV").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("krimdash-DEMO-knaek_kurven-2025-01-til-")
    assert saved.name.endswith("-offentlig.csv")
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert list(rows[0]) == EXPORT_COLUMNS
    public = {
        (r["month"], r["measure"], r["category"]): r["value"]
        for r in csv.DictReader(io.StringIO(public_csv(Store(demo_db)).decode("utf-8")))
    }
    assert rows and all(
        public[(r["month"], r["measure"], r["category"])] == r["value"] for r in rows
    )
    assert any(r["value"] == PROTECTED_MARK for r in rows)
    # A chart as a picture: a PNG drawn on the server.
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Billede (PNG)").first.click()
    picture = tmp_path / download.value.suggested_filename
    download.value.save_as(picture)
    assert picture.suffix == ".png" and picture.read_bytes().startswith(b"\x89PNG")
    page.close()
