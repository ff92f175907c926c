"""Fault test: `kill -9` of a `krimdash import` of a large-ish file, at random moments, repeated.

A real CLI process imports the second half of a synthetic catalog's figures (bench/synthetic.py)
into a database that already holds the first half, and is killed with SIGKILL at a random moment
of its run: while Python starts, while the file is read and checked, while the batch is written,
committed and checkpointed. After every kill the database must open as the app and the CLI open
it, and the batch must be all there or not at all: its audit row (batches) with exactly the
file's figures under it, or neither; no revision without its audit row; the export equal to the
state before or the state after; every rule holding (`krimdash check`). At the end a normal
import succeeds.

The moments come from a seed printed on failure; KRIMDASH_FAULT_SEED=n repeats a run.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from dashboard.catalog import load_catalog
from dashboard.db import Store, insert_batch
from dashboard.exports import export_csv
from dashboard.reference import load_reference
from dashboard.rules import find_warnings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from synthetic import catalog_text, figures_frame  # noqa: E402

INITIATIVES, MEASURES, MONTHS = 40, 15, 60  # ~55,000 figures; the file holds half: ~1.2 MB
KILLS = 9  # bounded: the whole test stays well under a minute on two shared cores
FILE_NAME = "anden_halvdel.csv"


class Synthetic:
    """The catalog, the pristine database (first half imported) and the file (second half)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.catalog = folder / "catalog.toml"
        self.catalog.write_text(catalog_text(INITIATIVES, MEASURES, MONTHS), encoding="utf-8")
        frame = figures_frame(INITIATIVES, MEASURES, MONTHS)
        half = f"s{INITIATIVES // 2:03d}"
        self.first = frame[frame.measure < half]
        self.second = frame[frame.measure >= half]
        self.file = folder / FILE_NAME
        self.second.assign(month=self.second.month.map(lambda m: m.strftime("%Y-%m"))).to_csv(
            self.file, index=False
        )
        self.pristine = folder / "pristine" / "krimdash.duckdb"
        self.pristine.parent.mkdir()
        store = Store(self.pristine)
        store.upgrade()
        load_reference(store, user="test", catalog=load_catalog(self.catalog))
        with store.writer() as conn:
            insert_batch(
                conn,
                action="import",
                user="test",
                revisions=self.first,
                file_name="foerste_halvdel.csv",
                counts={"new": len(self.first)},
            )

    def env(self, db: Path) -> dict[str, str]:
        return {
            **os.environ,
            "KRIMDASH_DB": str(db),
            "KRIMDASH_CATALOG": str(self.catalog),
            "KRIMDASH_USER": "analytiker",
            "PYTHONPATH": str(ROOT),
        }

    def fresh(self, db: Path) -> None:
        """db becomes a copy of the pristine database (its WAL, if any, removed)."""
        db.with_name(db.name + ".wal").unlink(missing_ok=True)
        shutil.copy(self.pristine, db)

    def start_import(self, db: Path) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "dashboard.cli", "import", str(self.file), "--user", "FAS"],
            cwd=ROOT,
            env=self.env(db),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def check(self, db: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "dashboard.cli", "check"],
            cwd=ROOT,
            env=self.env(db),
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Synthetic:
    return Synthetic(tmp_path_factory.mktemp("kill9"))


def _state(db: Path) -> dict:
    """What the database holds, read as the app reads it (a read-only connection after a crash
    replays the WAL), plus the raw tables the invariants are about."""
    store = Store(db)
    with store.reader() as conn:
        batches = conn.execute(
            "select id, file_name, n_new, n_changed, n_unchanged from batches order by id"
        ).fetchall()
        per_batch = dict(
            conn.execute(
                "select batch_id, count(*) from figure_revisions group by batch_id"
            ).fetchall()
        )
        orphans = conn.execute(
            "select count(*) from figure_revisions r "
            "where not exists (select 1 from batches b where b.id = r.batch_id)"
        ).fetchone()[0]
        duplicates = conn.execute(
            "select count(*) from (select batch_id, month, measure_id, category "
            "from figure_revisions group by all having count(*) > 1)"
        ).fetchone()[0]
    current = {(m, meas, cat): v for m, meas, cat, v, _ in store.rows("figures_current")}
    return {
        "batches": batches,
        "per_batch": per_batch,
        "orphans": orphans,
        "duplicates": duplicates,
        "current": current,
        "export": export_csv(store),
    }


