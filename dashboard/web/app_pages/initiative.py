"""One page per initiative, generated from the catalog (see dashboard.web.views.initiative_body):
a new catalog entry gets its page without code."""

from __future__ import annotations

import streamlit as st

from dashboard.web import appdata, views


def render(initiative_id: str) -> None:
    s = appdata.settings()
    if note := appdata.init_note(s.lang):
        st.warning(note)
    title = appdata.catalog().initiative(initiative_id).name(s.lang)
    st.html(
        views.heading(title)
        + appdata.demo_banner(s.lang)
        + appdata.initiative_page(initiative_id, s)
    )
