"""Page bodies as the reader gets them: tables that read right in Danish and to a screen
reader, links and forms that keep the reader's choices, and charts whose exact values show on
hover over the very mark they describe.

Views are pure functions from figures to HTML, so they are checked as strings here; how the
page looks in a browser is tests/test_browser.py's job.
"""

from __future__ import annotations

import base64
import html
import json
import re
from html.parser import HTMLParser

import pandas as pd
import pytest
import real_january

from dashboard.catalog import Catalog, Initiative, Measure, load_catalog
from dashboard.web import charts, render, views
from dashboard.web.series import months_between
from dashboard.web.settings import Settings, parse_settings

T = pd.Timestamp
JAN, FEB, MAR, APR = (T(2025, m, 1) for m in range(1, 5))
MONTHS = months_between(JAN, APR)
PAGES = [("", "Overblik"), ("top100", "TOP100"), ("sammenlign", "Sammenlign perioder")]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(markup: str, name: str) -> list[dict[str, str | None]]:
    """The attributes (unescaped, as a browser reads them) of every <name> element."""
    parser = _Tags()
    parser.feed(markup)
    return [attrs for tag, attrs in parser.tags if tag == name]


def table_rows(markup: str) -> list[list[str]]:
    """Each row's cells as the reader sees them (entities decoded)."""
    return [
        [html.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", markup)
    ]


def image_svg(markup: str) -> str:
    """The SVG inside the first <img> data URI."""
    src = tags(markup, "img")[0]["src"]
    prefix = "data:image/svg+xml;base64,"
    assert src.startswith(prefix)
    return base64.b64decode(src[len(prefix) :]).decode("utf-8")


# --- tables --------------------------------------------------------------------------------------


def test_a_table_shows_awkward_labels_as_written_and_never_as_markup() -> None:
    label = "Unge < 18 & <b>anbragt</b>"
    markup = views.table(["Måling", "Antal"], [[label, "1.234"]], numeric={1})
    assert "<b>" not in markup
    assert "Unge &lt; 18 &amp; &lt;b&gt;anbragt&lt;/b&gt;" in markup
    assert table_rows(markup) == [["Måling", "Antal"], [label, "1.234"]]


def test_a_table_right_aligns_its_number_columns_and_names_its_rows_for_screen_readers() -> None:
    markup = views.table(
        ["Måling", "Kategori", "Antal", "Ændring"],
        [["Screenede", "Kategori 1", "68", "+5"], ["Drøftede", "Kategori 2", "19", "−3"]],
        numeric={2, 3},
    )
    headers = tags(markup, "th")
    assert [h.get("scope") for h in headers] == ["col"] * 4 + ["row", "row"]
    assert [h.get("class") for h in headers[:4]] == [None, None, "n", "n"]
    assert [c.get("class") for c in tags(markup, "td")] == [None, "n", "n"] * 2
    assert re.findall(r'<th scope="row">([^<]*)</th>', markup) == ["Screenede", "Drøftede"]


NUMBERS = pd.DataFrame(
    {
        "month": [JAN, FEB, MAR, APR],
        "value": [1234, 68, float("nan"), 70],
        "change": [5, -3, 0, float("nan")],
        "share": [0.125, 8 / 19, float("nan"), 1.0],
    }
)
COLUMNS = {"month": "Måned", "value": "Antal", "change": "Ændring", "share": "Andel"}


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("da", [
            ["Måned", "Antal", "Ændring", "Andel"],
            ["januar 2025", "1.234", "+5", "12,5\u00a0%"],
            ["februar 2025", "68", "−3", "42,1\u00a0%"],
            ["marts 2025", "–", "±0", "–"],
            ["april 2025", "70", "–", "100,0\u00a0%"],
        ]),
        ("en", [
            ["Måned", "Antal", "Ændring", "Andel"],
            ["January 2025", "1,234", "+5", "12.5%"],
            ["February 2025", "68", "−3", "42.1%"],
            ["March 2025", "–", "±0", "–"],
            ["April 2025", "70", "–", "100.0%"],
        ]),
    ],
)  # fmt: skip
def test_vis_tal_reads_in_the_readers_language_with_a_dash_for_a_missing_figure(
    lang: str, expected: list[list[str]]
) -> None:
    markup = views.numbers_table(NUMBERS, COLUMNS, lang, percent=("share",), signed=("change",))
    assert table_rows(markup) == expected
    # Every column but the month holds numbers, lined up on the right.
    assert [c.get("class") for c in tags(markup, "td")[:3]] == ["n", "n", "n"]


