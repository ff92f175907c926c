"""Sammenlign perioder: each measure's difference between two chosen months."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import appdata, series
from dashboard.app_pages import blocks
from dashboard.texts import text


def default_pair(months: list[pd.Timestamp]) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Latest month against the same month a year before, or else the month before."""
    latest = months[-1]
    year_before = latest - pd.DateOffset(years=1)
    earlier = year_before if year_before in months else months[-2] if len(months) > 1 else latest
    return earlier, latest


def render() -> None:
    s = appdata.settings()
    lang = s.lang
    catalog = appdata.catalog()
    st.title(text("page_compare", lang))
    months = appdata.available_months()
    if not months:
        st.info(text("no_figures", lang))
        return
    st.caption(text("compare_intro", lang))
    a_default, b_default = default_pair(months)
    newest_first = months[::-1]
    left, right = st.columns(2)
    a = left.selectbox(
        text("month_a", lang), newest_first, index=newest_first.index(a_default),
        format_func=lambda m: blocks.month_text(m, lang), key="compare_a",
    )  # fmt: skip
    b = right.selectbox(
        text("month_b", lang), newest_first, index=newest_first.index(b_default),
        format_func=lambda m: blocks.month_text(m, lang), key="compare_b",
    )  # fmt: skip
    pair = series.compare_months(
        appdata.query("figures_in_months", month_a=a.date(), month_b=b.date())
    )
    a_name, b_name = blocks.month_text(a, lang), blocks.month_text(b, lang)
    for initiative in catalog.initiatives:
        ids = [m.id for m in catalog.measures_of(initiative.id)]
        rows = pair[pair["measure"].isin(ids)]
        if rows.empty:
            continue
        st.subheader(initiative.name(lang))
        labels = []
        for r in rows.itertuples():
            measure = catalog.measure(r.measure)
            label = measure.label(lang)
            if r.category:
                label = "  ↳ " + measure.category_label(r.category, lang)
            labels.append(label)
        blocks.numbers_table(
            rows.assign(label=labels),
            {
                "label": text("col_measure", lang),
                "value_a": a_name,
                "value_b": b_name,
                "difference": text("col_difference", lang),
                "relative": text("col_relative", lang),
            },
            lang,
            percent=("relative",),
            signed=("difference",),
        )
