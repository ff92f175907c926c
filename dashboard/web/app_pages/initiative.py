"""One page per initiative, generated from the catalog (see dashboard.web.views.initiative_body):
a new catalog entry gets its page without code."""

from __future__ import annotations

from dashboard.access import Reader
from dashboard.web import appdata
from dashboard.web.app_pages import audience_of, show


def render(initiative_id: str, frame: str, reader: Reader) -> None:
    """The page for `reader`, with `frame` (app.py's top bar) at the start of its one HTML block."""
    audience = audience_of(reader)
    s = appdata.settings(audience, reader)
    title = appdata.catalog().initiative(initiative_id).name(s.lang)
    show(
        s,
        frame,
        title,
        lambda: appdata.initiative_page(initiative_id, s, audience),
        reader=reader,
        current=initiative_id,
    )
