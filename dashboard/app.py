"""The Streamlit entrypoint: the frame (language, period, level/change, demo banner) and the
router. Pages stay thin: they read through dashboard.appdata and draw with dashboard.charts.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import streamlit as st

# `streamlit run dashboard/app.py` puts dashboard/ on the path, not the project root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import appdata  # noqa: E402
from dashboard.app_pages import compare, initiative, overview  # noqa: E402
from dashboard.db import DatabaseBusy  # noqa: E402
from dashboard.months import month_label  # noqa: E402
from dashboard.texts import text  # noqa: E402

st.set_page_config(page_title="krimdash", layout="wide")

lang = st.sidebar.radio(
    "Sprog / Language", ["da", "en"], format_func={"da": "Dansk", "en": "English"}.get,
    horizontal=True, key="lang",
)  # fmt: skip

if not appdata.store().exists():
    st.error(text("no_database", lang))
    st.stop()
try:
    demo, total = appdata.demo_status()
    months = appdata.available_months()
except DatabaseBusy:
    st.warning(text("busy", lang))
    st.stop()
if demo:
    st.warning(text("demo_banner", lang) if demo == total else text("demo_mixed", lang), icon="⚠️")
    st.sidebar.markdown(f"**{text('demo_chip', lang)}**")

if len(months) > 1:
    first, last = st.sidebar.select_slider(
        text("period", lang), options=months, value=(months[0], months[-1]),
        format_func=lambda m: month_label(m.date(), lang, short=True), key="period",
    )  # fmt: skip
    st.session_state["period_months"] = [m for m in months if first <= m <= last]
else:
    st.session_state["period_months"] = months
st.sidebar.radio(
    text("mode", lang), ["level", "change"], key="mode", horizontal=True,
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
