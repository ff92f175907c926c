"""What pages read: page bodies, query results and the one catalog, cached on the database's
data version, and the frame's settings (language, period, level or change).

Pages never open the database themselves. Every cached function takes the data version, so a
write by another process (e.g. `krimdash import`) shows on the next run, and an unchanged
database costs no connection at all: a returning reader gets the page's HTML from the cache.

Every page reads for an audience (access.Reader.audience), and every cache key holds it, so a
body made for one is never shown to another: "drafts" (rådmand, analyst, admin) every month,
the months not approved marked KLADDE; "approved" (a committee member) the approved months
only; "public" (not signed in) the approved months with their figures protected
(dashboard.protect: a small count and whatever would give it away is `..`). For the last two,
a month not approved does not exist: not in the period, not as a page's month in the address.

The dashboard as it stood at a moment (`pr=` in the address, settings.AS_OF; for those who may
read the history): every cached loader takes `as_of` (naive UTC, None: now) as part of its key;
with None it runs today's queries, unchanged; with a moment the same queries read the figures
and month statuses of that moment (history.query_as_of, approvals.approved_months(as_of)).

The catalog pages read is the one `krimdash init` loaded into the database, so it always
agrees with the figures' tables; when the catalog file has changed since (or the database is
older than this krimdash), pages say that `krimdash init` is needed.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from functools import lru_cache

import pandas as pd
import streamlit as st
from streamlit import config as streamlit_config
from streamlit.runtime.app_session import AppSession

from .. import approvals, config, history
from ..access import Reader
from ..audience import AUDIENCES, restricted
from ..catalog import Catalog, load_catalog
from ..db import Store, latest_version
from ..protect import protect
from ..reference import loaded_catalog
from ..rules import MAX_NOTE_CHARS
from . import series, views
from .settings import AS_OF, PAGE, BadMoment, Settings, parse_moment, parse_settings
from .texts import text

LOGGER = logging.getLogger(__name__)


# Any websocket client may send Streamlit's BackMsg `clear_cache` (what the frontend's "Clear
# cache" in development mode sends), and Streamlit then empties st.cache_data and
# st.cache_resource for every reader of the server: one line of script would make every page of
# a committee meeting be built again. Refused here unless Streamlit runs in development mode; a
# new data version already empties what a page shows (every key holds it).
def _refuse_clear_cache(session: AppSession) -> None:
    if streamlit_config.get_option("global.developmentMode"):
        _streamlit_clear_cache(session)
        return
    LOGGER.warning("refused a request to empty every cache (BackMsg clear_cache)")


_streamlit_clear_cache = getattr(
    AppSession._handle_clear_cache_request,
    "krimdash_original",
    AppSession._handle_clear_cache_request,
)
_refuse_clear_cache.krimdash_original = _streamlit_clear_cache  # type: ignore[attr-defined]
AppSession._handle_clear_cache_request = _refuse_clear_cache  # type: ignore[method-assign]


def store() -> Store:
    """The database the app shows: KRIMDASH_DB (set by `krimdash serve`) or the default."""
    return Store()


@st.cache_data(ttl=3600, show_spinner=False, max_entries=256)
def _query_now(db_path: str, version: tuple, name: str, params_json: str) -> pd.DataFrame:
    return Store(db_path).query(name, json.loads(params_json))


@st.cache_data(ttl=3600, show_spinner=False, max_entries=32)
def _query_then(
    db_path: str, version: tuple, name: str, params_json: str, as_of: datetime
) -> pd.DataFrame:
    return history.query_as_of(Store(db_path), name, json.loads(params_json), as_of)


def _query(
    db_path: str, version: tuple, name: str, params_json: str, as_of: datetime | None = None
) -> pd.DataFrame:
    """queries/<name>.sql now (as_of None), or as the figures stood at `as_of`: each in a cache
    of its own, so browsing the past never pushes today's results out."""
    if as_of is None:
        return _query_now(db_path, version, name, params_json)
    return _query_then(db_path, version, name, params_json, as_of)


def query(name: str, as_of: datetime | None = None, **params: object) -> pd.DataFrame:
    """queries/<name>.sql as a DataFrame, cached until the database changes; with `as_of`, over
    the figures as they stood then (history.query_as_of).

    Returns a copy: cached objects are never mutated.
    """
    s = store()
    key = json.dumps(params, sort_keys=True, default=str)
    return _query(s.location, s.data_version(), name, key, as_of).copy()


@lru_cache(maxsize=8)
def _takes_as_of(name: str) -> bool:
    from ..db import sql

    return "$as_of" in sql(name)


