"""Fault test: a second writer. Two `krimdash import`s at once, and imports while the app serves.

DuckDB lets one process hold the file for writing, so two writers must end one after the other
(the second waits for the lock) or the second is told in Danish to try again (exit code 4,
EXIT_DATABASE, nothing saved). Either way nothing is lost and nothing is saved twice: the export
afterwards equals the export of the same files imported one by one, and every file's batch is in
the audit log once, with exactly its figures under it.

All real processes: the CLI as an analyst runs it, a served app (tests/servers.py) read by
websocket sessions that run its page scripts, as a browser's would.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import textwrap
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from servers import krimdash_serve, serving

from dashboard.cli import EXIT_DATABASE
from dashboard.db import Store
from dashboard.exports import export_csv

ROOT = Path(__file__).resolve().parent.parent
NOTE = "DEMO: fiktivt tal (fejltest)"  # still demo figures: the public view stays as it is
ACK = ("--accept-warnings", "--note", "fejltest: fiktive måneder")
BUSY = "optaget af en anden proces"


def _months_after(export: bytes, first: date, count: int) -> list[dict[str, str]]:
    """Rows for `count` months from `first`, each month with the values of the last exported
    month (so cumulative figures do not fall), marked as demo."""
    rows = list(csv.DictReader(io.StringIO(export.decode("utf-8"))))
    last = max(r["month"] for r in rows)
    out = []
    for n in range(count):
        month = date(first.year + (first.month - 1 + n) // 12, (first.month - 1 + n) % 12 + 1, 1)
        out += [dict(r, month=f"{month:%Y-%m}", note=NOTE) for r in rows if r["month"] == last]
    return out


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=["month", "measure", "category", "value", "note"]
        )
        writer.writeheader()
        writer.writerows(rows)
    return path


class Files:
    """Two files of new demo months, disjoint, and the database they go into."""

    def __init__(self, db: Path, folder: Path):
        self.db = db
        self.before = export_csv(Store(db))
        self.one = _write(
            folder / "maaned_1_5.csv", _months_after(self.before, date(2026, 1, 1), 5)
        )
        self.two = _write(
            folder / "maaned_6_10.csv", _months_after(self.before, date(2026, 6, 1), 5)
        )
        self.rows = {
            p.name: len(p.read_text(encoding="utf-8").splitlines()) - 1
            for p in (self.one, self.two)
        }

    def import_(self, path: Path, **env: str) -> subprocess.Popen:
        """`krimdash import` in its own process, started now."""
        return subprocess.Popen(
            [sys.executable, "-m", "dashboard.cli", "import", str(path), "--user", "FAS", *ACK],
            cwd=ROOT,
            env={**os.environ, "KRIMDASH_DB": str(self.db), "KRIMDASH_USER": "analytiker", **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )


@pytest.fixture
def files(demo_db, own_copy, tmp_path) -> Files:
    return Files(own_copy(demo_db), tmp_path)


@pytest.fixture
def expected(files, tmp_path, krimdash) -> dict[str, bytes]:
    """The exports after importing file one, and after files one and two, one by one (on a copy
    of the database made before either)."""
    out = {}
    (tmp_path / "reference").mkdir()
    db = tmp_path / "reference" / "krimdash.duckdb"
    for source in (files.db, files.db.with_name(files.db.name + ".wal")):
        if source.exists():
            db.with_name(source.name).write_bytes(source.read_bytes())
    for name, path in (("one", files.one), ("both", files.two)):
        done = krimdash("import", path, "--user", "FAS", *ACK, db=db)
        assert done.code == 0, done.err
        out[name] = export_csv(Store(db))
    return out


class Holder:
    """Another process holding the database for writing until released (or `limit` s): imports
    started meanwhile meet it and wait, and are let go together, so they really contend."""

    def __init__(self, db: Path, limit: float = 30):
        code = """
            import sys, select, duckdb
            conn = duckdb.connect(sys.argv[1])
            print("READY", flush=True)
            select.select([sys.stdin], [], [], float(sys.argv[2]))
            conn.close()
            """
        self.process = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(code), str(db), str(limit)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "READY"

    def release(self) -> None:
        self.process.communicate("\n", timeout=60)


def _finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=120)
    assert "Traceback" not in out + err, out + err
    return process.returncode, out, err


def _audit(db: Path) -> dict[str, list[tuple[int, int, int]]]:
    """file name -> [(batch id, n_new, revisions stored under it)] in the audit log."""
    with Store(db).reader() as conn:
        rows = conn.execute(
            "select b.id, b.file_name, b.n_new + b.n_changed, "
            "(select count(*) from figure_revisions r where r.batch_id = b.id) "
            "from batches b where b.file_name is not null order by b.id"
        ).fetchall()
    out: dict[str, list[tuple[int, int, int]]] = {}
    for batch_id, name, saved, stored in rows:
        out.setdefault(name, []).append((batch_id, saved, stored))
    return out


def _told_to_retry(code: int, out: str, err: str) -> bool:
    """Whether an import was refused as busy, in Danish, with nothing saved."""
    if code != EXIT_DATABASE:
        return False
    assert BUSY in err and "Prøv igen" in err, err
    assert "Gemt som" not in out
    return True


def _assert_once_each(files: Files, names: list[str]) -> None:
    audit = _audit(files.db)
    for name in names:
        assert len(audit.get(name, [])) == 1, (name, audit)
        _, saved, stored = audit[name][0]
        assert saved == stored == files.rows[name], (name, audit)


def test_two_imports_at_once_end_one_after_the_other(files, expected):
    holder = Holder(files.db)
    one, two = files.import_(files.one), files.import_(files.two)
    time.sleep(2.5)  # both have started, read their files and wait for the lock
    holder.release()
    results = [_finish(one), _finish(two)]
    for code, _, err in results:
        assert code == 0, err  # the default wait (20 s) outlasts the other's write
    assert all("Gemt som indlæsning" in out for _, out, _ in results)
    _assert_once_each(files, [files.one.name, files.two.name])
    ids = sorted(
        batch for name in (files.one.name, files.two.name) for batch, _, _ in _audit(files.db)[name]
    )
    assert ids[1] == ids[0] + 1  # one after the other, nothing between
    assert export_csv(Store(files.db)) == expected["both"]


def test_the_same_file_twice_at_once_is_saved_once(files, expected):
    holder = Holder(files.db)
    first, second = files.import_(files.one), files.import_(files.one)
    time.sleep(2.5)
    holder.release()
    outs = sorted(out for code, out, _ in (_finish(first), _finish(second)) if code == 0)
    assert len(outs) == 2
    assert sum("Gemt som indlæsning" in out for out in outs) == 1
    assert sum("Ingen ændringer" in out for out in outs) == 1
    _assert_once_each(files, [files.one.name])
    assert export_csv(Store(files.db)) == expected["one"]


def test_a_writer_that_will_not_wait_is_told_in_danish_to_retry_and_loses_nothing(files, expected):
    # No waiting (KRIMDASH_LOCK_TIMEOUT=0): whoever meets the other's write is refused at once.
    holder = Holder(files.db)
    waits = files.import_(files.one)  # waits for the holder, then writes
    code, out, err = _finish(files.import_(files.two, KRIMDASH_LOCK_TIMEOUT="0"))
    assert _told_to_retry(code, out, err)  # the holder had the file
    holder.release()
    assert _finish(waits)[0] == 0
    assert _audit(files.db).get(files.two.name) is None  # the refused import saved nothing
    assert export_csv(Store(files.db)) == expected["one"]
    # Told to retry, the analyst retries, and it is saved whole.
    code, out, err = _finish(files.import_(files.two))
    assert code == 0, err
    _assert_once_each(files, [files.one.name, files.two.name])
    assert export_csv(Store(files.db)) == expected["both"]


class Reader:
    """Websocket sessions against a served app, one after another, each running a page script
    as a browser's first visit does; records when each run started and ended and what it showed."""

    PAGES = ("side=overblik", "side=top100", "side=overblik&fra=2025-01&til=2025-06")

    def __init__(self, url: str):
        self.url = url.replace("http://", "ws://") + "/_stcore/stream"
        self.runs: list[tuple[float, float, str, int, bool]] = []
        self.problems: list[str] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def run_page(self, query: str) -> tuple[int, bool]:
        """(script_finished status, whether the page showed an exception) of one session."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from websockets.sync.client import connect

        with connect(self.url, subprotocols=["streamlit"], max_size=None) as ws:
            message = BackMsg()
            message.rerun_script.query_string = query
            ws.send(message.SerializeToString())
            shown_exception = False
            while True:
                forward = ForwardMsg()
                forward.ParseFromString(ws.recv(timeout=90))
                kind = forward.WhichOneof("type")
                element = forward.delta.new_element
                if (
                    kind == "delta"
                    and forward.delta.WhichOneof("type") == "new_element"
                    and element.WhichOneof("type") == "exception"
                ):
                    shown_exception = True
                    self.problems.append(element.exception.message)
                if kind == "script_finished":
                    return forward.script_finished, shown_exception

    def _loop(self) -> None:
        n = 0
        while not self.stopping.is_set():
            query = self.PAGES[n % len(self.PAGES)]
            started = time.monotonic()
            try:
                status, exception = self.run_page(query)
            except Exception as exc:  # noqa: BLE001 - a dead or silent server is the finding
                self.problems.append(f"{query}: {exc!r}")
                return
            self.runs.append((started, time.monotonic(), query, status, exception))
            n += 1

    def __enter__(self) -> Reader:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join(timeout=120)


def test_imports_while_the_app_serves_pages_end_correctly(files, expected, tmp_path):
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    finished = ForwardMsg.FINISHED_SUCCESSFULLY
    log = tmp_path / "server.log"
    with serving(krimdash_serve, {"KRIMDASH_DB": str(files.db)}, log=log) as server:
        with Reader(server.url) as reader:
            while len(reader.runs) < 2 and not reader.problems:  # the pages are being read
                time.sleep(0.1)
            started = time.monotonic()
            # A CLI import while the app serves and while another import runs.
            imports = [files.import_(files.one), files.import_(files.two)]
            results = [_finish(p) for p in imports]
            ended = time.monotonic()
            while not reader.problems and not any(s > ended for s, *_ in reader.runs):
                time.sleep(0.1)  # a page run that began after the imports
        assert server.alive()

    assert reader.problems == []
    assert all(status == finished and not exc for *_, status, exc in reader.runs), reader.runs
    # page scripts ran while the imports did (they were really served side by side)
    assert any(s < ended and e > started for s, e, *_ in reader.runs), (started, ended, reader.runs)
    retried = []
    for path, (code, out, err) in zip((files.one, files.two), results, strict=True):
        if _told_to_retry(code, out, err):
            retried.append(path)
        else:
            assert code == 0, err
    for path in retried:
        code, out, err = _finish(files.import_(path))
        assert code == 0, err
    _assert_once_each(files, [files.one.name, files.two.name])
    assert export_csv(Store(files.db)) == expected["both"]
    assert "Traceback" not in log.read_text(encoding="utf-8", errors="replace")
    during = sum(s < ended and e > started for s, e, *_ in reader.runs)
    print(f"{len(reader.runs)} page runs, {during} during the imports; told to retry: {retried}")
