"""What pages read: page bodies, query results and the one catalog, cached on the database's
data version, and the frame's settings (language, period, level or change).

Pages never open the database themselves. Every cached function takes the data version, so a
write by another process (e.g. `krimdash import`) shows on the next run, and an unchanged
database costs no connection at all: a returning reader gets the page's HTML from the cache.

The catalog pages read is the one `krimdash init` loaded into the database, so it always
agrees with the figures' tables; when the catalog file has changed since (or the database is
older than this krimdash), pages say that `krimdash init` is needed.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from .. import config
from ..catalog import Catalog, load_catalog
from ..db import Store, latest_version
from ..reference import loaded_catalog
from . import series, views
from .settings import PAGE, Settings, parse_settings
from .texts import text


def store() -> Store:
    """The database the app shows: KRIMDASH_DB (set by `krimdash serve`) or the default."""
    return Store()


@st.cache_data(ttl=3600, show_spinner=False, max_entries=256)
def _query(db_path: str, version: tuple, name: str, params_json: str) -> pd.DataFrame:
    return Store(db_path).query(name, json.loads(params_json))


def query(name: str, **params: object) -> pd.DataFrame:
    """queries/<name>.sql as a DataFrame, cached until the database changes.

    Returns a copy: cached objects are never mutated.
    """
    s = store()
    key = json.dumps(params, sort_keys=True, default=str)
    return _query(str(s.path), s.data_version(), name, key).copy()


def figures(
    initiative: str | None = None, key_only: bool = False, month: object = None
) -> pd.DataFrame:
    """queries/figure_series.sql: monthly series with the change from the month before."""
    return query("figure_series", initiative=initiative, key_only=key_only, month=month)


@st.cache_resource(show_spinner=False, max_entries=8)
def _catalog(db_path: str, version: tuple, file: str, file_version: tuple) -> tuple[Catalog, str]:
    """(the catalog pages show, the key of the text saying why `krimdash init` is needed, or "")."""
    s = Store(db_path)
    loaded = loaded_catalog(s)
    try:
        on_file = load_catalog(file)
    except (OSError, ValueError):  # unreadable or broken: `krimdash init` will say what is wrong
        on_file = None
    if loaded is None or s.schema_version() < latest_version():
        # A database from before catalogs were stored: the file is all there is until init.
        return (loaded or on_file or Catalog((), ())), "needs_init_upgrade"
    return loaded, "" if on_file == loaded else "needs_init_catalog"


def _catalog_state() -> tuple[Catalog, str]:
    s, file = store(), config.catalog_path()
    try:
        stat = file.stat()
        file_version = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        file_version = (0, 0)
    return _catalog(str(s.path), s.data_version(), str(file), file_version)


def catalog() -> Catalog:
    """The catalog every page reads: the one `krimdash init` loaded into the database."""
    return _catalog_state()[0]


def init_note(lang: str) -> str:
    """Why `krimdash init` is needed (the catalog file changed since, or the database is older
    than this krimdash), for the top of every page; "" when it is not."""
    key = _catalog_state()[1]
    return text(key, lang) if key else ""


def demo_status() -> tuple[int, int]:
    """(demo figures, all figures) among the current figures."""
    row = query("demo_status").iloc[0]
    return int(row["demo_figures"]), int(row["all_figures"])


def demo_banner(lang: str) -> str:
    """The DEMO banner's HTML while demo figures show, else nothing; pages put it on top."""
    demo, total = demo_status()
    return views.demo_banner(lang, demo == total) if demo else ""


def available_months() -> list[pd.Timestamp]:
    """Every month from the first to the last with a figure (gaps included)."""
    months = query("months_with_figures")["month"]
    if months.empty:
        return []
    return series.months_between(months.iloc[0], months.iloc[-1])


def complete_month() -> pd.Timestamp | None:
    """The latest complete month (series.latest_complete_month): the default month of every
    page, so a half-reported newer month is shown only when a reader chooses it."""
    return series.latest_complete_month(query("reported_measures"), catalog())


# The overview's month (default: the latest complete one), e.g. maaned=2025-06.
OVERVIEW_MONTH = "maaned"

# The page (see app.py) and a page's own choices, which ride in the address beside the frame's.
PAGE_PARAMS = (PAGE, "tragt", series.PERIOD_PRESET, *series.PERIOD_MONTHS, OVERVIEW_MONTH)


def settings() -> Settings:
    """The reader's choices, from the address (see dashboard.web.settings)."""
    return parse_settings(
        st.query_params.to_dict(), available_months(), PAGE_PARAMS, complete_month()
    )


# Page bodies, cached per data version and choice: building charts is the costly part.


@st.cache_data(ttl=3600, show_spinner=False, max_entries=512)
def _initiative_page(version: tuple, initiative_id: str, s: Settings) -> str:
    cat = catalog()
    return views.initiative_body(
        cat.initiative(initiative_id),
        cat,
        figures(initiative_id),
        series.events_between(query("events"), s.first, s.last, initiative_id)
        if s.months
        else query("events").iloc[:0],
        query("targets"),
        s,
    )


def initiative_page(initiative_id: str, s: Settings) -> str:
    return _initiative_page(store().data_version(), initiative_id, s)


@st.cache_data(ttl=3600, show_spinner=False, max_entries=256)
def _overview_page(version: tuple, s: Settings) -> str:
    cat = catalog()
    freshness = query("freshness").iloc[0]
    latest = pd.Timestamp(freshness["latest_month"])
    months = [m for m in available_months() if m <= latest]
    complete = complete_month()
    month = s.month_param(OVERVIEW_MONTH, months, latest if complete is None else complete)
    every = figures()
    targets = query("targets")
    progress = series.target_progress(targets, every) if not targets.empty else pd.DataFrame()
    return views.overview_body(
        catalog=cat,
        tiles=series.key_tiles(figures(key_only=True), cat, month),
        latest=latest,
        freshness=freshness,
        missing=query("missing_measures")
        if month == latest
        else series.missing_in_month(every, cat, month),
        changed=series.changed_since_last_month(figures(month=month.date()), month),
        month_events=series.events_between(query("events"), month, month),
        progress=progress,
        lang=s.lang,
        local_time=config.local_time,
        link=s.link,
        month=month,
        form=views.overview_form(s, OVERVIEW_MONTH, months, month),
        partial=query("missing_measures") if month < latest else None,
    )


def overview_page(s: Settings) -> str:
    return _overview_page(store().data_version(), s)


@st.cache_data(ttl=3600, show_spinner=False, max_entries=256)
def _compare_page(version: tuple, s: Settings) -> str:
    months = available_months()
    preset, a, b = series.chosen_periods(dict(s.extra), months, complete_month())
    # the month before the earlier period too: a running total's increase starts from it
    first = min(a.first, b.first) - pd.DateOffset(months=1)
    figures = query("figures_in_range", first=first.date(), last=max(a.last, b.last).date())
    comparisons = series.compare_periods(figures, catalog(), a, b)
    choices = series.period_choices(months)
    shown = [m for m in choices if m >= min(months[0], a.first, b.first)]
    return views.compare_body(comparisons, catalog(), a, b, preset, s, shown)


def compare_page(s: Settings) -> str:
    """The compare page's body for the periods the address asks for (series.chosen_periods)."""
    return _compare_page(store().data_version(), s)