@st.cache_data(ttl=3600, show_spinner=False, max_entries=64)
def _reference(db_path: str, version: tuple, name: str, as_of: datetime | None) -> pd.DataFrame:
    return Store(db_path).query(name, {"as_of": as_of})


def reference(name: str, as_of: datetime | None = None) -> pd.DataFrame:
    """queries/events.sql or targets.sql: as they stood at `as_of` where the query keeps their
    history (a `$as_of` parameter, null: now), else as they are; cached like `query`."""
    if not _takes_as_of(name):
        return query(name)
    s = store()
    return _reference(s.location, s.data_version(), name, as_of).copy()


def _approved_months_of(s: Store, as_of: datetime | None = None) -> list[pd.Timestamp]:
    """The approved months (dashboard.approvals; at `as_of`, if given). A database older than
    month status (before `krimdash init` upgrades it) has none approved: it shows only to those
    who may see drafts."""
    if s.schema_version() < latest_version():
        return []
    return [pd.Timestamp(m) for m in approvals.approved_months(s, as_of)]


def _protect(figures: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """The public view's figures: dashboard.protect.protect, the one protection of every
    public output."""
    return protect(figures, catalog)


def _restricted(
    every: pd.DataFrame, approved: list[pd.Timestamp], audience: str, catalog: Catalog
) -> pd.DataFrame:
    """figure_series' rows as `audience` may see them: dashboard.audience.restricted, the one
    rule of the pages and the monthly note (public: protected by `_protect`)."""
    return restricted(every, approved, audience, catalog, protect_with=_protect)


# Each loader below has a twin for a moment (`..._then`), with a cache of its own (as `_query`).


@st.cache_data(ttl=3600, show_spinner=False, max_entries=32)
def _approved_now(db_path: str, version: tuple) -> list[pd.Timestamp]:
    return _approved_months_of(Store(db_path))


@st.cache_data(ttl=3600, show_spinner=False, max_entries=16)
def _approved_then(db_path: str, version: tuple, as_of: datetime) -> list[pd.Timestamp]:
    return _approved_months_of(Store(db_path), as_of)


def _approved(db_path: str, version: tuple, as_of: datetime | None = None) -> list[pd.Timestamp]:
    if as_of is None:
        return _approved_now(db_path, version)
    return _approved_then(db_path, version, as_of)


def approved_months(as_of: datetime | None = None) -> list[pd.Timestamp]:
    """The months the rådmand has approved (at `as_of`, if given; cached per data version)."""
    s = store()
    return _approved(s.location, s.data_version(), as_of)


@st.cache_data(ttl=3600, show_spinner=False, max_entries=32)
def _visible_now(db_path: str, version: tuple, audience: str) -> pd.DataFrame:
    return _visible_rows(db_path, version, audience, None)


@st.cache_data(ttl=3600, show_spinner=False, max_entries=16)
def _visible_then(db_path: str, version: tuple, audience: str, as_of: datetime) -> pd.DataFrame:
    return _visible_rows(db_path, version, audience, as_of)


def _visible(
    db_path: str, version: tuple, audience: str, as_of: datetime | None = None
) -> pd.DataFrame:
    if as_of is None:
        return _visible_now(db_path, version, audience)
    return _visible_then(db_path, version, audience, as_of)


def _visible_rows(
    db_path: str, version: tuple, audience: str, as_of: datetime | None
) -> pd.DataFrame:
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience: {audience!r}")
    if as_of is not None and audience != "drafts":  # the as-of view is for those who see drafts
        raise ValueError("the dashboard as of a moment is for those who may see drafts")
    every = _query(db_path, version, "figure_series", json.dumps(_ALL, sort_keys=True), as_of)
    return _restricted(every, _approved(db_path, version, as_of), audience, catalog())


_ALL = {"initiative": None, "key_only": False, "month": None, "max_note": MAX_NOTE_CHARS}


def visible_figures(audience: str, as_of: datetime | None = None) -> pd.DataFrame:
    """Every current figure `audience` may see (as they stood at `as_of`, if given), as
    queries/figure_series.sql returns them (see _restricted); cached per data version, audience
    and moment, never shared between audiences."""
    s = store()
    return _visible(s.location, s.data_version(), audience, as_of).copy()


def figures(
    audience: str,
    initiative: str | None = None,
    key_only: bool = False,
    month: object = None,
    as_of: datetime | None = None,
) -> pd.DataFrame:
    """queries/figure_series.sql for `audience`: monthly series with the change from the month
    before, narrowed to an initiative, the key measures or a month (as of `as_of`, if given)."""
    rows = visible_figures(audience, as_of)
    if initiative is not None:
        rows = rows[rows["initiative"] == initiative]
    if key_only:
        keys = {m.id for m in catalog().measures if m.key}
        rows = rows[rows["measure"].isin(keys)]
    if month is not None:
        rows = rows[rows["month"] == pd.Timestamp(month)]
    return rows.reset_index(drop=True)


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
    return _catalog(s.location, s.data_version(), str(file), file_version)


def catalog() -> Catalog:
    """The catalog every page reads: the one `krimdash init` loaded into the database."""
    return _catalog_state()[0]


def init_note(lang: str) -> str:
    """Why `krimdash init` is needed (the catalog file changed since, or the database is older
    than this krimdash), for the top of every page; "" when it is not."""
    key = _catalog_state()[1]
    return text(key, lang) if key else ""


def demo_status(as_of: datetime | None = None) -> tuple[int, int]:
    """(demo figures, all figures) among the current figures (at `as_of`, if given)."""
    row = query("demo_status", as_of=as_of).iloc[0]
    return int(row["demo_figures"]), int(row["all_figures"])


def demo_banner(lang: str, as_of: datetime | None = None) -> str:
    """The DEMO banner's HTML while demo figures show, else nothing; pages put it on top."""
    demo, total = demo_status(as_of)
    return views.demo_banner(lang, demo == total) if demo else ""


@st.cache_data(ttl=3600, show_spinner=False, max_entries=32)
def _months_now(db_path: str, version: tuple, audience: str) -> tuple[list, object, frozenset]:
    return _month_rows(_visible(db_path, version, audience))


@st.cache_data(ttl=3600, show_spinner=False, max_entries=16)
def _months_then(
    db_path: str, version: tuple, audience: str, as_of: datetime
) -> tuple[list, object, frozenset]:
    return _month_rows(_visible(db_path, version, audience, as_of))


def _months(
    db_path: str, version: tuple, audience: str, as_of: datetime | None = None
) -> tuple[list, object, frozenset]:
    if as_of is None:
        return _months_now(db_path, version, audience)
    return _months_then(db_path, version, audience, as_of)


def _month_rows(rows: pd.DataFrame) -> tuple[list, object, frozenset]:
    """(available months, the latest complete month, the draft months) of the figures a reader
    may see: small, so a run reads them without unpacking every figure."""
    if rows.empty:
        return [], None, frozenset()
    months = sorted({pd.Timestamp(m) for m in rows["month"]})
    complete = series.latest_complete_month(rows[["month", "measure"]], catalog())
    drafts = frozenset(pd.Timestamp(m) for m in rows.loc[rows["draft"], "month"])
    return series.months_between(months[0], months[-1]), complete, drafts


def _month_state(audience: str, as_of: datetime | None = None) -> tuple[list, object, frozenset]:
    s = store()
    return _months(s.location, s.data_version(), audience, as_of)


def available_months(audience: str, as_of: datetime | None = None) -> list[pd.Timestamp]:
    """Every month from the first to the last with a figure `audience` may see (gaps
    included): for "approved" and "public", the approved months. At `as_of`, if given."""
    return list(_month_state(audience, as_of)[0])


def complete_month(audience: str, as_of: datetime | None = None) -> pd.Timestamp | None:
    """The latest complete month (series.latest_complete_month) among the months `audience`
    may see: the default month of every page, so a half-reported newer month is shown only
    when a reader chooses it."""
    return _month_state(audience, as_of)[1]


def draft_months(audience: str, as_of: datetime | None = None) -> frozenset[pd.Timestamp]:
    """The months shown as KLADDE: the unapproved months with figures, for "drafts" only."""
    return _month_state(audience, as_of)[2]


# The overview's month (default: the latest complete one), e.g. maaned=2025-06.
OVERVIEW_MONTH = "maaned"

# The page (see app.py) and a page's own choices, which ride in the address beside the frame's.
PAGE_PARAMS = (PAGE, "tragt", series.PERIOD_PRESET, *series.PERIOD_MONTHS, OVERVIEW_MONTH)


def may_go_back(reader: Reader | None) -> bool:
    """Whether `reader` may see the history: the Historik page and the dashboard as it stood at
    a moment (those who see drafts; never a viewer or the public view)."""
    return reader is not None and reader.can("read_history") and reader.audience == "drafts"


def as_of_asked(reader: Reader | None) -> tuple[datetime | None, str]:
    """(the moment the address asks for (settings.AS_OF), the key of the Danish text saying why
    it is not used): (None, "") without one; (None, "as_of_refused") for a reader who may not
    go back; (None, "as_of_invalid" / "as_of_range") for a value that is no usable moment."""
    value = st.query_params.get(AS_OF)
    if value is None:
        return None, ""
    if not may_go_back(reader):
        return None, "as_of_refused"
    try:
        return parse_moment(value), ""
    except BadMoment as bad:
        return None, bad.key


def settings(audience: str, reader: Reader | None = None) -> Settings:
    """The reader's choices, from the address (see dashboard.web.settings), among the months
    `audience` may see: a month it may not see in the address is no choice. The moment of the
    as-of view only for a `reader` who may go back (may_go_back); else now."""
    as_of = as_of_asked(reader)[0] if audience == "drafts" else None
    return parse_settings(
        st.query_params.to_dict(),
        available_months(audience, as_of),
        PAGE_PARAMS,
        complete_month(audience, as_of),
        as_of,
    )


def as_of_note(s: Settings, reader: Reader | None, current: str) -> str:
    """The as-of banner ("Sådan så dashboardet ud den ... — ikke de aktuelle tal", with a link
    to page `current` now) while `s` shows a moment; the Danish note why the address's moment
    is not used (the reader's role, or a value that is no moment); else ""."""
    if s.as_of is not None:
        return views.as_of_banner(s, current)
    key = as_of_asked(reader)[1]
    return views.as_of_refusal(s, key) if key else ""


def _freshness(every: pd.DataFrame) -> pd.Series:
    """queries/freshness.sql over the figures a reader may see."""
    if every.empty:
        return pd.Series({"latest_month": None, "last_change": None, "last_changed_by": None})
    last = every.loc[every["recorded_at"].idxmax()]
    return pd.Series(
        {
            "latest_month": every["month"].max(),
            "last_change": last["recorded_at"],
            "last_changed_by": last["recorded_by"],
        }
    )


def _in_range(every: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """queries/figures_in_range.sql over the figures a reader may see (with their protection)."""
    rows = every[(every["month"] >= first) & (every["month"] <= last)]
    rows = rows.sort_values(["measure", "category", "month"], kind="stable")
    keep = [c for c in ("month", "measure", "category", "value", "protected") if c in rows]
    return rows[keep].reset_index(drop=True)


def page_view(s: Settings, audience: str) -> views.PageView:
    """The settings a page body is drawn with: the reader's choices, the draft months to mark
    KLADDE and whether figures are protected (the public view's `..`)."""
    return views.PageView.of(s, drafts=draft_months(audience, s.as_of), public=audience == "public")


# Page bodies, cached per data version, audience and choice: building charts is the costly
# part. The audience is part of every key, so a public, approved or draft body is never shared.


@st.cache_data(ttl=3600, show_spinner=False, max_entries=512)
def _initiative_page(version: tuple, audience: str, initiative_id: str, s: Settings) -> str:
    cat = catalog()
    view = page_view(s, audience)
    events = reference("events", s.as_of)
    return views.initiative_body(
        cat.initiative(initiative_id),
        cat,
        figures(audience, initiative_id, as_of=s.as_of),
        series.events_between(events, s.first, s.last, initiative_id)
        if s.months
        else events.iloc[:0],
        reference("targets", s.as_of),
        view,
    )


@st.cache_data(ttl=3600, show_spinner=False, max_entries=64)
def _initiative_page_then(version: tuple, audience: str, initiative_id: str, s: Settings) -> str:
    return _initiative_page.__wrapped__(version, audience, initiative_id, s)


def initiative_page(initiative_id: str, s: Settings, audience: str) -> str:
    page = _initiative_page if s.as_of is None else _initiative_page_then
    return page(store().data_version(), audience, initiative_id, s)


@st.cache_data(ttl=3600, show_spinner=False, max_entries=256)
def _overview_page(version: tuple, audience: str, s: Settings) -> str:
    cat = catalog()
    every = figures(audience, as_of=s.as_of)
    freshness = _freshness(every)
    latest = pd.Timestamp(freshness["latest_month"])
    months = [m for m in available_months(audience, s.as_of) if m <= latest]
    complete = complete_month(audience, s.as_of)
    month = s.month_param(OVERVIEW_MONTH, months, latest if complete is None else complete)
    targets = reference("targets", s.as_of)
    progress = series.target_progress(targets, every) if not targets.empty else pd.DataFrame()
    view = page_view(s, audience)
    keys = {m.id for m in cat.measures if m.key}
    return views.overview_body(
        catalog=cat,
        tiles=series.key_tiles(every[every["measure"].isin(keys)], cat, month),
        latest=latest,
        freshness=freshness,
        missing=series.missing_in_month(every, cat, month),
        changed=series.changed_since_last_month(every[every["month"] == month], month),
        month_events=series.events_between(reference("events", s.as_of), month, month),
        progress=progress,
        lang=s.lang,
        local_time=config.local_time,
        link=s.link,
        month=month,
        form=views.overview_form(view, OVERVIEW_MONTH, months, month),
        partial=series.missing_in_month(every, cat, latest) if month < latest else None,
        view=view,
    )


@st.cache_data(ttl=3600, show_spinner=False, max_entries=32)
def _overview_page_then(version: tuple, audience: str, s: Settings) -> str:
    return _overview_page.__wrapped__(version, audience, s)


def overview_page(s: Settings, audience: str) -> str:
    page = _overview_page if s.as_of is None else _overview_page_then
    return page(store().data_version(), audience, s)


@st.cache_data(ttl=3600, show_spinner=False, max_entries=256)
def _compare_page(version: tuple, audience: str, s: Settings) -> str:
    months = available_months(audience, s.as_of)
    preset, a, b = series.chosen_periods(dict(s.extra), months, complete_month(audience, s.as_of))
    # the month before the earlier period too: a running total's increase starts from it
    first = min(a.first, b.first) - pd.DateOffset(months=1)
    shown_figures = _in_range(figures(audience, as_of=s.as_of), first, max(a.last, b.last))
    comparisons = series.compare_periods(shown_figures, catalog(), a, b)
    choices = series.period_choices(months)
    shown = [m for m in choices if m >= min(months[0], a.first, b.first)]
    view = page_view(s, audience)
    return views.compare_body(comparisons, catalog(), a, b, preset, view, shown)


@st.cache_data(ttl=3600, show_spinner=False, max_entries=32)
def _compare_page_then(version: tuple, audience: str, s: Settings) -> str:
    return _compare_page.__wrapped__(version, audience, s)


def compare_page(s: Settings, audience: str) -> str:
    """The compare page's body for the periods the address asks for (series.chosen_periods);
    a page as of a moment in a cache of its own."""
    page = _compare_page if s.as_of is None else _compare_page_then
    return page(store().data_version(), audience, s)


# The Historik page's data (dashboard.history), cached per data version like every page's: the
# audit log a page at a time, one batch and the figures it wrote, one figure's revisions.


@st.cache_data(ttl=3600, show_spinner=False, max_entries=64)
def _batch_log(db_path: str, version: tuple, limit: int, offset: int) -> tuple[list, int]:
    s = Store(db_path)
    return history.batches(s, limit, offset), history.counts(s)[0]


def batch_log(limit: int, offset: int = 0) -> tuple[list[history.Batch], int]:
    """(`limit` batches of the audit log from `offset`, newest first; how many there are)."""
    s = store()
    return _batch_log(s.location, s.data_version(), limit, offset)


@st.cache_data(ttl=3600, show_spinner=False, max_entries=64)
def _batch_detail(
    db_path: str, version: tuple, batch_id: int, limit: int, offset: int
) -> tuple[history.Batch | None, list, int]:
    s = Store(db_path)
    found = history.batch(s, batch_id)
    if found is None:
        return None, [], 0
    return found, history.batch_revisions(s, found, limit, offset), history.counts(s, batch_id)[1]


def batch_detail(
    batch_id: int, limit: int, offset: int = 0
) -> tuple[history.Batch | None, list[history.Revision], int]:
    """(batch `batch_id` or None, `limit` of the figures it wrote from `offset`, how many)."""
    s = store()
    return _batch_detail(s.location, s.data_version(), batch_id, limit, offset)


@st.cache_data(ttl=3600, show_spinner=False, max_entries=128)
def _figure_history(
    db_path: str, version: tuple, month: object, measure: str, category: str
) -> list[history.Revision]:
    return history.figure_revisions(Store(db_path), month, measure, category)  # type: ignore[arg-type]


def figure_history(month: object, measure: str, category: str) -> list[history.Revision]:
    """Every revision of one figure, newest first, with the value each replaced."""
    s = store()
    return _figure_history(s.location, s.data_version(), month, measure, category)


@st.cache_data(ttl=3600, show_spinner=False, max_entries=128)
def _revised_months(db_path: str, version: tuple, measure: str, category: str) -> list:
    return history.revised_months(Store(db_path), measure, category)


def revised_months(measure: str, category: str) -> list:
    """The months with a revision of a measure's category, newest first."""
    s = store()
    return _revised_months(s.location, s.data_version(), measure, category)
