"""Charts as a committee member sees them: Danish months, events and goals on the axis, gaps
that stay gaps, series told apart by more than colour, and exact values one hover away.

Chart builders are checked through their Vega-Lite spec; what the reader sees through the SVG
the server draws (render.chart_svg).
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
import vl_convert

from dashboard.web import charts, render
from dashboard.web.charts import PALETTE
from dashboard.web.series import UNCATEGORISED, months_between

T = pd.Timestamp
JAN, FEB, MAR, APR, MAY = (T(2025, m, 1) for m in range(1, 6))
MONTHS = months_between(JAN, MAY)
LABEL = {"da": "Screenede sager", "en": "Screened cases"}

EVENTS = pd.DataFrame(
    {
        "id": ["reopens", "deadline", "call_ins", "contracts", "later"],
        "event_date": pd.to_datetime(
            ["2024-12-01", "2025-01-14", "2025-01-31", "2025-04-01", "2025-06-01"]
        ),
        "date_text_da": [
            "primo december 2024",
            "14. januar 2025",
            "slutningen af januar 2025",
            "1. april 2025",
            "juni 2025",
        ],
        "date_text_en": [
            "early December 2024",
            "14 January 2025",
            "end of January 2025",
            "1 April 2025",
            "June 2025",
        ],
        "initiative": ["ungesporet", None, "top100", None, None],
        "title_da": [
            "Ungesporet genåbner",
            "Ansøgningsfrist",
            "Første indkaldelser i TOP100",
            "Nye kontrakter",
            "Sommerferie",
        ],
        "title_en": [
            "Ungesporet reopens",
            "Application deadline",
            "First call-ins in TOP100",
            "New contracts",
            "Summer break",
        ],
    }
)
INSIDE_EVENTS = {
    "da": [
        "14. januar 2025: Ansøgningsfrist",
        "slutningen af januar 2025: Første indkaldelser i TOP100",
        "1. april 2025: Nye kontrakter",
    ],
    "en": [
        "14 January 2025: Application deadline",
        "end of January 2025: First call-ins in TOP100",
        "1 April 2025: New contracts",
    ],
}
TARGETS = pd.DataFrame(
    {
        "measure": ["top100.screened"],
        "category": [""],
        "target_month": pd.to_datetime(["2025-12-01"]),
        "value": [150],
        "label_da": ["Mål: 150 screenede"],
        "label_en": ["Target: 150 screened"],
        "source": ["DEMO"],
    }
)


def level_data(values: list[float | None], lang: str = "da", **columns: object) -> pd.DataFrame:
    """One figure per month of MONTHS (None is a month without a figure), with descriptions."""
    months = MONTHS[: len(values)]
    return pd.DataFrame(
        {
            "month": months,
            "value": [float("nan") if v is None else float(v) for v in values],
            "description": [
                charts.describe(m, v, LABEL[lang], lang)
                for m, v in zip(months, values, strict=True)
            ],
            **columns,
        }
    )


SCREENED = [60, 68, 73, 78, 84]
THOUSANDS = [1234, 2000, None, 3100, 4200]


def layers(spec: dict, data: dict | None = None) -> list[dict]:
    """Every single-mark layer of a (possibly nested) layered spec, each with the data it draws."""
    out = []
    for layer in spec.get("layer", []):
        own = layer.get("data", data or spec.get("data"))
        out += layers(layer, own) if "layer" in layer else [{**layer, "data": own}]
    return out


def mark(layer: dict) -> str:
    return layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]


def rows(spec: dict, layer: dict) -> list[dict]:
    """The data a layer draws."""
    return spec["datasets"][layer["data"]["name"]]


def only(spec: dict, kind: str) -> dict:
    (found,) = [layer for layer in layers(spec) if mark(layer) == kind]
    return found


def svg_texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def svg_titles(svg: str) -> list[str]:
    return re.findall(r"<title>([^<]*)</title>", svg)


def stacked_data(lang: str = "da") -> tuple[pd.DataFrame, dict[str, str]]:
    parts = (
        {"1": "Category 1", "2": "Category 2", "3": "Category 3", UNCATEGORISED: "no category"}
        if lang == "en"
        else {
            "1": "Kategori 1",
            "2": "Kategori 2",
            "3": "Kategori 3",
            UNCATEGORISED: "uden kategori",
        }
    )
    data = pd.DataFrame(
        [
            (JAN, UNCATEGORISED, 68),
            (FEB, "1", 11),
            (FEB, "2", 46),
            (FEB, "3", 16),
            (MAR, "1", 10),
            (MAR, "2", 40),
            (MAR, "3", 15),
            (MAR, UNCATEGORISED, 3),
        ],
        columns=["month", "part", "value"],
    )
    data["description"] = [
        charts.describe(m, v, f"{LABEL[lang]}, {parts[p]}", lang)
        for m, p, v in zip(data["month"], data["part"], data["value"], strict=True)
    ]
    return data, parts


def funnel_data(lang: str = "da") -> pd.DataFrame:
    """Knæk Kurven, January 2025 (the real note), stages first, in funnel order."""
    data = pd.DataFrame(
        {
            "measure": ["discussed", "relevant", "offered", "accepted", "declined", "in_process"],
            "label": [
                "Familier drøftet på screeningsmøder",
                "Familier vurderet relevante",
                "Familier tilbudt indsatsen",
                "Familier der har sagt ja",
                "Familier der har sagt nej",
                "Familier i proces",
            ],
            "role": ["stage"] * 3 + ["outcome"] * 3,
            "value": [19, 8, 8, 3, 2, 3],
        }
    )
    # stages as shares of the discussed, outcomes of the offered (series.funnel_bases)
    data["share"] = data["value"] / [19, 19, 19, 8, 8, 8]
    data["description"] = [
        charts.describe(JAN, v, label, lang)
        for v, label in zip(data["value"], data["label"], strict=True)
    ]
    return data


def builders(lang: str) -> dict[str, object]:
    """Every builder of a chart with months on x, for the same January to May."""
    stacked, parts = stacked_data(lang)
    two = pd.concat(
        [
            level_data(SCREENED, lang, series="Drøftet"),
            level_data([19, 27, 35, 43, 51], lang, series="Relevante"),
        ]
    )
    return {
        "line": charts.time_chart(level_data(SCREENED, lang), months=MONTHS, value_title="Antal", lang=lang),
        "bars": charts.time_chart(level_data(SCREENED, lang), months=MONTHS, value_title="Antal", lang=lang, bars=True),
        "series": charts.time_chart(two, months=MONTHS, value_title="Antal", lang=lang, series="series"),
        "stacked": charts.stacked_chart(stacked, months=MONTHS, value_title="Antal", part_labels=parts, lang=lang),
    }  # fmt: skip


# --- the month axis ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "present", "absent"),
    [
        ("da", ["'jan.'", "'maj'", "'okt.'"], ["'Jan'", "'maj.'"]),
        ("en", ["'Jan'", "'May'", "'Oct'"], ["'jan.'", "'maj'"]),
    ],
)
def test_month_ticks_are_named_in_the_readers_language(
    lang: str, present: list[str], absent: list[str]
) -> None:
    expr = charts.month_axis_label_expr(lang)
    assert all(name in expr for name in present)
    assert not any(name in expr for name in absent)
    assert "year(datum.value)" in expr


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("kind", ["line", "bars", "series", "stacked"])
def test_every_time_chart_has_months_on_x_over_exactly_the_chosen_period(
    kind: str, lang: str
) -> None:
    spec = builders(lang)[kind].to_dict(validate=False)
    x = layers(spec)[0]["encoding"]["x"]
    assert (x["field"], x["type"]) == ("month", "temporal")
    assert x["axis"]["labelExpr"] == charts.month_axis_label_expr(lang)
    # Half a month of room either side of January to May: no bar is cut, nothing else shows.
    assert x["scale"]["domain"] == ["2024-12-16", "2025-05-17"]


@pytest.mark.parametrize(
    ("lang", "months", "thousands", "wrong"),
    [
        ("da", ["jan. 2025", "feb. 2025", "mar. 2025", "apr. 2025", "maj 2025"], ["1.000", "4.000"], "1,000"),
        ("en", ["Jan 2025", "Feb 2025", "Mar 2025", "Apr 2025", "May 2025"], ["1,000", "4,000"], "1.000"),
    ],
)  # fmt: skip
def test_the_drawn_axes_read_in_the_readers_language(
    lang: str, months: list[str], thousands: list[str], wrong: str
) -> None:
    chart = charts.time_chart(
        level_data(THOUSANDS, lang), months=MONTHS, value_title="Antal", lang=lang
    )
    texts = svg_texts(render.chart_svg(chart, lang=lang, title=LABEL[lang]))
    assert [t for t in texts if t.endswith("2025")] == months
    assert set(thousands) <= set(texts)
    assert wrong not in texts


# --- events and targets ------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("kind", ["line", "bars", "stacked"])
def test_events_inside_the_period_are_dashed_rules_with_their_date_and_title(
    kind: str, lang: str
) -> None:
    stacked, parts = stacked_data(lang)
    with_events = {
        "line": lambda: charts.time_chart(level_data(SCREENED, lang), months=MONTHS, value_title="Antal", lang=lang, events=EVENTS),
        "bars": lambda: charts.time_chart(level_data(SCREENED, lang), months=MONTHS, value_title="Antal", lang=lang, bars=True, events=EVENTS),
        "stacked": lambda: charts.stacked_chart(stacked, months=MONTHS, value_title="Antal", part_labels=parts, lang=lang, events=EVENTS),
    }[kind]()  # fmt: skip
    spec = with_events.to_dict(validate=False)
    rule = only(spec, "rule")
    assert rule["mark"]["strokeDash"]
    assert rule["encoding"]["x"] == {"field": "month", "type": "temporal"}
    assert [r["description"] for r in rows(spec, rule)] == INSIDE_EVENTS[lang]
    assert [r["month"][:10] for r in rows(spec, rule)] == ["2025-01-14", "2025-01-31", "2025-04-01"]


def event_numbers(spec: dict) -> list[dict]:
    """The layers of event numbers: text at a fixed height (a row above the plot)."""
    return [
        layer
        for layer in layers(spec)
        if mark(layer) == "text" and "field" not in layer["encoding"]["y"]
    ]


@pytest.mark.parametrize("kind", ["line", "bars", "stacked"])
def test_each_event_rule_is_numbered_at_its_top_in_date_order(kind: str) -> None:
    """Without a mouse (a tablet, paper) the number ties a dashed line to the list under the
    chart; events on the same day share a line and its label."""
    events = pd.concat([EVENTS, EVENTS.iloc[[3]].assign(id="same_day", title_da="Samme dag")])
    events = events.sample(frac=1, random_state=3)  # the order given does not matter
    stacked, parts = stacked_data()
    chart = {
        "line": lambda: charts.time_chart(level_data(SCREENED), months=MONTHS, value_title="Antal", events=events),
        "bars": lambda: charts.time_chart(level_data(SCREENED), months=MONTHS, value_title="Antal", bars=True, events=events),
        "stacked": lambda: charts.stacked_chart(stacked, months=MONTHS, value_title="Antal", part_labels=parts, events=events),
    }[kind]()  # fmt: skip
    spec = chart.to_dict(validate=False)
    (numbers,) = event_numbers(spec)
    assert numbers["encoding"]["x"] == {"field": "month", "type": "temporal"}
    assert numbers["encoding"]["y"] == {"value": 0}  # just above the plot
    assert numbers["mark"]["color"] == charts.EVENT_COLOUR
    drawn = [(r["month"][:10], r["label"]) for r in rows(spec, numbers)]
    assert drawn == [("2025-01-14", "1"), ("2025-01-31", "2"), ("2025-04-01", "3, 4")]
    numbered = charts.numbered_events(events, MONTHS)
    assert list(numbered["number"]) == [1, 2, 3, 4]
    assert list(numbered["title_da"]) == [
        "Ansøgningsfrist",
        "Første indkaldelser i TOP100",
        *sorted(["Nye kontrakter", "Samme dag"], key=list(events["title_da"]).index),
    ]
    texts = svg_texts(render.chart_svg(chart))
    assert [t for t in texts if t in ("1", "2", "3, 4")] == ["1", "2", "3, 4"]


def test_numbers_of_events_close_together_stack_instead_of_overlapping() -> None:
    days = [T(2025, 1, 14), T(2025, 1, 15), T(2025, 1, 16), T(2025, 3, 1), T(2025, 3, 3)]
    events = pd.DataFrame(
        {
            "event_date": days,
            "date_text_da": [f"{d:%d.%m.%Y}" for d in days],
            "title_da": [f"Begivenhed {i}" for i in range(1, 6)],
        }
    )
    spec = charts.time_chart(
        level_data(SCREENED), months=MONTHS, value_title="Antal", events=events
    ).to_dict(validate=False)
    by_row = {
        layer["encoding"]["y"]["value"]: [r["label"] for r in rows(spec, layer)]
        for layer in event_numbers(spec)
    }
    # A day or two apart is a few pixels: each next number goes a row up; a month apart fits.
    assert by_row == {0: ["1", "4"], -12: ["2", "5"], -24: ["3"]}
    svg = render.chart_svg(
        charts.time_chart(level_data(SCREENED), months=MONTHS, value_title="Antal", events=events)
    )
    assert sorted(t for t in svg_texts(svg) if t in "12345") == ["1", "2", "3", "4", "5"]


@pytest.mark.parametrize(
    "events",
    [
        pytest.param(None, id="none"),
        pytest.param(EVENTS.iloc[:0], id="empty"),
        pytest.param(EVENTS[EVENTS["id"].isin(["reopens", "later"])], id="all-outside"),
    ],
)
def test_without_events_in_the_period_there_is_no_rule(events: pd.DataFrame | None) -> None:
    chart = charts.time_chart(
        level_data(SCREENED), months=MONTHS, value_title="Antal", events=events
    )
    assert "rule" not in [mark(layer) for layer in layers(chart.to_dict(validate=False))]


def target_marks(spec: dict) -> list[dict]:
    """The rows of the target's diamond (the one filled diamond point layer)."""
    (layer,) = [
        layer
        for layer in layers(spec)
        if mark(layer) == "point" and layer["mark"].get("shape") == "diamond"
    ]
    return rows(spec, layer)