def test_vis_tal_shows_text_columns_as_they_are() -> None:
    data = pd.DataFrame({"label": ["Familier i proces"], "value": [3]})
    markup = views.numbers_table(data, {"label": "Måling", "value": "Antal"}, "da")
    assert table_rows(markup)[1] == ["Familier i proces", "3"]


# --- sparklines ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "lines", "points"),
    [
        pytest.param([60, 68, 73, 78], 1, [4], id="unbroken"),
        pytest.param([60, 68, None, 78, 84], 2, [2, 2], id="gap-in-the-middle"),
        pytest.param([60, float("nan"), 73, 78], 2, [1, 2], id="nan-gap"),
        pytest.param([None, 68, 73, None], 1, [2], id="gaps-at-the-ends"),
        pytest.param([5, 5, 5], 1, [3], id="flat"),
    ],
)
def test_a_sparkline_is_an_image_with_one_line_per_unbroken_run(
    values: list[float | None], lines: int, points: list[int]
) -> None:
    markup = views.sparkline(values)
    svg = image_svg(markup)
    polylines = re.findall(r'<polyline points="([^"]*)"', svg)
    assert len(polylines) == lines
    assert [len(p.split()) for p in polylines] == points
    for line in polylines:
        for point in line.split():
            x, y = map(float, point.split(","))
            assert 0 <= x <= 200 and 0 <= y <= 40


def test_a_sparkline_rises_with_the_figures_and_ends_in_a_dot_at_the_last_figure() -> None:
    svg = image_svg(views.sparkline([10, 20, 30]))
    (line,) = re.findall(r'<polyline points="([^"]*)"', svg)
    ys = [float(p.split(",")[1]) for p in line.split()]
    assert ys == sorted(ys, reverse=True)  # SVG y grows downwards: rising figures, falling y
    last = line.split()[-1].split(",")
    assert f'cx="{last[0]}" cy="{last[1]}"' in svg


@pytest.mark.parametrize(
    "values", [[], [68], [None, 68, None], [float("nan"), float("nan")]], ids=str
)
def test_fewer_than_two_figures_give_no_sparkline(values: list[float | None]) -> None:
    assert views.sparkline(values) == ""


# --- forms and the sidebar -----------------------------------------------------------------------

VIEW = parse_settings(
    {"lang": "da", "fra": "2025-02", "til": "2025-04", "vis": "aendring", "tragt": "2025-03"},
    MONTHS,
    extra_keys=("tragt",),
)


def test_a_month_form_carries_the_other_settings_but_asks_for_its_own_month() -> None:
    markup = views.month_form(VIEW, [("tragt", "Måned for tragten", MONTHS[::-1], MAR)], "Vis")
    hidden = {i["name"]: i["value"] for i in tags(markup, "input") if i["type"] == "hidden"}
    assert hidden == {"sprog": "da", "fra": "2025-02", "til": "2025-04", "vis": "aendring"}
    assert [s["name"] for s in tags(markup, "select")] == ["tragt"]
    options = tags(markup, "option")
    assert [o["value"] for o in options] == ["2025-04", "2025-03", "2025-02", "2025-01"]
    assert [o["value"] for o in options if "selected" in o] == ["2025-03"]
    assert tags(markup, "form")[0]["method"] == "get"
    assert ">marts 2025</option>" in markup


def test_a_form_asking_for_two_months_carries_neither_as_hidden() -> None:
    view = parse_settings({"a": "2025-01", "b": "2025-03"}, MONTHS, extra_keys=("a", "b"))
    markup = views.month_form(
        view, [("a", "Første", MONTHS, JAN), ("b", "Anden", MONTHS, MAR)], "Vis"
    )
    hidden = {i["name"] for i in tags(markup, "input") if i["type"] == "hidden"}
    assert hidden == {"sprog", "fra", "til", "vis"}
    selected = [o["value"] for o in tags(markup, "option") if "selected" in o]
    assert selected == ["2025-01", "2025-03"]


