"""Sammenlign perioder: each measure over two periods (a preset or chosen in the address)."""

from __future__ import annotations

from dashboard.access import Reader
from dashboard.web import appdata
from dashboard.web.app_pages import audience_of, show
from dashboard.web.texts import text


def render(frame: str, reader: Reader) -> None:
    """The page for `reader`, with `frame` (app.py's top bar) at the start of its one HTML block."""
    audience = audience_of(reader)
    s = appdata.settings(audience, reader)
    title = text("page_compare", s.lang)
    has_figures = bool(appdata.available_months(audience, s.as_of))
    show(
        s,
        frame,
        title,
        lambda: appdata.compare_page(s, audience),
        has_figures=has_figures,
        reader=reader,
        current="sammenlign",
    )
