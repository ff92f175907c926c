"""Thin pages: they read via dashboard.web.appdata and draw; no SQL here. Each asks the reader's
audience (audience_of) before it reads anything. `show` draws every
page the same way: the frame, the note that `krimdash init` is needed, then the page's one
HTML block (title, DEMO banner, body)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import duckdb
import streamlit as st

from dashboard.access import Audience, Reader
from dashboard.config import local_time
from dashboard.db import (
    DatabaseBroken,
    DatabaseBusy,
    DatabaseMissing,
    DatabaseNotSaved,
    Store,
    WriteConflict,
    latest_backup,
)
from dashboard.web import appdata, views
from dashboard.web.settings import Settings
from dashboard.web.texts import text

log = logging.getLogger(__name__)

# The databases (path, data version) that passed the start-up check in this server process: the
# check reads every table, so it runs once per change of the file, not on every page run.
_CHECKED: set[tuple[str, tuple[int, int, int, int]]] = set()


def check_database(store: Store, lang: str) -> None:
    """The app's start-up check (Store.check): the database opens, its schema version is known
    and its write-ahead log replays, or the page says so in Danish, names the latest backup, and
    stops. Nothing on disk is touched (the check opens read-only)."""
    key = (store.location, store.data_version())
    if key in _CHECKED:
        return
    with database_trouble(lang):
        store.check()
    if len(_CHECKED) > 1000:  # a long-running server: start over
        _CHECKED.clear()
    _CHECKED.add(key)


def _backup_note(lang: str) -> str:
    """The latest backup by name and time (not the server's folders), for the page's message."""
    backup = latest_backup()
    if backup is None:
        return ""
    try:
        when = local_time(datetime.fromtimestamp(backup.stat().st_mtime, UTC))
    except OSError:
        return ""
    return text("db_latest_backup", lang).format(name=backup.name, when=when)


@contextmanager
def database_trouble(lang: str) -> Iterator[None]:
    """Around a page run, or any part of it that reads or writes the database: a database that
    is busy, cannot be read (damaged, its WAL does not replay, gone) or cannot be written (a full
    or read-only disk) is a Danish message on the page and the end of the run, never a stack
    trace. The error itself goes to the server's log."""
    try:
        yield
    except DatabaseBusy:
        st.error(text("busy", lang))
    except DatabaseNotSaved as exc:
        log.warning("%s", exc)
        st.error(text("db_not_saved", lang))
    except WriteConflict as exc:  # the shared store: nothing of this write was saved
        log.warning("%s", exc)
        st.error(text("write_conflict", lang))
    except (DatabaseBroken, DatabaseMissing, duckdb.Error) as exc:
        log.error("the database cannot be read: %s", exc, exc_info=exc)  # details: server only
        st.error(text("db_broken", lang) + _backup_note(lang))
    else:
        return
    st.stop()


class NoAccess(PermissionError):
    """A page was asked to draw for a reader who may see no figures (signed in without a role)."""


def audience_of(reader: Reader) -> Audience:
    """What the page may show `reader`, asked before anything is read: a signed-in identity
    without a role gets nothing (app.py shows the polite "no access" page instead)."""
    audience = reader.audience
    if audience is None:
        raise NoAccess("no role")
    return audience


def frame_first(frame: str) -> str:
    """Draw the frame (app.py's top bar) on its own, ahead of a note or a page without figures
    (which are not part of the page's HTML block); returns what is left of it to draw: nothing."""
    if frame:
        st.html(frame)
    return ""


def show(
    s: Settings,
    frame: str,
    title: str,
    body: Callable[[], str],
    *,
    has_figures: bool = True,
    reader: Reader | None = None,
    current: str = "",
) -> None:
    """A page: `frame` at the start of its one HTML block with the title, the as-of banner (the
    dashboard as it stood at a moment, or why the address's moment is not used for `reader`),
    the DEMO banner and `body()`; the init note above it when one is due; without figures, a
    plain note instead (and `body` is not called). `current` is the page's path."""
    if note := appdata.init_note(s.lang):
        frame = frame_first(frame)
        st.warning(note)
    as_of = appdata.as_of_note(s, reader, current)
    if not has_figures:
        if frame or as_of:
            st.html(frame + as_of)
        st.title(title)
        st.markdown(text("no_figures", s.lang))
        return
    demo = appdata.demo_banner(s.lang, s.as_of)
    menu = views.export_menu(s, current)  # the page's one export menu: plain links
    st.html(frame + views.heading(title) + as_of + demo + menu + body())
