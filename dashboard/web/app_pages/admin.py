"""Administration (admin only): the users and their roles, and the access log, read-only.
Roles are changed with `krimdash user add|remove`."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import access, accesslog, config
from dashboard.access import Reader
from dashboard.db import Store
from dashboard.web.app_pages import frame_first
from dashboard.web.texts import text


def render(frame: str, reader: Reader, *, lang: str, store: Store) -> None:
    if not (reader.can("manage_users") or reader.can("read_access_log")):
        return  # app.py never routes here for other roles; the page checks again
    frame_first(frame)
    st.title(text("admin_title", lang))
    if reader.can("manage_users"):
        st.subheader(text("admin_users", lang))
        users = [(subject, role) for subject, role, *_ in access.list_users(store)]
        if users:
            columns = [text("col_subject", lang), text("col_role", lang)]
            st.table(pd.DataFrame(users, columns=columns).set_index(columns[0]))
        else:
            st.markdown(text("admin_no_users", lang))
        st.caption(text("admin_users_note", lang))
    if reader.can("read_access_log"):
        st.subheader(text("admin_log", lang))
        rows = accesslog.read(limit=500, database=store)
        if not rows:
            st.markdown(text("admin_log_empty", lang))
        else:
            st.dataframe(_log_table(rows, lang), hide_index=True)


def _log_table(rows: list[accesslog.Entry], lang: str) -> pd.DataFrame:
    """The access log's entries for reading: local time, the event in Danish, who, role, what."""
    return pd.DataFrame(
        {
            text("col_at", lang): [config.local_time(e.at, "%Y-%m-%d %H:%M:%S") for e in rows],
            text("col_event", lang): [accesslog.EVENTS.get(e.event, e.event) for e in rows],
            text("col_subject", lang): [e.who or "anonym" for e in rows],
            text("col_role", lang): [e.role or "–" for e in rows],
            text("col_target", lang): [" ".join(filter(None, (e.target, e.what))) for e in rows],
            text("col_ok", lang): ["" if e.ok else "AFVIST" for e in rows],
        }
    )
