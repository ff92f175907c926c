"""Month status, roles kept in the database, the public view's switch, and the write path's own
role checks (dashboard/approvals.py, dashboard/access.py, db.insert_batch)."""

from __future__ import annotations

import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
import real_january
from conftest import digest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import access, approvals
from dashboard.access import LOCAL, NotAllowed
from dashboard.db import Store, utc_now
from dashboard.demo import DEMO_USERS, demo_figures
from dashboard.imports import import_file, retract

JAN = pd.Timestamp(real_january.MONTH)
HEADER = "month,measure,category,value,note\n"


@pytest.fixture
def real_store(real_db: Path, own_copy) -> Store:
    return Store(own_copy(real_db))


@pytest.fixture
def demo_store(demo_db: Path, own_copy) -> Store:
    return Store(own_copy(demo_db))


def change_discussed(store: Store, tmp_path: Path, value: int) -> int:
    path = tmp_path / f"rettelse-{value}.csv"
    path.write_text(HEADER + f"2025-01,knaek_kurven.discussed,,{value},Rettet\n", encoding="utf-8")
    result = import_file(
        store, path, user="FAS", role="analyst", accept_warnings=True, note="rettelse"
    )
    assert result.status == "saved", (result.errors, result.warnings)
    return result.batch_id


# --- status -----------------------------------------------------------------------------------


def test_the_real_january_import_leaves_january_as_kladde(real_db: Path) -> None:
    store = Store(real_db)
    assert approvals.statuses(store) == {JAN: "kladde"}
    assert approvals.approved_months(store) == []


def test_init_demo_approves_every_demo_month_but_the_latest(demo_db: Path) -> None:
    store = Store(demo_db)
    months = sorted({pd.Timestamp(f.month) for f in demo_figures()})
    status = approvals.statuses(store)
    assert list(status) == months
    assert approvals.approved_months(store) == months[:-1]
    assert status[months[-1]] == "kladde"
    assert all(isinstance(m, pd.Timestamp) for m in status)


def test_approve_then_a_change_sends_the_month_back_to_kladde_with_the_rows(
    real_store: Store, tmp_path: Path
) -> None:
    assert approvals.approve(real_store, "2025-01", user="raadmand", role="raadmand") is True
    assert approvals.approved_months(real_store) == [JAN]
    assert approvals.approve(real_store, JAN, user="raadmand", role="raadmand") is False
    approved_at = utc_now()
    time.sleep(0.01)
    batch = change_discussed(real_store, tmp_path, 20)
    assert approvals.statuses(real_store) == {JAN: "kladde"}
    rows = approvals.history(real_store)  # newest first
    assert [(r[1], r[2], r[4], r[6]) for r in rows] == [
        (real_january.MONTH, "kladde", "FAS", batch),
        (real_january.MONTH, "approved", "raadmand", None),
    ]
    assert str(batch) in rows[0][5]
    # As-of replay: between the approval and the change, January was approved.
    assert approvals.statuses(real_store, as_of=approved_at) == {JAN: "approved"}
    assert approvals.approved_months(real_store, as_of=approved_at) == [JAN]
    assert approvals.statuses(real_store, as_of=utc_now()) == {JAN: "kladde"}


def test_a_change_to_a_kladde_month_adds_no_status_row(real_store: Store, tmp_path: Path) -> None:
    change_discussed(real_store, tmp_path, 20)
    assert approvals.history(real_store) == []


def test_a_retraction_in_an_approved_month_sends_it_back_too(real_store: Store) -> None:
    approvals.approve(real_store, JAN, user="raadmand", role="raadmand")
    retract(
        real_store,
        [(real_january.MONTH, "knaek_kurven.discussed", "")],
        user="FAS",
        role="analyst",
        note="foreløbigt",
    )
    assert approvals.statuses(real_store) == {JAN: "kladde"}


def test_only_the_months_a_batch_touches_go_back(demo_store: Store, tmp_path: Path) -> None:
    before = approvals.statuses(demo_store)
    assert before[JAN] == "approved"
    change_discussed(demo_store, tmp_path, 20)
    after = approvals.statuses(demo_store)
    assert after[JAN] == "kladde"
    assert {m: s for m, s in after.items() if m != JAN} == {
        m: s for m, s in before.items() if m != JAN
    }


def test_reopen_and_its_reason(real_store: Store) -> None:
    approvals.approve(real_store, JAN, user="raadmand", role="raadmand")
    assert approvals.reopen(real_store, JAN, user="raadmand", role="raadmand", reason="fejl")
    assert approvals.statuses(real_store) == {JAN: "kladde"}
    assert approvals.history(real_store)[0][2:6:3] == ("kladde", "fejl")
    assert approvals.reopen(real_store, JAN, user="raadmand", role="raadmand") is False


