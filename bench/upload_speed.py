"""How fast the app's "Indlæs fil" page previews and saves an upload, against the CLI import.

    .venv/bin/python bench/upload_speed.py [--rounds 3]

On a fresh demo database (`krimdash init --demo`), for two files:

- the held wide template for 24 months (`krimdash template`, XLSX, pre-filled: every figure
  unchanged);
- a long CSV of about 1 MB: every measure and category of the demo catalog for the months from
  January 2000 on, each row with a note of about 140 characters (new figures; the warnings they raise are
  acknowledged with a note, as an analyst would).

it times, server side, through Streamlit's AppTest signed in as the analyst (the same page code a
browser gets): the script run that follows choosing the file (the preview: the upload written to
its private folder, `imports.import_file` with `dry_run`, the page drawn) and the run that follows
"Gem" (the save). Beside it, on a copy of the same database, the whole `krimdash import` command of
the same file (a process of its own, start-up included) and `imports.import_file` in-process.
Medians of `--rounds`; each round starts from a fresh copy of the database. Prints figures and
never fails on them; a preview or save that does not end as expected stops it.

The issue's goals: each preview within 2 s of choosing the file; saving within the CLI import of
the same file plus 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402  (MonkeyPatch, as the tests use it)
from apptest import ANALYST, open_page  # noqa: E402

from dashboard.access import LOCAL  # noqa: E402
from dashboard.catalog import load_catalog  # noqa: E402
from dashboard.db import Store  # noqa: E402
from dashboard.exports import write_template  # noqa: E402
from dashboard.imports import import_file  # noqa: E402
from dashboard.months import current_month  # noqa: E402

# A note as an analyst might write it (source and method), so 1 MB holds a realistic row count.
NOTE = (
    "Opgjort af teamet ud fra sagssystemet; tal fra månedens statusmøde, kontrolleret af FAS og "
    "sammenholdt med SSP-konsulenternes egne lister"
)
KRIMDASH = str(Path(sys.executable).with_name("krimdash"))


def long_csv(path: Path, size: int = 1_000_000) -> int:
    """Every measure and category of the demo catalog, month by month from 2000-01, until the
    file holds `size` bytes; returns its rows."""
    catalog = load_catalog()
    series = [(m.id, c) for m in catalog.measures for c in ("", *m.category_ids)]
    lines = ["month,measure,category,value,note"]
    written, month, latest = 40, date(2000, 1, 1), current_month()
    while written < size and month <= latest:
        for n, (measure, category) in enumerate(series):
            line = f"{month:%Y-%m},{measure},{category},{n % 7},{NOTE}"
            lines.append(line)
            written += len(line) + 1
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines) - 1


def page_round(db: Path, name: str, data: bytes) -> tuple[float, float, str]:
    """(preview s, save s, status) of one upload through the page, as the analyst."""
    with pytest.MonkeyPatch.context() as mp:
        at = open_page(mp, db, "indlaes", reader=ANALYST)
        at.file_uploader(key="indlaes_fil").upload(name, data, "text/csv")
        started = time.perf_counter()
        at.run()
        preview = time.perf_counter() - started
        if at.exception:
            raise SystemExit(f"the preview of {name} failed: {at.exception[0].value}")
        for box in at.checkbox:  # warnings: acknowledged with a note, as an analyst would
            if box.key == "indlaes|ok":
                box.check()
        at.text_area(key="indlaes|note").input("benchmark")
        at.run()
        button = at.button(key="indlaes|gem")
        if button.disabled:  # nothing to save (every figure unchanged): the preview is all
            return preview, float("nan"), "no_change"
        button.click()
        started = time.perf_counter()
        at.run()
        saved = time.perf_counter() - started
        if not any("Gemt som" in s.value for s in at.success):
            errors = [e.value for e in at.error][:3]
            raise SystemExit(f"saving {name} did not end in a batch: {errors}")
        return preview, saved, "saved"


def cli_round(db: Path, path: Path) -> tuple[float, float]:
    """(the whole `krimdash import` command's wall s, import_file in-process s) on copies of db."""
    started = time.perf_counter()
    done = subprocess.run(
        [KRIMDASH, "--db", str(db), "import", str(path), "--user", "bench",
         "--accept-warnings", "--note", "benchmark"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    command = time.perf_counter() - started
    if done.returncode not in (0,):
        raise SystemExit(f"krimdash import {path.name} failed: {done.stderr[-500:]}")
    twin = db.with_name("twin-" + db.name)
    started = time.perf_counter()
    import_file(Store(twin), path, user="bench", role=LOCAL, accept_warnings=True, note="benchmark")
    return command, time.perf_counter() - started


def fresh(master: Path, folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    for target in (folder / master.name, folder / ("twin-" + master.name)):
        shutil.copy(master, target)
    return folder / master.name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="krimdash-upload-bench-"))
    try:
        master = work / "master" / "krimdash.duckdb"
        master.parent.mkdir()
        subprocess.run([KRIMDASH, "--db", str(master), "init", "--demo"], check=True,
                       capture_output=True)  # fmt: skip
        latest = current_month()
        first = date(latest.year - 2 + (latest.month == 12), latest.month % 12 + 1, 1)
        template = work / "skabelon-24.xlsx"
        write_template(Store(master), first, latest, template)
        csv = work / "lang-1mb.csv"
        rows = long_csv(csv)
        files = [
            (f"wide template, 24 months ({first:%Y-%m}..{latest:%Y-%m}), XLSX", template),
            (f"long CSV, {csv.stat().st_size / 1e6:.2f} MB, {rows:,} rows", csv),
        ]
        print(f"krimdash upload benchmark, {args.rounds} rounds, load average "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
        for label, path in files:
            data = path.read_bytes()
            previews, saves, commands, inproc = [], [], [], []
            for n in range(args.rounds):
                db = fresh(master, work / f"round-{n}")
                preview, save, status = page_round(db, path.name, data)
                previews.append(preview)
                if status == "saved":
                    saves.append(save)
                db = fresh(master, work / f"cli-{n}")
                command, alone = cli_round(db, path)
                commands.append(command)
                inproc.append(alone)
            med = statistics.median
            print(f"\n{label}")
            print(f"  preview (page run after choosing the file): median {med(previews):.2f} s"
                  f"  [{', '.join(f'{x:.2f}' for x in previews)}]  goal ≤ 2 s")  # fmt: skip
            if saves:
                print(f"  save (page run after Gem):                  median {med(saves):.2f} s"
                      f"  [{', '.join(f'{x:.2f}' for x in saves)}]")  # fmt: skip
            else:
                print(
                    "  save: nothing to save (every figure unchanged), as expected for the held template"
                )
            print(f"  krimdash import (whole command):            median {med(commands):.2f} s"
                  f"  [{', '.join(f'{x:.2f}' for x in commands)}]")  # fmt: skip
            print(f"  imports.import_file in-process:             median {med(inproc):.2f} s")
            if saves:
                margin = med(saves) - med(commands)
                print(f"  save − CLI import: {margin:+.2f} s  (goal ≤ +0.5 s)")
        print(f"\nload average at the end {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