@pytest.mark.parametrize(
    ("lang", "label"),
    [("da", "Mål: 150 screenede (december 2025)"), ("en", "Target: 150 screened (December 2025)")],
)
def test_a_target_is_marked_at_its_month_and_value_labelled_with_its_month(
    lang: str, label: str
) -> None:
    months = months_between(JAN, T(2025, 12, 1))
    values = [*SCREENED, *SCREENED, 90, 95]
    data = pd.DataFrame(
        {
            "month": months,
            "value": [float(v) for v in values],
            "description": [
                charts.describe(m, v, LABEL[lang], lang)
                for m, v in zip(months, values, strict=True)
            ],
        }
    )
    chart = charts.time_chart(data, months=months, value_title="Antal", lang=lang, targets=TARGETS)
    spec = chart.to_dict(validate=False)
    (target,) = target_marks(spec)
    assert target["value"] == 150.0 and target["description"] == label
    assert pd.Timestamp(target["month"]) == T(2025, 12, 1)
    # never a line across the period
    assert not [layer for layer in layers(spec) if mark(layer) == "rule"]
    svg = render.chart_svg(chart, lang=lang)
    assert label in svg_texts(svg)
    assert label in [box.title for box in render.chart_image(chart, lang=lang).boxes]


@pytest.mark.parametrize(
    ("due", "text"),
    [
        (T(2025, 12, 1), "Mål: 150 screenede (december 2025) →"),
        (T(2024, 6, 1), "← Mål: 150 screenede (juni 2024)"),
        (MAR, "Mål: 150 screenede (marts 2025)"),
    ],
    ids=["after-the-period", "before-the-period", "inside"],
)
def test_a_target_outside_the_period_is_marked_at_its_edge_pointing_to_its_month(
    due: pd.Timestamp, text: str
) -> None:
    chart = charts.time_chart(
        level_data(SCREENED),
        months=MONTHS,
        value_title="Antal",
        targets=TARGETS.assign(target_month=[due]),
    )
    (target,) = target_marks(chart.to_dict(validate=False))
    assert pd.Timestamp(target["month"]) == min(max(due, MONTHS[0]), MONTHS[-1])
    assert target["text"] == text
    assert text in svg_texts(render.chart_svg(chart))


