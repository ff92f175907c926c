"""Page bodies: pure functions from figures to each page's HTML, made by the templates in
dashboard/web/templates.

Python shapes the data a template gets (numbers and months formatted for the reader, texts in
the reader's language); the templates make every tag, and Jinja2 escapes every value, so text a
person wrote (a label, an event title, a parameter in the address) shows as text and never
becomes markup. The charts' drawing is made on the server (render.py) and arrives as an image.

Pages send one block of HTML (tables, <details>, charts as images) instead of many Streamlit
elements: each Streamlit element type loads its own script in the browser, and a page made of
plain markup draws about as fast as a blank page, on a first visit and on a tablet. Tables
are real <table>s, "Vis tal" and "Om tallene" are <details>, so they work with a keyboard and
a screen reader without any script. No Streamlit here: views are tested as plain functions.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from jinja2.ext import Extension

from ..access import Reader
from ..catalog import Catalog, Funnel, Initiative, Measure
from ..config import LOCAL_TZ, lang_column
from ..months import MONTHS_DA, MONTHS_EN, month_label
from . import charts, printing, series
from .render import ChartImage, chart_image, svg_data_uri
from .settings import AS_OF, LANG, Settings
from .texts import MINUS, fmt_int, fmt_number, fmt_pct, fmt_signed, text

if TYPE_CHECKING:
    import altair as alt


class OneLine(Extension):
    """Templates are written over many lines for reading; a page goes out without the line
    breaks and indentation of the templates' own text (no stray whitespace between tags, fewer
    bytes), so a template writes no line break where a space is meant. Values are never
    touched: a line break a person wrote stays, and reads as a space."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return re.sub(r"\n[ \t]*", "", source)


