"""How long `krimdash backup` and `krimdash restore` take on the synthetic database.

    .venv/bin/python bench/backup_restore.py [--rounds 3] [--initiatives 100] [--months 120]

Makes synthetic.py's database (100 initiatives × 15 measures × 120 months: 276,000 figures) in a
temp dir, then runs the real CLI in its own process, round after round: `krimdash backup` to a
new folder and `krimdash restore` of it to a new file. Prints the wall time and peak memory
(max RSS) of each command, the time the command itself reports (without Python's start-up), the
sizes, and checks that the restored database's `krimdash export` is byte-identical to the
original's. Prints figures; never fails on them.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str | Path, env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, stdout) of one `krimdash` run in its own process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli", *map(str, args)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out = process.stdout.read().decode()
    err = process.stderr.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"krimdash {args[0]} failed ({process.returncode}): {err}")
    return wall, usage.ru_maxrss / 1024, out


def reported(out: str) -> float:
    """The seconds the command prints itself: '... (1.2 s).'"""
    return float(re.search(r"\(([\d.]+) s\)", out).group(1))


def size_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--initiatives", type=int, default=100)
    ap.add_argument("--measures", type=int, default=15)
    ap.add_argument("--months", type=int, default=120)
    a = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="krimdash-backup-bench-") as tmp:
        tmp = Path(tmp)
        started = time.perf_counter()
        # In a process of its own: a child's max RSS counts the parent it was forked from.
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "synthetic.py"), str(tmp),
             "--initiatives", str(a.initiatives), "--measures", str(a.measures),
             "--months", str(a.months)],
            check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        catalog, db = tmp / "catalog.toml", tmp / "krimdash.duckdb"
        made = time.perf_counter() - started
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "KRIMDASH_CATALOG": str(catalog),
            "KRIMDASH_USER": "bench",
        }
        _, _, original = run("--db", db, "export", env=env)
        figures = original.count("\n") - 1
        print(
            f"synthetic database: {figures:,} figures, {size_mb(db):.1f} MB "
            f"(made in {made:.1f} s); {a.rounds} rounds; Python start-up of the CLI included "
            "in 'wall'"
        )
        rows = {"backup": [], "restore": [], "user list": []}
        for n in range(a.rounds):
            wall, rss, _ = run("--db", db, "user", "list", env=env)
            rows["user list"].append((wall, 0.0, rss, 0.0))  # the start-up alone, for comparison
            folder = tmp / f"kopi{n}"
            wall, rss, out = run("--db", db, "backup", folder, env=env)
            rows["backup"].append((wall, reported(out), rss, size_mb(folder)))
            target = tmp / f"gendannet{n}.duckdb"
            wall, rss, out = run("restore", folder, "--db", target, env=env)
            rows["restore"].append((wall, reported(out), rss, size_mb(target)))
            _, _, restored = run("--db", target, "export", env=env)
            if restored != original:
                raise SystemExit(f"round {n}: the restored export differs from the original")
        print("export of every restored database byte-identical to the original's: yes")
        print(
            f"{'command':<10}{'wall s (median)':>17}{'itself s':>10}{'max RSS MB':>12}{'size MB':>9}"
        )
        for name, values in rows.items():
            wall, itself, rss, size = zip(*values, strict=True)
            print(
                f"{name:<10}{statistics.median(wall):>17.2f}{statistics.median(itself):>10.1f}"
                f"{max(rss):>12.0f}{statistics.median(size):>9.1f}"
            )
        print("(user list = `krimdash user list`: the CLI's start-up and one query, as a baseline)")
        print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
