"""Overblik: the latest month's figures per initiative."""

from __future__ import annotations

import streamlit as st

from dashboard import appdata
from dashboard.months import month_label
from dashboard.texts import text


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def render() -> None:
    lang = st.session_state.get("lang_value", "da")
    st.title(text("page_overview", lang))
    figures = appdata.query("latest_figures")
    if figures.empty:
        st.info(text("no_figures", lang))
        return
    st.caption(text("overview_intro", lang))
    catalog = appdata.catalog()
    columns = st.columns(2)
    for n, initiative in enumerate(catalog.initiatives):
        rows = figures[figures["initiative"] == initiative.id]
        with columns[n % 2].container(border=True):
            st.subheader(initiative.name(lang))
            if rows.empty:
                st.write(text("no_figures_initiative", lang))
                continue
            month = rows["month"].iloc[0]
            st.caption(f"{text('latest_month', lang)}: {month_label(month, lang)}")
            label = "label_en" if lang == "en" else "label_da"
            category_label = "category_label_en" if lang == "en" else "category_label_da"
            table = rows.assign(
                measure_text=rows[label].where(
                    rows["category"] == "", "  ↳ " + rows[category_label]
                ),
                value_text=rows["value"].map(_number),
                kind_text=rows["kind"].map(lambda k: text(f"kind_{k}", lang)),
            )[["measure_text", "value_text", "kind_text"]]
            table.columns = [
                text("col_measure", lang),
                text("col_value", lang),
                text("col_kind", lang),
            ]
            st.table(table.set_index(table.columns[0]))
