"""Import throughput on the shared store (DuckLake on PostgreSQL) with one writer and with three
writers at once, against the embedded DuckDB file, in the same run.

    .venv/bin/python bench/lake_writers.py [--rounds 2] [--files 12] [--initiatives 30]

Starts its own PostgreSQL (tests/pg.py: a throwaway cluster from Debian in a temp folder) and
makes `synthetic.py`'s catalog with `--initiatives` × 15 measures × (60 + `--files`) months. Each
store starts with the first 60 months (5 years of history, one batch) and then takes the last
`--files` months as monthly CSV files (`--initiatives` × 23 figures each), all new:

- one writer: one process imports every file, one after another;
- three writers: three processes, started together, each imports a third of the files (in turn:
  file 1, 4, 7, … to the first). On the lake they take turns on PostgreSQL's advisory lock; on
  the file they wait for DuckDB's file lock (KRIMDASH_LOCK_TIMEOUT is set high: none gives up).

A writer is a Python process that imports with `imports.import_file` (the path of `krimdash
import` and the app's upload page) after its imports and the catalog are loaded; all writers of a
run start at the same wall-clock moment, so the times are the stores' and not Python's start-up.
Wall time is from the first writer's start (that moment, unless all were late) to the last one's
end; figures per second is the files' figures
over it; a file's time includes any wait for the lock. Each run gets a fresh store (a new
PostgreSQL database and data folder, or a new file), and checks afterwards that every file is in
the audit log once with its figures. Prints the table; never fails on a figure.
"""

from __future__ import annotations

import argparse
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
for folder in (ROOT, ROOT / "tests", ROOT / "bench"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import pg  # noqa: E402  (tests/pg.py)
from report import loadavg, other_work, say  # noqa: E402
from synthetic import catalog_text, figures_frame  # noqa: E402

HISTORY = 60  # months already in the store
MEASURES = 15
WRITERS = 3

# One writer: wait for the common start, import its files in order, print what each took.
_WRITER = """
import json, sys, time
from dashboard import imports
from dashboard.access import LOCAL
from dashboard.catalog import load_catalog
from dashboard.db import Store
catalog, store = load_catalog(), Store()
store.exists()  # a lake is attached now (0.3 s, once per process), not in the first import
start_at, files = float(sys.argv[1]), sys.argv[2:]
time.sleep(max(0.0, start_at - time.time()))
began, out = time.time(), []
for path in files:
    t = time.perf_counter()
    result = imports.import_file(store, path, user="bench", role=LOCAL, catalog=catalog)
    out.append({"file": path, "seconds": time.perf_counter() - t, "status": result.status,
                "figures": result.n_figures})
print(json.dumps({"began": began, "ended": time.time(), "files": out}))
"""


def _month(m) -> str:  # noqa: ANN001
    return f"{m:%Y-%m}"


class Bench:
    def __init__(self, folder: Path, server: pg.Postgres, initiatives: int, files: int):
        self.folder, self.server = folder, server
        self.catalog = folder / "catalog.toml"
        self.catalog.write_text(catalog_text(initiatives, MEASURES, HISTORY + files))
        frame = figures_frame(initiatives, MEASURES, HISTORY + files)
        months = sorted(frame.month.unique())
        self.history = frame[frame.month < months[HISTORY]]
        self.files = []
        for m in months[HISTORY:]:
            part = frame[frame.month == m]
            path = folder / f"{_month(m)}.csv"
            part.assign(month=part.month.map(_month)).to_csv(path, index=False)
            self.files.append((path, len(part)))
        self.figures = sum(n for _, n in self.files)
        self.runs = 0

    def env(self, location: str, data: Path | None) -> dict[str, str]:
        env = {
            **os.environ,
            "KRIMDASH_CATALOG": str(self.catalog),
            "KRIMDASH_USER": "bench",
            "KRIMDASH_LOCK_TIMEOUT": "600",
            "PYTHONPATH": str(ROOT),
            "KRIMDASH_DB": str(self.folder / "local.duckdb"),
        }
        env.pop("KRIMDASH_STORE", None)
        env.pop("KRIMDASH_LAKE_DATA", None)
        if data is None:
            env["KRIMDASH_DB"] = location
        else:
            env |= {"KRIMDASH_STORE": location, "KRIMDASH_LAKE_DATA": str(data)}
        return env

    def fresh(self, kind: str) -> dict[str, str]:
        """A new store of `kind` ("lake" or "file") holding the history; its environment."""
        self.runs += 1
        if kind == "lake":
            location = pg.lake_url(self.server.new_database())
            data = self.folder / f"lake-{self.runs}"
            data.mkdir()
        else:
            location, data = str(self.folder / f"file-{self.runs}" / "krimdash.duckdb"), None
        env = self.env(location, data)
        history = self.folder / "history.parquet"
        if not history.exists():
            self.history.to_parquet(history)
        done = subprocess.run(
            [sys.executable, "-c", _SET_UP, str(history)],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"setting up the {kind} store failed: {done.stderr[-2000:]}")
        return env

    def run(self, kind: str, writers: int) -> dict:
        env = self.fresh(kind)
        shares = [[str(p) for p, _ in self.files[w::writers]] for w in range(writers)]
        start_at = time.time() + 4 + writers  # after every writer's start-up
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", _WRITER, str(start_at), *share],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for share in shares
        ]
        results = []
        for process in processes:
            out, err = process.communicate(timeout=1800)
            if process.returncode:
                raise RuntimeError(f"a writer failed ({process.returncode}): {err[-2000:]}")
            results.append(json.loads(out.strip().splitlines()[-1]))
        late = max(r["began"] for r in results) - start_at
        if late > 0.5:
            say(f"  (a writer began {late:.1f} s after the common start: its start-up was slow)")
        per_file = [f for r in results for f in r["files"]]
        bad = [f for f in per_file if f["status"] != "saved"]
        if bad:
            raise RuntimeError(f"an import did not save: {bad[:3]}")
        self.verify(env)
        wall = max(r["ended"] for r in results) - min(r["began"] for r in results)
        return {
            "wall": wall,
            "per_s": self.figures / wall,
            "file_median": statistics.median(f["seconds"] for f in per_file),
            "file_max": max(f["seconds"] for f in per_file),
        }

    def verify(self, env: dict[str, str]) -> None:
        """Every file's batch once, with its figures under it."""
        done = subprocess.run(
            [sys.executable, "-c", _VERIFY], env=env, cwd=ROOT, capture_output=True, text=True,
            timeout=600,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"reading the store back failed: {done.stderr[-2000:]}")
        batches = json.loads(done.stdout)
        want = sorted((p.name, n) for p, n in self.files)
        got = sorted((name, n) for name, n in batches if name != "history")
        if got != want:
            raise RuntimeError(f"the audit log does not hold each file once: {got} != {want}")