def sidebar(view: Settings = VIEW, current: str = "top100", demo: bool = False) -> str:
    return views.sidebar(view, PAGES, current, MONTHS, demo)


def links(markup: str) -> dict[str, dict[str, str | None]]:
    """Each link's attributes, by the text it shows."""
    return {
        html.unescape(name): attrs
        for name, attrs in zip(
            re.findall(r"<a [^>]*>([^<]*)</a>", markup), tags(markup, "a"), strict=True
        )
    }


def test_the_sidebar_links_every_page_keeping_the_readers_settings() -> None:
    shown = links(sidebar())
    for path, title in PAGES:
        assert shown[title]["href"] == VIEW.link(path)
        assert shown[title]["target"] == "_self"
    assert (
        shown["TOP100"]["href"]
        == "./?side=top100&sprog=da&fra=2025-02&til=2025-04&vis=aendring&tragt=2025-03"
    )


@pytest.mark.parametrize("current", [path for path, _ in PAGES])
def test_the_sidebar_marks_the_page_the_reader_is_on(current: str) -> None:
    shown = links(sidebar(current=current))
    marked = [title for _, title in PAGES if shown[title].get("aria-current") == "page"]
    assert marked == [dict(PAGES)[current]]


@pytest.mark.parametrize(
    ("params", "chosen", "language_link", "mode_link"),
    [
        (
            {"lang": "da", "vis": "aendring"},
            {"Dansk", "Månedlig ændring"},
            ("English", {"sprog": "en"}),
            ("Niveau", {"vis": "niveau"}),
        ),
        (
            {"lang": "en"},
            {"English", "Level"},
            ("Dansk", {"sprog": "da"}),
            ("Monthly change", {"vis": "aendring"}),
        ),
    ],
)
def test_the_sidebar_marks_the_chosen_language_and_mode_and_links_the_others_on_this_page(
    params: dict[str, str],
    chosen: set[str],
    language_link: tuple[str, dict[str, str]],
    mode_link: tuple[str, dict[str, str]],
) -> None:
    view = parse_settings(params, MONTHS)
    shown = links(sidebar(view))
    assert {name for name, a in shown.items() if a.get("aria-current") == "true"} == chosen
    for name, change in (language_link, mode_link):
        assert shown[name]["href"] == view.link("top100", **change)


@pytest.mark.parametrize(("demo", "shown"), [(True, True), (False, False)])
def test_the_sidebar_shows_the_demo_chip_only_for_demo_figures(demo: bool, shown: bool) -> None:
    assert ("<strong>DEMO</strong>" in sidebar(demo=demo)) is shown
    assert ("DEMO" in sidebar(demo=demo)) is shown


def test_the_sidebar_has_a_period_form_with_the_chosen_months() -> None:
    markup = sidebar()
    assert [s["name"] for s in tags(markup, "select")] == ["fra", "til"]
    selected = [o["value"] for o in tags(markup, "option") if "selected" in o]
    assert selected == ["2025-02", "2025-04"]
    hidden = {i["name"]: i["value"] for i in tags(markup, "input") if i["type"] == "hidden"}
    assert hidden == {"sprog": "da", "vis": "aendring", "tragt": "2025-03"}


def test_without_figures_the_sidebar_has_no_period_form() -> None:
    markup = views.sidebar(parse_settings({}, []), PAGES, "", [], False)
    assert "<form" not in markup and "<select" not in markup
    assert len(tags(markup, "a")) == len(PAGES) + 4


# --- frame ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "all_demo", "words"),
    [
        ("da", True, ["<strong>DEMO – fiktive tal.</strong>", "opdigtede"]),
        ("en", True, ["<strong>DEMO – fictive figures.</strong>", "made up"]),
        ("da", False, ["DEMO-tal"]),
        ("en", False, ["DEMO figures"]),
    ],
)
def test_the_demo_banner_says_demo_in_the_readers_language(
    lang: str, all_demo: bool, words: list[str]
) -> None:
    banner = views.demo_banner(lang, all_demo)
    assert all(w in banner for w in words)
    assert tags(banner, "div")[0]["role"] == "note"
    assert "**" not in banner


