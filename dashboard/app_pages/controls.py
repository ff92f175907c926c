"""The few widgets the app uses. All month choices are select sliders, so the browser loads
one widget script for them all (each new widget type costs a page load time)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.views import month_text


def month_slider(label: str, months: list, value, lang: str, key: str, sidebar: bool = False):
    where = st.sidebar if sidebar else st
    if len(months) < 2:
        return months[0] if months else None
    return where.select_slider(
        label,
        options=months,
        value=value,
        format_func=lambda m: month_text(m, lang, short=True),
        key=key,
    )


def month_range_slider(
    label: str, months: list[pd.Timestamp], value: tuple, lang: str, key: str, sidebar: bool = False
) -> tuple[pd.Timestamp, pd.Timestamp]:
    where = st.sidebar if sidebar else st
    if len(months) < 2:
        return (months[0], months[0]) if months else (None, None)
    first, last = where.select_slider(
        label,
        options=months,
        value=value,
        format_func=lambda m: month_text(m, lang, short=True),
        key=key,
    )
    return first, last
