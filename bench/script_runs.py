"""Server-side timing: each page's script run through Streamlit's AppTest, with no browser.

Runs in a child process of its own, so its imports are cold and its peak memory is its own:

    python bench/script_runs.py --pages overblik,top100 --runs 5     # prints one JSON line

run() starts that child and returns what it printed; table() formats it. Per page: one run after
every cache was emptied (cold), then `runs` runs with full caches (warm), each a new AppTest,
i.e. a new session, like a new visitor to a running server; and tracemalloc's peak of one more
cold run, measured apart (tracemalloc slows Python down).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from report import median, ms

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard" / "web" / "app.py"
COMPARE_PAGES = ("sammenlign", "compare")
GOAL_MS = 150  # a warm script run per page on the demo data
JSON_MARK = "BENCH_JSON "


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


def worker(argv: list[str]) -> int:
    """The child process: time AppTest script runs per page; print one JSON line."""
    ap = argparse.ArgumentParser(prog="script_runs.py")
    ap.add_argument("--pages", required=True, help="comma list of url paths, or 'auto'")
    ap.add_argument("--runs", type=int, default=5, help="warm runs after the cold one (-1: none)")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))

    import tracemalloc

    from streamlit.testing.v1 import AppTest
    from streamlit.util import calc_hash

    out: dict[str, Any] = {"pages": []}

    def one_run(page_hash: str = "") -> tuple[float, Any]:
        at = AppTest.from_file(str(APP), default_timeout=args.timeout)
        # The app's pages are callables with their own url_path; a real session asks for a page
        # by the hash of its url_path. AppTest.switch_page() only resolves *file* pages, so the
        # page hash is set directly (and checked afterwards: ran_other_page).
        at._page_hash = page_hash
        t0 = time.perf_counter()
        at.run()
        return (time.perf_counter() - t0) * 1000, at

    # The first run in this process: imports and cold caches, default page; registers the pages.
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
        wanted = [default_hash] + [by_path[p] for p in COMPARE_PAGES if p in by_path]
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
        out["pages"].append(row)
        if info is None:
            continue
        row["url_pathname"] = info["url_pathname"]
        row["default"] = page_hash == default_hash
        if args.runs < 0:  # registration only
            continue
        _clear_caches()
        times, exceptions, ran_other = [], set(), False
        for _ in range(1 + args.runs):
            took, at = one_run(page_hash)
            times.append(took)
            exceptions.update(e.message for e in at.exception)
            ran_other |= at._finished_page_script_hash != page_hash
        row["cold_ms"] = times[0]
        row["warm_ms"] = times[1:]
        row["exceptions"] = sorted(exceptions)
        row["ran_other_page"] = ran_other
        _clear_caches()
        tracemalloc.start()
        one_run(page_hash)
        row["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(JSON_MARK + json.dumps(out, default=str), flush=True)
    return 0


def run(env: dict[str, str], pages: str, runs: int, log: Path, timeout_s: float) -> dict[str, Any]:
    """The worker in a child process with `env` added; its JSON, or {"error": why}."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--pages", pages, "--runs", str(runs)]
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


def table(ss: dict[str, Any], title: str) -> list[str]:
    if "error" in ss:
        return [f"{title}: {ss['error']}"]
    lines = [
        f"{title}: first run in a fresh process (imports + cold caches, default page): "
        f"{ms(ss['first_run_ms'])} ms; worker peak RSS {ss['maxrss_mb']:.0f} MB"
        + (
            f"; EXCEPTION: {ss['first_run_exceptions'][0].splitlines()[0][:100]}"
            if ss.get("first_run_exceptions")
            else ""
        ),
        f"  {'page':<16} {'cold':>7} {'warm med':>8} {'warm min':>8} {'warm max':>8} "
        f"{'heap peak':>9}  notes",
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
            f"  {p['name']:<16} {ms(p['cold_ms']):>7} {ms(median(warm)):>8} "
            f"{ms(min(warm) if warm else None):>8} {ms(max(warm) if warm else None):>8} "
            f"{p['tracemalloc_peak_mb']:>7.1f}MB  " + ", ".join(notes)
        )
    return lines


def goal_lines(ss: dict[str, Any]) -> list[str]:
    """Each timed page against GOAL_MS (its warm median)."""
    lines = []
    for p in ss.get("pages", []):
        if p.get("warm_ms"):
            warm = median(p["warm_ms"])
            meets = warm is not None and warm <= GOAL_MS
            lines.append(f"  {p['name']:<14} {'meets' if meets else 'MISSES':<7} ({ms(warm)} ms)")
    return lines


if __name__ == "__main__":
    sys.exit(worker(sys.argv[1:]))
