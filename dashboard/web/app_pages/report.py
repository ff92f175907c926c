"""Rapport (`?side=rapport`, the rådmand and analysts: capability `make_note`): the monthly note
"Månedlig orientering på det kriminalpræventive område" for a month, as DOCX (to edit in Word),
PDF and one self-contained HTML file: the same files as `krimdash report` (dashboard/note.py
builds the note, dashboard/note_docx.py and note_html.py write it).

The files are made when a button is clicked (Streamlit's deferred download), not on every run
of the page: a note takes a second or two to draw. Each file made goes to the access log as an
export, as the CLI's does. In the dashboard as it stood at a moment (`pr=`), the note is made
of the figures, texts and approvals of that moment."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard import accesslog
from dashboard.access import Reader
from dashboard.db import Store
from dashboard.months import month_label
from dashboard.web import appdata
from dashboard.web.app_pages import frame_first
from dashboard.web.texts import text

CAPABILITY = "make_note"
REPORT_PAGE = "rapport"
FORMATS = {  # format: (button text key, mime type)
    "docx": (
        "report_docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "pdf": ("report_pdf", "application/pdf"),
    "html": ("report_html", "text/html"),
}


def file_name(month: pd.Timestamp, fmt: str, *, public: bool) -> str:
    """ "maanedlig-orientering-2025-01.docx" (with "-offentlig" for the public note)."""
    return f"maanedlig-orientering-{month:%Y-%m}{'-offentlig' if public else ''}.{fmt}"


def note_file(
    store: Store,
    month: pd.Timestamp,
    fmt: str,
    *,
    public: bool,
    reader: Reader,
    as_of: datetime | None = None,
) -> bytes:
    """The note for `month` in `fmt` (docx, pdf, html), as `krimdash report` makes it; logged
    as an export in the access log. A reader whose role may not make the note gets a
    PermissionError; the note itself refuses (NoteUnavailable, Danish) a month without figures
    or a public note of a month not approved."""
    from dashboard.note import build_note

    if fmt == "docx":
        from dashboard.note_docx import note_docx as write
    else:
        from dashboard.note_html import note_html, note_pdf

        write = note_pdf if fmt == "pdf" else note_html
    if not reader.can(CAPABILITY):  # the page never offers it; checked again where it is made
        raise PermissionError(f"Din rolle ({reader.role or 'ingen'}) må ikke lave notatet.")
    note = build_note(store, month.date(), public=public, as_of=as_of, images=fmt == "docx")
    data = write(note)
    what = f"notat {month:%Y-%m} {fmt}" + (" offentlig" if public else "")
    try:
        accesslog.record(
            "export",
            who=reader.subject or "",
            role=reader.role,
            what=what,
            target="app",
            database=store,
        )
    except (OSError, sqlite3.Error) as exc:  # as app.record: said in the server's log
        logging.getLogger(__name__).error("the access log could not be written: %s", exc)
    return data


def _maker(
    store: Store,
    month: pd.Timestamp,
    fmt: str,
    public: bool,
    reader: Reader,
    as_of: datetime | None,
) -> Callable[[], bytes]:
    return lambda: note_file(store, month, fmt, public=public, reader=reader, as_of=as_of)


@st.cache_data(max_entries=16, show_spinner=False)
def _public_text_warnings(
    db_path: str, version: tuple, month: pd.Timestamp, as_of: datetime | None
) -> list[str]:
    """Where the public note's own words name a count from 1 to 4 (once per data version)."""
    from dashboard.note import build_note, small_counts_in_text

    note = build_note(Store(db_path), month.date(), public=True, as_of=as_of, images=False)
    return small_counts_in_text(note)


def render(frame: str, reader: Reader, *, lang: str, store: Store) -> None:
    if not reader.can(CAPABILITY):
        return  # app.py never routes here for other roles; the page checks again
    s = appdata.settings("drafts", reader)
    frame_first(frame)
    st.title(text("report_title", lang))
    as_of_html = appdata.as_of_note(s, reader, REPORT_PAGE)
    if as_of_html:
        st.html(as_of_html)
    st.markdown(text("report_intro", lang))
    months = appdata.available_months("drafts", s.as_of)
    if not months:
        st.info(text("report_no_months", lang))
        return
    default = appdata.complete_month("drafts", s.as_of) or months[-1]
    month = st.selectbox(
        text("report_month", lang),
        list(reversed(months)),
        index=list(reversed(months)).index(default) if default in months else 0,
        format_func=lambda m: month_label(m.date(), lang),
        key="report_month",
    )
    public = st.checkbox(text("report_public", lang), key="report_public")
    label = month_label(month.date(), lang)
    approved = month not in appdata.draft_months("drafts", s.as_of)
    if approved:
        st.success(text("report_approved", lang).format(month=label))
    elif public:
        st.warning(text("report_public_draft", lang).format(month=label))
        return
    else:
        st.warning(text("report_draft", lang).format(month=label))
    if public:
        places = _public_text_warnings(store.location, store.data_version(), month, s.as_of)
        if places:
            st.warning(
                text("report_public_small", lang) + "\n\n" + "\n".join(f"- {p}" for p in places)
            )
    if banner := appdata.demo_banner(lang, s.as_of):
        st.html(banner)
    for column, (fmt, (key, mime)) in zip(st.columns(len(FORMATS)), FORMATS.items(), strict=True):
        column.download_button(
            text(key, lang),
            _maker(store, month, fmt, public, reader, s.as_of),
            file_name=file_name(month, fmt, public=public),
            mime=mime,
            key=f"report-{fmt}",
            on_click="ignore",  # a download is no reason to run the page again
        )
    st.caption(text("report_cli", lang).format(month=f"{month:%Y-%m}"))
