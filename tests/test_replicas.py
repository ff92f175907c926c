"""Several app processes behind nginx (README, "Several app processes (DuckLake)"): two `krimdash
serve` processes on the same demo database (each opens it read-only) behind nginx from Debian
with deploy/nginx-replicas.conf, read in headless Chromium through the proxy.

Each browser stays with one process (the sticky cookie), its websocket works through the proxy,
both processes show the same figures, a browser whose process stops moves to the other one, and a
sign-in made on one process holds on the other (one shared cookie secret). nginx's access log says
which process served which request (tests/servers.py, Proxy.served). In CI a missing nginx or
Chromium fails these tests.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import behind_nginx
from servers import (
    REPLICA_COOKIE,
    SCRIPT_DONE,
    Server,
    free_port,
    krimdash_serve,
    oidc_provider,
    open_sticky,
    stop,
)

pytestmark = pytest.mark.browser


def _address(app: Server) -> str:
    return app.url.removeprefix("http://")


def _open(browser, url: str, key: str | None = None):
    page, sockets = open_sticky(browser, url, key)
    page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=30_000)
    return page, sockets


def _settled(page) -> None:
    page.locator(SCRIPT_DONE).wait_for(timeout=60_000)
    page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=30_000)


def _tiles(page) -> list[str]:
    """The overview's key figures as the reader sees them."""
    return [t.strip() for t in page.locator(".tile").all_inner_texts()]


def _env(tmp_path: Path, db: Path) -> dict[str, str]:
    # the apps' shared access log in this test's folder, not beside the shared demo database
    return {"KRIMDASH_DB": str(db), "KRIMDASH_ACCESS_LOG": str(tmp_path / "access.sqlite")}


def test_each_browser_stays_with_one_app_and_its_websocket_runs_through_nginx(
    browser, demo_db, tmp_path
):
    env = _env(tmp_path, demo_db)
    with behind_nginx(krimdash_serve, [env, env], tmp_path) as (proxy, apps):
        keys = proxy.keys_for(apps)
        opened = [_open(browser, proxy.url, key) for key in keys]
        # A browser without the cookie gets one from nginx on its first answer.
        opened.append(_open(browser, proxy.url))
        fresh = opened[-1][0].context.cookies(proxy.url)
        (new_key,) = [c["value"] for c in fresh if c["name"] == REPLICA_COOKIE]
        assert new_key not in keys

        tiles = [_tiles(page) for page, _ in opened]
        assert tiles[0], "the overview shows no key figures"
        assert all(t == tiles[0] for t in tiles), "the two apps show different figures"
        for page, sockets in opened:
            assert "DEMO – fiktive tal" in page.locator("body").inner_text()
            assert page.locator("[data-testid='stException']").count() == 0
            # The session's websocket, through the proxy, is open after the run.
            page.wait_for_timeout(1000)
            streams = [ws for ws in sockets if ws.url.endswith("/_stcore/stream")]
            assert streams and streams[0].url.startswith(proxy.url.replace("http", "ws"))
            assert not streams[-1].is_closed()
            page.context.close()

        # Every request of a browser, the websocket included, went to its one app.
        for key, app in zip(keys, apps, strict=True):
            assert proxy.served_by(key, "/_stcore/stream") == {_address(app)}
        assert len(proxy.served_by(new_key, "/_stcore/stream")) == 1
        mine = [r for r in proxy.requests() if r["replica"] == new_key]
        assert mine[0]["request"].startswith("GET / ")  # the first answer set the cookie
        assert {r["status"] for r in mine if "/_stcore/stream" in r["request"]} == {"101"}
        assert all(app.alive() for app in apps)


def test_a_browser_whose_app_stops_moves_to_the_other(browser, demo_db, tmp_path):
    env = _env(tmp_path, demo_db)
    with behind_nginx(krimdash_serve, [env, env], tmp_path) as (proxy, apps):
        keys = proxy.keys_for(apps)
        page, sockets = _open(browser, proxy.url, keys[0])
        before = _tiles(page)
        stop(apps[0])
        # Streamlit's page opens a new websocket by itself; nginx sends the same cookie to the
        # other app.
        deadline = time.monotonic() + 60
        while len(sockets) < 2 or sockets[-1].is_closed():
            assert time.monotonic() < deadline, "the page did not reconnect"
            page.wait_for_timeout(200)
        assert _address(apps[1]) in proxy.served()[keys[0]]
        _settled(page)
        assert _tiles(page) == before
        page.reload()
        _settled(page)
        assert _tiles(page) == before
        page.context.close()
        assert proxy.served_by(keys[0], "/_stcore/stream") == {_address(a) for a in apps}


def test_a_sign_in_on_one_app_holds_on_the_other(browser, demo_db, tmp_path):
    """Both apps read one secrets file: its cookie_secret signs the sign-in cookie, so the other
    app accepts it (without the shared secret the reader would be signed out on a move)."""
    from dashboard import testlogin

    with oidc_provider(tmp_path / "provider.log") as provider:
        port = free_port()  # nginx's: the redirect_uri readers come back to
        secrets = testlogin.write_secrets(tmp_path / "secrets.toml", port, provider)

        def command(app_port: int) -> list[str]:
            return [*krimdash_serve(app_port), "--secrets", str(secrets)]

        env = _env(tmp_path, demo_db)
        with behind_nginx(command, [env, env], tmp_path, port) as (proxy, apps):
            keys = proxy.keys_for(apps)
            page, _ = _open(browser, f"{proxy.url}/?side=log-ind", keys[0])
            page.get_by_role("button", name="Log ind").click()  # a rerun over the websocket
            page.wait_for_url(f"{provider}/**", timeout=30_000)
            page.get_by_role("button", name="analytiker", exact=True).click()
            page.wait_for_url(
                lambda url: url.startswith(proxy.url) and "oauth2callback" not in url,
                timeout=30_000,
            )
            _settled(page)
            page.get_by_text("Log ud").first.wait_for(timeout=30_000)
            assert proxy.served_by(keys[0], "/oauth2callback") == {_address(apps[0])}

            # The same browser, now sent to the other app, is still signed in there.
            page.context.add_cookies([{"name": REPLICA_COOKIE, "value": keys[1], "url": proxy.url}])
            page.goto(proxy.url)
            _settled(page)
            page.get_by_text("Log ud").first.wait_for(timeout=30_000)
            links = page.locator("[data-testid='stMain'] header a").all_inner_texts()
            assert "Log ind" not in [a.strip() for a in links]
            assert "Ingen adgang" not in page.locator("[data-testid='stMain']").inner_text()
            page.context.close()
            assert proxy.served_by(keys[1], "/_stcore/stream") == {_address(apps[1])}
