"""Page speed: each dashboard page against a blank Streamlit page, in headless Chromium.

    .venv/bin/python bench/pages.py [--rounds N] [--pages overblik,top100,...] [--db PATH]
                                    [--json OUT] [--skip-synthetic] [--skip-browser] ...

Measures and prints; asserts nothing (speed is measured here, not asserted in tests).
One run does, in order:

1. a demo database in a temp dir (`krimdash --db X init --demo`), unless --db is given;
2. server side: AppTest script runs per page (cold caches, then warm), in a child process so
   its peak RSS is its own; this also tells which pages st.navigation registers;
3. browser: the app and bench/blank_app.py under `streamlit run` on two 127.0.0.1 ports;
   every page is opened in "first visit" mode (a new browser context per visit: empty cache)
   and in "returning" mode (one context per page, warmed up once, then reused: cached scripts);
4. synthetic: a large catalog (bench/synthetic.py) — server-side runs for the overview, the
   compare page and a few initiative pages, then one browser round for overview + one
   initiative page.

"Done" for a page is measured inside the page by a script installed before any of its own:
Streamlit's script has finished (`[data-testid=stApp]` has data-test-script-state="notRunning";
checked against Streamlit 1.67's bundle), every visible chart has drawn (each `svg.marks` laid
out at non-zero size; each `.vega-embed` / stVegaLiteChart holding a drawn canvas or svg; no
loading skeleton) and the element count has then stayed the same for two more animation
frames. The time is the page's own `performance.now()` at the first frame of that final state,
i.e. milliseconds since the browser started navigating to the URL — the same for blank and ours.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard" / "web" / "app.py"
BLANK = ROOT / "bench" / "blank_app.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_PAGES = ["overblik", "top100", "knaek_kurven", "ungeteam", "ungesporet", "sammenlign"]
COMPARE_PAGES = ("sammenlign", "compare")
GOAL = 1.3  # every page's median <= GOAL x the blank page's median, in both modes
VIEWPORT = {"width": 1280, "height": 900}
JSON_MARK = "BENCH_JSON "

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Installed in every document before its own scripts. It watches each animation frame and sets
# window.__bench.done to performance.now() of the first frame of the final, drawn state.
WATCHER_JS = """
(() => {
  if (window.top !== window || window.__bench) return;
  const b = (window.__bench = {done: null, scriptDone: null, gaveUp: false, state: null,
                               frames: 0, elements: 0});
  const LIMIT_MS = %(limit_ms)d;
  let last = -1, candidate = null, stable = 0;
  const visible = (el) =>
    el.checkVisibility ? el.checkVisibility({checkVisibilityCSS: true}) : true;
  const sized = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  function chartsDrawn() {
    // Server-rendered SVG (st.html) and vega's own SVG renderer both make svg.marks.
    for (const svg of document.querySelectorAll('svg.marks')) {
      if (!svg.isConnected || (visible(svg) && !sized(svg))) return false;
    }
    // Client-side vega-embed charts: each visible one must have drawn a canvas or an svg.
    for (const box of document.querySelectorAll('.vega-embed, [data-testid="stVegaLiteChart"]')) {
      if (visible(box) && ![...box.querySelectorAll('canvas, svg.marks')].some(sized)) return false;
    }
    for (const img of document.querySelectorAll('img[src^="data:image/svg"]')) {
      if (visible(img) && !(img.complete && img.naturalWidth > 0)) return false;
    }
    // Lazy element chunks show a skeleton until their code has loaded.
    for (const s of document.querySelectorAll(
        '[data-testid="stSkeleton"], [data-testid="stSkeletonElement"], [data-testid="stAppSkeleton"]')) {
      if (visible(s)) return false;
    }
    return true;
  }
  function tick() {
    b.frames++;
    const now = performance.now();
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app ? app.getAttribute('data-test-script-state') : null;
    b.state = state;
    if (state === 'notRunning' && b.scriptDone === null) b.scriptDone = now;
    const ok = state === 'notRunning' && chartsDrawn();
    const count = document.getElementsByTagName('*').length;
    if (!ok) { candidate = null; stable = 0; }
    else if (candidate === null || count !== last) { candidate = now; stable = 0; }
    else if (++stable >= 2) { b.done = candidate; b.elements = count; return; }
    last = count;
    if (now > LIMIT_MS) { b.gaveUp = true; return; }
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
})();
"""

# What the page looks like once done: for reporting, never for timing.
INSPECT_JS = """
() => {
  const nav = performance.getEntriesByType('navigation')[0] || {};
  const dialogs = [...document.querySelectorAll('[role="dialog"]')].map((d) => d.innerText);
  const exc = document.querySelector('[data-testid="stException"]');
  const h1 = document.querySelector('h1');
  return {
    path: location.pathname,
    not_found: dialogs.some((t) => /page not found/i.test(t)),
    exceptions: document.querySelectorAll('[data-testid="stException"]').length,
    exception_text: exc ? exc.innerText.slice(0, 300) : '',
    svg_marks: document.querySelectorAll('svg.marks').length,
    vega_embeds: document.querySelectorAll('.vega-embed').length,
    st_html: document.querySelectorAll('[data-testid="stHtml"]').length,
    title: h1 ? h1.innerText : '',
    dom_content_loaded_ms: nav.domContentLoadedEventEnd || null,
    load_ms: nav.loadEventEnd || null,
    transfer_bytes: performance.getEntriesByType('resource')
      .reduce((n, r) => n + (r.transferSize || 0), nav.transferSize || 0),
  };
}
"""


# ---------------------------------------------------------------------------------------------
# small helpers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _median(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


def _p90(xs: list[float]) -> float | None:
    """Linear-interpolated 90th percentile (with 5 samples it sits between the two largest)."""
    if not xs:
        return None
    s = sorted(xs)
    k = 0.9 * (len(s) - 1)
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def _ms(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def _ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}x"


def _say(*parts: Any) -> None:
    print(*parts, flush=True)


def _proc_peak_rss_mb(pid: int) -> float | None:
    """VmHWM (peak resident set) of a running process, from /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _other_work(ours: set[int]) -> list[str]:
    """Streamlit servers and pytest runs on this machine that are not ours: they skew timings."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) in ours or int(d.name) == os.getpid():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "streamlit run" in cmd or "pytest" in cmd:
            found.append(f"pid {d.name}: {cmd.strip()[:100]}")
    return found


def _alive(servers: dict[str, subprocess.Popen]) -> Callable[[], str | None]:
    def check() -> str | None:
        for name, p in servers.items():
            if p.poll() is not None:
                return f"{name} server exited (code {p.returncode}); stopped from outside?"
        return None

    return check


# ---------------------------------------------------------------------------------------------
# servers


def start_streamlit(script: Path, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    """`streamlit run` on 127.0.0.1:port in its own process group (so it can be stopped whole)."""
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "viewer",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        # Others edit the tree while we measure: no file watcher, so no reruns mid-measurement.
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with log.open("wb") as fh:
        return subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    return
        except OSError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"{url}: streamlit exited ({process.returncode}); see {log}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url}: not healthy within {timeout_s:.0f} s; see {log}")
        time.sleep(0.2)


def stop(process: subprocess.Popen | None) -> None:
    """Stop a process we started, with its process group (by its id), within bounded time."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# ---------------------------------------------------------------------------------------------
# server side: AppTest in a child process (its own peak RSS, its own cold imports)


def _clear_caches() -> None:
    """Cold cache: Streamlit's caches and every functools cache in dashboard.* (e.g. SVG)."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    for name, module in list(sys.modules.items()):
        if not (name == "dashboard" or name.startswith("dashboard.")) or module is None:
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)) and hasattr(value, "cache_info"):
                value.cache_clear()


def _svgs_sent(at: Any) -> int:
    """Charts the script sent: inline <svg in st.markdown / st.html bodies."""
    n = sum((getattr(el, "value", "") or "").count("<svg") for el in at.markdown)
    for el in at.get("html"):
        n += (getattr(getattr(el, "proto", None), "body", "") or "").count("<svg")
    return n


def serverside_worker(argv: list[str]) -> int:
    """Child process: time AppTest script runs per page; print one JSON line."""
    ap = argparse.ArgumentParser(prog="pages.py _serverside")
    ap.add_argument("--pages", required=True, help="comma list of url paths, or 'auto'")
    ap.add_argument("--runs", type=int, default=5, help="warm runs after the cold one")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args(argv)

    import tracemalloc

    import streamlit as st  # noqa: F401
    from streamlit.testing.v1 import AppTest
    from streamlit.util import calc_hash

    app = str(APP.resolve())
    out: dict[str, Any] = {"pages": []}

    def one_run(page_hash: str = "") -> tuple[float, Any]:
        at = AppTest.from_file(app, default_timeout=args.timeout)
        # st.navigation pages here are callables with a custom url_path; a real session asks
        # for a page by the hash of its url_path. AppTest.switch_page() only resolves *file*
        # pages (it matches script paths), so we request the page hash directly.
        at._page_hash = page_hash
        t0 = time.perf_counter()
        at.run()
        return (time.perf_counter() - t0) * 1000, at

    # First run in this process: imports + cold caches, default page; registers the pages.
    first_ms, at = one_run()
    registry = {
        h: {"url_pathname": info.get("url_pathname", ""), "page_name": info.get("page_name", "")}
        for h, info in at._registered_pages.items()
    }
    default_hash = at._finished_page_script_hash
    out["first_run_ms"] = first_ms
    out["first_run_exceptions"] = [e.message for e in at.exception]
    out["registry"] = [
        {"hash": h, **info, "default": h == default_hash} for h, info in registry.items()
    ]

    if args.pages == "auto":  # synthetic: overview, compare, first/middle/last initiative page
        from dashboard.catalog import load_catalog

        ids = [i.id for i in load_catalog().initiatives]
        by_path = {info["url_pathname"]: h for h, info in registry.items()}
        wanted = [default_hash]
        wanted += [by_path[p] for p in COMPARE_PAGES if p in by_path]
        matching = [by_path[i] for i in ids if i in by_path]
        if matching:
            wanted += list(dict.fromkeys([matching[0], matching[len(matching) // 2], matching[-1]]))
        names = None
    else:
        names = [p.strip().strip("/") for p in args.pages.split(",") if p.strip()]
        wanted = [calc_hash(n) for n in names]

    for k, page_hash in enumerate(wanted):
        info = registry.get(page_hash)
        name = names[k] if names else (info["url_pathname"] or "(default)")
        row: dict[str, Any] = {"name": name, "hash": page_hash, "registered": info is not None}
        if info is None:
            out["pages"].append(row)
            continue
        row["url_pathname"] = info["url_pathname"]
        row["default"] = page_hash == default_hash
        row["page_name"] = info["page_name"]
        if args.runs < 0:  # registration only
            out["pages"].append(row)
            continue
        _clear_caches()
        times, exceptions, ran_other = [], set(), False
        for _ in range(1 + args.runs):
            ms, at = one_run(page_hash)
            times.append(ms)
            exceptions.update(e.message for e in at.exception)
            ran_other |= at._finished_page_script_hash != page_hash
        row["cold_ms"] = times[0]
        row["warm_ms"] = times[1:]
        row["exceptions"] = sorted(exceptions)
        row["ran_other_page"] = ran_other
        row["svgs_sent"] = _svgs_sent(at)
        # Peak Python heap of one cold run, measured apart: tracemalloc slows the run down.
        _clear_caches()
        tracemalloc.start()
        one_run(page_hash)
        row["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        out["pages"].append(row)
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(JSON_MARK + json.dumps(out, default=str), flush=True)
    return 0


def run_serverside(
    env: dict[str, str], pages: str, runs: int, log: Path, timeout_s: float
) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "_serverside", "--pages", pages]
    cmd += ["--runs", str(runs)]
    with log.open("wb") as err:
        try:
            done = subprocess.run(
                cmd,
                cwd=ROOT,
                env={**os.environ, **env},
                stdout=subprocess.PIPE,
                stderr=err,
                timeout=timeout_s,
            )
        except subprocess.TimeoutExpired:
            return {"error": f"server-side runs took over {timeout_s:.0f} s (stopped)"}
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith(JSON_MARK):
            return json.loads(line[len(JSON_MARK) :])
    tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-12:]
    return {
        "error": f"server-side worker failed (exit {done.returncode}); its stderr ends:\n    "
        + "\n    ".join(tail)
    }


# ---------------------------------------------------------------------------------------------
# browser


def new_context(browser: Any, limit_ms: int) -> Any:
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.add_init_script(WATCHER_JS % {"limit_ms": limit_ms})
    return ctx


def _no_check() -> str | None:
    return None


def visit(
    ctx: Any, url: str, timeout_ms: int, alive: Callable[[], str | None] = _no_check
) -> dict[str, Any]:
    """Open url in a new tab of ctx; return the page's done time and what it showed.

    `alive()` names a dead server (else None): checked before and while waiting, so a server
    stopped by someone else costs seconds, not a timeout per visit.
    """
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if dead := alive():
        return {"ok": False, "error": dead}
    page = ctx.new_page()
    try:
        t0 = time.perf_counter()
        deadline = time.monotonic() + timeout_ms / 1000
        page.goto(url, wait_until="commit", timeout=timeout_ms)
        while True:
            try:
                page.wait_for_function(
                    "() => window.__bench && (window.__bench.done !== null || window.__bench.gaveUp)",
                    timeout=1000,
                    polling=50,
                )
                break
            except PlaywrightTimeout:
                if dead := alive():
                    return {"ok": False, "error": dead}
                if time.monotonic() > deadline:
                    state = page.evaluate("() => window.__bench && window.__bench.state")
                    return {"ok": False, "error": f"not done in {timeout_ms} ms (script {state})"}
        wall_ms = (time.perf_counter() - t0) * 1000
        b = page.evaluate("() => window.__bench")
        seen = page.evaluate(INSPECT_JS)
        if b.get("gaveUp"):
            return {"ok": False, "error": f"not done within the limit (state {b.get('state')})"}
        return {
            "ok": True,
            "ms": b["done"],
            "script_done_ms": b["scriptDone"],
            "wall_ms": wall_ms,
            "elements": b["elements"],
            **seen,
        }
    except PlaywrightError as exc:
        return {"ok": False, "error": str(exc).strip().splitlines()[0][:200]}
    finally:
        with contextlib.suppress(PlaywrightError):
            page.close()


def measure_browser(
    browser: Any,
    targets: list[dict[str, str]],
    rounds: int,
    timeout_ms: int,
    label: str,
    alive: Callable[[], str | None] = _no_check,
) -> dict[str, dict[str, Any]]:
    """Per target: one server-cold visit, `rounds` first visits, `rounds` returning visits.

    Targets take turns within a round (in a rotating order), so drift hits all alike.
    """
    res: dict[str, dict[str, Any]] = {
        t["name"]: {"url": t["url"], "first": [], "returning": []} for t in targets
    }

    def fresh_visit(url: str) -> dict[str, Any]:
        ctx = new_context(browser, timeout_ms)
        try:
            return visit(ctx, url, timeout_ms, alive)
        finally:
            ctx.close()

    _say(f"[{label}] server warm-up: first visit of each page after the server started")
    for t in targets:
        res[t["name"]]["server_cold"] = fresh_visit(t["url"])

    def order(r: int) -> list[dict[str, str]]:
        k = r % len(targets)
        return targets[k:] + targets[:k]

    for r in range(rounds):
        _say(f"[{label}] first visit, round {r + 1}/{rounds}")
        for t in order(r):
            res[t["name"]]["first"].append(fresh_visit(t["url"]))

    contexts = {t["name"]: new_context(browser, timeout_ms) for t in targets}
    try:
        for t in targets:  # warm-up visit: fills the context's cache
            res[t["name"]]["returning_warmup"] = visit(
                contexts[t["name"]], t["url"], timeout_ms, alive
            )
        for r in range(rounds):
            _say(f"[{label}] returning, round {r + 1}/{rounds}")
            for t in order(r):
                res[t["name"]]["returning"].append(
                    visit(contexts[t["name"]], t["url"], timeout_ms, alive)
                )
    finally:
        for ctx in contexts.values():
            ctx.close()
    return res


def summarize(visits: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [v for v in visits if v.get("ok")]
    ms = [v["ms"] for v in ok]
    return {
        "n": len(ok),
        "failed": len(visits) - len(ok),
        "errors": sorted({v["error"] for v in visits if not v.get("ok")}),
        "median_ms": _median(ms),
        "p90_ms": _p90(ms),
        "min_ms": min(ms) if ms else None,
        "max_ms": max(ms) if ms else None,
        "script_done_median_ms": _median([v["script_done_ms"] for v in ok]),
        "dcl_median_ms": _median([v["dom_content_loaded_ms"] for v in ok]),
        "wall_median_ms": _median([v["wall_ms"] for v in ok]),
        "svg_marks": max((v["svg_marks"] for v in ok), default=None),
        "exceptions": max((v["exceptions"] for v in ok), default=0),
        "not_found": any(v.get("not_found") for v in ok),
    }


def browser_table(
    res: dict[str, dict[str, Any]],
    blank: dict[str, float | None],
    expected_svgs: dict[str, int],
) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The printed table and, per page and mode, its summary with the ratio to blank."""
    head = (
        f"{'page':<14} {'url':<15} {'mode':<9} {'n':>2} {'median':>7} {'p90':>7} {'min':>7} "
        f"{'max':>7} {'script':>7} {'ratio':>6}  {'charts':>7}  notes"
    )
    lines = [head, "-" * len(head)]
    summary: dict[str, dict[str, Any]] = {}
    for name, r in res.items():
        summary[name] = {}
        for mode in ("first", "returning"):
            s = summarize(r[mode])
            base = blank.get(mode)
            s["ratio"] = s["median_ms"] / base if s["median_ms"] and base else None
            summary[name][mode] = s
            notes = []
            exp = expected_svgs.get(name)
            charts = "-" if s["svg_marks"] is None else str(s["svg_marks"])
            if exp is not None:
                charts += f"/{exp}"
                if s["svg_marks"] is not None and s["svg_marks"] < exp:
                    notes.append("charts missing from the DOM")
            if s["failed"]:
                notes.append(f"{s['failed']} failed: {'; '.join(s['errors'])}")
            if s["exceptions"]:
                notes.append("exception shown")
            if s["not_found"]:
                notes.append("'Page not found'")
            lines.append(
                f"{name:<14} {r['url']:<15} {mode:<9} {s['n']:>2} {_ms(s['median_ms']):>7} "
                f"{_ms(s['p90_ms']):>7} {_ms(s['min_ms']):>7} {_ms(s['max_ms']):>7} "
                f"{_ms(s['script_done_median_ms']):>7} {_ratio(s['ratio']):>6}  {charts:>7}  "
                + ", ".join(notes)
            )
        cold = r.get("server_cold", {})
        summary[name]["server_cold_ms"] = cold.get("ms")
    return lines, summary


# ---------------------------------------------------------------------------------------------
# printing the server-side part


def serverside_table(ss: dict[str, Any], title: str) -> list[str]:
    if "error" in ss:
        return [f"{title}: {ss['error']}"]
    lines = [
        f"{title}: first run in a fresh process (imports + cold caches, default page): "
        f"{_ms(ss['first_run_ms'])} ms; worker peak RSS {ss['maxrss_mb']:.0f} MB"
        + (
            f"; EXCEPTION: {ss['first_run_exceptions'][0].splitlines()[0][:100]}"
            if ss.get("first_run_exceptions")
            else ""
        ),
        f"  {'page':<16} {'cold':>7} {'warm med':>8} {'warm min':>8} {'warm max':>8} "
        f"{'heap peak':>9}  {'svgs':>4}  notes",
    ]
    for p in ss["pages"]:
        if not p["registered"]:
            lines.append(f"  {p['name']:<16} not registered by st.navigation: skipped")
            continue
        if "cold_ms" not in p:
            lines.append(f"  {p['name']:<16} registered (not timed: --skip-server-side)")
            continue
        notes = []
        if p.get("default"):
            notes.append("default page")
        if p.get("ran_other_page"):
            notes.append("ran another page")
        if p.get("exceptions"):
            notes.append("EXCEPTION: " + p["exceptions"][0].splitlines()[0][:100])
        warm = p["warm_ms"]
        lines.append(
            f"  {p['name']:<16} {_ms(p['cold_ms']):>7} {_ms(_median(warm)):>8} "
            f"{_ms(min(warm) if warm else None):>8} {_ms(max(warm) if warm else None):>8} "
            f"{p['tracemalloc_peak_mb']:>7.1f}MB  {p['svgs_sent']:>4}  " + ", ".join(notes)
        )
    return lines


# ---------------------------------------------------------------------------------------------


def resolve_pages(names: list[str], ss: dict[str, Any]) -> tuple[list[dict[str, str]], list[str]]:
    """Browser targets for the registered pages; a line for each one that is missing."""
    targets, notes = [], []
    pages = {p["name"]: p for p in ss.get("pages", [])}
    for name in names:
        p = pages.get(name)
        if p is None:  # no registry (worker failed): try the path and see what the browser says
            targets.append({"name": name, "url": f"/{name}"})
        elif not p["registered"]:
            notes.append(f"{name}: not registered by st.navigation (yet): skipped")
        elif p.get("default"):
            targets.append({"name": name, "url": "/"})
        else:
            targets.append({"name": name, "url": "/" + p["url_pathname"]})
    return targets, notes


def probe_paths(
    browser: Any, base: str, names: list[str], timeout_ms: int, alive: Callable[[], str | None]
) -> list[str]:
    """What the browser shows at /<name> for each requested page (404, fallback, exception)."""
    lines = []
    for name in names:
        ctx = new_context(browser, timeout_ms)
        try:
            v = visit(ctx, f"{base}/{name}", timeout_ms, alive)
        finally:
            ctx.close()
        if not v.get("ok"):
            lines.append(f"  /{name}: {v.get('error')}")
            continue
        what = []
        if v["not_found"]:
            what.append("'Page not found' dialog, Streamlit runs the default page")
        if v["path"] != f"/{name}":
            what.append(f"address bar becomes {v['path']}")
        if v["exceptions"]:
            what.append(f"exception: {v['exception_text'].splitlines()[0][:100]}")
        lines.append(f"  /{name}: " + ("; ".join(what) if what else f"ok ({v['title']!r})"))
    return lines


def _browser_demo(
    args: argparse.Namespace,
    env: dict[str, str],
    names: list[str],
    targets: list[dict[str, str]],
    tmp: Path,
    processes: list[subprocess.Popen],
    report: dict[str, Any],
) -> dict[str, dict[str, Any]]:
    """The app and the blank page side by side; returns the visits per target (paths as urls)."""
    from playwright.sync_api import sync_playwright

    timeout_ms = int(args.timeout * 1000)
    app_port, blank_port = _free_port(), _free_port()
    app_url, blank_url = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{blank_port}"
    app = start_streamlit(APP, app_port, env, tmp / "app.log")
    processes.append(app)
    blank = start_streamlit(BLANK, blank_port, {}, tmp / "blank.log")
    processes.append(blank)
    wait_healthy(app_url, app, tmp / "app.log")
    wait_healthy(blank_url, blank, tmp / "blank.log")
    alive = _alive({"app": app, "blank": blank})
    report["other_work_at_start"] = _other_work({p.pid for p in processes})
    report["loadavg_at_start"] = _loadavg()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            report["machine"]["chromium"] = browser.version
            report["path_probe"] = probe_paths(browser, app_url, names, timeout_ms, alive)
            browser_targets = [{"name": "blank", "url": blank_url + "/"}] + [
                {"name": t["name"], "url": app_url + t["url"]} for t in targets
            ]
            res = measure_browser(browser, browser_targets, args.rounds, timeout_ms, "demo", alive)
        finally:
            browser.close()
    report["app_server_peak_rss_mb"] = _proc_peak_rss_mb(app.pid)
    report["blank_server_peak_rss_mb"] = _proc_peak_rss_mb(blank.pid)
    report["loadavg_at_end"] = _loadavg()
    report["other_work_at_end"] = _other_work({p.pid for p in processes})
    for proc in (app, blank):
        stop(proc)
        processes.remove(proc)
    for r in res.values():  # show paths, not full URLs
        r["url"] = urlsplit(r["url"]).path
    return res


def _browser_synthetic(
    args: argparse.Namespace,
    synth_env: dict[str, str],
    synth_ss: dict[str, Any],
    tmp: Path,
    processes: list[subprocess.Popen],
    report: dict[str, Any],
) -> list[str]:
    """One round per mode for the overview and one initiative page on the synthetic catalog."""
    from playwright.sync_api import sync_playwright

    lines = []
    ok_pages = [p for p in synth_ss["pages"] if p["registered"]]
    targets = []
    if any(p.get("default") for p in ok_pages):
        targets.append({"name": "overview", "url": "/"})
    initiative = next(
        (p for p in ok_pages if not p.get("default") and p["url_pathname"] not in COMPARE_PAGES),
        None,
    )
    if initiative:
        targets.append(
            {"name": initiative["url_pathname"], "url": "/" + initiative["url_pathname"]}
        )
    else:
        lines.append("no initiative page registered for the synthetic catalog: overview only")
    if not targets:
        return lines + ["no synthetic page registered: no browser round"]
    timeout_ms = int(args.timeout * 1000) * 3
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_streamlit(APP, port, synth_env, tmp / "synthetic.log")
    processes.append(server)
    wait_healthy(url, server, tmp / "synthetic.log")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            res = measure_browser(
                browser,
                [{"name": t["name"], "url": url + t["url"]} for t in targets],
                1,
                timeout_ms,
                "synthetic",
                _alive({"synthetic": server}),
            )
        finally:
            browser.close()
    report["synthetic_server_peak_rss_mb"] = _proc_peak_rss_mb(server.pid)
    stop(server)
    processes.remove(server)
    for r in res.values():
        r["url"] = urlsplit(r["url"]).path
    expected = {
        (p["url_pathname"] or "overview"): p["svgs_sent"] for p in ok_pages if "svgs_sent" in p
    }
    table, summary = browser_table(res, report.get("blank_median_ms", {}), expected)
    for name, r in res.items():
        cold = r["server_cold"]
        table.append(
            f"{name:<14} {r['url']:<15} {'srv cold':<9}  1 {_ms(cold.get('ms')):>7}"
            + ("" if cold.get("ok") else f"  failed: {cold.get('error')}")
        )
    report["synthetic_browser"] = {"visits": res, "summary": summary}
    return lines + table


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_serverside":
        return serverside_worker(argv[1:])

    ap = argparse.ArgumentParser(description="Page speed vs a blank Streamlit page (prints only).")
    ap.add_argument("--rounds", type=int, default=5, help="browser rounds per mode (default 5)")
    ap.add_argument("--pages", default=",".join(DEFAULT_PAGES), help="comma list of url paths")
    ap.add_argument("--db", help="use this database (read only) instead of a fresh demo one")
    ap.add_argument("--json", help="also write every figure to this JSON file")
    ap.add_argument("--server-runs", type=int, default=5, help="warm AppTest runs per page")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per page visit")
    ap.add_argument("--skip-browser", action="store_true")
    ap.add_argument("--skip-server-side", action="store_true", help="only register the pages")
    ap.add_argument("--skip-synthetic", action="store_true")
    ap.add_argument("--synthetic", default="100,15,120", help="initiatives,measures,months")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, databases)")
    args = ap.parse_args(argv)

    names = [p.strip().strip("/") for p in args.pages.split(",") if p.strip().strip("/")]
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")
    if not args.skip_browser and not os.path.exists(CHROMIUM):
        _say(f"{CHROMIUM} is missing (apt-get install chromium): browser part skipped")
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
        "goal": f"every page's median <= {GOAL}x the blank page's median, in both modes",
    }
    with contextlib.suppress(Exception):
        import streamlit

        report["machine"]["streamlit"] = streamlit.__version__
    with contextlib.suppress(Exception):
        report["git_head"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
            timeout=10,
        ).stdout.strip()  # fmt: skip
    processes: list[subprocess.Popen] = []
    printed: list[str] = []

    def emit(lines: list[str] | str = "") -> None:
        for line in [lines] if isinstance(lines, str) else lines:
            line = line.rstrip()
            printed.append(line)
            _say(line)

    try:
        # 1. the database
        if args.db:
            db = Path(args.db).resolve()
            if not db.exists():
                _say(f"no database at {db}")
                return 2
        else:
            db = tmp / "demo.duckdb"
            done = subprocess.run(
                [sys.executable, "-m", "dashboard.cli", "--db", str(db), "init", "--demo"],
                cwd=ROOT, capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            if done.returncode != 0:
                _say(f"krimdash init --demo failed:\n{done.stdout}{done.stderr}")
                return 1
        env = {"KRIMDASH_DB": str(db)}
        report["db"] = str(db) if args.db else "demo (krimdash init --demo, temp dir)"

        # 2. server side (always registers the pages; times them unless skipped)
        _say("server side: AppTest runs in a child process ...")
        ss = run_serverside(
            env, ",".join(names), -1 if args.skip_server_side else args.server_runs,
            tmp / "serverside.log", timeout_s=900,
        )  # fmt: skip
        report["server_side"] = ss
        targets, missing = resolve_pages(names, ss)
        expected = {p["name"]: p["svgs_sent"] for p in ss.get("pages", []) if "svgs_sent" in p}

        # 3. browser
        res: dict[str, dict[str, Any]] = {}
        summary: dict[str, dict[str, Any]] = {}
        table: list[str] = []
        if not args.skip_browser:
            res = _browser_demo(args, env, names, targets, tmp, processes, report)
            blank_medians = {
                m: summarize(res["blank"][m])["median_ms"] for m in ("first", "returning")
            }
            table, summary = browser_table(res, blank_medians, expected)
            report["browser"] = {"visits": res, "summary": summary}
            report["blank_median_ms"] = blank_medians

        # 4. synthetic
        synth_ss: dict[str, Any] = {}
        synth_lines: list[str] = []
        if not args.skip_synthetic:
            from synthetic import make_synthetic  # bench/ is on sys.path as the script's dir

            _say(f"synthetic: {n_init} initiatives x {n_meas} measures x {n_months} months ...")
            t0 = time.perf_counter()
            catalog_path, synth_db = make_synthetic(tmp / "synthetic", n_init, n_meas, n_months)
            report["synthetic_build_s"] = time.perf_counter() - t0
            synth_env = {"KRIMDASH_DB": str(synth_db), "KRIMDASH_CATALOG": str(catalog_path)}
            _say("synthetic: server side ...")
            synth_ss = run_serverside(
                synth_env, "auto", -1 if args.skip_server_side else max(1, args.server_runs // 2),
                tmp / "serverside-synthetic.log", timeout_s=1800,
            )  # fmt: skip
            report["synthetic_server_side"] = synth_ss
            if not args.skip_browser and "error" not in synth_ss:
                synth_lines = _browser_synthetic(args, synth_env, synth_ss, tmp, processes, report)

        # print everything
        emit()
        emit(
            f"krimdash page speed, {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
            f"streamlit {report['machine'].get('streamlit')}, "
            f"chromium {report['machine'].get('chromium', '-')}, HEAD {report.get('git_head')}"
        )
        emit("=" * 100)
        db_label = f"db {db.name}" if args.db else "demo db"
        emit(serverside_table(ss, f"SERVER SIDE (AppTest, {db_label})"))
        if missing:
            emit(["", "Missing pages:"] + [f"  {m}" for m in missing])
        if res:
            emit(["", "Requested paths as the browser sees them:"] + report["path_probe"])
            emit(
                [
                    "",
                    f"BROWSER ({db_label}), {args.rounds} rounds per mode; ms from navigation start "
                    "to done (script finished, charts drawn, DOM still for 2 frames)",
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
                + ", ".join(f"{n} {_ms(r['server_cold'].get('ms'))}" for n, r in res.items())
            )
            emit(
                f"server peak RSS: app {_ms(report['app_server_peak_rss_mb'])} MB, "
                f"blank {_ms(report['blank_server_peak_rss_mb'])} MB"
            )
            emit(
                [
                    "",
                    f"GOAL: every page <= {GOAL}x the blank page's median, first visit and returning.",
                ]
            )
            for name, s in summary.items():
                if name == "blank":
                    continue
                ratios = [s[m]["ratio"] for m in ("first", "returning")]
                meets = all(r is not None and r <= GOAL for r in ratios)
                emit(
                    f"  {name:<14} {'meets' if meets else 'MISSES':<7} "
                    f"(first {_ratio(ratios[0])}, returning {_ratio(ratios[1])})"
                )
            for m in missing:
                emit(f"  {m.split(':')[0]:<14} not measured (missing)")
        if not args.skip_synthetic:
            emit(
                [
                    "",
                    f"SYNTHETIC catalog: {n_init} initiatives x {n_meas} measures x {n_months} "
                    f"months (built in {report.get('synthetic_build_s', 0):.1f} s)",
                ]
            )
            emit(serverside_table(synth_ss, "SERVER SIDE (AppTest, synthetic)"))
            if synth_lines:
                emit("BROWSER (synthetic), 1 round per mode; ratio against the blank page above")
                emit(synth_lines)
                emit(
                    "synthetic app server peak RSS: "
                    f"{_ms(report.get('synthetic_server_peak_rss_mb'))} MB"
                )
        report["printed"] = printed
        if args.json:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(
                json.dumps(report, indent=2, default=str, ensure_ascii=False), encoding="utf-8"
            )
            _say(f"\nJSON: {args.json}")
        return 0
    finally:
        for proc in processes:
            stop(proc)
        if args.keep:
            _say(f"kept: {tmp}")
        else:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