# The one environment every page is made in: every value is escaped, a missing one is an error.
ENV = Environment(
    loader=PackageLoader("dashboard.web", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    extensions=[OneLine],
)
ENV.globals["text"] = text


def _render(template: str, **data: object) -> str:
    return ENV.get_template(template).render(**data)


def _macro(name: str) -> Callable[..., str]:
    """A macro of macros.html, to render one building block on its own."""
    return getattr(ENV.get_template("macros.html").module, name)


# --- what the templates get ----------------------------------------------------------------

# A figure protected in the public view (Statistics Denmark's convention), and what is worked
# out from one; the page's footnote (text "protected_note") explains it.
PROTECTED = ".."


@dataclass(frozen=True)
class PageView(Settings):
    """The settings a page body is drawn with, and what the audience adds: the draft months
    (marked KLADDE, for those who may see drafts) and whether figures are protected (public)."""

    drafts: frozenset[pd.Timestamp] = frozenset()
    public: bool = False

    @classmethod
    def of(
        cls, s: Settings, *, drafts: frozenset[pd.Timestamp] = frozenset(), public: bool = False
    ) -> PageView:
        return cls(s.lang, list(s.months), s.change, s.extra, s.as_of, frozenset(drafts), public)


def month_shown(
    month: object, lang: str, drafts: frozenset = frozenset(), short: bool = False
) -> str:
    """A month as the reader sees it: 'januar 2026 (KLADDE)' for a draft month."""
    label = month_text(month, lang, short=short)
    if drafts and pd.Timestamp(month) in drafts:
        label += f" ({text('draft_tag', lang)})"
    return label


def _draft_suffix(month: object, lang: str, drafts: frozenset) -> str:
    """' (KLADDE)' after what a mark of a draft month shows (its hover text), else ''."""
    return f" ({text('draft_tag', lang)})" if drafts and pd.Timestamp(month) in drafts else ""


def _drafts(view: Settings | None) -> frozenset:
    return getattr(view, "drafts", frozenset())


@dataclass(frozen=True)
class Table:
    """A table's cells as the reader sees them; the first column names the rows, the columns
    in `numeric` are right-aligned."""

    header: list[str]
    rows: list[list[str]]
    numeric: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Option:
    value: str
    text: str
    selected: bool


@dataclass(frozen=True)
class Select:
    name: str
    label: str
    options: list[Option]


@dataclass(frozen=True)
class MonthForm:
    """A GET form asking for months; `hidden` are the reader's other settings, kept."""

    hidden: list[tuple[str, str]]
    selects: list[Select]
    button: str


@dataclass(frozen=True)
class Link:
    href: str
    text: str
    current: bool = False


@dataclass(frozen=True)
class EventItem:
    """An event as listed: its date as written, its title, and its number on the chart."""

    when: str
    title: str
    number: int | None = None


@dataclass(frozen=True)
class AboutItem:
    """A measure in 'Om tallene': its label, definition, what its kind means to a reader and
    where the figures shown come from (the distinct notes of its figures in the period, each
    with the months it covers)."""

    label: str
    definition: str
    kind: str
    sources: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ChartSource:
    """What a chart is drawn from, for the export page (app_pages/export.py): the Altair chart,
    and the numbers its 'Vis tal' shows, unformatted (`columns`: column -> heading; a column's
    `<column>_protected` marks the cells shown as '..')."""

    chart: alt.TopLevelMixin
    data: pd.DataFrame
    columns: dict[str, str]


@dataclass(frozen=True)
class ChartSection:
    """A heading, the chart, the events numbered on it, 'Vis tal' and 'Om tallene'."""

    title: str
    chart: ChartImage
    numbers: Table
    events: list[EventItem] = field(default_factory=list)
    about: list[AboutItem] = field(default_factory=list)
    form: MonthForm | None = None
    source: ChartSource | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class FunnelSection:
    """The funnel for one month: its month form, what its figures are (running totals, the
    bases of the shares, a source that does not add up), the chart and its table shown."""

    title: str
    chart: ChartImage
    numbers: Table
    notes: list[str]
    form: MonthForm | None = None
    source: ChartSource | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class TileCard:
    """A key figure on the overview, every part formatted; `trend` is the sparkline image."""

    name: str
    href: str | None
    label: str
    month: str
    value: str
    change: str
    since: str  # what the change is compared with, in words
    trend: str
    scale: TrendScaleText | None = None
    draft: bool = False  # the month is not approved yet: marked KLADDE


@dataclass(frozen=True)
class TrendScaleText:
    """A trend line's scale beside it: first and last figure, lowest and highest."""

    first: str
    last: str
    span: str
    label: str


@dataclass(frozen=True)
class NewsItem:
    label: str
    value: str
    change: str


@dataclass(frozen=True)
class Goal:
    line: str
    width: int  # percent of the target reached, 0-100


@dataclass(frozen=True)
class TableGroup:
    name: str
    table: Table


# --- building blocks -----------------------------------------------------------------------


def month_text(month: object, lang: str, short: bool = False) -> str:
    return month_label(pd.Timestamp(month).date(), lang, short=short)


def heading(title: str) -> str:
    """The page title, in the page's one HTML block (a separate title element costs a load)."""
    return str(_macro("heading")(title))


def demo_banner(lang: str, all_demo: bool) -> str:
    """The DEMO banner: a bordered note at the top of every page while demo figures show."""
    return str(_macro("demo_banner")(lang, all_demo))


def moment_text(moment: datetime, lang: str) -> str:
    """A stored moment (naive UTC) in Danish local time, in words: 'den 5. januar 2026 kl.
    10.00' ('5 January 2026 at 10:00'); with seconds when it has them."""
    local = moment.replace(tzinfo=UTC).astimezone(LOCAL_TZ)
    exact = local.second or local.microsecond
    if lang == "en":
        clock = local.strftime("%H:%M:%S" if exact else "%H:%M")
        return f"{local.day} {MONTHS_EN[local.month - 1]} {local.year} at {clock}"
    clock = local.strftime("%H.%M.%S" if exact else "%H.%M")
    return f"den {local.day}. {MONTHS_DA[local.month - 1]} {local.year} kl. {clock}"


def as_of_banner(s: Settings, current: str) -> str:
    """The banner on top of every page of the dashboard as it stood at a moment (`s.as_of`):
    which moment, that these are not the current figures, and a link to page `current` now."""
    when = moment_text(s.as_of, s.lang) if s.as_of is not None else ""
    return _render("as_of.html", lang=s.lang, when=when, now=s.link(current, **{AS_OF: None}))


def as_of_refusal(s: Settings, key: str) -> str:
    """The note that the address's moment is not used (texts `key`: the reader's role, or a
    value that is no moment) and today's figures are shown instead."""
    return _render("as_of.html", lang=s.lang, refusal=text(key, s.lang), now="")


def table(header: list[str], rows: Iterable[list[str]], numeric: set[int] = frozenset()) -> str:
    """A table whose first column names the rows; `numeric` columns are right-aligned."""
    return str(_macro("table")(Table(list(header), [list(r) for r in rows], frozenset(numeric))))


def numbers(
    data: pd.DataFrame,
    columns: dict[str, str],
    lang: str,
    percent: tuple[str, ...] = (),
    signed: tuple[str, ...] = (),
    drafts: frozenset = frozenset(),
) -> Table:
    """'Vis tal': what a chart shows, Danish formatted; months as 'januar 2025' ('januar 2026
    (KLADDE)' for one of `drafts`); a cell whose `<column>_protected` is true as '..'."""
    formatted = []
    for column in columns:
        values = data[column].tolist()
        if column == "month":
            formatted.append([month_shown(m, lang, drafts) for m in values])
            continue
        if column in percent:
            cells = [fmt_pct(v, lang) for v in values]
        elif column in signed:
            cells = [fmt_signed(v, lang) for v in values]
        elif pd.api.types.is_numeric_dtype(data[column]):
            cells = [fmt_int(v, lang) for v in values]
        else:
            cells = [str(v) for v in values]
        flag = f"{column}_protected"
        if flag in data.columns:
            hidden = data[flag].fillna(False).astype(bool).tolist()
            cells = [PROTECTED if h else c for c, h in zip(cells, hidden, strict=True)]
        formatted.append(cells)
    rows = [list(r) for r in zip(*formatted, strict=True)] if formatted else []
    return Table(list(columns.values()), rows, frozenset(range(1, len(columns))))


def numbers_table(
    data: pd.DataFrame,
    columns: dict[str, str],
    lang: str,
    percent: tuple[str, ...] = (),
    signed: tuple[str, ...] = (),
    drafts: frozenset = frozenset(),
) -> str:
    """'Vis tal' as HTML (see numbers)."""
    return str(_macro("table")(numbers(data, columns, lang, percent, signed, drafts)))


def _sparkline_svg(
    values: list[float], width: int, height: int, protected: list[bool] | None = None
) -> str:
    """A trend line as a tiny SVG; a month without a figure breaks the line, a `protected`
    month (the public view) is a hollow square on the baseline. '' for fewer than two figures.

    Drawn directly rather than through Altair: an overview may hold hundreds of them.
    """
    present = [v for v in values if v == v and v is not None]
    if len(present) < 2:
        return ""
    low, high = min(present), max(present)
    span = (high - low) or 1
    step = (width - 6) / max(len(values) - 1, 1)
    runs, run = [], []
    for i, v in enumerate(values):
        if v is None or v != v:
            runs, run = (runs + [run] if run else runs), []
            continue
        run.append(f"{3 + i * step:.1f},{3 + (height - 6) * (1 - (v - low) / span):.1f}")
    runs += [run] if run else []
    hidden = [
        f"{1 + i * step:.1f}"
        for i, secret in enumerate(protected or [])
        if secret and i < len(values)
    ]
    return _render(
        "sparkline.svg",
        width=width,
        height=height,
        runs=runs,
        dot=runs[-1][-1].split(","),
        colour=charts.PALETTE[0],
        hidden=hidden,
        hidden_colour=charts.PROTECTED_COLOUR,
    )


def sparkline(values: list[float], width: int = 200, height: int = 40) -> str:
    """A trend line as a small image; '' for fewer than two figures."""
    svg = _sparkline_svg(values, width, height)
    return str(_macro("sparkline")(svg_data_uri(svg), width)) if svg else ""


def chart_html(
    chart: alt.TopLevelMixin, *, lang: str = "da", title: str = "", hint: str = ""
) -> str:
    """The chart as the pages show it: an image with a hover box over each described mark
    (see render.chart_image); `hint` shows on hover outside the marks."""
    return str(_macro("figure")(chart_image(chart, lang=lang, title=title, hint=hint)))


def about(
    measures: list[Measure],
    lang: str,
    figures: pd.DataFrame | None = None,
    months: list[pd.Timestamp] | None = None,
) -> list[AboutItem]:
    """'Om tallene': each measure's definition, what its kind means, and the sources of its
    figures in `months` (see figure_sources)."""
    return [
        AboutItem(
            m.label(lang),
            m.definition(lang),
            text(f"kind_explained_{m.kind}", lang),
            figure_sources(figures, m.id, months, lang) if figures is not None else [],
        )
        for m in measures
    ]


def figure_sources(
    figures: pd.DataFrame, measure: str, months: list[pd.Timestamp] | None, lang: str
) -> list[str]:
    """Where the figures of `measure` in `months` (all months if None) come from: each distinct
    note of its current figures (any category), in the order of their first month, with the
    months it covers: 'Kilde (januar 2025): Månedlig orientering januar 2025 (…)'. A figure
    without a note says so. The note is text a person wrote; the template escapes it."""
    rows = figures[figures["measure"] == measure]
    if months is not None:
        rows = rows[rows["month"].isin(months)]
    if rows.empty:
        return []
    notes = rows["note"].fillna("").astype(str).str.strip()
    covered: dict[str, list[pd.Timestamp]] = {}
    for note, month in sorted(zip(notes, rows["month"], strict=True), key=lambda r: r[1]):
        covered.setdefault(note, []).append(month)
    sources = []
    for note, when in covered.items():
        first, last = min(when), max(when)
        span = month_text(first, lang)
        if last != first:
            span += " – " + month_text(last, lang)
        sources.append(
            text("about_source", lang).format(
                months=span, source=note or text("about_no_source", lang)
            )
        )
    return sources


def event_list(events: pd.DataFrame, lang: str) -> list[EventItem]:
    """Each event's date as written and its title in the reader's language, and its number on
    the chart if it has one."""
    when, title = lang_column("date_text", lang), lang_column("title", lang)
    return [
        EventItem(row[when], row[title], int(row["number"]) if "number" in row else None)
        for _, row in events.iterrows()
    ]


def event_items(events: pd.DataFrame | None, view: Settings) -> list[EventItem]:
    """The events a time chart of the period shows, numbered as on the chart."""
    return event_list(charts.numbered_events(events, view.months), view.lang)


def _with_descriptions(
    data: pd.DataFrame, label_of: Callable, view: Settings, percent: bool = False
) -> pd.DataFrame:
    """Adds the hover text of each mark: month (KLADDE for a draft month), exact value (".."
    for a protected one), what it is."""
    texts = []
    drafts = _drafts(view)
    hidden = (
        data["protected"].fillna(False).astype(bool).tolist()
        if "protected" in data.columns
        else [False] * len(data)
    )
    for row, secret in zip(data.itertuples(), hidden, strict=True):
        month = month_text(row.month, view.lang)
        label, draft = label_of(row), _draft_suffix(row.month, view.lang, drafts)
        if secret:
            texts.append(f"{month}: {PROTECTED} – {label}{draft}")
        elif percent:
            texts.append(f"{month}: {fmt_pct(row.value, view.lang)} – {label}{draft}")
        else:
            texts.append(charts.describe(row.month, row.value, label, view.lang) + draft)
    return data.assign(description=texts)


def _value_title(view: Settings, measure: Measure) -> str:
    if not view.change:
        return text("level_title", view.lang)
    return text("new_title" if measure.kind == "cumulative" else "change_title", view.lang)


# --- controls: links and plain forms (no widget scripts) ------------------------------------


def _month_form(
    settings: Settings,
    selects: list[tuple[str, str, list[pd.Timestamp], object]],
    button: str,
    drafts: frozenset | None = None,
) -> MonthForm:
    names = {name for name, *_ in selects}
    drafts = _drafts(settings) if drafts is None else drafts
    return MonthForm(
        hidden=[(k, v) for k, v in settings.params().items() if k not in names],
        selects=[
            Select(
                name,
                label,
                [
                    Option(f"{m:%Y-%m}", month_shown(m, settings.lang, drafts), m == selected)
                    for m in months
                ],
            )
            for name, label, months, selected in selects
        ],
        button=button,
    )


def month_form(
    settings: Settings, selects: list[tuple[str, str, list[pd.Timestamp], object]], button: str
) -> str:
    """A GET form: the chosen months go into the address, the other settings ride along."""
    return str(_macro("month_form")(_month_form(settings, selects, button)))


def sidebar(
    settings: Settings,
    pages: list[tuple[str, str]],
    current: str,
    months: list[pd.Timestamp],
    demo: bool,
    reader: Reader | None = None,
    drafts: frozenset[pd.Timestamp] = frozenset(),
) -> str:
    """The frame: page links, language, period and level/change, all as links and one form;
    who reads (name, role and a "Log ud" link, or the public view's note), and a red
    TEST-LOGIN bar when the reader signed in through the local test provider. The period's
    months from `drafts` are marked KLADDE."""
    lang = settings.lang

    def choice(key: str, options: dict[str, str], chosen: str) -> list[Link]:
        return [
            Link(settings.link(current, **{key: value}), name, value == chosen)
            for value, name in options.items()
        ]

    period = (
        _month_form(
            settings,
            [
                ("fra", text("from", lang), months, settings.first),
                ("til", text("to", lang), months, settings.last),
            ],
            text("show_period", lang),
            drafts,
        )
        if months
        else None
    )
    who = None  # (who reads, in words; the "Log ud" link)
    if reader is not None and reader.signed_in:
        role = text(f"role_{reader.role}", lang) if reader.role else text("role_none", lang)
        who = (
            text("signed_in_as", lang).format(name=reader.name or reader.subject, role=role),
            f"./?{LOG_OUT}=1",
        )
    # What each printed page carries (krimdash.css @media print): marks, page, when fetched.
    now = datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
    page = next((title for path, title in pages if path == current), "")
    printed = printing.stamp(settings, page, demo, drafts, moment_text(now, lang))
    return _render(
        "frame.html",
        lang=lang,
        stamp=printed,
        who=who,
        public=reader is not None and reader.audience == "public",
        test_login=bool(reader and reader.test_login),
        nav=[Link(settings.link(path), title, path == current) for path, title in pages],
        languages=choice(LANG, {"da": "Dansk", "en": "English"}, lang),
        demo=demo,
        period=period,
        modes=choice(
            "vis",
            {"niveau": text("mode_level", lang), "aendring": text("mode_change", lang)},
            "aendring" if settings.change else "niveau",
        ),
    )


def _protected_note(view: Settings | None) -> str:
    """The public view's footnote on "..": which counts are protected and why; "" otherwise."""
    if not getattr(view, "public", False):
        return ""
    return text("protected_note", view.lang).format(threshold=protect_threshold())


def protect_threshold() -> int:
    """The largest count protected in the public view (config.small_count_threshold; 4)."""
    from .. import config

    threshold = getattr(config, "small_count_threshold", None)
    return int(threshold()) if threshold else 4


# The address that signs the reader out (app.py calls st.logout() for it).
LOG_OUT = "log_ud"


# --- an initiative's page -------------------------------------------------------------------


def initiative_header(initiative: Initiative, lang: str) -> str:
    """The initiative's description and when it started."""
    description = getattr(initiative, lang_column("description", lang))
    if not initiative.started:
        return description
    month = month_text(initiative.started, lang)
    # The description may already say when it started ('Åbnede i oktober 2024.'): say it once.
    if month.casefold() in description.casefold():
        return description
    return description + " " + text("started", lang).format(month=month)


TOTAL = "__total__"  # the total column of a stacked chart's 'Vis tal'; no category id


def _wide(data: pd.DataFrame, months: list[pd.Timestamp], columns: str) -> pd.DataFrame:
    """`data` (month, `columns`, value[, protected]) one column per `columns` value, a row per
    month of `months`; with `<column>_protected` beside each column when `data` is protected."""
    wide = data.pivot(index="month", columns=columns, values="value")
    if "protected" in data.columns:
        flags = data.pivot(index="month", columns=columns, values="protected")
        flags = flags.fillna(False).astype(bool).add_suffix("_protected")
        wide = wide.join(flags)
    wide = wide.reset_index()
    wide.columns.name = None
    out = pd.DataFrame({"month": months}).merge(wide, on="month", how="left")
    flag_columns = [c for c in out.columns if str(c).endswith("_protected")]
    return out.fillna(dict.fromkeys(flag_columns, False)).astype(dict.fromkeys(flag_columns, bool))


def measure_section(
    measure: Measure,
    figures: pd.DataFrame,
    events: pd.DataFrame,
    targets: pd.DataFrame,
    view: Settings,
) -> ChartSection:
    """One measure over the period: stacked by category, or a line (level) / bars (counts)."""
    lang = view.lang
    column = "change" if view.change else "value"
    label = measure.label(lang)
    if measure.categories:
        parts = {c.id: c.label(lang) for c in measure.categories} | {
            series.UNCATEGORISED: text("uncategorised", lang)
        }
        data = series.category_breakdown(figures, measure, view.months, value=column)
        data = _with_descriptions(data, lambda r: f"{label}, {parts[r.part]}", view)
        chart = charts.stacked_chart(
            data,
            months=view.months,
            value_title=_value_title(view, measure),
            part_labels=parts,
            lang=lang,
            events=events,
        )
        wide = _wide(data, view.months, "part")
        shown = {p: parts[p] for p in parts if p in wide.columns}
        # The height of each month's bar: the parts drawn, added up ("–" for a month without;
        # ".." when a part is protected: a sum never leaves a protected part out).
        wide[TOTAL] = wide[list(shown)].sum(axis=1, min_count=1)
        hidden = [f"{p}_protected" for p in shown if f"{p}_protected" in wide.columns]
        if hidden:
            wide[f"{TOTAL}_protected"] = wide[hidden].any(axis=1)
        shown[TOTAL] = text("col_total", lang)
        columns = {"month": text("col_month", lang)} | shown
        source = ChartSource(chart, wide, columns)
        table = numbers(
            wide,
            columns,
            lang,
            signed=tuple(shown) if view.change else (),
            drafts=_drafts(view),
        )
    else:
        data = series.series_for(figures, measure.id, months=view.months)
        plot = data.assign(value=data[column])
        if f"{column}_protected" in data.columns:
            plot["protected"] = data[f"{column}_protected"]
        plot = _with_descriptions(plot, lambda r: label, view)
        goal = targets[(targets["measure"] == measure.id) & (targets["category"] == "")]
        chart = charts.time_chart(
            plot,
            months=view.months,
            value_title=_value_title(view, measure),
            lang=lang,
            bars=view.change or measure.kind == "flow",
            events=events,
            targets=None if view.change else goal,
        )
        columns = {
            "month": text("col_month", lang),
            "value": text("col_value", lang),
            "change": text("col_change", lang),
        }
        source = ChartSource(chart, data, columns)
        table = numbers(data, columns, lang, signed=("change",), drafts=_drafts(view))
    return ChartSection(
        title=label,
        chart=chart_image(chart, lang=lang, title=label, hint=measure.definition(lang)),
        numbers=table,
        events=event_items(events, view),
        about=about([measure], lang, figures, view.months),
        source=source,
    )


def funnel_sections(
    funnel: Funnel,
    catalog: Catalog,
    figures: pd.DataFrame,
    events: pd.DataFrame,
    view: Settings,
) -> list[ChartSection | FunnelSection]:
    """The funnel for the chosen month (the address's `tragt`, else the latest), its stages
    over time, and the shares between the stages."""
    lang = view.lang
    ids = funnel.stages + funnel.outcomes
    label = {m: catalog.measure(m).label(lang) for m in ids}
    sections: list[ChartSection | FunnelSection] = []
    first = figures[(figures["measure"] == funnel.stages[0]) & (figures["category"] == "")]
    funnel_months = [m for m in first["month"] if view.first <= m <= view.last]
    if funnel_months:
        month = view.month_param("tragt", funnel_months, funnel_months[-1])
        sections.append(funnel_section(funnel, catalog, figures, view, month, funnel_months))
    column = "change" if view.change else "value"
    over_time = pd.concat(
        [
            series.series_for(figures, m, months=view.months).assign(
                measure=m, series=label[m], value=lambda d, c=column: d[c]
            )
            for m in ids
        ],
        ignore_index=True,
    )
    if f"{column}_protected" in over_time.columns:
        over_time["protected"] = over_time[f"{column}_protected"]
    over_time = _with_descriptions(over_time, lambda r: r.series, view)
    chart = charts.time_chart(
        over_time,
        months=view.months,
        value_title=text("new_title" if view.change else "level_title", lang),
        lang=lang,
        series="series",
        events=events,
    )
    # Columns by measure id, not label: two measures may share a label.
    wide = _wide(over_time, view.months, "measure")
    shown = [m for m in ids if m in wide.columns]
    title = text("funnel_over_time", lang)
    columns = {"month": text("col_month", lang)} | {m: label[m] for m in shown}
    sections.append(
        ChartSection(
            title=title,
            chart=chart_image(chart, lang=lang, title=title),
            numbers=numbers(
                wide,
                columns,
                lang,
                signed=tuple(shown) if view.change else (),
                drafts=_drafts(view),
            ),
            events=event_items(events, view),
            about=about([catalog.measure(m) for m in ids], lang, figures, view.months),
            source=ChartSource(chart, wide, columns),
        )
    )
    # The same bases as the funnel's table and chart (series.funnel_bases).
    sections.append(
        shares_section(
            series.funnel_bases(funnel),
            catalog,
            figures,
            events,
            view,
            text("conversion_title", lang),
        )
    )
    return sections


def _lower_first(label: str) -> str:
    """'Familier tilbudt indsatsen' -> 'familier tilbudt indsatsen', inside a sentence; the
    rest is left as written (a name such as TOP100 keeps its capitals)."""
    return label[:1].lower() + label[1:]


def funnel_notes(
    funnel: Funnel, catalog: Catalog, data: pd.DataFrame, month: pd.Timestamp, lang: str
) -> list[str]:
    """What a reader must know to read the funnel: that it counts since the start and where the
    month's own movement is, what each share is of, and whether the outcomes add up."""
    label = {
        m: _lower_first(catalog.measure(m).label(lang)) for m in (*funnel.stages, *funnel.outcomes)
    }
    when = month_text(month, lang)
    notes = [text("funnel_running_total", lang).format(month=when)]
    stocks = [
        label[m] for m in (*funnel.stages, *funnel.outcomes) if catalog.measure(m).kind == "stock"
    ]
    if stocks:
        notes.append(text("funnel_stock", lang).format(labels=_joined(stocks, lang)))
    bases = text("funnel_bases_stages", lang).format(base=label[funnel.stages[0]])
    if funnel.outcomes:
        bases += " " + text("funnel_bases_outcomes", lang).format(
            stage=label[funnel.stages[-1]], first=label[funnel.stages[0]]
        )
    notes.append(bases)
    gap = series.funnel_outcomes_gap(data)
    if gap is not None:
        notes.append(
            text("funnel_gap", lang).format(
                outcomes=_joined([label[m] for m in funnel.outcomes], lang),
                total=fmt_int(gap[0], lang),
                stage=label[funnel.stages[-1]],
                value=fmt_int(gap[1], lang),
            )
        )
    return notes


def _joined(items: list[str], lang: str) -> str:
    """'a, b og c' (Danish) or 'a, b and c'."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {text('funnel_and', lang)} {items[-1]}"


def funnel_section(
    funnel: Funnel,
    catalog: Catalog,
    figures: pd.DataFrame,
    view: Settings,
    month: pd.Timestamp,
    funnel_months: list[pd.Timestamp],
) -> FunnelSection:
    """The funnel of `month`: the stages, then the outcomes of the last stage as a split of it
    ('heraf ...'), each with its share of its base named, the total since the start and the
    month's own change."""
    lang = view.lang
    title = text("funnel_title", lang).format(month=month_shown(month, lang, _drafts(view)))
    data = series.funnel_for_month(figures, funnel, month)
    names = {m: catalog.measure(m).label(lang) for m in data["measure"]}
    data["label"] = [
        names[m]
        if role == "stage"
        else text("funnel_of_which", lang).format(label=_lower_first(names[m]))
        for m, role in zip(data["measure"], data["role"], strict=True)
    ]
    hidden = data["share_protected"].tolist() if "share_protected" in data else [False] * len(data)
    data["share_text"] = [
        PROTECTED
        if secret
        else text("funnel_share_of", lang).format(
            share=fmt_pct(share, lang, 0), base=_lower_first(names[base])
        )
        if pd.notna(share)
        else "–"
        for share, base, secret in zip(data["share"], data["base"], hidden, strict=True)
    ]
    secret_values = (
        data["value_protected"].tolist() if "value_protected" in data else [False] * len(data)
    )
    when = month_text(month, lang)
    draft = _draft_suffix(month, lang, _drafts(view))
    data["description"] = [
        f"{when}: {PROTECTED} – {lab}{draft}"
        if secret
        else charts.describe(month, v, lab, lang, extra=share) + draft
        if pd.notna(v)
        else lab
        for v, lab, share, secret in zip(
            data["value"], data["label"], data["share_text"], secret_values, strict=True
        )
    ]
    first = _lower_first(names[funnel.stages[0]])
    bases = [text("funnel_chart_stages", lang).format(base=first)]
    if funnel.outcomes:
        last = _lower_first(names[funnel.stages[-1]])
        bases.append(text("funnel_chart_outcomes", lang).format(base=last))
    chart = charts.funnel_chart(data, lang=lang, bases=bases)
    table = numbers(
        data,
        {
            "label": text("funnel_col_step", lang),
            "value": text("funnel_col_total", lang),
            "share_text": text("col_share", lang),
            "change": text("funnel_col_change", lang).format(month=month_text(month, lang)),
        },
        lang,
        signed=("change",),
    )
    return FunnelSection(
        title=title,
        chart=chart_image(chart, lang=lang, title=title),
        numbers=table,
        notes=funnel_notes(funnel, catalog, data, month, lang),
        form=_month_form(
            view,
            [("tragt", text("funnel_month", lang), funnel_months[::-1], month)],
            text("show", lang),
        ),
        source=ChartSource(
            chart,
            data,
            {
                "label": text("funnel_col_step", lang),
                "value": text("funnel_col_total", lang),
                "share": text("col_share", lang),
                "change": text("funnel_col_change", lang).format(month=month_text(month, lang)),
            },
        ),
    )


def shares_section(
    pairs: list[tuple[str, str]],
    catalog: Catalog,
    figures: pd.DataFrame,
    events: pd.DataFrame,
    view: Settings,
    title: str,
) -> ChartSection:
    """Shares such as 'screened with an employment case of screened', over time."""
    lang = view.lang
    names = {
        f"{p}/{w}": text("share_of", lang).format(
            part=catalog.measure(p).label(lang), whole=catalog.measure(w).label(lang).lower()
        )
        for p, w in pairs
    }
    data = pd.concat(
        [
            series.ratio_series(figures, p, w, view.months)
            .rename(columns={"share": "value", "share_protected": "protected"})
            .assign(pair=f"{p}/{w}", series=names[f"{p}/{w}"])
            for p, w in pairs
        ],
        ignore_index=True,
    )
    data = _with_descriptions(data, lambda r: r.series, view, percent=True)
    chart = charts.time_chart(
        data,
        months=view.months,
        value_title=text("col_share", lang),
        lang=lang,
        series="series",
        percent=True,
        events=events,
    )
    wide = _wide(data, view.months, "pair")
    shown = {key: name for key, name in names.items() if key in wide.columns}
    measures = list(dict.fromkeys(catalog.measure(m) for pair in pairs for m in pair))
    columns = {"month": text("col_month", lang)} | shown
    return ChartSection(
        title=title,
        chart=chart_image(chart, lang=lang, title=title),
        numbers=numbers(wide, columns, lang, percent=tuple(shown), drafts=_drafts(view)),
        events=event_items(events, view),
        about=about(measures, lang, figures, view.months),
        source=ChartSource(chart, wide, columns),
    )


def initiative_body(
    initiative: Initiative,
    catalog: Catalog,
    figures: pd.DataFrame,
    events: pd.DataFrame,
    targets: pd.DataFrame,
    view: Settings,
) -> str:
    """The whole page of one initiative, chosen from its catalog entry."""
    return _render(
        "initiative.html",
        lang=view.lang,
        header=initiative_header(initiative, view.lang),
        no_figures=figures.empty or not view.months,
        sections=initiative_sections(initiative, catalog, figures, events, targets, view),
        protected_note=_protected_note(view),
    )


def initiative_sections(
    initiative: Initiative,
    catalog: Catalog,
    figures: pd.DataFrame,
    events: pd.DataFrame,
    targets: pd.DataFrame,
    view: Settings,
) -> list[ChartSection | FunnelSection]:
    """The chart sections of one initiative's page (its funnel, measures and shares), each with
    the chart's source for the export page."""
    sections: list[ChartSection | FunnelSection] = []
    if not (figures.empty or not view.months):
        funnel = catalog.funnel_of(initiative.id)
        in_funnel = set(funnel.stages + funnel.outcomes) if funnel else set()
        if funnel:
            sections += funnel_sections(funnel, catalog, figures, events, view)
        sections += [
            measure_section(m, figures, events, targets, view)
            for m in catalog.measures_of(initiative.id)
            if m.id not in in_funnel
        ]
        shares = [(p, w) for p, w in catalog.ratios_of(initiative.id) if p not in in_funnel]
        if shares:
            sections.append(
                shares_section(
                    shares, catalog, figures, events, view, text("share_title", view.lang)
                )
            )
    return sections


# --- the overview ---------------------------------------------------------------------------


def _number(value: float, lang: str) -> str:
    """A whole number as such, anything else with one decimal (a 3-month average: 12,3)."""
    return fmt_int(value, lang) if float(value).is_integer() else fmt_number(value, lang, 1)


def _signed(value: float, lang: str) -> str:
    """A change with its sign, one decimal where it has one (against an average: +2,3)."""
    if float(value).is_integer() or round(value, 1) == 0:
        return fmt_signed(value, lang)
    text = fmt_number(value, lang, 1)
    return text if text.startswith(MINUS) else "+" + text


def tile_comparison(t: series.Tile, lang: str) -> tuple[str, str]:
    """(the change in words, what it is compared with) for a card, by the measure's kind:
    '+6 nye i december 2025' for a running total, '+4 mod dec. 2024' against the same month a
    year before or '+2 mod gennemsnittet' of the three months before for a monthly count, and
    '▲ +3 siden nov. 2025' for a stock."""
    c = t.comparison
    previous = month_text(t.month - pd.offsets.MonthBegin(1), lang, short=True)
    if c.protected or (t.value is None and c.basis):
        return PROTECTED, text("tile_protected", lang)
    if not c.basis or c.delta is None:
        key = "tile_too_short" if t.measure.kind == "flow" else "tile_no_previous"
        return "–", text(key, lang).format(month=previous)
    arrow = "" if c.basis == "new" or not c.delta else ("▲ " if c.delta > 0 else "▼ ")
    delta = arrow + _signed(c.delta, lang)
    reference = _number(c.reference, lang)
    if c.basis == "new":
        return (
            text("tile_new", lang).format(delta=delta, month=month_text(t.month, lang)),
            text("tile_new_basis", lang).format(month=month_text(c.first, lang, short=True)),
        )
    if c.basis == "year":
        month = month_text(c.first, lang, short=True)
        return (
            text("tile_vs_month", lang).format(delta=delta, month=month),
            text("tile_year_basis", lang).format(month=month, value=reference),
        )
    if c.basis == "average":
        months = period_text(series.Period(c.first, c.last), lang)
        return (
            text("tile_vs_average", lang).format(delta=delta),
            text("tile_average_basis", lang).format(months=months, value=reference),
        )
    return (
        f"{delta} {text('tile_change', lang).format(month=previous)}",
        text("tile_previous_basis", lang).format(month=previous, value=reference),
    )


def tile_scale(t: series.Tile, lang: str) -> TrendScaleText | None:
    """The trend line's scale in words: first and last figure with their months, lowest and
    highest; None when there is no line."""
    scale = series.trend_scale(t.trend)
    if scale is None:
        return None
    first = f"{month_text(scale.first_month, lang, short=True)}: {_number(scale.first, lang)}"
    last = f"{month_text(scale.last_month, lang, short=True)}: {_number(scale.last, lang)}"
    return TrendScaleText(
        first=first,
        last=last,
        span=text("tile_scale", lang).format(
            low=_number(scale.low, lang), high=_number(scale.high, lang)
        ),
        label=text("tile_trend_label", lang).format(first=first, last=last),
    )


def tile_cards(
    tiles: list[series.Tile],
    catalog: Catalog,
    lang: str,
    link: Callable[[str], str] | None = None,
    drafts: frozenset = frozenset(),
) -> list[TileCard]:
    """One card per key figure: value, its comparison in words (tile_comparison), the trend
    with its scale.

    `link(initiative_id)` gives the address of the initiative's page; its name links there.
    """
    cards = []
    for t in tiles:
        change, basis = tile_comparison(t, lang)
        hidden = t.trend["value_protected"].tolist() if "value_protected" in t.trend else None
        trend = _sparkline_svg(t.trend["value"].tolist(), 200, 40, hidden)
        cards.append(
            TileCard(
                name=catalog.initiative(t.measure.initiative).name(lang),
                href=link(t.measure.initiative) if link else None,
                label=t.measure.label(lang),
                month=month_text(t.month, lang),
                draft=t.month in drafts,
                value=PROTECTED if t.value is None else fmt_int(t.value, lang),
                change=change,
                since=basis,
                trend=svg_data_uri(trend) if trend else "",
                scale=tile_scale(t, lang) if trend else None,
            )
        )
    return cards


def _fields(template: str, **values: str) -> list[tuple[str, str, str]]:
    """A text with {fields} as (literal, field, value) pieces, so a template can mark up a
    field (e.g. the month in bold) and escape every value."""
    return [
        (literal, name or "", values[name] if name else "")
        for literal, name, _, _ in string.Formatter().parse(template)
    ]


def overview_body(
    *,
    catalog: Catalog,
    tiles: list[series.Tile],
    latest: pd.Timestamp,
    freshness: pd.Series,
    missing: pd.DataFrame,
    changed: pd.DataFrame,
    month_events: pd.DataFrame,
    progress: pd.DataFrame,
    lang: str,
    local_time: Callable[[object], str],
    link: Callable[[str], str] | None = None,
    month: pd.Timestamp | None = None,
    form: MonthForm | None = None,
    partial: pd.DataFrame | None = None,
    view: PageView | None = None,
) -> str:
    """The overview: freshness, key figures (linked to their pages), what is new, targets.

    `partial` (the measures missing in `latest`) says that `latest` is only partly reported
    when the overview shows an earlier month.

    `month` is the month the cards, what is missing, what is new and the events describe
    (default: `latest`, the latest month with figures); `form` chooses it (overview_form).
    """
    drafts = _drafts(view)
    shown = latest if month is None else pd.Timestamp(month)
    month = month_text(shown, lang)  # in prose; the cards and the freshness line mark KLADDE
    if missing.empty:
        gaps = text("nothing_missing", lang).format(month=month)
    else:
        names = ", ".join(
            catalog.measure(m).label(lang) for m in missing["measure"] if catalog.measure(m)
        )
        gaps = text("missing", lang).format(month=month, measures=names)
    if partial is not None and not partial.empty:
        newer = month_text(latest, lang)
        names = ", ".join(
            catalog.measure(m).label(lang) for m in partial["measure"] if catalog.measure(m)
        )
        gaps = " ".join(
            (
                text("partly_reported", lang).format(newer=newer, month=month),
                text("missing", lang).format(month=newer, measures=names) + ".",
                gaps,
            )
        )
    news = []
    for r in changed.itertuples():
        measure = catalog.measure(r.measure)
        label = measure.label(lang) if measure else r.measure
        if r.category and measure:
            label += ", " + measure.category_label(r.category, lang)
        value = PROTECTED if getattr(r, "protected", False) else fmt_int(r.value, lang)
        news.append(NewsItem(label, value, fmt_signed(r.change, lang)))
    goals = []
    for t in progress.itertuples():
        secret = bool(getattr(t, "protected", False))
        line = text("target_line", lang).format(
            label=getattr(t, lang_column("label", lang)),
            value=PROTECTED if secret else fmt_int(t.value, lang),
            target=fmt_int(t.target, lang),
            share=PROTECTED if secret else fmt_pct(t.share, lang, 0),
            month=month_text(t.target_month, lang),
        )
        width = 0 if secret or pd.isna(t.share) else round(min(max(t.share, 0.0), 1.0) * 100)
        goals.append(Goal(line, width))
    return _render(
        "overview.html",
        lang=lang,
        # The public view names no one: who changed the figures is not for every reader.
        freshness=_fields(
            text("freshness" if freshness["last_changed_by"] else "freshness_anonymous", lang),
            month=month_text(latest, lang),
            when=local_time(freshness["last_change"]),
            who=str(freshness["last_changed_by"]),
        ),
        gaps=gaps,
        tiles=tile_cards(tiles, catalog, lang, link, drafts),
        news=news,
        month_events_title=text("news_events", lang).format(month=month),
        month_events=event_list(month_events, lang),
        goals=goals,
        form=form,
        showing=text("overview_showing", lang).format(month=month) if shown != latest else "",
        frame_note=text("overview_frame_note", lang),
        latest_draft=latest in drafts,
        protected_note=_protected_note(view),
    )


def overview_form(
    settings: Settings, name: str, months: list[pd.Timestamp], month: pd.Timestamp
) -> MonthForm:
    """The overview's month choice (newest first), the reader's other settings riding along."""
    return _month_form(
        settings,
        [(name, text("overview_month", settings.lang), months[::-1], month)],
        text("show", settings.lang),
    )


# --- compare --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A table cell: its text, and the number of the note explaining it (0: none)."""

    text: str
    note: int = 0
    title: str = ""


@dataclass(frozen=True)
class CompareGroup:
    """One initiative's table on the compare page, with the notes its cells point to."""

    name: str
    header: list[str]
    rows: list[tuple[str, list[Cell]]]
    notes: list[str]


def period_text(period: series.Period, lang: str) -> str:
    """A period in words: 'januar 2025', '1. kvartal 2025', '2025', 'jan.–maj 2025',
    'nov. 2024–feb. 2025' (English: 'January 2025', 'Q1 2025', 'Jan–May 2025')."""
    first, last = period.first, period.last
    if first == last:
        return month_text(first, lang)
    if first.year == last.year:
        if first.month == 1 and last.month == 12:
            return str(first.year)
        if first.month % 3 == 1 and last.month == first.month + 2:
            return text("quarter", lang).format(q=last.month // 3, year=first.year)
        short = month_text(first, lang, short=True).rsplit(" ", 1)[0]
        return f"{short}–{month_text(last, lang, short=True)}"
    return f"{month_text(first, lang, short=True)}–{month_text(last, lang, short=True)}"


def _missing_note(value: series.PeriodValue, name: str, period: series.Period, lang: str) -> str:
    """Why a period's value is unknown: the months it lacks, the month before it named so."""
    months = [
        month_text(m, lang)
        if m >= period.first
        else text("month_before_period", lang).format(month=month_text(m, lang))
        for m in value.missing
    ]
    listed = (
        months[0]
        if len(months) == 1
        else f"{', '.join(months[:-1])} {text('and', lang)} {months[-1]}"
    )
    return text("note_incomplete", lang).format(name=name, months=listed)


def _compare_group(
    name: str, comparisons: list[series.Comparison], a: series.Period, b: series.Period, lang: str
) -> CompareGroup:
    notes: list[str] = []

    def cell(value: str, note: str = "") -> Cell:
        if not note:
            return Cell(value)
        if note not in notes:
            notes.append(note)
        return Cell(value, notes.index(note) + 1, note)

    rows = []
    for c in comparisons:
        label = (
            "↳ " + c.measure.category_label(c.category, lang)
            if c.category
            else c.measure.label(lang)
        )
        cells = [cell(text(f"counted_{c.measure.kind}", lang))]
        for period_name, period, value in (("A", a, c.a), ("B", b, c.b)):
            if value.protected:
                cells.append(cell(PROTECTED))
                continue
            note = _missing_note(value, period_name, period, lang) if value.value is None else ""
            cells.append(cell(fmt_int(value.value, lang), note))
        if c.no_relative == "protected":
            cells += [cell(PROTECTED), cell(PROTECTED)]
        else:
            cells.append(cell(fmt_signed(c.difference, lang)))
            reason = text(f"note_{c.no_relative}", lang) if c.no_relative else ""
            cells.append(cell(fmt_pct(c.relative, lang), reason))
        rows.append((label, cells))
    header = [
        text("col_measure", lang),
        text("col_counted_as", lang),
        text("col_period", lang).format(name="A", period=period_text(a, lang)),
        text("col_period", lang).format(name="B", period=period_text(b, lang)),
        text("col_difference", lang),
        text("col_relative", lang),
    ]
    return CompareGroup(name, header, rows, notes)


def compare_body(
    comparisons: list[series.Comparison],
    catalog: Catalog,
    a: series.Period,
    b: series.Period,
    preset: str,
    settings: Settings,
    choices: list[pd.Timestamp],
) -> str:
    """Periods A and B compared, in words; links to the presets and a form choosing each
    period's months (from `choices`); then one table per initiative, each measure as its kind
    asks (series.compare_periods), with notes where a value or a percentage is left out."""
    lang = settings.lang
    groups = []
    for initiative in catalog.initiatives:
        mine = [c for c in comparisons if c.measure.initiative == initiative.id]
        if mine:
            groups.append(_compare_group(initiative.name(lang), mine, a, b, lang))
    drop = dict.fromkeys(series.PERIOD_MONTHS)
    presets = [
        Link(
            settings.link("sammenlign", **drop, **{series.PERIOD_PRESET: p}),
            text(f"preset_{p}", lang),
            p == preset,
        )
        for p in series.PRESETS
    ]
    newest_first = choices[::-1]
    chosen = (a.first, a.last, b.first, b.last)
    labels = ("a_from", "a_to", "b_from", "b_to")
    form = _month_form(
        settings,
        [
            (name, text(label, lang), newest_first, month)
            for name, label, month in zip(series.PERIOD_MONTHS, labels, chosen, strict=True)
        ],
        text("show", lang),
    )
    heading = text("compare_heading", lang).format(a=period_text(a, lang), b=period_text(b, lang))
    return _render(
        "compare.html",
        lang=lang,
        heading=heading,
        presets=presets,
        form=form,
        groups=groups,
        protected_note=_protected_note(settings),
    )


# --- the export menu (issue 11, exports) ----------------------------------------------------

EXPORT_PAGE = "eksport"  # ?side=eksport&for=<page>: app_pages/export.py
EXPORT_FOR = "for"


def export_menu(s: Settings, page: str) -> str:
    """A reading page's one export menu: links to the export page for `page` ('overblik', an
    initiative id, 'sammenlign') with the reader's settings, at the figures or the charts."""
    href = s.link(EXPORT_PAGE, **{EXPORT_FOR: page or "overblik"})
    links = [
        Link(f"{href}#tal", text("export_menu_figures", s.lang)),
        Link(f"{href}#grafer", text("export_menu_charts", s.lang)),
    ]
    return str(_macro("export_menu")(links, s.lang))


def export_back(href: str, lang: str) -> str:
    """The export page's link back to the page (`href`, made by Settings.link)."""
    return str(_macro("export_back")(href, lang))