YOUTH = Initiative(
    id="ungesporet",
    name_da="Ungesporet",
    name_en="The Youth Track",
    started=JAN.date(),
    description_da="Et aftentilbud\ni Gellerup.",
    description_en="An evening drop-in\nin Gellerup.",
)
VISITS = Measure(
    id="ungesporet.visits",
    initiative="ungesporet",
    label_da="Besøg",
    label_en="Visits",
    kind="flow",
    definition_da="Besøg i måneden.",
    definition_en="Visits in the month.",
)
CATALOG = Catalog((YOUTH,), (VISITS,))
NO_TARGETS = pd.DataFrame(
    columns=["measure", "category", "target_month", "value", "label_da", "label_en"]
)


def visits(values: list[int]) -> pd.DataFrame:
    """Figures as queries/figure_series.sql returns them: one per month of MONTHS."""
    months = MONTHS[: len(values)]
    return pd.DataFrame(
        {
            "month": months,
            "measure": VISITS.id,
            "initiative": YOUTH.id,
            "category": "",
            "value": values,
            "change": pd.Series(values, dtype="float").diff(),
            "note": "",
            "recorded_at": T(2025, 5, 2),
            "recorded_by": "FAS",
            "is_demo": False,
        }
    )


@pytest.mark.parametrize(
    ("lang", "text"),
    [("da", "Et aftentilbud\ni Gellerup."), ("en", "An evening drop-in\nin Gellerup.")],
)
def test_a_page_keeps_a_line_break_in_its_text_and_adds_none_of_its_own(
    lang: str, text: str
) -> None:
    view = parse_settings({"lang": lang}, MONTHS)
    body = views.initiative_body(YOUTH, CATALOG, visits([]), None, NO_TARGETS, view)
    assert body.startswith("<style>") and '<div class="kd">' in body
    assert html.escape(text, quote=True) in body  # "aftentilbud i": two words, not one
    assert body.count("\n") == 1
    assert "\n" not in sidebar()
    assert "\n" not in views.overview_body(**overview(lang=lang))


# --- events on a chart, without a mouse ---------------------------------------------------------

# Listed out of order; two on the same day, one before the period.
EVENTS = pd.DataFrame(
    {
        "event_date": [T(2025, 3, 10), T(2025, 1, 20), T(2025, 3, 10), T(2024, 12, 1)],
        "date_text_da": ["10. marts 2025", "20. januar 2025", "10. marts 2025", "december 2024"],
        "date_text_en": ["10 March 2025", "20 January 2025", "10 March 2025", "December 2024"],
        "initiative": [None, "ungesporet", None, None],
        "title_da": ["Ny leder", "Åbning", "Ny adresse", "Før perioden"],
        "title_en": ["New head", "Opening", "New address", "Before the period"],
    }
)


class _Events(HTMLParser):
    """The numbered list of events under each chart: (value, text) of each item."""

    def __init__(self) -> None:
        super().__init__()
        self.lists: list[list[tuple[int, str]]] = []
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "ol" and ("class", "events") in attrs:
            self.lists.append([])
            self._inside = True
        elif tag == "li" and self._inside:
            self.lists[-1].append((int(dict(attrs)["value"]), ""))

    def handle_endtag(self, tag: str) -> None:
        self._inside = self._inside and tag != "ol"

    def handle_data(self, data: str) -> None:
        if self._inside and self.lists[-1]:
            number, text = self.lists[-1][-1]
            self.lists[-1][-1] = (number, text + data)


def event_lists(markup: str) -> list[list[tuple[int, str]]]:
    parser = _Events()
    parser.feed(markup)
    return parser.lists


