"""Overblik: key figures at a glance for the latest month, what is new, freshness, targets."""

from __future__ import annotations

import streamlit as st

from dashboard.web import appdata, views
from dashboard.web.app_pages import frame_first
from dashboard.web.texts import text


def render(frame: str = "") -> None:
    """The page, with `frame` (app.py's top bar) at the start of its one HTML block."""
    s = appdata.settings()
    if note := appdata.init_note(s.lang):
        frame = frame_first(frame)
        st.warning(note)
    title = text("overview_title", s.lang)
    if not s.months:
        frame_first(frame)
        st.title(title)
        st.markdown(text("no_figures", s.lang))
        return
    st.html(frame + views.heading(title) + appdata.demo_banner(s.lang) + appdata.overview_page(s))
