"""How fast and lean `krimdash import` is: the large synthetic file, and small monthly files.

    .venv/bin/python bench/import_speed.py [--rounds 5] [--initiatives 100] [--months 120]

Makes synthetic.py's catalog and database (100 initiatives × 15 measures × 120 months: 276,000
figures) in a temp dir and writes their `krimdash export` as the long CSV (about 12 MB). Then,
each in a process of its own (a child's peak memory is its own, `os.wait4`):

- the baseline: DuckDB's `read_csv` of that file into a table (all columns as text);
- the import into an empty database (`krimdash init` with the synthetic catalog): the time of
  `imports.import_file` itself (measured inside the child, after its imports), the child's peak
  RSS, the ratio to the baseline, and the whole `krimdash import` command's wall time;
- a re-import of the same file (every figure unchanged);
- small monthly files on the demo data: one month of `krimdash export` (about 60 rows, into a
  copy of an empty demo-catalog database) and the wide template for a year (`krimdash template`,
  XLSX, into the demo database), medians of `--rounds` runs.

`--code DIR` measures another checkout's krimdash (e.g. the main branch, for the figures before
a change) with this script and the same files. Wall times on a shared machine move with its load;
the CPU seconds (the child's, all its threads) move less. Prints figures; never fails on them (a
run whose import does not end as expected stops it).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run in a child: time import_file alone (after the imports), print the result as JSON.
_IMPORT = """
import json, sys, time
from dashboard import imports
from dashboard.access import LOCAL
from dashboard.db import Store
from dashboard.catalog import load_catalog
catalog = load_catalog()
started, cpu = time.perf_counter(), time.process_time()
result = imports.import_file(Store(sys.argv[1]), sys.argv[2], user="bench", role=LOCAL,
                             catalog=catalog, accept_warnings=True, note="bench")
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
print(json.dumps({"seconds": seconds, "cpu": cpu, "status": result.status,
                  "errors": [str(e) for e in result.errors[:3]]}))
"""

_READ_CSV = """
import sys, time, duckdb
conn = duckdb.connect()
started = time.perf_counter()
conn.execute("create table t as select * from read_csv(?, all_varchar = true, header = true)",
             [sys.argv[1]])
seconds = time.perf_counter() - started
n = conn.execute("select count(*) from t").fetchone()[0]
print('{"seconds": %f, "rows": %d}' % (seconds, n))
"""


def child(args: list[str], env: dict[str, str]) -> tuple[float, float, str, int]:
    """(wall seconds, peak RSS in MB, stdout, exit code) of one process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, *args],
        cwd=env["PYTHONPATH"],  # -m and -c put the working directory first on the path
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out = process.stdout.read().decode()
    err = process.stderr.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3):  # 3: needs an acknowledgement of warnings (cli.EXIT_WARNINGS)
        raise SystemExit(f"{args[:3]} failed ({code}): {err}{out}")
    return wall, usage.ru_maxrss / 1024, out, code


def cli(*args: str | Path, env: dict[str, str]) -> tuple[float, float, str, int]:
    return child(["-m", "dashboard.cli", *map(str, args)], env)