_SET_UP = """
import sys
import pandas as pd
from dashboard.catalog import load_catalog
from dashboard.db import Store, insert_batch
from dashboard.reference import load_reference
store = Store()
store.upgrade()
load_reference(store, user="bench", catalog=load_catalog())
history = pd.read_parquet(sys.argv[1])
with store.writer() as conn:
    insert_batch(conn, action="import", user="bench", revisions=history, file_name="history",
                 counts={"new": len(history)})
"""

_VERIFY = """
import json
from dashboard.db import Store
with Store().reader() as conn:
    ids = [i for (i,) in conn.execute("select id from batches order by id").fetchall()]
    assert ids == list(range(1, len(ids) + 1)), ids
    rows = conn.execute(
        "select b.file_name, count(r.batch_id) from batches b join figure_revisions r "
        "on r.batch_id = b.id group by b.id, b.file_name"
    ).fetchall()
print(json.dumps(rows))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="runs of each case (medians)")
    parser.add_argument("--files", type=int, default=12, help="monthly files to import")
    parser.add_argument("--initiatives", type=int, default=30, help="synthetic initiatives")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="krimdash-lake-writers-"))
    server = pg.start()
    say(f"PostgreSQL {server.bin.parent.name} on port {server.port}; temp folder {folder}")
    started, loads = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), [loadavg()]
    try:
        bench = Bench(folder, server, args.initiatives, args.files)
        say(
            f"{args.files} monthly files of {bench.files[0][1]} figures ({bench.figures} in all) "
            f"into stores holding {len(bench.history)} figures ({HISTORY} months)"
        )
        cases = [
            (kind, w) for _ in range(args.rounds) for kind in ("lake", "file") for w in (1, WRITERS)
        ]
        results: dict[tuple[str, int], list[dict]] = {}
        for kind, writers in cases:  # the rounds take turns, so load hits every case alike
            r = bench.run(kind, writers)
            results.setdefault((kind, writers), []).append(r)
            say(
                f"  {kind}, {writers} writer(s): {r['wall']:.2f} s, {r['per_s']:,.0f} figures/s, "
                f"a file {r['file_median']:.2f} s (median), {r['file_max']:.2f} s (max)"
            )
            loads.append(loadavg())
        table(results, bench, args)
        say(f"\n{started}, load average at start and after each run: {' | '.join(loads)}")
        if others := other_work(set()):
            say("Other work on the machine while it ran:\n  " + "\n  ".join(others))
    finally:
        pg.stop(server)
        if args.keep:
            say(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def table(results: dict[tuple[str, int], list[dict]], bench: Bench, args) -> None:  # noqa: ANN001
    med = {
        key: {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        for key, runs in results.items()
    }
    say(
        f"\nMedians of {args.rounds} runs; {args.files} files × {bench.files[0][1]} figures "
        f"= {bench.figures} figures per run\n"
    )
    say(
        "| store | writers | wall time | figures/s | a file (median) | a file (max) | wall vs. 1 writer |"
    )
    say("|---|---:|---:|---:|---:|---:|---:|")
    for kind, name in (("lake", "DuckLake on PostgreSQL"), ("file", "embedded DuckDB file")):
        for writers in (1, WRITERS):
            m = med[(kind, writers)]
            vs = m["wall"] / med[(kind, 1)]["wall"]
            say(
                f"| {name} | {writers} | {m['wall']:.2f} s | {m['per_s']:,.0f} | "
                f"{m['file_median']:.2f} s | {m['file_max']:.2f} s | {vs:.2f}× |"
            )
    lake1, file1 = med[("lake", 1)]["wall"], med[("file", 1)]["wall"]
    lake3, file3 = med[("lake", WRITERS)]["wall"], med[("file", WRITERS)]["wall"]
    say(f"\nDuckLake / file wall time: one writer {lake1 / file1:.2f}×, three {lake3 / file3:.2f}×")


if __name__ == "__main__":
    main()
