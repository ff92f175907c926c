"""Page bodies as HTML: pure functions from figures to the markup a page shows.

Pages send one block of HTML (tables, <details>, inline SVG charts) instead of many Streamlit
elements: each Streamlit element type loads its own script in the browser, and a page made of
plain markup draws about as fast as a blank page, on a first visit and on a tablet. Tables
are real <table>s, "Vis tal" and "Om tallene" are <details>, so they work with a keyboard and
a screen reader without any script. No Streamlit here: views are tested as plain functions.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable

import pandas as pd

from ..catalog import Catalog, Funnel, Initiative, Measure
from ..months import month_label
from . import charts, series
from .render import chart_html, svg_image
from .settings import Settings
from .texts import fmt_int, fmt_pct, fmt_signed, text

# One style sheet for the page body; colours match the charts (Okabe-Ito), contrast ≥ 4.5:1.
CSS = """<style>
.kd{font-size:1rem;line-height:1.5}
.kd h2{font-size:1.5rem;margin:1.6rem 0 .4rem}
.kd h3{font-size:1.15rem;margin:1.2rem 0 .3rem}
.kd .muted{color:#555}
.kd .tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:.75rem;margin:.8rem 0}
.kd .tile{border:1px solid #ccc;border-radius:.5rem;padding:.7rem .8rem}
.kd .tile .name{font-size:.85rem;color:#333}
.kd .tile .value{font-size:2rem;font-weight:600;line-height:1.2}
.kd .tile .delta{font-size:.85rem;color:#333}
.kd table{border-collapse:collapse;margin:.4rem 0;font-size:.9rem}
.kd th,.kd td{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:left;vertical-align:top}
.kd td.n,.kd th.n{text-align:right;font-variant-numeric:tabular-nums}
.kd details{border:1px solid #ddd;border-radius:.4rem;padding:.3rem .7rem;margin:.4rem 0}
.kd summary{cursor:pointer;font-weight:500}
.kd .cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:1.5rem}
.kd .bar{background:#e6e6e6;border-radius:.3rem;height:.7rem;margin:.2rem 0 .8rem}
.kd .bar>span{display:block;height:100%;border-radius:.3rem;background:#0072B2}
.kd .scroll{overflow-x:auto;max-width:100%}
</style>"""


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def month_text(month: object, lang: str, short: bool = False) -> str:
    return month_label(pd.Timestamp(month).date(), lang, short=short)


def page(*parts: str) -> str:
    """A page body: the style sheet and the parts, on one line (Markdown leaves it as HTML)."""
    return (CSS + '<div class="kd">' + "".join(parts) + "</div>").replace("\n", "")


def heading(title: str) -> str:
    """The page title, in the page's one HTML block (a separate title element costs a load)."""
    return f'<h1 style="margin-top:0">{esc(title)}</h1>'


def details(summary: str, body: str) -> str:
    return f"<details><summary>{esc(summary)}</summary>{body}</details>"


def table(header: list[str], rows: Iterable[list[str]], numeric: set[int] = frozenset()) -> str:
    """A table whose first column names the rows; `numeric` columns are right-aligned."""

    def cell(tag: str, i: int, value: str) -> str:
        cls = ' class="n"' if i in numeric else ""
        scope = ' scope="col"' if tag == "th" else ""
        return f"<{tag}{cls}{scope}>{esc(value)}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = "".join(
        "<tr>"
        + f'<th scope="row">{esc(r[0])}</th>'
        + "".join(cell("td", i, v) for i, v in enumerate(r[1:], start=1))
        + "</tr>"
        for r in rows
    )
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def numbers_table(
    data: pd.DataFrame,
    columns: dict[str, str],
    lang: str,
    percent: tuple[str, ...] = (),
    signed: tuple[str, ...] = (),
) -> str:
    """'Vis tal': what a chart shows, Danish formatted; months as 'januar 2025'."""
    formatted = []
    for column in columns:
        values = data[column].tolist()
        if column == "month":
            formatted.append([month_text(m, lang) for m in values])
        elif column in percent:
            formatted.append([fmt_pct(v, lang) for v in values])
        elif column in signed:
            formatted.append([fmt_signed(v, lang) for v in values])
        elif pd.api.types.is_numeric_dtype(data[column]):
            formatted.append([fmt_int(v, lang) for v in values])
        else:
            formatted.append([str(v) for v in values])
    rows = [list(r) for r in zip(*formatted, strict=True)] if formatted else []
    return table(list(columns.values()), rows, numeric=set(range(1, len(columns))))


def sparkline(values: list[float], width: int = 200, height: int = 40) -> str:
    """A trend line as a tiny SVG polyline; a month without a figure breaks the line.

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
    lines = "".join(
        f'<polyline points="{" ".join(r)}" fill="none" stroke="{charts.PALETTE[0]}" stroke-width="2"/>'
        for r in runs
    )
    last = runs[-1][-1].split(",")
    dot = f'<circle cx="{last[0]}" cy="{last[1]}" r="3" fill="{charts.PALETTE[0]}"/>'
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{lines}{dot}</svg>'
    )
    return f'<div style="max-width:{width}px">{svg_image(svg, "", width)}</div>'


def about(measures: list[Measure], events: pd.DataFrame | None, lang: str) -> str:
    """'Om tallene': each measure's definition and kind, and the events in the chart."""
    body = "".join(
        f"<p><strong>{esc(m.label(lang))}</strong>: {esc(m.definition(lang))} "
        f"<em>{esc(text(f'kind_explained_{m.kind}', lang))}</em></p>"
        for m in measures
    )
    body += f'<p class="muted">{esc(text("gap_note", lang))}</p>'
    if events is not None and not events.empty:
        title, when = _event_columns(lang)
        items = "".join(
            f"<li>{esc(w)}: {esc(t)}</li>"
            for w, t in zip(events[when], events[title], strict=False)
        )
        body += f"<p><strong>{esc(text('events_in_chart', lang))}</strong></p><ul>{items}</ul>"
    return details(text("about_numbers", lang), body)


def _event_columns(lang: str) -> tuple[str, str]:
    return ("title_en", "date_text_en") if lang == "en" else ("title_da", "date_text_da")


def chart_section(
    title: str, chart, numbers: str, about_html: str, lang: str, hint: str = ""
) -> str:
    """A heading, the chart (hovering it shows `hint`, e.g. the definition), then 'Vis tal'
    and 'Om tallene'."""
    return (
        f"<h3>{esc(title)}</h3>{chart_html(chart, lang=lang, title=title, hint=hint)}"
        + details(text("show_numbers", lang), numbers)
        + about_html
    )


def _with_descriptions(
    data: pd.DataFrame, label_of: Callable, view: Settings, percent: bool = False
) -> pd.DataFrame:
    """Adds the hover text of each mark: month, exact value, what it is."""
    texts = []
    for row in data.itertuples():
        if percent:
            texts.append(
                f"{month_text(row.month, view.lang)}: {fmt_pct(row.value, view.lang)} – {label_of(row)}"
            )
        else:
            texts.append(charts.describe(row.month, row.value, label_of(row), view.lang))
    return data.assign(description=texts)


def _value_title(view: Settings, measure: Measure) -> str:
    if not view.change:
        return text("level_title", view.lang)
    return text("new_title" if measure.kind == "cumulative" else "change_title", view.lang)


# --- controls: links and plain forms (no widget scripts) ------------------------------------


def month_select(name: str, label: str, months: list[pd.Timestamp], selected, lang: str) -> str:
    options = "".join(
        f'<option value="{m:%Y-%m}"{" selected" if m == selected else ""}>{esc(month_text(m, lang))}</option>'
        for m in months
    )
    return f'<label>{esc(label)} <select name="{name}">{options}</select></label> '


def month_form(
    settings: Settings, selects: list[tuple[str, str, list[pd.Timestamp], object]], button: str
) -> str:
    """A GET form: the chosen months go into the address, the other settings ride along."""
    names = {name for name, *_ in selects}
    hidden = "".join(
        f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">'
        for k, v in settings.params().items()
        if k not in names
    )
    fields = "".join(
        month_select(name, label, months, selected, settings.lang)
        for name, label, months, selected in selects
    )
    return f'<form method="get" class="kd-form">{hidden}{fields}<button type="submit">{esc(button)}</button></form>'


SIDEBAR_CSS = """<style>
.kd-side a{color:inherit}
.kd-side ul{list-style:none;padding:0;margin:0 0 1rem}
.kd-side li{margin:.15rem 0}
.kd-side li a{display:block;padding:.3rem .5rem;border-radius:.4rem;text-decoration:none}
.kd-side li a[aria-current=page]{background:#e6e6e6;font-weight:600}
.kd-side .choice a{display:inline-block;padding:.25rem .6rem;border:1px solid #bbb;border-radius:.4rem;margin:0 .2rem .3rem 0;text-decoration:none}
.kd-side .choice a[aria-current=true]{background:#0072B2;border-color:#0072B2;color:#fff}
.kd-side h4{font-size:.9rem;margin:.8rem 0 .3rem}
.kd-form label{display:inline-block;margin:0 .6rem .4rem 0}
.kd-form select,.kd-form button{font:inherit;padding:.2rem .4rem}
.kd-form button{border:1px solid #0072B2;border-radius:.4rem;background:#fff;color:#0072B2}
</style>"""


def sidebar(
    settings: Settings,
    pages: list[tuple[str, str]],
    current: str,
    months: list[pd.Timestamp],
    demo: bool,
) -> str:
    """The frame: page links, language, period and level/change, all as links and one form."""
    lang = settings.lang
    nav = "".join(
        f'<li><a href="{esc(settings.link(path))}" target="_self"'
        f"{' aria-current=page' if path == current else ''}>{esc(title)}</a></li>"
        for path, title in pages
    )

    def choice(label: str, key: str, options: dict[str, str], chosen: str) -> str:
        links = "".join(
            f'<a href="{esc(settings.link(current, **{key: value}))}" target="_self"'
            f"{' aria-current=true' if value == chosen else ''}>{esc(name)}</a>"
            for value, name in options.items()
        )
        return f'<h4>{esc(label)}</h4><div class="choice">{links}</div>'

    parts = [
        SIDEBAR_CSS,
        '<div class="kd-side">',
        f'<nav aria-label="{esc(text("pages", lang))}"><ul>{nav}</ul></nav>',
        choice("Sprog / Language", "lang", {"da": "Dansk", "en": "English"}, lang),
    ]
    if demo:
        parts.append(f"<p><strong>{esc(text('demo_chip', lang))}</strong></p>")
    if months:
        parts.append(f"<h4>{esc(text('period', lang))}</h4>")
        parts.append(
            month_form(
                settings,
                [
                    ("fra", text("from", lang), months, settings.first),
                    ("til", text("to", lang), months, settings.last),
                ],
                text("show_period", lang),
            )
        )
    parts.append(
        choice(
            text("mode", lang),
            "vis",
            {"niveau": text("mode_level", lang), "aendring": text("mode_change", lang)},
            "aendring" if settings.change else "niveau",
        )
    )
    parts.append("</div>")
    return "".join(parts).replace("\n", "")


# --- an initiative's page -------------------------------------------------------------------


def initiative_header(initiative: Initiative, lang: str) -> str:
    description = initiative.description_en if lang == "en" else initiative.description_da
    started = (
        " " + text("started", lang).format(month=month_text(initiative.started, lang))
        if initiative.started
        else ""
    )
    return f'<p class="muted">{esc(description + started)}</p>'


def measure_section(
    measure: Measure,
    figures: pd.DataFrame,
    events: pd.DataFrame,
    targets: pd.DataFrame,
    view: Settings,
) -> str:
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
        wide = data.pivot(index="month", columns="part", values="value").reset_index()
        wide = pd.DataFrame({"month": view.months}).merge(wide, on="month", how="left")
        shown = {p: parts[p] for p in parts if p in wide.columns}
        numbers = numbers_table(
            wide,
            {"month": text("col_month", lang)} | shown,
            lang,
            signed=tuple(shown) if view.change else (),
        )
    else:
        data = series.series_for(figures, measure.id, months=view.months)
        plot = _with_descriptions(data.assign(value=data[column]), lambda r: label, view)
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
        numbers = numbers_table(
            data,
            {
                "month": text("col_month", lang),
                "value": text("col_value", lang),
                "change": text("col_change", lang),
            },
            lang,
            signed=("change",),
        )
    return chart_section(
        label, chart, numbers, about([measure], events, lang), lang, hint=measure.definition(lang)
    )


def funnel_section(
    funnel: Funnel,
    catalog: Catalog,
    figures: pd.DataFrame,
    events: pd.DataFrame,
    view: Settings,
    month: pd.Timestamp | None,
) -> str:
    """The funnel for `month`, its stages over time, and the shares between the stages."""
    lang = view.lang
    ids = funnel.stages + funnel.outcomes
    label = {m: catalog.measure(m).label(lang) for m in ids}
    out = ""
    first = figures[(figures["measure"] == funnel.stages[0]) & (figures["category"] == "")]
    funnel_months = [m for m in first["month"] if view.first <= m <= view.last]
    if month is None and funnel_months:
        month = view.month_param("tragt", funnel_months, funnel_months[-1])
    if month is not None:
        out += month_form(
            view,
            [("tragt", text("funnel_month", lang), funnel_months[::-1], month)],
            text("show", lang),
        )
        title = text("funnel_title", lang).format(month=month_text(month, lang))
        data = series.funnel_for_month(figures, funnel, month).assign(
            label=lambda d: d["measure"].map(label)
        )
        data = data.assign(
            description=[
                charts.describe(month, v, lab, lang) if pd.notna(v) else lab
                for v, lab in zip(data["value"], data["label"], strict=False)
            ]
        )
        numbers = numbers_table(
            data,
            {
                "label": text("col_measure", lang),
                "value": text("col_value", lang),
                "share": text("col_share", lang),
            },
            lang,
            percent=("share",),
        )
        out += chart_section(title, charts.funnel_chart(data, lang=lang), numbers, "", lang)
    column = "change" if view.change else "value"
    over_time = pd.concat(
        [
            series.series_for(figures, m, months=view.months).assign(
                series=label[m], value=lambda d, c=column: d[c]
            )
            for m in ids
        ],
        ignore_index=True,
    )
    over_time = _with_descriptions(over_time, lambda r: r.series, view)
    chart = charts.time_chart(
        over_time,
        months=view.months,
        value_title=text("new_title" if view.change else "level_title", lang),
        lang=lang,
        series="series",
        events=events,
    )
    wide = over_time.pivot(index="month", columns="series", values="value").reset_index()
    names = [label[m] for m in ids if label[m] in wide.columns]
    numbers = numbers_table(
        wide,
        {"month": text("col_month", lang)} | {n: n for n in names},
        lang,
        signed=tuple(names) if view.change else (),
    )
    out += chart_section(
        text("funnel_over_time", lang),
        chart,
        numbers,
        about([catalog.measure(m) for m in ids], events, lang),
        lang,
    )
    conversions = list(zip(funnel.stages[1:], funnel.stages[:-1], strict=False))
    conversions += [(o, funnel.stages[-1]) for o in funnel.outcomes]
    return out + shares_section(
        conversions, catalog, figures, events, view, text("conversion_title", lang)
    )


def shares_section(
    pairs: list[tuple[str, str]],
    catalog: Catalog,
    figures: pd.DataFrame,
    events: pd.DataFrame,
    view: Settings,
    title: str,
) -> str:
    """Shares such as 'screened with an employment case of screened', over time."""
    lang = view.lang
    names = {
        (p, w): text("share_of", lang).format(
            part=catalog.measure(p).label(lang), whole=catalog.measure(w).label(lang).lower()
        )
        for p, w in pairs
    }
    data = pd.concat(
        [
            series.ratio_series(figures, p, w, view.months)
            .rename(columns={"share": "value"})
            .assign(series=names[(p, w)])
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
    wide = data.pivot(index="month", columns="series", values="value").reset_index()
    cols = [n for n in names.values() if n in wide.columns]
    numbers = numbers_table(
        wide, {"month": text("col_month", lang)} | {c: c for c in cols}, lang, percent=tuple(cols)
    )
    measures = list(dict.fromkeys(catalog.measure(m) for pair in pairs for m in pair))
    return chart_section(title, chart, numbers, about(measures, None, lang), lang)


def initiative_body(
    initiative: Initiative,
    catalog: Catalog,
    figures: pd.DataFrame,
    events: pd.DataFrame,
    targets: pd.DataFrame,
    view: Settings,
    funnel_month: pd.Timestamp | None = None,
) -> str:
    """The whole page of one initiative, chosen from its catalog entry."""
    lang = view.lang
    parts = [initiative_header(initiative, lang)]
    if figures.empty or not view.months:
        parts.append(f"<p>{esc(text('no_figures_initiative', lang))}</p>")
        return page(*parts)
    funnel = catalog.funnel_of(initiative.id)
    in_funnel = set(funnel.stages + funnel.outcomes) if funnel else set()
    if funnel:
        parts.append(funnel_section(funnel, catalog, figures, events, view, funnel_month))
    parts += [
        measure_section(m, figures, events, targets, view)
        for m in catalog.measures_of(initiative.id)
        if m.id not in in_funnel
    ]
    shares = [(p, w) for p, w in catalog.ratios_of(initiative.id) if p not in in_funnel]
    if shares:
        parts.append(
            shares_section(shares, catalog, figures, events, view, text("share_title", lang))
        )
    return page(*parts)


# --- the overview ---------------------------------------------------------------------------


def tiles_html(
    tiles: list[series.Tile], catalog: Catalog, lang: str, link: Callable[[str], str] | None = None
) -> str:
    """One card per key figure: value, change since last month and since start, the trend.

    `link(initiative_id)` gives the address of the initiative's page; its name links there.
    """
    cards = []
    for t in tiles:
        name = catalog.initiative(t.measure.initiative).name(lang)
        title = (
            f'<a href="{esc(link(t.measure.initiative))}" target="_self">{esc(name)}</a>'
            if link
            else esc(name)
        )
        previous = month_text(t.month - pd.offsets.MonthBegin(1), lang, short=True)
        arrow = "" if not t.change else ("▲ " if t.change > 0 else "▼ ")
        change = (
            f"{arrow}{fmt_signed(t.change, lang)} {text('tile_change', lang).format(month=previous)}"
            if t.change is not None
            else "–"
        )
        since = f"{fmt_signed(t.since_start, lang)} " + text("tile_since_start", lang).format(
            month=month_text(t.first_month, lang, short=True)
        )
        cards.append(
            '<div class="tile" role="group">'
            f'<div class="name"><strong>{title}</strong><br>{esc(t.measure.label(lang))} '
            f"({esc(month_text(t.month, lang))})</div>"
            f'<div class="value">{esc(fmt_int(t.value, lang))}</div>'
            f'<div class="delta">{esc(change)}<br>{esc(since)}</div>'
            f"{sparkline(t.trend['value'].tolist())}</div>"
        )
    return f'<div class="tiles">{"".join(cards)}</div>'


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
) -> str:
    """The overview: freshness, key figures (linked to their pages), what is new, targets."""
    month = month_text(latest, lang)
    fresh = text("freshness", lang).format(
        month=f"<strong>{esc(month)}</strong>",
        when=esc(local_time(freshness["last_change"])),
        who=esc(freshness["last_changed_by"]),
    )
    if missing.empty:
        gaps = text("nothing_missing", lang).format(month=month)
    else:
        names = ", ".join(
            catalog.measure(m).label(lang) for m in missing["measure"] if catalog.measure(m)
        )
        gaps = text("missing", lang).format(month=month, measures=names)
    news = [f"<h2>{esc(text('news_title', lang))}</h2>"]
    if changed.empty:
        news.append(f"<p>{esc(text('news_none', lang))}</p>")
    else:
        items = []
        for r in changed.itertuples():
            measure = catalog.measure(r.measure)
            label = measure.label(lang) if measure else r.measure
            if r.category and measure:
                label += ", " + measure.category_label(r.category, lang)
            items.append(
                f"<li>{esc(label)}: <strong>{esc(fmt_int(r.value, lang))}</strong> "
                f"({esc(fmt_signed(r.change, lang))})</li>"
            )
        news.append(f"<ul>{''.join(items)}</ul>")
    if not month_events.empty:
        title, when = _event_columns(lang)
        news.append(f"<p><strong>{esc(text('news_events', lang).format(month=month))}</strong></p>")
        news.append(
            "<ul>"
            + "".join(
                f"<li>{esc(w)}: {esc(t)}</li>"
                for w, t in zip(month_events[when], month_events[title], strict=False)
            )
            + "</ul>"
        )
    goals = [f"<h2>{esc(text('targets_title', lang))}</h2>"]
    if progress.empty:
        goals.append(f"<p>{esc(text('no_targets', lang))}</p>")
    for t in progress.itertuples():
        line = text("target_line", lang).format(
            label=t.label_en if lang == "en" else t.label_da,
            value=fmt_int(t.value, lang),
            target=fmt_int(t.target, lang),
            share=fmt_pct(t.share, lang, 0),
            month=month_text(t.target_month, lang),
        )
        width = 0 if pd.isna(t.share) else round(min(max(t.share, 0.0), 1.0) * 100)
        goals.append(
            f"<div>{esc(line)}</div>"
            f'<div class="bar" role="img" aria-label="{esc(line)}"><span style="width:{width}%"></span></div>'
        )
    return page(
        f"<p>{fresh}</p>",
        f'<p class="muted">{esc(gaps)}</p>',
        tiles_html(tiles, catalog, lang, link),
        f'<div class="cols"><div>{"".join(news)}</div><div>{"".join(goals)}</div></div>',
    )


# --- compare --------------------------------------------------------------------------------


def compare_body(
    pair: pd.DataFrame,
    catalog: Catalog,
    a: pd.Timestamp,
    b: pd.Timestamp,
    settings: Settings,
    months: list[pd.Timestamp],
) -> str:
    """Each measure in months a and b, with the difference, one table per initiative."""
    lang = settings.lang
    a_name, b_name = month_text(a, lang), month_text(b, lang)
    newest_first = months[::-1]
    parts = [
        f'<p class="muted">{esc(text("compare_intro", lang))}</p>',
        month_form(
            settings,
            [
                ("a", text("month_a", lang), newest_first, a),
                ("b", text("month_b", lang), newest_first, b),
            ],
            text("show", lang),
        ),
    ]
    for initiative in catalog.initiatives:
        ids = [m.id for m in catalog.measures_of(initiative.id)]
        rows = pair[pair["measure"].isin(ids)]
        if rows.empty:
            continue
        labels = []
        for r in rows.itertuples():
            measure = catalog.measure(r.measure)
            labels.append(
                "↳ " + measure.category_label(r.category, lang)
                if r.category
                else measure.label(lang)
            )
        parts.append(f"<h2>{esc(initiative.name(lang))}</h2>")
        parts.append(
            numbers_table(
                rows.assign(label=labels),
                {
                    "label": text("col_measure", lang),
                    "value_a": a_name,
                    "value_b": b_name,
                    "difference": text("col_difference", lang),
                    "relative": text("col_relative", lang),
                },
                lang,
                percent=("relative",),
                signed=("difference",),
            )
        )
    return page(*parts)


def demo_banner(lang: str, all_demo: bool) -> str:
    """The DEMO banner: a bordered note at the top of every page while demo figures show."""
    if all_demo:
        body = f"<strong>{esc(text('demo_banner_title', lang))}</strong> {esc(text('demo_banner', lang))}"
    else:
        body = f"<strong>{esc(text('demo_mixed', lang))}</strong>"
    return (
        '<div role="note" style="border:2px solid #E69F00;background:#FFF4DC;color:#3d2b00;'
        f'border-radius:.5rem;padding:.7rem 1rem;margin-bottom:.5rem">⚠ {body}</div>'
    )
