"""The Streamlit entrypoint: the frame (page links, language, period, level/change, the DEMO
chip: a top bar at the start of each page's one HTML block) and the router. The reader's choices live in the address (dashboard.web.settings), so the
frame is plain links and one form, and pages are one block of HTML each (dashboard.web.views),
cached per data version in dashboard.web.appdata.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import streamlit as st

from dashboard.access import Reader
from dashboard.db import DatabaseBusy
from dashboard.web import appdata, views
from dashboard.web.app_pages import compare, initiative, overview
from dashboard.web.settings import PAGE, language
from dashboard.web.texts import text

st.set_page_config(page_title="krimdash", layout="wide")

lang = language(st.query_params.to_dict())
if not appdata.store().exists():
    st.error(text("no_database", lang))
    st.stop()
# The reader the pages are drawn for. Until sign-in is configured, everyone reads every month.
reader = Reader(subject="", name="", role="analyst")
# What the pages show the reader (public / approved / drafts); None: signed in without a role.
audience = reader.audience
try:
    demo, _ = appdata.demo_status()
    settings = appdata.settings(audience or "public")
    catalog = appdata.catalog()
except DatabaseBusy:
    st.error(text("busy", lang))
    st.stop()
lang = settings.lang

frame = ""  # the frame's HTML, made below once the current page is known


def framed(render: Callable[[str, Reader], None]) -> Callable[[], None]:
    """The page's render, given the frame to put at the start of its one HTML block and the reader."""
    return lambda: render(frame, reader)


routes = [  # (path, title, render); the overview's path is ''
    ("", text("page_overview", lang), framed(overview.render)),
    *((i.id, i.name(lang), framed(partial(initiative.render, i.id))) for i in catalog.initiatives),
    ("sammenlign", text("page_compare", lang), framed(compare.render)),
]
# Every page lives at the root, named in the address (`?side=top100`, settings.PAGE): at a path
# address such as /top100 Streamlit's frontend first looks for its server under that path (a 404
# at /top100/_stcore/health) and tries the root only 100 ms later, on every visit. The root
# shows the page the address names; path addresses (older bookmarks) still work.
home = st.query_params.get(PAGE, "")
home = home if home in {path for path, _, _ in routes} else ""
pages = [
    (path, title, st.Page(render, title=title, url_path=path or "overblik", default=path == home))
    for path, title, render in routes
]
# The router keeps Streamlit's page addresses; the links to them are our own (they carry the settings).
page = st.navigation([p for _, _, p in pages], position="hidden")
current = next((path for path, _, p in pages if p.url_path == page.url_path), "")
# The browser tab names the page ("TOP100 – krimdash"). A page_title from set_page_config wins over
# st.Page's title in Streamlit's frontend, and the later call wins: so it is set again here.
st.set_page_config(page_title=text("tab_title", lang).format(page=page.title))
# The frame is a top bar at the start of the page's one st.html (not in a sidebar a tablet hides
# behind "»"); st.html, not widgets or st.markdown: each costs the browser a script of its own.
frame = views.sidebar(
    settings,
    [(path, title) for path, title, _ in pages],
    current,
    appdata.available_months(audience) if audience else [],
    bool(demo),
    reader,
    appdata.draft_months(audience) if audience else frozenset(),
)
page.run()
