"""The Streamlit entrypoint: the frame (page links, language, period, level/change, the DEMO
banner) and the router. The reader's choices live in the address (dashboard.web.settings), so the
frame is plain links and one form, and pages are one block of HTML each (dashboard.web.views),
cached per data version in dashboard.web.appdata.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from dashboard.db import DatabaseBusy
from dashboard.web import appdata, views
from dashboard.web.app_pages import compare, initiative, overview
from dashboard.web.texts import text

st.set_page_config(page_title="krimdash", layout="wide")

lang = st.query_params.get("lang", "da")
if not appdata.store().exists():
    st.error(text("no_database", lang))
    st.stop()
try:
    demo, _ = appdata.demo_status()
    settings = appdata.settings()
except DatabaseBusy:
    st.error(text("busy", lang))
    st.stop()
lang = settings.lang

catalog = appdata.catalog()
pages = [
    (
        "",
        text("page_overview", lang),
        st.Page(
            overview.render, title=text("page_overview", lang), url_path="overblik", default=True
        ),
    ),
    *(
        (
            i.id,
            i.name(lang),
            st.Page(partial(initiative.render, i.id), title=i.name(lang), url_path=i.id),
        )
        for i in catalog.initiatives
    ),
    (
        "sammenlign",
        text("page_compare", lang),
        st.Page(compare.render, title=text("page_compare", lang), url_path="sammenlign"),
    ),
]
# The router keeps Streamlit's page addresses; the links to them are our own (they carry the settings).
page = st.navigation([p for _, _, p in pages], position="hidden")
current = next((path for path, _, p in pages if p.url_path == page.url_path), "")
# st.html, not widgets or st.markdown: each costs the browser a script of its own to load.
st.sidebar.html(
    views.sidebar(
        settings,
        [(path, title) for path, title, _ in pages],
        current,
        appdata.available_months(),
        bool(demo),
    )
)
page.run()
