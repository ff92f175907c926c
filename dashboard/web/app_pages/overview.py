"""Overblik: key figures at a glance for the latest month, what is new, freshness, targets."""

from __future__ import annotations

import streamlit as st

from dashboard.web import appdata, views
from dashboard.web.texts import text


def render() -> None:
    s = appdata.settings()
    if note := appdata.init_note(s.lang):
        st.warning(note)
    title = text("overview_title", s.lang)
    if not s.months:
        st.title(title)
        st.markdown(text("no_figures", s.lang))
        return
    st.html(views.heading(title) + appdata.demo_banner(s.lang) + appdata.overview_page(s))
