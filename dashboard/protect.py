"""Protection of small counts for the public view: cell suppression with secondary suppression.

One pure function, `protect(figures, catalog, threshold)`, decides which figures the public may
see; every public output (the pages, `krimdash export --public`, later the note) takes its figures
from it. No Streamlit, no database: the same figures and catalog give the same answer.

The cells are the figures' values and, for a cumulative measure, each month's change (the
month's new count). Derived cells are never published but could be worked out: the new count
of a running total between any two months further apart (what a period sum or a year-to-date
figure shows), and a group of parts of a total in a month and the group's new count.
Primary suppression: a cell whose size is from 1 to the threshold. Secondary suppression: an
outsider knows the relations between the cells,

- a total is the sum of its categories (when every category of the month is there),
- the catalog's `sum_equals` relations (the funnel identities of DOMAIN.md),
- level(t) = level(t-1) + change(t) for a running total (and level(b) = level(a) + the new
  count between them),

so a suppressed cell can be worked out when the relations determine it from the published
cells. Exposure is checked with linear algebra: a suppressed cell is determined exactly when it
is zero in every null-space vector of the relations restricted to the suppressed cells (Gauss-
Jordan elimination per block of linked suppressed cells). Until no primary cell is determined,
a published cell that a derivation uses is suppressed too: one above the threshold first, one
that alone frees the cell next, the smallest value first. Then the complements that are not
needed are shown again, the largest first. Cells that no relation links are left alone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from . import config
from .catalog import Catalog

# Numerical tolerance: a singular value, or a squared distance, below this is zero.
_TOL = 1e-9


@dataclass
class _Cells:
    """The cells (values and cumulative changes) and the relations an outsider knows."""

    limit: int = 4  # the threshold: counts from 1 to this are primary cells
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

    Give it the whole public table (every approved month) and cut what a page shows from the
    answer: two different selections protected separately and both shown could let one reveal
    what the other hides. The answer does not depend on the rows' order.
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

    # A measure that counts meetings or events, not people (catalog `counts_people = false`),
    # singles out no one: its cells are never hidden for their own sake, only as complements.
    of_people = {m.id for m in catalog.measures if m.counts_people}

    cells = _Cells(limit=limit)
    where: dict[tuple[int, str, str], int] = {}
    for i in range(n):
        key = (int(months[i]), measures[i], categories[i])
        if key in where:
            raise ValueError(f"protect: {key} appears twice in the figures")
        where[key] = cells.add(int(values[i]), small(int(values[i])) and measures[i] in of_people)

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
            c = cells.add(delta, small(delta) and measures[i] in of_people)
            change_cell[i] = c
            cells.equations.append({i: 1, before: -1, c: -1})

    # The new count of a running total between any two months further apart is a count too
    # (period sums and year-to-date): a small one is a derived cell that must stay unknown.
    series: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i in range(n):
        measure = catalog.measure(measures[i])
        if measure is not None and measure.kind == "cumulative" and measure.counts_people:
            series[(measures[i], categories[i])].append(i)
    for rows in series.values():
        rows.sort(key=lambda r: months[r])
        index = np.array(rows)
        level, month = values[index], months[index]
        delta = level[None, :] - level[:, None]  # [a, b]: from month a to month b
        apart = np.triu(month[None, :] - month[:, None] >= 2)
        firsts, seconds = np.nonzero(apart & (np.abs(delta) >= 1) & (np.abs(delta) <= limit))
        for a, b in zip(firsts.tolist(), seconds.tolist(), strict=True):
            d = cells.add(int(delta[a, b]), True, derived=True)
            cells.equations.append({rows[b]: 1, rows[a]: -1, d: -1})

    # A total is the sum of its categories, when every category of the month is there.
    groups: list[list[int]] = []  # parts that add up to a total, one month
    for month in sorted(set(months.tolist())):
        for measure in catalog.measures:
            if not measure.categories:
                continue
            total = where.get((month, measure.id, ""))
            parts = [where.get((month, measure.id, c)) for c in measure.category_ids]
            if any(p is None for p in parts):
                continue
            groups.append(parts)  # type: ignore[arg-type]
            if total is None:
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
            if any(p is None for p in parts):
                continue
            groups.append(parts)  # type: ignore[arg-type]
            if total is None:
                continue
            equation = defaultdict(int)
            equation[total] += 1
            for p in parts:
                equation[p] -= 1  # type: ignore[index]
            if any(equation.values()):
                cells.equations.append({k: v for k, v in equation.items() if v})

    # A group of parts is a count too ("3 in categories 2 and 3"; "5 accepted or declined"),
    # and so is its month's new count: a small one is a derived cell that must stay unknown.
    for parts in groups:
        unique = sorted(set(parts))
        sizes = range(2, len(unique) + 1) if len(unique) <= 8 else range(2, 4)
        for size in sizes:
            for subset in combinations(unique, size):
                total_value = sum(cells.values[p] for p in subset)
                if small(total_value):
                    d = cells.add(total_value, True, derived=True)
                    cells.equations.append({d: -1, **{p: 1 for p in subset}})
                if all(p in change_cell for p in subset):
                    news = [change_cell[p] for p in subset]
                    new_value = sum(cells.values[c] for c in news)
                    if small(new_value):
                        d = cells.add(new_value, True, derived=True)
                        cells.equations.append({d: -1, **{c: 1 for c in news}})

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
    """Primary cells, plus the complementary cells that keep every primary cell undetermined.

    Rounds: the suppressed cells fall into blocks (suppressed cells linked by an equation); in
    each block, the primary cells the published cells determine are found by one elimination,
    and for each a complementary cell is chosen; the round's choices are added together. A
    block found safe is remembered (adding cells elsewhere cannot expose it). Then the
    complements that turn out not to be needed are shown again."""
    hidden = list(cells.primary)
    touching: list[list[int]] = [[] for _ in cells.values]  # cell -> its equations
    for e, equation in enumerate(cells.equations):
        for c in equation:
            touching[c].append(e)
    # Cells the relations alone fix (they force 0, so the figures break them): a derivation
    # through other relations may still give the true value, so everything around is hidden.
    hopeless: set[int] = set()
    safe: set[frozenset[int]] = set()
    while True:
        chosen: set[int] = set()
        progress = False
        for block in _blocks(cells, hidden, touching):
            key = frozenset(block)
            if key in safe:
                continue
            if hopeless.intersection(block):
                around = {
                    c
                    for e in {e for x in block for e in touching[x]}
                    for c in cells.equations[e]
                    if not hidden[c]
                }
                if around:
                    chosen |= around
                    progress = True
                else:
                    safe.add(key)
                continue
            if not any(cells.primary[c] for c in block):
                continue
            picks, lost = _protect_block(cells, block, touching, hidden, hopeless)
            if not picks and not lost:
                safe.add(key)
            chosen |= picks
            hopeless |= lost
            progress = progress or bool(picks or lost)
        if not progress:
            break
        for c in chosen:
            hidden[c] = True
    _release(cells, hidden, touching, hopeless)
    return hidden


def _release(
    cells: _Cells, hidden: list[bool], touching: list[list[int]], hopeless: set[int]
) -> None:
    """Show again every complementary cell that is not needed, the largest first (the rounds
    above may choose more than needed).

    In a block, with N a basis of the null space of its equations (rows: the block's cells),
    showing cell c keeps the null vectors with z_c = 0; a primary cell j then becomes determined
    exactly when its row of N is a multiple of c's row. So one elimination per block serves
    every candidate; after showing c, N keeps only the combinations with z_c = 0."""
    for block in _blocks(cells, hidden, touching):
        complements = [c for c in block if not cells.primary[c] and not cells.derived[c]]
        if not complements or hopeless.intersection(block):
            continue
        _, _, work, pivot_row, _, _ = _eliminate(cells, block, touching, hopeless)
        h = len(block)
        free = [k for k in range(h) if k not in pivot_row]
        null = np.zeros((h, len(free)))
        null[free, np.arange(len(free))] = 1.0
        if pivot_row and free:
            pivots = list(pivot_row)
            null[pivots] = -work[[pivot_row[k] for k in pivots]][:, free]
        index = {c: k for k, c in enumerate(block)}
        # Only the rows of the primary cells, and of the complements still to be decided, count.
        guarded = null[[index[c] for c in block if cells.primary[c] and c not in hopeless]]
        order = sorted(complements, key=lambda c: (-abs(cells.values[c]), c))
        pending = null[[index[c] for c in order]]
        for c in order:
            row, pending = pending[0], pending[1:]
            size = float(np.linalg.norm(row))
            if size < _TOL:  # the shown cells determine it already: showing it tells nothing
                hidden[c] = False
                continue
            sizes = np.sqrt(np.einsum("ij,ij->i", guarded, guarded))
            alike = np.abs(guarded @ row) > (1 - 1e-9) * sizes * size
            if (alike & (sizes > _TOL)).any():
                continue  # showing it would give a primary cell away
            hidden[c] = False
            k = int(np.argmax(np.abs(row)))
            step = row / row[k]
            guarded = np.delete(guarded - np.outer(guarded[:, k], step), k, axis=1)
            pending = np.delete(pending - np.outer(pending[:, k], step), k, axis=1)


def _blocks(
    cells: _Cells, hidden: list[bool], touching: list[list[int]], among: list[int] | None = None
) -> list[list[int]]:
    """The suppressed cells in an equation, grouped: cells linked by equations through
    suppressed cells only (`among`: only the blocks of these cells). A suppressed cell in no
    equation cannot be worked out."""
    parent: dict[int, int] = {}
    if among is None:
        equations = cells.equations
    else:
        equations = [cells.equations[e] for e in sorted({e for c in among for e in touching[c]})]

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for equation in equations:
        members = [c for c in equation if hidden[c]]
        for c in members:
            parent.setdefault(c, c)
        for other in members[1:]:
            a, b = find(members[0]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = defaultdict(list)
    for c in sorted(parent):
        groups[find(c)].append(c)
    return [groups[root] for root in sorted(groups)]


def _eliminate(
    cells: _Cells,
    block: list[int],
    touching: list[list[int]],
    hopeless: set[int],
    along: list[int] | None = None,
) -> tuple[list[int], dict[int, int], np.ndarray, dict[int, int], int, list[int]]:
    """Gauss-Jordan elimination of the block's equations restricted to its cells, with the
    columns of the cells `along` carried through the same row operations (T @ those columns):
    (equations, equation -> row, [R | T @ along], column -> pivot row, rank, the primary cells
    that are determined)."""
    rows = sorted({e for c in block for e in touching[c]})
    row_of = {e: r for r, e in enumerate(rows)}
    col_of = {c: k for k, c in enumerate(block)}
    along = along or []
    col_of.update({c: len(block) + k for k, c in enumerate(along)})
    m, h = len(rows), len(block)
    work = np.zeros((m, h + len(along)))
    for e in rows:
        for c, coefficient in cells.equations[e].items():
            if c in col_of:
                work[row_of[e], col_of[c]] = coefficient
    pivot_row: dict[int, int] = {}  # block column -> its row in the echelon form
    rank = 0
    for col in range(h):
        if rank == m:
            break
        below = np.abs(work[rank:, col])
        p = rank + int(np.argmax(below))
        if below[p - rank] < _TOL:
            continue
        if p != rank:
            work[[rank, p]] = work[[p, rank]]
        work[rank] /= work[rank, col]
        factors = work[:, col].copy()
        factors[rank] = 0.0
        others = np.flatnonzero(np.abs(factors) > _TOL)
        if others.size:
            used = np.flatnonzero(work[rank])
            work[np.ix_(others, used)] -= np.outer(factors[others], work[rank, used])
        work[others, col] = 0.0
        pivot_row[col] = rank
        rank += 1
    echelon = work[:, :h]
    targets = []
    for k, c in enumerate(block):
        if not cells.primary[c] or c in hopeless or k not in pivot_row:
            continue
        row = echelon[pivot_row[k]]
        if np.count_nonzero(np.abs(row) > _TOL) == 1:
            targets.append(c)
    return rows, row_of, work, pivot_row, rank, targets


def _protect_block(
    cells: _Cells,
    block: list[int],
    touching: list[list[int]],
    hidden: list[bool],
    hopeless: set[int],
) -> tuple[set[int], set[int]]:
    """(complementary cells to suppress, primary cells the relations alone fix) for one block.

    Gauss-Jordan elimination of the block's equations restricted to its suppressed cells
    (T @ sub = R, in reduced row echelon form), the published cells' columns carried along
    (T @ column). A cell j is determined when its pivot row of R is the unit vector e_j; that
    row of T is then a derivation y (y @ sub = e_j), and the published cells it uses are those
    with y @ column != 0. Suppressing one of them alone makes j undetermined when its column
    lies in the column space of sub (the rows of T past the rank, the left null space, give it
    0): it adds a free direction through j. The smallest such cell is chosen, else the smallest cell the derivation
    uses (and the next round goes on)."""
    rows = sorted({e for c in block for e in touching[c]})
    # The published cells in the block's equations are the candidates: those above the
    # threshold first (a zero beside a small count hides little: the outsider may guess that
    # it is 0, and a small sum of hidden cells is a small count), the smallest value first.
    candidates = sorted(
        {c for e in rows for c in cells.equations[e] if not hidden[c] and not cells.derived[c]},
        key=lambda c: (abs(cells.values[c]) <= cells.limit, abs(cells.values[c]), c),
    )
    rows, row_of, work, pivot_row, rank, targets = _eliminate(
        cells, block, touching, hopeless, along=candidates
    )
    if not targets:
        return set(), set()
    h = len(block)
    col_of = {c: k for k, c in enumerate(block)}
    large = np.array([abs(cells.values[c]) > cells.limit for c in candidates], dtype=bool)
    # In an equation without suppressed cells a candidate is fixed by it: not alone.
    alone = np.array([all(e in row_of for e in touching[c]) for c in candidates], dtype=bool)
    carried = work[:, h:]  # T @ the candidates' columns
    if rank < len(rows) and candidates:
        alone &= (np.abs(carried[rank:]) < 1e-6).all(axis=0)
    # target x candidate: the derivation of the target uses the candidate.
    weights = np.abs(carried[[pivot_row[col_of[t]] for t in targets]]) > 1e-6
    picks: set[int] = set()
    lost: set[int] = set()
    picked: list[int] = []
    for i, target in enumerate(targets):
        used = weights[i]
        if not used.any():
            lost.add(target)
            continue
        if any(used[k] and alone[k] for k in picked):
            continue  # a cell already chosen in this round frees it too
        for tier in (used & alone & large, used & large, used & alone, used):
            options = np.flatnonzero(tier)
            if options.size:
                k = int(options[0])
                break
        picked.append(k)
        picks.add(candidates[k])
    return picks, lost
