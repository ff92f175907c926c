"""Load: many readers at once on a running dashboard while another process imports. Measures
and prints; asserts nothing. See bench/README.md ("Load").

    .venv/bin/python bench/load.py [--sessions 50] [--duration 60] [--after 150] [--json OUT]

One run does, in order, and stops by itself (every stage has a deadline):

1. a demo database in a temp dir (`krimdash --db X init --demo`) and two correction files for
   its latest month (from `krimdash export`, a few values changed);
2. `krimdash serve` on a free 127.0.0.1 port (tests/servers.py), its memory sampled every second
   from /proc (the RSS of the serve process and all its children) from here to the end;
3. `--before` seconds idle, then Locust (bench/load_locust.py, in a process of its own, headless)
   with `--sessions` users, each holding Streamlit's websocket and reading pages through
   BackMsg rerun_script (bench/stsession.py): another page or another period, a think time
   between reads, for `--duration` seconds; meanwhile a loop runs
   `krimdash --db X import FILE --note ...` every `--import-every` seconds;
4. the sessions disconnect (Locust stops) and the memory is followed for `--after` seconds,
   past Streamlit's server.disconnectedSessionTTL; then one new reader reads one page (a
   probe: does the server still answer, does memory move when sessions are touched again);
5. the report: script runs counted by the readers (script_finished messages) and by the server
   (/_stcore/metrics), p50 and p95 per page and overall (Locust's statistics), errors by kind,
   imports saved/failed, the memory curve, the machine's load; `--json OUT` writes it all.
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
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import stsession  # bench/ is on sys.path as the script's folder
from report import loadavg, other_work, percentile, say

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT / "tests"))
import servers  # noqa: E402

LOCUSTFILE = Path(__file__).resolve().parent / "load_locust.py"
SERVER_ENV = {"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}
# The correction files change figures that no warning rule ties to others, so each import is
# saved without --accept-warnings (a correction an analyst would make to the latest month).
CHANGED = ("ungesporet.visits", "ungesporet.activities", "ungeteam.outreach_contacts")
SPARK = "▁▂▃▄▅▆▇█"
PHASES = ("cold", "warm", "during", "after", "probe", "cleared", "again", "after again")


# ---------------------------------------------------------------------------------- memory


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(d.name))
    return kids


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by `pid` and its live descendants, from /proc."""
    kids, todo, total = _children(), [pid], 0.0
    tick = os.sysconf("SC_CLK_TCK")
    while todo:
        p = todo.pop()
        todo += kids.get(p, [])
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def tree_rss_mb(pid: int, alone: bool = False) -> tuple[float, int]:
    """(RSS in MB of `pid` and all its descendants, number of processes), from /proc."""
    kids, todo, total, n = ({} if alone else _children()), [pid], 0.0, 0
    while todo:
        p = todo.pop()
        todo += kids.get(p, [])
        with contextlib.suppress(OSError, ValueError, IndexError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
                    n += 1
                    break
    return total, n


class MemorySampler(threading.Thread):
    """Every `every` seconds: (seconds since start, phase, RSS MB of the server's process tree)."""

    def __init__(self, pid: int, every: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.phase = "cold"
        self.samples: list[dict[str, Any]] = []
        self.t0 = time.monotonic()
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            rss, n = tree_rss_mb(self.pid)
            own, _ = tree_rss_mb(self.pid, alone=True)
            self.samples.append(
                {
                    "t": round(time.monotonic() - self.t0, 1),
                    "phase": self.phase,
                    "rss_mb": round(rss, 1),
                    "procs": n,
                    "server_rss_mb": round(own, 1),  # the server process alone (no drawing)
                    "cpu_s": round(tree_cpu_s(self.pid), 2),
                    "load1": loadavg().split()[0],
                }
            )
            self._halt.wait(self.every)

    def stop(self) -> None:
        self._halt.set()
        if self.ident is not None:
            self.join(timeout=10)


# --------------------------------------------------------------------------------- imports


def correction_files(db: Path, tmp: Path, n: int = 2) -> list[Path]:
    """`n` versions of the latest month's figures (from `krimdash export`), each with the
    CHANGED figures raised by 1..n: imported in turn, every import changes something."""
    export = tmp / "export.csv"
    _cli(db, "export", "-o", str(export), check=True)
    with export.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    latest = max(r["month"] for r in rows)
    month = [r for r in rows if r["month"] == latest]
    files = []
    for k in range(1, n + 1):
        path = tmp / f"correction-{k}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            for r in month:
                w.writerow(r | {"value": int(r["value"]) + k} if r["measure"] in CHANGED else r)
        files.append(path)
    return files


def _cli(db: Path, *args: str, check: bool = False, timeout: float = 120):
    done = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "--db", str(db), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "KRIMDASH_USER": "belastningstest"},
    )  # fmt: skip
    if check and done.returncode != 0:
        raise RuntimeError(f"krimdash {' '.join(args)}: {done.stdout}{done.stderr}")
    return done


