"""The files of the export page (app_pages/export.py): a reading page's figures as CSV and XLSX,
and each of its charts as PNG and SVG (drawn on the server with vl_convert) with the numbers
behind it as CSV.

Everything is read through dashboard.web.appdata, as the page itself reads it: for the reader's
audience (the public view's protection, approved months only for a committee member), the
period and settings of the address, and the moment of the as-of view (`pr=`). Every CSV and
XLSX goes through dashboard.exports' writers, so every text cell is neutralised (dashboard.cells).
Demo figures say so: DEMO in the file name, on the XLSX's sheet «Om filen», and in each chart.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd
import streamlit as st
import vl_convert

from ..config import local_time
from ..exports import (
    PROTECTED_MARK,
    PROTECTED_NOTE,
    Row,
    figures_csv,
    figures_xlsx,
    table_csv,
    xlsx_notes,
)
from ..months import format_month, month_label
from . import appdata, series, views
from .settings import Settings
from .texts import text

# The export page's address: ?side=eksport&for=<page>&fra=..&til=..&vis=..&sprog=..
EXPORT_PAGE = views.EXPORT_PAGE
FOR = views.EXPORT_FOR
OVERVIEW = "overblik"  # the overview's name in `for` (its own path is '')
COMPARE = "sammenlign"

MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "svg": "image/svg+xml",
}


@dataclass(frozen=True)
class ExportFile:
    """One file to hand out: its name, kind (csv, xlsx, png, svg) and contents."""

    name: str
    kind: str
    data: bytes

    @property
    def mime(self) -> str:
        return MIME[self.kind]


@dataclass(frozen=True)
class ChartFiles:
    """A chart's files: the numbers behind it (CSV), the picture as PNG and as SVG."""

    title: str
    files: list[ExportFile]


def pages(catalog_ids: list[str]) -> list[str]:
    """Every page the export page makes files for: the overview, each initiative, compare."""
    return [OVERVIEW, *catalog_ids, COMPARE]


def page_title(page: str, lang: str) -> str:
    if page == OVERVIEW:
        return text("overview_title", lang)
    if page == COMPARE:
        return text("page_compare", lang)
    return appdata.catalog().initiative(page).name(lang)


_DANISH = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def slug(title: str) -> str:
    """A title as part of a file name: 'Familier drøftet på screeningsmøder' ->
    'familier-droeftet-paa-screeningsmoeder' (ASCII letters, digits and hyphens only)."""
    plain = unicodedata.normalize("NFKD", title.translate(_DANISH))
    plain = plain.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60] or "graf"


@dataclass(frozen=True)
class Context:
    """What every file of one export is made for: page, settings, audience, and the marks."""

    page: str
    settings: Settings
    audience: str
    demo: bool
    drafts: frozenset[pd.Timestamp]

    @property
    def initiative(self) -> str | None:
        return None if self.page in (OVERVIEW, COMPARE) else self.page

    def stem(self) -> str:
        """krimdash[-DEMO]-<page>-<period>[-KLADDE][-offentlig][-pr-<date>]: Danish, plain."""
        s = self.settings
        parts = ["krimdash"] + (["DEMO"] if self.demo else []) + [self.page]
        if s.months:
            first, last = format_month(s.first), format_month(s.last)
            parts.append(last if first == last else f"{first}-til-{last}")
        if self.drafts:
            parts.append("KLADDE")
        if self.audience == "public":
            parts.append("offentlig")
        if s.as_of is not None:
            parts.append(f"pr-{local_time(s.as_of, '%Y-%m-%d-%H%M')}")
        return "-".join(parts)


def context(page: str, s: Settings, audience: str) -> Context:
    demo, _ = appdata.demo_status(s.as_of)
    drafts = appdata.draft_months(audience, s.as_of) if audience == "drafts" else frozenset()
    return Context(page, s, audience, bool(demo), frozenset(m for m in drafts if m in s.months))


