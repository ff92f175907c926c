"""One reader's session on a running dashboard, spoken as Streamlit's own frontend speaks it: a
websocket on /_stcore/stream that holds the session, a BackMsg `rerun_script` with the page's
address (`side=top100&sprog=da&fra=..&til=..`) for each page read, and the server's ForwardMsgs
until `script_finished`, which says the server ran the page's script to its end.

Plain and synchronous (websocket-client): bench/load_locust.py runs one per Locust user (under
gevent), tests/test_load.py two in threads. Fetching `/` would prove nothing (a static file); a
PageRun is only counted when the server said the script finished, and it is checked to be the
page that was asked for (the frame marks the current page's link with aria-current="page").
"""

from __future__ import annotations

import contextlib
import random
import re
import time
import urllib.request
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

# The dashboard's pages: the overview ("" = no `side`), the four initiatives, the comparison.
PAGES = ["", "top100", "knaek_kurven", "ungeteam", "ungesporet", "sammenlign"]
# The period a reader picks from: the demo data's approved months (the public view's months).
MONTHS = [f"{y}-{m:02d}" for y, m in [(2024, m) for m in range(6, 13)] + [(2025, m) for m in range(1, 12)]]  # fmt: skip
CURRENT = re.compile(r'<a href="([^"]*)"[^>]*aria-current="page"')
SUCCESS = ForwardMsg.ScriptFinishedStatus.Name(ForwardMsg.FINISHED_SUCCESSFULLY)


def page_name(page: str) -> str:
    """A page's name in the report: the overview is `overblik` (its url path)."""
    return page or "overblik"


def address(page: str, lang: str = "da", first: str | None = None, last: str | None = None) -> str:
    """The query string the app's own links give a page (dashboard/web/settings.py)."""
    params = {"side": page} if page else {}
    params["sprog"] = lang
    if first and last:
        params |= {"fra": first, "til": last}
    return urlencode(params)


@dataclass
class PageRun:
    """One page read: the server ran the script (finished) or why not (error, a short kind)."""

    page: str
    query: str
    ms: float = 0.0
    finished: bool = False  # a script_finished arrived for this run
    status: str = ""  # its status name (FINISHED_SUCCESSFULLY, ...)
    messages: int = 0
    bytes: int = 0
    shown: str | None = None  # the page the frame marks as current (its `side`, "" = overview)
    alerts: list[str] = field(default_factory=list)  # st.error/st.warning texts shown
    error: str | None = None  # None: a good run

    @property
    def ok(self) -> bool:
        return self.error is None


class Session:
    """A websocket held to the dashboard's /_stcore/stream; `read(page, query)` runs one page."""

    def __init__(self, base_url: str, timeout_s: float = 60) -> None:
        split = urlsplit(base_url)
        self.url = f"ws://{split.netloc}/_stcore/stream"
        self.timeout_s = timeout_s
        self.ws: websocket.WebSocket | None = None
        self.connects = 0
        self.script_runs = 0  # script_finished messages received

    def connect(self) -> None:
        self.close()
        # The first subprotocol entry is the one Streamlit selects; its frontend puts the XSRF
        # token second (not needed: an anonymous reader, no sign-in cookie).
        self.ws = websocket.create_connection(
            self.url, subprotocols=["streamlit"], timeout=self.timeout_s
        )
        self.connects += 1

    def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                self.ws.close(timeout=2)
            self.ws = None

    def clear_caches(self) -> None:
        """Ask the server to empty st.cache_data and st.cache_resource (for every session), as
        the frontend's "Clear cache" does (BackMsg clear_cache; no answer is sent)."""
        if self.ws is None:
            self.connect()
        msg = BackMsg()
        msg.clear_cache = True
        self.ws.send_binary(msg.SerializeToString())

    def read(self, page: str, query: str) -> PageRun:
        """Ask for a script run with `query` (as the frontend does on a page load) and read the
        server's messages until it says the script finished. Never raises: a failure is
        PageRun.error (connection, timeout, closed, exception shown, wrong page, ...)."""
        run = PageRun(page, query)
        start = time.perf_counter()
        try:
            if self.ws is None:
                self.connect()
            msg = BackMsg()
            msg.rerun_script.query_string = query
            msg.rerun_script.page_script_hash = ""
            msg.rerun_script.context_info.timezone = "Europe/Copenhagen"
            msg.rerun_script.context_info.locale = "da-DK"
            self.ws.send_binary(msg.SerializeToString())
            started = False
            while True:
                data = self.ws.recv()
                if not data:
                    raise ConnectionError("the server closed the websocket")
                run.messages += 1
                run.bytes += len(data)
                fwd = ForwardMsg()
                fwd.ParseFromString(data)
                kind = fwd.WhichOneof("type")
                if kind == "new_session":
                    started = True
                elif kind == "delta":
                    _look_at(fwd, run)
                elif kind == "page_not_found":
                    run.error = "page_not_found"
                elif kind == "script_finished" and started:
                    run.finished = True
                    run.status = ForwardMsg.ScriptFinishedStatus.Name(fwd.script_finished)
                    self.script_runs += 1
                    break
        except websocket.WebSocketTimeoutException:
            run.error = f"timeout: no script_finished within {self.timeout_s:.0f} s"
            self.close()
        except (OSError, websocket.WebSocketException, ConnectionError) as exc:
            run.error = f"connection: {type(exc).__name__}"
            self.close()
        run.ms = (time.perf_counter() - start) * 1000
        if run.error is None:
            if run.status != SUCCESS:
                run.error = f"script_finished {run.status}"
            elif run.alerts:
                run.error = f"alert: {run.alerts[0][:60]}"
            elif run.shown is None:
                run.error = "no page frame in the answer"
            elif run.shown != page:
                run.error = f"wrong page: asked {page_name(page)}, shown {page_name(run.shown)}"
        return run