class Importer(threading.Thread):
    """`krimdash import FILE --note ...` every `every` seconds, the files in turn, until stopped."""

    def __init__(self, db: Path, files: list[Path], every: float) -> None:
        super().__init__(daemon=True)
        self.db, self.files, self.every = db, files, every
        self.done: list[dict[str, Any]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        i = 0
        while not self._halt.is_set():
            path = self.files[i % len(self.files)]
            i += 1
            t = time.perf_counter()
            try:
                out = _cli(self.db, "import", str(path), "--note", f"belastningstest: rettelse {i}")
                code, text = out.returncode, out.stdout + out.stderr
            except subprocess.TimeoutExpired:
                code, text = None, "timeout"
            saved = code == 0 and "Gemt som indlæsning" in text
            self.done.append(
                {
                    "file": path.name,
                    "code": code,
                    "saved": saved,
                    "s": round(time.perf_counter() - t, 2),
                    "said": "" if saved else _last_line(text),
                }
            )
            self._halt.wait(self.every)

    def stop(self) -> None:
        self._halt.set()
        if self.ident is not None:  # started
            self.join(timeout=180)


def _last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1][:200] if lines else ""


# ---------------------------------------------------------------------------------- locust


def run_locust(args: argparse.Namespace, url: str, out: Path, log: Path) -> dict[str, Any]:
    """Locust headless in its own process; its JSON (Locust's statistics, our counts, each run)."""
    env = {
        **os.environ,
        "LOAD_OUT": str(out),
        "LOAD_THINK": args.think,
        "LOAD_TIMEOUT": str(args.timeout),
        "LOAD_RECONNECT": "1" if args.reconnect else "0",
        "LOAD_SEED": str(args.seed),
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "--host", url, "--users", str(args.sessions), "--spawn-rate", str(args.spawn_rate),
        "--run-time", f"{args.duration}s", "--stop-timeout", str(int(args.timeout) + 5),
        "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]  # fmt: skip
    deadline = args.duration + args.timeout + 120
    with open(log, "wb") as f:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT)
        try:
            code = process.wait(timeout=deadline)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
            code = "killed after its deadline"
    if not out.exists():
        tail = log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"locust wrote no results (exit {code}); its log ends:\n{tail}")
    result = json.loads(out.read_text(encoding="utf-8"))
    result["exit"] = code
    return result


def error_kind(error: str) -> str:
    """Locust's error text ("PageRunFailed('timeout: ...')") as the kind alone."""
    m = re.match(r"\w+\((['\"])(.*)\1\)$", error, re.S)
    return m[2] if m else error


# ---------------------------------------------------------------------------------- report


def spark(values: list[float], lo: float, hi: float) -> str:
    span = max(hi - lo, 1e-9)
    return "".join(SPARK[min(len(SPARK) - 1, int((v - lo) / span * len(SPARK)))] for v in values)


