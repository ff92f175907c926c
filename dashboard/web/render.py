"""Chart drawing on the server: a chart's Vega-Lite spec (charts.py) drawn to SVG by vl-convert,
as the image and hover boxes a page shows (chart_image) or as inline SVG to read as text (chart_svg).

Pages load no chart JavaScript: the drawing arrives with the page as an image and draws at once,
on a first visit and on a tablet alike. Each mark's description becomes the title of a box over
it (an SVG <title> in the inline form), so exact values and event titles stay one hover away.
Page markup is the templates' job (views.py); this module hands them plain values. The drawing
itself is done by vl-convert in processes of their own (Drawer, below), which end when the
server has no readers (memory.py).
"""

from __future__ import annotations

import base64
import html
import json
import logging
import os
import queue
import re
import select
import subprocess
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

LOGGER = logging.getLogger(__name__)


class Chart(Protocol):
    """What render draws: anything with a Vega-Lite spec (charts.Spec, or an Altair chart)."""

    def to_dict(self, validate: bool = ...) -> dict: ...


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


def _spec_json(chart: Chart) -> str:
    """The chart's spec as canonical JSON, texts without control characters: the cache key of
    its drawing."""
    spec = _without_control(chart.to_dict(validate=False))
    return json.dumps(spec, sort_keys=True, default=str)


# Drawings kept per process (a functools cache, beside the page bodies in Streamlit's caches):
# what a page needs of a chart's drawing, its lean SVG (about 25 kB) and hover boxes, so that a
# page body built again (another audience, a new data version) reuses its unchanged charts.
# A Vega scenegraph (about 85 kB of Python dicts per chart) is neither kept nor made: the hover
# boxes are read from the SVG itself (bench/README.md, "Load").
CHARTS_KEPT = 256


def _drawn(spec_json: str, locale: str) -> str:
    """The chart drawn as lean SVG; the same chart and language are drawn once."""
    return _picture(spec_json, locale)[0]


def chart_svg(chart: Chart, *, lang: str = "da", title: str = "") -> str:
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


def _hover_boxes(svg: str) -> list[Box]:
    """Every hover box, in the order a page lays them (see _hover_layers)."""
    rules, data = _hover_layers(svg)
    return rules + data


# The SVG as vl-convert writes it (Vega's SVG renderer): a group is a <g> whose transform
# translates its content; a mark with a description is a leaf element with it as aria-label: a
# bar a <path> whose d is its rectangle "M x,y h w v h h -w Z", a point a <path> translated to
# its centre, a rule a <line> translated to its start with x2/y2 relative to it. Vega writes an
# attribute's quotes, ampersands, angle brackets and line breaks as character references.
_TAG = re.compile(r"<(/?)(g|path|line)\b([^>]*?)(/?)>")
_ATTRIBUTE = re.compile(r'\s([\w:-]+)="([^"]*)"')
_NUMBER = r"(-?[\d.]+(?:e[-+]?\d+)?)"
_TRANSLATE = re.compile(rf"translate\({_NUMBER},{_NUMBER}\)")
_RECTANGLE = re.compile(rf"M{_NUMBER},{_NUMBER}h{_NUMBER}v{_NUMBER}h{_NUMBER}Z")


def _hover_layers(svg: str) -> tuple[list[Box], list[Box]]:
    """(x, y, width, height, description) of every mark that has a description, in pixels of
    the whole chart, in the order a page lays them: the boxes of rules (events, targets) first,
    then the data marks', so that where they meet the data mark is on top and hovering or
    tapping a bar or point always gives its value.

    Read from the drawing itself (its raw SVG, before _lean rounds it), so a chart is drawn
    once: the same boxes as from Vega's scenegraph, which cost a second drawing. An event's box
    is only the strip above the plot where its number sits, never the plot. Groups offset the
    marks inside them, so offsets add up on the way down."""
    rules: list[Box] = []
    data: list[Box] = []
    offsets: list[tuple[float, float]] = []
    dx = dy = 0.0
    for tag in _TAG.finditer(svg):
        closing, name, attributes, empty = tag.groups()
        if name == "g":
            if closing:
                dx, dy = offsets.pop()
            elif not empty:
                offsets.append((dx, dy))
                moved = _TRANSLATE.search(attributes)
                if moved:
                    dx, dy = dx + float(moved[1]), dy + float(moved[2])
            continue
        if closing or "aria-label=" not in attributes:
            continue
        attribute = dict(_ATTRIBUTE.findall(attributes))
        text = html.unescape(attribute.get("aria-label", ""))
        if not text:
            continue
        moved = _TRANSLATE.search(attribute.get("transform", ""))
        x, y = (dx + float(moved[1]), dy + float(moved[2])) if moved else (dx, dy)
        rectangle = None if moved else _RECTANGLE.fullmatch(attribute.get("d", ""))
        if name == "line" and float(attribute.get("y2", 0)):  # a vertical rule (an event)
            top = min(y, y + float(attribute["y2"]))
            rules.append((x - 3, 0, 18, max(top, MIN_BOX), text))  # its number's strip
        elif name == "line":  # a horizontal rule: a strip at its left end
            rules.append((x, y - 3, 24, 6, text))
        elif rectangle:  # a bar; too thin to hover: grown around its middle
            x, y = x + float(rectangle[1]), y + float(rectangle[2])
            w, h = float(rectangle[3]), float(rectangle[4])
            x, w = (x + w / 2 - MIN_BOX / 2, MIN_BOX) if w < MIN_BOX else (x, w)
            y, h = (y + h / 2 - MIN_BOX / 2, MIN_BOX) if h < MIN_BOX else (y, h)
            data.append((x, y, w, h, text))
        else:  # points: a small square around the centre
            data.append((x - 6, y - 6, 12, 12, text))
    return rules, _merge_overlapping(data)


