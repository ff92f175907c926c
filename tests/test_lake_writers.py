"""Writers at once on the shared store (DuckLake with its catalog in PostgreSQL): real processes,
no mocks.

- Three `krimdash --store URL import` processes and an app save (the entry page's save path,
  dashboard.web.writing + imports.import_rows, in a fourth process) started at the same moment,
  then two processes importing the same file at once: every batch is in the audit log exactly
  once with consecutive ids, the export equals the files replayed in batch order, and each audit
  row's counts (new, changed, unchanged) agree with the revisions under it.
- `kill -9` of an import at random moments (while it starts, reads, writes its data files and
  commits): the batch is all there or not at all, the advisory lock dies with the killed
  process's PostgreSQL session (the next writer saves), `krimdash check` passes, the lake opens.
- Two writes that overlap (the advisory lock bypassed) meet DuckLake's own conflict check: the
  second commit fails, and LakeStore reports it as db.WriteConflict in Danish, nothing saved.

Writers serialize on a PostgreSQL advisory lock (dashboard/lake.py); a waiting writer gives up
after KRIMDASH_LOCK_TIMEOUT, which these tests set high: waiting is expected, giving up is not.
The kill moments come from a seed printed on failure; KRIMDASH_FAULT_SEED=n repeats a run.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pg
import pytest

from dashboard import db, lake
from dashboard.catalog import load_catalog
from dashboard.db import Store, insert_batch
from dashboard.reference import load_reference
from dashboard.rules import find_warnings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from synthetic import catalog_text, figures_frame  # noqa: E402

APP_USER = "analytiker@aarhus.dk"
Key = tuple[str, str, str]  # (YYYY-MM, measure, category)

# The entry page's save ("Indtast tal" → Gem, dashboard/web/app_pages/entry.py) without the
# widgets: the form's fields and rows from dashboard.web.writing, the dry run the page shows, and
# import_rows with the values the form showed as `expected`, action "entry", role analyst.
APP_SAVE = """
import json, sys
from datetime import date
from dashboard.catalog import load_catalog
from dashboard.db import Store
from dashboard.imports import import_rows
from dashboard.web import writing

month, initiative = date.fromisoformat(sys.argv[1]), sys.argv[2]
values = json.loads(sys.argv[3])
store, catalog = Store(), load_catalog()
keys = {writing.field_key(month, initiative, f): f for f in writing.entry_fields(catalog, initiative)}
now, _ = writing.month_values(store, month)
shown = {k: now.get(f.id) for k, f in keys.items()}
typed = {k: (f, str(values[f.measure.id + "|" + f.category])) for k, f in keys.items()}
rows = writing.entry_rows(month, typed)
checked = import_rows(store, rows, user=sys.argv[4], role="analyst", dry_run=True, catalog=catalog)
saved = import_rows(
    store, rows, user=sys.argv[4], role="analyst", catalog=catalog, action="entry",
    accept_warnings=bool(checked.warnings), note="indtastet i appen",
    expected={(month, f.measure.id, f.category): shown[k] for k, f in keys.items()},
)
print(json.dumps({"status": saved.status, "batch": saved.batch_id, "new": saved.n_new,
                  "changed": saved.n_changed, "unchanged": saved.n_unchanged}))
"""


@pytest.fixture(autouse=True)
def _let_go_of_the_lake():
    """This process's lake connections are dropped after each test, also one that failed."""
    yield
    lake.close_all()


def _month(m: date) -> str:
    return f"{m:%Y-%m}"


def _rows(frame: pd.DataFrame) -> list[tuple[Key, int, str]]:
    """A figures frame as ((month, measure, category), value, note) in its order."""
    return [
        ((_month(m), meas, cat), int(v), str(n))
        for m, meas, cat, v, n in frame[
            ["month", "measure", "category", "value", "note"]
        ].itertuples(index=False)
    ]


