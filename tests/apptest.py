"""Opening the app's pages in Streamlit's AppTest as a link or a bookmark would: the database
(and catalog) from the environment, the reader's choices in the address, and the page named
in it (`?side=top100`, the address the app's own links use)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.access import Reader
from dashboard.web import auth
from dashboard.web.settings import PAGE

# The reader pages are opened for unless a test names another: an analyst (every month, exact
# figures), as every reader was before sign-in. tests/test_signin.py opens pages through the
# real sign-in (st.user and the role in the database) instead.
ANALYST = Reader(subject="analytiker", name="Analytiker", role="analyst")

FRAME_END = "</header>"  # the end of the frame (templates/frame.html)
APP = "../dashboard/web/app.py"  # AppTest reads it relative to this file


def open_page(
    monkeypatch: pytest.MonkeyPatch,
    db: Path | str,
    page: str = "overblik",
    *,
    catalog: Path | None = None,
    reader: Reader | None = ANALYST,
    **params: str,
) -> AppTest:
    """Run the app once for `page` ('overblik', an initiative id or 'sammenlign'), drawn for
    `reader` (None: whoever the sign-in says, i.e. an anonymous reader in AppTest)."""
    monkeypatch.setenv("KRIMDASH_DB", str(db))
    if reader is not None:
        monkeypatch.setattr(auth, "current_reader", lambda store, secrets: reader)
    if catalog is not None:
        monkeypatch.setenv("KRIMDASH_CATALOG", str(catalog))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(params)
    if page != "overblik":
        at.query_params[PAGE] = page
    at.run()
    return at


def _main(at: AppTest) -> str:
    return "".join(h.proto.body for h in at.main.html)


def body(at: AppTest) -> str:
    """The page body's HTML: the main area's st.html after the frame."""
    html = _main(at)
    return html[html.index(FRAME_END) + len(FRAME_END) :] if FRAME_END in html else html


def sidebar(at: AppTest) -> str:
    """The frame's HTML: the top bar at the start of the main area's st.html (the app draws
    nothing in Streamlit's sidebar)."""
    assert not at.sidebar.children, "the app draws nothing in Streamlit's sidebar"
    html = _main(at)
    return html[: html.index(FRAME_END) + len(FRAME_END)] if FRAME_END in html else ""


def _page_as(page: str, subject: str | None, name: str, role: str | None, test: bool) -> None:
    """A page drawn for one reader as app.py draws it (the frame first, then the page), without
    the sign-in: the reader is given, not read from st.user."""
    from dashboard.access import Reader
    from dashboard.web import appdata, views
    from dashboard.web.app_pages import compare, initiative, overview

    reader = Reader(subject=subject, name=name, role=role, test_login=test)
    audience = reader.audience
    s = appdata.settings(audience or "public")
    pages = [("", "Overblik"), ("sammenlign", "Sammenlign")]
    frame = views.sidebar(
        s,
        pages,
        page,
        appdata.available_months(audience) if audience else [],
        False,
        reader,
        appdata.draft_months(audience) if audience else frozenset(),
    )
    if page == "":
        overview.render(frame, reader)
    elif page == "sammenlign":
        compare.render(frame, reader)
    else:
        initiative.render(page, frame, reader)


def open_as(
    monkeypatch: pytest.MonkeyPatch,
    db: Path | str,
    reader: object,
    page: str = "",
    **params: str,
) -> AppTest:
    """Run one page ('' the overview, an initiative id or 'sammenlign') once for `reader` (a
    dashboard.access.Reader), the reader's choices in the address."""
    monkeypatch.setenv("KRIMDASH_DB", str(db))
    at = AppTest.from_function(
        _page_as,
        args=(page, reader.subject, reader.name, reader.role, reader.test_login),
        default_timeout=120,
    )
    at.query_params.update(params)
    at.run()
    return at


def html(at: AppTest) -> str:
    """Everything the run drew as HTML: the frame and the page body."""
    return _main(at)
