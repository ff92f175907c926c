"""Sammenlign perioder: each measure over two periods (a preset or chosen in the address)."""

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
    title = text("page_compare", s.lang)
    months = appdata.available_months()
    if not months:
        frame_first(frame)
        st.title(title)
        st.markdown(text("no_figures", s.lang))
        return
    st.html(frame + views.heading(title) + appdata.demo_banner(s.lang) + appdata.compare_page(s))
