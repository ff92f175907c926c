"""What a page run for a period not read before costs: the page bodies bench/load.py's readers
ask for (an initiative page or the overview, a random period, Danish or English), built in one
process as a page run builds them (dashboard.web.appdata's page functions, uncached), on a demo
database. Measures and prints; asserts nothing. See bench/README.md ("Load").

    .venv/bin/python bench/load_pages.py [--pages 30] [--seed 1] [--profile]

CPU is this process's and its children's (the chart drawing processes, render.Drawer, counted
once they have ended). `--profile` prints cProfile's heaviest calls (of this process only).
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=30, help="page bodies to build")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--audience", default="public", choices=["public", "approved", "drafts"])
    ap.add_argument("--profile", action="store_true", help="print cProfile's heaviest calls")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="krimdash-pages-"))
    db = tmp / "krimdash.duckdb"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for command in (["init", "--demo"], ["public", "on"]):
        subprocess.run(
            [sys.executable, "-m", "dashboard.cli", "--db", str(db), *command],
            env=env, check=True, capture_output=True, timeout=300,
        )  # fmt: skip
    os.environ["KRIMDASH_DB"] = str(db)
    logging.disable(logging.WARNING)  # Streamlit's "no runtime" warnings outside a server
    sys.path.insert(0, str(ROOT))
    from dashboard.web import appdata, render
    from dashboard.web.settings import parse_settings

    audience = args.audience
    months = appdata.available_months(audience)
    pages = [i.id for i in appdata.catalog().initiatives] + ["overblik"]
    rnd = random.Random(args.seed)
    jobs = []
    for _ in range(args.pages):
        a, b = sorted(rnd.sample(range(len(months)), 2))
        query = {"fra": f"{months[a]:%Y-%m}", "til": f"{months[b]:%Y-%m}"}
        query["sprog"] = rnd.choice(["da", "en"])
        settings = parse_settings(
            query, months, appdata.PAGE_PARAMS, appdata.complete_month(audience)
        )
        jobs.append((rnd.choice(pages), settings))
    appdata.visible_figures(audience)  # the queries are cached per data version: not measured
    appdata.reference("events")
    appdata.reference("targets")
    version = appdata.store().data_version()

    def build() -> None:
        for page, settings in jobs:
            if page == "overblik":
                appdata._overview_page.__wrapped__(version, audience, settings)
            else:
                appdata._initiative_page.__wrapped__(version, audience, page, settings)

    profile = cProfile.Profile() if args.profile else None
    wall, cpu, kids = time.perf_counter(), time.process_time(), children_cpu_s()
    if profile:
        profile.enable()
    build()
    if profile:
        profile.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    charts = render._picture.cache_info().currsize
    drawers = getattr(render, "DRAWERS", None)  # (None: a krimdash that draws in-process)
    if drawers is not None:
        drawers.stop()  # their CPU is counted once they have ended
    kids = children_cpu_s() - kids
    n = len(jobs)
    print(
        f"{n} page bodies for new periods ({audience}), {charts} charts drawn: "
        f"{(cpu + kids) / n * 1000:.0f} ms CPU a page ({cpu / n * 1000:.0f} in the page run's "
        f"process, {kids / n * 1000:.0f} drawing), {wall / n * 1000:.0f} ms wall; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
