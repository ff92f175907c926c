"""The server's memory trimmer (dashboard/web/memory.py): glibc's malloc_trim when readers leave,
started once per process, harmless where there is no glibc."""

from __future__ import annotations

import gc
import os
import platform
import threading
import time
import weakref

import pandas as pd
import pytest
from streamlit.runtime.memory_session_storage import MemorySessionStorage
from streamlit.runtime.session_manager import SessionInfo
from streamlit.runtime.websocket_session_manager import WebsocketSessionManager

from dashboard.web import memory, render

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
def test_malloc_trim_is_callable_and_returns_memory():
    trim = memory.malloc_trim()
    assert trim is not None
    blocks = [bytearray(64 * 1024) for _ in range(2000)]  # about 128 MB in small heap blocks
    del blocks[::2]  # free every other one: holes a heap cannot give back by itself
    assert trim() in (0, 1)  # 1: memory was released, 0: there was none to release


def test_no_glibc_means_no_trim(monkeypatch):
    monkeypatch.setattr(memory.platform, "libc_ver", lambda: ("", ""))
    assert memory.malloc_trim() is None
    monkeypatch.setattr(memory, "_STARTED", [])
    assert memory.start() is None  # nothing to call: no thread
    assert not memory._STARTED


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("", 30.0), ("5", 5.0), ("0", 0.0), ("abc", 30.0), ("-1", 30.0), (" 2.5 ", 2.5)],
)
def test_interval_from_the_environment(monkeypatch, raw, seconds):
    monkeypatch.setenv("KRIMDASH_TRIM_EVERY", raw)
    assert memory.interval() == seconds


def test_turned_off_by_zero(monkeypatch):
    monkeypatch.setenv("KRIMDASH_TRIM_EVERY", "0")
    monkeypatch.setattr(memory, "_STARTED", [])
    assert memory.start() is None
    assert not memory._STARTED


@pytest.mark.skipif(not GLIBC, reason="the trimmer runs on glibc only")
def test_started_once_per_process(monkeypatch):
    monkeypatch.setenv("KRIMDASH_TRIM_EVERY", "3600")
    monkeypatch.setattr(memory, "_STARTED", [])
    got: list[memory.Trimmer | None] = []
    callers = [threading.Thread(target=lambda: got.append(memory.start())) for _ in range(8)]
    for t in callers:
        t.start()
    for t in callers:
        t.join()
    trimmer = memory.start()
    try:
        assert trimmer is not None and trimmer.is_alive() and trimmer.daemon
        assert all(g is trimmer for g in got)  # eight page runs at once, one thread
        mine = [t for t in threading.enumerate() if t is trimmer]
        assert len(mine) == 1
    finally:
        trimmer.stopping.set()
        trimmer.join(timeout=5)
    assert not trimmer.is_alive()


def test_trims_when_sessions_leave_and_after_quiet_rounds():
    # (connected, held): readers come, two leave (still held for reconnection), their time is
    # up (dropped), the rest leave; then quiet rounds
    looks = (
        [(3, 3), (5, 5), (3, 5), (3, 5), (3, 3), (0, 3)] + [(0, 0)] + [(0, 0)] * memory.IDLE_ROUNDS
    )
    counts = iter(looks)
    trims: list[int] = []
    reaps: list[int] = []
    idles: list[int] = []
    trimmer = memory.Trimmer(
        1,
        trim=lambda: trims.append(1) or 1,
        count=lambda: next(counts),
        reap=lambda: reaps.append(1),
        idle=lambda: idles.append(trimmer.trims),
    )
    last, rounds = (0, 0), 0
    seen = []
    for _ in looks:
        last, rounds = trimmer.step(last, rounds)
        seen.append(trimmer.trims)
    # the drawing process ends once, when the last kept session has gone, before that trim
    assert idles == [3]
    # readers came: no trim; two left: trim; no change: none; their sessions dropped: trim;
    # the rest left: trim; their sessions dropped: trim; then quiet rounds until the tenth.
    assert seen[:7] == [0, 0, 1, 1, 2, 3, 4]
    assert seen[7 + memory.IDLE_ROUNDS - 2] == 4 and seen[-1] == 5
    assert len(reaps) == len(looks)  # expired sessions are dropped on every look


def test_a_failing_look_does_not_end_the_thread():
    looks = threading.Event()
    calls = []

    def count() -> int:
        calls.append(1)
        if len(calls) >= 3:
            looks.set()
        raise RuntimeError("boom")

    trimmer = memory.Trimmer(0.01, trim=lambda: 0, count=count, reap=lambda: None)
    trimmer.start()
    try:
        assert looks.wait(5)  # it went on looking after the first failure
        assert trimmer.is_alive()
    finally:
        trimmer.stopping.set()
        trimmer.join(timeout=5)


