"""Protection of small counts for the public view: cell suppression with secondary suppression.

One pure function, `protect(figures, catalog, threshold)`, decides which figures the public may
see; every public output (the pages, `krimdash export --public`, later the note) takes its figures
from it. No Streamlit, no database: the same figures and catalog give the same answer.

The cells are the figures' values and, for a cumulative measure, each month's change (the
month's new count). Primary suppression: a value from 1 to the threshold, or a cumulative change
whose size is from 1 to the threshold. Secondary suppression: an outsider knows the relations
between the cells,

- a total is the sum of its categories (when every category of the month is there),
- the catalog's `sum_equals` relations (the funnel identities of DOMAIN.md),
- level(t) = level(t-1) + change(t) for a running total,

so a suppressed cell can be worked out when the relations determine it from the published
cells. Exposure is checked with linear algebra: a suppressed cell is determined exactly when it
is zero in every null-space vector of the relations restricted to the suppressed cells. Until no
primary cell is determined, a published cell is suppressed too, the smallest one that breaks a
derivation first. Each connected group of cells (cells linked by relations) is done on its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import config
from .catalog import Catalog

# A null-space row shorter than this is zero: the cell is determined.
_TOL = 1e-7


@dataclass
class _Cells:
    """The cells (values and cumulative changes) and the relations an outsider knows."""

    values: list[int] = field(default_factory=list)  # the cell's number (a change may be < 0)
    primary: list[bool] = field(default_factory=list)
    derived: list[bool] = field(default_factory=list)  # not a published cell: a period's count
    equations: list[dict[int, int]] = field(default_factory=list)  # cell -> coefficient, sum 0

    def add(self, value: int, primary: bool, derived: bool = False) -> int:
        self.values.append(value)
        self.primary.append(primary)
        self.derived.append(derived)
        return len(self.values) - 1


def _month_number(months: pd.Series) -> np.ndarray:
    stamps = pd.to_datetime(months)
    return (stamps.dt.year * 12 + stamps.dt.month - 1).to_numpy(dtype=np.int64)


def protect(figures: pd.DataFrame, catalog: Catalog, threshold: int | None = None) -> pd.DataFrame:
    """The figures as the public may see them.

    In: columns month (first of month), measure, category, value (int); extra columns are kept.
    Out: the same rows in the same order; `value` as "Int64" with <NA> where protected, and the
    columns `protected` (bool), `change` (Int64: value minus the value of the month before in the
    same series, when that month is in `figures`, else <NA>) and `change_protected` (bool). A
    protected value or change is <NA>, never 0.
    """
    limit = config.small_count_threshold() if threshold is None else int(threshold)
    out = figures.copy()
    n = len(out)
    raw_values = out["value"].astype("int64").to_numpy() if n else np.zeros(0, dtype=np.int64)
    raw_months = _month_number(out["month"]) if n else np.zeros(0, dtype=np.int64)
    raw_measures = out["measure"].astype(str).tolist()
    raw_categories = out["category"].fillna("").astype(str).tolist()
    # Work in a canonical order, so that the answer does not depend on the rows' order.
    order = sorted(range(n), key=lambda i: (raw_months[i], raw_measures[i], raw_categories[i]))
    values = raw_values[order]
    months = raw_months[order]
    measures = [raw_measures[i] for i in order]
    categories = [raw_categories[i] for i in order]

    def small(x: int) -> bool:
        return 1 <= abs(x) <= limit

    cells = _Cells()
    where: dict[tuple[int, str, str], int] = {}
    for i in range(n):
        key = (int(months[i]), measures[i], categories[i])
        if key in where:
            raise ValueError(f"protect: {key} appears twice in the figures")
        where[key] = cells.add(int(values[i]), small(int(values[i])))

    # Cumulative series: a change cell per month whose month before is there.
    change_cell: dict[int, int] = {}  # row -> its change cell
    previous_row: dict[int, int] = {}  # row -> the row of the month before, same series
    for i in range(n):
        before = where.get((int(months[i]) - 1, measures[i], categories[i]))
        if before is None:
            continue
        previous_row[i] = before
        measure = catalog.measure(measures[i])
        if measure is not None and measure.kind == "cumulative":
            delta = int(values[i]) - int(values[before])
            c = cells.add(delta, small(delta))
            change_cell[i] = c
            cells.equations.append({i: 1, before: -1, c: -1})

    # The new count of a running total between any two months further apart is a count too
    # (period sums and year-to-date): a small one is a derived cell that must stay unknown.
    series: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i in range(n):
        measure = catalog.measure(measures[i])
        if measure is not None and measure.kind == "cumulative":
            series[(measures[i], categories[i])].append(i)
    for rows in series.values():
        rows.sort(key=lambda r: months[r])
        for k, a in enumerate(rows):
            for b in rows[k + 1 :]:
                if months[b] - months[a] < 2:
                    continue
                delta = int(values[b]) - int(values[a])
                if small(delta):
                    d = cells.add(delta, True, derived=True)
                    cells.equations.append({b: 1, a: -1, d: -1})

    # A total is the sum of its categories, when every category of the month is there.
    for month in sorted(set(months.tolist())):
        for measure in catalog.measures:
            if not measure.categories:
                continue
            total = where.get((month, measure.id, ""))
            parts = [where.get((month, measure.id, c)) for c in measure.category_ids]
            if total is None or any(p is None for p in parts):
                continue
            equation: dict[int, int] = defaultdict(int)
            equation[total] += 1
            for p in parts:
                equation[p] -= 1  # type: ignore[index]
            cells.equations.append(dict(equation))
        for relation in catalog.relations:
            if relation.kind != "sum_equals":
                continue
            *part_ids, total_id = relation.measures
            total = where.get((month, total_id, ""))
            parts = [where.get((month, mid, "")) for mid in part_ids]
            if total is None or any(p is None for p in parts):
                continue
            equation = defaultdict(int)
            equation[total] += 1
            for p in parts:
                equation[p] -= 1  # type: ignore[index]
            if any(equation.values()):
                cells.equations.append({k: v for k, v in equation.items() if v})

    suppressed = _suppress(cells)

    value_protected = np.zeros(n, dtype=bool)
    change_protected = np.zeros(n, dtype=bool)
    change: list[object] = [pd.NA] * n
    for k in range(n):
        value_protected[order[k]] = suppressed[k]
    for k, before in previous_row.items():
        if k in change_cell:
            hidden = suppressed[change_cell[k]]
        else:
            hidden = bool(suppressed[k] or suppressed[before])
        change_protected[order[k]] = hidden
        if not hidden:
            change[order[k]] = int(values[k]) - int(values[before])
    shown = pd.array(raw_values.tolist(), dtype="Int64")
    shown[value_protected] = pd.NA
    out["value"] = shown
    out["protected"] = value_protected
    out["change"] = pd.array(change, dtype="Int64")
    out["change_protected"] = change_protected
    return out


def _suppress(cells: _Cells) -> list[bool]:
    """Primary cells, plus the complementary cells that keep every primary cell undetermined."""
    suppressed = list(cells.primary)
    for component, equations in _components(cells):
        if any(cells.primary[c] for c in component):
            for c in _protect_component(cells, component, equations):
                suppressed[c] = True
    return suppressed


def _components(cells: _Cells) -> list[tuple[list[int], list[dict[int, int]]]]:
    """Groups of cells linked by equations, each with its equations (cells in no equation are
    left out: nothing can be worked out about them)."""
    parent = list(range(len(cells.values)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for equation in cells.equations:
        first, *rest = equation
        for other in rest:
            a, b = find(first), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    members: dict[int, list[int]] = defaultdict(list)
    linked = {c for equation in cells.equations for c in equation}
    for c in sorted(linked):
        members[find(c)].append(c)
    equations: dict[int, list[dict[int, int]]] = defaultdict(list)
    for equation in cells.equations:
        equations[find(next(iter(equation)))].append(equation)
    return [(members[root], equations[root]) for root in sorted(members)]


def _null_space(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(an orthonormal basis of the null space as columns, of the column space as columns)."""
    if matrix.shape[0] == 0:
        return np.eye(matrix.shape[1]), np.zeros((0, 0))
    u, s, vt = np.linalg.svd(matrix, full_matrices=True)
    rank = int((s > _TOL * max(1.0, float(s[0]) if s.size else 1.0)).sum())
    return vt[rank:].T, u[:, :rank]


