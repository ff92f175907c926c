"""The monthly note ("Månedlig orientering på det kriminalpræventive område") built from the
store: `build_note(store, month)` gives the plain Note (dashboard/note_model.py) that the HTML,
PDF and DOCX writers turn into files.

It follows the January 2025 note: the two headings with the month's text (dashboard.content),
then "Status på indsatser" with one part per initiative of the catalog: "Status <måned år>:",
the month's text for it, its figures of the month as the overview's key figures show them
(series.key_tiles and views.tile_comparison, the overview's own computation), a chart of its
trend drawn by the pages' chart builders (charts.time_chart, render.chart_svg) with the month's
events numbered on it, and the month's events.

What a reader may see is the app's rule (dashboard.audience.restricted): the internal note shows
every month, a month not approved marked KLADDE; the public note (`public=True`) only approved
months, with the public view's protection (dashboard.protect) and its footnote. No Streamlit.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date, datetime

import pandas as pd

from . import approvals, config, content, db, history
from .audience import restricted
from .catalog import Catalog, Initiative, Measure, load_catalog
from .months import add_months, current_month, month_label, parse_month
from .note_model import Chart, InitiativeStatus, KeyFigure, Note, NoteEvent, Section
from .reference import loaded_catalog
from .rules import MAX_NOTE_CHARS

TITLE = "Månedlig orientering på det kriminalpræventive område – {month}"
STATUS_LINE = "Status {month}:"
CHART_MONTHS = 12  # a chart shows the last 12 months, or fewer since the first figure
# The PNG for DOCX: three times the drawn size, at 288 pixels per inch, so that its natural
# print size is the chart's size on screen (96 CSS pixels per inch) and it prints sharp.
PNG_SCALE, PNG_PPI = 0.75, 288
_ALL = {"initiative": None, "key_only": False, "month": None, "max_note": MAX_NOTE_CHARS}


class NoteUnavailable(ValueError):
    """The note cannot be made for that month; the message says why, in Danish."""


def build_note(
    store: db.Store,
    month: date | str,
    *,
    public: bool = False,
    as_of: datetime | None = None,
    images: bool = True,
    made_at: datetime | None = None,
) -> Note:
    """The note for `month` (a date on the first of the month, or text such as "2025-01").

    `public`: the public note (approved months only, protected as the public view; a month not
    approved is NoteUnavailable). `as_of` (naive UTC): figures, texts, events and approvals as
    they stood then. `images=False` leaves Chart.png empty (the HTML and PDF need only the SVG).
    Raises NoteUnavailable (Danish) for a month in the future or without figures."""
    from .web import render, series  # the pages' chart drawing and figures; no Streamlit
    from .web.texts import text
    from .web.views import PROTECTED, protect_threshold

    the_month = parse_month(month)
    if (version := store.schema_version()) < db.latest_version():
        raise db.DatabaseOutdated(store.path, version)
    label = month_label(the_month)
    now_month = current_month(datetime.now(config.LOCAL_TZ).date())
    if the_month > now_month:
        raise NoteUnavailable(
            f"{label} ligger i fremtiden; vælg en måned til og med {month_label(now_month)}"
        )
    catalog = loaded_catalog(store) or load_catalog()
    if as_of is None:
        every = store.query("figure_series", _ALL)
    else:
        every = history.query_as_of(store, "figure_series", _ALL, as_of)
    approved = [pd.Timestamp(m) for m in approvals.approved_months(store, as_of)]
    stamp = pd.Timestamp(the_month)
    then = " på det tidspunkt" if as_of is not None else ""
    if not (pd.to_datetime(every["month"]) == stamp).any():
        raise NoteUnavailable(f"der er ingen tal for {label}{then}; notatet kan ikke laves")
    if public and stamp not in approved:
        raise NoteUnavailable(
            f"{label} er ikke godkendt af rådmanden{then}; den offentlige udgave af notatet "
            "viser kun godkendte måneder"
        )
    figures = restricted(every, approved, "public" if public else "drafts", catalog)
    figures = figures.assign(month=pd.to_datetime(figures["month"]))
    figures = figures[figures["month"] <= stamp].reset_index(drop=True)
    drafts = frozenset() if public else frozenset(m for m in figures["month"] if m not in approved)

    texts = content.month_texts(store, the_month, as_of)
    body = dict(zip(texts["section"], texts["body"], strict=True))
    events = content.events(store, as_of)
    month_events = series.events_between(events, stamp, stamp)
    shown_demo = False
    parts = []
    for initiative in catalog.initiatives:
        mine = figures[figures["initiative"] == initiative.id]
        own_events = series.events_between(events, stamp, stamp, initiative.id)
        chart, used = _chart(initiative, catalog, mine, own_events, stamp, drafts, render)
        key_figures, tiles_used = _key_figures(initiative, catalog, mine, stamp, PROTECTED)
        shown_demo |= _any_demo(used) or _any_demo(tiles_used)
        if chart is not None and images:
            chart = dataclasses.replace(chart, png=_png(chart.spec_json))
        parts.append(
            InitiativeStatus(
                initiative_id=initiative.id,
                name=initiative.name("da"),
                status_heading=STATUS_LINE.format(month=label),
                text=body.get(f"{content.STATUS}{initiative.id}", ""),
                key_figures=key_figures,
                chart=chart,
                events=_events(own_events, catalog),
            )
        )
    footnote = ""
    if public:
        footnote = f"{PROTECTED} " + text("protected_note", "da").format(
            threshold=protect_threshold()
        )
    return Note(
        month=the_month,
        title=TITLE.format(month=label),
        made_at=made_at or db.utc_now(),
        draft=not public and stamp not in approved,
        demo=shown_demo,
        public=public,
        sections=[Section(heading, body.get(key, "")) for key, heading in content.HEADINGS.items()],
        status_heading=content.STATUS_HEADING,
        initiatives=parts,
        events=_events(month_events, catalog),
        footnote=footnote,
    )


def _any_demo(rows: pd.DataFrame) -> bool:
    return bool(len(rows)) and bool(rows["is_demo"].fillna(False).astype(bool).any())


def _events(events: pd.DataFrame, catalog: Catalog) -> list[NoteEvent]:
    """The events in date order, as the note lists them (numbered as on the charts)."""
    ordered = events.assign(event_date=pd.to_datetime(events["event_date"]))
    ordered = ordered.sort_values("event_date", kind="stable")
    out = []
    for row in ordered.itertuples(index=False):
        initiative = catalog.initiative(row.initiative) if isinstance(row.initiative, str) else None
        out.append(
            NoteEvent(
                date_text=row.date_text_da or month_label(row.event_date.date()),
                initiative=initiative.name("da") if initiative else "",
                title=row.title_da,
                text=row.text_da or "",
            )
        )
    return out


# --- the key figures: the overview's tiles --------------------------------------------------


def _note_measures(initiative: Initiative, catalog: Catalog) -> list[Measure]:
    """The initiative's measures the note gives figures for, in catalog order: its key measures
    (the overview's key figures) and the others (the January note names them all: 19 discussed,
    8 relevant, 3 said yes ...)."""
    return catalog.measures_of(initiative.id)


def _key_figures(
    initiative: Initiative,
    catalog: Catalog,
    figures: pd.DataFrame,
    month: pd.Timestamp,
    protected: str,
) -> tuple[list[KeyFigure], pd.DataFrame]:
    """The initiative's figures of `month`, each as the overview's key figure shows it
    (series.key_tiles: the month's value, or the latest before it; views.tile_comparison: what
    it is compared with), and the rows they are made of."""
    from .web import series, views
    from .web.texts import fmt_int

    measures = [dataclasses.replace(m, key=True) for m in _note_measures(initiative, catalog)]
    as_keys = Catalog(catalog.initiatives, tuple(measures), catalog.relations, catalog.funnels)
    tiles = series.key_tiles(figures, as_keys, month)
    out = []
    for tile in tiles:
        change, basis = views.tile_comparison(tile, "da")
        label = tile.measure.label("da")
        if tile.month != month:
            label += f" ({month_label(tile.month.date(), short=True)})"
        value = protected if tile.value is None else fmt_int(tile.value, "da")
        out.append(KeyFigure(label=label, value=value, comparison=_comparison(change, basis)))
    used = figures[figures["measure"].isin([t.measure.id for t in tiles])]
    return out, used[used["category"] == ""]


def _comparison(change: str, basis: str) -> str:
    """The overview's two lines under a key figure as one: "+6 nye i januar 2025 (løbende
    total: stigningen fra dec. 2024)"; only the reason when there is nothing to compare."""
    if change == "–":
        return basis
    return f"{change} ({basis[:1].lower()}{basis[1:]})"