@pytest.mark.parametrize("month", ["2024-12", "2025-13", "", "jan"])
def test_a_month_without_figures_or_no_month_is_refused_and_nothing_written(
    real_store: Store, month: str
) -> None:
    before = digest(real_store.path)
    with pytest.raises(ValueError):
        approvals.approve(real_store, month, user="raadmand", role="raadmand")
    assert digest(real_store.path) == before


def test_as_of_before_any_figure_knows_no_month(real_store: Store) -> None:
    assert approvals.statuses(real_store, as_of=utc_now() - timedelta(days=3650)) == {}


# --- the write path checks the role again -----------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "analyst", "admin", None, "bogus"])
def test_only_the_raadmand_and_the_command_line_approve(real_store: Store, role) -> None:
    before = digest(real_store.path)
    with pytest.raises(NotAllowed, match="må ikke"):
        approvals.approve(real_store, JAN, user="x", role=role)
    with pytest.raises(NotAllowed):
        approvals.reopen(real_store, JAN, user="x", role=role)
    assert digest(real_store.path) == before
    assert approvals.approve(real_store, JAN, user="cli", role=LOCAL)


@pytest.mark.parametrize("role", ["viewer", "raadmand", "admin", None])
def test_only_an_analyst_imports_or_retracts(real_store: Store, tmp_path: Path, role) -> None:
    before = digest(real_store.path)
    path = tmp_path / "ny.csv"
    path.write_text(HEADER + "2025-01,knaek_kurven.discussed,,20,\n", encoding="utf-8")
    with pytest.raises(NotAllowed):
        import_file(real_store, path, user="x", role=role)
    with pytest.raises(NotAllowed):
        import_file(real_store, path, user="x", role=role, dry_run=True)
    with pytest.raises(NotAllowed):
        retract(
            real_store,
            [(date(2025, 1, 1), "knaek_kurven.discussed", "")],
            user="x",
            role=role,
            note="n",
        )
    assert digest(real_store.path) == before


@pytest.mark.parametrize("role", ["viewer", "raadmand", "analyst", None])
def test_only_an_admin_manages_users_and_the_public_view(real_store: Store, role) -> None:
    before = digest(real_store.path)
    with pytest.raises(NotAllowed):
        access.add_user(real_store, "ny", "admin", by="x", by_role=role)
    with pytest.raises(NotAllowed):
        access.remove_user(real_store, "ny", by="x", by_role=role)
    with pytest.raises(NotAllowed):
        access.set_public(real_store, True, user="x", role=role)
    assert digest(real_store.path) == before


# --- users and roles ----------------------------------------------------------------------------


def test_demo_users_and_their_roles(demo_db: Path) -> None:
    store = Store(demo_db)
    assert {s: r for s, r, _, _ in access.list_users(store)} == DEMO_USERS
    for subject, role in DEMO_USERS.items():
        assert access.role_of(store, subject) == role


def test_add_change_and_remove_a_user(real_store: Store) -> None:
    assert access.role_of(real_store, "Mette@Aarhus.dk") is None
    assert access.add_user(real_store, " Mette@Aarhus.dk ", "viewer", by="it", by_role="admin")
    # An e-mail is matched in any case; a sub is matched as it is.
    assert access.role_of(real_store, "mette@aarhus.dk") == "viewer"
    assert access.role_of(real_store, "abc-123", email="METTE@aarhus.dk") == "viewer"
    assert not access.add_user(real_store, "mette@aarhus.dk", "raadmand", by="it", by_role="admin")
    assert access.role_of(real_store, "mette@aarhus.dk") == "raadmand"
    ((subject, role, added_at, added_by),) = access.list_users(real_store)
    assert (subject, role, added_by) == ("mette@aarhus.dk", "raadmand", "it")
    access.remove_user(real_store, "mette@aarhus.dk", by="it", by_role=LOCAL)
    assert access.role_of(real_store, "mette@aarhus.dk") is None
    with pytest.raises(ValueError, match="er ikke bruger"):
        access.remove_user(real_store, "mette@aarhus.dk", by="it", by_role=LOCAL)


def test_a_sub_is_case_sensitive_and_a_group_maps_to_a_role(real_store: Store) -> None:
    access.add_user(real_store, "AbC", "analyst", by="it", by_role=LOCAL)
    access.add_user(real_store, "grp-udvalg", "viewer", by="it", by_role=LOCAL)
    assert access.role_of(real_store, "abc") is None
    assert access.role_of(real_store, "AbC", groups=["grp-udvalg"]) == "analyst"
    assert access.role_of(real_store, "someone", groups=["x", "grp-udvalg"]) == "viewer"
    assert access.role_of(real_store, None) is None


@pytest.mark.parametrize("subject", ["", "   ", "a\nb", "x" * 300])
def test_a_bad_subject_is_refused(real_store: Store, subject: str) -> None:
    with pytest.raises(ValueError):
        access.add_user(real_store, subject, "viewer", by="it", by_role=LOCAL)
    assert access.role_of(real_store, subject) is None