def target_spans(spec: dict) -> list[dict]:
    """The rows of the targets' goal lines (rule layers with an end month)."""
    return [
        row
        for layer in layers(spec)
        if mark(layer) == "rule" and "x2" in layer.get("encoding", {})
        for row in rows(spec, layer)
    ]


@pytest.mark.parametrize(
    ("start", "span"),
    [
        (T(2025, 2, 1), (T(2025, 2, 1), MONTHS[-1])),
        (T(2024, 6, 1), (MONTHS[0], MONTHS[-1])),  # cut to the period
        (None, None),  # no start month: a mark at its deadline only
        (T(2026, 1, 1), None),  # a start after the deadline draws nothing
    ],
    ids=["from-inside", "from-before-the-period", "no-from", "from-after-deadline"],
)
def test_a_target_with_a_start_month_is_a_goal_line_from_it_to_its_deadline(
    start: pd.Timestamp | None, span: tuple[pd.Timestamp, pd.Timestamp] | None
) -> None:
    chart = charts.time_chart(
        level_data(SCREENED),
        months=MONTHS,
        value_title="Antal",
        targets=TARGETS.assign(from_month=[start]),
    )
    spec = chart.to_dict(validate=False)
    spans = target_spans(spec)
    if span is None:
        assert spans == []
    else:
        (line,) = spans
        assert (pd.Timestamp(line["month"]), pd.Timestamp(line["month2"])) == span
        assert line["value"] == 150.0 and line["description"].startswith("Mål: 150")
    assert len(target_marks(spec)) == 1  # the deadline keeps its mark


@pytest.mark.parametrize("targets", [None, TARGETS.iloc[:0]], ids=["none", "empty"])
def test_without_a_target_there_is_no_goal_line(targets: pd.DataFrame | None) -> None:
    chart = charts.time_chart(
        level_data(SCREENED), months=MONTHS, value_title="Antal", targets=targets
    )
    assert [mark(layer) for layer in layers(chart.to_dict(validate=False))] == ["line", "point"]


# --- gaps --------------------------------------------------------------------------------------


