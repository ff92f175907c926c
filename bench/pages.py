"""Page speed: each dashboard page against a blank Streamlit page. Measures and prints; asserts
nothing (speed is measured here, not asserted in tests). See bench/README.md.

    .venv/bin/python bench/pages.py [--quick] [--rounds N] [--pages overblik,top100,...]
                                    [--db PATH] [--json OUT] [--timeline PAGE] [--skip-...]
                                    [--lake]

One run does, in order:

1. a demo database in a temp dir (`krimdash --db X init --demo`), unless --db is given;
2. server side (script_runs.py): AppTest script runs per page, cold and warm, in a child process;
   this also tells which pages st.navigation registers;
3. browser (page_loads.py): the app (`krimdash serve`) and bench/blank_app.py, served side by side
   on 127.0.0.1 (tests/servers.py, shared with the browser tests), each page loaded in headless
   Chromium as a first visit and as a returning reader, and a timeline of one page;
4. synthetic (synthetic.py): a large catalog, server side, then one browser round per mode.

With --lake the same demo is also made in the shared store, DuckLake on a throwaway PostgreSQL
(tests/pg.py start()/stop(); `krimdash --store URL init --demo`), timed server side, and served
(`krimdash --store URL serve`) beside the file's app and the blank page: every page is loaded
from both in the same rounds, and the printout gives each as a ratio to the blank page and the
lake's median over the file's (lake/file).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import page_loads  # bench/ is on sys.path as the script's folder
import script_runs
from report import loadavg, median, ms, other_work, peak_rss_mb, ratio, say

ROOT = Path(__file__).resolve().parent.parent
# tests/servers.py starts the servers and the browser, for the browser tests and for us alike.
sys.path.append(str(ROOT / "tests"))
import servers  # noqa: E402

BLANK = ROOT / "bench" / "blank_app.py"
DEFAULT_PAGES = ["overblik", "top100", "knaek_kurven", "ungeteam", "ungesporet", "sammenlign"]
GOAL = 1.3  # every page's median <= GOAL x the blank page's median, in both modes
# No file watcher: a file changed while we measure must not rerun a page mid-measurement.
SERVER_ENV = {"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}


def _alive(named: dict[str, servers.Server]):
    def check() -> str | None:
        for name, server in named.items():
            if not server.alive():
                code = server.process.returncode
                return f"{name} server exited (code {code}); stopped from outside?"
        return None

    return check


def resolve_pages(names: list[str], ss: dict[str, Any]) -> tuple[list[dict[str, str]], list[str]]:
    """Browser targets for the registered pages; a line for each one that is missing."""
    targets, notes = [], []
    pages = {p["name"]: p for p in ss.get("pages", [])}
    for name in names:
        p = pages.get(name)
        if p is None:  # no registry (worker failed): try the address and see what the browser says
            targets.append({"name": name, "url": page_address(name)})
        elif not p["registered"]:
            notes.append(f"{name}: not registered by st.navigation (yet): skipped")
        elif p.get("default"):
            targets.append({"name": name, "url": "/"})
        else:
            targets.append({"name": name, "url": page_address(p["url_pathname"])})
    return targets, notes


def address(url: str) -> str:
    """A full URL without its host: the path and the query, as the page reports its own."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def page_address(url_pathname: str) -> str:
    """The address the app's own links give a page: the root, naming the page in `side`
    (a path address costs Streamlit's frontend a failed request first; see dashboard/web/app.py)."""
    return f"/?side={url_pathname}"


LAKE = "/lake"  # the lake's pages are named like the file's, with this after the name


def lake_serve(url: str):
    """`krimdash --store URL serve` on 127.0.0.1:port (servers.krimdash_serve, on the lake)."""

    def command(port: int) -> list[str]:
        plain = servers.krimdash_serve(port)
        return [*plain[:3], "--store", url, *plain[3:]]

    return command


