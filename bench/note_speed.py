"""The monthly note: how long making it takes and how much memory, for one month and a year of
months, in each format; and how fast its HTML file is drawn in headless Chromium against a
static one-chart HTML page in the same run (issue 11: goal ≤ 1.2 ×).

    .venv/bin/python bench/note_speed.py                 # about 2 min on 2 cores
    .venv/bin/python bench/note_speed.py --rounds 3 --loads 10

Making: each (format, months) runs in a child process of its own (`--child`), so its peak
memory is its own: the child imports krimdash, builds a demo database's notes (`build_note` and
the writer; `images=True` only for DOCX, which embeds PNG) and reports the wall time of the
work (imports excluded) and the peak resident memory (ru_maxrss) with the growth over the
baseline after imports. DOCX is measured when dashboard/note_docx.py is there.

Drawing: the note of the demo's latest month (four charts) and a static page holding one of its
charts, the same SVG, no script; each opened from file in a new browser context, alternately,
`--loads` times. A script installed before the page's own (add_init_script: the files have
none) records performance.now() — milliseconds since navigation start — in the first animation
frame after the load event: the page parsed, laid out and painted. Medians and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

FORMATS = ("html", "pdf", "docx")
FIRST_FRAME_JS = """
window.addEventListener('load', () => requestAnimationFrame(() => {
  window.__drawn = performance.now();
}));
"""


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(db: str, fmt: str, months: list[str]) -> None:
    """Make the notes of `months` in `fmt` and print one JSON line of figures."""
    from dashboard.db import Store
    from dashboard.note import build_note
    from dashboard.note_html import note_html, note_pdf

    if fmt == "docx":
        from dashboard.note_docx import note_docx as write
    else:
        write = note_pdf if fmt == "pdf" else note_html
    import weasyprint  # noqa: F401 - imported before the baseline, as the CLI would

    from dashboard.web import charts, render  # noqa: F401

    store = Store(db)
    base = _peak_mb()
    start = time.perf_counter()
    size = 0
    for month in months:
        size += len(write(build_note(store, month, images=fmt == "docx")))
    seconds = time.perf_counter() - start
    peak = _peak_mb()
    print(
        json.dumps({"seconds": seconds, "peak_mb": peak, "growth_mb": peak - base, "bytes": size})
    )


def making(db: Path, year: list[str], rounds: int) -> list[dict]:
    """(format, months, median seconds, peak MB, growth MB, bytes) per format, one and twelve."""
    from dashboard import note_model  # noqa: F401

    try:
        import dashboard.note_docx  # noqa: F401

        formats = FORMATS
    except ImportError:
        formats = FORMATS[:2]
    out = []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for fmt in formats:
        for months in ([year[-1]], year):
            runs = []
            for _ in range(rounds):
                done = subprocess.run(
                    [sys.executable, __file__, "--child", str(db), fmt, *months],
                    capture_output=True, text=True, env=env, check=True,
                )  # fmt: skip
                runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            out.append(
                {
                    "format": fmt,
                    "months": len(months),
                    "seconds": statistics.median(r["seconds"] for r in runs),
                    "per_month": statistics.median(r["seconds"] for r in runs) / len(months),
                    "peak_mb": max(r["peak_mb"] for r in runs),
                    "growth_mb": max(r["growth_mb"] for r in runs),
                    "bytes": runs[0]["bytes"],
                }
            )
    return out


def drawing(db: Path, month: str, folder: Path, loads: int) -> dict:
    """Median time to the first frame after load of the note and of a static one-chart page."""
    from html import escape

    from playwright.sync_api import sync_playwright
    from servers import launch_chromium

    from dashboard.db import Store
    from dashboard.note import build_note
    from dashboard.note_html import note_html

    note = build_note(Store(db), month, images=False)
    note_file = folder / "notat.html"
    note_file.write_bytes(note_html(note))
    chart = next(p.chart for p in note.initiatives if p.chart is not None)
    static = folder / "en-figur.html"
    static.write_text(
        '<!DOCTYPE html><html lang="da"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(chart.title)}</title></head><body><h1>{escape(chart.title)}</h1>"
        f"<figure>{chart.svg}</figure></body></html>",
        encoding="utf-8",
    )
    times: dict[str, list[float]] = {"note": [], "static": []}
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            for i in range(loads + 1):
                for name, path in (("static", static), ("note", note_file)):
                    context = browser.new_context(viewport={"width": 768, "height": 1024})
                    context.add_init_script(FIRST_FRAME_JS)
                    page = context.new_page()
                    page.goto(path.as_uri(), wait_until="load")
                    page.wait_for_function("window.__drawn !== undefined")
                    drawn = page.evaluate("window.__drawn")
                    context.close()
                    if i:  # the first round warms the browser up
                        times[name].append(drawn)
        finally:
            browser.close()
    note_ms, static_ms = statistics.median(times["note"]), statistics.median(times["static"])
    return {
        "note_ms": note_ms,
        "static_ms": static_ms,
        "ratio": note_ms / static_ms,
        "note_kb": note_file.stat().st_size / 1024,
        "static_kb": static.stat().st_size / 1024,
        "charts": sum(p.chart is not None for p in note.initiatives),
        "loads": loads,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="child runs per measurement")
    parser.add_argument("--loads", type=int, default=15, help="browser loads of each page")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        db, fmt, *months = args.child
        child(db, fmt, months)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "demo.duckdb"
        subprocess.run(
            [sys.executable, "-m", "dashboard.cli", "--db", str(db), "init", "--demo"],
            check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        year = [f"2025-{m:02d}" for m in range(1, 13)]
        load = os.getloadavg()[0]
        print(f"krimdash note speed, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
              f"load average {load:.1f}, {os.cpu_count()} cores")  # fmt: skip
        print("\nMaking the note (demo data; a child process per row; median of "
              f"{args.rounds} runs, peak memory the highest):")  # fmt: skip
        print("| format | months | time | per month | peak RSS | growth | size |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for row in making(db, year, args.rounds):
            print(
                f"| {row['format'].upper()} | {row['months']} | {row['seconds']:.2f} s | "
                f"{row['per_month']:.2f} s | {row['peak_mb']:.0f} MB | {row['growth_mb']:.0f} MB | "
                f"{row['bytes'] / 1024:.0f} kB |"
            )
        result = drawing(db, year[-1], folder, args.loads)
        print(f"\nTime to drawn in headless Chromium (first frame after load, median of "
              f"{result['loads']} loads each, 768 × 1024):")  # fmt: skip
        print("| page | size | drawn |")
        print("|---|---:|---:|")
        print(
            f"| static page, one chart | {result['static_kb']:.0f} kB | {result['static_ms']:.1f} ms |"
        )
        print(
            f"| the note, {result['charts']} charts | {result['note_kb']:.0f} kB | {result['note_ms']:.1f} ms |"
        )
        goal = "met" if result["ratio"] <= 1.2 else "NOT met"
        print(f"\nratio {result['ratio']:.2f} (goal ≤ 1.2: {goal})")


if __name__ == "__main__":
    main()
