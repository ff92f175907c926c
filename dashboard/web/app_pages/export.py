"""Eksport: the files of one reading page, `?side=eksport&for=<page>&fra=..&til=..&vis=..`, as the
reader sees the page: its figures as CSV and XLSX, each chart as PNG and SVG with the numbers
behind it (dashboard.web.exportfiles). The reading pages link here from their one export menu
(plain links, no widgets); the download buttons are here only.

Every parameter of the address is hostile input: a page that does not exist or that the reader
may not see is refused with a Danish message and no file; a period, mode or language that is
not one of the reader's choices is said in Danish, and the files are made for what is used
instead (which the page then names)."""

from __future__ import annotations

import dataclasses

import streamlit as st

from dashboard.access import Reader
from dashboard.config import LANGUAGES
from dashboard.web import appdata, exportfiles, views
from dashboard.web.app_pages import audience_of, frame_first
from dashboard.web.settings import LANG, MODES, OLD_LANG, Settings, _month, _plausible
from dashboard.web.texts import text


def _period(s: Settings) -> str:
    if not s.months:
        return ""
    first, last = views.month_text(s.first, s.lang), views.month_text(s.last, s.lang)
    return first if first == last else f"{first} – {last}"


def _refused_params(params: dict[str, str], s: Settings, months: list) -> list[tuple[str, str]]:
    """(parameter, what is used instead) for each choice in the address that is no choice."""
    refused = []
    for name in ("fra", "til"):
        if name in params and (not _plausible(params[name]) or _month(params[name]) not in months):
            used = s.first if name == "fra" else s.last
            refused.append((name, views.month_text(used, s.lang) if used is not None else "–"))
    if "vis" in params and params["vis"] not in MODES:
        refused.append(("vis", text("mode_change" if s.change else "mode_level", s.lang)))
    for name in (LANG, OLD_LANG):
        if name in params and params[name] not in LANGUAGES:
            refused.append((name, "dansk" if s.lang == "da" else "English"))
    return refused


def with_target(s: Settings) -> Settings:
    """`s` with the address's `for` among its choices, so the frame's links (language, period,
    level or change) keep to the same page's export; a value no page could have is left out."""
    target = st.query_params.get(exportfiles.FOR)
    if not _plausible(target):
        return s
    return dataclasses.replace(s, extra=(*s.extra, (exportfiles.FOR, target)))


def _buttons(files: list[exportfiles.ExportFile], labels: list[str], key: str) -> None:
    for column, file, label in zip(st.columns(len(files)), files, labels, strict=True):
        column.download_button(
            label,
            file.data,
            file_name=file.name,
            mime=file.mime,
            key=f"{key}-{file.kind}",
            on_click="ignore",  # a download is no reason to run the page again
        )


def render(frame: str, reader: Reader) -> None:
    """The export page for `reader`, with `frame` (app.py's top bar) on top."""
    audience = audience_of(reader)
    s = appdata.settings(audience, reader)
    lang = s.lang
    params = st.query_params.to_dict()
    page = params.get(exportfiles.FOR, exportfiles.OVERVIEW)
    catalog = appdata.catalog()
    allowed = exportfiles.pages([i.id for i in catalog.initiatives])
    if page not in allowed:
        frame_first(frame)
        st.title(text("page_export", lang))
        st.error(text("export_bad_page", lang))
        return
    title = exportfiles.page_title(page, lang)
    back = s.link("" if page == exportfiles.OVERVIEW else page)
    head = (
        frame
        + views.heading(text("export_title", lang).format(page=title))
        + appdata.as_of_note(with_target(s), reader, exportfiles.EXPORT_PAGE)
        + appdata.demo_banner(lang, s.as_of)
        + views.export_back(back, lang)
    )
    st.html(head)
    months = appdata.available_months(audience, s.as_of)
    for name, used in _refused_params(params, s, months):
        st.warning(text("export_bad_param", lang).format(name=name, used=used))
    if not s.months:
        st.info(text("export_no_period", lang))
        return
    intro = text("export_intro", lang).format(page=title, period=_period(s))
    if audience == "public":
        intro += " " + text("export_intro_public", lang).format(threshold=views.protect_threshold())
    st.markdown(intro)
    with st.spinner(text("export_making", lang)):
        figures, charts = exportfiles.files(page, s, audience)
    st.subheader(text("export_figures", lang), anchor="tal")
    st.caption(text("export_figures_about", lang))
    _buttons(figures, [text("export_file_csv", lang), text("export_file_xlsx", lang)], "tal")
    st.subheader(text("export_charts", lang), anchor="grafer")
    if not charts:
        st.caption(text("export_charts_none", lang))
    labels = [text(f"export_chart_{kind}", lang) for kind in ("csv", "png", "svg")]
    for n, chart in enumerate(charts):
        st.markdown(f"**{_escaped(chart.title)}**")
        _buttons(chart.files, labels, f"graf{n}")


def _escaped(title: str) -> str:
    """A chart's title as plain text in Markdown (a label may hold *, [ or <)."""
    return "".join(f"\\{c}" if c in "\\`*_{}[]()#+-.!<>|~" else c for c in title)