_SIZE = re.compile(r'^<svg [^>]*?width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"')


# The drawing process: vl-convert runs Vega in an embedded JavaScript engine (V8) that holds
# Python's GIL while it draws (about 40 ms a chart: every other page run and websocket of the
# server waits) and whose heap grows by some 30 MB as it draws and is never handed back. So
# charts are drawn in a process of their own: the server's Python runs on while a chart is
# drawn, and the process ends when the server has no readers (memory.py), handing its memory
# back; the next drawing starts it again (about 1 s). One request or answer is one line of JSON.
# Up to DRAWING_PROCESSES draw at once (the second starts only when two charts are drawn at the
# same time): pages with many charts for new periods wait on the drawing under load.
DRAWING_PROCESSES = max(1, min(2, os.cpu_count() or 1))
_DRAWER_CODE = r"""
import json, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops it (or its pipe closes)
import vl_convert
for line in sys.stdin.buffer:
    spec, locale = json.loads(line)
    try:
        answer = {"svg": vl_convert.vegalite_to_svg(
            spec, format_locale=locale, time_format_locale=locale)}
    except Exception as exc:
        answer = {"error": f"{type(exc).__name__}: {exc}"}
    sys.stdout.buffer.write(json.dumps(answer).encode() + b"\n")
    sys.stdout.buffer.flush()
"""


DRAW_TIMEOUT_S = 60  # a chart not drawn in this time is not drawn: the process is ended


class DrawingFailed(RuntimeError):
    """vl-convert could not draw a chart (its message), or the drawing process died twice."""


class Drawer:
    """The one drawing process of this server process, started on the first chart, one chart
    at a time (a lock), started again if it has died; `stop()` ends it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self.started = 0  # processes started (tests, logs)

    def draw(self, spec_json: str, locale: str) -> str:
        """The chart's SVG as vl-convert writes it."""
        request = json.dumps([spec_json, locale]).encode() + b"\n"
        with self._lock:
            for attempt in (1, 2):
                process = self._process or self._start()
                try:
                    process.stdin.write(request)
                    process.stdin.flush()
                    ready, _, _ = select.select([process.stdout], [], [], DRAW_TIMEOUT_S)
                    if not ready:
                        self._end()
                        raise DrawingFailed(f"no drawing in {DRAW_TIMEOUT_S} s")
                    line = process.stdout.readline()
                except OSError:
                    line = b""
                if line:
                    answer = json.loads(line)
                    if "error" in answer:
                        raise DrawingFailed(answer["error"])
                    return answer["svg"]
                LOGGER.warning(
                    "the chart drawing process ended (attempt %s); starting it again", attempt
                )
                self._end()
        raise DrawingFailed("the chart drawing process ended twice")

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> bool:
        """End the drawing process (its memory goes back to the system); True if one ran."""
        with self._lock:
            was = self.running()
            self._end()
            return was

    def _start(self) -> subprocess.Popen:
        # -I: the drawing process imports vl-convert from this Python's packages and nothing
        # from the working directory or the environment's PYTHONPATH.
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-c", _DRAWER_CODE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.started += 1
        return self._process

    def _end(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        try:
            process.stdin.close()  # it ends at the end of its input
            process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
        finally:
            process.stdout.close()


class Drawers:
    """`count` drawing processes: a chart goes to a free one, the one used last first, so a
    second process starts only when two charts are drawn at once."""

    def __init__(self, count: int) -> None:
        self.every = [Drawer() for _ in range(count)]
        self._free: queue.LifoQueue[Drawer] = queue.LifoQueue()
        for drawer in reversed(self.every):
            self._free.put(drawer)

    def draw(self, spec_json: str, locale: str) -> str:
        drawer = self._free.get()
        try:
            return drawer.draw(spec_json, locale)
        finally:
            self._free.put(drawer)

    def running(self) -> int:
        """How many drawing processes run."""
        return sum(drawer.running() for drawer in self.every)

    def stop(self) -> int:
        """End every drawing process; how many ran."""
        return sum(drawer.stop() for drawer in self.every)


DRAWERS = Drawers(DRAWING_PROCESSES)


def idle() -> None:
    """The server has no readers: end the drawing processes and forget the kept drawings, so
    that their memory goes back to the system (memory.py's trimmer calls this)."""
    if ended := DRAWERS.stop():
        LOGGER.info("chart drawing processes ended (%s): no readers", ended)
    _picture.cache_clear()


@lru_cache(maxsize=CHARTS_KEPT)
def _picture(spec_json: str, locale: str) -> tuple[str, float, float, tuple, tuple]:
    """(lean SVG, width, height, rule boxes, data boxes): what a page needs of a drawing. The
    chart is drawn once, straight from its Vega-Lite spec, in the drawing process; its hover
    boxes are read from that drawing."""
    svg = DRAWERS.draw(spec_json, locale)
    rules, data = _hover_layers(svg)
    size = _SIZE.match(svg)
    width, height = (float(size[1]), float(size[2])) if size else (0.0, 0.0)
    return _lean(svg), width, height, tuple(rules), tuple(data)


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


def chart_image(chart: Chart, *, lang: str = "da", title: str = "", hint: str = "") -> ChartImage:
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