def test_a_month_without_a_figure_breaks_the_line_and_is_never_drawn_as_zero() -> None:
    data = level_data([60, 68, None, 78, 84])
    chart = charts.time_chart(data, months=MONTHS, value_title="Antal")
    spec = chart.to_dict(validate=False)
    line = only(spec, "line")
    assert line["encoding"]["detail"]["field"] == "segment"
    drawn = rows(spec, line)
    assert [r["month"][:7] for r in drawn] == ["2025-01", "2025-02", "2025-04", "2025-05"]
    assert 0 not in [r["value"] for r in drawn]
    before, after = {r["segment"] for r in drawn[:2]}, {r["segment"] for r in drawn[2:]}
    assert len(before) == len(after) == 1
    assert before != after


def test_each_series_breaks_only_at_its_own_gaps() -> None:
    data = pd.concat(
        [
            level_data([19, None, 35, 43, 51], series="Drøftet"),
            level_data([8, 11, 14, 17, 20], series="Relevante"),
        ]
    )
    spec = charts.time_chart(data, months=MONTHS, value_title="Antal", series="series").to_dict(
        validate=False
    )
    drawn = rows(spec, only(spec, "line"))
    segments = {
        s: [r["segment"] for r in drawn if r["series"] == s] for s in ("Drøftet", "Relevante")
    }
    assert len(segments["Drøftet"]) == 4 and len(set(segments["Drøftet"])) == 2
    assert len(segments["Relevante"]) == 5 and len(set(segments["Relevante"])) == 1
    assert not set(segments["Drøftet"]) & set(segments["Relevante"])


def test_a_month_without_a_figure_has_no_bar_and_no_zero_label() -> None:
    chart = charts.time_chart(
        level_data([60, 68, None, 78, 84]), months=MONTHS, value_title="Antal", bars=True
    )
    spec = chart.to_dict(validate=False)
    bars, labels = rows(spec, only(spec, "bar")), rows(spec, only(spec, "text"))
    assert [r["month"][:7] for r in bars] == ["2025-01", "2025-02", "2025-04", "2025-05"]
    assert [r["label"] for r in labels] == ["60", "68", "78", "84"]


# --- bars, percentages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "percent", "values", "labels"),
    [
        pytest.param("da", False, [1234, 2000, 68], ["1.234", "2.000", "68"], id="danish"),
        pytest.param("en", False, [1234, 2000, 68], ["1,234", "2,000", "68"], id="english"),
        pytest.param(
            "da",
            True,
            [8 / 19, 0.5, 1.0],
            ["42\u00a0%", "50\u00a0%", "100\u00a0%"],
            id="danish-share",
        ),
        pytest.param("en", True, [8 / 19, 0.5, 1.0], ["42%", "50%", "100%"], id="english-share"),
    ],
)
def test_each_bar_is_labelled_with_its_value_formatted_for_the_reader(
    lang: str, percent: bool, values: list[float], labels: list[str]
) -> None:
    chart = charts.time_chart(
        level_data(values, lang),
        months=MONTHS,
        value_title="Antal",
        lang=lang,
        bars=True,
        percent=percent,
    )
    spec = chart.to_dict(validate=False)
    assert only(spec, "bar")["encoding"]["y"]["field"] == "value"
    assert [r["label"] for r in rows(spec, only(spec, "text"))] == labels
    assert set(labels) <= set(svg_texts(render.chart_svg(chart, lang=lang)))


@pytest.mark.parametrize(("percent", "axis_format"), [(False, ",d"), (True, ".0%")])
def test_shares_get_a_percent_axis_and_counts_a_whole_number_axis(
    percent: bool, axis_format: str
) -> None:
    chart = charts.time_chart(
        level_data([8 / 19, 0.5, 0.6] if percent else SCREENED),
        months=MONTHS,
        value_title="Andel",
        percent=percent,
    )
    spec = chart.to_dict(validate=False)
    assert only(spec, "line")["encoding"]["y"]["axis"]["format"] == axis_format
    ticks = [t for t in svg_texts(render.chart_svg(chart)) if t[:1].isdigit()]
    assert ticks
    assert [t.endswith("%") for t in ticks] == [percent] * len(ticks)


# --- several series ----------------------------------------------------------------------------

STAGES = ["Drøftet", "Relevante", "Tilbudt"]


def three_series() -> pd.DataFrame:
    return pd.concat(
        [
            level_data([19, 27, 35], series=STAGES[0]),
            level_data([8, 11, 14], series=STAGES[1]),
            level_data([8, 10, 13], series=STAGES[2]),
        ]
    )


def test_series_differ_by_colour_and_by_dash_and_shape() -> None:
    spec = charts.time_chart(
        three_series(), months=MONTHS[:3], value_title="Antal", series="series"
    ).to_dict(validate=False)
    line, point = only(spec, "line")["encoding"], only(spec, "point")["encoding"]
    for encoding, second in ((line, "strokeDash"), (point, "shape")):
        assert encoding["color"]["field"] == "series"
        # Okabe-Ito's blue, orange and bluish green, in the order the series first appear.
        assert encoding["color"]["scale"] == {
            "domain": STAGES,
            "range": ["#0072B2", "#E69F00", "#009E73"],
        }
        assert encoding[second]["field"] == "series"
        assert encoding[second]["scale"]["domain"] == STAGES
        assert len({str(r) for r in encoding[second]["scale"]["range"]}) == 3


def test_several_series_are_lines_even_when_bars_are_asked_for() -> None:
    """Bars of several series would hide each other; lines differ by colour, dash and shape."""
    chart = charts.time_chart(
        three_series(), months=MONTHS[:3], value_title="Antal", series="series", bars=True
    )
    layers = chart.to_dict(validate=False)["layer"]
    assert "bar" not in [layer["mark"]["type"] for layer in layers]
    line = next(layer for layer in layers if layer["mark"]["type"] == "line")
    assert line["encoding"]["strokeDash"]["field"] == "series"
    assert "stroke-dasharray" in render.chart_svg(chart)


# --- stacked bars ------------------------------------------------------------------------------


def test_stacked_parts_keep_the_given_order_and_the_remainder_is_grey() -> None:
    data, parts = stacked_data()
    spec = charts.stacked_chart(
        data, months=MONTHS[:3], value_title="Antal", part_labels=parts
    ).to_dict(validate=False)
    bar = only(spec, "bar")
    colour = bar["encoding"]["color"]["scale"]
    assert colour["domain"] == ["Kategori 1", "Kategori 2", "Kategori 3", "uden kategori"]
    assert colour["range"] == [*PALETTE[:3], "#999999"]
    assert bar["encoding"]["order"]["field"] == "part_order"
    order = {r["part_label"]: r["part_order"] for r in rows(spec, bar)}
    assert order == {"Kategori 1": 0, "Kategori 2": 1, "Kategori 3": 2, "uden kategori": 3}


