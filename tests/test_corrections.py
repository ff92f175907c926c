"""Corrections on the single write path: a save that was shown other values than the store now
holds is told what changed and saves nothing (imports.import_rows' `expected=`), and a whole
batch is undone as a new batch (corrections.undo_batch), refused when later batches changed its
figures. Nothing is ever deleted: every step stays in the figures' history."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import real_january
from conftest import digest

from dashboard import approvals
from dashboard.access import NotAllowed
from dashboard.corrections import UndoRefused, shown_by, undo_batch
from dashboard.db import Store
from dashboard.imports import import_file, import_rows, retract
from dashboard.records import RawRow

JAN = real_january.MONTH
DISCUSSED = (JAN, "knaek_kurven.discussed", "")
HEADER = "month,measure,category,value,note\n"


@pytest.fixture
def real_store(real_db: Path, own_copy) -> Store:
    return Store(own_copy(real_db))


def current(store: Store) -> dict:
    return {(m, meas, cat): v for m, meas, cat, v, _ in store.rows("figures_current")}


def history(store: Store, key: tuple) -> list:
    month, measure, category = key
    rows = store.rows("figure_history", {"month": month, "measure": measure, "category": category})
    return [(action, value) for _, _, action, _, value, _, _ in rows]


def row(measure: str, value: object, month: object = "2025-01", category: str = "") -> RawRow:
    return RawRow(1, month, measure, category, value)


def save(store: Store, rows: list[RawRow], **kw) -> object:
    kw.setdefault("user", "FAS")
    kw.setdefault("role", "analyst")
    return import_rows(store, rows, accept_warnings=True, note=kw.pop("note", "test"), **kw)


# --- expected: the values the form or preview showed ------------------------------------------


def test_a_save_shown_old_values_is_told_what_changed_and_saves_nothing(
    real_store: Store, tmp_path: Path, krimdash
) -> None:
    shown = {DISCUSSED: current(real_store)[DISCUSSED]}  # 19, as the form showed it
    # Meanwhile the command line changes the figure.
    path = tmp_path / "imellem.csv"
    path.write_text(HEADER + "2025-01,knaek_kurven.discussed,,21,\n", encoding="utf-8")
    code, _, err = krimdash(
        "import", path, "--accept-warnings", "--note", "imellem", db=real_store.path
    )
    assert code == 0, err
    before = digest(real_store.path)

    result = save(real_store, [row("knaek_kurven.discussed", 20)], expected=shown)

    assert result.status == "conflict"
    assert result.batch_id is None
    assert digest(real_store.path) == before, "nothing saved"
    [conflict] = result.conflicts
    assert (conflict.key, conflict.shown, conflict.now, conflict.by) == (
        DISCUSSED,
        19,
        21,
        "analytiker",
    )
    assert conflict.at is not None
    assert "januar 2025 / knaek_kurven.discussed: viste 19, er nu 21 (gemt af analytiker" in str(
        result.errors[0]
    )
    # Shown the new value, the save goes through.
    result = save(real_store, [row("knaek_kurven.discussed", 20)], expected={DISCUSSED: 21})
    assert result.status == "saved"
    assert current(real_store)[DISCUSSED] == 20


def test_a_figure_added_or_retracted_since_is_a_conflict_too(real_store: Store) -> None:
    new_key = (date(2025, 2, 1), "knaek_kurven.discussed", "")
    assert save(real_store, [row("knaek_kurven.discussed", 3, "2025-02")]).status == "saved"
    retract(real_store, [DISCUSSED], user="FAS", role="analyst", note="forkert")
    before = digest(real_store.path)
    result = save(
        real_store,
        [row("knaek_kurven.discussed", 4, "2025-02")],
        expected={new_key: None, DISCUSSED: 19},
    )
    assert result.status == "conflict"
    assert {(c.key, c.shown, c.now) for c in result.conflicts} == {
        (new_key, None, 3),
        (DISCUSSED, 19, None),
    }
    assert digest(real_store.path) == before


def test_a_preview_plan_is_the_expected_values_of_its_save(
    real_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "fil.csv"
    path.write_text(
        HEADER + "2025-01,knaek_kurven.discussed,,20,\n2025-02,knaek_kurven.discussed,,4,\n"
        "2025-01,top100.screened,,68,\n",
        encoding="utf-8",
    )
    preview = import_file(real_store, path, user="FAS", role="analyst", dry_run=True)
    assert preview.status == "dry_run"
    shown = shown_by(preview)
    values = {
        (m, measure, category): value
        for m, measure, category, value in zip(*shown.to_pydict().values(), strict=True)
    }
    assert (
        values[DISCUSSED] == 19 and values[(date(2025, 2, 1), "knaek_kurven.discussed", "")] is None
    )
    assert len(values) == 3
    saved = import_file(
        real_store, path, user="FAS", role="analyst", accept_warnings=True, note="n", expected=shown
    )
    assert saved.status == "saved", saved.errors


# --- undo a batch ------------------------------------------------------------------------------


def test_undo_restores_changed_figures_and_retracts_new_ones(real_store: Store) -> None:
    before = current(real_store)
    feb = (date(2025, 2, 1), "knaek_kurven.discussed", "")
    batch = save(
        real_store,
        [row("knaek_kurven.discussed", 20), row("knaek_kurven.discussed", 4, "2025-02")],
    ).batch_id
    assert current(real_store)[DISCUSSED] == 20 and current(real_store)[feb] == 4

    undone = undo_batch(real_store, batch, user="FAS", role="analyst", note="forkert fil")

    assert (undone.restored, undone.retracted) == (1, 1)
    assert current(real_store) == before
    # Nothing deleted: the history has the original, the change and the undo.
    assert history(real_store, DISCUSSED) == [("undo", 19), ("import", 20), ("import", 19)]
    assert history(real_store, feb) == [("undo", None), ("import", 4)]
    log = real_store.query("batches")
    assert log.iloc[0]["action"] == "undo"
    assert log.iloc[0]["note"] == f"fortryder indlæsning nr. {batch}: forkert fil"
    assert (log.iloc[0]["n_changed"], log.iloc[0]["n_retracted"]) == (1, 1)


def test_undo_of_an_approved_month_sends_it_back_to_kladde(real_store: Store) -> None:
    batch = save(real_store, [row("knaek_kurven.discussed", 20)]).batch_id
    approvals.approve(real_store, JAN, user="raadmand", role="raadmand")
    undone = undo_batch(real_store, batch, user="FAS", role="analyst", note="forkert")
    assert approvals.statuses(real_store) == {pd.Timestamp(JAN): "kladde"}
    assert approvals.history(real_store)[0][6] == undone.batch_id


def test_undo_is_refused_when_a_later_batch_changed_its_figures(real_store: Store) -> None:
    first = save(real_store, [row("knaek_kurven.discussed", 20), row("top100.screened", 70)])
    save(real_store, [row("knaek_kurven.discussed", 22)])
    before = digest(real_store.path)
    with pytest.raises(UndoRefused) as refused:
        undo_batch(real_store, first.batch_id, user="FAS", role="analyst", note="forkert")
    message = str(refused.value)
    assert "januar 2025 / knaek_kurven.discussed (ændret ved nr." in message
    assert "top100.screened" not in message
    assert "intet er gemt" in message
    assert digest(real_store.path) == before


@pytest.mark.parametrize(
    ("batch", "note", "expected"),
    [
        (None, "", "kræver en begrundelse"),
        (None, "   ", "kræver en begrundelse"),
        (999, "n", "ingen indlæsning nr. 999"),
        (1, "n", "har ingen tal at fortryde"),  # the catalog's batch from krimdash init
    ],
)
def test_undo_needs_a_reason_and_a_batch_with_figures(real_store, batch, note, expected) -> None:
    batch = batch or real_store.query("batches").iloc[0]["id"]
    before = digest(real_store.path)
    with pytest.raises(UndoRefused, match=expected):
        undo_batch(real_store, int(batch), user="FAS", role="analyst", note=note)
    assert digest(real_store.path) == before


@pytest.mark.parametrize("role", ["viewer", "raadmand", "admin", None])
def test_only_an_analyst_undoes(real_store: Store, role) -> None:
    batch = int(real_store.query("batches").iloc[0]["id"])
    before = digest(real_store.path)
    with pytest.raises(NotAllowed):
        undo_batch(real_store, batch, user="x", role=role, note="n")
    assert digest(real_store.path) == before


def test_a_withdrawn_figure_imported_again_is_new_not_unchanged(
    real_store: Store, tmp_path: Path
) -> None:
    """The plan reads the latest revision of each figure, and a withdrawal's is no value: the
    same value imported after a withdrawal is a new figure again (and a withdrawal's note does
    not make it "changed")."""
    value = real_january.value("knaek_kurven.discussed")
    retract(real_store, [DISCUSSED], user="FAS", role="analyst", note="Forkert måned")
    assert DISCUSSED not in current(real_store)
    again = tmp_path / "igen.csv"
    again.write_text(f"{HEADER}{JAN:%Y-%m},knaek_kurven.discussed,,{value},\n", encoding="utf-8")
    plan = import_file(real_store, again, user="FAS", role="analyst", dry_run=True)
    assert (plan.counts["new"], plan.counts["changed"], plan.counts["unchanged"]) == (1, 0, 0)
    assert [(change, old) for _, change, old in plan.sample] == [("new", None)]
    # a figure never withdrawn is unchanged when imported with the same value
    relevant = real_january.value("knaek_kurven.relevant")
    same = tmp_path / "samme.csv"
    same.write_text(f"{HEADER}{JAN:%Y-%m},knaek_kurven.relevant,,{relevant},\n", encoding="utf-8")
    plan = import_file(real_store, same, user="FAS", role="analyst", dry_run=True)
    assert (plan.counts["new"], plan.counts["unchanged"]) == (0, 1)
