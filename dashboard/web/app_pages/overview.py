"""Overblik: key figures at a glance for the latest month, what is new, freshness, targets."""

from __future__ import annotations

from dashboard.access import Reader
from dashboard.web import appdata
from dashboard.web.app_pages import audience_of, show
from dashboard.web.texts import text


def render(frame: str, reader: Reader) -> None:
    """The page for `reader`, with `frame` (app.py's top bar) at the start of its one HTML block."""
    audience = audience_of(reader)
    s = appdata.settings(audience, reader)
    title = text("overview_title", s.lang)
    show(
        s,
        frame,
        title,
        lambda: appdata.overview_page(s, audience),
        has_figures=bool(s.months),
        reader=reader,
    )