def memory_lines(samples: list[dict[str, Any]], ttl_s: int) -> tuple[list[str], dict[str, Any]]:
    by = {ph: [s["rss_mb"] for s in samples if s["phase"] == ph] for ph in PHASES}
    if not by["during"]:
        return ["memory: no samples"], {}
    after = [s for s in samples if s["phase"] == "after"]
    t_end = after[0]["t"] if after else samples[-1]["t"]
    summary = {
        "cold_mb": statistics.median(by["cold"]) if by["cold"] else None,
        "before_mb": by["warm"][-1] if by["warm"] else None,
        "peak_during_mb": max(by["during"]),
        "end_of_during_mb": by["during"][-1],
        "after_10s_mb": next((s["rss_mb"] for s in after if s["t"] >= t_end + 10), None),
        "after_ttl_mb": next((s["rss_mb"] for s in after if s["t"] >= t_end + ttl_s + 5), None),
        "after_last_mb": by["after"][-1] if by["after"] else None,
        "after_min_mb": min(by["after"]) if by["after"] else None,
        "after_probe_mb": by["probe"][-1] if by["probe"] else None,
        "after_clearing_caches_mb": by["cleared"][-1] if by["cleared"] else None,
        "again_peak_mb": max(by["again"]) if by["again"] else None,
        "after_again_mb": by["after again"][-1] if by["after again"] else None,
        "session_ttl_s": ttl_s,
    }
    # The server process alone, without its chart drawing processes (which end when the last
    # session has gone): warm, at its peak, at the end of what was followed after the load.
    own = {ph: [s.get("server_rss_mb") for s in samples if s["phase"] == ph] for ph in PHASES}
    if own["warm"] and own["warm"][-1] is not None and own["after"]:
        summary["server_alone_mb"] = {
            "warm": own["warm"][-1],
            "peak": max(own["during"]),
            "after": own["after"][-1],
            "processes_warm": next(s["procs"] for s in reversed(samples) if s["phase"] == "warm"),
            "processes_after": samples[[s["phase"] for s in samples].index("probe") - 1]["procs"]
            if by["probe"]
            else after[-1]["procs"],
        }
    before, peak, last = summary["before_mb"], summary["peak_during_mb"], summary["after_last_mb"]
    if before is not None and last is not None:
        rise, back = peak - before, peak - last
        summary["returned_share"] = round(back / rise, 2) if rise > 0 else None
        summary["back_within_10pct"] = last <= before * 1.1
        verdict = (
            f"  back down: {'YES' if summary['back_within_10pct'] else 'NO'}: "
            f"{last:.0f} MB at the end vs {before:.0f} MB before the sessions "
            f"({last - before:+.0f} MB); of the {rise:.0f} MB it rose, {back:.0f} MB came back"
        )
    else:
        verdict = "  back down: not known (no samples)"
    lo = min(s["rss_mb"] for s in samples)
    hi = max(s["rss_mb"] for s in samples)
    lines = [
        "MEMORY (RSS of krimdash serve and its children, MB, one sample a second)",
        "  cold {cold_mb:.0f} | before (warm: every page read once) {before_mb:.0f} | peak during {peak_during_mb:.0f} | end of load "
        "{end_of_during_mb:.0f} | 10 s after {a10} | after the session TTL ({session_ttl_s} s) "
        "{attl} | last {last} | lowest after {amin} | after the probe {probe} | after "
        "a clear_cache request {cleared}".format(
            **summary,
            a10=_mb(summary["after_10s_mb"]),
            attl=_mb(summary["after_ttl_mb"]),
            last=_mb(summary["after_last_mb"]),
            amin=_mb(summary["after_min_mb"]),
            probe=_mb(summary["after_probe_mb"]),
            cleared=_mb(summary["after_clearing_caches_mb"]),
        ),
        verdict,
        *(
            [
                "  the server process alone (without the chart drawing processes): warm "
                f"{alone['warm']:.0f}, peak {alone['peak']:.0f}, after {alone['after']:.0f} MB "
                f"({alone['after'] - alone['warm']:+.0f} MB); processes warm "
                f"{alone['processes_warm']}, after {alone['processes_after']}"
            ]
            if (alone := summary.get("server_alone_mb"))
            else []
        ),
        *(
            [
                f"  the same load again: peak {_mb(summary['again_peak_mb'])}, "
                f"{_mb(summary['after_again_mb'])} MB after it"
            ]
            if by["again"]
            else []
        ),
        f"  sparkline {lo:.0f}..{hi:.0f} MB: "
        + " | ".join(
            f"{ph} {spark([s['rss_mb'] for s in samples if s['phase'] == ph], lo, hi)}"
            for ph in PHASES
            if by[ph]
        ),
    ]
    for ph in PHASES:
        if by[ph]:
            lines.append(f"  {ph:<7} " + " ".join(f"{v:.0f}" for v in by[ph]))
    lines = [line if len(line) < 400 else line[:397] + "..." for line in lines[:4]] + lines[4:]
    return lines, summary


