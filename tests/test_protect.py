"""The public view's protection (dashboard.protect): no count from 1 to the threshold is shown or
can be worked out from what is shown.

The attacker here is written independently of dashboard.protect: it rebuilds the relations an
outsider knows from the catalog and the published table alone, and solves them exactly with
fractions.Fraction (Gaussian elimination), not with protect's numpy code.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import config
from dashboard.catalog import Catalog, Category, Initiative, Measure, Relation, load_catalog
from dashboard.demo import demo_figures
from dashboard.protect import protect

# ----------------------------------------------------------------------------------------------
# The attacker


def _month_index(stamp: pd.Timestamp) -> int:
    return stamp.year * 12 + stamp.month


class Attacker:
    """What an outsider can work out from a protected table: exact linear algebra over Q.

    Unknowns: every figure's value, and every series' change from the month before (for every
    kind: a published change of a stock is knowledge too). Equations: a total is the sum of its
    categories (every category there), the catalog's sum_equals relations, and
    value(t) - value(t-1) - change(t) = 0. Published values and changes are known numbers.
    """

    def __init__(self, shown: pd.DataFrame, catalog: Catalog) -> None:
        self.catalog = catalog
        self.names: dict[tuple, int] = {}
        self.known: dict[int, Fraction] = {}
        self.equations: list[dict[int, Fraction]] = []
        rows = {}
        for row in shown.itertuples(index=False):
            key = (_month_index(row.month), row.measure, row.category)
            rows[key] = row
            var = self.var(("v", *key))
            if not row.protected:
                assert not pd.isna(row.value), "a published value is <NA>"
                self.known[var] = Fraction(int(row.value))
            else:
                assert pd.isna(row.value), "a protected value is shown"
        for (month, measure, category), row in rows.items():
            if (month - 1, measure, category) in rows:
                change = self.var(("c", month, measure, category))
                self.equation(
                    {("v", month, measure, category): 1, ("v", month - 1, measure, category): -1},
                    change,
                )
                if not row.change_protected:
                    assert not pd.isna(row.change), "a published change is <NA>"
                    self.known[change] = Fraction(int(row.change))
                else:
                    assert pd.isna(row.change), "a protected change is shown"
            else:
                assert pd.isna(row.change)
        months = {m for m, _, _ in rows}
        for month in months:
            for measure in catalog.measures:
                keys = [(month, measure.id, c.id) for c in measure.categories]
                if keys and (month, measure.id, "") in rows and all(k in rows for k in keys):
                    parts = {("v", *k): -1 for k in keys}
                    self.equation({("v", month, measure.id, ""): 1, **parts})
            for relation in catalog.relations:
                if relation.kind == "sum_equals":
                    *parts, total = relation.measures
                    if all((month, m, "") in rows for m in relation.measures):
                        terms: dict[tuple, int] = defaultdict(int)
                        terms[("v", month, total, "")] += 1
                        for m in parts:
                            terms[("v", month, m, "")] -= 1
                        self.equation(terms)
        self.rows = rows
        self._reduce()

    def var(self, name: tuple) -> int:
        return self.names.setdefault(name, len(self.names))

    def equation(self, terms: dict[tuple, int], minus: int | None = None) -> None:
        """sum(coefficient * variable) (- minus) = 0."""
        eq: dict[int, Fraction] = defaultdict(Fraction)
        for name, coefficient in terms.items():
            eq[self.var(name)] += coefficient
        if minus is not None:
            eq[minus] -= 1
        self.equations.append({k: v for k, v in eq.items() if v})

    def _reduce(self) -> None:
        """Substitute the known numbers and bring the rest to reduced row echelon form:
        self.pivots maps a pivot unknown to its row (coefficients on unknowns, constant)."""
        rows = []
        for eq in self.equations:
            constant = Fraction(0)
            unknown = {}
            for var, coefficient in eq.items():
                if var in self.known:
                    constant -= coefficient * self.known[var]
                else:
                    unknown[var] = coefficient
            if unknown:
                rows.append((unknown, constant))
        pivots: dict[int, tuple[dict[int, Fraction], Fraction]] = {}
        for unknown, constant in rows:
            unknown, constant = self._eliminate(dict(unknown), constant, pivots)
            if not unknown:
                continue
            pivot = min(unknown)
            scale = unknown[pivot]
            unknown = {k: v / scale for k, v in unknown.items()}
            constant /= scale
            for p, (other, other_constant) in list(pivots.items()):
                factor = other.get(pivot)
                if factor:
                    merged = dict(other)
                    for k, v in unknown.items():
                        merged[k] = merged.get(k, Fraction(0)) - factor * v
                    pivots[p] = (
                        {k: v for k, v in merged.items() if v},
                        other_constant - factor * constant,
                    )
            pivots[pivot] = (unknown, constant)
        self.pivots = pivots

    @staticmethod
    def _eliminate(unknown, constant, pivots):
        for p, (row, row_constant) in pivots.items():
            factor = unknown.get(p)
            if factor:
                for k, v in row.items():
                    unknown[k] = unknown.get(k, Fraction(0)) - factor * v
                constant -= factor * row_constant
                unknown = {k: v for k, v in unknown.items() if v}
        return unknown, constant

    def worked_out(self, terms: dict[tuple, int]) -> Fraction | None:
        """The value of sum(coefficient * variable) if the published table determines it."""
        constant = Fraction(0)
        unknown: dict[int, Fraction] = {}
        for name, coefficient in terms.items():
            if name not in self.names:
                return None
            var = self.names[name]
            if var in self.known:
                constant += coefficient * self.known[var]
            else:
                unknown[var] = unknown.get(var, Fraction(0)) + coefficient
        # f = sum a_i x_i over unknowns; each pivot row says x_p + sum r_k x_k = c.
        remaining = dict(unknown)
        for p, (row, row_constant) in self.pivots.items():
            factor = remaining.get(p)
            if factor:
                for k, v in row.items():
                    remaining[k] = remaining.get(k, Fraction(0)) - factor * v
                constant += factor * row_constant
                remaining = {k: v for k, v in remaining.items() if v}
        return constant if not remaining else None


def disclosures(
    figures: pd.DataFrame, shown: pd.DataFrame, catalog: Catalog, threshold: int
) -> list[str]:
    """Every count from 1 to `threshold` an outsider can work out from `shown` (the truth is in
    `figures`): values, cumulative changes, and the new count between any two months of a
    running total (period sums and year-to-date of a cumulative series)."""
    attacker = Attacker(shown, catalog)
    truth = {
        (_month_index(r.month), r.measure, r.category): int(r.value)
        for r in figures.itertuples(index=False)
    }
    found = []

    def check(what: str, terms: dict[tuple, int], true_value: int) -> None:
        if 1 <= abs(true_value) <= threshold:
            value = attacker.worked_out(terms)
            if value is not None and value == true_value:
                found.append(f"{what} = {true_value}")

    for key, value in truth.items():
        check(f"value {key}", {("v", *key): 1}, value)
    series: dict[tuple[str, str], list[int]] = defaultdict(list)
    for month, measure, category in truth:
        m = catalog.measure(measure)
        if m is not None and m.kind == "cumulative":
            series[(measure, category)].append(month)
    for (measure, category), months in series.items():
        months.sort()
        for i, a in enumerate(months):
            for b in months[i + 1 :]:
                check(
                    f"new count {measure}/{category} {a}..{b}",
                    {("v", b, measure, category): 1, ("v", a, measure, category): -1},
                    truth[(b, measure, category)] - truth[(a, measure, category)],
                )
    # Period sums and year-to-date of a flow, over months the table shows.
    flows: dict[tuple[str, str], list[int]] = defaultdict(list)
    for month, measure, category in truth:
        m = catalog.measure(measure)
        if m is not None and m.kind == "flow":
            flows[(measure, category)].append(month)
    for (measure, category), months in flows.items():
        months.sort()
        for i, a in enumerate(months):
            for b in months[i + 1 :]:
                span = [m for m in months if a <= m <= b]
                check(
                    f"sum {measure}/{category} {a}..{b}",
                    {("v", m, measure, category): 1 for m in span},
                    sum(truth[(m, measure, category)] for m in span),
                )
    return found


def shown_numbers(shown: pd.DataFrame, catalog: Catalog) -> list[int]:
    """Every number the protected table shows: values, and cumulative changes."""
    numbers = [int(v) for v in shown["value"].dropna()]
    cumulative = shown["measure"].map(lambda m: catalog.measure(m).kind == "cumulative")
    numbers += [int(v) for v in shown.loc[cumulative, "change"].dropna()]
    return numbers


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


def test_zero_is_shown_and_so_are_counts_above_the_threshold() -> None:
    catalog = small_catalog([measure("a", "flow")])
    figures = frame([("2025-01", "a", "", 0), ("2025-02", "a", "", 5), ("2025-03", "a", "", 4)])
    out = protect(figures, catalog, threshold=4)
    assert out["value"].tolist()[:2] == [0, 5] and out["protected"].tolist() == [False] * 2 + [True]
    assert out["change"].tolist()[1] == 5
    assert protect(figures, catalog, threshold=3)["protected"].tolist() == [False] * 3


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


# ----------------------------------------------------------------------------------------------
# The property test: random catalogs and figures


@st.composite
def catalogs_and_figures(draw: st.DrawFn) -> tuple[Catalog, pd.DataFrame, int]:
    n_measures = draw(st.integers(1, 4))
    measures = []
    for k in range(n_measures):
        kind = draw(st.sampled_from(["cumulative", "stock", "flow"]))
        n_categories = draw(st.integers(0, 3))
        measures.append(measure(f"m{k}", kind, tuple(f"c{j}" for j in range(n_categories))))
    relations = []
    if n_measures >= 3 and draw(st.booleans()):
        ids = [m.id for m in measures]
        chosen = draw(st.permutations(ids))[: draw(st.integers(3, n_measures))]
        relations.append(Relation("sum_equals", tuple(chosen)))
    catalog = small_catalog(measures, tuple(relations))
    n_months = draw(st.integers(1, 5))
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
