"""Browser timing: how long a page takes in headless Chromium, read inside the page itself.

A script installed in every document before its own (WATCHER_JS, via add_init_script) watches
each animation frame and records `performance.now()` — milliseconds since navigation start — at:

- content: the first frame with the page's content in the DOM (an h1 in [data-testid=stMain]);
- images complete: the first frame with content and every image loaded (`complete`, non-zero
  width; a lazy image out of view is not waited for);
- script running / script notRunning: the first frame in which Streamlit's script state
  (`[data-testid=stApp]` data-test-script-state, "initial" until a run starts) was each;
- done: the first frame in which the script state is notRunning, the content and all images are
  there and no loading skeleton shows, provided the element count then stays the same for two
  more frames (if it changes, the later frame counts: the time is that of the final state).

It also wraps WebSocket, so the arrival time, size and kind of each of Streamlit's messages is
known (the kind is the ForwardMsg field set: new_session, delta, script_finished, ...), and the
time the first message was sent. Navigation and resource timing come from the Performance API.

Two ways of visiting, as in issue 6:

- first visit: a new browser context per visit (empty cache);
- returning reader: one tab per page, opened once to warm up, then navigated again to the same
  address in that same tab (page.goto), once per round.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from report import kb, median, ms, p90, ratio, say

VIEWPORT = {"width": 1280, "height": 900}
MODES = ("first", "returning")

WATCHER_JS = """
(() => {
  if (window.top !== window || window.__bench) return;
  const b = (window.__bench = {done: null, gaveUp: false, state: null, frames: 0, elements: 0,
                               marks: {}, messages: []});
  const LIMIT_MS = %(limit_ms)d;
  const mark = (name, t) => { if (!(name in b.marks)) b.marks[name] = t; };

  // Streamlit's websocket: when each message arrives, how big it is and what kind it is.
  const KINDS = {4: 'new_session', 5: 'delta', 6: 'script_finished', 9: 'session_status_changed',
    10: 'session_event', 12: 'page_info_changed', 13: 'page_config_changed',
    14: 'git_info_changed', 15: 'page_not_found', 18: 'page_profile', 23: 'navigation',
    11: 'ref_hash', 26: 'heartbeat_ack'};
  function kind(buffer) {
    // ForwardMsg in protobuf wire format: fields 1 (hash) and 2 (metadata), then the one field
    // of its `type` oneof, whose number names the kind.
    const u = new Uint8Array(buffer);
    let i = 0;
    const varint = () => {
      let x = 0, shift = 0, c;
      do { c = u[i++]; x += (c & 127) * 2 ** shift; shift += 7; } while (c & 128 && i < u.length);
      return x;
    };
    while (i < u.length) {
      const tag = varint(), field = Math.floor(tag / 8), wire = tag & 7;
      if (field > 2) return KINDS[field] || 'field ' + field;
      if (wire === 0) varint(); else if (wire === 2) { const n = varint(); i += n; }
      else if (wire === 1) i += 8; else if (wire === 5) i += 4; else break;
    }
    return '?';
  }
  const Native = window.WebSocket;
  if (Native) {
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener('open', () => mark('websocket open', performance.now()));
        this.addEventListener('message', (e) => {
          const t = performance.now(), d = e.data;
          const size = d.byteLength !== undefined ? d.byteLength : (d.size || d.length || 0);
          b.messages.push([t, d instanceof ArrayBuffer ? kind(d) : typeof d, size]);
        });
      }
      send(data) { mark('first message sent', performance.now()); return super.send(data); }
    };
  }

  const visible = (el) =>
    el.checkVisibility ? el.checkVisibility({checkVisibilityCSS: true}) : true;
  const inView = (el) => {
    const r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
  };
  function content() {
    const main = document.querySelector('[data-testid="stMain"]');
    return !!(main && main.querySelector('h1'));
  }
  function imagesComplete() {
    for (const img of document.images) {
      if (img.loading === 'lazy' && !inView(img)) continue;
      if (!(img.complete && img.naturalWidth > 0)) return false;
    }
    return true;
  }
  function skeleton() {
    for (const s of document.querySelectorAll(
        '[data-testid="stSkeleton"], [data-testid="stSkeletonElement"], [data-testid="stAppSkeleton"]')) {
      if (visible(s)) return true;
    }
    return false;
  }
  let last = -1, candidate = null, stable = 0;
  function tick() {
    b.frames++;
    const now = performance.now();
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app ? app.getAttribute('data-test-script-state') : null;
    b.state = state;
    if (state === 'running') mark('script running', now);
    if (state === 'notRunning') mark('script notRunning', now);
    const there = content();
    if (there) mark('content', now);
    const images = there && imagesComplete();
    if (images) mark('images complete', now);
    const ok = state === 'notRunning' && images && !skeleton();
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

# What the page showed and how it was fetched, read once it is done: for the report, not timing.
INSPECT_JS = """
() => {
  const nav = performance.getEntriesByType('navigation')[0] || {};
  const resources = performance.getEntriesByType('resource');
  const loaded = resources.filter((r) => ['script', 'link', 'css'].includes(r.initiatorType));
  const dialogs = [...document.querySelectorAll('[role="dialog"]')].map((d) => d.innerText);
  const exc = document.querySelector('[data-testid="stException"]');
  const h1 = document.querySelector('[data-testid="stMain"] h1');
  const images = [...document.images];
  return {
    path: location.pathname + location.search,
    not_found: dialogs.some((t) => /page not found/i.test(t)),
    exceptions: document.querySelectorAll('[data-testid="stException"]').length,
    exception_text: exc ? exc.innerText.slice(0, 300) : '',
    title: h1 ? h1.innerText : '',
    images: images.length,
    image_bytes: images.reduce((n, i) => n + (i.currentSrc || i.src || '').length, 0),
    navigation_type: nav.type || '',
    response_start_ms: nav.responseStart || null,
    response_end_ms: nav.responseEnd || null,
    dom_content_loaded_ms: nav.domContentLoadedEventEnd || null,
    load_ms: nav.loadEventEnd || null,
    scripts_and_styles: loaded.length,
    scripts_and_styles_from_cache: loaded.filter((r) => r.transferSize === 0).length,
    scripts_and_styles_loaded_ms: loaded.length ? Math.max(...loaded.map((r) => r.responseEnd)) : null,
    // Fetched after the document's own scripts ran: lazily loaded code, the page's own files.
    late_resources: resources
      .filter((r) => r.startTime > (nav.domContentLoadedEventEnd || 0))
      .map((r) => [r.name.split('/').pop().slice(0, 40), r.startTime, r.responseEnd, r.transferSize]),
    transfer_bytes: resources.reduce((n, r) => n + (r.transferSize || 0), nav.transferSize || 0),
  };
}
"""


def _alive_always() -> str | None:
    return None


def new_context(browser: Any, limit_ms: int) -> Any:
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.add_init_script(WATCHER_JS % {"limit_ms": limit_ms})
    return ctx


def load(
    page: Any, url: str, timeout_ms: int, alive: Callable[[], str | None] = _alive_always
) -> dict[str, Any]:
    """Navigate `page` (a tab) to `url`; return the page's own timings and what it showed.

    `alive()` names a dead server (else None): checked before and while waiting, so a server
    stopped by someone else costs seconds, not a timeout per visit.
    """
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if dead := alive():
        return {"ok": False, "error": dead}
    try:
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
        b = page.evaluate("() => window.__bench")
        if b.get("gaveUp"):
            return {"ok": False, "error": f"not done within the limit (state {b.get('state')})"}
        return {
            "ok": True,
            "ms": b["done"],
            "marks": b["marks"],
            "messages": b["messages"],
            "elements": b["elements"],
            **page.evaluate(INSPECT_JS),
        }
    except PlaywrightError as exc:
        return {"ok": False, "error": str(exc).strip().splitlines()[0][:200]}


def first_visit(
    browser: Any, url: str, timeout_ms: int, alive: Callable[[], str | None] = _alive_always
) -> dict[str, Any]:
    """A reader who has never been here: a new context (empty cache), one tab, one load."""
    ctx = new_context(browser, timeout_ms)
    try:
        return load(ctx.new_page(), url, timeout_ms, alive)
    finally:
        ctx.close()


def measure(
    browser: Any,
    targets: list[dict[str, str]],
    rounds: int,
    timeout_ms: int,
    label: str,
    alive: Callable[[], str | None] = _alive_always,
) -> dict[str, dict[str, Any]]:
    """Per target ({"name", "url"}): one visit right after the server started (server cold, not
    counted), `rounds` first visits and `rounds` returning-reader loads.

    Targets take turns within a round (in a rotating order), so drift hits all alike.
    """
    res: dict[str, dict[str, Any]] = {
        t["name"]: {"url": t["url"], "first": [], "returning": []} for t in targets
    }

    def order(r: int) -> list[dict[str, str]]:
        k = r % len(targets)
        return targets[k:] + targets[:k]

    say(f"[{label}] server warm-up: the first visit of each page after the server started")
    for t in targets:
        res[t["name"]]["server_cold"] = first_visit(browser, t["url"], timeout_ms, alive)

    for r in range(rounds):
        say(f"[{label}] first visit, round {r + 1}/{rounds}")
        for t in order(r):
            res[t["name"]]["first"].append(first_visit(browser, t["url"], timeout_ms, alive))

    contexts = {t["name"]: new_context(browser, timeout_ms) for t in targets}
    try:
        tabs = {name: ctx.new_page() for name, ctx in contexts.items()}
        for t in targets:  # the reader's earlier visit: fills the tab's cache
            res[t["name"]]["returning_warmup"] = load(tabs[t["name"]], t["url"], timeout_ms, alive)
        for r in range(rounds):
            say(f"[{label}] returning reader, round {r + 1}/{rounds}")
            for t in order(r):
                res[t["name"]]["returning"].append(
                    load(tabs[t["name"]], t["url"], timeout_ms, alive)
                )
    finally:
        for ctx in contexts.values():
            with contextlib.suppress(Exception):
                ctx.close()
    return res


# ---------------------------------------------------------------------------------------------
# the report


def summarize(visits: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [v for v in visits if v.get("ok")]
    times = [v["ms"] for v in ok]
    return {
        "n": len(ok),
        "failed": len(visits) - len(ok),
        "errors": sorted({v["error"] for v in visits if not v.get("ok")}),
        "median_ms": median(times),
        "p90_ms": p90(times),
        "min_ms": min(times) if times else None,
        "max_ms": max(times) if times else None,
        "script_done_median_ms": median(
            [v["marks"]["script notRunning"] for v in ok if "script notRunning" in v["marks"]]
        ),
        "navigation_types": sorted({v["navigation_type"] for v in ok}),
        "exceptions": max((v["exceptions"] for v in ok), default=0),
        "not_found": any(v.get("not_found") for v in ok),
        "paths": sorted({v["path"] for v in ok}),
    }


def table(
    res: dict[str, dict[str, Any]], blank: dict[str, float | None]
) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The printed table and, per page and mode, its summary with the ratio to blank."""
    head = (
        f"{'page':<14} {'url':<20} {'mode':<9} {'n':>2} {'median':>7} {'p90':>7} {'min':>7} "
        f"{'max':>7} {'script':>7} {'ratio':>6}  notes"
    )
    lines = [head, "-" * len(head)]
    summary: dict[str, dict[str, Any]] = {}
    for name, r in res.items():
        summary[name] = {}
        for mode in MODES:
            s = summarize(r[mode])
            base = blank.get(mode)
            s["ratio"] = s["median_ms"] / base if s["median_ms"] and base else None
            summary[name][mode] = s
            notes = []
            if s["failed"]:
                notes.append(f"{s['failed']} failed: {'; '.join(s['errors'])}")
            if s["exceptions"]:
                notes.append("exception shown")
            if s["not_found"]:
                notes.append("'Page not found'")
            if s["paths"] and s["paths"] != [r["url"]]:
                notes.append(f"address became {', '.join(s['paths'])}")
            lines.append(
                f"{name:<14} {r['url']:<20} {mode:<9} {s['n']:>2} {ms(s['median_ms']):>7} "
                f"{ms(s['p90_ms']):>7} {ms(s['min_ms']):>7} {ms(s['max_ms']):>7} "
                f"{ms(s['script_done_median_ms']):>7} {ratio(s['ratio']):>6}  " + ", ".join(notes)
            )
        summary[name]["server_cold_ms"] = r.get("server_cold", {}).get("ms")
    return lines, summary


def median_visit(visits: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The visit whose time is the median (the lower middle one for an even count)."""
    ok = sorted((v for v in visits if v.get("ok")), key=lambda v: v["ms"])
    return ok[(len(ok) - 1) // 2] if ok else None


def _events(v: dict[str, Any]) -> dict[str, float | None]:
    """A visit's moments, in the order a page goes through them (ms since navigation start)."""
    marks, messages = v["marks"], v["messages"]

    def arrived(kind: str, last: bool = False) -> float | None:
        times = [t for t, k, _ in messages if k == kind]
        return (times[-1] if last else times[0]) if times else None

    return {
        "navigation start": 0.0,
        "response end (the HTML)": v["response_end_ms"],
        "last script or style loaded": v["scripts_and_styles_loaded_ms"],
        "DOM content loaded": v["dom_content_loaded_ms"],
        "websocket open": marks.get("websocket open"),
        "first message sent (rerun request)": marks.get("first message sent"),
        "new_session received": arrived("new_session"),
        "first delta received": arrived("delta"),
        "script state running (frame)": marks.get("script running"),
        "content in the DOM (frame)": marks.get("content"),
        "last delta received": arrived("delta", last=True),
        "images complete (frame)": marks.get("images complete"),
        "script_finished received": arrived("script_finished"),
        "script state notRunning (frame)": marks.get("script notRunning"),
        "final frame (done)": v["ms"],
    }


def timeline(
    res: dict[str, dict[str, Any]], names: list[str], mode: str
) -> tuple[list[str], dict[str, Any]]:
    """Side by side for `names` (e.g. blank and one page): the moments of each one's median
    visit in `mode`, then that visit's websocket messages."""
    visits = {n: median_visit(res[n][mode]) for n in names if n in res}
    visits = {n: v for n, v in visits.items() if v is not None}
    if not visits:
        return ["(no successful visit to show)"], {}
    events = {n: _events(v) for n, v in visits.items()}
    w = 16
    lines = [f"{'ms since navigation start':<38}" + "".join(f"{n:>{w}}" for n in visits)]
    for key in next(iter(events.values())):
        lines.append(f"  {key:<36}" + "".join(f"{ms(e[key]):>{w}}" for e in events.values()))
    rows = {
        "navigation type": lambda v: v["navigation_type"],
        "scripts and styles from cache": lambda v: (
            f"{v['scripts_and_styles_from_cache']} of {v['scripts_and_styles']}"
        ),
        "images; their data": lambda v: f"{v['images']}; {kb(v['image_bytes'])}",
    }
    for label, cell in rows.items():
        lines.append(f"  {label:<36}" + "".join(f"{cell(v):>{w}}" for v in visits.values()))
    for n, v in visits.items():
        lines.append("")
        total = sum(size for _, _, size in v["messages"])
        lines.append(f"websocket messages of {n} ({len(v['messages'])}, {kb(total)}):")
        lines += [f"  {ms(t):>7} ms  {k:<22} {size:>9,} B" for t, k, size in v["messages"]]
        if v["late_resources"]:
            lines.append(f"fetched after DOM content loaded, by {n} (start → end, bytes sent):")
            lines += [
                f"  {ms(start):>7} → {ms(end):>5} ms  {name:<40} {size:>9,} B"
                for name, start, end, size in v["late_resources"]
            ]
    return lines, {n: {"events": events[n], "messages": v["messages"]} for n, v in visits.items()}
