"""Where a page view's time goes: a timeline per visit, in headless Chromium, against a blank page.

    .venv/bin/python bench/probe_returning.py --db DEMO.duckdb [--rounds 8] [--first] [-v]
        [--pages /,/?side=top100,/top100] [--server-log] [--app-arg=--runner.postScriptGC=true]

Starts the app and bench/blank_app.py (`streamlit run`, no file watcher, as bench/pages.py) and
visits each address as a returning reader: the same tab navigates to the same address again
(after two warm-up visits). `--first` adds first visits (a new browser context each). Times are
the page's own performance.now(), ms from navigation start:

  ws        the websocket to the server is open (the frontend's scripts have run)
  msgs      each message from the server as it reaches the page: new_session, page_config,
            navigation, delta (K = its size), finished (the script-finished message)
  content   the first frame with the page's content in the main area
  script    the first frame with the script state "notRunning"
  done      the first frame with both, every image decoded, the element count then steady

`--server-log` runs the servers through this file's `_server` wrapper, which logs the server's
side of each visit on the same clock: the browser's rerun request, the script's run, each
message queued and any post-run garbage collection. Prints the load average before and after.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard" / "web" / "app.py"
BLANK = ROOT / "bench" / "blank_app.py"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]  # fmt: skip
PAGES = "/,/?side=top100,/?side=knaek_kurven,/?side=ungeteam,/?side=ungesporet,/?side=sammenlign"
# ForwardMsg fields (streamlit/proto/ForwardMsg.proto) worth showing.
NAMES = {4: "new_session", 5: "delta", 6: "finished", 13: "page_config", 23: "navigation"}

WATCH = r"""
(() => {
  if (window.top !== window || window.__p) return;
  const p = (window.__p = {msgs: [], ws: null, content: null, script: null, done: null,
                           origin: performance.timeOrigin});
  const Socket = window.WebSocket;
  const kinds = (buf) => {  // the top-level field numbers of a protobuf message
    const b = new Uint8Array(buf), out = []; let i = 0;
    const varint = () => { let x = 0, s = 0, c; do { c = b[i++]; x += (c & 127) * 2 ** s; s += 7; } while (c & 128); return x; };
    while (i < b.length) {
      const key = varint(), wire = key & 7; out.push(Math.floor(key / 8));
      if (wire === 0) varint(); else if (wire === 2) { const n = varint(); i += n; }
      else if (wire === 1) i += 8; else if (wire === 5) i += 4; else break;
    }
    return out;
  };
  window.WebSocket = function (...args) {
    const ws = new Socket(...args);
    ws.addEventListener('open', () => { p.ws = performance.now(); });
    ws.addEventListener('message', (e) => {
      const d = e.data, size = d.byteLength ?? d.size ?? d.length;
      p.msgs.push([performance.now(), size, d instanceof ArrayBuffer ? kinds(d) : []]);
    });
    return ws;
  };
  window.WebSocket.prototype = Socket.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  let last = -1, since = null, steady = 0;
  const drawn = () => [...document.images].every((i) => i.complete && i.naturalWidth > 0) &&
    !document.querySelector('[data-testid="stSkeleton"], [data-testid="stAppSkeleton"]');
  function tick() {
    const now = performance.now();
    const app = document.querySelector('[data-testid="stApp"]');
    const notRunning = app && app.getAttribute('data-test-script-state') === 'notRunning';
    const content = document.querySelector(
      '[data-testid="stMain"] [data-testid="stHtml"], [data-testid="stMain"] h1');
    if (p.content === null && content) p.content = now;
    if (p.script === null && notRunning) p.script = now;
    const count = document.getElementsByTagName('*').length;
    if (!(notRunning && content && drawn())) { since = null; steady = 0; }
    else if (since === null || count !== last) { since = now; steady = 0; }
    else if (++steady >= 2) { p.done = since; return; }
    last = count;
    if (now < 60000) requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
})();
"""


def server_wrapper() -> None:
    """`streamlit run ...` with a log of the server's side, in epoch ms, to $PROBE_SERVER_LOG."""
    import gc
    import threading

    from streamlit.runtime import app_session
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.web.cli import main
    from streamlit.web.server.starlette import starlette_websocket as ws

    out = open(os.environ["PROBE_SERVER_LOG"], "a", buffering=1)  # noqa: SIM115

    def log(what: str) -> None:
        out.write(f"{time.time() * 1000:.1f} {threading.current_thread().name[:12]} {what}\n")

    def wrap(owner, name, before=None, after=None):
        original = getattr(owner, name)

        def wrapped(*args, **kwargs):
            if before:
                before(*args)
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                if after:
                    after((time.perf_counter() - t0) * 1000, *args)

        setattr(owner, name, wrapped)

    class TimedGC:  # the script runner's `gc`, with collect() timed
        def __getattr__(self, name):
            return getattr(gc, name)

        def collect(self, *args):
            t0 = time.perf_counter()
            freed = gc.collect(*args)
            log(f"gc.collect{args}: {(time.perf_counter() - t0) * 1000:.1f} ms")
            return freed

    script_runner.gc = TimedGC()
    wrap(app_session.AppSession, "handle_backmsg", before=lambda s, m: log(f"browser asks {m.WhichOneof('type')}"))  # fmt: skip
    wrap(script_runner, "exec_func_with_error_handling", before=lambda *a: log("script starts"),
         after=lambda ms, *a: log(f"script ends ({ms:.1f} ms)"))  # fmt: skip
    wrap(ws.StarletteSessionClient, "write_forward_msg",
         after=lambda ms, s, m: log(f"queued {m.WhichOneof('type')} {m.ByteSize() // 1024} K"))  # fmt: skip
    sys.argv = ["streamlit", *sys.argv[2:]]
    main()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(script: Path, env: dict[str, str], extra: list[str], log: Path, wrapped: bool):
    port = free_port()
    runner = (
        [sys.executable, __file__, "_server"] if wrapped else [sys.executable, "-m", "streamlit"]
    )
    cmd = [*runner, "run", str(script), "--server.headless", "true", "--server.port", str(port),
           "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer",
           "--server.address", "127.0.0.1", "--server.fileWatcherType", "none", *extra]  # fmt: skip
    process = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **env},
                               stdout=log.open("wb"), stderr=subprocess.STDOUT,
                               start_new_session=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/_stcore/health") as r:
            if r.read() == b"ok":
                return process, url
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise SystemExit(f"{script.name} did not start; see {log}")


def stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=20)


def visit(page, url: str) -> dict:
    page.goto(url, wait_until="commit")
    page.wait_for_function("() => window.__p && window.__p.done !== null", polling=50)
    return page.evaluate("() => window.__p")


def timeline(p: dict) -> str:
    parts = [f"ws {p['ws']:.0f}"]
    for t, size, kinds in p["msgs"]:
        name = "+".join(NAMES[k] for k in kinds if k in NAMES)
        if name:
            parts.append(f"{name}{f'({size // 1024}K)' if size > 4096 else ''} {t:.0f}")
    parts.append(f"| content {p['content']:.0f} script {p['script']:.0f} done {p['done']:.0f}")
    return ", ".join(parts)


def server_lines(log: Path, p: dict) -> list[str]:
    lines = []
    for line in log.read_text().splitlines():
        t, what = line.split(" ", 1)
        if -50 < (ms := float(t) - p["origin"]) < p["done"] + 50:
            lines.append(f"      server {ms:6.1f} {what}")
    return lines


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    if sys.argv[1:2] == ["_server"]:
        server_wrapper()
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True, help="the app's database (e.g. krimdash init --demo)")
    ap.add_argument("--pages", default=PAGES, help=f"comma list of addresses (default {PAGES})")
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--first", action="store_true", help="also first visits (empty cache)")
    ap.add_argument("--app-arg", action="append", default=[], help="extra streamlit option")
    ap.add_argument("--blank-arg", action="append", default=[], help="the same, blank page")
    ap.add_argument("--server-log", action="store_true", help="log the server side (implies -v)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every visit's timeline")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="probe-"))
    logs = {"app": tmp / "app.srv", "blank": tmp / "blank.srv"}
    for f in logs.values():
        f.touch()
    print(f"load average {loadavg()} at start; options: app {args.app_arg}, blank {args.blank_arg}")
    app, app_url = start(APP, {"KRIMDASH_DB": args.db, "PROBE_SERVER_LOG": str(logs["app"])},
                         args.app_arg, tmp / "app.log", args.server_log)  # fmt: skip
    blank, blank_url = start(BLANK, {"PROBE_SERVER_LOG": str(logs["blank"])}, args.blank_arg,
                             tmp / "blank.log", args.server_log)  # fmt: skip
    targets = [("blank", blank_url + "/")] + [(a, app_url + a) for a in args.pages.split(",")]
    times: dict[str, dict[str, list[float]]] = {
        n: {"returning": [], "first": []} for n, _ in targets
    }
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)

            def new_tab():
                ctx = browser.new_context(viewport={"width": 1280, "height": 900})
                ctx.add_init_script(WATCH)
                return ctx, ctx.new_page()

            tabs = {}
            for name, url in targets:
                tabs[name] = new_tab()[1]
                for _ in range(2):
                    visit(tabs[name], url)
            for r in range(args.rounds):
                order = targets[r % len(targets) :] + targets[: r % len(targets)]
                for name, url in order:
                    p = visit(tabs[name], url)
                    times[name]["returning"].append(p["done"])
                    if args.verbose or args.server_log:
                        print(f"  {name:<22} {timeline(p)}")
                    if args.server_log:
                        print(
                            "\n".join(server_lines(logs["blank" if name == "blank" else "app"], p))
                        )
                    if args.first:
                        ctx, page = new_tab()
                        times[name]["first"].append(visit(page, url)["done"])
                        ctx.close()
            browser.close()
    finally:
        stop(app)
        stop(blank)
    print(f"load average {loadavg()} at end; ms from navigation start to done, median (min-max)")
    base = {m: statistics.median(v) for m, v in times["blank"].items() if v}
    for name, by_mode in times.items():
        cells = [
            f"{mode} {statistics.median(v):4.0f} ({min(v):.0f}-{max(v):.0f}) "
            f"{statistics.median(v) / base[mode]:.2f}x"
            for mode, v in by_mode.items()
            if v
        ]
        print(f"{name:<22} " + "   ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
