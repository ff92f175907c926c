"""Historik (those who see drafts: rådmand, analyst, admin): the audit log a page at a time, one
batch and the figures it wrote, every revision of a figure picked with a few choices, and links
to the dashboard as it stood before and after each batch. Read-only; tables are one block of
HTML each (dashboard.web.history_view), the figure is picked with widgets."""

from __future__ import annotations

import streamlit as st

from dashboard.access import Reader
from dashboard.web import appdata, views
from dashboard.web.history_view import (
    BATCH,
    BATCH_PAGE,
    BATCH_ROWS,
    HISTORY_PAGE,
    LOG_PAGE,
    LOG_ROWS,
    batch_block,
    batch_number,
    figure_block,
    intro,
    log_block,
    page_number,
    pages_of,
)
from dashboard.web.texts import text


def render(frame: str, reader: Reader) -> None:
    """The page for `reader`; nothing for a reader who may not see the history (app.py never
    routes one here; the page checks again)."""
    if not appdata.may_go_back(reader):
        return
    s = appdata.settings("drafts", reader)
    lang = s.lang
    params = st.query_params
    catalog = appdata.catalog()

    # the frame follows a moment in the address (its months then): the banner says so here too
    as_of = appdata.as_of_note(s, reader, HISTORY_PAGE)
    top = frame + views.heading(text("history_title", lang)) + as_of + intro(lang)
    asked = params.get(BATCH)
    if asked is not None:
        number = batch_number(asked)
        found, revisions, count = (None, [], 0)
        if number is not None:
            found, revisions, count = appdata.batch_detail(number, BATCH_ROWS, 0)
            page = page_number(params.get(BATCH_PAGE), pages_of(count, BATCH_ROWS))
            if page > 1:
                found, revisions, count = appdata.batch_detail(
                    number, BATCH_ROWS, (page - 1) * BATCH_ROWS
                )
        else:
            page = 1
        top += batch_block(found, revisions, count, page, catalog, lang, asked=asked[:20])
    batches, total = appdata.batch_log(LOG_ROWS, 0)
    page = page_number(params.get(LOG_PAGE), pages_of(total, LOG_ROWS))
    if page > 1:
        batches, total = appdata.batch_log(LOG_ROWS, (page - 1) * LOG_ROWS)
    st.html(top + log_block(batches, total, page, lang))

    st.subheader(text("history_figure_title", lang))
    st.caption(text("history_figure_intro", lang))
    initiatives = [i.id for i in catalog.initiatives]
    if not initiatives:
        return
    names = {i.id: i.name(lang) for i in catalog.initiatives}
    cols = st.columns(4)
    initiative = cols[0].selectbox(
        text("history_pick_initiative", lang), initiatives, format_func=names.get, key="h_ini"
    )
    measures = {m.id: m for m in catalog.measures_of(initiative)}
    if not measures:
        return
    measure_id = cols[1].selectbox(
        text("history_pick_measure", lang),
        list(measures),
        format_func=lambda m: measures[m].label(lang),
        key="h_measure",
    )
    measure = measures[measure_id]
    category = cols[2].selectbox(
        text("history_pick_category", lang),
        ["", *measure.category_ids],
        format_func=lambda c: (
            text("history_total", lang) if not c else measure.category_label(c, lang)
        ),
        key="h_category",
    )
    months = appdata.revised_months(measure_id, category)
    if not months:
        st.html(figure_block([], catalog, lang))
        return
    month = cols[3].selectbox(
        text("history_pick_month", lang),
        months,
        format_func=lambda m: views.month_text(m, lang),
        key="h_month",
    )
    st.html(figure_block(appdata.figure_history(month, measure_id, category), catalog, lang))