def figure_rows(ctx: Context) -> list[Row]:
    """The page's figures in the period as the reader may see them, in the export format
    (month, measure, category, value, note), sorted as the export: `..` and its footnote where
    the public view protects a figure, no analyst's note in the public view (appdata)."""
    s = ctx.settings
    rows = appdata.figures(ctx.audience, ctx.initiative, as_of=s.as_of)
    rows = rows[rows["month"].isin(s.months)]
    rows = rows.sort_values(["month", "measure", "category"], kind="stable")
    hidden = rows["protected"] if "protected" in rows else pd.Series(False, index=rows.index)
    footnote = PROTECTED_NOTE.format(threshold=views.protect_threshold())
    out: list[Row] = []
    for month, measure, category, value, note, secret in zip(
        rows["month"], rows["measure"], rows["category"], rows["value"], rows["note"], hidden,
        strict=True,
    ):  # fmt: skip
        note = "" if pd.isna(note) else str(note)
        if secret:
            out.append((month, measure, category, PROTECTED_MARK, "; ".join(filter(None, [note, footnote]))))  # fmt: skip
        else:
            out.append((month, measure, category, int(value), note))
    return out


def sheet_notes(ctx: Context, rows: list[Row]) -> list[str]:
    """The lines of the XLSX's sheet «Om filen»: what the figures are, the DEMO mark, the
    months that are drafts, the moment of an as-of view, the public footnote."""
    s = ctx.settings
    lang = s.lang
    notes = [text("export_sheet_what", lang).format(page=page_title(ctx.page, lang))]
    if s.months:
        notes.append(
            text("export_sheet_period", lang).format(
                first=month_label(s.first.date(), lang), last=month_label(s.last.date(), lang)
            )
        )
    notes += xlsx_notes(rows, public=ctx.audience == "public")
    if ctx.demo and not any(n.startswith("DEMO") for n in notes):
        notes.append(text("export_demo", lang))
    if ctx.drafts:
        months = ", ".join(month_label(m.date(), lang) for m in sorted(ctx.drafts))
        notes.append(text("export_drafts", lang).format(months=months))
    if s.as_of is not None:
        notes.append(text("export_as_of", lang).format(moment=views.moment_text(s.as_of, lang)))
    return notes


def figure_files(ctx: Context) -> list[ExportFile]:
    """The page's figures as CSV (the export format of DOMAIN.md) and as XLSX."""
    rows = figure_rows(ctx)
    stem = ctx.stem()
    return [
        ExportFile(f"{stem}.csv", "csv", figures_csv(rows)),
        ExportFile(f"{stem}.xlsx", "xlsx", figures_xlsx(rows, sheet_notes(ctx, rows))),
    ]


def sections(ctx: Context) -> list[views.ChartSection | views.FunnelSection]:
    """The chart sections of the page, built as the page builds them (appdata's inputs)."""
    if ctx.initiative is None:
        return []  # the overview and compare pages show tables and key figures, no charts
    s = ctx.settings
    cat = appdata.catalog()
    events = appdata.reference("events", s.as_of)
    return views.initiative_sections(
        cat.initiative(ctx.initiative),
        cat,
        appdata.figures(ctx.audience, ctx.initiative, as_of=s.as_of),
        series.events_between(events, s.first, s.last, ctx.initiative)
        if s.months
        else events.iloc[:0],
        appdata.reference("targets", s.as_of),
        appdata.page_view(s, ctx.audience),
    )


def _cell(column: str, value: object) -> object:
    if column == "month":
        return format_month(pd.Timestamp(value).date()) if not pd.isna(value) else None
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return value
    number = float(value)  # type: ignore[arg-type]
    return int(number) if number.is_integer() else round(number, 4)


