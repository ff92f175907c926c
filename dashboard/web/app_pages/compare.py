"""Sammenlign perioder: each measure's difference between two chosen months."""

from __future__ import annotations

import streamlit as st

from dashboard.web import appdata, series, views
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
    a_default, b_default = series.default_pair(months)
    a, b = s.month_param("a", months, a_default), s.month_param("b", months, b_default)
    st.html(views.heading(title) + appdata.demo_banner(s.lang) + appdata.compare_page(a, b, s))
