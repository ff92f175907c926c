"""A database from each earlier schema version opens and upgrades with `krimdash init` without loss.

The fixtures (tests/fixtures/schema_000N/, `krimdash backup` folders made by
tests/fixtures/make_schema_fixtures.py with the migrations up to N, restored here by `krimdash
restore`'s own code) hold the real January 2025 figures with their notes, a correction,
a retraction and the audit log of all four batches. After `krimdash init` the figures, their
whole history (every revision, as of any moment), the batches and their acknowledged warnings
are exactly as before; only init's own catalog batch is added. Until then, every other write is
refused in Danish and the file is left as it was.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest
import real_january

from dashboard import backup
from dashboard.db import Store, latest_version
from dashboard.exports import export_csv, parse_as_of

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))
from make_schema_fixtures import VERSIONS, fixture_path  # noqa: E402

# Moments between the fixture's batches (Danish local time): after the January import, after the
# correction, after the retraction.
MOMENTS = ("2025-01-20", "2025-02-05", "2025-03-01")


def _digest(db: Path) -> str:
    wal = db.with_name(db.name + ".wal")
    return hashlib.sha256(db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")).hexdigest()


def _contents(db: Path) -> dict:
    """Everything an upgrade must keep, read as the app and the CLI read it."""
    store = Store(db)
    with store.reader() as conn:
        revisions = conn.execute(
            "select batch_id, month, measure_id, category, value, note from figure_revisions "
            "order by all"
        ).fetchall()
        batches = conn.execute(
            "select id, created_at, user_name, action, file_name, file_sha256, n_new, n_changed, "
            "n_unchanged, n_retracted, warnings, note, is_demo from batches order by id"
        ).fetchall()
        versions = conn.execute(
            "select version, name, applied_at from schema_version order by version"
        ).fetchall()
    return {
        "export": export_csv(store),
        "as_of": [export_csv(store, parse_as_of(moment)) for moment in MOMENTS],
        "revisions": revisions,
        "batches": batches,
        "versions": versions,
        "acknowledged": store.rows("acknowledged_warnings"),
    }


@pytest.fixture(params=VERSIONS, ids=[f"schema_{v:04d}" for v in VERSIONS])
def old_db(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[int, Path]:
    db = tmp_path / "krimdash.duckdb"
    backup.restore(fixture_path(request.param), db)
    return request.param, db


def test_the_fixtures_are_at_their_schema_version_and_hold_history(old_db):
    version, db = old_db
    assert Store(db).schema_version() == version < latest_version()
    contents = _contents(db)
    assert [v for v, _, _ in contents["versions"]] == list(range(1, version + 1))
    assert [b[3] for b in contents["batches"]] == ["reference", "import", "import", "retraction"]
    # a correction and a retraction: the three moments differ, so history is really tested
    assert len(set(contents["as_of"])) == 3
    assert contents["as_of"][-1] == contents["export"]
    assert contents["acknowledged"], "the January import's acknowledged warning"


def test_a_write_other_than_init_is_refused_in_danish_and_changes_nothing(old_db, krimdash):
    version, db = old_db
    before = _digest(db)
    done = krimdash("retract", "--month", "2025-01", "--measure", "knaek_kurven.discussed",
                    "--note", "prøve", db=db)  # fmt: skip
    assert done.code == 4, done.err
    assert f"skemaversion {version}" in done.err
    assert "krimdash init" in done.err
    assert "Traceback" not in done.out + done.err
    assert _digest(db) == before


def test_init_upgrades_an_old_database_without_loss(old_db, krimdash):
    version, db = old_db
    before = _contents(db)
    log_before = krimdash("log", "--limit", "100", db=db)
    check_before = krimdash("check", db=db)
    assert log_before.code == 0, log_before.err

    done = krimdash("init", db=db)
    assert done.code == 0, done.err
    assert f"Database opgraderet: {db} (skemaversion {latest_version()})" in done.out

    after = _contents(db)
    assert Store(db).schema_version() == latest_version()
    # the migrations applied then are kept as they were; the newer ones are added
    assert after["versions"][:version] == before["versions"]
    assert [v for v, _, _ in after["versions"]] == list(range(1, latest_version() + 1))
    # figures, their whole history and notes, and the audit log: unchanged
    assert after["export"] == before["export"]
    assert after["as_of"] == before["as_of"]
    assert after["revisions"] == before["revisions"]
    assert after["acknowledged"] == before["acknowledged"]
    assert after["batches"][: len(before["batches"])] == before["batches"]
    added = after["batches"][len(before["batches"]) :]
    assert [b[3] for b in added] == ["reference"]  # init's catalog load, nothing else
    assert added[0][0] > before["batches"][-1][0]  # batch numbers go on, none reused

    # The CLI reads the same: its log (init's batch on top) and its check.
    log_after = krimdash("log", "--limit", "100", db=db)
    assert log_after.out.splitlines()[1:] == log_before.out.splitlines()
    check_after = krimdash("check", db=db)
    assert (check_after.code, check_after.out) == (check_before.code, check_before.out)

    # A write works at the new version and goes on from the old batch numbers.
    saved = krimdash(
        "import", real_january.PATH, "--accept-warnings", "--note", real_january.NOTE, db=db
    )
    assert saved.code == 0, saved.err
    assert f"Gemt som indlæsning nr. {added[0][0] + 1} " in saved.out