@pytest.mark.parametrize(
    ("lang", "listed"),
    [
        ("da", [(1, "20. januar 2025: Åbning"), (2, "10. marts 2025: Ny leder"), (3, "10. marts 2025: Ny adresse")]),
        ("en", [(1, "20 January 2025: Opening"), (2, "10 March 2025: New head"), (3, "10 March 2025: New address")]),
    ],
)  # fmt: skip
def test_each_event_line_on_a_chart_is_numbered_as_in_the_list_under_it(
    lang: str, listed: list[tuple[int, str]]
) -> None:
    view = parse_settings({"lang": lang}, MONTHS)
    body = views.initiative_body(YOUTH, CATALOG, visits([60, 68, 73, 78]), EVENTS, NO_TARGETS, view)
    assert event_lists(body) == [listed]
    # Under the chart, before "Vis tal".
    assert body.index('<ol class="events">') < body.index("<details>")
    svg = image_svg(body)
    rule_x = {
        label: float(x)
        for label, x in re.findall(
            r'<line aria-label="([^"]*)" transform="translate\(([\d.]+),', svg
        )
    }
    number_x = {
        label: float(x)
        for x, label in re.findall(
            rf'<text[^>]*translate\(([\d.]+),[-\d.]+\)"[^>]*fill="{charts.EVENT_COLOUR}">([^<]*)</text>',
            svg,
        )
    }
    # Same-day events share a line, so they share its label; each number sits at its event's line.
    assert sorted(number_x) == ["1", "2, 3"]
    for number, text in listed:
        (label,) = [n for n in number_x if str(number) in n.split(", ")]
        assert number_x[label] == pytest.approx(rule_x[html.escape(text)] + 3, abs=0.2)


def test_a_chart_without_events_in_the_period_lists_none() -> None:
    body = views.initiative_body(
        YOUTH,
        CATALOG,
        visits([60, 68, 73, 78]),
        EVENTS.iloc[3:],
        NO_TARGETS,
        parse_settings({}, MONTHS),
    )
    assert event_lists(body) == []
    assert "Begivenheder" not in body


def overview(lang: str = "da", **changes: object) -> dict[str, object]:
    """The overview's inputs for visits in January to April, one event in April."""
    figures = visits([60, 68, 73, 78])
    inputs = {
        "catalog": CATALOG,
        "tiles": [],
        "latest": APR,
        "freshness": pd.Series({"last_change": T(2025, 5, 2, 9), "last_changed_by": "FAS"}),
        "missing": pd.DataFrame(columns=["measure", "initiative"]),
        "changed": figures[figures["month"] == APR][["measure", "category", "value", "change"]],
        "month_events": EVENTS.iloc[:0],
        "progress": pd.DataFrame(),
        "lang": lang,
        "local_time": lambda moment: "02.05.2025 11:00",
    }
    return inputs | changes


# --- charts with hover ---------------------------------------------------------------------------

EVENT = pd.DataFrame(
    {
        "event_date": [T(2025, 2, 14)],
        "date_text_da": ["14. februar 2025"],
        "date_text_en": ["14 February 2025"],
        "title_da": ["Frist & <mål>"],
        "title_en": ["Deadline & <goal>"],
    }
)


def level_data(values: list[float | None]) -> pd.DataFrame:
    months = MONTHS[: len(values)]
    return pd.DataFrame(
        {
            "month": months,
            "value": [float("nan") if v is None else float(v) for v in values],
            "description": [
                charts.describe(m, v, "Screenede sager", "da")
                for m, v in zip(months, values, strict=True)
            ],
        }
    )


def hover_spans(markup: str) -> list[dict[str, str | None]]:
    return [s for s in tags(markup, "span") if "hover" in (s.get("class") or "").split()]


def style_percent(span: dict[str, str | None], key: str) -> float:
    return float(re.search(rf"{key}:([-\d.]+)%", span["style"]).group(1))