def _protect_component(
    cells: _Cells, component: list[int], equations: list[dict[int, int]]
) -> set[int]:
    """The suppressed cells of one connected group: its primary cells and the complements."""
    local = {c: k for k, c in enumerate(component)}
    matrix = np.zeros((len(equations), len(component)))
    for r, equation in enumerate(equations):
        for c, coefficient in equation.items():
            matrix[r, local[c]] = coefficient
    hidden = {c for c in component if cells.primary[c]}
    hopeless: set[int] = set()  # determined by the relations alone (always 0): nothing to hide
    while True:
        columns = sorted(hidden)
        sub = matrix[:, [local[c] for c in columns]]
        null, _ = _null_space(sub)
        norms = np.linalg.norm(null, axis=1) if null.size else np.zeros(len(columns))
        exposed = [
            c
            for k, c in enumerate(columns)
            if cells.primary[c] and c not in hopeless and norms[k] < _TOL
        ]
        if not exposed:
            return hidden
        target = exposed[0]
        choice = _complement(cells, matrix, local, component, columns, sub, target)
        if choice is None:
            hopeless.add(target)
        else:
            hidden.add(choice)


def _complement(
    cells: _Cells,
    matrix: np.ndarray,
    local: dict[int, int],
    component: list[int],
    columns: list[int],
    sub: np.ndarray,
    target: int,
) -> int | None:
    """The published cell to suppress so that `target` is no longer worked out: one that alone
    makes it undetermined if there is one, else one the current derivation needs; the smallest
    value first. None when no published cell takes part (the relations alone fix it)."""
    unit = np.zeros(len(columns))
    unit[columns.index(target)] = 1.0
    # A derivation: y with y @ sub = unit; the published cells it uses have weight y @ column.
    y, *_ = np.linalg.lstsq(sub.T, unit, rcond=None)
    _, column_space = _null_space(sub)
    hidden = set(columns)
    best_alone: tuple[int, int] | None = None
    best_any: tuple[int, int] | None = None
    for c in component:
        if c in hidden or cells.derived[c]:
            continue
        column = matrix[:, local[c]]
        if abs(float(y @ column)) < _TOL:
            continue
        rank = (abs(cells.values[c]), c)
        if best_any is None or rank < best_any:
            best_any = rank
        rest = column - column_space @ (column_space.T @ column) if column_space.size else column
        if np.linalg.norm(rest) < _TOL and (best_alone is None or rank < best_alone):
            best_alone = rank
    chosen = best_alone or best_any
    return None if chosen is None else chosen[1]