# --- the chart: the initiative's trend -------------------------------------------------------


def chart_measures(initiative: Initiative, catalog: Catalog) -> list[Measure]:
    """What an initiative's chart in the note draws: its funnel (stages, then outcomes) when it
    has one, else its key measures, else every measure of it."""
    funnel = catalog.funnel_of(initiative.id)
    if funnel is not None:
        return [catalog.measure(m) for m in (*funnel.stages, *funnel.outcomes)]
    measures = catalog.measures_of(initiative.id)
    return [m for m in measures if m.key] or measures


def _chart(
    initiative: Initiative,
    catalog: Catalog,
    figures: pd.DataFrame,
    events: pd.DataFrame,
    month: pd.Timestamp,
    drafts: frozenset,
    render,  # noqa: ANN001 - dashboard.web.render
) -> tuple[Chart | None, pd.DataFrame]:
    """The initiative's trend over the last CHART_MONTHS months up to `month` (from its first
    figure, when that is later), its events of the month numbered on it; None without figures."""
    from .web import charts, series, views
    from .web.texts import text

    measures = chart_measures(initiative, catalog)
    ids = [m.id for m in measures]
    rows = figures[figures["measure"].isin(ids) & (figures["category"] == "")]
    known = rows["value"].notna()
    if "protected" in rows.columns:
        known |= rows["protected"].astype(bool)
    rows = rows[known]
    if rows.empty:
        return None, rows
    start = max(pd.Timestamp(add_months(month.date(), 1 - CHART_MONTHS)), rows["month"].min())
    months = series.months_between(start, month)
    rows = rows[rows["month"] >= start]
    view = views.PageView(lang="da", months=months, drafts=drafts)
    labels = {m.id: m.label("da") for m in measures}
    data = pd.concat(
        [
            series.series_for(figures, m, months=months).assign(measure=m, series=labels[m])
            for m in ids
            if m in set(rows["measure"])
        ],
        ignore_index=True,
    )
    if "value_protected" in data.columns:
        data["protected"] = data["value_protected"]
    data = views._with_descriptions(data, lambda r: r.series, view)
    drawn = sorted(set(rows["measure"]), key=ids.index)
    single = len(drawn) == 1
    bars = single and catalog.measure(drawn[0]).kind == "flow"
    value_title = (
        views._value_title(view, catalog.measure(drawn[0])) if single else text("level_title", "da")
    )
    chart = charts.time_chart(
        data,
        months=months,
        value_title=value_title,
        lang="da",
        bars=bars,
        series=None if single else "series",
        events=_in_slot(events, month),
    )
    span = f"{month_label(months[0].date(), short=True)} – {month_label(month.date(), short=True)}"
    what = labels[drawn[0]] if single else "udviklingen"
    title = f"{initiative.name('da')}: {what}, {span}"
    spec = chart.to_dict(validate=False)
    return (
        Chart(
            title=title,
            description=_description(data, drawn, labels, months, bars),
            spec_json=json.dumps(spec, sort_keys=True, ensure_ascii=False, default=str),
            svg=render.chart_svg(chart, lang="da", title=title),
        ),
        rows,
    )


