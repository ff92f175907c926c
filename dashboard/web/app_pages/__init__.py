"""Thin pages: they read via dashboard.web.appdata and draw; no SQL here."""

from __future__ import annotations

import streamlit as st


def frame_first(frame: str) -> str:
    """Draw the frame (app.py's top bar) on its own, ahead of a note or a page without figures
    (which are not part of the page's HTML block); returns what is left of it to draw: nothing."""
    if frame:
        st.html(frame)
    return ""
