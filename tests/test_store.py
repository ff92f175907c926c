"""The store: every figure ever saved is kept, every write is in the audit log, nothing half-saved."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import duckdb
import pytest
import real_january

from dashboard.catalog import load_catalog
from dashboard.db import Store, _migrate, migrations, utc_now
from dashboard.exports import export_csv
from dashboard.imports import import_file, retract
from dashboard.rules import find_warnings

REAL_JANUARY = real_january.PATH
HEADER = "month,measure,category,value,note\n"
JAN = real_january.MONTH
DISCUSSED = (JAN, "knaek_kurven.discussed", "")
DISCUSSED_IN_JANUARY = real_january.value("knaek_kurven.discussed")
N_JANUARY = len(real_january.FIGURES)


@pytest.fixture
def real_store(real_db: Path, own_copy) -> Store:
    """This test's own copy of the real-January database (imported by FAS, its warning
    acknowledged with real_january.NOTE), to write to."""
    return Store(own_copy(real_db))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_real_january(store: Store) -> None:
    result = import_file(
        store,
        REAL_JANUARY,
        user="FAS",
        role="analyst",
        accept_warnings=True,
        note=real_january.NOTE,
    )
    assert result.status == "saved", result.errors


def correct_discussed_to_20(store: Store, tmp_path: Path) -> None:
    """Correcting 19 to 20 makes the funnel add up, so it needs no acknowledgement."""
    path = write(tmp_path, "rettelse.csv", HEADER + "2025-01,knaek_kurven.discussed,,20,Rettet\n")
    result = import_file(store, path, user="FAS", role="analyst")
    assert result.status == "saved", (result.errors, result.warnings)


def history(store: Store, key: tuple[date, str, str]) -> list[int | None]:
    month, measure, category = key
    rows = store.rows("figure_history", {"month": month, "measure": measure, "category": category})
    return [value for _, _, _, _, value, _, _ in rows]  # None is a retraction


def revision_count(store: Store) -> int:
    with store.reader() as conn:
        return conn.execute("select count(*) from figure_revisions").fetchone()[0]


def exported(store: Store, **kwargs: object) -> list[str]:
    return export_csv(store, **kwargs).decode("utf-8").splitlines()  # type: ignore[arg-type]


def test_a_database_from_the_first_version_is_upgraded_and_keeps_its_figures(
    db_path: Path,
) -> None:
    conn = duckdb.connect(str(db_path))
    _migrate(conn, upto=1)
    conn.execute(
        "insert into batches (id, created_at, user_name, action, note) "
        "values (1, timestamp '2025-01-15 09:00:00', 'FAS', 'import', 'første version')"
    )
    conn.execute(
        "insert into figure_revisions (batch_id, month, measure_id, category, value, note) "
        "values (1, date '2025-01-01', 'top100.screened', '', 68, 'fra version 1')"
    )
    assert conn.execute("select max(version) from schema_version").fetchone()[0] == 1
    conn.close()

    store = Store(db_path)
    latest = max(version for version, _, _ in migrations())
    assert latest > 1
    assert store.upgrade() == latest
    assert exported(store) == [HEADER.strip(), "2025-01,top100.screened,,68,fra version 1"]
    assert store.query(
        "catalog_measures"
    ).empty  # migrated, not reloaded: reference is `init`'s job
    with store.reader() as conn:
        assert conn.execute("select count(*) from targets").fetchone()[0] == 0


def test_upgrading_a_current_database_changes_nothing(real_store: Store) -> None:
    store = real_store
    before = export_csv(store)
    latest = max(version for version, _, _ in migrations())
    assert store.upgrade() == latest
    assert export_csv(store) == before


def test_a_correction_adds_a_revision_and_deletes_nothing(
    real_store: Store, tmp_path: Path
) -> None:
    store = real_store
    revisions = revision_count(store)
    correct_discussed_to_20(store, tmp_path)
    assert revision_count(store) == revisions + 1
    assert history(store, DISCUSSED) == [20, DISCUSSED_IN_JANUARY]  # newest first
    assert "2025-01,knaek_kurven.discussed,,20,Rettet" in exported(store)


def test_an_export_as_of_a_moment_before_a_correction_shows_the_old_value(
    real_store: Store, tmp_path: Path
) -> None:
    store = real_store
    before_correction = utc_now()
    correct_discussed_to_20(store, tmp_path)
    then = [line for line in exported(store, as_of=before_correction) if "discussed" in line]
    now = [line for line in exported(store) if "discussed" in line]
    assert then[0].startswith(f"2025-01,knaek_kurven.discussed,,{DISCUSSED_IN_JANUARY},")
    assert now == ["2025-01,knaek_kurven.discussed,,20,Rettet"]
    assert len(exported(store, as_of=before_correction)) == len(exported(store)) == 1 + N_JANUARY


def test_an_export_as_of_before_anything_was_saved_is_empty(store: Store) -> None:
    before_anything = utc_now()
    import_real_january(store)
    assert exported(store, as_of=before_anything) == [HEADER.strip()]


def test_a_retracted_figure_leaves_the_current_figures_but_stays_in_the_history(
    real_store: Store,
) -> None:
    store = real_store
    revisions = revision_count(store)
    retract(store, [DISCUSSED], user="FAS", role="analyst", note="Tallet var foreløbigt")
    assert not any("knaek_kurven.discussed" in line for line in exported(store))
    assert len(exported(store)) == N_JANUARY  # the header and every figure but the retracted
    assert history(store, DISCUSSED) == [None, DISCUSSED_IN_JANUARY]
    assert revision_count(store) == revisions + 1
    (latest, *_) = store.rows("batches")
    assert latest[3] == "retraction" and latest[9] == 1 and latest[11] == "Tallet var foreløbigt"


def test_a_retraction_needs_a_note_and_an_existing_figure(real_store: Store) -> None:
    store = real_store
    with pytest.raises(ValueError, match="kræver en note"):
        retract(store, [DISCUSSED], user="FAS", role="analyst", note=" ")
    with pytest.raises(ValueError, match="intet tal"):
        retract(
            store,
            [(date(2024, 12, 1), "ungeteam.cases", "")],
            user="FAS",
            role="analyst",
            note="fejl",
        )
    assert history(store, DISCUSSED) == [DISCUSSED_IN_JANUARY]


BATCH_COLUMNS = [
    "id",
    "created_at",
    "user_name",
    "action",
    "file_name",
    "file_sha256",
    "n_new",
    "n_changed",
    "n_unchanged",
    "n_retracted",
    "warnings",
    "note",
    "is_demo",
]


def latest_batch(store: Store) -> dict[str, object]:
    return dict(zip(BATCH_COLUMNS, store.rows("batches")[0], strict=True))


def test_the_audit_log_records_who_what_which_file_and_why(real_db: Path) -> None:
    batch = latest_batch(Store(real_db))
    assert batch["user_name"] == "FAS"
    assert batch["action"] == "import"
    assert batch["file_name"] == "2025-01_orientering.csv"
    assert batch["file_sha256"] == hashlib.sha256(REAL_JANUARY.read_bytes()).hexdigest()
    assert (batch["n_new"], batch["n_changed"], batch["n_unchanged"]) == (N_JANUARY, 0, 0)
    assert batch["note"] == real_january.NOTE
    assert batch["is_demo"] is False
    (warning,) = json.loads(batch["warnings"])  # type: ignore[arg-type]
    assert warning["rule"] == "sum_equals"
    assert warning["month"] == "2025-01-01"
    assert real_january.INCONSISTENCY in warning["message"]


def test_the_audit_log_counts_new_changed_and_unchanged_figures(
    real_store: Store, tmp_path: Path
) -> None:
    store = real_store
    cases, screened = real_january.value("ungeteam.cases"), real_january.value("top100.screened")
    february = write(
        tmp_path,
        "februar.csv",
        HEADER
        + f"2025-01,ungeteam.cases,,{cases},\n"  # unchanged
        + f"2025-01,top100.screened,,{screened + 2},Rettet efter ny optælling\n"  # changed
        + "2025-02,ungeteam.cases,,47,\n",  # new
    )
    result = import_file(store, february, user="Analytiker B", role="analyst")
    assert result.status == "saved"
    batch = latest_batch(store)
    assert (batch["n_new"], batch["n_changed"], batch["n_unchanged"]) == (1, 1, 1)
    assert batch["user_name"] == "Analytiker B"
    assert batch["file_sha256"] == hashlib.sha256(february.read_bytes()).hexdigest()
    assert json.loads(batch["warnings"]) == []  # type: ignore[arg-type]
    assert len(store.rows("batches")) == 3  # reference, January, February


def good_rows(n: int) -> list[str]:
    """n months of outreach contacts, 2015 onwards; the team has no start month, so no warnings."""
    return [
        f"{2015 + i // 12}-{i % 12 + 1:02d},ungeteam.outreach_contacts,,{10 + i}," for i in range(n)
    ]


def test_one_bad_row_among_a_hundred_good_ones_saves_nothing(
    real_store: Store, tmp_path: Path
) -> None:
    store = real_store
    before, batches = export_csv(store), len(store.rows("batches"))
    rows = good_rows(100)
    rows.insert(50, "2025-01,ungesporet.visits,,-3,")
    path = write(tmp_path, "hundrede.csv", HEADER + "\n".join(rows) + "\n")
    result = import_file(store, path, user="FAS", role="analyst")
    assert result.status == "rejected"
    assert [str(e) for e in result.errors] == [
        "Linje 52, kolonne «value»: -3 er negativ; tal kan ikke være under 0"
    ]
    assert export_csv(store) == before
    assert len(store.rows("batches")) == batches


def test_a_hundred_good_rows_are_saved_as_one_batch(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "hundrede.csv", HEADER + "\n".join(good_rows(100)) + "\n")
    result = import_file(store, path, user="FAS", role="analyst")
    assert result.status == "saved"
    assert len(exported(store)) == 101
    assert latest_batch(store)["n_new"] == 100


def test_an_import_that_needs_acknowledgement_changes_nothing(store: Store) -> None:
    before, batches = export_csv(store), len(store.rows("batches"))
    result = import_file(store, REAL_JANUARY, user="FAS", role="analyst")
    assert result.status == "needs_ack"
    assert [w.rule for w in result.warnings] == ["sum_equals"]
    assert export_csv(store) == before
    assert len(store.rows("batches")) == batches


def test_acknowledging_without_a_note_is_refused(store: Store) -> None:
    result = import_file(
        store, REAL_JANUARY, user="FAS", role="analyst", accept_warnings=True, note="  "
    )
    assert result.status == "rejected"
    assert "kræver en note" in str(result.errors[0])
    assert exported(store) == [HEADER.strip()]


def test_the_real_january_note_is_kept_as_reported_with_its_warning_acknowledged(
    real_db: Path,
) -> None:
    store = Store(real_db)
    lines = exported(store)
    assert len(lines) == 1 + N_JANUARY
    for (measure, category), value in real_january.FIGURES.items():
        assert any(line.startswith(f"2025-01,{measure},{category},{value},") for line in lines)
    state = {(m, meas, cat): v for m, meas, cat, v, _ in store.rows("figures_current")}
    open_warnings = find_warnings(state, load_catalog())
    acknowledged = {row[4]: row[3] for row in store.rows("acknowledged_warnings")}
    assert len(open_warnings) == 1
    assert acknowledged[open_warnings[0].message] == real_january.NOTE


def test_importing_the_same_file_again_saves_nothing_new(real_store: Store) -> None:
    store = real_store
    batches, revisions = len(store.rows("batches")), revision_count(store)
    result = import_file(store, REAL_JANUARY, user="FAS", role="analyst")
    assert result.status == "no_change"
    assert result.n_unchanged == N_JANUARY
    assert (len(store.rows("batches")), revision_count(store)) == (batches, revisions)


def test_a_dry_run_saves_nothing(store: Store) -> None:
    result = import_file(store, REAL_JANUARY, user="FAS", role="analyst", dry_run=True)
    assert result.status == "dry_run"
    assert result.n_new == N_JANUARY and len(result.warnings) == 1
    assert exported(store) == [HEADER.strip()]


def test_a_file_that_cannot_be_read_is_reported_in_danish(store: Store, tmp_path: Path) -> None:
    missing = import_file(store, tmp_path / "findes-ikke.csv", user="FAS", role="analyst")
    folder = import_file(store, tmp_path, user="FAS", role="analyst")
    assert missing.status == folder.status == "rejected"
    assert "findes-ikke.csv findes ikke" in str(missing.errors[0])
    assert "er en mappe, ikke en fil" in str(folder.errors[0])
    assert exported(store) == [HEADER.strip()]


def test_a_file_just_over_20_mb_is_not_called_20_mb(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "stor.csv"
    path.write_bytes(HEADER.encode() + b"x" * (20 * 1024 * 1024))
    result = import_file(store, path, user="FAS", role="analyst")
    assert result.status == "rejected"
    assert str(result.errors[0]) == "filen er for stor (20,1 MB); den må højst fylde 20 MB"
