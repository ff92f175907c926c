"""One page per initiative, generated from the catalog: charts follow each measure's kind,
categories and relations (funnels, shares), so a new catalog entry gets its page without code.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import appdata, charts, series
from dashboard.app_pages import blocks
from dashboard.appdata import Settings
from dashboard.catalog import Catalog, Funnel, Measure
from dashboard.texts import fmt_pct, text


def render(initiative_id: str) -> None:
    s = appdata.settings()
    lang = s.lang
    catalog = appdata.catalog()
    initiative = catalog.initiative(initiative_id)
    st.title(initiative.name(lang))
    started = (
        " "
        + text("started", lang).format(
            month=blocks.month_text(pd.Timestamp(initiative.started), lang)
        )
        if initiative.started
        else ""
    )
    st.caption((initiative.description_en if lang == "en" else initiative.description_da) + started)
    figures = appdata.figures(initiative_id)
    if figures.empty or not s.months:
        st.info(text("no_figures_initiative", lang))
        return
    events = blocks.events_for(appdata.query("events"), initiative_id, s)
    targets = appdata.query("targets")
    funnel = catalog.funnel_of(initiative_id)
    in_funnel = set(funnel.stages + funnel.outcomes) if funnel else set()
    if funnel:
        _funnel(funnel, catalog, figures, events, s)
    for measure in catalog.measures_of(initiative_id):
        if measure.id not in in_funnel:
            _measure(measure, figures, events, targets, s)
    shares = [(p, w) for p, w in catalog.ratios_of(initiative_id) if p not in in_funnel]
    if shares:
        _shares(shares, catalog, figures, events, s, text("share_title", lang))


def _value_title(s: Settings, measure: Measure) -> str:
    if not s.change:
        return text("level_title", s.lang)
    return text("new_title" if measure.kind == "cumulative" else "change_title", s.lang)


def _with_descriptions(
    data: pd.DataFrame, label_of, s: Settings, percent: bool = False
) -> pd.DataFrame:
    """Adds the hover text of each mark: month, exact value, what it is."""
    texts = []
    for row in data.itertuples():
        if percent:
            texts.append(
                f"{blocks.month_text(row.month, s.lang)}: {fmt_pct(row.value, s.lang)} – {label_of(row)}"
            )
        else:
            texts.append(charts.describe(row.month, row.value, label_of(row), s.lang))
    return data.assign(description=texts)


def _measure(
    measure: Measure,
    figures: pd.DataFrame,
    events: pd.DataFrame,
    targets: pd.DataFrame,
    s: Settings,
) -> None:
    lang = s.lang
    column = "change" if s.change else "value"
    st.subheader(measure.label(lang))
    if measure.categories:
        parts = {c.id: c.label(lang) for c in measure.categories} | {
            series.UNCATEGORISED: text("uncategorised", lang)
        }
        data = series.category_breakdown(figures, measure, s.months, value=column)
        data = _with_descriptions(data, lambda r: f"{measure.label(lang)}, {parts[r.part]}", s)
        blocks.chart(
            charts.stacked_chart(
                data,
                months=s.months,
                value_title=_value_title(s, measure),
                part_labels=parts,
                lang=lang,
                events=events,
            ),
            measure.label(lang),
            lang,
        )
        table = data.pivot_table(
            index="month", columns="part", values="value", aggfunc="sum"
        ).reset_index()
        headings = {"month": text("col_month", lang)} | {
            p: parts[p] for p in parts if p in table.columns
        }
        with st.expander(text("show_numbers", lang)):
            blocks.numbers_table(table, headings, lang, signed=tuple(parts) if s.change else ())
    else:
        data = series.series_for(figures, measure.id, months=s.months)
        plot = _with_descriptions(data.assign(value=data[column]), lambda r: measure.label(lang), s)
        goal = targets[(targets["measure"] == measure.id) & (targets["category"] == "")]
        blocks.chart(
            charts.time_chart(
                plot,
                months=s.months,
                value_title=_value_title(s, measure),
                lang=lang,
                bars=s.change or measure.kind == "flow",
                events=events,
                targets=None if s.change else goal,
            ),
            measure.label(lang),
            lang,
        )
        with st.expander(text("show_numbers", lang)):
            blocks.numbers_table(
                data,
                {
                    "month": text("col_month", lang),
                    "value": text("col_value", lang),
                    "change": text("col_change", lang),
                },
                lang,
                signed=("change",),
            )
    blocks.about([measure], events, s)


def _funnel(
    funnel: Funnel, catalog: Catalog, figures: pd.DataFrame, events: pd.DataFrame, s: Settings
) -> None:
    lang = s.lang
    label = {m: catalog.measure(m).label(lang) for m in funnel.stages + funnel.outcomes}
    first = figures[(figures["measure"] == funnel.stages[0]) & (figures["category"] == "")]
    months = [m for m in first["month"] if s.first <= m <= s.last]
    if months:
        month = st.selectbox(
            text("funnel_month", lang),
            months[::-1],
            format_func=lambda m: blocks.month_text(m, lang),
            key=f"funnel_month_{funnel.initiative}",
        )
        st.subheader(text("funnel_title", lang).format(month=blocks.month_text(month, lang)))
        data = series.funnel_for_month(figures, funnel, month).assign(
            label=lambda d: d["measure"].map(label)
        )
        data = data.assign(
            description=[
                charts.describe(month, v, lab, lang) if pd.notna(v) else lab
                for v, lab in zip(data["value"], data["label"], strict=False)
            ]
        )
        blocks.chart(charts.funnel_chart(data, lang=lang), text("funnel_title", lang), lang)
        with st.expander(text("show_numbers", lang)):
            blocks.numbers_table(
                data,
                {
                    "label": text("col_measure", lang),
                    "value": text("col_value", lang),
                    "share": text("col_share", lang),
                },
                lang,
                percent=("share",),
            )
    # The stages over time, one line each (dash and shape tell them apart, not only colour).
    st.subheader(text("funnel_over_time", lang))
    column = "change" if s.change else "value"
    over_time = pd.concat(
        [
            series.series_for(figures, m, months=s.months).assign(
                series=label[m], value=lambda d, c=column: d[c]
            )
            for m in funnel.stages + funnel.outcomes
        ],
        ignore_index=True,
    )
    over_time = _with_descriptions(over_time, lambda r: r.series, s)
    blocks.chart(
        charts.time_chart(
            over_time,
            months=s.months,
            value_title=text("new_title" if s.change else "level_title", lang),
            lang=lang,
            series="series",
            events=events,
        ),
        text("funnel_over_time", lang),
        lang,
    )
    with st.expander(text("show_numbers", lang)):
        wide = over_time.pivot_table(
            index="month", columns="series", values="value", aggfunc="sum"
        ).reset_index()
        blocks.numbers_table(
            wide,
            {"month": text("col_month", lang)}
            | {label[m]: label[m] for m in label if label[m] in wide.columns},
            lang,
            signed=tuple(label.values()) if s.change else (),
        )
    blocks.about([catalog.measure(m) for m in funnel.stages + funnel.outcomes], events, s)
    conversions = list(zip(funnel.stages[1:], funnel.stages[:-1], strict=False))
    conversions += [(o, funnel.stages[-1]) for o in funnel.outcomes]
    _shares(conversions, catalog, figures, events, s, text("conversion_title", lang))


def _shares(
    pairs: list[tuple[str, str]],
    catalog: Catalog,
    figures: pd.DataFrame,
    events: pd.DataFrame,
    s: Settings,
    title: str,
) -> None:
    """Shares such as 'screened with an employment case of screened', over time."""
    lang = s.lang
    st.subheader(title)
    names = {
        (p, w): text("share_of", lang).format(
            part=catalog.measure(p).label(lang), whole=catalog.measure(w).label(lang).lower()
        )
        for p, w in pairs
    }
    data = pd.concat(
        [
            series.ratio_series(figures, p, w, s.months)
            .rename(columns={"share": "value"})
            .assign(series=names[(p, w)])
            for p, w in pairs
        ],
        ignore_index=True,
    )
    data = _with_descriptions(data, lambda r: r.series, s, percent=True)
    blocks.chart(
        charts.time_chart(
            data,
            months=s.months,
            value_title=text("col_share", lang),
            lang=lang,
            series="series",
            percent=True,
            events=events,
        ),
        title,
        lang,
    )
    with st.expander(text("show_numbers", lang)):
        wide = data.pivot_table(
            index="month", columns="series", values="value", aggfunc="sum"
        ).reset_index()
        cols = [n for n in names.values() if n in wide.columns]
        blocks.numbers_table(
            wide,
            {"month": text("col_month", lang)} | {c: c for c in cols},
            lang,
            percent=tuple(cols),
        )
    blocks.about(
        list(dict.fromkeys(catalog.measure(m) for pair in pairs for m in pair)), pd.DataFrame(), s
    )