def test_an_unknown_role_is_refused(real_store: Store) -> None:
    with pytest.raises(ValueError, match="ukendt rolle"):
        access.add_user(real_store, "a", "superuser", by="it", by_role=LOCAL)
    assert access.list_users(real_store) == []


def test_role_of_without_a_database_is_no_role(tmp_path: Path) -> None:
    assert access.role_of(Store(tmp_path / "nothing.duckdb"), "udvalg") is None
    assert not (tmp_path / "nothing.duckdb").exists()


# --- the public view and the demo flag --------------------------------------------------------


def test_the_public_view_is_on_for_demo_and_off_for_real_figures(
    demo_db: Path, real_db: Path
) -> None:
    assert access.public_view(Store(demo_db)) is True
    assert access.public_view(Store(real_db)) is False
    assert not access.public_view_is_set(Store(real_db))


def test_an_empty_database_has_no_public_view(store: Store) -> None:
    assert access.public_view(store) is False


def test_an_admin_turns_the_public_view_on_and_off(real_store: Store) -> None:
    access.set_public(real_store, True, user="it", role="admin")
    assert access.public_view(real_store) is True and access.public_view_is_set(real_store)
    access.set_public(real_store, False, user="it", role=LOCAL)
    assert access.public_view(real_store) is False


def test_real_figures_turn_the_default_public_view_off(demo_store: Store, tmp_path: Path) -> None:
    assert access.public_view(demo_store)
    change_discussed(demo_store, tmp_path, 20)  # a figure without the DEMO note
    assert not access.public_view(demo_store)


def test_made_by_demo_init(demo_db: Path, real_db: Path) -> None:
    assert access.made_by_demo_init(Store(demo_db)) is True
    assert access.made_by_demo_init(Store(real_db)) is False


def test_the_gate_reads_the_database_once_per_data_version(
    real_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    access.add_user(real_store, "udvalg", "viewer", by="it", by_role=LOCAL)
    assert access.role_of(real_store, "udvalg") == "viewer"
    assert access.public_view(real_store) is False
    assert access.made_by_demo_init(real_store) is False

    def no_connection(self: Store):  # noqa: ANN202
        raise AssertionError("a page run with an unchanged database opened a connection")

    with monkeypatch.context() as patch:
        patch.setattr(Store, "reader", no_connection)
        assert access.role_of(real_store, "udvalg") == "viewer"
        assert access.role_of(real_store, "nobody") is None
        assert access.public_view(real_store) is False
        assert access.made_by_demo_init(real_store) is False
    # A write changes the data version, so the next run reads the change.
    access.add_user(real_store, "udvalg", "raadmand", by="it", by_role=LOCAL)
    assert access.role_of(real_store, "udvalg") == "raadmand"


# --- as-of replay over any sequence of approvals, reopenings and changes ----------------------

MONTHS3 = ["2025-01", "2025-02", "2025-03"]


@pytest.fixture(scope="module")
def three_months(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with figures for January to March 2025, all kladde; copied per example."""
    from dashboard.reference import load_reference

    folder = tmp_path_factory.mktemp("three-months")
    store = Store(folder / "k.duckdb")
    store.upgrade()
    load_reference(store, user="test")
    path = folder / "tre.csv"
    path.write_text(
        HEADER + "".join(f"{m},ungeteam.cases,,{40 + i},\n" for i, m in enumerate(MONTHS3)),
        encoding="utf-8",
    )
    assert import_file(store, path, user="FAS", role="analyst").status == "saved"
    return store.path


OPERATION = st.tuples(st.sampled_from(["approve", "reopen", "change"]), st.sampled_from(MONTHS3))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations=st.lists(OPERATION, min_size=1, max_size=7))
def test_as_of_replay_shows_the_status_after_each_step(
    three_months: Path, operations: list[tuple[str, str]]
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="replay-", dir=three_months.parent))
    try:
        store = Store(shutil.copy(three_months, folder / "k.duckdb"))
        model = {pd.Timestamp(m): "kladde" for m in MONTHS3}
        moments = [(utc_now(), dict(model))]
        for step, (operation, month) in enumerate(operations):
            key = pd.Timestamp(month)
            if operation == "approve":
                changed = approvals.approve(store, month, user="r", role="raadmand")
                assert changed == (model[key] == "kladde")
                model[key] = "approved"
            elif operation == "reopen":
                changed = approvals.reopen(store, month, user="r", role="raadmand")
                assert changed == (model[key] == "approved")
                model[key] = "kladde"
            else:
                path = folder / f"{step}.csv"
                path.write_text(HEADER + f"{month},ungeteam.cases,,{100 + step},\n")
                result = import_file(store, path, user="a", role="analyst")
                assert result.status == "saved"
                model[key] = "kladde"
            moments.append((utc_now(), dict(model)))
        for moment, expected in moments:
            assert approvals.statuses(store, as_of=moment) == expected
        assert approvals.statuses(store) == model
        assert approvals.approved_months(store) == [m for m, s in model.items() if s == "approved"]
    finally:
        shutil.rmtree(folder)