@contextlib.contextmanager
def lake_demo(tmp: Path) -> Any:
    """A throwaway PostgreSQL (tests/pg.py) with the demo in a DuckLake on it
    (`krimdash --store URL init --demo`); yields the environment that reaches it."""
    import pg

    server = pg.start()
    try:
        (tmp / "lake").mkdir()
        env = {
            "KRIMDASH_STORE": pg.lake_url(server.new_database("bench")),
            "KRIMDASH_LAKE_DATA": str(tmp / "lake"),
            "KRIMDASH_DB": str(tmp / "lake-machine" / "krimdash.duckdb"),  # its access log
        }
        done = subprocess.run(
            [sys.executable, "-m", "dashboard.cli", "--store", env["KRIMDASH_STORE"], "init",
             "--demo"],
            cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, **env},
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(
                f"krimdash --store … init --demo failed:\n{done.stdout}{done.stderr}"
            )
        yield env
    finally:
        pg.stop(server)


def browser_demo(
    args: argparse.Namespace,
    db: Path,
    targets: list[dict[str, str]],
    tmp: Path,
    report: dict,
    lake_env: dict[str, str] | None = None,
) -> dict[str, dict[str, Any]]:
    """The app and the blank page side by side (and the app on the lake, given `lake_env`); the
    visits per target (paths, not full URLs)."""
    from playwright.sync_api import sync_playwright

    timeout_ms = int(args.timeout * 1000)
    env = {**SERVER_ENV, "KRIMDASH_DB": str(db)}
    with contextlib.ExitStack() as stack:
        app = stack.enter_context(servers.serving(servers.krimdash_serve, env, tmp / "app.log"))
        blank = stack.enter_context(
            servers.serving(partial(servers.streamlit_run, BLANK), SERVER_ENV, tmp / "blank.log")
        )
        named = {"app": app, "blank": blank}
        if lake_env:
            named["lake"] = stack.enter_context(
                servers.serving(
                    lake_serve(lake_env["KRIMDASH_STORE"]), {**SERVER_ENV, **lake_env},
                    tmp / "lake-app.log",
                )
            )  # fmt: skip
        p = stack.enter_context(sync_playwright())
        ours = {server.process.pid for server in named.values()}
        report["other_work_at_start"] = other_work(ours)
        report["loadavg_at_start"] = loadavg()
        browser = servers.launch_chromium(p)
        on_lake = (
            [{"name": t["name"] + LAKE, "url": named["lake"].url + t["url"]} for t in targets]
            if lake_env
            else []
        )
        try:
            report["machine"]["chromium"] = browser.version
            res = page_loads.measure(
                browser,
                [{"name": "blank", "url": blank.url + "/"}]
                + [{"name": t["name"], "url": app.url + t["url"]} for t in targets]
                + on_lake,
                args.rounds,
                timeout_ms,
                "demo",
                _alive(named),
            )
        finally:
            browser.close()
        report["app_server_peak_rss_mb"] = peak_rss_mb(app.process.pid)
        report["blank_server_peak_rss_mb"] = peak_rss_mb(blank.process.pid)
        if lake_env:
            report["lake_server_peak_rss_mb"] = peak_rss_mb(named["lake"].process.pid)
        report["loadavg_at_end"] = loadavg()
        report["other_work_at_end"] = other_work(ours)
    for r in res.values():
        r["url"] = address(r["url"])
    return res


def browser_synthetic(
    args: argparse.Namespace, env: dict[str, str], ss: dict[str, Any], tmp: Path, report: dict
) -> list[str]:
    """One round per mode for the overview and one initiative page on the synthetic catalog."""
    from playwright.sync_api import sync_playwright

    ok_pages = [p for p in ss["pages"] if p["registered"]]
    targets = [{"name": "overview", "url": "/"}] if any(p.get("default") for p in ok_pages) else []
    initiative = next(
        (
            p
            for p in ok_pages
            if not p.get("default") and p["url_pathname"] not in script_runs.COMPARE_PAGES
        ),
        None,
    )
    if initiative:
        targets.append(
            {"name": initiative["url_pathname"], "url": page_address(initiative["url_pathname"])}
        )
    if not targets:
        return ["no synthetic page registered: no browser round"]
    timeout_ms = int(args.timeout * 1000) * 3
    with (
        servers.serving(
            servers.krimdash_serve, {**SERVER_ENV, **env}, tmp / "synthetic.log"
        ) as app,
        sync_playwright() as p,
    ):
        browser = servers.launch_chromium(p)
        try:
            res = page_loads.measure(
                browser,
                [{"name": t["name"], "url": app.url + t["url"]} for t in targets],
                1,
                timeout_ms,
                "synthetic",
                _alive({"synthetic": app}),
            )
        finally:
            browser.close()
        report["synthetic_server_peak_rss_mb"] = peak_rss_mb(app.process.pid)
    for r in res.values():
        r["url"] = address(r["url"])
    lines, summary = page_loads.table(res, report.get("blank_median_ms", {}))
    for name, r in res.items():
        cold = r["server_cold"]
        lines.append(
            f"{name:<14} {r['url']:<20} {'srv cold':<9}  1 {ms(cold.get('ms')):>7}"
            + ("" if cold.get("ok") else f"  failed: {cold.get('error')}")
        )
    report["synthetic_browser"] = {"visits": res, "summary": summary}
    return lines


