"""Overblik: key figures at a glance for the latest month, what is new, freshness, targets."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import appdata, charts, series
from dashboard.app_pages import blocks
from dashboard.exports import LOCAL_TZ
from dashboard.texts import fmt_int, fmt_pct, fmt_signed, text

TILES_PER_ROW = 3


def render() -> None:
    s = appdata.settings()
    lang = s.lang
    catalog = appdata.catalog()
    st.title(text("overview_title", lang))
    figures = appdata.figures(key_only=False)
    if figures.empty:
        st.info(text("no_figures", lang))
        return
    latest = figures["month"].max()
    fresh = appdata.query("freshness").iloc[0]
    when = pd.Timestamp(fresh["last_change"]).tz_localize("UTC").tz_convert(LOCAL_TZ)
    st.markdown(
        text("freshness", lang).format(
            month=blocks.month_text(latest, lang),
            when=when.strftime("%d.%m.%Y %H:%M"),
            who=fresh["last_changed_by"],
        )
    )
    missing = appdata.query("missing_measures")
    if missing.empty:
        st.caption(text("nothing_missing", lang).format(month=blocks.month_text(latest, lang)))
    else:
        names = ", ".join(
            catalog.measure(m).label(lang) for m in missing["measure"] if catalog.measure(m)
        )
        st.caption(
            text("missing", lang).format(month=blocks.month_text(latest, lang), measures=names)
        )

    # Key figures: value, change since last month, since start, and the trend.
    tiles = series.key_tiles(figures, catalog)
    for row_start in range(0, len(tiles), TILES_PER_ROW):
        for column, tile in zip(
            st.columns(TILES_PER_ROW), tiles[row_start : row_start + TILES_PER_ROW], strict=False
        ):
            with column.container(border=True):
                name = catalog.initiative(tile.measure.initiative).name(lang)
                previous = blocks.month_text(
                    tile.month - pd.offsets.MonthBegin(1), lang, short=True
                )
                label = f"{name}: {tile.measure.label(lang)} ({blocks.month_text(tile.month, lang, short=True)})"
                # The label wraps as markdown; the metric's own label would be cut off on a tablet.
                st.markdown(
                    f"**{name}**  \n{tile.measure.label(lang)} ({blocks.month_text(tile.month, lang)})"
                )
                change = tile.change
                st.metric(
                    label,
                    fmt_int(tile.value, lang),
                    delta=f"{fmt_signed(change, lang)} {text('tile_change', lang).format(month=previous)}"
                    if change is not None
                    else None,
                    delta_color="off",  # more screened cases is neither good nor bad in itself
                    delta_arrow="off" if not change else "up" if change > 0 else "down",
                    label_visibility="collapsed",
                )
                st.caption(
                    f"{fmt_signed(tile.since_start, lang)} "
                    + text("tile_since_start", lang).format(
                        month=blocks.month_text(tile.first_month, lang, short=True)
                    )
                )
                blocks.chart(charts.sparkline(tile.trend), tile.measure.label(lang), lang)

    left, right = st.columns(2)
    with left:
        st.subheader(text("news_title", lang))
        changed = series.changed_since_last_month(figures, latest)
        if changed.empty:
            st.write(text("news_none", lang))
        else:
            lines = []
            for r in changed.itertuples():
                measure = catalog.measure(r.measure)
                label = measure.label(lang)
                if r.category:
                    label += ", " + measure.category_label(r.category, lang)
                lines.append(
                    f"- {label}: **{fmt_int(r.value, lang)}** ({fmt_signed(r.change, lang)})"
                )
            st.markdown("\n".join(lines))
        month_events = series.events_in_month(appdata.query("events"), latest)
        if not month_events.empty:
            st.markdown(
                f"**{text('news_events', lang).format(month=blocks.month_text(latest, lang))}**"
            )
            title = "title_en" if lang == "en" else "title_da"
            when_col = "date_text_en" if lang == "en" else "date_text_da"
            st.markdown(
                "\n".join(
                    f"- {w}: {t}"
                    for w, t in zip(month_events[when_col], month_events[title], strict=False)
                )
            )
    with right:
        st.subheader(text("targets_title", lang))
        progress = series.target_progress(appdata.query("targets"), figures)
        if progress.empty:
            st.write(text("no_targets", lang))
        for t in progress.itertuples():
            label = t.label_en if lang == "en" else t.label_da
            line = text("target_line", lang).format(
                label=label,
                value=fmt_int(t.value, lang),
                target=fmt_int(t.target, lang),
                share=fmt_pct(t.share, lang, 0),
                month=blocks.month_text(t.target_month, lang),
            )
            st.progress(min(max(t.share or 0.0, 0.0), 1.0), text=line)
