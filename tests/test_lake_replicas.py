"""Two app processes on one DuckLake store (issue 12, "Replicas" and "Caches"): a DuckLake store
on a throwaway PostgreSQL (`krimdash --store URL init --demo`), two `krimdash --store URL serve`
processes behind nginx (deploy/nginx-replicas.conf, tests/servers.py), read in headless Chromium.

Each app is a machine of its own: its own KRIMDASH_DB path (where its access log lives), the same
store URL and data folder. Both show the demo figures the embedded file shows; an import through
a third process's CLI shows on both apps' pages on their next run, without a restart, because
every page cache is keyed on the lake's latest snapshot (LakeStore.data_version) — and a run
without a write in between queries nothing (Streamlit's cache counters, /_stcore/metrics); a
sign-in made on one app holds on the other (one cookie secret).
"""

from __future__ import annotations

import csv
import difflib
import re
import urllib.request
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
)

from dashboard.db import Store

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

MONTH, MEASURE = "2025-12", "ungesporet.visits"  # the demo's latest month: a draft
NEW_VALUE, NEW_SHOWN = 4321, "4.321"  # not a demo figure; Danish thousands separator
PAGE = "?side=ungesporet&fra=2025-01&til=2025-12"


def _address(app: Server) -> str:
    return app.url.removeprefix("http://")


def _settled(page) -> None:
    page.locator(SCRIPT_DONE).wait_for(timeout=60_000)
    page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=30_000)


def _main(page) -> str:
    """The page's body as the reader sees it."""
    return _without_moment(page.locator("[data-testid='stMain']").inner_text())


# Moments a page names that differ between two runs of the same figures: the overview's freshness
# line names the last change (the lake is made by this test, the embedded demo file earlier in
# the session), and the print stamp (visible in print, and in the page's style) the minute the
# page was fetched.
_MOMENTS = (
    (re.compile(r"Senest ændret \d\d\.\d\d\.\d{4} \d\d:\d\d"), "Senest ændret (tidspunkt)"),
    (re.compile(r"hentet den [^\"]*?kl(?:\.|\\0*2e) \d\d(?:\.|\\0*2e)\d\d"), "hentet (tidspunkt)"),
)


def _without_moment(text: str) -> str:
    for moment, mask in _MOMENTS:
        text = moment.sub(mask, text)
    return text


def _all_text(page) -> str:
    """The page's body with what is folded away (the "Vis tal" tables) included, once it has
    stopped changing (elements may still arrive in the frames after the script run ends)."""
    last = None
    for _ in range(40):
        now = _without_moment(page.locator("[data-testid='stMain']").text_content() or "")
        if now == last:
            return now
        last = now
        page.wait_for_timeout(300)
    return last or ""


def _differ(a: str, b: str) -> str:
    """Where two page texts differ (for an assertion's message)."""
    lines = [re.sub(r"([.}>])", r"\1\n", t).splitlines() for t in (a, b)]
    return "\n".join(list(difflib.unified_diff(*lines, lineterm="", n=1))[:40])


@pytest.fixture
def lake(krimdash, lake_store_env, tmp_path) -> tuple[str, list[dict[str, str]]]:
    """A demo DuckLake store (`krimdash --store URL init --demo`): its URL, and the environment of
    two app machines on it (each its own local database path for its access log)."""
    url = lake_store_env["KRIMDASH_STORE"]
    data = lake_store_env["KRIMDASH_LAKE_DATA"]
    code, out, err = krimdash(
        "--store", url, "init", "--demo", db=tmp_path / "init.duckdb", KRIMDASH_LAKE_DATA=data
    )
    assert code == 0, out + err
    assert "DEMO-data indlæst" in out
    envs = [{**lake_store_env, "KRIMDASH_DB": str(tmp_path / f"app-{i}.duckdb")} for i in (0, 1)]
    return url, envs


def test_both_lake_apps_show_the_figures_the_embedded_file_shows(browser, lake, demo_db, tmp_path):
    _, envs = lake
    embedded = {"KRIMDASH_DB": str(demo_db), "KRIMDASH_ACCESS_LOG": str(tmp_path / "e.sqlite")}
    # A third backend on the embedded demo file, reached by its own sticky key.
    with behind_nginx(krimdash_serve, [*envs, embedded], tmp_path) as (proxy, apps):
        keys = proxy.keys_for(apps)
        for address in ("", "?side=ungesporet", "?side=top100"):
            shown = []
            for key in keys:
                page, _ = open_sticky(browser, f"{proxy.url}/{address}", key)
                _settled(page)
                assert page.locator("[data-testid='stException']").count() == 0
                everything = _all_text(page)  # first: it waits until the page is still
                tiles = [t.strip() for t in page.locator(".tile").all_inner_texts()]
                shown.append((_main(page), everything, tiles))
                page.context.close()
            lake_a, lake_b, file_ = shown
            assert "DEMO – fiktive tal" in lake_a[0]
            assert lake_a == lake_b, f"the lake apps differ on /{address}:\n" + _differ(
                lake_a[1], lake_b[1]
            )
            assert lake_a == file_, f"the lake and the file differ on /{address}:\n" + _differ(
                lake_a[1], file_[1]
            )
            if address == "":
                assert lake_a[2], "the overview shows no key figures"
                assert "Senest ændret (tidspunkt)" in lake_a[0]  # masked, not missing
                assert "hentet (tidspunkt)" in lake_a[1]
        for key, app in zip(keys, apps, strict=True):
            assert proxy.served_by(key, "/_stcore/stream") == {_address(app)}


_LOOKUPS = re.compile(r"^cache_lookups_total\{([^}]*)\} (\d+)", re.M)