def _in_slot(events: pd.DataFrame, month: pd.Timestamp) -> pd.DataFrame:
    """The month's events placed inside the month's slot on the axis: the axis ends half a month
    after the month's point (charts._time_domain), so an event late in the month (the 27th)
    is drawn at the slot's edge rather than off the chart."""
    from .web import charts

    pad = month - charts._time_domain([month])[0]  # the axis's half month
    latest = month + pad - pd.Timedelta(days=1)
    dates = pd.to_datetime(events["event_date"])
    return events.assign(event_date=dates.where(dates <= latest, latest))


def _description(
    data: pd.DataFrame,
    drawn: list[str],
    labels: dict[str, str],
    months: list[pd.Timestamp],
    bars: bool,
) -> str:
    """The chart in words for a screen reader: each series' first and latest figure."""
    from .web.texts import fmt_int
    from .web.views import PROTECTED

    kind = "Søjlediagram" if bars else "Linjediagram"
    first, last = month_label(months[0].date()), month_label(months[-1].date())
    parts = []
    for m in drawn:
        rows = data[data["measure"] == m]
        hidden = rows["protected"].astype(bool) if "protected" in rows else False
        rows = rows[rows["value"].notna() | hidden].sort_values("month")
        if rows.empty:
            continue

        def shown(row: pd.Series) -> str:
            value = PROTECTED if bool(row.get("protected", False)) else fmt_int(row["value"])
            return f"{value} ({month_label(row['month'].date(), short=True)})"

        a, b = rows.iloc[0], rows.iloc[-1]
        parts.append(
            f"{labels[m]}: {shown(b)}"
            if a["month"] == b["month"]
            else f"{labels[m]}: fra {shown(a)} til {shown(b)}"
        )
    return f"{kind} fra {first} til {last}. " + "; ".join(parts) + "."


def _png(spec_json: str) -> bytes:
    """The chart as PNG at print resolution (see PNG_SCALE), with Danish number formats."""
    import vl_convert

    return vl_convert.vegalite_to_png(
        json.loads(spec_json),
        scale=PNG_SCALE,
        ppi=PNG_PPI,
        format_locale="da-DK",
        time_format_locale="da-DK",
    )


# A count from 1 to 4 written as a number in the text: a digit on its own, not part of a larger
# number, a date ("3. januar", "2025-01-03", "3/1"), a time ("kl. 3.30") or a decimal.
_SMALL_COUNT = re.compile(r"(?<![\w.,:/–-])([1-4])(?![\w]|[.,:/–-]\d|\.\s)")


def small_counts_in_text(note: Note) -> list[str]:
    """Where the note's own words name a count from 1 to 4 (Danish, one line per place).

    The public note protects the figures, tables and charts, but the month's text and events
    are printed as the analyst wrote them: "3 familier har sagt ja" in the text would let a
    reader single out a family. Made for `krimdash report --public` and the Rapport page to warn
    before the file leaves the house; the analyst decides, as they wrote it."""
    places: list[tuple[str, str]] = [(s.heading, s.text) for s in note.sections]
    for part in note.initiatives:
        places.append((f"{note.status_heading}: {part.name}", part.text))
    places += [(f"begivenheden «{e.title[:60]}»", f"{e.title}\n{e.text}") for e in note.events]
    found = []
    for where, body in places:
        numbers = sorted({m.group(1) for m in _SMALL_COUNT.finditer(body or "")})
        if numbers:
            found.append(f"Teksten under «{where}» nævner tallet {' og '.join(numbers)}")
    return found