def _look_at(fwd: ForwardMsg, run: PageRun) -> None:
    """What a delta shows: an exception, an alert (st.error: e.g. a busy database), the frame."""
    if fwd.delta.WhichOneof("type") != "new_element":
        return
    element = fwd.delta.new_element
    kind = element.WhichOneof("type")
    if kind == "exception":
        run.error = f"exception: {element.exception.type}"
    elif kind == "alert":
        run.alerts.append(element.alert.body)
    elif kind == "html" and run.shown is None and (m := CURRENT.search(element.html.body)):
        side = parse_qs(urlsplit(unescape(m[1])).query).get("side", [""])[0]
        run.shown = side


class Reader:
    """A reader's walk through the dashboard: another page, or the same page with another
    period, chosen at random (seeded), each as one page read."""

    def __init__(self, seed: int, lang: str = "da") -> None:
        self.rng = random.Random(seed)
        self.lang = lang
        self.page = self.rng.choice(PAGES)
        self.first, self.last = None, None

    def next_view(self) -> tuple[str, str, str]:
        """(page, query, what): `what` is "page" (another page) or "period" (fra/til changed)."""
        if self.first is None or self.rng.random() < 0.5:
            self.page = self.rng.choice([p for p in PAGES if p != self.page])
            what = "page"
            if self.first is None:
                self.first, self.last = MONTHS[0], MONTHS[-1]
        else:
            i, j = sorted(self.rng.sample(range(len(MONTHS)), 2))
            self.first, self.last = MONTHS[i], MONTHS[j]
            what = "period"
        return self.page, address(self.page, self.lang, self.first, self.last), what


# The server's own count of page runs: each page calls its page function (appdata, st.cache_data)
# exactly once per run, and Streamlit counts every lookup, hit or miss, at /_stcore/metrics.
PAGE_FUNCTIONS = ("_overview_page", "_initiative_page", "_compare_page")
LOOKUP = re.compile(r'^cache_lookups_total\{cache="([^"]+)",[^}]*\} (\d+)', re.M)
SESSION_EVENT = re.compile(r'^session_events_total\{type="(\w+)"\} (\d+)', re.M)
CACHE_BYTES = re.compile(r'^cache_memory_bytes\{[^}]*cache="([^"]+)"\} (\d+)', re.M)


def server_counts(base_url: str, timeout_s: float = 10) -> dict:
    """The server's counters from /_stcore/metrics: page runs that reached a page body (the
    lookups of the page functions), session connects/disconnects, and cache memory."""
    with urllib.request.urlopen(f"{base_url}/_stcore/metrics", timeout=timeout_s) as answer:
        text = answer.read().decode()
    runs = sum(
        int(n) for name, n in LOOKUP.findall(text) if name.rsplit(".", 1)[-1] in PAGE_FUNCTIONS
    )
    return {
        "page_runs": runs,
        "sessions": {kind: int(n) for kind, n in SESSION_EVENT.findall(text)},
        "cache_bytes": sum(int(n) for _, n in CACHE_BYTES.findall(text)),
    }