@pytest.mark.parametrize(
    ("values", "events", "titles"),
    [
        pytest.param(
            [60, 68, 73, 78],
            None,
            ["januar 2025: 60 – Screenede sager", "februar 2025: 68 – Screenede sager",
             "marts 2025: 73 – Screenede sager", "april 2025: 78 – Screenede sager"],
            id="points",
        ),
        pytest.param(
            [60, None, 73],
            EVENT,
            ["januar 2025: 60 – Screenede sager", "marts 2025: 73 – Screenede sager",
             "14. februar 2025: Frist & <mål>"],
            id="gap-and-event",
        ),
    ],
)  # fmt: skip
def test_a_chart_is_an_image_with_a_hover_box_over_every_described_mark(
    values: list[float | None], events: pd.DataFrame | None, titles: list[str]
) -> None:
    chart = charts.time_chart(
        level_data(values), months=MONTHS[: len(values)], value_title="Antal", events=events
    )
    markup = views.chart_html(chart, lang="da", title="Screenede sager")
    assert markup.startswith('<figure class="chart"') and markup.endswith("</figure>")
    (img,) = tags(markup, "img")
    assert img["alt"] == "Screenede sager"
    assert image_svg(markup).startswith("<svg")
    spans = hover_spans(markup)
    assert sorted(s["title"] for s in spans) == sorted(titles)
    for span in spans:
        for key in ("left", "top"):
            assert 0 <= style_percent(span, key) <= 100
        assert style_percent(span, "left") + style_percent(span, "width") <= 100
        assert style_percent(span, "top") + style_percent(span, "height") <= 100


def test_hover_boxes_follow_the_points_left_to_right_and_high_values_higher() -> None:
    chart = charts.time_chart(level_data([60, 80, 70]), months=MONTHS[:3], value_title="Antal")
    markup = views.chart_html(chart)
    spans = {s["title"].split(":")[0]: s for s in hover_spans(markup)}
    left = [style_percent(spans[m], "left") for m in ("januar 2025", "februar 2025", "marts 2025")]
    top = [style_percent(spans[m], "top") for m in ("januar 2025", "februar 2025", "marts 2025")]
    assert left == sorted(left)
    assert top[1] < top[2] < top[0]  # 80 is drawn highest, 60 lowest


def two_bars() -> tuple[list[tuple[float, float, float, float, str]], str]:
    data = level_data([10, 30])
    data["description"] = ["ti", "tredive"]
    chart = charts.time_chart(data, months=MONTHS[:2], value_title="Antal", bars=True)
    spec = json.dumps(chart.to_dict(validate=False), sort_keys=True, default=str)
    _, _, _, rules, data = render._picture(spec, "da-DK")
    return [*rules, *data], render.chart_svg(chart)


def test_a_bars_hover_box_covers_the_bar_as_drawn() -> None:
    boxes, svg = two_bars()
    assert [b[4] for b in boxes] == ["ti", "tredive"]
    # The drawn bars: the plot's offset, then each bar's path "M x,y h width v height".
    dx, dy = map(float, re.search(r"translate\(([\d.]+),([\d.]+)\)", svg).groups())
    for x, y, width, height, label in boxes:
        drawn = re.search(
            rf'<path aria-label="{label}" d="M([\d.]+),([\d.]+)h([\d.]+)v([\d.]+)', svg
        )
        px, py, pw, ph = map(float, drawn.groups())
        assert (x, y, width, height) == pytest.approx((dx + px, dy + py, pw, ph), abs=0.1)


def test_two_bars_boxes_are_in_month_order_with_heights_in_proportion_to_the_values() -> None:
    (ten, thirty), _ = two_bars()
    assert ten[0] + ten[2] <= thirty[0]  # January's box lies wholly left of February's
    assert thirty[3] == pytest.approx(3 * ten[3])
    assert ten[1] + ten[3] == pytest.approx(thirty[1] + thirty[3])  # both stand on zero


# --- the funnel --------------------------------------------------------------------------------

REAL_CATALOG = load_catalog()
KNAEK_KURVEN = REAL_CATALOG.funnel_of("knaek_kurven")


def funnel_figures(values: dict[str, int]) -> pd.DataFrame:
    """One month of Knæk Kurven's funnel as queries/figure_series.sql returns it."""
    return pd.DataFrame(
        {
            "month": JAN,
            "measure": list(values),
            "initiative": "knaek_kurven",
            "category": "",
            "value": list(values.values()),
            "change": None,
            "note": "",
            "recorded_at": T(2025, 2, 2),
            "recorded_by": "FAS",
            "is_demo": False,
        }
    )