def numbers_csv(source: views.ChartSource) -> bytes:
    """The numbers behind a chart, one column per heading of its 'Vis tal'; months as
    2025-01, numbers unformatted (a share as a fraction), `..` where protected."""
    data, columns = source.data, source.columns
    cells = []
    for column in columns:
        values = [_cell(column, v) for v in data[column].tolist()]
        flag = f"{column}_protected"
        if flag in data.columns:
            hidden = data[flag].fillna(False).astype(bool).tolist()
            values = [PROTECTED_MARK if h else v for v, h in zip(values, hidden, strict=True)]
        cells.append(values)
    return table_csv(list(columns.values()), zip(*cells, strict=True))


_LOCALES = {"da": "da-DK", "en": "en-US"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(value: object) -> object:
    """A spec's texts without control characters (an event title typed by an analyst)."""
    if isinstance(value, str):
        return _CONTROL.sub("\ufffd", value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def chart_spec(source: views.ChartSource, title: str, marks: list[str]) -> dict:
    """The chart's Vega-Lite spec with its title and `marks` (DEMO, KLADDE, the moment) as the
    subtitle: a picture taken into a presentation still says what it is."""
    spec = _clean(json.loads(json.dumps(source.chart.to_dict(validate=False), default=str)))
    assert isinstance(spec, dict)
    spec["title"] = {"text": _clean(title), "anchor": "start"}
    if marks:
        spec["title"]["subtitle"] = _clean(" · ".join(marks))
        spec["title"]["subtitleColor"] = "#B00020"
    return spec


def draw(spec: dict, kind: str, lang: str) -> bytes:
    """The chart drawn on the server as SVG or PNG (twice the size, for slides); vl_convert
    fetches nothing (the data is in the spec)."""
    locale = _LOCALES.get(lang, "da-DK")
    options = {"format_locale": locale, "time_format_locale": locale, "allowed_base_urls": []}
    if kind == "svg":
        return vl_convert.vegalite_to_svg(spec, **options).encode("utf-8")
    return vl_convert.vegalite_to_png(spec, scale=2, **options)


def marks(ctx: Context) -> list[str]:
    lang = ctx.settings.lang
    found = []
    if ctx.demo:
        found.append(text("export_mark_demo", lang))
    if ctx.drafts:
        found.append(text("export_mark_drafts", lang))
    if ctx.audience == "public":
        found.append(text("export_mark_public", lang))
    if ctx.settings.as_of is not None:
        found.append(views.moment_text(ctx.settings.as_of, lang))
    return found


def chart_files(ctx: Context) -> list[ChartFiles]:
    """Per chart of the page: its numbers (CSV), PNG and SVG, named after the page and chart."""
    stem = ctx.stem()
    lang = ctx.settings.lang
    shown = marks(ctx)
    out = []
    used: set[str] = set()
    for section in sections(ctx):
        if section.source is None:
            continue
        name = slug(section.title)
        while name in used:  # two charts with the same title get their own names
            name += "-2"
        used.add(name)
        spec = chart_spec(section.source, section.title, shown)
        out.append(
            ChartFiles(
                section.title,
                [
                    ExportFile(f"{stem}-{name}.csv", "csv", numbers_csv(section.source)),
                    ExportFile(f"{stem}-{name}.png", "png", draw(spec, "png", lang)),
                    ExportFile(f"{stem}-{name}.svg", "svg", draw(spec, "svg", lang)),
                ],
            )
        )
    return out


@st.cache_data(ttl=3600, show_spinner=False, max_entries=16)
def _files(
    version: tuple, page: str, audience: str, s: Settings
) -> tuple[list[ExportFile], list[ChartFiles]]:
    ctx = context(page, s, audience)
    return figure_files(ctx), chart_files(ctx)


def files(page: str, s: Settings, audience: str) -> tuple[list[ExportFile], list[ChartFiles]]:
    """(the page's figure files, its chart files) for `audience` and the settings `s`; cached
    per data version, audience and settings like the pages (drawing the charts takes seconds)."""
    return _files(appdata.store().data_version(), page, audience, s)