class _Session:
    def __init__(self, id_: str) -> None:
        self.id = id_


def test_expired_disconnected_sessions_are_dropped():
    """Streamlit keeps a disconnected session for reconnection and forgets it only when its
    store is next written to; the trimmer drops the expired ones itself."""
    storage = MemorySessionStorage(ttl_seconds=0.2)
    manager = WebsocketSessionManager(storage, None, None, None)  # type: ignore[arg-type]
    old = _Session("left")
    storage.save(SessionInfo(client=None, session=old))  # type: ignore[arg-type]
    gone = weakref.ref(old)
    del old
    time.sleep(0.3)
    gc.collect()
    assert gone() is not None  # past its TTL, still held
    memory.drop_expired_sessions(manager)
    gc.collect()
    assert gone() is None
    fresh = _Session("here")
    storage.save(SessionInfo(client=None, session=fresh))  # type: ignore[arg-type]
    memory.drop_expired_sessions(manager)
    assert [i.session for i in manager.list_sessions()] == [fresh]  # a live one stays


def test_no_server_no_sessions():
    assert memory.session_count() == (0, 0)
    memory.drop_expired_sessions()  # no running server: nothing to do, no error


# --- the chart drawing process (render.Drawer) ----------------------------------------------


def small_spec(title: str = "Antal") -> str:
    from dashboard.web import charts

    data = pd.DataFrame(
        {
            "month": pd.to_datetime(["2025-01-01", "2025-02-01"]),
            "value": [3.0, 5.0],
            "description": ["januar 2025: 3", "februar 2025: 5"],
        }
    )
    chart = charts.time_chart(data, months=list(data["month"]), value_title=title, bars=True)
    return render._spec_json(chart)


def test_charts_are_drawn_in_a_process_of_their_own_as_vl_convert_draws_them():
    import vl_convert

    drawer = render.Drawer()
    try:
        spec = small_spec()
        svg = drawer.draw(spec, "da-DK")
        assert svg == vl_convert.vegalite_to_svg(
            spec, format_locale="da-DK", time_format_locale="da-DK"
        )
        assert drawer.running() and drawer.started == 1
        assert drawer._process.pid != os.getpid()
        assert drawer.draw(small_spec("Andel"), "en-US") != svg  # the same process again
        assert drawer.started == 1
    finally:
        drawer.stop()
    assert not drawer.running()


def test_a_stopped_or_killed_drawing_process_is_started_again():
    drawer = render.Drawer()
    try:
        spec = small_spec()
        first = drawer.draw(spec, "da-DK")
        assert drawer.stop() and not drawer.running()
        assert drawer.draw(spec, "da-DK") == first and drawer.started == 2
        drawer._process.kill()  # as the system might, e.g. out of memory
        drawer._process.wait()
        assert drawer.draw(spec, "da-DK") == first and drawer.started == 3
    finally:
        drawer.stop()


def test_a_chart_vl_convert_cannot_draw_is_an_error_and_the_process_goes_on():
    drawer = render.Drawer()
    try:
        with pytest.raises(render.DrawingFailed):
            drawer.draw('{"mark": "no such mark", "data": {"values": []}}', "da-DK")
        assert drawer.running() and drawer.started == 1
        assert "<svg" in drawer.draw(small_spec(), "da-DK")
    finally:
        drawer.stop()


def test_when_the_readers_have_gone_the_drawing_process_ends_and_drawings_are_forgotten():
    render._picture(small_spec("Tom server"), "da-DK")
    assert render.DRAWERS.running() >= 1
    assert render._picture.cache_info().currsize >= 1
    memory._render_idle()  # what the trimmer calls when the last session has gone
    assert render.DRAWERS.running() == 0
    assert render._picture.cache_info().currsize == 0


def test_a_second_drawing_process_starts_only_when_two_charts_are_drawn_at_once():
    drawers = render.Drawers(2)
    spec = small_spec()
    try:
        for _ in range(3):
            drawers.draw(spec, "da-DK")
        assert drawers.running() == 1  # one after the other: one process
        barrier = threading.Barrier(2)
        real = [d.draw for d in drawers.every]

        def slow(draw):  # both drawings are under way at the same moment
            def drawing(spec_json: str, locale: str) -> str:
                barrier.wait(timeout=30)
                return draw(spec_json, locale)

            return drawing

        for drawer, draw in zip(drawers.every, real, strict=True):
            drawer.draw = slow(draw)  # type: ignore[method-assign]
        out: list[str] = []
        both = [
            threading.Thread(target=lambda: out.append(drawers.draw(spec, "da-DK")))
            for _ in range(2)
        ]
        for t in both:
            t.start()
        for t in both:
            t.join(timeout=60)
        assert len(out) == 2 and out[0] == out[1]
        assert drawers.running() == 2
    finally:
        assert drawers.stop() == 2
    assert drawers.running() == 0