def lake_lines(summary: dict[str, dict[str, Any]], targets: list[dict[str, str]]) -> list[str]:
    """Per page and mode: the file's and the lake's median, each as a ratio to the blank page,
    and lake/file."""
    head = f"{'page':<14} {'mode':<9} {'file ms':>8} {'lake ms':>8} {'file':>6} {'lake':>6} {'lake/file':>9}"
    lines = [
        "",
        "THE SHARED STORE: the same pages from the file's app and the lake's app "
        "(`krimdash --store URL serve`), in the same rounds; file and lake as ratios to the "
        "blank page, and lake/file",
        head,
        "-" * len(head),
    ]
    for t in targets:
        for mode in page_loads.MODES:
            f = summary.get(t["name"], {}).get(mode, {})
            k = summary.get(t["name"] + LAKE, {}).get(mode, {})
            fm, km = f.get("median_ms"), k.get("median_ms")
            lines.append(
                f"{t['name']:<14} {mode:<9} {ms(fm):>8} {ms(km):>8} {ratio(f.get('ratio')):>6} "
                f"{ratio(k.get('ratio')):>6} {ratio(km / fm if fm and km else None):>9}"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Page speed vs a blank Streamlit page (prints only).")
    ap.add_argument("--rounds", type=int, default=5, help="browser loads per page and mode")
    ap.add_argument("--quick", action="store_true", help="3 rounds, 2 warm runs, no synthetic")
    ap.add_argument("--pages", default=",".join(DEFAULT_PAGES), help="comma list of url paths")
    ap.add_argument("--timeline", default="overblik", help="the page whose timeline is printed")
    ap.add_argument("--db", help="use this database (read only) instead of a fresh demo one")
    ap.add_argument(
        "--lake",
        action="store_true",
        help="also the same demo in DuckLake on a throwaway PostgreSQL: lake/file per page",
    )
    ap.add_argument("--json", help="also write every figure to this JSON file")
    ap.add_argument("--server-runs", type=int, default=5, help="warm AppTest runs per page")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per page load")
    ap.add_argument("--skip-browser", action="store_true")
    ap.add_argument("--skip-server-side", action="store_true", help="only register the pages")
    ap.add_argument("--skip-synthetic", action="store_true")
    ap.add_argument("--synthetic", default="100,15,120", help="initiatives,measures,months")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, databases)")
    ap.add_argument(
        "--width", type=int, default=1280, help="browser width in px (768: a tablet, 1024 high)"
    )
    args = ap.parse_args(argv)
    page_loads.VIEWPORT = {"width": args.width, "height": 1024 if args.width < 1000 else 900}
    if args.quick:
        args.rounds, args.server_runs, args.skip_synthetic = 3, 2, True

    names = [p.strip().strip("/") for p in args.pages.split(",") if p.strip().strip("/")]
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")
    if args.lake and args.db:
        ap.error("--lake compares against a fresh demo database: leave out --db")
    if not args.skip_browser and (missing := servers.chromium_missing()):
        say(f"{missing}: browser part skipped")
        args.skip_browser = True
    n_init, n_meas, n_months = (int(x) for x in args.synthetic.split(","))
    tmp = Path(tempfile.mkdtemp(prefix="krimdash-bench-"))
    started = datetime.now(UTC)
    report: dict[str, Any] = {
        "date": started.isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "rounds": args.rounds,
        "goal": f"every page's median <= {GOAL}x the blank page's median, in both modes; "
        f"a warm script run <= {script_runs.GOAL_MS} ms",
    }
    with contextlib.suppress(Exception):
        import streamlit

        report["machine"]["streamlit"] = streamlit.__version__
    with contextlib.suppress(Exception):
        report["git_head"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
            timeout=10,
        ).stdout.strip()  # fmt: skip
    printed: list[str] = []

    def emit(lines: list[str] | str = "") -> None:
        for line in [lines] if isinstance(lines, str) else lines:
            printed.append(line.rstrip())
            say(line.rstrip())

    stack = contextlib.ExitStack()
    try:
        # 1. the database
        if args.db:
            db = Path(args.db).resolve()
            if not db.exists():
                say(f"no database at {db}")
                return 2
        else:
            db = tmp / "demo.duckdb"
            done = subprocess.run(
                [sys.executable, "-m", "dashboard.cli", "--db", str(db), "init", "--demo"],
                cwd=ROOT, capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            if done.returncode != 0:
                say(f"krimdash init --demo failed:\n{done.stdout}{done.stderr}")
                return 1
        report["db"] = str(db) if args.db else "demo (krimdash init --demo, temp dir)"
        lake_env: dict[str, str] | None = None
        if args.lake:
            say("the lake: PostgreSQL (tests/pg.py) and krimdash --store … init --demo ...")
            t0 = time.perf_counter()
            lake_env = stack.enter_context(lake_demo(tmp))
            report["lake"] = {"made_s": time.perf_counter() - t0}
        db_label = f"db {db.name}" if args.db else "demo db"

        # 2. server side (always registers the pages; times them unless skipped)
        say("server side: AppTest runs in a child process ...")
        ss = script_runs.run(
            {"KRIMDASH_DB": str(db)}, ",".join(names),
            -1 if args.skip_server_side else args.server_runs,
            tmp / "serverside.log", timeout_s=900,
        )  # fmt: skip
        report["server_side"] = ss
        targets, missing = resolve_pages(names, ss)
        lake_ss: dict[str, Any] = {}
        if lake_env:
            say("server side, the lake: AppTest runs in a child process ...")
            lake_ss = script_runs.run(
                lake_env, ",".join(names), -1 if args.skip_server_side else args.server_runs,
                tmp / "serverside-lake.log", timeout_s=900,
            )  # fmt: skip
            report["server_side_lake"] = lake_ss

        # 3. browser
        res: dict[str, dict[str, Any]] = {}
        summary: dict[str, dict[str, Any]] = {}
        if not args.skip_browser:
            res = browser_demo(args, db, targets, tmp, report, lake_env)
            report["blank_median_ms"] = {
                m: page_loads.summarize(res["blank"][m])["median_ms"] for m in page_loads.MODES
            }
            table, summary = page_loads.table(res, report["blank_median_ms"])
            report["browser"] = {"visits": res, "summary": summary}

        # 4. synthetic
        synth_ss: dict[str, Any] = {}
        synth_lines: list[str] = []
        if not args.skip_synthetic:
            from synthetic import make_synthetic

            say(f"synthetic: {n_init} initiatives x {n_meas} measures x {n_months} months ...")
            t0 = time.perf_counter()
            catalog_path, synth_db = make_synthetic(tmp / "synthetic", n_init, n_meas, n_months)
            report["synthetic_build_s"] = time.perf_counter() - t0
            synth_env = {"KRIMDASH_DB": str(synth_db), "KRIMDASH_CATALOG": str(catalog_path)}
            say("synthetic: server side ...")
            synth_ss = script_runs.run(
                synth_env, "auto", -1 if args.skip_server_side else max(1, args.server_runs // 2),
                tmp / "serverside-synthetic.log", timeout_s=1800,
            )  # fmt: skip
            report["synthetic_server_side"] = synth_ss
            if not args.skip_browser and "error" not in synth_ss:
                synth_lines = browser_synthetic(args, synth_env, synth_ss, tmp, report)

        # print everything
        emit()
        emit(
            f"krimdash page speed, {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
            f"streamlit {report['machine'].get('streamlit')}, "
            f"chromium {report['machine'].get('chromium', '-')}, HEAD {report.get('git_head')}"
        )
        emit("=" * 100)
        emit(script_runs.table(ss, f"SERVER SIDE (AppTest, {db_label})"))
        if lake_env:
            emit(script_runs.table(lake_ss, "SERVER SIDE (AppTest, the demo in DuckLake)"))
        if missing:
            emit(["", "Missing pages:"] + [f"  {m}" for m in missing])
        if res:
            emit(
                [
                    "",
                    f"BROWSER ({db_label}, {args.width} px wide), {args.rounds} loads per page "
                    "and mode; ms from "
                    "navigation start to the first frame with the script notRunning and the "
                    "content and images all there",
                    "first = new browser context each time (empty cache); returning = the same "
                    "tab navigated again to the same address",
                    f"load average {report['loadavg_at_start']} at start, "
                    f"{report['loadavg_at_end']} at end",
                ]
            )
            other = report["other_work_at_start"] + report["other_work_at_end"]
            if other:
                emit(f"NOTE: other work ran meanwhile ({len(other)} sightings), e.g. {other[0]}")
            emit(table)
            emit(
                "server cold (first visit after the server started; not in the table): "
                + ", ".join(f"{n} {ms(r['server_cold'].get('ms'))}" for n, r in res.items())
            )
            emit(
                f"server peak RSS: app {ms(report['app_server_peak_rss_mb'])} MB, "
                f"blank {ms(report['blank_server_peak_rss_mb'])} MB"
                + (
                    f", app on the lake {ms(report['lake_server_peak_rss_mb'])} MB"
                    if lake_env
                    else ""
                )
            )
            if lake_env:
                emit(lake_lines(summary, targets))
            focus = args.timeline if args.timeline in res else next(iter(targets), {}).get("name")
            if focus:
                for mode in ("returning", "first"):
                    lines, report[f"timeline_{mode}"] = page_loads.timeline(
                        res, ["blank", focus], mode
                    )
                    emit(["", f"TIMELINE, {mode}: the visit with the median time"] + lines)
            emit(["", f"GOAL: every page <= {GOAL}x the blank page's median, in both modes."])
            for name, s in summary.items():
                if name == "blank":
                    continue
                ratios = [s[m]["ratio"] for m in page_loads.MODES]
                meets = all(r is not None and r <= GOAL for r in ratios)
                emit(
                    f"  {name:<14} {'meets' if meets else 'MISSES':<7} "
                    f"(first {ratio(ratios[0])}, returning {ratio(ratios[1])})"
                )
            for m in missing:
                emit(f"  {m.split(':')[0]:<14} not measured (missing)")
        if not args.skip_server_side and "error" not in ss:
            emit(["", f"GOAL: a warm script run (AppTest) <= {script_runs.GOAL_MS} ms per page."])
            emit(script_runs.goal_lines(ss))
            if lake_env and "error" not in lake_ss:
                emit("  the same on the lake (lake/file: the warm medians' ratio):")
                file_warm = {
                    p["name"]: median(p["warm_ms"]) for p in ss["pages"] if p.get("warm_ms")
                }
                for line, p in zip(
                    script_runs.goal_lines(lake_ss),
                    [p for p in lake_ss["pages"] if p.get("warm_ms")],
                    strict=True,
                ):
                    base = file_warm.get(p["name"])
                    emit(
                        f"{line}  lake/file {ratio(median(p['warm_ms']) / base if base else None)}"
                    )
        if not args.skip_synthetic:
            emit(
                [
                    "",
                    f"SYNTHETIC catalog: {n_init} initiatives x {n_meas} measures x {n_months} "
                    f"months (built in {report.get('synthetic_build_s', 0):.1f} s)",
                ]
            )
            emit(script_runs.table(synth_ss, "SERVER SIDE (AppTest, synthetic)"))
            if synth_lines:
                emit("BROWSER (synthetic), 1 load per mode; ratio against the blank page above")
                emit(synth_lines)
                emit(
                    "synthetic app server peak RSS: "
                    f"{ms(report.get('synthetic_server_peak_rss_mb'))} MB"
                )
        report["printed"] = printed
        if args.json:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(
                json.dumps(report, indent=2, default=str, ensure_ascii=False), encoding="utf-8"
            )
            say(f"\nJSON: {args.json}")
        return 0
    finally:
        stack.close()  # the lake's PostgreSQL
        if args.keep:
            say(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
