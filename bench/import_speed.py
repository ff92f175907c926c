"""How fast and lean `krimdash import` is: the large synthetic file, and small monthly files.

    .venv/bin/python bench/import_speed.py [--before REV|DIR] [--rounds 7] [--big-rounds 3]

Makes synthetic.py's catalog and database (100 initiatives × 15 measures × 120 months: 276,000
figures) in a temp dir and writes their `krimdash export` as the long CSV (about 12 MB). Then,
each in a process of its own (a child's peak memory is its own, `os.wait4`):

- the baseline: DuckDB's `read_csv` of that file into a table (all columns as text);
- the import into an empty database (`krimdash init` with the synthetic catalog): the time of
  `imports.import_file` itself (measured inside the child, after its imports), its CPU time
  (all threads), the child's peak RSS, the ratio to the baseline, and the whole `krimdash
  import` command's wall time and peak RSS;
- a re-import of the same file (every figure unchanged);
- small monthly files on the demo data: the fullest month of `krimdash export` (21 rows, CSV,
  into an empty demo-catalog database: saved) and the wide template for its year (`krimdash
  template`, XLSX, into the demo database: every figure unchanged), medians of `--rounds` runs.

`--before` also measures another krimdash, in the same run: a checkout's folder, or a git
revision of this repository (unpacked with `git archive` into the temp dir; e.g. 00fa6fc, the
code before the SQL rule engine). Each code makes its own databases and files (its schema, its
demo data); the small files' rounds take turns between the two, and each large-file round
measures the baseline again, so that the machine's load hits both alike. `--code DIR` measures
a checkout other than this one as "after". Wall times on a shared machine move with its load;
the CPU seconds move less. Prints figures and the goals against them; never fails on them (a
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
from dataclasses import dataclass, field
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

# The goals (issue 9): the whole large import within 20× read_csv and 400 MB; small files not
# slower than before.
MAX_RATIO, MAX_MB = 20, 400


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


@dataclass
class Code:
    """One krimdash checkout being measured, its files and what was measured."""

    name: str  # "before" or "after"
    folder: Path
    work: Path  # its own part of the temp dir
    env: dict[str, str] = field(default_factory=dict)
    synth_env: dict[str, str] = field(default_factory=dict)
    figures: int = 0
    n_month: int = 0
    template_name: str = ""
    baseline: list[float] = field(default_factory=list)
    fresh: list[tuple[float, float, float]] = field(default_factory=list)
    reimport: list[tuple[float, float, float]] = field(default_factory=list)
    command: list[tuple[float, float, float]] = field(default_factory=list)
    startup: tuple[float, float] = (0.0, 0.0)
    month: list[tuple[float, float, float]] = field(default_factory=list)
    template: list[tuple[float, float, float]] = field(default_factory=list)


def prepare(code: Code, a: argparse.Namespace) -> None:
    """The code's synthetic database, its large CSV, empty databases, and the small files."""
    code.work.mkdir(parents=True)
    code.env = {**os.environ, "PYTHONPATH": str(code.folder), "KRIMDASH_USER": "bench"}
    code.synth_env = {**code.env, "KRIMDASH_CATALOG": str(code.work / "synth" / "catalog.toml")}
    # the measured code makes the synthetic database, so that its schema is one it knows
    synthetic = code.folder / "bench" / "synthetic.py"
    subprocess.run(
        [sys.executable, str(synthetic if synthetic.exists() else ROOT / "bench" / "synthetic.py"),
         str(code.work / "synth"),
         "--initiatives", str(a.initiatives), "--measures", str(a.measures),
         "--months", str(a.months)],
        check=True, cwd=code.folder, env=code.env, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    big = code.work / "synthetic.csv"
    cli("--db", code.work / "synth" / "krimdash.duckdb", "export", "-o", big, env=code.synth_env)
    cli("--db", code.work / "empty.duckdb", "init", env=code.synth_env)
    code.figures = big.read_bytes().count(b"\n") - 1
    # Small files on the demo catalog: the fullest month of the demo data, and the wide template.
    demo = code.work / "demo.duckdb"
    cli("--db", demo, "init", "--demo", env=code.env)
    cli("--db", code.work / "demo_empty.duckdb", "init", env=code.env)
    _, _, exported, _ = cli("--db", demo, "export", env=code.env)
    rows = list(csv.reader(io.StringIO(exported)))
    per_month: dict[str, int] = {}
    for r in rows[1:]:
        per_month[r[0]] = per_month.get(r[0], 0) + 1
    last = max(per_month, key=lambda m: (per_month[m], m))  # the fullest month
    with (code.work / "month.csv").open("w", newline="", encoding="utf-8") as out:
        csv.writer(out, lineterminator="\n").writerows(
            [rows[0]] + [r for r in rows[1:] if r[0] == last]
        )
    code.n_month = per_month[last]
    year = max(per_month)[:4]
    code.template_name = f"{year}-01..{max(per_month)}"
    cli("--db", demo, "template", "--from", f"{year}-01", "--to", max(per_month), "-o",
        code.work / "template.xlsx", env=code.env)  # fmt: skip


def big_round(code: Code, n: int) -> None:
    work, env = code.work, code.synth_env
    big = work / "synthetic.csv"
    _, _, out, _ = child(["-c", _READ_CSV, str(big)], code.env)
    code.baseline.append(json.loads(out)["seconds"])
    db = work / f"big{n}.duckdb"
    shutil.copy(work / "empty.duckdb", db)
    code.fresh.append(timed_import(db, big, env, "saved"))
    code.reimport.append(timed_import(db, big, env, "no_change"))
    db2 = work / f"bigcli{n}.duckdb"
    shutil.copy(work / "empty.duckdb", db2)
    wall, rss, _, _ = cli("--db", db2, "import", big, env=env)
    code.command.append((wall, 0.0, rss))
    db.unlink()
    db2.unlink()


def small_round(code: Code, n: int) -> None:
    db = code.work / f"small{n}.duckdb"
    shutil.copy(code.work / "demo_empty.duckdb", db)
    code.month.append(timed_import(db, code.work / "month.csv", code.env, "saved"))
    code.template.append(
        timed_import(code.work / "demo.duckdb", code.work / "template.xlsx", code.env, "no_change")
    )
    db.unlink()


def med(values: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Median seconds, median CPU seconds, highest peak RSS."""
    seconds, cpu, rss = zip(*values, strict=True)
    return statistics.median(seconds), statistics.median(cpu), max(rss)


def report(codes: list[Code], a: argparse.Namespace) -> None:
    first = codes[-1]
    large = "not measured" if a.skip_large else f"{first.figures:,} figures of long CSV; {a.big_rounds} rounds"  # fmt: skip
    print(f"\nlarge file: {large}; small files: median of {a.rounds}")
    for code in codes:
        print(f"  {code.name}: {code.folder}")
    head = "".join(f"{c.name + ': s':>12}{'CPU s':>8}{'× csv':>7}{'MB':>6}" for c in codes)
    print(f"\n{'what':<50}{head}")

    def line(name: str, cells: list[str]) -> None:
        print(f"{name:<50}" + "".join(cells))

    if not a.skip_large:
        line("DuckDB read_csv of the file (baseline)", [
            f"{statistics.median(c.baseline):>12.3f}{'':>8}{1:>7}{'':>6}" for c in codes
        ])  # fmt: skip
        for name, attr in (
            (f"import, {first.figures:,} new (import_file)", "fresh"),
            ("re-import, all unchanged (import_file)", "reimport"),
        ):
            cells = []
            for c in codes:
                seconds, cpu, rss = med(getattr(c, attr))
                ratio = seconds / statistics.median(c.baseline)
                cells.append(f"{seconds:>12.2f}{cpu:>8.2f}{ratio:>7.0f}{rss:>6.0f}")
            line(name, cells)
        cells = []
        for c in codes:
            seconds, _, rss = med(c.command)
            cells.append(f"{seconds:>12.2f}{'':>8}{'':>7}{rss:>6.0f}")
        line("whole `krimdash import` command (wall, max MB)", cells)
        line("`krimdash user list` (start-up, wall)", [
            f"{c.startup[0]:>12.2f}{'':>15}{c.startup[1]:>6.0f}" for c in codes
        ])  # fmt: skip
    for name, attr in (
        (f"one demo month, {first.n_month} rows, CSV (new)", "month"),
        (f"wide template {first.template_name}, XLSX (unchanged)", "template"),
    ):
        cells = []
        for c in codes:
            seconds, cpu, rss = med(getattr(c, attr))
            cells.append(f"{seconds * 1000:>10.0f}ms{cpu * 1000:>6.0f}ms{'':>7}{rss:>6.0f}")
        line(name, cells)

    after = codes[-1]
    print("\nGOALS (after):")
    if a.skip_large:
        print("  large import: not measured (--skip-large)")
    else:
        seconds, _, _ = med(after.fresh)
        ratio = seconds / statistics.median(after.baseline)
        rss = max(r for *_, r in after.command + after.fresh + after.reimport)
        print(f"  large import within {MAX_RATIO}x read_csv: "
              f"{'meets' if ratio <= MAX_RATIO else 'MISSES'} ({ratio:.1f}x)")  # fmt: skip
        print(f"  large import within {MAX_MB} MB peak (import_file and the whole command, "
              f"every round): {'meets' if rss <= MAX_MB else 'MISSES'} ({rss:.0f} MB)")  # fmt: skip
    if len(codes) == 2:
        before = codes[0]
        for name, attr in (("demo month", "month"), ("wide template", "template")):
            old, new = med(getattr(before, attr))[1], med(getattr(after, attr))[1]
            verdict = "meets" if new <= old * 1.05 else "MISSES"
            print(f"  small file not slower ({name}, CPU median): {verdict} "
                  f"({new * 1000:.0f} ms after, {old * 1000:.0f} ms before, "
                  f"{(new - old) * 1000:+.0f} ms)")  # fmt: skip
    print("load average at end:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7, help="runs per small file (median)")
    ap.add_argument("--big-rounds", type=int, default=3, help="runs of the large import")
    ap.add_argument("--initiatives", type=int, default=100)
    ap.add_argument("--measures", type=int, default=15)
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument(
        "--code", type=Path, default=ROOT, help="the krimdash checkout measured as 'after'"
    )
    ap.add_argument(
        "--before", help="also measure this checkout (a folder) or git revision as 'before'"
    )
    ap.add_argument("--skip-large", action="store_true", help="small files only")
    a = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="krimdash-import-bench-") as tmp:
        tmp = Path(tmp)
        codes = []
        if a.before:
            folder = Path(a.before)
            if not folder.is_dir():  # a git revision of this repository
                folder = tmp / "before-code"
                folder.mkdir()
                archive = subprocess.run(
                    ["git", "-C", str(ROOT), "archive", a.before],
                    check=True, capture_output=True,
                ).stdout  # fmt: skip
                subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
            codes.append(Code("before", folder.resolve(), tmp / "before"))
        codes.append(Code("after", a.code.resolve(), tmp / "after"))
        print(f"load average at start {os.getloadavg()[0]:.2f}")
        for code in codes:
            prepare(code, a)
        if not a.skip_large:
            for code in codes:
                for n in range(a.big_rounds):
                    big_round(code, n)
                wall, rss, _, _ = cli("--db", code.work / "empty.duckdb", "user", "list",
                                      env=code.synth_env)  # fmt: skip
                code.startup = (wall, rss)
        for n in range(a.rounds):  # the codes take turns
            for code in codes if n % 2 == 0 else codes[::-1]:
                small_round(code, n)
        report(codes, a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