def _misses(app: Server) -> int:
    """Cache misses in dashboard/web/appdata.py's caches so far (Streamlit's /_stcore/metrics):
    each is a computation — most of them a query of the store."""
    with urllib.request.urlopen(f"{app.url}/_stcore/metrics", timeout=10) as answer:
        text = answer.read().decode()
    total = 0
    for labels, n in _LOOKUPS.findall(text):
        fields = dict(re.findall(r'(\w+)="([^"]*)"', labels))
        if fields.get("result") == "miss" and "appdata" in fields.get("cache", ""):
            total += int(n)
    return total


def _correction(krimdash, url: str, env: dict[str, str], folder: Path) -> Path:
    """The latest month's figures (`krimdash export`) with MEASURE set to NEW_VALUE."""
    export = folder / "export.csv"
    code, out, err = krimdash(
        "--store", url, "export", "-o", export, db=folder / "cli.duckdb", **env
    )
    assert code == 0, out + err
    with export.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["month"] == MONTH]
    assert [r["value"] for r in rows if r["measure"] == MEASURE and not r["category"]] != [
        str(NEW_VALUE)
    ]
    path = folder / "correction.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            changed = r["measure"] == MEASURE and not r["category"]
            w.writerow(r | {"value": str(NEW_VALUE)} if changed else r)
    return path


def _snapshot(url: str) -> int:
    """The lake's latest snapshot as a replica reads it (LakeStore.data_version, not memoised)."""
    from dashboard import lake

    lake._versions.clear()
    return Store(url).data_version()[0]


def test_an_import_by_a_third_process_shows_on_both_apps_next_run_and_a_sign_in_holds(
    browser, krimdash, lake, tmp_path, monkeypatch, request
):
    from dashboard import lake as lake_store
    from dashboard import testlogin

    url, envs = lake
    store_env = {"KRIMDASH_LAKE_DATA": envs[0]["KRIMDASH_LAKE_DATA"]}
    monkeypatch.setenv("KRIMDASH_LAKE_DATA", store_env["KRIMDASH_LAKE_DATA"])
    monkeypatch.setenv("KRIMDASH_DB", str(tmp_path / "test.duckdb"))
    request.addfinalizer(lake_store.close_all)  # this process's lake connection
    with oidc_provider(tmp_path / "provider.log") as provider:
        port = free_port()  # nginx's: the redirect_uri readers come back to
        secrets = testlogin.write_secrets(tmp_path / "secrets.toml", port, provider)

        def command(app_port: int) -> list[str]:
            return [*krimdash_serve(app_port), "--secrets", str(secrets)]

        with behind_nginx(command, envs, tmp_path, port) as (proxy, apps):
            keys = proxy.keys_for(apps)
            # Sign in as the analyst on app 0 (a reader of drafts: the latest month shows).
            page_a, _ = open_sticky(browser, f"{proxy.url}/?side=log-ind", keys[0])
            page_a.get_by_role("button", name="Log ind").click()
            page_a.wait_for_url(f"{provider}/**", timeout=30_000)
            page_a.get_by_role("button", name="analytiker", exact=True).click()
            page_a.wait_for_url(
                lambda u: u.startswith(proxy.url) and "oauth2callback" not in u, timeout=30_000
            )
            _settled(page_a)
            page_a.get_by_text("Log ud").first.wait_for(timeout=30_000)

            # (c) The same sign-in cookie, in a browser sent to app 1: signed in there too.
            signed_in = [
                c for c in page_a.context.cookies(proxy.url) if c["name"] != REPLICA_COOKIE
            ]
            context_b = browser.new_context(viewport={"width": 1280, "height": 900})
            context_b.add_cookies(
                [*signed_in, {"name": REPLICA_COOKIE, "value": keys[1], "url": proxy.url}]
            )
            page_b = context_b.new_page()
            pages = [page_a, page_b]
            for page in pages:
                page.goto(f"{proxy.url}/{PAGE}")
                _settled(page)
                page.get_by_text("Log ud").first.wait_for(timeout=30_000)
                assert "Ingen adgang" not in _main(page)
                assert NEW_SHOWN not in _all_text(page)
            before = [_all_text(page) for page in pages]
            assert before[0] == before[1], _differ(*before)

            # A page run without a write in between queries nothing: the caches' key, the lake's
            # snapshot, has not moved.
            misses = [_misses(app) for app in apps]
            snapshot = _snapshot(url)
            for page in pages:
                page.reload()
                _settled(page)
            again = [_all_text(page) for page in pages]
            assert again == before, _differ(again[0], before[0]) + _differ(again[1], before[1])
            assert [_misses(app) for app in apps] == misses, "a rerun without a write queried"
            assert _snapshot(url) == snapshot

            # (b) A third process imports a changed figure into the store.
            correction = _correction(krimdash, url, store_env, tmp_path)
            code, out, err = krimdash(
                "--store", url, "import", correction, "--note", "rettet besøgstal",
                db=tmp_path / "cli.duckdb", **store_env,
            )  # fmt: skip
            assert code == 0, out + err
            assert f"{MEASURE}: " in out and f"→ {NEW_VALUE}" in out
            assert _snapshot(url) > snapshot  # the caches' key moved

            # Each app's next run shows it, without a restart.
            for page in pages:
                page.reload()
                _settled(page)
                assert NEW_SHOWN in _all_text(page)
                assert page.locator("[data-testid='stException']").count() == 0
            after = [_all_text(page) for page in pages]
            assert after[0] == after[1], _differ(*after)
            now = [_misses(app) for app in apps]  # the new snapshot: each app queried again
            assert all(n > m for n, m in zip(now, misses, strict=True)), (now, misses)
            for page in pages:
                page.context.close()
            for key, app in zip(keys, apps, strict=True):
                assert proxy.served_by(key, "/_stcore/stream") == {_address(app)}
            assert all(app.alive() for app in apps)
