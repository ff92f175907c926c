"""One page per initiative, generated from the catalog (see dashboard.web.views.initiative_body):
a new catalog entry gets its page without code."""

from __future__ import annotations

import streamlit as st

from dashboard.web import appdata, views
from dashboard.web.app_pages import frame_first


def render(initiative_id: str, frame: str = "") -> None:
    """The page, with `frame` (app.py's top bar) at the start of its one HTML block."""
    s = appdata.settings()
    if note := appdata.init_note(s.lang):
        frame = frame_first(frame)
        st.warning(note)
    title = appdata.catalog().initiative(initiative_id).name(s.lang)
    st.html(
        frame
        + views.heading(title)
        + appdata.demo_banner(s.lang)
        + appdata.initiative_page(initiative_id, s)
    )
