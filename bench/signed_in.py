"""Does sign-in cost a reader anything? Each page as a signed-in returning reader and as the
public view's anonymous reader, against a blank Streamlit page. Measures and prints; asserts
nothing. See bench/README.md.

    .venv/bin/python bench/signed_in.py [--rounds N] [--user udvalg] [--pages overblik,top100]

The demo database (`krimdash init --demo` in a temp dir), the local OpenID Connect test provider
and `krimdash serve` with sign-in pointed at it (tests/servers.py, as the browser tests do), and
bench/blank_app.py beside it. The signed-in reader signs in once through the provider, then
(as in page_loads.py's returning reader) opens each page once in a tab of its own to warm up and
navigates that tab to the same address again each round; the anonymous reader and the blank page
the same. Goal: each page's median <= 1.3 x the blank page's median.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import page_loads  # bench/ is on sys.path as the script's folder
from report import median, ms, ratio, say

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT / "tests"))
import servers  # noqa: E402

GOAL = 1.3
SIDES = {"overblik": "/", "top100": "/?side=top100", "ungesporet": "/?side=ungesporet"}
SERVER_ENV = {"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}


def sign_in(browser, server: str, provider: str, user: str, timeout_ms: int):
    """A browser context signed in as `user` (with the bench's page watcher installed)."""
    ctx = page_loads.new_context(browser, timeout_ms)
    page = ctx.new_page()
    page.goto(f"{server}/?side=log-ind")
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{provider}/**", timeout=timeout_ms)
    page.get_by_role("button", name=user, exact=True).click()
    page.wait_for_url(f"{server}/**", timeout=timeout_ms)
    page.close()
    return ctx


def returning(ctx, url: str, rounds: int, timeout_ms: int) -> list[float]:
    tab = ctx.new_page()
    page_loads.load(tab, url, timeout_ms)  # the earlier visit: fills the tab's cache
    times = []
    for _ in range(rounds):
        v = page_loads.load(tab, url, timeout_ms)
        if v.get("ok"):
            times.append(v["ms"])
        else:
            say(f"  {url}: {v.get('error')}")
    tab.close()
    return times


def main() -> int:
    ap = argparse.ArgumentParser(prog="signed_in.py")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--user", default="udvalg")
    ap.add_argument("--pages", default=",".join(SIDES))
    args = ap.parse_args()
    timeout_ms = 60_000
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "krimdash.duckdb"
        subprocess.run(
            [sys.executable, "-m", "dashboard.cli", "--db", str(db), "init", "--demo"],
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
        env = {"KRIMDASH_DB": str(db), **SERVER_ENV}
        blank = partial_blank()
        with (
            servers.oidc_provider() as provider,
            servers.serving(
                servers.krimdash_serve_signed(Path(folder) / "s.toml", provider), env
            ) as app,
            servers.serving(blank, SERVER_ENV) as plain,
        ):
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                browser = servers.launch_chromium(p)
                signed = sign_in(browser, app.url, provider, args.user, timeout_ms)
                anonymous = page_loads.new_context(browser, timeout_ms)
                base = page_loads.new_context(browser, timeout_ms)
                blank_ms = median(returning(base, plain.url, args.rounds, timeout_ms))
                say(f"blank page, returning reader: median {ms(blank_ms)} ms")
                say(f"{'page':<12} {'signed in':>10} {'ratio':>7} {'public':>10} {'ratio':>7}")
                for name in args.pages.split(","):
                    url = app.url + SIDES[name]
                    a = median(returning(signed, url, args.rounds, timeout_ms))
                    b = median(returning(anonymous, url, args.rounds, timeout_ms))
                    ra = a / blank_ms if a and blank_ms else None
                    rb = b / blank_ms if b and blank_ms else None
                    say(f"{name:<12} {ms(a):>10} {ratio(ra):>7} {ms(b):>10} {ratio(rb):>7}")
                say(f"goal: every ratio <= {GOAL}")
                browser.close()
    return 0


def partial_blank():
    blank = ROOT / "bench" / "blank_app.py"
    return lambda port: servers.streamlit_run(blank, port)


if __name__ == "__main__":
    raise SystemExit(main())