def test_the_remainder_is_grey_wherever_it_is_listed() -> None:
    data, _ = stacked_data()
    parts = {
        UNCATEGORISED: "uden kategori",
        "2": "Kategori 2",
        "1": "Kategori 1",
        "3": "Kategori 3",
    }
    spec = charts.stacked_chart(
        data, months=MONTHS[:3], value_title="Antal", part_labels=parts
    ).to_dict(validate=False)
    colour = only(spec, "bar")["encoding"]["color"]["scale"]
    assert colour["domain"] == ["uden kategori", "Kategori 2", "Kategori 1", "Kategori 3"]
    assert colour["range"][0] == "#999999"
    assert "#999999" not in colour["range"][1:]


def test_hovering_a_stacked_part_gives_month_value_and_category() -> None:
    data, parts = stacked_data()
    chart = charts.stacked_chart(data, months=MONTHS[:3], value_title="Antal", part_labels=parts)
    titles = svg_titles(render.chart_svg(chart, title="Screenede sager"))
    assert "januar 2025: 68 – Screenede sager, uden kategori" in titles
    assert "marts 2025: 3 – Screenede sager, uden kategori" in titles
    assert "februar 2025: 46 – Screenede sager, Kategori 2" in titles


# --- the funnel --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "labels"),
    [
        (
            "da",
            [
                "19 (100\u00a0%)",
                "8 (42\u00a0%)",
                "8 (42\u00a0%)",
                "3 (38\u00a0%)",
                "2 (25\u00a0%)",
                "3 (38\u00a0%)",
            ],
        ),
        ("en", ["19 (100%)", "8 (42%)", "8 (42%)", "3 (38%)", "2 (25%)", "3 (38%)"]),
    ],
)
def test_each_funnel_bar_is_labelled_with_its_value_and_share(lang: str, labels: list[str]) -> None:
    chart = charts.funnel_chart(funnel_data(lang), lang=lang)
    spec = chart.to_dict(validate=False)
    assert [r["text"] for r in rows(spec, only(spec, "text"))] == labels
    assert labels[1] in svg_texts(render.chart_svg(chart, lang=lang))


def test_a_funnel_stage_without_a_figure_is_left_out() -> None:
    data = funnel_data()
    data.loc[2, "value"] = None
    data.loc[3, "share"] = None
    spec = charts.funnel_chart(data).to_dict(validate=False)
    drawn = rows(spec, only(spec, "text"))
    assert "Familier tilbudt indsatsen" not in [r["label"] for r in drawn]
    assert [r["text"] for r in drawn] == [
        "19 (100\u00a0%)",
        "8 (42\u00a0%)",
        "3",
        "2 (25\u00a0%)",
        "3 (38\u00a0%)",
    ]


def _is_greenish(colour: str) -> bool:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return green > red + 30 and green > blue + 10


def test_funnel_stages_share_one_colour_and_no_outcome_is_green() -> None:
    data = funnel_data()
    spec = charts.funnel_chart(data).to_dict(validate=False)
    colour = only(spec, "bar")["encoding"]["color"]
    assert colour["field"] == "label"
    of = dict(zip(colour["scale"]["domain"], colour["scale"]["range"], strict=True))
    stages = {of[label] for label in data.loc[data["role"] == "stage", "label"]}
    outcomes = [of[label] for label in data.loc[data["role"] == "outcome", "label"]]
    assert stages == {charts.FUNNEL_STAGE_COLOUR}
    assert len(set(outcomes)) == len(outcomes)  # yes, no and in process tell apart
    assert charts.FUNNEL_STAGE_COLOUR not in outcomes
    # "nej" must not look like the good answer: no outcome is green (Okabe-Ito's is PALETTE[2])
    assert PALETTE[2] not in outcomes
    assert not any(_is_greenish(c) for c in outcomes)
    assert set(outcomes) <= {*PALETTE, charts.UNCATEGORISED_COLOUR, *charts.FUNNEL_OUTCOME_COLOURS}


def test_the_funnel_chart_names_the_bases_of_its_shares_above_the_bars() -> None:
    bases = ["Trin: andel af familier drøftet", "heraf: andel af familier tilbudt"]
    chart = charts.funnel_chart(funnel_data(), bases=bases)
    assert chart.to_dict(validate=False)["title"]["text"] == bases
    drawn = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", render.chart_svg(chart))
    assert drawn == bases


def test_the_funnel_is_drawn_top_down_in_the_order_of_its_stages() -> None:
    data = funnel_data()
    svg = render.chart_svg(charts.funnel_chart(data))
    ticks = re.findall(r'translate\(-7,([\d.]+)\)"[^>]*>([^<]*)</text>', svg)
    top_down = [label for _, label in sorted(ticks, key=lambda tick: float(tick[0]))]
    assert top_down == data["label"].tolist()


# --- the drawn SVG -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "aria"),
    [
        ("Screenede sager", "Screenede sager"),
        ('Familier "drøftet" & relevante', "Familier &quot;drøftet&quot; &amp; relevante"),
        (r"Sager \ kategori \k \1 \g<0>", r"Sager \ kategori \k \1 \g&lt;0&gt;"),
    ],
)
def test_the_chart_is_an_inline_svg_image_named_for_screen_readers(title: str, aria: str) -> None:
    chart = charts.time_chart(level_data(SCREENED), months=MONTHS, value_title="Antal")
    svg = render.chart_svg(chart, title=title)
    assert svg.startswith("<svg")
    root = svg[: svg.index(">")]
    assert 'role="img"' in root
    assert f'aria-label="{aria}"' in root
    assert "max-width:100%" in root
    assert svg.rstrip().endswith("</svg>")


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("kind", ["line", "bars", "series", "stacked"])
def test_hovering_a_mark_gives_its_month_exact_value_and_what_it_is(kind: str, lang: str) -> None:
    expected = {
        "da": "januar 2025: 60 – Screenede sager",
        "en": "January 2025: 60 – Screened cases",
    }[lang]
    if kind == "stacked":
        expected = {
            "da": "januar 2025: 68 – Screenede sager, uden kategori",
            "en": "January 2025: 68 – Screened cases, no category",
        }[lang]
    svg = render.chart_svg(builders(lang)[kind], lang=lang, title=LABEL[lang])
    assert expected in svg_titles(svg)


