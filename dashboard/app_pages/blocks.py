"""Drawing helpers shared by the pages: a chart with its "Vis tal" and "Om tallene"."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.appdata import Settings
from dashboard.catalog import Measure
from dashboard.months import month_label
from dashboard.render import chart_svg
from dashboard.texts import fmt_int, fmt_pct, fmt_signed, text


def chart(chart: alt.TopLevelMixin, title: str, lang: str) -> None:
    """The chart as inline SVG (drawn by the server; no chart script in the browser).

    st.markdown keeps inline SVG with its <title> elements; st.html's sanitiser drops it.
    """
    st.markdown(chart_svg(chart, lang=lang, title=title), unsafe_allow_html=True)


def month_text(month: pd.Timestamp, lang: str, short: bool = False) -> str:
    return month_label(pd.Timestamp(month).date(), lang, short=short)


def numbers_table(
    data: pd.DataFrame,
    columns: dict[str, str],
    lang: str,
    percent: tuple[str, ...] = (),
    signed: tuple[str, ...] = (),
) -> None:
    """A table of what a chart shows, Danish formatted; months as 'januar 2025'."""
    shown = pd.DataFrame(index=range(len(data)))
    for column, heading in columns.items():
        values = data[column].tolist()
        if column == "month":
            shown[heading] = [month_text(m, lang) for m in values]
        elif column in percent:
            shown[heading] = [fmt_pct(v, lang) for v in values]
        elif column in signed:
            shown[heading] = [fmt_signed(v, lang) for v in values]
        elif pd.api.types.is_numeric_dtype(data[column]):
            shown[heading] = [fmt_int(v, lang) for v in values]
        else:
            shown[heading] = values
    st.table(shown.set_index(shown.columns[0]))


def about(measures: list[Measure], events: pd.DataFrame, settings: Settings) -> None:
    """'Om tallene': each measure's definition and kind, and the events in the chart."""
    lang = settings.lang
    with st.expander(text("about_numbers", lang)):
        for m in measures:
            st.markdown(
                f"**{m.label(lang)}**: {m.definition(lang)} _{text(f'kind_explained_{m.kind}', lang)}_"
            )
        st.caption(text("gap_note", lang))
        if events is not None and not events.empty:
            title = "title_en" if lang == "en" else "title_da"
            when = "date_text_en" if lang == "en" else "date_text_da"
            st.markdown(f"**{text('events_in_chart', lang)}**")
            st.markdown(
                "\n".join(f"- {w}: {t}" for w, t in zip(events[when], events[title], strict=False))
            )


def events_for(events: pd.DataFrame, initiative: str | None, settings: Settings) -> pd.DataFrame:
    """Events of the initiative and of the whole area, inside the chosen period."""
    if events.empty or not settings.months:
        return events
    dates = pd.to_datetime(events["event_date"])
    inside = (dates >= settings.first) & (dates <= settings.last + pd.offsets.MonthEnd(0))
    mine = events["initiative"].isna() | (events["initiative"] == initiative)
    return events[inside & mine]
