"""The shared store: from a commit in one process to its figures on another replica's page.
Measures and prints; asserts nothing. See bench/README.md, "The shared store: from a commit to
another replica's page".

    .venv/bin/python bench/replica_lag.py [--rounds 20] [--cli] [--json OUT] [--keep]

One run does, in order:

1. a throwaway PostgreSQL cluster (tests/pg.py) and a demo DuckLake store on it
   (`krimdash --store URL init --demo`);
2. app B: `krimdash --store URL serve` on a free 127.0.0.1 port with sign-in through the local
   test provider (tests/servers.py), its own KRIMDASH_DB path for its access log — a replica on
   another machine as far as the store is concerned;
3. headless Chromium signed in as the analyst (who reads drafts: the demo's latest month, a
   draft, shows) on B's initiative page (`--page`, default Ungesporet), one tab for the run;
4. each round: a warm reload of the page with nothing written (the baseline: a returning
   reader's next run), then a commit of a new value for one figure of the latest month by this
   process (`imports.import_file` on its own LakeStore, the same write path as the CLI and the
   app; with `--cli` a `krimdash --store URL import FILE --note …` process instead), and at
   once a reload of B's page (the reader's next run).

Timing is read inside the page, as bench/page_loads.py does: a script installed before the
page's own (add_init_script) looks at every animation frame and records `performance.now()` at
the first frame in which Streamlit's script state is `notRunning` and the new value (Danish
format, e.g. "5.013") is in the page's body (the "Vis tal" table). `performance.timeOrigin +
done` is the wall clock of that frame, so the lag from the commit's end (the bench process's
`time.time()` when import_file returned, or when the CLI process ended) needs no polling from
Python. Beside it: the commit's own time, the time of the snapshot query B makes
(LakeStore.data_version with its 0.2 s memo emptied, timed in this process) and B's cache
misses per run (Streamlit's /_stcore/metrics: a warm rerun has none).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from report import loadavg, other_work, percentile, say

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT / "tests"))
import pg  # noqa: E402
import servers  # noqa: E402

MONTH = "2025-12"  # the demo's latest month: a draft, shown to the analyst
MEASURE = "ungesporet.visits"
FIRST_VALUE = 5000  # round i writes FIRST_VALUE + 13 * i: never a demo figure, never repeated
SERVER_ENV = {"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}
WANT_KEY = "krimdash_bench_want"

WATCHER_JS = """
(() => {
  if (window.top !== window || window.__lag) return;
  const want = sessionStorage.getItem('%(key)s') || '';
  const L = (window.__lag = {want, origin: performance.timeOrigin, running: null, done: null,
                             finishedWithout: null, frames: 0});
  const LIMIT_MS = %(limit_ms)d;
  function frame() {
    const now = performance.now();
    L.frames++;
    const app = document.querySelector("[data-testid='stApp']");
    const state = app && app.getAttribute('data-test-script-state');
    if (state === 'running' && L.running === null) L.running = now;
    if (state === 'notRunning') {
      const main = document.querySelector("[data-testid='stMain']");
      if (main && main.querySelector('h1')) {
        if ((main.textContent || '').includes(want)) { L.done = now; return; }
        if (L.finishedWithout === null) L.finishedWithout = now;  // a run without the value
      }
    }
    if (now < LIMIT_MS) requestAnimationFrame(frame); else L.gaveUp = true;
  }
  requestAnimationFrame(frame);
})();
"""


def shown(value: int) -> str:
    """A count as the Danish page shows it: 5013 -> "5.013"."""
    return f"{value:,}".replace(",", ".")


def cli(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "KRIMDASH_USER": "analytiker", **env},
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(
            f"krimdash {' '.join(args)} ({done.returncode}): {done.stdout}{done.stderr}"
        )
    return done


def month_rows(env: dict[str, str], folder: Path) -> list[dict[str, str]]:
    export = folder / "export.csv"
    cli(env, "export", "-o", str(export))
    with export.open(encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f) if r["month"] == MONTH]


def write_month(rows: list[dict[str, str]], value: int, path: Path) -> Path:
    """The latest month's figures with MEASURE (no category) set to `value`."""
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            hit = r["measure"] == MEASURE and not r["category"]
            w.writerow(r | {"value": str(value)} if hit else r)
    return path