def timed_import(
    db: Path, path: Path, env: dict[str, str], expect: str
) -> tuple[float, float, float]:
    """(seconds of import_file itself, its CPU seconds, peak RSS MB of the child)."""
    _, rss, out, _ = child(["-c", _IMPORT, str(db), str(path)], env)
    found = json.loads(out.strip().splitlines()[-1])
    if found["status"] != expect:
        raise SystemExit(f"import of {path.name}: {found['status']}, expected {expect}: {found}")
    return found["seconds"], found["cpu"], rss


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5, help="runs per small file (median)")
    ap.add_argument("--big-rounds", type=int, default=3, help="runs of the large import")
    ap.add_argument("--initiatives", type=int, default=100)
    ap.add_argument("--measures", type=int, default=15)
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument(
        "--code", type=Path, default=ROOT, help="the krimdash checkout whose import is measured"
    )
    a = ap.parse_args()
    code = a.code.resolve()
    path_env = {**os.environ, "PYTHONPATH": str(code), "KRIMDASH_USER": "bench"}

    with tempfile.TemporaryDirectory(prefix="krimdash-import-bench-") as tmp:
        tmp = Path(tmp)
        # the measured code makes the synthetic database, so that its schema is one it knows
        synthetic = code / "bench" / "synthetic.py"
        subprocess.run(
            [sys.executable, str(synthetic if synthetic.exists() else ROOT / "bench" / "synthetic.py"),
             str(tmp / "synth"),
             "--initiatives", str(a.initiatives), "--measures", str(a.measures),
             "--months", str(a.months)],
            check=True, cwd=ROOT, env=path_env, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        synth_env = {**path_env, "KRIMDASH_CATALOG": str(tmp / "synth" / "catalog.toml")}
        big = tmp / "synthetic.csv"
        cli("--db", tmp / "synth" / "krimdash.duckdb", "export", "-o", big, env=synth_env)
        empty = tmp / "empty.duckdb"
        cli("--db", empty, "init", env=synth_env)
        figures = big.read_bytes().count(b"\n") - 1
        print(
            f"large file: {figures:,} figures, {big.stat().st_size / 1e6:.1f} MB of long CSV; "
            f"load average at start {os.getloadavg()[0]:.2f}"
        )

        baseline = []
        for _ in range(a.big_rounds):
            _, _, out, _ = child(["-c", _READ_CSV, str(big)], path_env)
            baseline.append(json.loads(out)["seconds"])
        base = statistics.median(baseline)

        fresh, reimport, command = [], [], []
        for n in range(a.big_rounds):
            db = tmp / f"big{n}.duckdb"
            shutil.copy(empty, db)
            fresh.append(timed_import(db, big, synth_env, "saved"))
            reimport.append(timed_import(db, big, synth_env, "no_change"))
            db2 = tmp / f"bigcli{n}.duckdb"
            shutil.copy(empty, db2)
            wall, rss, _, _ = cli("--db", db2, "import", big, env=synth_env)
            command.append((wall, 0.0, rss))
        start_wall, start_rss, _, _ = cli("--db", empty, "user", "list", env=synth_env)

        # Small files on the demo catalog: one month of the demo data, and the wide template.
        demo = tmp / "demo.duckdb"
        cli("--db", demo, "init", "--demo", env=path_env)
        demo_empty = tmp / "demo_empty.duckdb"
        cli("--db", demo_empty, "init", env=path_env)
        _, _, exported, _ = cli("--db", demo, "export", env=path_env)
        rows = list(csv.reader(io.StringIO(exported)))
        per_month: dict[str, int] = {}
        for r in rows[1:]:
            per_month[r[0]] = per_month.get(r[0], 0) + 1
        last = max(per_month, key=lambda m: (per_month[m], m))  # the fullest month
        month_file = tmp / f"{last}.csv"
        with month_file.open("w", newline="", encoding="utf-8") as out:
            csv.writer(out, lineterminator="\n").writerows(
                [rows[0]] + [r for r in rows[1:] if r[0] == last]
            )
        n_month = per_month[last]
        template = tmp / "skabelon.xlsx"
        year = max(per_month)[:4]
        cli("--db", demo, "template", "--from", f"{year}-01", "--to", max(per_month), "-o",
            template, env=path_env)  # fmt: skip
        small_month, small_template = [], []
        for n in range(a.rounds):
            db = tmp / f"small{n}.duckdb"
            shutil.copy(demo_empty, db)
            small_month.append(timed_import(db, month_file, path_env, "saved"))
            small_template.append(timed_import(demo, template, path_env, "no_change"))

    def med(values: list[tuple[float, float, float]]) -> tuple[float, float, float]:
        seconds, cpu, rss = zip(*values, strict=True)
        return statistics.median(seconds), statistics.median(cpu), max(rss)

    print(f"code measured: {code}")
    print(f"DuckDB read_csv into a table (baseline): {base:.3f} s (median of {a.big_rounds})")
    print(f"{'what':<48}{'s (median)':>11}{'CPU s':>7}{'× read_csv':>11}{'peak RSS MB':>13}")
    for name, values in [
        (f"import into an empty database ({figures:,} new)", fresh),
        ("re-import of the same file (all unchanged)", reimport),
    ]:
        seconds, cpu, rss = med(values)
        print(f"{name:<48}{seconds:>11.2f}{cpu:>7.2f}{seconds / base:>11.0f}{rss:>13.0f}")
    seconds, _, rss = med(command)
    print(f"{'whole `krimdash import` command (wall)':<48}{seconds:>11.2f}{'':>18}{rss:>13.0f}")
    print(f"{'`krimdash user list` (start-up, wall)':<48}{start_wall:>11.2f}{'':>18}"
          f"{start_rss:>13.0f}")  # fmt: skip
    for name, values in [
        (f"one demo month, {n_month} rows, CSV (new)", small_month),
        (f"wide template {year}-01..{max(per_month)}, XLSX (unchanged)", small_template),
    ]:
        seconds, cpu, rss = med(values)
        print(f"{name:<48}{seconds * 1000:>9.0f}ms{cpu * 1000:>5.0f}ms{'':>11}{rss:>13.0f}")
    print(f"(import rows: import_file itself, in a child process after its imports; "
          f"small files: median of {a.rounds})")  # fmt: skip
    print("load average at end:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
