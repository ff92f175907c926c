"""The load benchmark's client (bench/stsession.py, bench/load_locust.py) against a served app:
two sessions that hold Streamlit's websocket really make the server run page scripts, and what
they count is what the server counted (/_stcore/metrics), in plain threads and through Locust.
Timings are bench/load.py's business; nothing here asserts a time."""

from __future__ import annotations

import json
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, served
from servers import krimdash_serve

sys.path.insert(0, str(ROOT / "bench"))
import load  # noqa: E402
import stsession  # noqa: E402

ENV = {"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, demo_db: Path):
    """The dashboard served on a copy of the demo database (readers' refusals are logged beside
    the database, so not beside the shared one)."""
    folder = tmp_path_factory.mktemp("load")
    db = folder / demo_db.name
    db.write_bytes(demo_db.read_bytes())
    with served(krimdash_serve, {**ENV, "KRIMDASH_DB": str(db)}, folder / "serve.log") as server:
        server.log = folder / "serve.log"  # type: ignore[attr-defined]
        yield server


def test_two_sessions_count_the_script_runs_the_server_did(app) -> None:
    before = stsession.server_counts(app.url)
    # Fetching the page itself is a static file: no script runs.
    with urllib.request.urlopen(app.url + "/?side=top100", timeout=30) as answer:
        assert b"<html" in answer.read().lower()
    assert stsession.server_counts(app.url)["page_runs"] == before["page_runs"]

    reads = 3
    results: dict[int, tuple[stsession.Session, list[stsession.PageRun], list[str]]] = {}

    def reader(number: int) -> None:
        session = stsession.Session(app.url, timeout_s=120)
        walk = stsession.Reader(seed=number)
        runs, whats = [], []
        try:
            for _ in range(reads):
                page, query, what = walk.next_view()
                runs.append(session.read(page, query))
                whats.append(what)
        finally:
            session.close()
            results[number] = (session, runs, whats)

    threads = [threading.Thread(target=reader, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert sorted(results) == [1, 2]

    after = stsession.server_counts(app.url)
    for session, runs, _ in results.values():
        assert [r.error for r in runs] == [None] * reads
        assert all(r.finished and r.status == "FINISHED_SUCCESSFULLY" for r in runs)
        assert [r.shown for r in runs] == [r.page for r in runs]  # the page asked for ran
        assert session.script_runs == reads  # one script_finished per read
        assert session.connects == 1  # one websocket held for every read
    # The server ran exactly the page scripts the readers counted.
    assert after["page_runs"] - before["page_runs"] == 2 * reads
    assert after["sessions"]["connect"] - before["sessions"]["connect"] == 2


def test_a_page_that_does_not_exist_is_not_counted_as_read(app) -> None:
    session = stsession.Session(app.url, timeout_s=120)
    try:
        run = session.read("ingen_side", stsession.address("ingen_side"))
    finally:
        session.close()
    assert run.finished  # the script ran (and showed the overview) ...
    assert run.error == "wrong page: asked ingen_side, shown overblik"  # ... but not the page


def test_locust_users_report_the_runs_the_server_did(app, tmp_path: Path) -> None:
    args = load.parser().parse_args(
        ["--sessions", "2", "--spawn-rate", "2", "--duration", "3", "--think", "0.1,0.3"]
    )
    before = stsession.server_counts(app.url)
    result = load.run_locust(args, app.url, tmp_path / "locust.json", tmp_path / "locust.log")
    after = stsession.server_counts(app.url)

    counts, total = result["counts"], result["locust"]["total"]
    assert result["exit"] == 0
    assert counts["users_started"] == counts["users_stopped"] == 2
    assert counts["connects"] == 2
    assert result["locust"]["errors"] == {}
    assert total["failures"] == 0
    assert total["n"] == counts["script_finished"] == len(result["runs"]) > 0
    assert after["page_runs"] - before["page_runs"] == counts["script_finished"]
    names = {r["page"] for r in result["runs"]}
    assert names <= {stsession.page_name(p) for p in stsession.PAGES}
    assert set(result["locust"]["pages"]) == names
    assert sum(e["n"] for e in result["locust"]["pages"].values()) == total["n"]
    assert json.loads((tmp_path / "locust.json").read_text())["counts"] == counts


def test_a_client_asking_to_empty_every_cache_is_refused(app) -> None:
    """BackMsg clear_cache from any websocket client would empty st.cache_data and
    st.cache_resource for every reader (Streamlit's AppSession): krimdash refuses it outside
    development mode, so one script cannot make every page be built again. (What refusing
    keeps is checked below on the handler itself: Streamlit's cache estimate in
    /_stcore/metrics does not drop when the caches are emptied.)"""
    refused = "refused a request to empty every cache (BackMsg clear_cache)"
    before = app.log.read_text(errors="replace").count(refused)
    attacker = stsession.Session(app.url, timeout_s=120)
    try:
        assert attacker.read("top100", stsession.address("top100")).error is None
        attacker.clear_caches()
        deadline = time.monotonic() + 30
        while app.log.read_text(errors="replace").count(refused) == before:
            assert time.monotonic() < deadline, "the server did not refuse clear_cache"
            time.sleep(0.2)
        # the session goes on reading, and the server still serves
        assert attacker.read("top100", stsession.address("top100")).error is None
    finally:
        attacker.close()
    assert app.alive()


def test_in_development_mode_clear_cache_still_empties_the_caches(monkeypatch) -> None:
    import streamlit as st
    from streamlit.runtime.app_session import AppSession

    from dashboard.web import appdata

    calls: list[int] = []

    @st.cache_data
    def cached(x: int) -> int:
        calls.append(x)
        return x

    class Session:
        class _session_state:  # noqa: N801 - what AppSession's handler clears
            cleared = 0

            @classmethod
            def clear(cls) -> None:
                cls.cleared += 1

    cached(1)
    AppSession._handle_clear_cache_request(Session())  # type: ignore[arg-type]
    cached(1)
    assert calls == [1] and Session._session_state.cleared == 0  # refused: still cached
    real = appdata.streamlit_config.get_option
    monkeypatch.setattr(
        appdata.streamlit_config,
        "get_option",
        lambda name: True if name == "global.developmentMode" else real(name),
    )
    AppSession._handle_clear_cache_request(Session())  # type: ignore[arg-type]
    cached(1)
    assert calls == [1, 1] and Session._session_state.cleared == 1
