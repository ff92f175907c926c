"""Giving the server's memory back when readers leave (issue 9, load).

Under load (bench/load.py: 50 readers) the server's RSS rose by about 100 MB and stayed there after
every reader had gone, through Streamlit's disconnectedSessionTTL and after its caches were
emptied. Three things kept it:

- the charts' drawings, kept per process by functools caches in render.py that Streamlit's
  "clear cache" does not reach: up to 1024 scenegraphs of about 85 kB of dicts each (now the SVG
  and the hover boxes only, at most 256: see render.CHARTS_KEPT);
- memory the page runs (pandas, Arrow, DuckDB results, the page HTML of 50 sessions) freed, but
  that glibc's malloc keeps in its heaps (one arena per script thread): glibc returns free memory
  at the top of a heap only, and free pages inside a heap stay in the process until
  `malloc_trim` is called;
- Streamlit keeps a disconnected session (its session state, its last page) for reconnection for
  `server.disconnectedSessionTTL` seconds, but only drops it when the store of those sessions is
  next written to: when the next reader connects, which after a committee meeting may be hours.

- vl-convert's JavaScript engine (V8), which draws the charts: its heap grows by some 30 MB as
  it draws many charts and is never handed back. Charts are now drawn in a process of their own
  (render.Drawer), which this thread ends when the server has no readers left (render.idle),
  together with the kept drawings; the next chart starts it again.

One thread per server process (started by the first page run, once) wakes every
`KRIMDASH_TRIM_EVERY` seconds (30; 0: off) and drops the kept sessions whose time is up. When
readers have left or sessions were dropped since it last looked, or when it has not trimmed for
ten rounds, it calls glibc's `malloc_trim(0)`, which hands the free
pages of every arena back to the system (2 ms with nothing to give back, 42 ms to give back
220 MB in a test; the memory stays usable by the process, it is just no longer counted as its
RSS). On a system without glibc (musl, macOS,
Windows) the thread does not start: there is nothing to call, and nothing changes.
"""

from __future__ import annotations

import ctypes
import logging
import platform
import threading
import time
from collections.abc import Callable

from dashboard import config

LOGGER = logging.getLogger(__name__)
IDLE_ROUNDS = 10  # trim at least every this many rounds, readers leaving or not


def malloc_trim() -> Callable[[], int] | None:
    """glibc's malloc_trim(0), or None where there is no glibc (musl, macOS, Windows)."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return lambda: trim(0)


def interval() -> float:
    """Seconds between the trimmer's looks: config.trim_every_s (KRIMDASH_TRIM_EVERY, 0: off),
    the default where the variable is not a number of seconds (said in the server's log: a page
    run must not fail on it)."""
    try:
        return config.trim_every_s()
    except ValueError as exc:
        LOGGER.warning("%s; using %s", exc, config.DEFAULT_TRIM_EVERY_S)
        return config.DEFAULT_TRIM_EVERY_S


def _session_manager():  # noqa: ANN202 - Streamlit's SessionManager, if a server runs
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return None
    return getattr(Runtime.instance(), "_session_mgr", None)


def session_count() -> tuple[int, int]:
    """(connected sessions, all sessions the server holds: connected ones and disconnected ones
    kept for reconnection); (0, 0) without a running Streamlit server, as in AppTest."""
    manager = _session_manager()
    if manager is None:
        return 0, 0
    return len(manager.list_active_sessions()), len(manager.list_sessions())


def drop_expired_sessions(manager: object | None = None) -> None:
    """Let Streamlit drop the disconnected sessions whose disconnectedSessionTTL has passed now,
    not when the next reader connects. Its session store (MemorySessionStorage, a TTLCache) reaps
    them on expire(); a Streamlit without that store is left alone. `manager`: the running
    server's session manager unless given."""
    manager = manager if manager is not None else _session_manager()
    storage = getattr(manager, "_session_storage", None)
    lock = getattr(manager, "_storage_lock", None)
    expire = getattr(getattr(storage, "_cache", None), "expire", None)
    if expire is None or lock is None:
        return
    with lock:  # the manager's own lock around its session store
        expire()


class Trimmer(threading.Thread):
    """The server's one trimming thread (see the module's text)."""

    def __init__(
        self,
        every: float,
        trim: Callable[[], int],
        count: Callable[[], tuple[int, int]] = session_count,
        reap: Callable[[], None] = drop_expired_sessions,
        idle: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(name="krimdash-malloc-trim", daemon=True)
        self.every, self._trim, self._count, self._reap = every, trim, count, reap
        self._idle = idle if idle is not None else _render_idle
        self.stopping = threading.Event()
        self.trims = 0  # how many times it trimmed (tests, logs)
        self.last_s = 0.0  # seconds the last trim took

    def step(self, last: tuple[int, int], rounds: int) -> tuple[tuple[int, int], int]:
        """One look: trim if readers have left (fewer connected sessions) or sessions have been
        dropped (fewer held) since the last look, or after IDLE_ROUNDS quiet rounds. When the
        last session has gone (none connected, none kept), first end the chart drawing process
        and forget the kept drawings (render.idle). Returns the session counts and the rounds
        since the last trim."""
        self._reap()
        count = self._count()
        if count == (0, 0) and last != (0, 0):
            self._idle()
        rounds += 1
        if count[0] < last[0] or count[1] < last[1] or rounds >= IDLE_ROUNDS:
            started = time.perf_counter()
            self._trim()
            self.last_s = time.perf_counter() - started
            self.trims += 1
            rounds = 0
        return count, rounds

    def run(self) -> None:
        last, rounds = (0, 0), 0
        while not self.stopping.wait(self.every):
            try:
                last, rounds = self.step(last, rounds)
            except Exception:  # a look that fails must never take the server down
                LOGGER.exception("the memory trimmer's look failed")


def _render_idle() -> None:
    from dashboard.web import render

    render.idle()


_STARTED: list[Trimmer] = []  # the process's one trimmer, once started
_START_LOCK = threading.Lock()


def start() -> Trimmer | None:
    """Start the process's trimmer, once: every page run calls this (app.py), and every later
    call returns the same thread, whatever Streamlit's caches are cleared. None where it is off
    (no glibc, or KRIMDASH_TRIM_EVERY=0)."""
    with _START_LOCK:
        if _STARTED:
            return _STARTED[0]
        every, trim = interval(), malloc_trim()
        if every <= 0 or trim is None:
            return None
        trimmer = Trimmer(every, trim)
        trimmer.start()
        _STARTED.append(trimmer)
        LOGGER.info("memory trimmer started: malloc_trim every %s s as readers leave", every)
        return trimmer
