"""The Streamlit entrypoint: a frame (language, demo banner) and a router; pages stay thin."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# `streamlit run dashboard/app.py` puts dashboard/ on the path, not the project root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import appdata  # noqa: E402
from dashboard.app_pages import overview  # noqa: E402
from dashboard.db import DatabaseBusy  # noqa: E402
from dashboard.texts import text  # noqa: E402

st.set_page_config(page_title="krimdash", layout="wide")

lang = st.sidebar.radio(
    "Sprog / Language", ["da", "en"], format_func={"da": "Dansk", "en": "English"}.get,
    horizontal=True, key="lang",
)  # fmt: skip
st.session_state["lang_value"] = lang

if not appdata.store().exists():
    st.error(text("no_database", lang))
    st.stop()
try:
    demo, total = appdata.demo_status()
except DatabaseBusy:
    st.warning(text("busy", lang))
    st.stop()
if demo:
    st.warning(text("demo_banner", lang) if demo == total else text("demo_mixed", lang), icon="⚠️")
    st.sidebar.markdown("### DEMO")

pages = [
    st.Page(overview.render, title=text("page_overview", lang), url_path="overblik", default=True)
]
st.navigation(pages).run()