@pytest.mark.parametrize(
    ("lang", "title"),
    [
        ("da", "januar 2025: 1.234 – Screenede sager"),
        ("en", "January 2025: 1,234 – Screened cases"),
    ],
)
def test_hover_titles_give_thousands_the_readers_separator(lang: str, title: str) -> None:
    chart = charts.time_chart(
        level_data(THOUSANDS, lang), months=MONTHS, value_title="Antal", lang=lang, bars=True
    )
    assert title in svg_titles(render.chart_svg(chart, lang=lang))


def test_an_event_title_shows_on_hover_in_the_svg() -> None:
    chart = charts.time_chart(
        level_data(SCREENED), months=MONTHS, value_title="Antal", events=EVENTS
    )
    titles = svg_titles(render.chart_svg(chart))
    assert set(INSIDE_EVENTS["da"]) <= set(titles)
    assert not any("Sommerferie" in t or "genåbner" in t for t in titles)


@pytest.mark.parametrize(
    ("month", "value", "label", "lang", "extra", "text"),
    [
        pytest.param(JAN, 68, "Screenede sager", "da", "", "januar 2025: 68 – Screenede sager", id="january-68"),
        pytest.param(MAY, 1234, "Besøg", "da", "", "maj 2025: 1.234 – Besøg", id="danish-thousands"),
        pytest.param(MAY, 1234, "Visits", "en", "", "May 2025: 1,234 – Visits", id="english-thousands"),
        pytest.param(JAN, 68.0, "Screenede sager", "da", "Ikke fordelt", "januar 2025: 68 – Screenede sager. Ikke fordelt", id="extra"),
        pytest.param(MAR, float("nan"), "Besøg", "da", "", "marts 2025: – – Besøg", id="no-figure"),
    ],
)  # fmt: skip
def test_a_marks_description_reads_month_exact_value_and_label(
    month: pd.Timestamp, value: float, label: str, lang: str, extra: str, text: str
) -> None:
    assert charts.describe(month, value, label, lang, extra) == text


def test_a_small_count_axis_has_whole_numbers_only() -> None:
    """Screening meetings are 0-2 a month: the axis must not show 1,5 rounded to "2"."""
    data = level_data([1, 2, 2, 1, 0])
    svg = render.chart_svg(charts.time_chart(data, months=MONTHS, value_title="Antal", bars=True))
    spec = charts.time_chart(data, months=MONTHS, value_title="Antal", bars=True).to_dict(
        validate=False
    )
    assert layers(spec)[0]["encoding"]["y"]["axis"]["values"] == [0, 1, 2]
    assert "1,5" not in svg and "1.5" not in svg


# --- hover boxes never hide a data mark ----------------------------------------------------------

# Events on the very months that have bars and points (a rule through each mark's middle), and
# one between two months.
EVENTS_ON_MARKS = pd.DataFrame(
    {
        "event_date": [JAN, T(2025, 2, 14), MAR, MAY],
        "date_text_da": ["januar 2025", "14. februar 2025", "marts 2025", "maj 2025"],
        "date_text_en": ["January 2025", "14 February 2025", "March 2025", "May 2025"],
        "initiative": [None] * 4,
        "title_da": ["Ungesporet åbner", "Frist", "Nye kontrakter", "Ny leder"],
        "title_en": ["Ungesporet opens", "Deadline", "New contracts", "New head"],
    }
)


def scenegraph(chart, locale: str = "da-DK") -> dict:
    """The chart's Vega scenegraph from vl-convert: every mark's position and description, a
    reading of the drawing independent of the SVG render.py reads its hover boxes from."""
    spec = json.loads(render._spec_json(chart))
    return vl_convert.vegalite_to_scenegraph(spec, format_locale=locale, time_format_locale=locale)


def scenegraph_boxes(scene: dict) -> tuple[list, list]:
    """(rule boxes, data boxes) as render lays them (see render._hover_layers), read from the
    scenegraph instead of the SVG: a group item offsets the marks inside it."""
    rules, data = [], []

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
                x, w = (x + w / 2 - 2, 4) if w < render.MIN_BOX else (x, w)
                y, h = (y + h / 2 - 2, 4) if h < render.MIN_BOX else (y, h)
                data.append((x, y, w, h, text))
            elif kind == "rule" and "y2" in item:
                rules.append((x - 3, 0, 18, max(min(y, dy + item["y2"]), 4), text))
            elif kind == "rule":
                rules.append((x, y - 3, 24, 6, text))
            else:
                data.append((x - 6, y - 6, 12, 12, text))

    walk(scene["scenegraph"], *scene.get("origin", [0, 0]))
    return rules, render._merge_overlapping(data)


HOSTILE_LABEL = "Tal & \"mål\" <b>1</b>\nanden linje\t'citat'"


@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_hover_boxes_read_from_the_drawing_are_those_of_its_scenegraph(lang: str) -> None:
    """render draws a chart once and reads its hover boxes from the SVG: they are the boxes the
    scenegraph (a second drawing) gives, for every kind of chart, and the image is its size."""
    hostile = level_data(SCREENED, lang).assign(
        description=[charts.describe(m, v, HOSTILE_LABEL, lang) for m, v in zip(MONTHS, SCREENED, strict=True)]
    )  # fmt: skip
    every = [
        *builders(lang).values(),
        *on_marks_builders().values(),
        charts.funnel_chart(funnel_data(), lang=lang),
        charts.time_chart(hostile, months=MONTHS, value_title="Antal", bars=True, lang=lang),
    ]
    for chart in every:
        locale = render._LOCALES[lang]
        scene = scenegraph(chart, locale)
        rules, data = scenegraph_boxes(scene)
        assert rules or data
        svg, width, height, got_rules, got_data = render._picture(render._spec_json(chart), locale)
        assert (width, height) == (scene["width"], scene["height"])
        assert [b[4] for b in got_rules] == [b[4] for b in rules]
        assert [b[4] for b in got_data] == [b[4] for b in data]
        for got, want in zip(got_rules + got_data, rules + data, strict=True):
            assert got[:4] == pytest.approx(want[:4], abs=1e-6)
    assert any(HOSTILE_LABEL in b.title for b in render.chart_image(every[-1], lang=lang).boxes)