def _mb(x: float | None) -> str:
    return "-" if x is None else f"{x:.0f}"


def runs_table(res: dict[str, Any]) -> list[str]:
    """Per page and overall: reads, failures, Locust's p50/p95/max, and ours from the raw times."""
    runs = res["runs"]
    lines = [
        f"  {'page':<14} {'reads':>6} {'failed':>6} {'p50':>7} {'p95':>7} {'max':>7}   "
        f"{'p50*':>7} {'p95*':>7}",
    ]
    pages = dict(sorted(res["locust"]["pages"].items()))
    for name, e in [*pages.items(), ("ALL", res["locust"]["total"])]:
        xs = [r["ms"] for r in runs if name in ("ALL", r["page"]) and r["finished"]]
        lines.append(
            f"  {name:<14} {e['n']:>6} {e['failures']:>6} {_ms(e['p50_ms']):>7} "
            f"{_ms(e['p95_ms']):>7} {_ms(e['max_ms']):>7}   {_ms(percentile(xs, 0.5)):>7} "
            f"{_ms(percentile(xs, 0.95)):>7}"
        )
    lines.append(
        "  ms per page run: from the BackMsg rerun_script sent to the script_finished received. "
        "p50/p95/max: Locust's statistics (every read, failed ones too; Locust rounds times "
        "above 100 ms to 2 digits); p50*/p95*: the exact times of the reads that finished."
    )
    by_what = {}
    for what in ("page", "period"):
        xs = [r["ms"] for r in runs if r["what"] == what and r["finished"]]
        by_what[what] = (
            f"{len(xs)} reads, p50 {_ms(percentile(xs, 0.5))}, p95 {_ms(percentile(xs, 0.95))}"
        )
    lines.append(f"  another page: {by_what['page']}; another period: {by_what['period']}")
    return lines


