"""Sign-in as a person does it: `krimdash serve` on the demo data with Streamlit's sign-in
pointed at the local OpenID Connect test provider (oidc-provider-mock, as `make run` starts it),
read in headless Chromium. Each demo user signs in through the provider's page and sees exactly
the pages of their role; an identity without a role sees "Ingen adgang" and nothing else; an
anonymous visitor sees the public view with a way to sign in.

The provider and the server are started once per session and shared; every sign-in uses a
browser context of its own (its own cookies). Everything is on 127.0.0.1, the host of the
redirect_uri (localhost would keep other cookies). In CI a missing Chromium fails these tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import served
from servers import (
    krimdash_serve,
    krimdash_serve_signed,
    oidc_provider,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("provider") / "provider.log"
    try:
        with oidc_provider(log) as url:
            yield url
    except RuntimeError as exc:
        pytest.fail(f"the test provider did not start: {exc}; see {log}")


@pytest.fixture(scope="session")
def signin_server(demo_db: Path, provider: str, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("signin")
    command = krimdash_serve_signed(folder / "secrets.toml", provider)
    # the access log in this test's folder, not beside the shared demo database
    env = {"KRIMDASH_DB": str(demo_db), "KRIMDASH_ACCESS_LOG": str(folder / "access.sqlite")}
    with served(command, env, folder / "serve.log") as server:
        yield server.url


def _settled(page) -> None:
    """Wait until Streamlit's script run has finished and the page has a heading."""
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        timeout=60_000
    )
    page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=30_000)


