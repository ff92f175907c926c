"""Chart builders: a DataFrame in, an Altair chart out. Pure; no Streamlit, no database.

Every time chart shares the same frame: months on the x axis with Danish labels ("jan. 2025"),
the events as dashed vertical rules, numbered at the top and titled on hover, targets at their month, a
description per mark (rendered as its hover title and for screen readers), and a gap, never a
zero, for a month without a figure. Colours are the Okabe-Ito palette, safe for colour-blind
readers, and every series also differs by dash or shape, so colour never carries meaning alone.

A chart is its Vega-Lite spec as plain data (Spec): the spec Altair's `to_dict()` gives for the
same chart, built directly. Altair's objects cost a page built for a new period about as much CPU
as drawing its charts (deep copies of every layer on each step; bench/README.md, "Load"), and a
spec is all render.py draws from. The helpers below write Vega-Lite as Altair does: a layer's
charts that draw the same frame share it as the layer's data, and every frame becomes a named
dataset at the top, its rows as Altair writes them (_values).
"""

from __future__ import annotations

import hashlib
import json
import math

import pandas as pd
from pandas.core.dtypes.cast import maybe_box_native

from ..config import lang_column
from ..months import month_label
from .series import events_between
from .texts import fmt_int, fmt_pct

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
UNCATEGORISED_COLOUR = "#999999"
DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [4, 4], [1, 3]]
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down"]
EVENT_COLOUR = "#555555"
EVENT_LABEL_DX, EVENT_LABEL_ROW = 3, 12  # an event's number: pixels right of its rule; row height
TARGET_COLOUR = "#D55E00"
WIDTH, HEIGHT = 620, 240
# Chart text is 12 px (Vega's axis and legend labels are 10 px by default), so that it stays at
# least 11 px where a tablet (768 px) shows a chart a little narrower than drawn.
FONT_PX = 12
FONT = {"labelFontSize": FONT_PX, "titleFontSize": FONT_PX}


# --- Vega-Lite as plain data ---------------------------------------------------------------------

# What Altair 6 puts at the top of every spec: the Vega-Lite version vl-convert compiles for, and
# its default theme's view size (unused by these charts, which all give width and height).
SCHEMA_URL = "https://vega.github.io/schema/vega-lite/v6.4.1.json"
_THEME = {"view": {"continuousWidth": 300, "continuousHeight": 300}}
_TYPES = {"T": "temporal", "Q": "quantitative", "N": "nominal", "O": "ordinal"}
# pandas' dtypes with their own missing value, written as null (as Altair does)
_NULLABLE = (
    {"category", "string", "str", "boolean"}
    | {f"{kind}{bits}" for kind in ("Int", "UInt") for bits in (8, 16, 32, 64)}
    | {"Float32", "Float64"}
)


class Spec(dict):
    """A chart: its Vega-Lite spec, as `to_dict()` hands it to render.py and the tests."""

    def to_dict(self, validate: bool = False) -> dict:
        """The spec (validate: accepted for Altair's signature; nothing is validated)."""
        return self


def _field(shorthand: str, **props: object) -> dict:
    """An encoding channel from Altair's shorthand: "month:T", "sum(value):Q", "month2"."""
    name, _, kind = shorthand.rpartition(":") if shorthand[-2:-1] == ":" else (shorthand, "", "")
    channel: dict = {"type": _TYPES[kind]} if kind else {}
    if name.endswith(")") and "(" in name:
        aggregate, _, name = name[:-1].partition("(")
        channel["aggregate"] = aggregate
    return {"field": name, **channel, **props}


def _chart(data: pd.DataFrame, mark: str, encoding: dict, **mark_props: object) -> dict:
    """One mark drawing the rows of `data` (a frame until _spec names it)."""
    return {"data": data, "mark": {"type": mark, **mark_props}, "encoding": encoding}


def _layer(*charts: dict, **props: object) -> dict:
    """Charts drawn on top of each other, the first at the bottom. When they all draw the same
    frame it is the layer's data (as Altair's layer does)."""
    shared = charts[0].get("data") if charts else None
    if shared is not None and all(c.get("data") is shared for c in charts):
        inner = [{k: v for k, v in c.items() if k != "data"} for c in charts]
        return {"layer": inner, "data": shared, **props}
    return {"layer": list(charts), **props}


