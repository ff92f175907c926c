"""What every page carries when it is printed for meeting papers (the print style sheet in
krimdash.css, `@media print`): the DEMO and KLADDE marks, the page's name and when it was
fetched, and the page number.

The frame (frame.html) writes them twice: once as an element shown only in print, at the top
of the first page (every browser prints it), and once in the margins of every further page
(CSS page-margin boxes, `@page { @top-left { content: "..." } }`, which Chromium draws on each
printed page without covering the text). Margin boxes take CSS strings, not HTML, so the texts
go there through `css_string`. No script runs: a page prints as fast as it shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
from markupsafe import Markup

from .settings import Settings
from .texts import text


def css_string(value: str) -> Markup:
    """`value` as a quoted CSS string that can hold anything: every character except ASCII
    letters, digits and the space is written as a six-digit CSS escape (\\0000e6), so no
    quote, backslash, line break or '</style>' can end the string or the style element."""
    escaped = "".join(
        c if (c.isascii() and c.isalnum()) or c == " " else f"\\{ord(c):06x}" for c in value
    )
    return Markup(f'"{escaped}"')


@dataclass(frozen=True)
class PrintStamp:
    """The marks (DEMO, KLADDE; may be none), the page's name and when it was fetched."""

    marks: list[str]
    page: str
    fetched: str
    lang: str = "da"

    @property
    def where(self) -> str:
        """'TOP100 · krimdash · hentet den 29. november 2026 kl. 10.05'."""
        return " · ".join(p for p in (self.page, "krimdash", self.fetched) if p)

    @property
    def css_marks(self) -> Markup:
        return css_string(" · ".join(self.marks))

    @property
    def css_where(self) -> Markup:
        return css_string(self.where)

    @property
    def css_page_number(self) -> Markup:
        """'Side 2 af 5' as CSS content: the text's literal parts as strings, {page} and
        {pages} as the page counters."""
        parts = re.split(r"(\{page\}|\{pages\})", text("print_page_number", self.lang))
        counters = {"{page}": "counter(page)", "{pages}": "counter(pages)"}
        return Markup(" ").join(
            Markup(counters[p]) if p in counters else css_string(p) for p in parts if p
        )


def shows_draft(settings: Settings, drafts: frozenset[pd.Timestamp]) -> bool:
    """Whether the page shows a month not approved: one of `drafts` in the period, or named by
    the page's own month choice (the overview's month, the funnel's month)."""
    if not drafts:
        return False
    if any(pd.Timestamp(m) in drafts for m in settings.months):
        return True
    named = {value for _, value in settings.extra}
    return any(f"{m:%Y-%m}" in named for m in drafts)


def stamp(
    settings: Settings,
    page: str,
    demo: bool,
    drafts: frozenset[pd.Timestamp],
    fetched: str,
) -> PrintStamp:
    """What page `page` carries in print: KLADDE when it shows a draft month, the DEMO mark
    while demo figures show, and `fetched` (when, in words) after its name."""
    lang = settings.lang
    marks = []
    if shows_draft(settings, drafts):
        marks.append(text("draft_tag", lang))
    if demo:
        marks.append(text("print_demo_mark", lang))
    return PrintStamp(marks, page, text("print_fetched", lang).format(when=fetched), lang)
