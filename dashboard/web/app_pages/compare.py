"""Sammenlign perioder: each measure's difference between two chosen months."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.web import appdata, views
from dashboard.web.texts import text


def default_pair(months: list[pd.Timestamp]) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Latest month against the same month a year before, or else the month before."""
    latest = months[-1]
    year_before = latest - pd.DateOffset(years=1)
    earlier = year_before if year_before in months else months[-2] if len(months) > 1 else latest
    return earlier, latest


def render() -> None:
    s = appdata.settings()
    title = text("page_compare", s.lang)
    months = appdata.available_months()
    if not months:
        st.title(title)
        st.markdown(text("no_figures", s.lang))
        return
    a_default, b_default = default_pair(months)
    a, b = s.month_param("a", months, a_default), s.month_param("b", months, b_default)
    st.html(views.heading(title) + appdata.demo_banner(s.lang) + appdata.compare_page(a, b, s))
