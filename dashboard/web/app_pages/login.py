"""Log ind: the one page an anonymous reader sees when the public view is off, and the page the
frame's "Log ind" link leads to otherwise. Its button starts Streamlit's sign-in (st.login)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard.access import Reader
from dashboard.web.app_pages import frame_first
from dashboard.web.texts import text


def render(frame: str, reader: Reader, *, lang: str, public: bool, configured: bool,
           log_in: Callable[[], None]) -> None:  # fmt: skip
    """The page: why to sign in, and the "Log ind" button (when sign-in is configured)."""
    frame_first(frame)
    st.title(text("login_title", lang))
    if not configured:
        st.info(text("login_not_configured", lang))
        return
    st.markdown(text("login_intro", lang))
    st.markdown(text("login_public_on" if public else "login_public_off", lang))
    if st.button(text("login_button", lang), type="primary"):
        log_in()