def data_marks(scene: dict) -> list[tuple[float, float, str]]:
    """The centre in pixels of the whole chart and the description of every bar and point, read
    from the drawing's scenegraph on their own (not through render's boxes)."""
    marks = []

    def walk(mark: dict, dx: float, dy: float) -> None:
        for item in mark.get("items", []):
            x, y = dx + item.get("x", 0), dy + item.get("y", 0)
            if mark["marktype"] == "group":
                for inner in item.get("items", []):
                    walk(inner, x, y)
            elif item.get("description") and mark["marktype"] == "rect":
                marks.append((x + item["width"] / 2, y + item["height"] / 2, item["description"]))
            elif item.get("description") and mark["marktype"] == "symbol":
                marks.append((x, y, item["description"]))

    walk(scene["scenegraph"], *scene.get("origin", [0, 0]))
    return marks


def topmost_title(image: render.ChartImage, x: float, y: float, width: float, height: float):
    """What hovering at pixel (x, y) shows, as a browser decides it: the last box in the page's
    order that contains the point."""
    hit = None
    for box in image.boxes:
        left, top = float(box.left) * width / 100, float(box.top) * height / 100
        right = left + float(box.width) * width / 100
        bottom = top + float(box.height) * height / 100
        if left - 0.01 <= x <= right + 0.01 and top - 0.01 <= y <= bottom + 0.01:
            hit = box
    return hit


def on_marks_builders() -> dict[str, object]:
    stacked, parts = stacked_data()
    same = pd.concat(  # two series with the same value in March: drawn on top of each other
        [
            level_data(SCREENED, series="Drøftet"),
            level_data([19, 27, 73, 43, 51], series="Relevante"),
            level_data([18, 28, 35, 44, 50], series="Tilbudt"),
        ]
    )
    same["description"] = [
        charts.describe(m, v, s, "da")
        for m, v, s in zip(same["month"], same["value"], same["series"], strict=True)
    ]
    target = pd.DataFrame(
        {"value": [60], "label_da": ["Mål"], "label_en": ["Goal"], "target_month": [MAY]}
    )
    return {
        "line": charts.time_chart(level_data(SCREENED), months=MONTHS, value_title="Antal", events=EVENTS_ON_MARKS, targets=target),
        "bars": charts.time_chart(level_data([60, 0, 73, 1, 84]), months=MONTHS, value_title="Antal", bars=True, events=EVENTS_ON_MARKS),
        "series": charts.time_chart(same, months=MONTHS, value_title="Antal", series="series", events=EVENTS_ON_MARKS),
        "stacked": charts.stacked_chart(stacked, months=MONTHS, value_title="Antal", part_labels=parts, events=EVENTS_ON_MARKS),
    }  # fmt: skip


@pytest.mark.parametrize("kind", ["line", "bars", "series", "stacked"])
def test_hovering_the_middle_of_every_bar_and_point_gives_its_value_not_an_event(
    kind: str,
) -> None:
    chart = on_marks_builders()[kind]
    scene = scenegraph(chart)
    width, height = float(scene["width"]), float(scene["height"])
    image = render.chart_image(chart, title="Antal")
    marks = data_marks(scene)
    assert len(marks) >= 5
    for x, y, description in marks:
        hit = topmost_title(image, x, y, width, height)
        assert hit is not None and not hit.event, description
        assert description in hit.title.split("\n")
    # The dashed rules are drawn first, behind the bars and lines.
    assert mark(layers(chart.to_dict(validate=False))[0]) == "rule"
    # The events are still one hover away: above the plot, where their numbers are.
    events = [box.title for box in image.boxes if box.event]
    assert {"januar 2025: Ungesporet åbner", "marts 2025: Nye kontrakter"} <= set(events)


def test_two_marks_drawn_on_top_of_each_other_share_one_box_with_both_values() -> None:
    image = render.chart_image(on_marks_builders()["series"])
    (march,) = [b for b in image.boxes if b.title.startswith("marts 2025: 73")]
    assert march.title.split("\n") == [
        "marts 2025: 73 – Drøftet",
        "marts 2025: 73 – Relevante",
    ]


# --- labels are words, never field names -------------------------------------------------------

FIELD_NAMES = re.compile(r"\b(?:value|label|month|text|description|part|series|share|row)\s*:")


@pytest.mark.parametrize("kind", ["line", "bars", "series", "stacked", "funnel"])
def test_every_label_a_screen_reader_or_hover_gives_is_in_words_not_field_names(kind: str) -> None:
    """Vega writes "value: 94; label: …" for a mark without a description: every mark has one
    in words, or is left out for screen readers as decoration (its value is on its bar)."""
    chart = (on_marks_builders() | {"funnel": charts.funnel_chart(funnel_data())})[kind]
    svg = render.chart_svg(chart)
    labels = re.findall(r'aria-label="([^"]*)"', svg) + svg_titles(svg)
    assert labels
    assert [label for label in labels if FIELD_NAMES.search(label)] == []
    hover = [box.title for box in render.chart_image(chart).boxes]
    assert hover
    assert [title for title in hover if FIELD_NAMES.search(title)] == []


# --- the value axis ----------------------------------------------------------------------------


def value_ticks(chart) -> list[tuple[float, str]]:
    """The value axis's tick labels as drawn, (height above the plot's bottom in pixels, text),
    bottom to top: the texts left of the plot, but for the axis title."""
    scene = scenegraph(chart)
    found = []

    def walk(mark: dict, dx: float, dy: float) -> None:
        for item in mark.get("items", []):
            x, y = dx + item.get("x", 0), dy + item.get("y", 0)
            if mark["marktype"] == "group":
                for inner in item.get("items", []):
                    walk(inner, x, y)
            elif mark["marktype"] == "text" and item.get("x", 0) < 0 and not item.get("angle"):
                found.append((round(charts.HEIGHT - y, 1), item["text"]))

    walk(scene["scenegraph"], 0, 0)
    return sorted(t for t in found if t[1] not in ("Antal", "Andel"))


def drawn_top(chart) -> float:
    """The height of the highest bar's top or point above the plot's bottom, in pixels."""
    scene = scenegraph(chart)
    tops = []

    def walk(mark: dict, dy: float) -> None:
        for item in mark.get("items", []):
            y = dy + item.get("y", 0)
            if mark["marktype"] == "group":
                for inner in item.get("items", []):
                    walk(inner, y)
            elif mark["marktype"] in ("rect", "symbol") and item.get("description"):
                tops.append(charts.HEIGHT - y)

    walk(scene["scenegraph"], 0)
    return max(tops)


