"""One page per initiative, generated from the catalog (see dashboard.views.initiative_body):
a new catalog entry gets its page without code."""

from __future__ import annotations

import streamlit as st

from dashboard import appdata
from dashboard.app_pages.controls import month_slider
from dashboard.texts import text


def render(initiative_id: str) -> None:
    s = appdata.settings()
    catalog = appdata.catalog()
    st.title(catalog.initiative(initiative_id).name(s.lang))
    funnel_month = None
    funnel = catalog.funnel_of(initiative_id)
    if funnel and s.months:
        first = appdata.figures(initiative_id)
        first = first[(first["measure"] == funnel.stages[0]) & (first["category"] == "")]
        months = [m for m in first["month"] if s.first <= m <= s.last]
        if months:
            funnel_month = month_slider(
                text("funnel_month", s.lang),
                months,
                months[-1],
                s.lang,
                key=f"funnel_{initiative_id}",
            )
    st.markdown(appdata.initiative_page(initiative_id, s, funnel_month), unsafe_allow_html=True)
