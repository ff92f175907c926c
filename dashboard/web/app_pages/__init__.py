"""Thin pages: they read via dashboard.web.appdata and draw; no SQL here. Each asks the reader's
audience (audience_of) before it reads anything. `show` draws every
page the same way: the frame, the note that `krimdash init` is needed, then the page's one
HTML block (title, DEMO banner, body)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard.access import Audience, Reader
from dashboard.web import appdata, views
from dashboard.web.settings import Settings
from dashboard.web.texts import text


class NoAccess(PermissionError):
    """A page was asked to draw for a reader who may see no figures (signed in without a role)."""


def audience_of(reader: Reader) -> Audience:
    """What the page may show `reader`, asked before anything is read: a signed-in identity
    without a role gets nothing (app.py shows the polite "no access" page instead)."""
    audience = reader.audience
    if audience is None:
        raise NoAccess("no role")
    return audience


def frame_first(frame: str) -> str:
    """Draw the frame (app.py's top bar) on its own, ahead of a note or a page without figures
    (which are not part of the page's HTML block); returns what is left of it to draw: nothing."""
    if frame:
        st.html(frame)
    return ""


def show(
    s: Settings, frame: str, title: str, body: Callable[[], str], *, has_figures: bool = True
) -> None:
    """A page: `frame` at the start of its one HTML block with the title, the DEMO banner and
    `body()`; the init note above it when one is due; without figures, a plain note instead
    (and `body` is not called)."""
    if note := appdata.init_note(s.lang):
        frame = frame_first(frame)
        st.warning(note)
    if not has_figures:
        frame_first(frame)
        st.title(title)
        st.markdown(text("no_figures", s.lang))
        return
    st.html(frame + views.heading(title) + appdata.demo_banner(s.lang) + body())