def _values(frame: pd.DataFrame) -> list[dict]:
    """A frame's rows as Altair writes them into a spec (altair.utils.core.sanitize_pandas_
    dataframe, then `to_dict(orient="records")`): times as ISO text ("" for none), a missing or
    infinite number as null, missing text as null, numpy numbers as Python's; other objects as
    they are."""
    columns = {}
    for name, dtype in frame.dtypes.items():
        column, kind = frame[name], str(dtype)
        if kind.startswith(("datetime", "timestamp")):
            values = ["" if pd.isna(t) else t.isoformat() for t in column]
        elif kind in _NULLABLE:
            values = [None if pd.isna(v) else maybe_box_native(v) for v in column.astype(object)]
        elif kind.startswith("float"):
            values = [None if math.isnan(v) or math.isinf(v) else v for v in column.tolist()]
        elif kind.startswith(("int", "uint", "bool")):
            values = column.tolist()
        else:
            values = [maybe_box_native(v) for v in column]
        columns[name] = values
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _dataset_name(values: list[dict]) -> str:
    """The name Altair gives a dataset: a hash of its rows."""
    if values == [{}]:
        return "empty"
    text = json.dumps(values, sort_keys=True, default=str)
    return "data-" + hashlib.sha256(text.encode()).hexdigest()[:32]


def _spec(layer: dict, config: dict | None = None, **props: object) -> Spec:
    """The whole chart: `layer` with its frames as named datasets at the top, the chart text at
    FONT sizes (axes and legends), and `props` (width, height, title)."""
    datasets: dict[str, list[dict]] = {}

    def named(node: dict) -> dict:
        out = {}
        for key, value in node.items():
            if key == "data" and isinstance(value, pd.DataFrame):
                values = _values(value)
                name = _dataset_name(values)
                datasets[name] = values
                out[key] = {"name": name}
            elif key == "layer":
                out[key] = [named(inner) for inner in value]
            else:
                out[key] = value
        return out

    spec = named(layer) | props
    spec["config"] = {**_THEME, "axis": dict(FONT), "legend": dict(FONT), **(config or {})}
    spec["$schema"] = SCHEMA_URL
    if datasets:
        spec["datasets"] = datasets
    return Spec(spec)


_MONTHS_DA_SHORT = (
    "['jan.','feb.','mar.','apr.','maj','jun.','jul.','aug.','sep.','okt.','nov.','dec.']"
)
_MONTHS_EN_SHORT = "['Jan','Feb','Mar','Apr','May','Jun','Jul','Aug','Sep','Oct','Nov','Dec']"


def month_axis_label_expr(lang: str = "da") -> str:
    """A Vega expression that labels a month tick 'jan. 2025' (Danish) or 'Jan 2025'."""
    names = _MONTHS_EN_SHORT if lang == "en" else _MONTHS_DA_SHORT
    return f"{names}[month(datum.value)] + ' ' + year(datum.value)"