def funnel_page(values: dict[str, int], lang: str = "da") -> str:
    view = parse_settings({"sprog": lang}, [JAN])
    section = views.funnel_section(
        KNAEK_KURVEN, REAL_CATALOG, funnel_figures(values), view, JAN, [JAN]
    )
    return views._render(
        "initiative.html", lang=lang, header="", no_figures=False, sections=[section]
    )


JANUARY_FUNNEL = {
    measure: value
    for (measure, category), value in real_january.FIGURES.items()
    if measure in (*KNAEK_KURVEN.stages, *KNAEK_KURVEN.outcomes) and not category
}


def test_outcomes_that_do_not_add_up_to_the_offered_are_said_plainly() -> None:
    declined = JANUARY_FUNNEL["knaek_kurven.declined"] + 4
    body = html.unescape(funnel_page(JANUARY_FUNNEL | {"knaek_kurven.declined": declined}))
    total = sum(JANUARY_FUNNEL[m] for m in KNAEK_KURVEN.outcomes) + 4
    offered = JANUARY_FUNNEL["knaek_kurven.offered"]
    assert (
        "Bemærk: familier der har sagt ja, familier der har sagt nej og familier i proces giver "
        f"tilsammen {total}, men familier tilbudt indsatsen er {offered}."
    ) in body


def test_outcomes_that_add_up_get_no_warning() -> None:
    body = html.unescape(funnel_page(JANUARY_FUNNEL))
    assert "Bemærk" not in body
    assert "Tragten tæller siden start" in body


def test_the_funnel_table_is_in_view_not_behind_vis_tal() -> None:
    body = funnel_page(JANUARY_FUNNEL)
    assert "<details>" not in body
    rows = table_rows(body)
    assert rows[0] == ["Trin og svar", "Siden start", "Andel", "Ændring i januar 2025"]
    assert [r[0] for r in rows[1:]] == [
        "Familier drøftet på screeningsmøder",
        "Familier vurderet relevante",
        "Familier tilbudt indsatsen",
        "heraf familier der har sagt ja",
        "heraf familier der har sagt nej",
        "heraf familier i proces",
    ]


# --- 'Vis tal' of a stacked chart ----------------------------------------------------------------


def screened_by_category(rows: list[tuple[pd.Timestamp, str, float]]) -> pd.DataFrame:
    """TOP100's screened cases as queries/figure_series.sql returns them: per category ("" is
    the total)."""
    return pd.DataFrame(
        {
            "month": [m for m, _, _ in rows],
            "measure": "top100.screened",
            "initiative": "top100",
            "category": [c for _, c, _ in rows],
            "value": [float(v) for _, _, v in rows],
            "change": None,
            "note": "",
            "recorded_at": T(2025, 4, 2),
            "recorded_by": "FAS",
            "is_demo": False,
        }
    )


@pytest.mark.parametrize("lang", ["da", "en"])
def test_vis_tal_of_a_stacked_chart_has_a_total_column_that_adds_up_the_bar(lang: str) -> None:
    """January: total 68 not split; February: three categories and a remainder; March: not
    reported (a dash, not 0); April: only two categories reported."""
    figures = screened_by_category(
        [(JAN, "", 68), (FEB, "", 73), (FEB, "1", 11), (FEB, "2", 46), (FEB, "3", 10),
         (APR, "1", 12), (APR, "2", 50)]
    )  # fmt: skip
    measure = REAL_CATALOG.measure("top100.screened")
    view = parse_settings({"sprog": lang}, MONTHS)
    targets = pd.DataFrame(columns=["measure", "category", "target_month", "value"])
    section = views.measure_section(measure, figures, pd.DataFrame(), targets, view)
    header, rows = section.numbers.header, section.numbers.rows
    assert header[-1] == {"da": "I alt", "en": "Total"}[lang]
    totals = {row[0]: row[-1] for row in rows}
    months = [views.month_text(m, lang) for m in MONTHS]
    assert [totals[m] for m in months] == ["68", "73", "–", "62"]
    # the bars drawn are as high as the totals say
    bars = {}
    for box in section.chart.boxes:
        month = box.title.split(":")[0]
        bars.setdefault(month, 0.0)
        bars[month] += float(box.height)
    assert bars[months[0]] / 68 == pytest.approx(bars[months[1]] / 73, rel=0.05)