def _assert_whole_or_absent(state: dict, synthetic: Synthetic, before: bytes, after: bytes) -> bool:
    """The invariants after a crash; returns whether the killed import's batch is present."""
    ours = [b for b in state["batches"] if b[1] == FILE_NAME]
    assert len(ours) <= 1, f"the file was saved more than once: {ours}"
    assert state["orphans"] == 0, "revisions without their audit row (batches)"
    assert state["duplicates"] == 0, "a figure twice in one batch"
    for batch_id, _, n_new, n_changed, _ in state["batches"]:
        # the audit row agrees with what is stored under it
        assert state["per_batch"].get(batch_id, 0) == n_new + n_changed, batch_id
    if ours:
        batch_id, _, n_new, n_changed, n_unchanged = ours[0]
        assert (n_new, n_changed, n_unchanged) == (len(synthetic.second), 0, 0)
        assert state["per_batch"][batch_id] == len(synthetic.second)
        assert state["export"] == after
    else:
        assert sum(state["per_batch"].values()) == len(synthetic.first)
        assert state["export"] == before
    warnings = find_warnings(state["current"], load_catalog(synthetic.catalog))
    assert warnings == [], [w.message for w in warnings[:5]]
    return bool(ours)


def _wait_for_wal(db: Path, started: float, limit: float) -> None:
    """Until the database's WAL file exists (the import began to write), at most `limit` s."""
    wal = db.with_name(db.name + ".wal")
    while not wal.exists() and time.monotonic() - started < limit:
        time.sleep(0.001)


def test_kill_9_of_an_import_leaves_the_batch_whole_or_absent(synthetic, tmp_path):
    seed = int(os.environ.get("KRIMDASH_FAULT_SEED") or random.SystemRandom().randrange(10**6))
    rng = random.Random(seed)
    why = f"(KRIMDASH_FAULT_SEED={seed})"

    # The import run whole once, on a copy: how long it takes, and the state it leaves.
    reference = tmp_path / "reference" / "krimdash.duckdb"
    reference.parent.mkdir()
    synthetic.fresh(reference)
    before = export_csv(Store(reference))
    started = time.monotonic()
    done = synthetic.start_import(reference)
    out, err = done.communicate(timeout=120)
    duration = time.monotonic() - started
    assert done.returncode == 0, err
    assert "Gemt som indlæsning" in out
    after = export_csv(Store(reference))
    assert after != before
    assert after.count(b"\n") - 1 == len(synthetic.first) + len(synthetic.second)

    db = tmp_path / "krimdash.duckdb"
    synthetic.fresh(db)
    outcomes = []
    for n in range(KILLS):
        # A third of the moments anywhere in the run, a third in its last stretch, and a third
        # just after the write began (the WAL file appeared): where a crash could tear a batch.
        process = synthetic.start_import(db)
        if n % 3 == 2:
            _wait_for_wal(db, started := time.monotonic(), 1.5 * duration)
            time.sleep(rng.uniform(0, 0.03))
            at = (time.monotonic() - started) / duration
        else:
            at = rng.uniform(0.05, 1.0) if n % 3 == 0 else rng.uniform(0.6, 1.05)
            time.sleep(at * duration)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        killed = process.returncode == -signal.SIGKILL
        try:
            state = _state(db)
        except duckdb.Error as exc:  # pragma: no cover - the failure this test looks for
            pytest.fail(f"the database does not open after kill -9 at {at:.2f} {why}: {exc}")
        try:
            present = _assert_whole_or_absent(state, synthetic, before, after)
        except AssertionError as exc:
            raise AssertionError(f"after kill -9 at {at:.2f} of the run {why}: {exc}") from exc
        outcomes.append((round(at, 2), killed, present))
        if n in (0, KILLS - 1):  # the CLI's own check too (a process start each: twice)
            checked = synthetic.check(db)
            assert checked.returncode == 0, f"{why} {checked.stdout}{checked.stderr}"
            assert "0 advarsler" in checked.stdout
        if present:
            synthetic.fresh(db)  # so the next kill again meets an import with work to do

    # Some kills landed while the import was still running (else the test proved nothing).
    assert any(killed and not present for _, killed, present in outcomes), (outcomes, why)

    # After the crashes, a normal import succeeds and leaves exactly the state of a clean run.
    final = synthetic.start_import(db)
    out, err = final.communicate(timeout=120)
    assert final.returncode == 0, f"{why} {err}"
    assert "Traceback" not in out + err
    assert export_csv(Store(db)) == after
    state = _state(db)
    assert _assert_whole_or_absent(state, synthetic, before, after), why
    print(f"kill -9 moments (fraction of the run, killed, batch present) {why}: {outcomes}")