@pytest.mark.parametrize("top", [7, 9.5, 13, 47, 84, 123, 999, 1234, 55_555])
@pytest.mark.parametrize("kind", ["bars", "line", "stacked"])
def test_the_value_axis_ends_at_its_last_tick_so_no_bar_runs_past_it(kind: str, top: float) -> None:
    values = [top * f for f in (0.3, 0.55, 1.0, 0.8, 0.1)]
    if kind == "stacked":
        data = pd.DataFrame(
            {
                "month": MONTHS * 2,
                "part": ["1"] * 5 + ["2"] * 5,
                "value": values + [v / 3 for v in values],
            }
        ).assign(description="x")
        chart = charts.stacked_chart(
            data, months=MONTHS, value_title="Antal", part_labels={"1": "a", "2": "b"}
        )
    else:
        chart = charts.time_chart(
            level_data(values), months=MONTHS, value_title="Antal", bars=kind == "bars"
        )
    ticks = value_ticks(chart)
    assert ticks[0][0] == pytest.approx(0, abs=1)
    # the plot's top is the last tick, and the highest bar's top or point is below it
    assert ticks[-1][0] == pytest.approx(charts.HEIGHT, abs=1)
    assert drawn_top(chart) <= ticks[-1][0] + 0.5


@pytest.mark.parametrize(
    ("lang", "labels"),
    [
        ("da", ["0\u00a0%", "20\u00a0%", "40\u00a0%", "60\u00a0%", "80\u00a0%", "100\u00a0%"]),
        ("en", ["0%", "20%", "40%", "60%", "80%", "100%"]),
    ],
)
def test_a_share_axis_reads_like_the_text_and_ends_at_100_percent(
    lang: str, labels: list[str]
) -> None:
    chart = charts.time_chart(
        level_data([8 / 19, 0.5, 0.6, None, 0.3]),
        months=MONTHS,
        value_title="Andel",
        lang=lang,
        percent=True,
    )
    ticks = value_ticks(chart)
    assert [text for _, text in ticks] == labels
    assert ticks[-1][0] == pytest.approx(charts.HEIGHT, abs=1)  # 100 % is the plot's top


def test_a_share_above_100_percent_gets_an_axis_that_shows_it_goes_beyond() -> None:
    chart = charts.time_chart(
        level_data([0.5, 1.3, 0.9]), months=MONTHS[:3], value_title="Andel", percent=True
    )
    ticks = value_ticks(chart)
    assert "100\u00a0%" in [text for _, text in ticks]
    assert ticks[-1][1] == "140\u00a0%" and ticks[-1][0] == pytest.approx(charts.HEIGHT, abs=1)


@pytest.mark.parametrize("control", ["\x00", "\x1b[31m", "\x07", "\x7f"])
def test_a_control_character_in_a_label_is_drawn_as_a_replacement_not_a_crash(
    control: str,
) -> None:
    # vl-convert aborts the whole process on a NUL or an escape in any text of a chart.
    label = f"Screenede{control}sager"
    data = level_data(SCREENED).assign(
        description=[
            charts.describe(m, v, label, "da") for m, v in zip(MONTHS, SCREENED, strict=True)
        ]
    )
    chart = charts.time_chart(data, months=MONTHS, value_title=label)
    texts = svg_texts(render.chart_svg(chart))
    assert "Screenede\ufffdsager" in texts or any("\ufffd" in t for t in texts)
    assert not any(c in "".join(texts) for c in "\x00\x1b\x07\x7f")
    boxes = render.chart_image(chart).boxes
    assert boxes and all("\x00" not in b.title and "\x1b" not in b.title for b in boxes)


# --- the spec as data ------------------------------------------------------------------------


def every_kind_of_chart(lang: str) -> list[charts.Spec]:
    protected = level_data(SCREENED, lang).assign(protected=[False, True, False, False, True])
    stacked, parts = stacked_data(lang)
    return [
        *builders(lang).values(),
        *on_marks_builders().values(),
        charts.funnel_chart(funnel_data(lang), lang=lang, bases=["Trin: andel af familier"]),
        charts.time_chart(protected, months=MONTHS, value_title="Antal", lang=lang),
        charts.stacked_chart(
            stacked.assign(protected=[False, True] + [False] * (len(stacked) - 2)),
            months=MONTHS, value_title="Antal", part_labels=parts, lang=lang, events=EVENTS,
        ),
    ]  # fmt: skip


@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_chart_is_valid_vega_lite(lang: str) -> None:
    """The charts are built as plain Vega-Lite data, not through Altair's objects: Altair's
    schema still accepts every one, and render draws every one."""
    import altair as alt

    for chart in every_kind_of_chart(lang):
        spec = chart.to_dict(validate=False)
        assert spec["$schema"] == alt.SCHEMA_URL  # the Vega-Lite version Altair writes
        alt.LayerChart.from_dict(json.loads(json.dumps(spec)), validate=True)
        assert render.chart_image(chart, lang=lang).boxes


def test_a_charts_rows_are_written_as_altair_writes_them() -> None:
    """Dates as full ISO text (Vega reads them as local time), missing numbers and texts as
    null, never NaN: the rows of a dataset are what Altair's own conversion gives."""
    from altair.utils.core import sanitize_pandas_dataframe

    frame = pd.DataFrame(
        {
            "month": [JAN, FEB, pd.NaT],
            "value": [1.5, float("nan"), float("inf")],
            "count": [1, 2, 3],
            "flag": [True, False, True],
            "text": pd.array(["a", None, "c"], dtype="string"),
            "maybe": pd.array([1, None, 3], dtype="Int64"),
            "part": pd.Categorical(["x", None, "x"]),
            "things": ["en", None, 3],
        }
    )
    want = sanitize_pandas_dataframe(frame).to_dict(orient="records")
    got = charts._values(frame)
    assert json.dumps(got, sort_keys=True, default=str) == json.dumps(
        want, sort_keys=True, default=str
    )
    assert got[1]["value"] is None and got[2]["value"] is None and got[1]["text"] is None
    assert got[0]["month"] == "2025-01-01T00:00:00"
