"""An analyst uploads figures through the browser: `krimdash serve` on a copy of the demo data,
signed in as `analytiker` through the local test provider, in headless Chromium. A Danish
Excel CSV (semicolon, Windows-1252, months written "februar 2026") is chosen on "Indlæs fil",
previewed, saved, and its value is then on the initiative's page."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import served
from servers import krimdash_serve_signed, oidc_provider
from test_signin_browser import _body, _settled, _sign_in

pytestmark = pytest.mark.browser


def main_cells(page, value: str) -> int:
    return page.locator("[data-testid='stMain'] td", has_text=value).count()


CSV = (
    "måned;måling;kategori;værdi;bemærkning\r\n"
    "januar 2026;ungesporet.visits;;236;Opgjort af Ungesporet, Århus\r\n"
    "februar 2026;ungesporet.visits;;9237;Søndergade og Åbyhøj\r\n"
).encode("cp1252")


def test_an_analyst_uploads_a_danish_excel_csv_and_sees_it_on_the_page(
    browser, demo_db: Path, own_copy, tmp_path: Path
) -> None:
    db = own_copy(demo_db)
    upload = tmp_path / "Ungesporet februar 2026.csv"
    upload.write_bytes(CSV)
    with oidc_provider(tmp_path / "provider.log") as provider:
        command = krimdash_serve_signed(tmp_path / "secrets.toml", provider)
        env = {"KRIMDASH_DB": str(db), "KRIMDASH_ACCESS_LOG": str(tmp_path / "access.sqlite")}
        with served(command, env, tmp_path / "serve.log") as server:
            page = _sign_in(browser, server.url, provider, "analytiker")
            shown = f"{server.url}/?side=ungesporet&fra=2025-12&til=2026-02"
            page.goto(shown)
            _settled(page)
            assert main_cells(page, "9.237") == 0

            page.goto(f"{server.url}/?side=indlaes")
            _settled(page)
            assert "Indlæs fil" in _body(page)
            page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
                str(upload)
            )
            main = page.locator("[data-testid='stMain']")
            main.get_by_text("nye,", exact=False).first.wait_for(timeout=60_000)
            body = _body(page)
            assert "Forhåndsvisning af Ungesporet februar 2026.csv" in body
            assert "2 nye, 0 ændrede og 0 uændrede tal" in body
            page.get_by_role("button", name="Gem", exact=True).click()
            main.get_by_text("Gemt som indlæsning nr.", exact=False).wait_for(timeout=60_000)
            assert "2 nye og 0 ændrede tal" in _body(page)

            page.goto(shown)
            _settled(page)
            # In the table of the chart's figures (folded under the chart until opened).
            cell = main.locator("td", has_text="9.237").first
            cell.wait_for(state="attached", timeout=30_000)
            assert cell.text_content().strip() == "9.237"
            page.context.close()