def _new_page(browser, url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(url)
    _settled(page)
    return page


def _sign_in(browser, server: str, provider: str, subject: str):
    """Sign in as `subject` the way a person does: "Log ind", the provider's page, back."""
    page = _new_page(browser, f"{server}/?side=log-ind")
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{provider}/**", timeout=30_000)
    predefined = page.get_by_role("button", name=subject, exact=True)
    if predefined.count():
        predefined.click()
    else:  # any other subject: typed into the provider's form
        page.fill("input[name='sub']", subject)
        page.get_by_role("button", name="Authorize").click()
    # Back through /oauth2callback to the dashboard, which then draws for the signed-in reader:
    # every signed-in page offers "Log ud" (the frame's link, or the button of "Ingen adgang").
    page.wait_for_url(
        lambda url: url.startswith(server) and "oauth2callback" not in url, timeout=30_000
    )
    _settled(page)
    page.get_by_text("Log ud").first.wait_for(timeout=30_000)
    return page


def _frame_links(page) -> list[str]:
    return [a.strip() for a in page.locator("[data-testid='stMain'] header a").all_inner_texts()]


def _body(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


PAGES = ["Overblik", "TOP100", "Knæk Kurven", "Det Opsøgende Ungeteam", "Ungesporet"]


@pytest.mark.parametrize(
    ("subject", "admin"),
    [("udvalg", False), ("raadmand", False), ("analytiker", False), ("admin", True)],
)
def test_each_demo_user_signs_in_and_sees_the_pages_of_their_role(
    browser, signin_server, provider, subject, admin
):
    page = _sign_in(browser, signin_server, provider, subject)
    links = _frame_links(page)
    assert set(PAGES) <= set(links), links
    assert "Log ind" not in links  # signed in
    assert ("Administration" in links) is admin
    assert page.locator(".tile").count() > 0  # the overview's figures
    assert "Ingen adgang" not in _body(page)

    page.goto(f"{signin_server}/?side=admin")
    _settled(page)
    # The admin page for the admin; anyone else asking for it gets the overview.
    if admin:  # the users and their roles (the table may arrive after the heading)
        main = page.locator("[data-testid='stMain']")
        main.locator("table", has_text="raadmand").wait_for(timeout=30_000)
        assert "Brugere og roller" in _body(page)
    else:
        assert page.locator(".tile").count() > 0
        assert "Brugere og roller" not in _body(page)
    page.context.close()


def test_an_identity_without_a_role_sees_no_access_and_nothing_else(
    browser, signin_server, provider
):
    page = _sign_in(browser, signin_server, provider, "fremmed@example.org")
    body = _body(page)
    assert "Ingen adgang" in body
    assert "fremmed@example.org" in body  # the user name to give the administrator
    assert _frame_links(page) == []  # no page links, no figures
    assert page.locator(".tile").count() == 0
    for side in ("top100", "sammenlign", "admin"):  # crafted addresses reach nothing either
        page.goto(f"{signin_server}/?side={side}")
        _settled(page)
        body = _body(page)
        assert "Ingen adgang" in body
        assert page.locator("[data-testid='stMain'] :is(header, .tile, table)").count() == 0
        assert "TOP100" not in body and "Screenede" not in body
    page.context.close()


def test_anonymous_visitor_sees_the_public_view_with_a_way_to_sign_in(browser, signin_server):
    page = _new_page(browser, signin_server)
    links = _frame_links(page)
    assert "Log ind" in links
    assert "Administration" not in links
    assert page.locator(".tile").count() > 0  # the demo data's public view is on
    page.goto(f"{signin_server}/?side=admin")
    _settled(page)
    assert "Brugere og roller" not in _body(page)
    page.context.close()


def test_sign_out_ends_the_session(browser, signin_server, provider):
    page = _sign_in(browser, signin_server, provider, "admin")
    assert "Administration" in _frame_links(page)
    page.goto(f"{signin_server}/?log_ud=1")
    # Streamlit clears its cookie and sends the browser to the provider's end-session page
    # (oidc-provider-mock asks to confirm), which sends it back to the dashboard.
    page.wait_for_url(f"{provider}/oauth2/end_session**", timeout=30_000)
    assert not [c for c in page.context.cookies() if c["name"].startswith("_streamlit_user")]
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{signin_server}/**", timeout=30_000)
    page.goto(signin_server)
    _settled(page)
    links = _frame_links(page)
    assert "Log ind" in links and "Administration" not in links
    page.context.close()


def _overview_months(page) -> list[str]:
    """The months the overview's month choice offers."""
    select = page.locator("select[name='maaned'] option")
    return [o.strip() for o in select.all_inner_texts()]


def test_committee_member_and_public_see_no_draft_month_and_the_raadmand_sees_it_marked(
    browser, signin_server, provider, demo_db
):
    from dashboard.approvals import statuses
    from dashboard.db import Store
    from dashboard.months import month_label

    drafts = [m for m, s in statuses(Store(demo_db)).items() if s != "approved"]
    assert drafts, "init --demo leaves the latest demo month as kladde"
    viewer = _sign_in(browser, signin_server, provider, "udvalg")
    raadmand = _sign_in(browser, signin_server, provider, "raadmand")
    anonymous = _new_page(browser, signin_server)
    for month in drafts:
        label = month_label(month.date())
        for reader in (viewer, anonymous):
            # no month choice offers it (the frame's period, the overview's month) and no
            # figure is of it (a target's deadline may still name the month)
            assert not any(label in o for o in reader.locator("select option").all_inner_texts())
            assert reader.locator(".tile").count() > 0
            assert not any(label in t for t in reader.locator(".tile").all_inner_texts())
        assert any(label in o for o in _overview_months(raadmand))
        assert any(label in t for t in raadmand.locator(".tile").all_inner_texts())
    assert "KLADDE" in _body(raadmand) + " ".join(_overview_months(raadmand))
    for page in (viewer, raadmand, anonymous):
        page.context.close()


def test_a_broken_database_shows_no_error_details_in_the_browser(
    browser, demo_db, own_copy, tmp_path
):
    """showErrorDetails = "none": the reader gets Streamlit's plain message, never the stack
    trace, the exception or the database's path (they stay in the server's log). The database
    breaks while the server runs (`krimdash serve` refuses a broken one at start)."""
    db = own_copy(demo_db)
    log = tmp_path / "serve.log"
    with served(krimdash_serve, {"KRIMDASH_DB": str(db)}, log) as server:
        db.with_name(db.name + ".wal").unlink(missing_ok=True)
        db.write_bytes(b"this is not a DuckDB database\n" * 100)
        context = browser.new_context()
        page = context.new_page()
        page.goto(server.url)
        page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
            timeout=60_000
        )
        shown = page.locator("[data-testid='stException'], [data-testid='stAlert']")
        shown.first.wait_for(timeout=30_000)
        text = page.locator("[data-testid='stMain']").inner_text()
        for detail in ("Traceback", 'File "', "duckdb", "IOException", str(db.parent)):
            assert detail not in text
        context.close()
    assert "Traceback" in log.read_text(encoding="utf-8")  # the details are in the server's log
