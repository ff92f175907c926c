"""Sammenlign perioder: each measure over two periods (a preset or chosen in the address)."""

from __future__ import annotations

import streamlit as st

from dashboard.web import appdata, views
from dashboard.web.texts import text


def render() -> None:
    s = appdata.settings()
    if note := appdata.init_note(s.lang):
        st.warning(note)
    title = text("page_compare", s.lang)
    months = appdata.available_months()
    if not months:
        st.title(title)
        st.markdown(text("no_figures", s.lang))
        return
    st.html(views.heading(title) + appdata.demo_banner(s.lang) + appdata.compare_page(s))
