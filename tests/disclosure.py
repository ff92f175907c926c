"""An outsider's attack on a protected table, for the tests of the public view: exact linear
algebra over the rationals (fractions.Fraction), written independently of dashboard.protect.

`disclosures(truth, shown, catalog, threshold)` lists every count from 1 to the threshold that
can be worked out from `shown` (a protected table: month, measure, category, value, protected,
change, change_protected) through the relations an outsider knows. `shown_from_public_csv`
reads what `krimdash export --public` writes into such a table, so a test can attack the
export itself (and a page test can build one from what a page shows).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from fractions import Fraction
from itertools import combinations

import pandas as pd

from dashboard.catalog import Catalog


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
    `figures`): values, cumulative changes, the new count between any two months of a running
    total (period sums and year-to-date of a cumulative series), period sums of a flow, and
    the sum of any group of parts of a total (categories, a funnel's parts) and its new count."""
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
        if _counts_people(catalog, key[1]):
            check(f"value {key}", {("v", *key): 1}, value)
    series: dict[tuple[str, str], list[int]] = defaultdict(list)
    for month, measure, category in truth:
        m = catalog.measure(measure)
        if m is not None and m.kind == "cumulative" and m.counts_people:
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
        if m is not None and m.kind == "flow" and m.counts_people:
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
    # Groups of parts ("in categories 2 and 3", "accepted or declined") and their month's new
    # count (for running totals whose month before is there).
    for month in {m for m, _, _ in truth}:
        groups = [
            [(month, m.id, c) for c in m.category_ids]
            for m in catalog.measures
            if m.categories and m.counts_people
        ]
        groups += [
            [(month, mid, "") for mid in r.measures[:-1]]
            for r in catalog.relations
            if r.kind == "sum_equals" and all(_counts_people(catalog, mid) for mid in r.measures)
        ]
        for group in groups:
            parts = sorted(set(group))
            if not all(p in truth for p in parts):
                continue
            for size in range(2, len(parts) + 1):
                for subset in combinations(parts, size):
                    check(
                        f"group {subset}",
                        {("v", *p): 1 for p in subset},
                        sum(truth[p] for p in subset),
                    )
                    before = [(p[0] - 1, p[1], p[2]) for p in subset]
                    if all(b in truth for b in before) and all(
                        _is_cumulative(catalog, p[1]) for p in subset
                    ):
                        check(
                            f"group's new count {subset}",
                            {("c", *p): 1 for p in subset},
                            sum(truth[p] - truth[b] for p, b in zip(subset, before, strict=True)),
                        )
    return found


def _counts_people(catalog: Catalog, measure_id: str) -> bool:
    """Whether the measure counts people (catalog `counts_people`): only those are protected."""
    measure = catalog.measure(measure_id)
    return measure is None or measure.counts_people


def _is_cumulative(catalog: Catalog, measure_id: str) -> bool:
    measure = catalog.measure(measure_id)
    return measure is not None and measure.kind == "cumulative"


def shown_numbers(shown: pd.DataFrame, catalog: Catalog) -> list[int]:
    """Every count of people the protected table shows: values, and cumulative changes."""
    people = shown["measure"].map(lambda m: _counts_people(catalog, m)).astype(bool)
    numbers = [int(v) for v in shown.loc[people, "value"].dropna()]
    cumulative = shown["measure"].map(lambda m: catalog.measure(m).kind == "cumulative")
    numbers += [int(v) for v in shown.loc[cumulative & people, "change"].dropna()]
    return numbers


def shown_from_public_csv(data: bytes) -> pd.DataFrame:
    """The table an outsider reads from the public CSV: `..` is a protected value; a month's
    change is known where both it and the month before are shown."""
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    table = pd.DataFrame(
        {
            "month": [pd.Timestamp(r["month"] + "-01") for r in rows],
            "measure": [r["measure"] for r in rows],
            "category": [r["category"] for r in rows],
            "value": pd.array(
                [None if r["value"] == ".." else int(r["value"]) for r in rows], dtype="Int64"
            ),
        }
    )
    return with_changes(table)


def with_changes(table: pd.DataFrame) -> pd.DataFrame:
    """`table` (month, measure, category, value with <NA> where protected) with the columns
    protected, change and change_protected that a reader can derive from it."""
    table = table.copy()
    table["protected"] = table["value"].isna()
    known = {
        (_month_index(r.month), r.measure, r.category): r.value
        for r in table.itertuples(index=False)
    }
    changes, hidden = [], []
    for r in table.itertuples(index=False):
        key = (_month_index(r.month), r.measure, r.category)
        before = (key[0] - 1, key[1], key[2])
        if before not in known:
            changes.append(pd.NA)
            hidden.append(False)
        elif pd.isna(known[key]) or pd.isna(known[before]):
            changes.append(pd.NA)
            hidden.append(True)
        else:
            changes.append(int(known[key]) - int(known[before]))
            hidden.append(False)
    table["change"] = pd.array(changes, dtype="Int64")
    table["change_protected"] = hidden
    return table


def shown_table(values: dict[tuple, object], changes: dict[tuple, object]) -> pd.DataFrame:
    """What a reader knows from a page or a note: `values` {(month, measure, category): value
    or <NA> where protected}, with the changes it derives (with_changes) and, over them, the
    changes the page itself shows (`changes`, same keys): a shown change is knowledge, also
    beside a '..'."""
    table = pd.DataFrame(
        [(m, measure, c, v) for (m, measure, c), v in values.items()],
        columns=["month", "measure", "category", "value"],
    ).astype({"value": "Int64"})
    table = with_changes(table)
    for i, row in enumerate(table.itertuples(index=False)):
        shown = changes.get((row.month, row.measure, row.category))
        if shown is not None:
            table.loc[i, "change"] = shown
            table.loc[i, "change_protected"] = False
    return table
