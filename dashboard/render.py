"""Charts drawn on the server: Altair spec → SVG with vl-convert, shown inline.

Pages load no chart JavaScript: the SVG arrives with the page and draws at once, on a first
visit and on a tablet alike. Each mark's description becomes an SVG <title>, which browsers
show on hover and screen readers read, so exact values and event titles stay one hover away.
"""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache

import altair as alt
import vl_convert

_LOCALES = {"da": "da-DK", "en": "en-US"}
# What Vega writes for its own interactivity and for screen readers of every group, none of
# which an inline, static chart needs; dropping it halves the markup the browser must parse.
_NOISE = [
    (re.compile(r' (?:class|role|aria-roledescription)="[^"]*"'), ""),
    (re.compile(r' (?:aria-hidden="true"|pointer-events="none"|opacity="1")'), ""),
    (re.compile(r'(<g\b[^>]*?) aria-label="[^"]*"'), r"\1"),
    (re.compile(r'<path d="M0,0h0v0h0Z"/>|<path[^>]*display="none"[^>]*/>'), ""),
    (re.compile(r"(\d\.\d)\d+"), r"\1"),  # sub-pixel precision is invisible
]
_MARK_WITH_LABEL = re.compile(r'<(path|rect|line)\b([^>]*?)aria-label="([^"]*)"([^>]*?)/>')
_ROOT = re.compile(r"^<svg ([^>]*?)width=\"(\d+(?:\.\d+)?)\" height=\"(\d+(?:\.\d+)?)\"")


@lru_cache(maxsize=1024)
def _svg(spec_json: str, locale: str) -> str:
    return vl_convert.vegalite_to_svg(
        json.loads(spec_json), format_locale=locale, time_format_locale=locale
    )


def chart_svg(chart: alt.TopLevelMixin, *, lang: str = "da", title: str = "") -> str:
    """The chart as responsive inline SVG; the same chart and language are converted once."""
    spec = chart.to_dict(validate=False)
    svg = _svg(json.dumps(spec, sort_keys=True, default=str), _LOCALES.get(lang, "da-DK"))
    root, _, body = svg.partition(">")
    for pattern, replacement in _NOISE:
        body = pattern.sub(replacement, body)
    svg = root + ">" + body
    svg = _MARK_WITH_LABEL.sub(r'<\1\2aria-label="\3"\4><title>\3</title></\1>', svg)
    label = html.escape(title, quote=True)
    # Scale down on narrow screens (tablets) instead of overflowing; keep the aspect ratio.
    return _ROOT.sub(
        rf'<svg \1width="\2" height="\3" role="img" aria-label="{label}" '
        r'style="max-width:100%;height:auto"',
        svg,
        count=1,
    )
