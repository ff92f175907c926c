"""A large synthetic catalog and database for benchmarks: benchmark data in a temp dir, never in data/.

    make_synthetic(dir, initiatives=100, measures=15, months=120) -> (catalog_path, db_path)

writes `dir/catalog.toml` in the schema of data/catalog.toml and `dir/krimdash.duckdb` with a
figure for every measure (and every category) in each of `months` months ending 2025-12.

Per initiative `sNNN`, measure `sNNN.mJJ` has kind cumulative / stock / flow by J % 3, and
the first ones are wired like Knæk Kurven, so relations, categories and the funnel hold:

    m00 >= m03 >= m06 = m09 + m12   (cumulative: a funnel with two outcomes)
    m05 <= m02                      (flow)
    m01 has 2 categories, m02 and m09 have 3; categories sum to the total.

Cumulative series never fall (every category's running total rises on its own). Figures are
not demo-marked (no DEMO banner): they are benchmark data that never leave the temp dir.
Deterministic: the same arguments give the same catalog bytes and the same figures.

Run alone to keep a copy:  .venv/bin/python bench/synthetic.py /tmp/synth [--check]
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LAST_MONTH = date(2025, 12, 1)
SEED = 20251201
KINDS = ("cumulative", "stock", "flow")
CATEGORIES = {  # measure index -> category ids; categories sum to the total
    1: ("a", "b"),
    2: ("a", "b", "c"),
    9: ("a", "b", "c"),
}
NOTE = "bench: syntetisk tal"


def _months(n: int) -> list[date]:
    first = LAST_MONTH.year * 12 + LAST_MONTH.month - 1 - (n - 1)
    return [date(m // 12, m % 12 + 1, 1) for m in range(first, first + n)]


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _measure_id(i: int, j: int) -> str:
    return f"s{i:03d}.m{j:02d}"


def catalog_text(initiatives: int, measures: int, months: int) -> str:
    """The catalog TOML: initiatives, measures (kinds cycling), categories, relations, funnels."""
    if measures < 13:
        raise ValueError("measures must be at least 13 (the funnel uses m00..m12)")
    started = _months(months)[0].strftime("%Y-%m")
    out = [
        "# Synthetic benchmark catalog written by bench/synthetic.py: not real measures.",
        "",
    ]
    for i in range(initiatives):
        out += [
            "[[initiatives]]",
            f'id = "s{i:03d}"',
            f'name_da = "Syntetisk indsats {i:03d}"',
            f'name_en = "Synthetic initiative {i:03d}"',
            f'started = "{started}"',
            f'description_da = "Benchmarkdata nr. {i}."',
            f'description_en = "Benchmark data no. {i}."',
            "",
        ]
    for i in range(initiatives):
        for j in range(measures):
            kind = KINDS[j % 3]
            out += [
                "[[measures]]",
                f'id = "{_measure_id(i, j)}"',
                f'initiative = "s{i:03d}"',
                f"label_da = {_toml_str(f'Måling {j:02d} ({kind})')}",
                f'label_en = "Measure {j:02d} ({kind})"',
                f'kind = "{kind}"',
            ]
            if j in (0, 1):
                out.append("key = true")
            out += [
                f'definition_da = "Syntetisk {kind}-måling {j} i indsats {i}."',
                f'definition_en = "Synthetic {kind} measure {j} of initiative {i}."',
            ]
            if j in CATEGORIES:
                out.append("categories = [")
                for c in CATEGORIES[j]:
                    out.append(
                        f'  {{ id = "{c}", label_da = "Kategori {c.upper()}", '
                        f'label_en = "Category {c.upper()}" }},'
                    )
                out.append("]")
            out.append("")
    for i in range(initiatives):
        m = lambda j, i=i: _measure_id(i, j)  # noqa: E731
        out += [
            "[[relations]]",
            'kind = "not_above"',
            f'measure = "{m(3)}"',
            f'limit = "{m(0)}"',
            "",
            "[[relations]]",
            'kind = "not_above"',
            f'measure = "{m(6)}"',
            f'limit = "{m(3)}"',
            "",
            "[[relations]]",
            'kind = "not_above"',
            f'measure = "{m(5)}"',
            f'limit = "{m(2)}"',
            "",
            "[[relations]]",
            'kind = "sum_equals"',
            f'parts = ["{m(9)}", "{m(12)}"]',
            f'total = "{m(6)}"',
            "",
            "[[funnels]]",
            f'initiative = "s{i:03d}"',
            f'stages = ["{m(0)}", "{m(3)}", "{m(6)}"]',
            f'outcomes = ["{m(9)}", "{m(12)}"]',
            "",
        ]
    return "\n".join(out)


def _initiative_series(
    rng: np.random.Generator, measures: int, months: int
) -> dict[tuple[int, str], np.ndarray]:
    """{(measure index, category): values} for one initiative; category "" is the total."""
    s: dict[tuple[int, str], np.ndarray] = {}

    def steps(lam: float, size: int | None = None) -> np.ndarray:
        return rng.poisson(lam, size=(months,) if size is None else (size, months))

    # m09 by category (cumulative: each category's running total rises), m12, then the funnel.
    m09_parts = np.cumsum(steps(rng.uniform(0.5, 3.0), len(CATEGORIES[9])), axis=1)
    for c, values in zip(CATEGORIES[9], m09_parts, strict=True):
        s[(9, c)] = values
    s[(9, "")] = m09_parts.sum(axis=0)
    s[(12, "")] = np.cumsum(steps(rng.uniform(0.5, 3.0)))
    s[(6, "")] = s[(9, "")] + s[(12, "")]
    s[(3, "")] = s[(6, "")] + np.cumsum(steps(rng.uniform(1.0, 5.0)))
    s[(0, "")] = s[(3, "")] + np.cumsum(steps(rng.uniform(1.0, 8.0)))
    # m02 (flow) by category; m05 never above m02.
    m02_parts = steps(rng.uniform(2.0, 30.0), len(CATEGORIES[2]))
    for c, values in zip(CATEGORIES[2], m02_parts, strict=True):
        s[(2, c)] = values
    s[(2, "")] = m02_parts.sum(axis=0)
    s[(5, "")] = rng.binomial(s[(2, "")], 0.6)
    # m01 (stock) split in two by a drifting share.
    level = np.maximum(0, 40 + np.cumsum(rng.integers(-3, 4, size=months)))
    share = np.clip(0.5 + np.cumsum(rng.normal(0, 0.02, size=months)), 0.05, 0.95)
    part_a = np.floor(level * share).astype(np.int64)
    s[(1, "")], s[(1, "a")], s[(1, "b")] = level, part_a, level - part_a
    for j in range(measures):
        if (j, "") in s:
            continue
        kind = KINDS[j % 3]
        if kind == "cumulative":
            s[(j, "")] = np.cumsum(steps(rng.uniform(0.2, 10.0)))
        elif kind == "stock":
            start = int(rng.integers(5, 200))
            s[(j, "")] = np.maximum(0, start + np.cumsum(rng.integers(-4, 5, size=months)))
        else:
            s[(j, "")] = steps(rng.uniform(0.5, 60.0))
    return s


def figures_frame(initiatives: int, measures: int, months: int, seed: int = SEED) -> pd.DataFrame:
    """Columns month, measure, category, value, note: the revisions `insert_batch` takes."""
    rng = np.random.default_rng(seed)
    month_list = _months(months)
    month_col, measure_col, category_col, value_col = [], [], [], []
    for i in range(initiatives):
        series = _initiative_series(rng, measures, months)
        for (j, category), values in sorted(series.items()):
            month_col += month_list
            measure_col += [_measure_id(i, j)] * months
            category_col += [category] * months
            value_col.append(values.astype(np.int64))
    values = np.concatenate(value_col)
    if values.min() < 0 or values.max() > 1_000_000:
        raise ValueError("synthetic values out of range")
    return pd.DataFrame(
        {
            "month": month_col,
            "measure": measure_col,
            "category": category_col,
            "value": values,
            "note": NOTE,
        }
    )


def make_synthetic(
    dir: Path | str, initiatives: int = 100, measures: int = 15, months: int = 120
) -> tuple[Path, Path]:
    """Write dir/catalog.toml and dir/krimdash.duckdb (created fresh); return their paths."""
    from dashboard.catalog import load_catalog
    from dashboard.db import Store, insert_batch
    from dashboard.reference import load_reference

    out = Path(dir)
    out.mkdir(parents=True, exist_ok=True)
    catalog_path = out / "catalog.toml"
    db_path = out / "krimdash.duckdb"
    for p in (db_path, db_path.with_name(db_path.name + ".wal")):
        p.unlink(missing_ok=True)
    catalog_path.write_text(catalog_text(initiatives, measures, months), encoding="utf-8")
    figures = figures_frame(initiatives, measures, months)

    # Anything that loads the catalog on its own (load_catalog() without a path) must see ours.
    before = os.environ.get("KRIMDASH_CATALOG")
    os.environ["KRIMDASH_CATALOG"] = str(catalog_path)
    try:
        store = Store(db_path)
        store.upgrade()  # the schema, as `krimdash init` makes it
        load_reference(store, user="bench", catalog=load_catalog(catalog_path))
        with store.writer() as conn:
            insert_batch(
                conn,
                action="import",
                user="bench",
                revisions=figures,
                file_name="bench/synthetic.py",
                counts={"new": len(figures)},
                note=f"bench: {initiatives} indsatser x {measures} målinger x {months} måneder",
            )
    finally:
        if before is None:
            os.environ.pop("KRIMDASH_CATALOG", None)
        else:
            os.environ["KRIMDASH_CATALOG"] = before
    return catalog_path, db_path


def check(catalog_path: Path, db_path: Path) -> int:
    """Run the project's warning rules over the synthetic figures; returns the warning count."""
    from dashboard.catalog import load_catalog
    from dashboard.db import Store
    from dashboard.rules import find_warnings

    state = {(m, meas, cat): v for m, meas, cat, v, _ in Store(db_path).rows("figures_current")}
    warnings = find_warnings(state, load_catalog(catalog_path))
    print(f"{len(state)} figures checked, {len(warnings)} warnings")
    for w in warnings[:10]:
        print("  -", w.message)
    return len(warnings)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--initiatives", type=int, default=100)
    ap.add_argument("--measures", type=int, default=15)
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--check", action="store_true", help="run the warning rules over the result")
    args = ap.parse_args()
    catalog_path, db_path = make_synthetic(args.dir, args.initiatives, args.measures, args.months)
    print(f"catalog: {catalog_path}\ndatabase: {db_path}")
    if args.check:
        return 1 if check(catalog_path, db_path) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