def _time_domain(months: list[pd.Timestamp]) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The x axis from half a month before the first month to half a month after the last,
    so the first and last bars are not cut in half."""
    pad = pd.Timedelta(days=16)
    return months[0] - pad, months[-1] + pad


def _x(months: list[pd.Timestamp], lang: str, title: str | None = None) -> dict:
    scale: dict = {"nice": False}
    if months:
        scale = {"domain": [f"{day:%Y-%m-%d}" for day in _time_domain(months)], **scale}
    return _field(
        "month:T",
        title=title,
        scale=scale,
        axis={
            "labelExpr": month_axis_label_expr(lang),
            "tickCount": {"interval": "month", "step": 3 if len(months) > 12 else 1},
            "labelAngle": 0,
            "labelOverlap": True,
            "grid": False,
        },
    )


def _whole_ticks(data: pd.DataFrame, targets: pd.DataFrame | None) -> list[int] | None:
    """Every whole number as a tick when the counts are small, so 1,5 is never shown as "2".

    (Vega-Lite's tickMinStep is lost when layers share an axis.)
    """
    values = data["value"].dropna().tolist()
    if targets is not None and not targets.empty:
        values += targets["value"].astype(float).tolist()
    if not values:
        return None
    low, high = min(0, math.floor(min(values))), max(0, math.ceil(max(values)))
    return list(range(low, high + 1)) if high - low <= 10 else None


Y_TICKS = 5  # about this many ticks on a value axis; its scale ends on the last of them


def _value_axis(
    data: pd.DataFrame, targets: pd.DataFrame | None, lang: str, percent: bool = False
) -> dict:
    """The value axis and its scale, such that the plot ends at its last tick (no bar runs past
    it): a share axis from 0 to 100 % when every share is at most 100 %, labelled "50 %" in
    Danish as in the text ("50%" in English); whole numbers for small counts."""
    if percent:
        values = data["value"].dropna()
        top = values.max() if not values.empty else 1
        axis: dict = {"format": ".0%", "tickCount": Y_TICKS}
        if lang == "da":
            axis["labelExpr"] = "replace(datum.label, '%', '\u00a0%')"
        return {"scale": {"domain": [0, 1]} if top <= 1 else {"nice": Y_TICKS}, "axis": axis}
    ticks = _whole_ticks(data, targets)
    if ticks is None:
        return {"scale": {"nice": Y_TICKS}, "axis": {"format": ",d", "tickCount": Y_TICKS}}
    return {
        "scale": {"domain": [ticks[0], ticks[-1]], "nice": False},
        "axis": {"format": ",d", "values": ticks},
    }


def _bar_size(months: list[pd.Timestamp], width: int, share: float = 0.7) -> int:
    """Bar width in pixels on a time axis: most of a month's slot."""
    return max(2, int(width / max(len(months), 1) * share))


def _gap_segments(data: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Drop months without a figure and number the unbroken runs, so lines break at gaps."""
    data = data.sort_values([c for c in (by, "month") if c])
    missing = data["value"].isna()
    groups = data[by] if by else pd.Series(0, index=data.index)
    data = data.assign(segment=missing.groupby(groups).cumsum().astype(str))
    if by:
        data["segment"] = data[by].astype(str) + "/" + data["segment"]
    return data[~missing]


# A protected figure (the public view): a hollow grey square on the zero line labelled "..",
# never a bar or a point of some height, never nothing.
PROTECTED_COLOUR = "#555555"
PROTECTED_TEXT = ".."


def _protected_rows(data: pd.DataFrame) -> pd.DataFrame:
    """The rows of `data` whose value is protected (a `protected` column), else none."""
    if "protected" not in data.columns:
        return data.iloc[:0]
    return data[data["protected"].fillna(False).astype(bool)]


def protected_layer(data: pd.DataFrame, title: str | None = None) -> list[dict]:
    """A hollow square at zero and ".." above it for each protected row of `data` (month,
    description): a mark a reader sees, with the row's description as its hover text. The
    marks share the chart's value scale (`title` is its axis title); a field `at` in `data`
    places them higher (e.g. on top of a stacked bar)."""
    rows = _protected_rows(data)
    if rows.empty:
        return []
    rows = rows.assign(at=rows["at"] if "at" in rows.columns else 0.0)
    marks = rows[["month", "at", "description"]]
    at = {"x": _field("month:T"), "y": _field("at:Q", title=title)}
    return [
        _chart(
            marks, "point", {**at, "description": _field("description:N")},
            shape="square", filled=False, size=70, color=PROTECTED_COLOUR, opacity=1,
        ),
        _chart(
            marks, "text", {**at, "text": {"value": PROTECTED_TEXT}},
            dy=-10, fontSize=FONT_PX, color=PROTECTED_COLOUR, aria=False,
        ),
    ]  # fmt: skip


def describe(month: pd.Timestamp, value: float, label: str, lang: str, extra: str = "") -> str:
    text = f"{month_label(month.date(), lang)}: {fmt_int(value, lang)} – {label}"
    return f"{text}. {extra}" if extra else text


def numbered_events(events: pd.DataFrame | None, months: list[pd.Timestamp]) -> pd.DataFrame:
    """The events inside the period in date order, numbered from 1 in a `number` column.

    The numbers label the event rules on a chart and the list of events under it, so a reader
    without a mouse (on a tablet, on paper) can match each dashed line to its title.
    """
    if events is None or events.empty or not months:
        return pd.DataFrame(columns=[*([] if events is None else events.columns), "number"])
    inside = events_between(events, months[0], months[-1])
    inside = inside.assign(event_date=pd.to_datetime(inside["event_date"]))
    inside = inside.sort_values("event_date", kind="stable")
    return inside.assign(number=range(1, len(inside) + 1)).reset_index(drop=True)


def _label_rows(xs: list[float], labels: list[str], char_width: float = 7.0) -> list[int]:
    """A row for each label at pixel `xs` (left to right), so that labels of events close
    together stack upwards instead of overlapping."""
    ends: list[float] = []  # where the last label in each row ends
    rows = []
    for x, label in zip(xs, labels, strict=True):
        row = next((r for r, end in enumerate(ends) if x >= end), len(ends))
        ends[row : row + 1] = [x + EVENT_LABEL_DX + char_width * len(label) + 3]
        rows.append(row)
    return rows


def event_layer(
    events: pd.DataFrame, months: list[pd.Timestamp], lang: str, width: int = WIDTH
) -> dict | None:
    """Dashed rules at the events inside the period, each numbered at its top as in the list
    of events under the chart; hover shows date and title."""
    inside = numbered_events(events, months)
    if inside.empty:
        return None
    data = pd.DataFrame(
        {
            "month": inside["event_date"],
            "description": inside[lang_column("date_text", lang)]
            + ": "
            + inside[lang_column("title", lang)],
        }
    )
    rules = _chart(
        data, "rule", {"x": _field("month:T"), "description": _field("description:N")},
        color=EVENT_COLOUR, strokeDash=[3, 3], strokeWidth=1.5, opacity=0.8,
    )  # fmt: skip
    # Events on the same day share a rule, so they share one label: "1, 2".
    labels = (
        inside.groupby("event_date", sort=True)["number"]
        .agg(lambda numbers: ", ".join(map(str, numbers)))
        .reset_index()
        .rename(columns={"event_date": "month", "number": "label"})
    )
    start, end = _time_domain(months)
    xs = [width * (m - start) / (end - start) for m in labels["month"]]
    labels = labels.assign(row=_label_rows(xs, list(labels["label"])))
    numbers = [
        _chart(
            labels[labels["row"] == row],
            "text",
            {
                "x": _field("month:T"),
                "y": {"value": -row * EVENT_LABEL_ROW},
                "text": _field("label:N"),
            },
            align="left",
            baseline="bottom",
            dx=EVENT_LABEL_DX,
            dy=-2,
            fontSize=FONT_PX,
            color=EVENT_COLOUR,
            aria=False,
        )
        for row in sorted(set(labels["row"]))
    ]
    return _layer(rules, *numbers)


def target_layer(targets: pd.DataFrame, months: list[pd.Timestamp], lang: str) -> dict | None:
    """Each target as a diamond at its month (its deadline) and value, labelled with the target
    and its month; never a line across the whole period, as if it applied every month. A target
    after the period is marked at the period's last month with "→" after its label, one before
    it at the first month with "←"."""
    if targets is None or targets.empty or not months:
        return None
    due = [pd.Timestamp(m) for m in targets["target_month"]]
    description = [
        f"{label} ({month_label(m.date(), lang)})"
        for label, m in zip(targets[lang_column("label", lang)], due, strict=True)
    ]
    shown = [min(max(m, months[0]), months[-1]) for m in due]
    data = pd.DataFrame(
        {
            "month": shown,
            "value": targets["value"].astype(float).to_numpy(),
            "description": description,
            "text": [
                f"← {d}" if m < months[0] else f"{d} →" if m > months[-1] else d
                for d, m in zip(description, due, strict=True)
            ],
            # the label on the side with room: right of a mark in the first half, else left
            "left": [(m - months[0]) <= (months[-1] - m) for m in shown],
        }
    )
    at = {"x": _field("month:T"), "y": _field("value:Q")}
    point = _chart(
        data, "point", {**at, "description": _field("description:N")},
        shape="diamond", filled=True, size=110, color=TARGET_COLOUR, opacity=1,
    )  # fmt: skip
    texts = [
        _chart(
            data[data["left"] == left],
            "text",
            {**at, "text": _field("text:N")},
            align="left" if left else "right",
            baseline="bottom",
            dx=8 if left else -8,
            dy=-3,
            color=TARGET_COLOUR,
            fontSize=FONT_PX,
            aria=False,
        )
        for left in (True, False)
        if (data["left"] == left).any()
    ]
    return _layer(*_target_spans(targets, due, description, months), point, *texts)


def _target_spans(
    targets: pd.DataFrame, due: list[pd.Timestamp], description: list[str], months: list
) -> list[dict]:
    """A dashed goal line from each target's start month (`from_month`, when it has one) to its
    deadline, cut to the period: the months the target applies to, and no others."""
    starts = targets["from_month"] if "from_month" in targets else [None] * len(targets)
    rows = [
        {
            "month": max(pd.Timestamp(start), months[0]),
            "month2": min(end, months[-1]),
            "value": float(value),
            "description": text,
        }
        for start, end, value, text in zip(starts, due, targets["value"], description, strict=True)
        if start is not None
        and not pd.isna(start)
        and pd.Timestamp(start) < end
        and pd.Timestamp(start) <= months[-1]
        and end >= months[0]
    ]
    if not rows:
        return []
    encoding = {
        "x": _field("month:T"),
        "x2": _field("month2"),
        "y": _field("value:Q"),
        "description": _field("description:N"),
    }
    return [
        _chart(
            pd.DataFrame(rows), "rule", encoding,
            color=TARGET_COLOUR, strokeDash=[6, 3], strokeWidth=2,
        )
    ]  # fmt: skip


def time_chart(
    data: pd.DataFrame,
    *,
    months: list[pd.Timestamp],
    value_title: str,
    lang: str = "da",
    bars: bool = False,
    series: str | None = None,
    events: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
    percent: bool = False,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Spec:
    """Months on x, `value` on y; lines (levels) or bars (monthly counts and changes).

    `data` has month, value, description, and a `series` column when there are several.
    """
    y = _field("value:Q", title=value_title, **_value_axis(data, targets, lang, percent))
    layers: list[dict] = []
    colour: dict = {}
    if series:
        names = list(dict.fromkeys(data[series]))
        colour = _field(
            f"{series}:N",
            scale={"domain": names, "range": PALETTE[: len(names)]},
            legend={"title": None, "orient": "bottom", "columns": 2, "labelLimit": 0},
        )
    # Several series are always lines (told apart by dash and shape too); bars would hide each other.
    if bars and not series:
        present = data[data["value"].notna()]
        at = {"x": _x(months, lang), "y": y}
        layers.append(
            _chart(
                present, "bar", {**at, "description": _field("description:N")},
                color=PALETTE[0], size=_bar_size(months, width),
            )
        )  # fmt: skip
        if len(months) <= 24:
            labels = present.assign(
                label=[
                    fmt_pct(v, lang, 0) if percent else fmt_int(v, lang) for v in present["value"]
                ]
            )
            layers.append(
                _chart(
                    labels, "text", {"x": _field("month:T"), "y": y, "text": _field("label:N")},
                    dy=-6, fontSize=FONT_PX, color="#333333", aria=False,
                )
            )  # fmt: skip
    else:
        lines = _gap_segments(data, series)
        at = {"x": _x(months, lang), "y": y}
        line = {**at, "detail": _field("segment:N")}
        points = {**at, "description": _field("description:N")}
        if series:
            names = list(dict.fromkeys(data[series]))
            line |= {
                "color": colour,
                "strokeDash": _field(
                    f"{series}:N",
                    scale={"domain": names, "range": DASHES[: len(names)]},
                    legend=None,
                ),
            }
            points |= {
                "color": colour,
                "shape": _field(
                    f"{series}:N",
                    scale={"domain": names, "range": SHAPES[: len(names)]},
                    legend=None,
                ),
            }
        layers += [
            # aria=False: the points carry the hover text; the line's own would expose internals.
            _chart(lines, "line", line, strokeWidth=2.5, color=PALETTE[0], aria=False),
            _chart(lines, "point", points, filled=True, size=45, color=PALETTE[0]),
        ]
    # A protected figure as protected: a hollow square labelled ".." (one series: at zero).
    layers += protected_layer(data, value_title)
    if (target := target_layer(targets, months, lang)) is not None:
        layers.append(target)
    # The event rules drawn first, behind the bars and lines: an event never covers a figure.
    if (rule := event_layer(events, months, lang, width)) is not None:
        layers.insert(0, rule)
    return _spec(_layer(*layers), width=width, height=height)


def stacked_chart(
    data: pd.DataFrame,
    *,
    months: list[pd.Timestamp],
    value_title: str,
    part_labels: dict[str, str],
    lang: str = "da",
    events: pd.DataFrame | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Spec:
    """Bars per month stacked by category; `part_labels` orders and names the parts.

    `data` has month, part, value, description. A part missing in a month is simply absent;
    a protected part (a `protected` column) is not stacked, and its month is marked ".." on top
    of the parts drawn.
    """
    hidden = _protected_rows(data)
    data = data[~data.index.isin(hidden.index)]
    order = list(part_labels)
    colours = [
        UNCATEGORISED_COLOUR if p.startswith("_") else PALETTE[i % len(PALETTE)]
        for i, p in enumerate(order)
    ]
    labelled = data.assign(
        part_label=data["part"].map(part_labels),
        part_order=data["part"].map({p: i for i, p in enumerate(order)}),
    )
    encoding = {
        "x": _x(months, lang),
        "y": _field(
            "sum(value):Q",
            title=value_title,
            stack="zero",
            scale={"nice": Y_TICKS},
            axis={"format": ",d", "tickCount": Y_TICKS},
        ),
        "color": _field(
            "part_label:N",
            scale={"domain": [part_labels[p] for p in order], "range": colours},
            legend={"title": None, "orient": "bottom", "columns": 2, "labelLimit": 0},
        ),
        "order": _field("part_order:Q"),
        "description": _field("description:N"),
    }
    bars = _chart(
        labelled, "bar", encoding, stroke="white", strokeWidth=0.8, size=_bar_size(months, width)
    )
    layers = [bars]
    if not hidden.empty:
        tops = data.groupby("month")["value"].sum()
        marks = hidden.groupby("month", as_index=False).agg(description=("description", " · ".join))
        marks = marks.assign(at=[float(tops.get(m, 0.0)) for m in marks["month"]], protected=True)
        layers += protected_layer(marks, value_title)
    # The event rules drawn first, behind the bars: an event never covers a figure.
    if (rule := event_layer(events, months, lang, width)) is not None:
        layers.insert(0, rule)
    return _spec(_layer(*layers), width=width, height=height)


# The funnel: the stages in one colour; the outcomes of the last stage in neutral colours, so
# that no answer looks like the good one ("nej" is not green, "ja" not red).
FUNNEL_STAGE_COLOUR = PALETTE[0]
FUNNEL_OUTCOME_COLOURS = [PALETTE[4], PALETTE[1], "#C8C8C8", PALETTE[3], UNCATEGORISED_COLOUR]


def funnel_chart(
    data: pd.DataFrame, *, lang: str = "da", width: int = WIDTH, bases: list[str] | None = None
) -> Spec:
    """Horizontal bars for the funnel's stages, then the outcomes of its last stage, each
    labelled with value and share.

    `data` has label, value, share, role (stage/outcome), description; rows in funnel order.
    `bases` are lines above the bars that name what the shares are of.
    """
    hidden = (
        data["value_protected"].fillna(False).astype(bool)
        if "value_protected" in data.columns
        else pd.Series(False, index=data.index)
    )
    # A protected stage keeps its row, with no bar and ".." where its value would be.
    keep = data["value"].notna() | hidden
    data, hidden = data[keep], hidden[keep]
    data = data.assign(
        order=range(len(data)),
        at=data["value"].fillna(0.0),
        text=[
            PROTECTED_TEXT
            if h
            else f"{fmt_int(v, lang)} ({fmt_pct(s, lang, 0)})"
            if pd.notna(s)
            else fmt_int(v, lang)
            for v, s, h in zip(data["value"], data["share"], hidden, strict=False)
        ],
    )
    y = _field("label:N", sort=list(data["label"]), title=None, axis={"labelLimit": 260})
    outcomes = data.loc[data["role"] == "outcome", "label"].tolist()
    stages = data.loc[data["role"] != "outcome", "label"].tolist()
    colours = {
        "domain": stages + outcomes,
        "range": [FUNNEL_STAGE_COLOUR] * len(stages)
        + [FUNNEL_OUTCOME_COLOURS[i % len(FUNNEL_OUTCOME_COLOURS)] for i in range(len(outcomes))],
    }
    bars = _chart(
        data,
        "bar",
        {
            "y": y,
            "x": _field("value:Q", title=None, axis={"format": ",d", "tickMinStep": 1}),
            "color": _field("label:N", scale=colours, legend=None),
            "description": _field("description:N"),
        },
        height={"band": 0.7},
    )
    # aria=False: the bar's description says it in words; Vega's own would read "value: 3".
    text = _chart(
        data, "text", {"y": y, "x": _field("at:Q"), "text": _field("text:N")},
        align="left", dx=4, fontSize=12, aria=False,
    )  # fmt: skip
    props: dict = {"width": width - 280, "height": 32 * len(data)}
    if bases:
        props["title"] = {
            "text": bases, "anchor": "start", "fontSize": 12, "fontWeight": "normal",
            "color": "#333333",
        }  # fmt: skip
    return _spec(_layer(bars, text), **props)
