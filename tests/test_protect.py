"""The public view's protection (dashboard.protect): no count from 1 to the threshold is shown or
can be worked out from what is shown.

The attacker (tests/disclosure.py) is written independently of dashboard.protect: it rebuilds the
relations an outsider knows from the catalog and the published table alone, and solves them
exactly with fractions.Fraction (Gaussian elimination), not with protect's numpy code.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import real_january
from conftest import Krimdash
from disclosure import disclosures, shown_from_public_csv, shown_numbers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import config
from dashboard.approvals import statuses
from dashboard.catalog import Catalog, Category, Initiative, Measure, Relation, load_catalog
from dashboard.db import Store
from dashboard.demo import DEMO_NOTE, demo_figures
from dashboard.exports import EXPORT_COLUMNS, PROTECTED_MARK, approved_months, public_csv
from dashboard.protect import protect

# ----------------------------------------------------------------------------------------------
# Helpers


def frame(rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(pd.Timestamp(m + "-01"), meas, cat, v) for m, meas, cat, v in rows],
        columns=["month", "measure", "category", "value"],
    )


def demo_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [(pd.Timestamp(f.month), f.measure, f.category, f.value) for f in demo_figures()],
        columns=["month", "measure", "category", "value"],
    )


def small_catalog(measures: list[Measure], relations: tuple[Relation, ...] = ()) -> Catalog:
    return Catalog(
        (Initiative("i", "I", "I", date(2024, 1, 1), "", ""),), tuple(measures), relations
    )


def measure(mid: str, kind: str, categories: tuple[str, ...] = ()) -> Measure:
    return Measure(mid, "i", mid, mid, kind, "", "", tuple(Category(c, c, c) for c in categories))


# ----------------------------------------------------------------------------------------------
# The contract


def test_the_output_keeps_rows_order_and_extra_columns() -> None:
    catalog = small_catalog([measure("a", "flow")])
    figures = frame([("2025-02", "a", "", 10), ("2025-01", "a", "", 3)]).assign(note=["x", "y"])
    figures.index = [7, 3]
    out = protect(figures, catalog, threshold=4)
    assert list(out.index) == [7, 3]
    assert list(out["note"]) == ["x", "y"]
    assert str(out["value"].dtype) == "Int64" and str(out["change"].dtype) == "Int64"
    assert list(out["protected"]) == [False, True]
    assert out["value"].iloc[0] == 10 and pd.isna(out["value"].iloc[1])
    # The change of February uses January, which is protected: the change is protected too.
    assert bool(out["change_protected"].iloc[0]) and pd.isna(out["change"].iloc[0])
    # January has no month before: no change, and nothing protected about it.
    assert pd.isna(out["change"].iloc[1]) and not out["change_protected"].iloc[1]
    assert figures["value"].tolist() == [10, 3], "the input is not changed"


def test_no_figures_give_an_empty_table_with_the_columns() -> None:
    out = protect(frame([]), small_catalog([measure("a", "flow")]), threshold=4)
    assert out.empty
    assert {"value", "protected", "change", "change_protected"} <= set(out.columns)
    assert str(out["value"].dtype) == "Int64"


def test_zero_is_shown_and_so_are_counts_above_the_threshold() -> None:
    catalog = small_catalog([measure("a", "flow")])
    figures = frame([("2025-01", "a", "", 0), ("2025-02", "a", "", 5), ("2025-03", "a", "", 4)])
    out = protect(figures, catalog, threshold=4)
    assert out["value"].tolist()[:2] == [0, 5] and out["protected"].tolist() == [False] * 2 + [True]
    assert out["change"].tolist()[1] == 5
    assert protect(figures, catalog, threshold=3)["protected"].tolist() == [False] * 3


def test_a_measure_that_counts_meetings_not_people_shows_its_small_values() -> None:
    """Screening meetings held (catalog `counts_people = false`) single out no one: 2 is shown,
    while the same 2 of a measure that counts people is hidden."""
    meetings = Measure("m", "i", "m", "m", "flow", "", "", (), counts_people=False)
    catalog = small_catalog([meetings, measure("p", "flow")])
    figures = frame([("2025-01", "m", "", 2), ("2025-01", "p", "", 2)])
    out = protect(figures, catalog, threshold=4)
    assert out["protected"].tolist() == [False, True]
    assert out["value"].tolist()[0] == 2
    shipped = load_catalog()
    assert not shipped.measure("knaek_kurven.screening_meetings").counts_people
    assert not shipped.measure("ungesporet.activities").counts_people
    assert shipped.measure("knaek_kurven.accepted").counts_people


def test_the_threshold_comes_from_the_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = small_catalog([measure("a", "flow")])
    figures = frame([("2025-01", "a", "", 6)])
    assert not protect(figures, catalog)["protected"].any()
    monkeypatch.setenv("KRIMDASH_SMALL_COUNT", "6")
    assert config.small_count_threshold() == 6
    assert protect(figures, catalog)["protected"].all()
    monkeypatch.setenv("KRIMDASH_SMALL_COUNT", "nul")
    with pytest.raises(ValueError, match="KRIMDASH_SMALL_COUNT"):
        config.small_count_threshold()


def test_a_category_is_not_worked_out_from_the_total_and_the_other_categories() -> None:
    catalog = small_catalog([measure("a", "stock", ("x", "y", "z"))])
    figures = frame(
        [("2025-01", "a", "", 30), ("2025-01", "a", "x", 3), ("2025-01", "a", "y", 12)]
        + [("2025-01", "a", "z", 15)]
    )
    out = protect(figures, catalog, threshold=4)
    assert out["protected"].sum() >= 2
    # The complement is the smallest published part, not the total.
    assert out["protected"].tolist() == [False, True, True, False]
    assert disclosures(figures, out, catalog, 4) == []


def test_a_running_total_hides_a_small_monthly_count() -> None:
    catalog = small_catalog([measure("a", "cumulative")])
    figures = frame([("2025-01", "a", "", 20), ("2025-02", "a", "", 22), ("2025-03", "a", "", 30)])
    out = protect(figures, catalog, threshold=4)
    assert not out["protected"].iloc[0] or not out["protected"].iloc[1]
    assert out["change_protected"].iloc[1]
    assert disclosures(figures, out, catalog, 4) == []
    assert all(not 1 <= abs(n) <= 4 for n in shown_numbers(out, catalog))


def test_the_funnel_identities_are_known_to_the_outsider() -> None:
    catalog = small_catalog(
        [measure("offered", "cumulative"), measure("yes", "cumulative"), measure("no", "stock")],
        (Relation("sum_equals", ("yes", "no", "offered")),),
    )
    figures = frame(
        [("2025-01", "offered", "", 12), ("2025-01", "yes", "", 9), ("2025-01", "no", "", 3)]
    )
    out = protect(figures, catalog, threshold=4)
    assert out["protected"].sum() == 2
    assert disclosures(figures, out, catalog, 4) == []


def test_the_demo_figures_are_protected_against_the_attacker() -> None:
    catalog = load_catalog()
    figures = demo_frame()
    out = protect(figures, catalog)
    assert all(not 1 <= abs(n) <= 4 for n in shown_numbers(out, catalog))
    assert disclosures(figures, out, catalog, 4) == []
    assert (~out["protected"]).sum() > len(out) // 3, "most of the demo is still shown"


def test_protection_is_deterministic() -> None:
    catalog = load_catalog()
    figures = demo_frame()
    first = protect(figures, catalog)
    shuffled = figures.sample(frac=1, random_state=1)
    second = protect(shuffled, catalog).loc[figures.index]
    pd.testing.assert_frame_equal(first, second)


def test_the_real_january_figures_hide_the_small_outcomes() -> None:
    # The note of 15 January 2025: 3 accepted, 2 declined, 3 in process of 8 offered. The
    # three small outcomes are hidden; their sum (8) is no small count, so offered stays.
    figures = pd.DataFrame(
        [
            (pd.Timestamp(real_january.MONTH), measure, category, value)
            for (measure, category), value in real_january.FIGURES.items()
        ],
        columns=["month", "measure", "category", "value"],
    )
    out = protect(figures, load_catalog()).set_index("measure")
    hidden = set(out.index[out["protected"]])
    assert hidden == {"knaek_kurven.accepted", "knaek_kurven.declined", "knaek_kurven.in_process"}
    assert out.loc["knaek_kurven.offered", "value"] == 8
    assert disclosures(figures, out.reset_index(), load_catalog(), 4) == []


# ----------------------------------------------------------------------------------------------
# The property test: random catalogs and figures


@st.composite
def catalogs_and_figures(
    draw: st.DrawFn, max_measures: int = 4, max_months: int = 5
) -> tuple[Catalog, pd.DataFrame, int]:
    """A random catalog (kinds, categories, up to two sum_equals relations), figures for it
    (running totals that mostly grow a little, now and then a month not reported; totals
    mostly consistent with their parts) and a threshold."""
    n_measures = draw(st.integers(1, max_measures))
    measures = []
    for k in range(n_measures):
        kind = draw(st.sampled_from(["cumulative", "stock", "flow"]))
        n_categories = draw(st.integers(0, 3))
        measures.append(measure(f"m{k}", kind, tuple(f"c{j}" for j in range(n_categories))))
    relations = []
    for _ in range(draw(st.integers(0, 2)) if n_measures >= 3 else 0):
        ids = [m.id for m in measures]
        chosen = draw(st.permutations(ids))[: draw(st.integers(3, n_measures))]
        relations.append(Relation("sum_equals", tuple(chosen)))
    catalog = small_catalog(measures, tuple(relations))
    n_months = draw(st.integers(1, max_months))
    months = [f"2025-{k + 1:02d}" for k in range(n_months)]
    level = st.integers(0, 12)
    values: dict[tuple[str, str, str], int] = {}
    consistent = draw(st.booleans())
    for m in measures:
        for category in [""] + list(m.category_ids):
            running = 0
            for month in months:
                if draw(st.integers(0, 9)) == 0:
                    continue  # not reported
                if m.kind == "cumulative":
                    running += draw(st.integers(0, 6))
                    values[(month, m.id, category)] = running
                else:
                    values[(month, m.id, category)] = draw(level)
    if consistent:
        for month in months:
            for relation in relations:
                *parts, total = relation.measures
                if all((month, p, "") in values for p in parts):
                    values[(month, total, "")] = sum(values[(month, p, "")] for p in parts)
            for m in measures:
                parts = [(month, m.id, c) for c in m.category_ids]
                if parts and all(p in values for p in parts):
                    values[(month, m.id, "")] = sum(values[p] for p in parts)
    threshold = draw(st.integers(1, 4))
    rows = [(*key, value) for key, value in values.items()]
    return catalog, frame(rows), threshold


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogs_and_figures())
def test_no_small_count_can_be_worked_out(case: tuple[Catalog, pd.DataFrame, int]) -> None:
    catalog, figures, threshold = case
    out = protect(figures, catalog, threshold=threshold)
    assert all(not 1 <= abs(n) <= threshold for n in shown_numbers(out, catalog))
    assert disclosures(figures, out, catalog, threshold) == []


# ----------------------------------------------------------------------------------------------
# The public export


def _approved_truth(db: Path) -> pd.DataFrame:
    """The current figures of the approved months: what the public export protects."""
    store = Store(db)
    months = set(approved_months(store))
    rows = [r for r in store.rows("figures_current") if r[0] in months]
    return pd.DataFrame(
        [(pd.Timestamp(m), meas, cat, v) for m, meas, cat, v, _ in rows],
        columns=["month", "measure", "category", "value"],
    )


@pytest.mark.parametrize("threshold", ["4", "6"])
def test_the_public_export_of_the_demo_shows_no_small_count(
    demo_db: Path, krimdash: Krimdash, tmp_path: Path, threshold: str
) -> None:
    path = tmp_path / "offentlig.csv"
    code, out, err = krimdash(
        "export", "--public", "-o", path, db=demo_db, KRIMDASH_SMALL_COUNT=threshold
    )
    assert code == 0, err
    data = path.read_bytes()
    limit = int(threshold)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert list(rows[0]) == EXPORT_COLUMNS
    people = {m.id for m in load_catalog().measures if m.counts_people}
    shown = [int(r["value"]) for r in rows if r["value"] != PROTECTED_MARK]
    shown_people = [
        int(r["value"]) for r in rows if r["value"] != PROTECTED_MARK and r["measure"] in people
    ]
    hidden = [r for r in rows if r["value"] == PROTECTED_MARK]
    assert shown and hidden
    assert not [v for v in shown_people if 1 <= v <= limit]
    # `..` has its footnote, and the demo figures stay marked as demo.
    assert all(f"(1-{limit})" in r["note"] for r in hidden)
    assert all(r["note"].startswith(DEMO_NOTE) for r in rows)
    # Approved months only, all of their figures, protected by the one function.
    truth = _approved_truth(demo_db)
    assert {r["month"] for r in rows} == {m.strftime("%Y-%m") for m in truth["month"]}
    drafts = {m.strftime("%Y-%m") for m, s in statuses(Store(demo_db)).items() if s != "approved"}
    assert drafts, "init --demo leaves the latest month a draft"
    assert not drafts & {r["month"] for r in rows}
    assert len(rows) == len(truth)
    expected = protect(truth, load_catalog(), limit)
    assert [r["value"] for r in rows] == [
        PROTECTED_MARK if p else str(v)
        for v, p in zip(expected["value"], expected["protected"], strict=True)
    ]
    # An outsider who reads the file works out no small count.
    assert disclosures(truth, shown_from_public_csv(data), load_catalog(), limit) == []


def test_the_public_export_keeps_only_demo_notes(
    db_path: Path, krimdash: Krimdash, tmp_path: Path
) -> None:
    assert krimdash("init", db=db_path).code == 0
    figures = tmp_path / "tal.csv"
    figures.write_text(
        "month,measure,category,value,note\n"
        "2025-01,ungeteam.cases,,3,Familien på Bazarvej 7\n"
        "2025-01,ungesporet.visits,,40,intern bemærkning\n",
        encoding="utf-8",
    )
    code, _, err = krimdash("import", figures, db=db_path)
    assert code == 0, err
    # The public sees approved months only: nothing until January is approved.
    assert public_csv(Store(db_path)) == b"month,measure,category,value,note\n"
    assert krimdash("month", "approve", "2025-01", "--user", "raadmand", db=db_path).code == 0
    assert approved_months(Store(db_path)) == [date(2025, 1, 1)]
    text = public_csv(Store(db_path)).decode("utf-8")
    assert "Bazarvej" not in text and "intern" not in text
    assert "2025-01,ungeteam.cases,,..," in text
    assert "2025-01,ungesporet.visits,,40,\n" in text
