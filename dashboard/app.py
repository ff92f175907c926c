"""The Streamlit entrypoint: the frame (language, period, level/change, demo banner) and the
router. Pages stay thin: they read through dashboard.appdata, which builds their HTML with
dashboard.views and caches it per data version.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import streamlit as st

# `streamlit run dashboard/app.py` puts dashboard/ on the path, not the project root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import appdata, views  # noqa: E402
from dashboard.app_pages import compare, initiative, overview  # noqa: E402
from dashboard.app_pages.controls import month_range_slider  # noqa: E402
from dashboard.db import DatabaseBusy  # noqa: E402
from dashboard.texts import text  # noqa: E402

st.set_page_config(page_title="krimdash", layout="wide")

lang = st.sidebar.segmented_control(
    "Sprog / Language", ["da", "en"], default="da", required=True, key="lang",
    format_func={"da": "Dansk", "en": "English"}.get,
)  # fmt: skip

if not appdata.store().exists():
    st.error(text("no_database", lang))
    st.stop()
try:
    demo, total = appdata.demo_status()
    months = appdata.available_months()
except DatabaseBusy:
    st.error(text("busy", lang))
    st.stop()
if demo:
    st.markdown(views.demo_banner(lang, demo == total), unsafe_allow_html=True)

if months:
    first, last = month_range_slider(
        text("period", lang), months, (months[0], months[-1]), lang, key="period", sidebar=True
    )
    st.session_state["period_months"] = [m for m in months if first <= m <= last]
else:
    st.session_state["period_months"] = []
st.sidebar.segmented_control(
    text("mode", lang), ["level", "change"], default="level", required=True, key="mode",
    format_func=lambda m: text(f"mode_{m}", lang),
)  # fmt: skip

catalog = appdata.catalog()
pages = [
    st.Page(overview.render, title=text("page_overview", lang), url_path="overblik", default=True),
    *(
        st.Page(partial(initiative.render, i.id), title=i.name(lang), url_path=i.id)
        for i in catalog.initiatives
    ),
    st.Page(compare.render, title=text("page_compare", lang), url_path="sammenlign"),
]
st.navigation(pages).run()
