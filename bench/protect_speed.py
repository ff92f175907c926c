"""How long dashboard.protect.protect() takes: on the demo figures (`krimdash init --demo` into a
temporary database, then the current figures), and on synthetic figures, `--months` months (60 by
default) of the demo catalog, with small monthly counts so that much is suppressed.

    PYTHONPATH=$PWD .venv/bin/python bench/protect_speed.py [--months 60] [--rounds 5]
        [--initiatives 20]   # also bench/synthetic.py's large catalog: 20 initiatives x 15
                             # measures x 120 months (relations, funnel and categories wired)

Prints the median and the slowest of the rounds, and how much each run suppressed.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from dashboard.approvals import approved_months  # noqa: E402
from dashboard.catalog import Catalog, load_catalog  # noqa: E402
from dashboard.db import Store  # noqa: E402
from dashboard.protect import protect  # noqa: E402


def demo_figures() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The current figures of a database made by `krimdash init --demo`: all of them, and those
    of the approved months (what the public view protects)."""
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "demo.duckdb"
        subprocess.run(
            [sys.executable, "-m", "dashboard.cli", "--db", str(db), "init", "--demo"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        rows = Store(db).rows("figures_current")
        approved = set(approved_months(Store(db)))
    every = pd.DataFrame(
        [(pd.Timestamp(m), meas, cat, v) for m, meas, cat, v, _ in rows],
        columns=["month", "measure", "category", "value"],
    )
    return every, every[every["month"].isin(approved)].reset_index(drop=True)


def synthetic_figures(catalog: Catalog, months: int, seed: int = 8) -> pd.DataFrame:
    """`months` months of every measure and category of `catalog`, consistent with its relations
    (totals = sums of categories, sum_equals totals = sums of parts), small monthly counts."""
    rng = np.random.default_rng(seed)
    stamps = pd.date_range("2021-01-01", periods=months, freq="MS")
    series: dict[tuple[str, str], np.ndarray] = {}
    for measure in catalog.measures:
        for category in measure.category_ids or ("",):
            if measure.kind == "cumulative":
                values = np.cumsum(rng.integers(0, 7, months))
            elif measure.kind == "stock":
                values = np.maximum(0, 20 + np.cumsum(rng.integers(-3, 4, months)))
            else:
                values = rng.integers(0, 40, months)
            series[(measure.id, category)] = values
        if measure.categories:
            series[(measure.id, "")] = sum(series[(measure.id, c)] for c in measure.category_ids)
    for relation in catalog.relations:
        if relation.kind == "sum_equals":
            *parts, total = relation.measures
            series[(total, "")] = sum(series[(p, "")] for p in parts)
    rows = [
        (stamps[k], measure, category, int(values[k]))
        for (measure, category), values in series.items()
        for k in range(months)
    ]
    return pd.DataFrame(rows, columns=["month", "measure", "category", "value"])


def timed(figures: pd.DataFrame, catalog: Catalog, rounds: int) -> tuple[list[float], pd.DataFrame]:
    times = []
    out = figures
    for _ in range(rounds):
        start = time.perf_counter()
        out = protect(figures, catalog)
        times.append(time.perf_counter() - start)
    return times, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--initiatives", type=int, default=0)
    args = parser.parse_args()
    catalog = load_catalog()
    every, approved = demo_figures()
    cases = [
        ("demo (init --demo, current figures)", every),
        ("demo, approved months only (the public view's table)", approved),
        (
            f"synthetic: {args.months} months x the demo catalog",
            synthetic_figures(catalog, args.months),
        ),
    ]
    runs = [(name, figures, catalog) for name, figures in cases]
    if args.initiatives:
        from synthetic import make_synthetic

        with tempfile.TemporaryDirectory() as folder:
            catalog_path, db = make_synthetic(Path(folder), initiatives=args.initiatives)
            rows = Store(db).rows("figures_current")
            large = load_catalog(catalog_path)
        figures = pd.DataFrame(
            [(pd.Timestamp(m), meas, cat, v) for m, meas, cat, v, _ in rows],
            columns=["month", "measure", "category", "value"],
        )
        runs.append(
            (
                f"bench/synthetic.py: {args.initiatives} initiatives x 15 measures x 120 months",
                figures,
                large,
            )
        )
    for name, figures, catalog in runs:
        times, out = timed(figures, catalog, args.rounds)
        primary = sum(1 for v in figures["value"] if 1 <= v <= 4)
        print(
            f"{name}: {len(figures)} figures, {primary} from 1 to 4, {int(out['protected'].sum())} "
            f"values protected; protect() median {statistics.median(times) * 1000:.0f} ms, "
            f"slowest {max(times) * 1000:.0f} ms over {args.rounds} runs"
        )


if __name__ == "__main__":
    main()
