"""What a page run for a period not read before costs: the page bodies bench/load.py's readers
ask for (an initiative page or the overview, a random period, Danish or English), built in one
process as a page run builds them (dashboard.web.appdata's page functions, uncached), on a demo
database. Measures and prints; asserts nothing. See bench/README.md ("Load").

    .venv/bin/python bench/load_pages.py [--pages 30] [--seed 1] [--profile]
    .venv/bin/python bench/load_pages.py --memory [--pages 250]

CPU is this process's and its children's (the chart drawing processes, render.Drawer, counted
once they have ended). `--profile` prints cProfile's heaviest calls (of this process only).
`--memory`: this process's RSS (glibc trimmed before each reading) warm (every page read once in
both languages, through the caches), after the page bodies for new periods (through the caches,
as a server reads them), after forgetting the kept drawings, and after emptying st.cache_data.
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
    ap.add_argument("--memory", action="store_true", help="follow this process's memory")
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

    if args.memory:
        return memory(appdata, render, jobs, pages, months, audience)
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


def rss_mb() -> float:
    """This process's RSS after a garbage collection and glibc's malloc_trim."""
    import ctypes
    import gc

    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def memory(appdata, render, jobs, pages, months, audience) -> int:  # noqa: ANN001
    import streamlit as st
    from streamlit.runtime.caching import cache_data_api

    from dashboard.web.settings import parse_settings

    def cached_mb() -> float:
        stats = cache_data_api._data_caches.get_stats().values()
        return sum(stat.byte_length for family in stats for stat in family) / 2**20

    def read(page, settings) -> None:  # noqa: ANN001
        if page == "overblik":
            appdata.overview_page(settings, audience)
        else:
            appdata.initiative_page(page, settings, audience)

    default = appdata.complete_month(audience)
    for page in pages:
        for lang in ("da", "en"):
            read(page, parse_settings({"sprog": lang}, months, appdata.PAGE_PARAMS, default))
    steps = [("warm: every page once, both languages", rss_mb(), cached_mb())]
    for page, settings in jobs:
        read(page, settings)
    steps.append((f"after {len(jobs)} page bodies for new periods", rss_mb(), cached_mb()))
    render._picture.cache_clear()
    steps.append(("the kept drawings forgotten", rss_mb(), cached_mb()))
    st.cache_data.clear()
    steps.append(("st.cache_data emptied", rss_mb(), cached_mb()))
    for what, mb, cached in steps:
        print(f"{mb:6.0f} MB  {what} (st.cache_data's estimate: {cached:.1f} MB)")
    drawers = getattr(render, "DRAWERS", None)
    if drawers is not None:
        drawers.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