_STAT = re.compile(
    r"^(cache_lookups_total|cache_compute_duration_seconds_sum)\{([^}]*)\} (\S+)", re.M
)


def cache_stats(app: servers.Server) -> dict[str, float]:
    """From B's /_stcore/metrics, for dashboard/web/appdata.py's caches so far: "misses" (each
    a computation, most of them a query of the store) and, per cached function, the seconds
    spent computing its misses (a function's time includes the misses it caused in others)."""
    with urllib.request.urlopen(f"{app.url}/_stcore/metrics", timeout=10) as answer:
        text = answer.read().decode()
    out: dict[str, float] = {"misses": 0}
    for family, labels, value in _STAT.findall(text):
        fields = dict(re.findall(r'(\w+)="([^"]*)"', labels))
        cache = fields.get("cache", "")
        if "appdata" not in cache:
            continue
        if family == "cache_lookups_total" and fields.get("result") == "miss":
            out["misses"] += int(float(value))
        elif family == "cache_compute_duration_seconds_sum":
            name = cache.rsplit(".", 1)[-1]
            out[name] = out.get(name, 0.0) + float(value)
    return out


def delta(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}


def sign_in(page: Any, app: servers.Server, provider: str) -> None:
    page.goto(f"{app.url}/?side=log-ind")
    page.locator(servers.SCRIPT_DONE).wait_for(timeout=60_000)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{provider}/**", timeout=30_000)
    page.get_by_role("button", name="analytiker", exact=True).click()
    page.wait_for_url(lambda u: u.startswith(app.url) and "oauth2callback" not in u, timeout=30_000)
    page.get_by_text("Log ud").first.wait_for(timeout=30_000)


def timed_reload(page: Any, want: str, timeout_s: float) -> dict[str, Any]:
    """Reload and wait (in the page) until the script is done with `want` in the body; the
    watcher's record: origin (epoch ms of navigation start), running, done (ms after it)."""
    page.evaluate(f"(w) => sessionStorage.setItem('{WANT_KEY}', w)", want)
    page.reload(wait_until="commit")
    page.wait_for_function(
        "() => window.__lag && (window.__lag.done !== null || window.__lag.gaveUp)",
        timeout=timeout_s * 1000 + 5000,
        polling=100,
    )
    return page.evaluate("() => window.__lag")


def snapshot_query_ms(store: Any, n: int = 20) -> list[float]:
    """store.data_version(): on a lake with its per-process memo emptied each time (the query a
    replica makes at most once per 0.2 s), on the file two stat() calls."""
    from dashboard import lake

    store.data_version()  # the first one also attaches the lake (about 0.3 s): not counted
    out = []
    for _ in range(n):
        lake._versions.clear()
        t = time.perf_counter()
        store.data_version()
        out.append((time.perf_counter() - t) * 1000)
    return out


def summary(xs: list[float]) -> dict[str, float | None]:
    return {
        "n": len(xs),
        "p50": percentile(xs, 0.5),
        "p95": percentile(xs, 0.95),
        "min": min(xs) if xs else None,
        "max": max(xs) if xs else None,
    }


def line(name: str, xs: list[float]) -> str:
    s = summary(xs)
    if not xs:
        return f"{name:<52} -"
    return f"{name:<52} {s['p50']:>8.0f} {s['p95']:>8.0f} {s['min']:>8.0f} {s['max']:>8.0f}"


def measure(args: argparse.Namespace, tmp: Path, report: dict[str, Any]) -> list[str]:
    from playwright.sync_api import sync_playwright

    with contextlib.ExitStack() as stack:
        if args.embedded:
            where = "the embedded file"
            path = tmp / "demo.duckdb"
            store_env = {"KRIMDASH_DB": str(path)}
            writer_env = {**store_env, "KRIMDASH_ACCESS_LOG": str(tmp / "writer.access.sqlite")}
            app_env = {**store_env, **SERVER_ENV, "KRIMDASH_ACCESS_LOG": str(tmp / "b.sqlite")}
            init_env, init = store_env, ["--db", str(path), "init", "--demo"]
        else:
            cluster = stack.enter_context(pg.cluster())  # its own temp folder
            where = f"DuckLake on PostgreSQL {cluster.bin.parent.name}"
            url = pg.lake_url(cluster.new_database())
            store_env = {"KRIMDASH_STORE": url, "KRIMDASH_LAKE_DATA": str(tmp / "lake")}
            writer_env = {**store_env, "KRIMDASH_DB": str(tmp / "writer.duckdb")}
            # B is another machine as far as the store is concerned: its own local database path
            # (where its access log lives).
            app_env = {**store_env, **SERVER_ENV, "KRIMDASH_DB": str(tmp / "replica-b.duckdb")}
            init_env = {**store_env, "KRIMDASH_DB": str(tmp / "init.duckdb")}
            init = ["--store", url, "init", "--demo"]
        t = time.perf_counter()
        cli(init_env, *init)
        say(f"demo store made on {where} in {time.perf_counter() - t:.1f} s")
        rows = month_rows(writer_env, tmp)

        # This process is the writer: its own Store on the same store (the same write path as the
        # CLI and the app).
        os.environ.update(writer_env)
        from dashboard import access, imports, lake
        from dashboard.db import Store

        store = Store(path if args.embedded else url)
        report["snapshot_query_ms"] = snapshot_query_ms(store)
        stack.callback(lake.close_all)

        with (
            servers.oidc_provider(tmp / "provider.log") as provider,
            servers.serving(
                servers.krimdash_serve_signed(tmp / "secrets.toml", provider),
                app_env,
                tmp / "replica-b.log",
            ) as app,
            sync_playwright() as p,
        ):
            browser = servers.launch_chromium(p)
            try:
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                context.add_init_script(
                    WATCHER_JS % {"key": WANT_KEY, "limit_ms": int(args.timeout * 1000)}
                )
                page = context.new_page()
                sign_in(page, app, provider)
                page.goto(f"{app.url}/?side={args.page}&fra=2025-01&til={MONTH}")
                page.locator(servers.SCRIPT_DONE).wait_for(timeout=60_000)
                current = next(
                    int(r["value"]) for r in rows if r["measure"] == MEASURE and not r["category"]
                )
                timed_reload(page, shown(current), args.timeout)  # warm B's caches
                rounds = []
                for i in range(args.rounds):
                    m0 = cache_stats(app)
                    warm = timed_reload(page, shown(current), args.timeout)
                    m1 = cache_stats(app)
                    value = FIRST_VALUE + 13 * i
                    path = write_month(rows, value, tmp / f"round-{i}.csv")
                    before = store.data_version()
                    t0 = time.time()
                    if args.cli:
                        cli(writer_env, "import", str(path), "--note", f"måling {i}",
                            "--accept-warnings")  # fmt: skip
                    else:
                        result = imports.import_file(
                            store, path, user="bench", role=access.LOCAL,
                            note=f"måling {i}", accept_warnings=True,
                        )  # fmt: skip
                        if result.status != "saved":
                            raise RuntimeError(f"round {i}: the import was {result.status}")
                    committed = time.time()
                    # page.evaluate + reload: the reader's next run starts now
                    got = timed_reload(page, shown(value), args.timeout)
                    m2 = cache_stats(app)
                    lake._versions.clear()
                    after = store.data_version()
                    t = time.perf_counter()
                    store.check()  # what B's first run of a new snapshot also does (app_pages)
                    check_ms = (time.perf_counter() - t) * 1000
                    if got.get("done") is None:
                        raise RuntimeError(f"round {i}: the new value did not show on B")
                    rounds.append(
                        {
                            "value": value,
                            "snapshot": [before[0], after[0]],
                            "commit_ms": (committed - t0) * 1000,
                            "lag_ms": got["origin"] + got["done"] - committed * 1000,
                            "to_navigation_ms": got["origin"] - committed * 1000,
                            "page_ms": got["done"],
                            "page_script_ms": got["done"] - (got["running"] or 0),
                            "check_ms": check_ms,
                            "stale_run": got.get("finishedWithout") is not None,
                            "misses": m2["misses"] - m1["misses"],
                            "computed_s": delta(m2, m1),
                            "warm_page_ms": warm["done"],
                            "warm_script_ms": warm["done"] - (warm["running"] or 0),
                            "warm_misses": m1["misses"] - m0["misses"],
                        }
                    )
                    current = value
                    say(
                        f"round {i + 1:>2}/{args.rounds}: lag {rounds[-1]['lag_ms']:6.0f} ms "
                        f"(commit {rounds[-1]['commit_ms']:5.0f} ms; page {got['done']:5.0f} ms, "
                        f"{rounds[-1]['misses']} cache misses) | warm reload {warm['done']:5.0f} ms, "
                        f"{rounds[-1]['warm_misses']} misses"
                    )
            finally:
                browser.close()
    report["rounds"] = rounds
    col = lambda k: [r[k] for r in rounds]  # noqa: E731
    writer = "`krimdash import` (its own process)" if args.cli else "import_file"
    lines = [
        f"{where}; writer: {writer}; "
        f"{args.rounds} rounds; page ?side={args.page} signed in as the analyst",
        f"{'ms':<52} {'p50':>8} {'p95':>8} {'min':>8} {'max':>8}",
        line("lag: commit's end -> new value on B, script done", col("lag_ms")),
        line("  of which: commit's end -> B's navigation start", col("to_navigation_ms")),
        line("  of which: navigation start -> done (in the page)", col("page_ms")),
        line("      of it: script running -> done", col("page_script_ms")),
        line("the commit itself (writer)", col("commit_ms")),
        line("warm reload, nothing written: navigation -> done", col("warm_page_ms")),
        line("      of it: script running -> done", col("warm_script_ms")),
        line("Store.check() (a replica's first run of a snapshot)", col("check_ms")),
        line("data_version() (a lake: memo emptied; a file: stat)", report["snapshot_query_ms"]),
        f"B's cache misses per run: after a commit {statistics.median(col('misses')):.0f} "
        f"(median), warm {max(col('warm_misses'))} (max); runs that finished without the new "
        f"value first: {sum(col('stale_run'))}",
        "B's time computing the misses after a commit, per cached function (median ms; a "
        "function's time includes the misses it caused in others):",
    ]
    names = sorted({k for r in rounds for k in r["computed_s"] if k != "misses"})
    per = {n: statistics.median(r["computed_s"].get(n, 0) * 1000 for r in rounds) for n in names}
    lines += [f"  {n:<50} {v:>8.0f}" for n, v in sorted(per.items(), key=lambda kv: -kv[1])]
    return lines


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description="From a commit to another replica's page.")
    ap.add_argument("--rounds", type=int, default=20, help="commits measured")
    ap.add_argument("--page", default="ungesporet", help="the initiative page on B")
    ap.add_argument("--cli", action="store_true", help="commit through a krimdash CLI process")
    ap.add_argument(
        "--embedded", action="store_true", help="the embedded file instead (the same measurement)"
    )
    ap.add_argument("--timeout", type=float, default=60, help="seconds a page may take")
    ap.add_argument("--json", type=Path, help="write every round here")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    return ap


def main() -> None:
    args = parser().parse_args()
    for why in (servers.chromium_missing(), pg.missing()):
        if why:
            sys.exit(why)
    tmp = Path(tempfile.mkdtemp(prefix="krimdash-lag-"))
    started = datetime.now(UTC)
    report: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "machine": platform.node(),
        "cpus": os.cpu_count(),
        "load_before": loadavg(),
        "args": {k: str(v) for k, v in vars(args).items()},
    }
    say(f"{started:%Y-%m-%d %H:%M} UTC, load average {report['load_before']}")
    if busy := other_work({os.getpid()}):
        say(f"other work seen: {len(busy)} process(es): " + "; ".join(busy[:4]))
    try:
        lines = measure(args, tmp, report)
    finally:
        if args.keep:
            say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    report["load_after"] = loadavg()
    lines.append(f"load average before {report['load_before']}, after {report['load_after']}")
    say("")
    for text in lines:
        say(text)
    report["printed"] = lines
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
