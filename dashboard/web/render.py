"""Chart drawing on the server: an Altair chart drawn to SVG by vl-convert, as the image and
hover boxes a page shows (chart_image) or as inline SVG to read as text (chart_svg).

Pages load no chart JavaScript: the drawing arrives with the page as an image and draws at once,
on a first visit and on a tablet alike. Each mark's description becomes the title of a box over
it (an SVG <title> in the inline form), so exact values and event titles stay one hover away.
Page markup is the templates' job (views.py); this module hands them plain values.
"""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass
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
]
# Sub-pixel precision is invisible; rounded only in geometry, never in text ("1.000" is Danish).
_GEOMETRY = re.compile(r' (d|transform|x|y|x1|x2|y1|y2|width|height)="([^"]*)"')
_LONG_DECIMAL = re.compile(r"(\d\.\d)\d+")


def _round_geometry(match: re.Match) -> str:
    value = _LONG_DECIMAL.sub(r"\1", match.group(2))
    return f' {match.group(1)}="{value}"'


def _lean(svg: str) -> str:
    """The SVG without Vega's interactivity and group labels, geometry rounded."""
    root, _, body = svg.partition(">")
    for pattern, replacement in _NOISE:
        body = pattern.sub(replacement, body)
    return root + ">" + _GEOMETRY.sub(_round_geometry, body)


_MARK_WITH_LABEL = re.compile(r'<(path|rect|line)\b([^>]*?)aria-label="([^"]*)"([^>]*?)/>')
_ROOT = re.compile(r"^<svg ([^>]*?)width=\"(\d+(?:\.\d+)?)\" height=\"(\d+(?:\.\d+)?)\"")


# Control characters (a NUL, an escape) in any text of a chart make vl-convert abort the whole
# process; they are shown as the replacement character instead. Line breaks and tabs stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def drawn_text(text: str) -> str:
    """A text as a chart draws it: control characters become the replacement character."""
    return _CONTROL.sub("\ufffd", text)