def _ms(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def session_ttl(url_env: dict[str, str]) -> int:
    """server.disconnectedSessionTTL as the server sees it (env, else Streamlit's default)."""
    raw = url_env.get("STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL")
    if raw:
        return int(raw)
    from streamlit import config

    return int(config.get_option("server.disconnectedSessionTTL"))


def server_log_errors(log: Path) -> dict[str, int]:
    text = log.read_text(errors="replace") if log.exists() else ""
    return {
        "tracebacks": text.count("Traceback (most recent call last)"),
        "clear_cache_refused": text.count("refused a request to empty every cache"),
        "error_lines": sum(
            1 for line in text.splitlines() if " ERROR " in line or "ERROR:" in line
        ),
    }


# ------------------------------------------------------------------------------------ main


def measure(args: argparse.Namespace, tmp: Path, report: dict[str, Any]) -> list[str]:
    """The run itself (steps 1-4); the printed lines of step 5. Everything started is stopped."""
    db = tmp / "demo.duckdb"
    _cli(db, "init", "--demo", check=True, timeout=300)
    # The public view shows the demo's approved months to readers who are not signed in; said
    # explicitly so that it stays on whatever the imports change.
    _cli(db, "public", "on", check=True)
    files = correction_files(db, tmp)
    env = {**SERVER_ENV, "KRIMDASH_DB": str(db)}
    for pair in args.server_env:
        key, _, value = pair.partition("=")
        env[key] = value
    if args.session_ttl is not None:
        env["STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL"] = str(args.session_ttl)
    ttl = session_ttl(env)
    log = tmp / "server.log"
    with servers.serving(servers.krimdash_serve, env, log) as app:
        sampler = MemorySampler(app.process.pid)
        sampler.start()
        importer = Importer(db, files, args.import_every)
        try:
            report["other_work_at_start"] = other_work({app.process.pid})
            report["loadavg_at_start"] = loadavg()
            say(f"server {app.url} (pid {app.process.pid}); {args.before:.0f} s idle ...")
            time.sleep(args.before)
            # One reader reads every page once: the imports and caches a served app has anyway,
            # so that "before" is a warm server, the state memory should come back to.
            sampler.phase = "warm"
            warm = stsession.Session(app.url, args.timeout)
            report["warm_up"] = {
                stsession.page_name(p): round(warm.read(p, stsession.address(p)).ms)
                for p in stsession.PAGES
            }
            # The same kind of walk by one reader alone: what a read costs without the load.
            walk = stsession.Reader(seed=10_000 + args.seed)
            solo = []
            for _ in range(args.solo):
                page, query, what = walk.next_view()
                run = warm.read(page, query)
                solo.append({"page": stsession.page_name(page), "what": what, "ms": round(run.ms, 1), "error": run.error})  # fmt: skip
            report["solo"] = solo
            warm.close()
            time.sleep(args.before)
            counts_before = stsession.server_counts(app.url)
            sampler.phase = "during"
            say(
                f"{args.sessions} sessions for {args.duration} s (spawn rate {args.spawn_rate}/s), "
                f"an import every {args.import_every} s ..."
            )
            if args.import_every > 0:
                importer.start()
            t = time.monotonic()
            res = run_locust(args, app.url, tmp / "locust.json", tmp / "locust.log")
            report["locust_wall_s"] = round(time.monotonic() - t, 1)
            importer.stop()
            sampler.phase = "after"
            report["loadavg_at_end_of_load"] = loadavg()
            counts_after = stsession.server_counts(app.url)
            say(f"sessions ended; memory followed for {args.after:.0f} s (session TTL {ttl} s) ...")
            time.sleep(args.after)
            counts_later = stsession.server_counts(app.url)
            sampler.phase = "probe"
            probe = stsession.Session(app.url, args.timeout)
            run = probe.read("top100", stsession.address("top100"))
            time.sleep(args.probe_wait)
            # A client asking the server to empty every cache (BackMsg clear_cache): refused
            # outside development mode (appdata.py); the caches' estimate before and after.
            sampler.phase = "cleared"
            counts_cleared = stsession.server_counts(app.url)
            probe.clear_caches()
            time.sleep(args.probe_wait)
            report["cache_bytes_before_clearing"] = counts_cleared["cache_bytes"]
            probe.close()
            if args.again:
                # The same load once more on the same server: a plateau that holds (a high-water
                # mark the process keeps) or a second rise (something kept per session or read).
                sampler.phase = "again"
                say(f"the same load again for {args.duration} s ...")
                again_importer = Importer(db, files, args.import_every)
                if args.import_every > 0:
                    again_importer.start()
                try:
                    res2 = run_locust(args, app.url, tmp / "locust2.json", tmp / "locust2.log")
                finally:
                    again_importer.stop()
                sampler.phase = "after again"
                time.sleep(min(args.after, 30))
                report["again"] = {
                    "locust": res2["locust"],
                    "counts": res2["counts"],
                    "imports": again_importer.done,
                }
            report["probe"] = {"ms": round(run.ms), "error": run.error, "finished": run.finished}
            report["alive_at_end"] = app.alive()
            report["other_work_at_end"] = other_work({app.process.pid})
        finally:
            importer.stop()
            sampler.stop()
    report["server_log"] = server_log_errors(log)
    report["memory_samples"] = sampler.samples
    report["imports"] = importer.done
    report["locust"] = res["locust"]
    report["locust_exit"] = res["exit"]
    report["client_counts"] = res["counts"]
    report["runs"] = res["runs"]
    report["server_counts"] = {
        "before": counts_before,
        "end_of_load": counts_after,
        "after": counts_later,
    }
    return summary_lines(args, report, res, ttl)


def summary_lines(args: argparse.Namespace, report: dict, res: dict, ttl: int) -> list[str]:
    counts = res["counts"]
    sc = report["server_counts"]
    server_runs = sc["end_of_load"]["page_runs"] - sc["before"]["page_runs"]
    sess = {k: sc["after"]["sessions"].get(k, 0) - sc["before"]["sessions"].get(k, 0) for k in ("connect", "disconnect")}  # fmt: skip
    reads = res["locust"]["total"]["n"]
    errors = Counter()
    for e, n in res["locust"]["errors"].items():
        errors[error_kind(e)] += n
    imports = report["imports"]
    saved = sum(i["saved"] for i in imports)
    failed = [i for i in imports if i["code"] != 0]
    unchanged = len(imports) - saved - len(failed)
    mem_lines, mem = memory_lines(report["memory_samples"], ttl)
    report["memory"] = mem
    report["script_runs"] = {"client": counts.get("script_finished", 0), "server": server_runs}
    lines = [
        f"krimdash load, {report['date'][:16].replace('T', ' ')} UTC, {os.cpu_count()} CPUs, "
        f"streamlit {report['machine'].get('streamlit')}, locust {report['machine'].get('locust')}, "
        f"HEAD {report.get('git_head')}",
        "=" * 100,
        f"{args.sessions} sessions ({'a new websocket per read' if args.reconnect else 'each holding one websocket'}), "
        f"{args.duration} s, think time {args.think.replace(',', '-')} s, spawn rate "
        f"{args.spawn_rate}/s; demo db; "
        + "".join(f"server {pair}; " for pair in args.server_env)
        + (f"an import every {args.import_every} s" if args.import_every > 0 else "no imports"),
        f"load average {report['loadavg_at_start']} at start, {report['loadavg_at_end_of_load']} "
        f"at the end of the load",
    ]
    other = report["other_work_at_start"] + report["other_work_at_end"]
    if other:
        lines.append(
            f"NOTE: other work ran meanwhile ({len(other)} sightings), e.g. {other[0][:90]}"
        )
    during = [x for x in report["memory_samples"] if x["phase"] == "during"]
    if len(during) > 1:
        cpu = during[-1]["cpu_s"] - during[0]["cpu_s"]
        wall = during[-1]["t"] - during[0]["t"]
        runs = counts.get("script_finished", 0)
        report["server_cpu"] = {"cpu_s": round(cpu, 1), "wall_s": wall, "runs": runs}
        cpu_line = (
            f"SERVER CPU during the load: {cpu:.0f} s in {wall:.0f} s ({cpu / wall:.0%} of one "
            f"core; the script runs share one Python process), "
            f"{cpu * 1000 / max(runs, 1):,.0f} ms CPU per page run; {runs / wall:.1f} page runs/s"
        )
    else:
        cpu_line = "SERVER CPU: no samples"
    solo = [x["ms"] for x in report.get("solo", []) if not x["error"]]
    if solo:
        cpu_line += (
            f"\nALONE (before the load, the same kind of walk by one reader): {len(solo)} reads, "
            f"p50 {_ms(percentile(solo, 0.5))}, p95 {_ms(percentile(solo, 0.95))}, max {_ms(max(solo))} ms"
        )
    lines += [
        "",
        f"SCRIPT RUNS: {counts.get('script_finished', 0)} script_finished received by the readers; "
        f"the server counted {server_runs} page runs (/_stcore/metrics: lookups of the page "
        f"functions); {counts.get('reads_sent', reads)} reads sent, {reads} ended (finished or "
        f"failed; a read Locust cut off at its stop is sent only); websockets opened {counts.get('connects', 0)}, "
        f"server sessions connected {sess['connect']}, disconnected {sess['disconnect']}",
        cpu_line,
        "",
        "PAGE RUNS (ms)",
        *runs_table(res),
        "",
        "ERRORS: "
        + (", ".join(f"{k}: {n}" for k, n in errors.most_common()) if errors else "none")
        + f"; server log: {report['server_log']['tracebacks']} tracebacks, "
        f"{report['server_log']['error_lines']} ERROR lines",
        f"IMPORTS: {len(imports)} run, {saved} saved as a batch, {unchanged} with nothing to save, "
        f"{len(failed)} failed"
        + (
            " (" + "; ".join(f"exit {i['code']}: {i['said'][:80]}" for i in failed[:3]) + ")"
            if failed
            else ""
        )
        + (
            f"; {statistics.median(i['s'] for i in imports):.1f} s median, "
            f"{max(i['s'] for i in imports):.1f} s max per import"
            if imports
            else ""
        ),
        "",
        *mem_lines,
        "",
        "PROBE after the TTL: one new reader, top100: "
        + (f"{report['probe']['ms']} ms" if report["probe"]["finished"] else "")
        + (f" ({report['probe']['error']})" if report["probe"]["error"] else "")
        + f"; server {'alive' if report['alive_at_end'] else 'GONE'}",
        *(
            [
                f"AGAIN: the same load once more: {report['again']['locust']['total']['n']} reads, "
                f"{report['again']['locust']['total']['failures']} failed, p50 "
                f"{_ms(report['again']['locust']['total']['p50_ms'])}, p95 "
                f"{_ms(report['again']['locust']['total']['p95_ms'])} ms; imports saved "
                f"{sum(i['saved'] for i in report['again']['imports'])} of "
                f"{len(report['again']['imports'])}"
            ]
            if "again" in report
            else []
        ),
        "CACHES (Streamlit's own estimate, /_stcore/metrics): "
        f"{report['server_counts']['before']['cache_bytes'] / 1e6:.1f} MB before the sessions, "
        f"{report['server_counts']['after']['cache_bytes'] / 1e6:.1f} MB after them; the probe's "
        "request to empty every cache (BackMsg clear_cache) was refused "
        f"{report['server_log'].get('clear_cache_refused', 0)} time(s) (server log)",
    ]
    return lines


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description="Readers on the served dashboard while it imports.")
    ap.add_argument("--sessions", type=int, default=50, help="simultaneous readers (Locust users)")
    ap.add_argument("--duration", type=int, default=60, help="seconds of load")
    ap.add_argument("--spawn-rate", type=float, default=10, help="new sessions per second")
    ap.add_argument("--think", default="1,3", help="seconds between a reader's reads: min,max")
    ap.add_argument("--timeout", type=float, default=60, help="seconds a page read may take")
    ap.add_argument(
        "--import-every", type=float, default=5, help="seconds between imports (0: no imports)"
    )
    ap.add_argument("--before", type=float, default=5, help="seconds idle before the load")
    ap.add_argument("--after", type=float, default=150, help="seconds followed after the load")
    ap.add_argument("--probe-wait", type=float, default=5, help="seconds followed after the probe")
    ap.add_argument(
        "--session-ttl", type=int, help="server.disconnectedSessionTTL (default: Streamlit's)"
    )
    ap.add_argument(
        "--reconnect", action="store_true", help="a new websocket for every read (as a click does)"
    )
    ap.add_argument(
        "--solo", type=int, default=20, help="reads by one reader alone before the load"
    )
    ap.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for the server (repeatable), e.g. MALLOC_ARENA_MAX=2",
    )
    ap.add_argument(
        "--again", action="store_true", help="after all that, the same load once more (memory)"
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="also write everything to this JSON file")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, database)")
    return ap


def main(argv: list[str] | None = None) -> int:
    ap = parser()
    args = ap.parse_args(argv)
    if args.sessions < 1 or args.duration < 1:
        ap.error("--sessions and --duration must be at least 1")

    started = datetime.now(UTC)
    report: dict[str, Any] = {
        "date": started.isoformat(timespec="seconds"),
        "args": vars(args),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
    }  # fmt: skip
    for name in ("streamlit", "locust"):
        with contextlib.suppress(Exception):
            report["machine"][name] = (
                __import__(name).__version__ if name == "streamlit" else _version(name)
            )
    with contextlib.suppress(Exception):
        report["git_head"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
            timeout=10,
        ).stdout.strip()  # fmt: skip
    tmp = Path(tempfile.mkdtemp(prefix="krimdash-load-"))
    try:
        lines = measure(args, tmp, report)
        say()
        for line in lines:
            say(line)
        report["printed"] = lines
        if args.json:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(
                json.dumps(report, indent=1, default=str, ensure_ascii=False), encoding="utf-8"
            )
            say(f"\nJSON: {args.json}")
        return 0
    finally:
        if args.keep:
            say(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


if __name__ == "__main__":
    sys.exit(main())