class Lake:
    """A DuckLake store of its own (a fresh PostgreSQL database and data folder), a synthetic
    catalog (bench/synthetic.py) and the krimdash CLI run against it in processes of its own."""

    def __init__(self, postgres: pg.Postgres, folder: Path, size: tuple[int, int, int]):
        self.postgres, self.folder = postgres, folder
        folder.mkdir(parents=True, exist_ok=True)
        self.catalog = folder / "catalog.toml"
        self.catalog.write_text(catalog_text(*size), encoding="utf-8")
        self.frame = figures_frame(*size)
        self.months = sorted(self.frame.month.unique())
        self.url = ""
        self.data = folder
        self.fresh()

    def fresh(self) -> None:
        """Point at a new, empty lake (a new PostgreSQL database, a new data folder)."""
        self.url = pg.lake_url(self.postgres.new_database())
        self.data = self.folder / f"lake-{self.url.split()[0].split('=')[1]}"
        self.data.mkdir()

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "KRIMDASH_STORE": self.url,
            "KRIMDASH_LAKE_DATA": str(self.data),
            "KRIMDASH_DB": str(self.folder / "local.duckdb"),  # this machine's access log
            "KRIMDASH_CATALOG": str(self.catalog),
            "KRIMDASH_USER": "analytiker",
            "KRIMDASH_LOCK_TIMEOUT": "120",  # writers wait for each other; none gives up
            "PYTHONPATH": str(ROOT),
        }

    def start(self, *args: str | Path, **env: str) -> subprocess.Popen:
        """`krimdash --store URL …` in its own process, started now."""
        return subprocess.Popen(
            [sys.executable, "-m", "dashboard.cli", "--store", self.url, *map(str, args)],
            cwd=ROOT, env={**self.env, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8",
        )  # fmt: skip

    def run(self, *args: str | Path, **env: str) -> subprocess.CompletedProcess:
        process = self.start(*args, **env)
        out, err = process.communicate(timeout=240)
        return subprocess.CompletedProcess(process.args, process.returncode, out, err)

    def start_app_save(self, month: date, initiative: str, values: dict[str, int]):
        return subprocess.Popen(
            [sys.executable, "-c", APP_SAVE, month.isoformat(), initiative, json.dumps(values),
             APP_USER],
            cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            encoding="utf-8",
        )  # fmt: skip

    def write(self, name: str, frame: pd.DataFrame) -> Path:
        path = self.folder / name
        frame.assign(month=frame.month.map(_month)).to_csv(path, index=False)
        return path

    def store(self, monkeypatch: pytest.MonkeyPatch) -> Store:
        """The store in this test's process, opened anew (every lake connection dropped first)."""
        lake.close_all()
        for name in ("KRIMDASH_LAKE_DATA", "KRIMDASH_DB", "KRIMDASH_CATALOG"):
            monkeypatch.setenv(name, self.env[name])
        return Store(self.url)

    def set_up(self, monkeypatch: pytest.MonkeyPatch, first: pd.DataFrame | None = None) -> None:
        """`krimdash init`'s work in this process (schema, catalog), and `first` as one batch."""
        store = self.store(monkeypatch)
        store.upgrade()
        load_reference(store, user="test", catalog=load_catalog(self.catalog))
        if first is not None:
            with store.writer() as conn:
                insert_batch(
                    conn, action="import", user="test", revisions=first,
                    file_name="foerste.csv", counts={"new": len(first)},
                )  # fmt: skip


def _finish(process: subprocess.Popen, what: str) -> str:
    out, err = process.communicate(timeout=240)
    assert process.returncode == 0, f"{what} ended with {process.returncode}: {out}{err}"
    assert "Traceback" not in out + err, err
    return out


def _audit(store: Store) -> tuple[list[tuple], dict[int, list[tuple[Key, int | None, str]]]]:
    """The audit log (batches, by id) and each batch's revisions."""
    with store.reader() as conn:
        batches = conn.execute(
            "select id, action, user_name, file_name, n_new, n_changed, n_unchanged, "
            "n_retracted from batches order by id"
        ).fetchall()
        revisions: dict[int, list[tuple[Key, int | None, str]]] = {}
        for batch_id, month, measure, category, value, note in conn.execute(
            "select batch_id, month, measure_id, category, value, note from figure_revisions"
        ).fetchall():
            revisions.setdefault(batch_id, []).append(
                ((_month(month), measure, category), value, note)
            )
    return batches, revisions


def _export(result: subprocess.CompletedProcess) -> dict[Key, tuple[int, str]]:
    assert result.returncode == 0, result.stderr
    return {
        (r["month"], r["measure"], r["category"]): (int(r["value"]), r["note"])
        for r in csv.DictReader(io.StringIO(result.stdout))
    }


def test_three_imports_and_an_app_save_at_once_each_land_once(
    postgres: pg.Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake_ = Lake(postgres, tmp_path, (6, 15, 12))
    frame, months = lake_.frame, lake_.months
    of = {m: frame[frame.month == m] for m in months}
    initialised = lake_.run("init")
    assert initialised.returncode == 0, initialised.stderr
    base = lake_.write("jan_aug.csv", frame[frame.month <= months[7]])
    _finish(lake_.start("import", base), "the first import")

    # Three files, a month each, started at the same moment, with an app save. The September file
    # repeats August's figures of one initiative (unchanged); the October file corrects one of
    # August's stock figures (changed; no rule relates it); the app saves December for s000.
    august_s000 = of[months[7]][of[months[7]].measure.str.startswith("s000.")]
    corrected = of[months[7]][of[months[7]].measure == "s001.m04"].assign(
        value=lambda f: f.value + 1
    )
    files = {
        "september.csv": pd.concat([august_s000, of[months[8]]]),
        "oktober.csv": pd.concat([of[months[9]], corrected]),
        "november.csv": of[months[10]],
    }
    december_s000 = of[months[11]][of[months[11]].measure.str.startswith("s000.")]
    app_values = {f"{r.measure}|{r.category}": int(r.value) for r in december_s000.itertuples()}
    paths = {name: lake_.write(name, part) for name, part in files.items()}
    processes = [
        lake_.start("import", path, "--note", f"samtidig: {name}") for name, path in paths.items()
    ]
    app = lake_.start_app_save(months[11], "s000", app_values)
    for name, process in zip(paths, processes, strict=True):
        assert "Gemt som indlæsning nr." in _finish(process, name)
    saved = json.loads(_finish(app, "the app's save").strip().splitlines()[-1])
    assert saved["status"] == "saved", saved

    # Two processes import the same December file at once: one batch saves its figures, the other
    # then finds every one of them unchanged and saves nothing (s000's came from the app).
    december = lake_.write("december.csv", of[months[11]])
    twins = [lake_.start("import", december), lake_.start("import", december)]
    outs = [_finish(process, "an import of december.csv") for process in twins]
    assert sum("Gemt som indlæsning nr." in out for out in outs) == 1, outs
    assert sum("Ingen ændringer" in out for out in outs) == 1, outs
    assert any(f"uændrede: {len(of[months[11]])}" in out for out in outs), outs

    sources = {
        "jan_aug.csv": frame[frame.month <= months[7]],
        **files,
        "december.csv": of[months[11]],
    }
    batches, revisions = _audit(lake_.store(monkeypatch))
    lake.close_all()
    ids = [b[0] for b in batches]
    assert ids == list(range(1, len(batches) + 1)), f"batch ids not unique and consecutive: {ids}"
    assert batches[0][1] == "reference" and 1 not in revisions  # krimdash init
    named = [b[3] for b in batches if b[1] == "import"]
    assert sorted(named) == sorted(sources), f"each file's batch exactly once: {named}"
    entries = [b for b in batches if b[1] == "entry"]
    assert [(b[0], b[2]) for b in entries] == [(saved["batch"], APP_USER)]
    assert len(batches) == 1 + len(sources) + 1

    # Replay the batches in id order from their sources: what each should have counted and
    # stored, and the figures at the end.
    state: dict[Key, tuple[int, str]] = {}
    app_rows = [(k, v, "") for k, v, _ in _rows(december_s000)]
    for batch_id, action, _, file_name, n_new, n_changed, n_unchanged, _ in batches[1:]:
        rows = app_rows if action == "entry" else _rows(sources[file_name])
        counts, stored = {"new": 0, "changed": 0, "unchanged": 0}, []
        for key, value, note in rows:
            old = state.get(key)
            kind = (
                "new" if old is None
                else "changed" if old[0] != value or (note and note != old[1])
                else "unchanged"
            )  # fmt: skip
            counts[kind] += 1
            if kind != "unchanged":
                state[key] = (value, note)
                stored.append((key, value, note))
        assert (n_new, n_changed, n_unchanged) == tuple(counts.values()), (batch_id, file_name)
        assert sorted(revisions.get(batch_id, [])) == sorted(stored), (batch_id, file_name)
    # changed: the October file's correction, and the December file's note on s000's figures,
    # which the app saved without one
    assert sum(b[5] for b in batches) == 1 + len(december_s000)
    assert sum(b[6] for b in batches) == len(august_s000)  # the September file's repeat
    assert _export(lake_.run("export")) == state
    checked = lake_.run("check")
    assert checked.returncode == 0 and "0 advarsler" in checked.stdout, (
        checked.stdout + checked.stderr
    )


# The store holds initiatives s000-s011 (~16,500 figures); the killed import's file has s012-s023
# (as many, ~0.7 MB); after each kill another writer imports a month of s024.
KILL_SIZE = (25, 15, 60)
FIRST, SMALL = "s012", "s024"
KILLS = 5  # each kill is followed by a writer and `krimdash check`: ~15 s on two busy cores


def _current(store: Store) -> dict[Key, tuple[int, str]]:
    return {
        (_month(m), meas, cat): (int(v), note)
        for m, meas, cat, v, note in store.rows("figures_current")
    }


def _as_state(frame: pd.DataFrame) -> dict[Key, tuple[int, str]]:
    return {key: (value, note) for key, value, note in _rows(frame)}


def _wait_for_data_file(folder: Path, known: int, started: float, limit: float) -> None:
    """Until the import wrote a data file of its revisions (it is inside its write, before the
    commit), at most `limit` s."""
    while time.monotonic() - started < limit:
        if folder.is_dir() and len(os.listdir(folder)) > known:
            return
        time.sleep(0.002)


def _files(folder: Path) -> int:
    return len(os.listdir(folder)) if folder.is_dir() else 0


def test_kill_9_of_a_lake_import_leaves_the_batch_whole_or_absent_and_others_continue(
    postgres: pg.Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = int(os.environ.get("KRIMDASH_FAULT_SEED") or random.SystemRandom().randrange(10**6))
    rng = random.Random(seed)
    why = f"(KRIMDASH_FAULT_SEED={seed})"
    lake_ = Lake(postgres, tmp_path, KILL_SIZE)
    frame, catalog = lake_.frame, load_catalog(lake_.catalog)
    first = frame[frame.measure < FIRST]
    second = frame[(frame.measure >= FIRST) & (frame.measure < SMALL)]
    small = frame[frame.measure >= SMALL]  # a month of it for the writer after each kill
    big = lake_.write("anden_del.csv", second)

    # The import run whole once: how long it takes, and how long from its first data file (its
    # write has begun) to its end (commit, lock let go, process ended).
    lake_.set_up(monkeypatch, first)
    revisions_folder = lake_.data / "main" / "figure_revisions"
    known = _files(revisions_folder)
    started = time.monotonic()
    whole = lake_.start("import", big)
    _wait_for_data_file(revisions_folder, known, started, 240)
    writing_from = time.monotonic()
    assert "Gemt som indlæsning nr." in _finish(whole, "the whole import"), why
    duration, window = time.monotonic() - started, time.monotonic() - writing_from
    assert _current(lake_.store(monkeypatch)) == _as_state(first) | _as_state(second)

    lake_.fresh()
    lake_.set_up(monkeypatch, first)
    expected = _as_state(first)
    outcomes = []
    for n in range(KILLS):
        # A third of the moments anywhere in the run, a third in its last stretch, and a third
        # after its first data file appeared: inside the write, up to and through its commit.
        revisions_folder = lake_.data / "main" / "figure_revisions"
        known = _files(revisions_folder)
        process = lake_.start("import", big)
        started = time.monotonic()
        if (kind := (n + 2) % 3) == 2:
            _wait_for_data_file(revisions_folder, known, started, 1.5 * duration)
            time.sleep(rng.uniform(0, 0.6 * window))
            at = (time.monotonic() - started) / duration
        else:
            at = rng.uniform(0.05, 1.0) if kind == 0 else rng.uniform(0.6, 1.05)
            time.sleep(at * duration)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        killed = process.returncode == -signal.SIGKILL
        where = f"after kill -9 at {at:.2f} of the run {why}"

        try:  # the lake opens anew (a new attach), and the batch is all there or not at all
            store = lake_.store(monkeypatch)
            batches, revisions = _audit(store)
            current = _current(store)
        except duckdb.Error as exc:  # pragma: no cover - the failure this test looks for
            pytest.fail(f"the lake does not open {where}: {exc}")
        ours = [b for b in batches if b[3] == big.name]
        assert len(ours) <= 1, f"the file was saved more than once {where}: {ours}"
        assert set(revisions) <= {b[0] for b in batches}, f"revisions without a batch {where}"
        for batch_id, *_, n_new, n_changed, _, n_retracted in batches:
            assert len(revisions.get(batch_id, [])) == n_new + n_changed + n_retracted, where
        if ours:
            assert ours[0][4:7] == (len(second), 0, 0), where
            assert sorted(revisions[ours[0][0]]) == sorted(_rows(second)), where
            assert current == expected | _as_state(second), where
        else:
            assert current == expected, where
        figures = {(m, meas, cat): v for m, meas, cat, v, _ in store.rows("figures_current")}
        assert find_warnings(figures, catalog) == [], where
        present = bool(ours)
        outcomes.append((round(at, 2), killed, present))

        # Another writer goes on: the killed process's advisory lock went with its PostgreSQL
        # session, so this one saves without waiting out KRIMDASH_LOCK_TIMEOUT. `krimdash check`
        # runs beside it (a reader during a write): every rule holds either way.
        month = lake_.months[n]
        after = lake_.write(f"efter_{n}.csv", small[small.month == month])
        waited = time.monotonic()
        writer = lake_.start("import", after, KRIMDASH_LOCK_TIMEOUT="30")
        checked = _finish(lake_.start("check"), f"krimdash check {where}")
        assert "0 advarsler" in checked, where
        assert "Gemt som indlæsning nr." in _finish(writer, where), where
        expected |= _as_state(small[small.month == month])
        print(f"kill {n}: the next writer took {time.monotonic() - waited:.1f} s")
        if present:  # so the next kill again meets an import with work to do
            lake_.fresh()
            lake_.set_up(monkeypatch, first)
            expected = _as_state(first)

    lake.close_all()
    # Some kills landed while the import was still running (else the test proved nothing).
    assert any(killed and not present for _, killed, present in outcomes), (outcomes, why)

    # After the kills, the import run whole saves exactly its figures, once.
    assert "Gemt som indlæsning nr." in _finish(lake_.start("import", big), why)
    store = lake_.store(monkeypatch)
    assert _current(store) == expected | _as_state(second), why
    batches, _ = _audit(store)
    assert [b[4] for b in batches if b[3] == big.name] == [len(second)], why
    lake.close_all()
    print(
        f"kill -9 moments (fraction of the {duration:.1f} s run, killed, batch present) {why}: "
        f"{outcomes}; the write from its first data file to the end: {window:.1f} s"
    )


class _Unlocked(lake.LakeStore):
    """The real LakeStore with its advisory lock step skipped: two of these write at once, as two
    writers would that both thought they held the lock (one whose PostgreSQL session, and lock,
    was lost). DuckLake's own commit check is then all that stands between them."""

    def _lock(self, conn: duckdb.DuckDBPyConnection) -> None:
        pass


def _attach(lake_: Lake) -> duckdb.DuckDBPyConnection:
    """A DuckDB of its own (not the process's LakeStore connection) with the lake attached."""
    conn = pg.lake_connection()
    conn.execute(f"attach '{lake_.url}' as lake (data_path '{lake_.data}/')")
    conn.execute("use lake")
    return conn


def _write_batch(conn: duckdb.DuckDBPyConnection, part: pd.DataFrame, name: str) -> int:
    """What every write does (lake.LakeStore._begin): move the clock, then one batch."""
    conn.execute("begin transaction")
    conn.execute("update store_clock set writes = writes + 1")
    return insert_batch(
        conn, action="import", user=name, revisions=part, file_name=name,
        counts={"new": len(part)},
    )  # fmt: skip


def test_overlapping_writes_conflict_in_ducklake_and_are_reported_as_write_conflict(
    postgres: pg.Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake_ = Lake(postgres, tmp_path, (3, 15, 4))
    frame, months = lake_.frame, lake_.months
    lake_.set_up(monkeypatch)
    store = lake_.store(monkeypatch)

    # Two DuckDB processes' worth of connections, both in a write at once: both read the same
    # highest batch id, both move the clock. The first commit lands; the second is refused whole.
    one, two = _attach(lake_), _attach(lake_)
    try:
        first = _write_batch(one, frame[frame.month == months[0]], "en.csv")
        second = _write_batch(two, frame[frame.month == months[1]], "to.csv")
        assert first == second == 2  # the same id: only one of them may land
        one.execute("commit")
        with pytest.raises(duckdb.TransactionException, match="(?i)conflict") as refused:
            two.execute("commit")
        print(f"DuckLake: {refused.value}")
    finally:
        one.close()
        two.close()
    batches, revisions = _audit(store)
    assert [(b[0], b[3]) for b in batches[1:]] == [(2, "en.csv")]
    assert len(revisions[2]) == len(frame[frame.month == months[0]])

    # The same through krimdash's write path: a LakeStore writer (lock skipped) that another
    # writer's commit overtakes ends in db.WriteConflict with its Danish message, nothing saved.
    unlocked = _Unlocked(lake_.url)
    other = _attach(lake_)
    try:
        with pytest.raises(db.WriteConflict) as conflict, unlocked.writer() as conn:
            ours = insert_batch(
                conn, action="import", user="appen", revisions=frame[frame.month == months[2]],
                file_name="tre.csv", counts={"new": 1},
            )  # fmt: skip
            theirs = _write_batch(other, frame[frame.month == months[3]], "fire.csv")
            other.execute("commit")
            assert ours == theirs == 3
    finally:
        other.close()
    message = str(conflict.value)
    assert message == str(db.WriteConflict(store.location))
    assert message.startswith("Intet er gemt: en anden skrivning til ducklake:postgres:")
    assert "Prøv igen; intet er tabt eller gemt to gange." in message
    assert isinstance(conflict.value.__cause__, duckdb.TransactionException)
    batches, revisions = _audit(lake_.store(monkeypatch))
    assert [(b[0], b[3]) for b in batches[1:]] == [(2, "en.csv"), (3, "fire.csv")]
    assert sorted(revisions) == [2, 3]
    # ...and the next write, with the lock as always, saves.
    with lake_.store(monkeypatch).writer() as conn:
        assert insert_batch(conn, action="import", user="appen", note="igen") == 4
    assert [b[0] for b in _audit(lake_.store(monkeypatch))[0]] == [1, 2, 3, 4]

    # Why every write moves the clock: DuckLake checks what a transaction wrote, not what it read,
    # so two overlapping writes that only add rows would both land, with the same batch id.
    one, two = _attach(lake_), _attach(lake_)
    try:
        for conn, name in ((one, "fem.csv"), (two, "seks.csv")):
            conn.execute("begin transaction")
            assert insert_batch(conn, action="import", user=name, file_name=name) == 5
        one.execute("commit")
        two.execute("commit")
    finally:
        one.close()
        two.close()
    assert [b[0] for b in _audit(lake_.store(monkeypatch))[0]] == [1, 2, 3, 4, 5, 5]
    lake.close_all()