def _without_control(value: object) -> object:
    if isinstance(value, str):
        return drawn_text(value)
    if isinstance(value, dict):
        return {k: _without_control(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_control(v) for v in value]
    return value


def _spec_json(chart: alt.TopLevelMixin) -> str:
    """The chart's spec as canonical JSON, texts without control characters: the cache key of
    its drawing."""
    spec = _without_control(chart.to_dict(validate=False))
    return json.dumps(spec, sort_keys=True, default=str)


# Drawings kept per process (functools caches, beside the page bodies in Streamlit's caches):
# a chart's SVG is about 25 kB, and a page body built again (another audience, a new data
# version) reuses its unchanged charts. The scenegraph a drawing's hover boxes are read from is
# not kept: about 85 kB of Python dicts per chart, so the 1024 once kept could hold some 90 MB,
# which a server kept after its readers had gone (bench/README.md, "Load").
CHARTS_KEPT = 256


def _vega(spec_json: str) -> dict:
    """The Vega spec the chart compiles to (once per drawing: the SVG and the scenegraph share it)."""
    return vl_convert.vegalite_to_vega(json.loads(spec_json))


def _svg(vega: dict, locale: str) -> str:
    return _lean(vl_convert.vega_to_svg(vega, format_locale=locale, time_format_locale=locale))


@lru_cache(maxsize=CHARTS_KEPT)
def _drawn(spec_json: str, locale: str) -> str:
    """The chart drawn as lean SVG; the same chart and language are drawn once."""
    return _svg(_vega(spec_json), locale)


def chart_svg(chart: alt.TopLevelMixin, *, lang: str = "da", title: str = "") -> str:
    """The chart as responsive inline SVG, each mark's description as its <title>.

    Pages show charts as an image of the same drawing (chart_image); this inline form is how
    the drawing is read as text, e.g. by the tests, and suits HTML that keeps inline SVG.
    """
    svg = _drawn(_spec_json(chart), _LOCALES.get(lang, "da-DK"))
    svg = _MARK_WITH_LABEL.sub(r'<\1\2aria-label="\3"\4><title>\3</title></\1>', svg)
    label = html.escape(title, quote=True)

    def responsive(root: re.Match) -> str:
        # A function, not a replacement string: the title is text, never a backreference.
        attributes, width, height = root.groups()
        return (
            f'<svg {attributes}width="{width}" height="{height}" role="img" aria-label="{label}" '
            'style="max-width:100%;height:auto"'
        )

    # Scale down on narrow screens (tablets) instead of overflowing; keep the aspect ratio.
    return _ROOT.sub(responsive, svg, count=1)


Box = tuple[float, float, float, float, str]
MIN_BOX = 4  # pixels: a box for a mark drawn thinner (a zero bar) is still big enough to hover


def _contains(box: Box, point: tuple[float, float]) -> bool:
    x, y, w, h, _ = box
    return x <= point[0] <= x + w and y <= point[1] <= y + h


def _merge_overlapping(boxes: list[Box]) -> list[Box]:
    """Data boxes such that no box covers the centre of another mark: marks drawn on top of
    each other (two series with the same value in a month) share one box whose title gives
    every value, one line each, instead of the later box hiding the earlier mark."""
    groups = [([b], [(b[0] + b[2] / 2, b[1] + b[3] / 2)]) for b in boxes]

    def bounds(members: list[Box]) -> Box:
        left, top = min(b[0] for b in members), min(b[1] for b in members)
        right = max(b[0] + b[2] for b in members)
        bottom = max(b[1] + b[3] for b in members)
        return (left, top, right - left, bottom - top, "\n".join(b[4] for b in members))

    merged = True
    while merged:
        merged = False
        for i, (members, centres) in enumerate(groups):
            box = bounds(members)
            for j in range(i + 1, len(groups)):
                other, others = groups[j]
                if any(_contains(box, c) for c in others) or any(
                    _contains(bounds(other), c) for c in centres
                ):
                    groups[i] = (members + other, centres + others)
                    del groups[j]
                    merged = True
                    break
            if merged:
                break
    return [bounds(members) for members, _ in groups]


def _hover_boxes(scenegraph: dict) -> list[Box]:
    """Every hover box, in the order a page lays them (see _hover_layers)."""
    rules, data = _hover_layers(scenegraph)
    return rules + data


def _hover_layers(scenegraph: dict) -> tuple[list[Box], list[Box]]:
    """(x, y, width, height, description) of every mark that has a description, in pixels of
    the whole chart, in the order a page lays them: the boxes of rules (events, targets) first,
    then the data marks', so that where they meet the data mark is on top and hovering or
    tapping a bar or point always gives its value.

    An event's box is only the strip above the plot where its number sits, never the plot. A
    scenegraph is marks holding items; a group item offsets the marks inside it, so offsets add
    up on the way down."""
    rules: list[Box] = []
    data: list[Box] = []

    def walk(mark: dict, dx: float, dy: float) -> None:
        kind = mark.get("marktype")
        for item in mark.get("items", []):
            x, y = dx + item.get("x", 0), dy + item.get("y", 0)
            if kind == "group":
                for inner in item.get("items", []):
                    walk(inner, x, y)
                continue
            text = item.get("description")
            if not text:
                continue
            if kind == "rect":
                w, h = item.get("width", 0), item.get("height", 0)
                # Too thin to hover: grown around its middle.
                x, w = (x + w / 2 - MIN_BOX / 2, MIN_BOX) if w < MIN_BOX else (x, w)
                y, h = (y + h / 2 - MIN_BOX / 2, MIN_BOX) if h < MIN_BOX else (y, h)
                data.append((x, y, w, h, text))
            elif kind == "rule" and "y2" in item:  # a vertical rule (an event): its number
                top = min(y, dy + item["y2"])
                rules.append((x - 3, 0, 18, max(top, MIN_BOX), text))
            elif kind == "rule":  # a horizontal rule: a strip at its left end
                rules.append((x, y - 3, 24, 6, text))
            else:  # points: a small square around the centre
                data.append((x - 6, y - 6, 12, 12, text))

    origin = scenegraph.get("origin", [0, 0])
    walk(scenegraph["scenegraph"], origin[0], origin[1])
    return rules, _merge_overlapping(data)


def _scenegraph(spec_json: str, locale: str, vega: dict | None = None) -> dict:
    """The chart's scenegraph (every mark's position and description); not kept (see
    CHARTS_KEPT)."""
    return vl_convert.vega_to_scenegraph(
        _vega(spec_json) if vega is None else vega, format_locale=locale, time_format_locale=locale
    )


@lru_cache(maxsize=CHARTS_KEPT)
def _picture(spec_json: str, locale: str) -> tuple[str, float, float, tuple, tuple]:
    """(lean SVG, width, height, rule boxes, data boxes): what chart_image needs of a drawing,
    kept instead of the scenegraph it is read from; the Vega spec is compiled once for both."""
    vega = _vega(spec_json)
    scene = _scenegraph(spec_json, locale, vega)
    rules, data = _hover_layers(scene)
    svg = _svg(vega, locale)
    return svg, float(scene["width"]), float(scene["height"]), tuple(rules), tuple(data)


def svg_data_uri(svg: str) -> str:
    """An SVG as a data URI for an <img>: the browser draws it natively, with no markup to parse."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


@dataclass(frozen=True)
class HoverBox:
    """A transparent box over one mark, placed in percent of the chart, titled with the
    mark's description."""

    left: str
    top: str
    width: str
    height: str
    title: str
    event: bool = False  # an event's or target's box, not a data mark's


@dataclass(frozen=True)
class ChartImage:
    """A drawn chart as a page shows it: the image, its size in pixels, the text that names it
    for screen readers (`alt`), what hovering outside a mark shows (`hint`), and the hover
    boxes over its marks. Plain values: the page template makes the markup."""

    src: str
    width: str
    alt: str
    hint: str
    boxes: tuple[HoverBox, ...]


def chart_image(
    chart: alt.TopLevelMixin, *, lang: str = "da", title: str = "", hint: str = ""
) -> ChartImage:
    """The chart as an image with a hover layer: each mark's description is the title of a
    transparent box over it, so exact values and event titles show on hover.

    An image, not inline SVG: Streamlit's HTML element sanitises SVG away, and an image costs
    the browser nothing to parse. The boxes are placed in percent, so they follow the image
    when it scales down on a tablet.
    """
    svg, width, height, rules, data = _picture(_spec_json(chart), _LOCALES.get(lang, "da-DK"))
    boxes = [(*box, True) for box in rules] + [(*box, False) for box in data]
    boxes = tuple(
        HoverBox(
            left=f"{100 * x / width:.2f}",
            top=f"{100 * y / height:.2f}",
            width=f"{100 * max(w, MIN_BOX) / width:.2f}",
            height=f"{100 * max(h, MIN_BOX) / height:.2f}",
            title=text,
            event=event,
        )
        for x, y, w, h, text, event in boxes
    )
    return ChartImage(svg_data_uri(svg), f"{width:.0f}", title, hint, boxes)
