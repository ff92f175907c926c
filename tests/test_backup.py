"""krimdash backup and restore, with real processes and files: a round trip keeps every figure,
the audit and access logs, the users and the months' status; a changed backup is refused; an
existing database is never overwritten without --force; and a backup taken while another
process imports restores to a whole state, before or after the import.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dashboard.db import Store, latest_version

ROOT = Path(__file__).resolve().parent.parent


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _export(krimdash, db: Path) -> str:
    done = krimdash("export", db=db)
    assert done.code == 0, done.err
    return done.out


def _views(krimdash, db: Path) -> dict[str, str]:
    """What the CLI shows of a database: access log (first: the exports below are logged),
    figures, audit log, users, months."""
    out = {}
    for name, args in {
        "access": ("log", "--access"),
        "export": ("export",),
        "public": ("export", "--public"),
        "log": ("log", "--limit", "1000"),
        "users": ("user", "list"),
        "months": ("month", "list"),
        "history": ("month", "history"),
        "public_status": ("public", "status"),
    }.items():
        done = krimdash(*args, db=db)
        assert done.code == 0, (args, done.err)
        out[name] = done.out
    return out


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_round_trip_keeps_figures_logs_users_and_month_status(
    demo_db, own_copy, tmp_path, krimdash
):
    db = own_copy(demo_db)
    # Things only the original has, so the round trip is seen to carry them.
    assert krimdash("month", "approve", "2025-12", "--user", "raadmand", db=db).code == 0
    assert krimdash("month", "reopen", "2025-12", "--reason", "rettes", db=db).code == 0
    assert krimdash("user", "add", "ny@aarhus.dk", "--role", "analyst", db=db).code == 0
    assert krimdash("export", "-o", tmp_path / "ud.csv", db=db).code == 0

    done = krimdash("backup", tmp_path / "kopi", db=db)
    assert done.code == 0, done.err
    assert "Sikkerhedskopi skrevet til" in done.out
    manifest = json.loads((tmp_path / "kopi" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema_version"] == latest_version()
    assert manifest["access_log"]["rows"] > 0
    assert set(manifest["files"]) >= {"schema.sql", "figure_revisions.parquet", "access_log.sqlite"}
    for name, entry in manifest["files"].items():
        assert _sha(tmp_path / "kopi" / name) == entry["sha256"], name
    assert _leftovers(tmp_path) == []
    before = _views(krimdash, db)  # after the backup: reading is logged, and so is this
    assert "ny@aarhus.dk" in before["users"] and "rettes" in before["history"]
    assert "eksport" in before["access"]

    restored = tmp_path / "gendannet" / "krimdash.duckdb"
    done = krimdash("restore", tmp_path / "kopi", "--db", restored, db=tmp_path / "ubrugt")
    assert done.code == 0, done.err
    assert Store(restored).schema_version() == Store(db).schema_version() == latest_version()
    assert not restored.with_name(restored.name + ".wal").exists()
    assert _leftovers(restored.parent) == []
    after = _views(krimdash, restored)
    assert after == before
    assert _export(krimdash, restored).encode() == (tmp_path / "ud.csv").read_bytes()

    # The restored database goes on where the original would: the same next batch number.
    figures = tmp_path / "februar.csv"
    figures.write_text("month,measure,category,value\n2025-01,ungeteam.cases,,77\n", "utf-8")
    saved = [
        krimdash("import", figures, "--accept-warnings", "--note", "rettet", db=d)
        for d in (db, restored)
    ]
    assert [s.code for s in saved] == [0, 0], [s.err for s in saved]
    assert saved[0].out.splitlines()[-1] == saved[1].out.splitlines()[-1]
    assert "Gemt som indlæsning nr." in saved[1].out


@pytest.mark.parametrize(
    ("file", "change"),
    [
        ("figure_revisions.parquet", "flip"),
        ("access_log.sqlite", "flip"),
        ("schema.sql", "append"),
        ("batches.parquet", "delete"),
    ],
)
def test_a_changed_backup_is_refused_naming_the_file(demo_db, tmp_path, krimdash, file, change):
    backup = tmp_path / "kopi"
    if file == "access_log.sqlite":  # the shared demo database has no access log of its own
        db = tmp_path / "db" / "krimdash.duckdb"
        db.parent.mkdir()
        db.write_bytes(demo_db.read_bytes())
        assert krimdash("export", "-o", tmp_path / "ud.csv", db=db).code == 0
    else:
        db = demo_db
    assert krimdash("backup", backup, db=db).code == 0
    path = backup / file
    if change == "flip":
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
    elif change == "append":
        path.write_text(path.read_text() + "\nDROP TABLE users;\n")
    else:
        path.unlink()
    target = tmp_path / "ny" / "krimdash.duckdb"
    done = krimdash("restore", backup, "--db", target, db=target)
    assert done.code == 1, done
    assert str(path) in done.err
    assert "Gendannelse afvist; intet er skrevet." in done.err
    assert "Traceback" not in done.err
    assert not target.exists()
    assert not target.parent.exists() or list(target.parent.iterdir()) == []


def test_restore_refuses_to_overwrite_without_force_and_keeps_the_old_file(
    demo_db, real_db, tmp_path, krimdash
):
    backup = tmp_path / "demo-kopi"
    assert krimdash("backup", backup, db=demo_db).code == 0
    target = tmp_path / "krimdash.duckdb"
    target.write_bytes(real_db.read_bytes())
    before = _sha(target)

    done = krimdash("restore", backup, "--db", target, db=target)
    assert done.code == 2
    assert "findes allerede" in done.err and "--force" in done.err
    assert _sha(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo-kopi", "krimdash.duckdb"]

    done = krimdash("restore", backup, "--db", target, "--force", db=target)
    assert done.code == 0, done.err
    assert _export(krimdash, target) == _export(krimdash, demo_db)
    kept = [p for p in tmp_path.iterdir() if ".foer-gendannelse-" in p.name]
    assert len(kept) == 1 and _sha(kept[0]) == before
    assert f"Den gamle fil er gemt som {kept[0]}" in done.out


def test_restore_refuses_a_database_in_use(demo_db, own_copy, tmp_path, krimdash):
    backup = tmp_path / "kopi"
    assert krimdash("backup", backup, db=demo_db).code == 0
    target = own_copy(demo_db)
    before = _sha(target)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_READER, str(target)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stdin=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "READY"
        done = krimdash("restore", backup, "--db", target, "--force", db=target)
    finally:
        holder.communicate("\n", timeout=30)
    assert done.code == 4, done
    assert "i brug af en anden proces" in done.err
    assert _sha(target) == before


_HOLD_READER = textwrap.dedent(
    """
    import sys
    from dashboard.db import Store
    with Store(sys.argv[1]).reader():
        print("READY", flush=True)
        sys.stdin.readline()
    """
)

# A real import in progress: the batch and its revisions are written inside the writer's open
# transaction, which is held for a while before it commits (as a slow, large import would).
_SLOW_IMPORT = textwrap.dedent(
    """
    import sys, time
    import pandas as pd
    from dashboard.db import Store, insert_batch
    with Store(sys.argv[1]).writer() as conn:
        revisions = pd.DataFrame(
            {"month": [pd.Timestamp("2025-02-01").date()], "measure": ["ungeteam.cases"],
             "category": [""], "value": [51], "note": ["midt i en indlæsning"]}
        )
        insert_batch(conn, action="import", user="FAS", revisions=revisions,
                     counts={"new": 1}, note="langsom")
        print("READY", flush=True)
        time.sleep(2)
    """
)


def _february(krimdash, real_db: Path, tmp_path: Path) -> Path:
    """Every real January figure again as February: an import of some size."""
    text = _export(krimdash, real_db).replace("2025-01,", "2025-02,")
    path = tmp_path / "2025-02.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_backup_while_an_import_runs_restores_a_whole_state(real_db, own_copy, tmp_path, krimdash):
    figures = _february(krimdash, real_db, tmp_path)
    before = _export(krimdash, real_db)
    # The state after the import, from a database nobody backs up.
    reference = own_copy(real_db)
    done = krimdash("import", figures, "--accept-warnings", "--note", "februar", db=reference)
    assert done.code == 0, done.err
    after = _export(krimdash, reference)
    assert after != before

    env = {**os.environ, "KRIMDASH_USER": "FAS", "PYTHONPATH": str(ROOT)}
    seen = []
    for n, delay in enumerate((0.0, 0.2, 0.5)):
        db = tmp_path / f"runde{n}" / "krimdash.duckdb"
        db.parent.mkdir()
        db.write_bytes(real_db.read_bytes())
        cli = [sys.executable, "-m", "dashboard.cli", "--db", str(db)]
        importer = subprocess.Popen(
            [*cli, "import", str(figures), "--accept-warnings", "--note", "februar"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(delay)
        backup = subprocess.run(
            [*cli, "backup", str(tmp_path / f"kopi{n}")],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        out, err = importer.communicate(timeout=120)
        assert importer.returncode == 0, err
        assert backup.returncode == 0, backup.stderr
        restored = tmp_path / f"gendannet{n}.duckdb"
        done = krimdash("restore", tmp_path / f"kopi{n}", "--db", restored, db=restored)
        assert done.code == 0, done.err
        state = _export(krimdash, restored)
        assert state in (before, after), f"round {n}: neither before nor after the import"
        seen.append("after" if state == after else "before")
        log = krimdash("log", db=restored).out
        assert ("februar" in log) == (state == after)  # the audit log agrees with the figures

    # A backup that meets an import mid-transaction waits for it and holds all of it.
    db = tmp_path / "midt" / "krimdash.duckdb"
    db.parent.mkdir()
    db.write_bytes(real_db.read_bytes())
    writer = subprocess.Popen(
        [sys.executable, "-c", _SLOW_IMPORT, str(db)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout.readline().strip() == "READY"
    done = krimdash("backup", tmp_path / "kopi-midt", db=db)
    writer.communicate(timeout=60)
    assert writer.returncode == 0
    assert done.code == 0, done.err
    restored = tmp_path / "gendannet-midt.duckdb"
    assert krimdash("restore", tmp_path / "kopi-midt", "--db", restored, db=restored).code == 0
    assert "2025-02,ungeteam.cases,,51," in _export(krimdash, restored)
    assert _export(krimdash, restored) == _export(krimdash, db)
    print("states seen:", seen)


def test_backup_refuses_a_folder_in_use_and_a_missing_database(demo_db, tmp_path, krimdash):
    (tmp_path / "optaget").mkdir()
    (tmp_path / "optaget" / "noget.txt").write_text("x")
    done = krimdash("backup", tmp_path / "optaget", db=demo_db)
    assert done.code == 2 and "findes allerede" in done.err
    done = krimdash("backup", tmp_path / "kopi", db=tmp_path / "ingen.duckdb")
    assert done.code == 4 and "Der er ingen database" in done.err
    assert not (tmp_path / "kopi").exists()


def test_a_backup_from_a_newer_krimdash_is_refused(demo_db, tmp_path, krimdash):
    backup = tmp_path / "kopi"
    assert krimdash("backup", backup, db=demo_db).code == 0
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    manifest["schema_version"] = latest_version() + 1
    (backup / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    target = tmp_path / "ny.duckdb"
    done = krimdash("restore", backup, "--db", target, db=target)
    assert done.code == 1, done
    assert f"skemaversion {latest_version() + 1}" in done.err and "nyere krimdash" in done.err
    assert not target.exists()
