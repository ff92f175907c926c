"""Ingen adgang: all a signed-in identity without a role sees (and the "Log ud" button)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard.access import Reader
from dashboard.web.texts import markdown_literal, text


def render(reader: Reader, *, lang: str, log_out: Callable[[], None]) -> None:
    st.title(text("noaccess_title", lang))
    st.markdown(
        text("noaccess_body", lang).format(
            who=markdown_literal(reader.name or reader.subject),
            subject=markdown_literal(reader.subject),
        )
    )
    if st.button(text("logout_button", lang)):
        log_out()
