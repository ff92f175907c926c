"""Shaping figures for pages and charts: pure functions on the DataFrames the queries return,
and the month logic pages share (the months of a period, the events in it, the months compared).

`figures` below is the result of queries/figure_series.sql: month, measure, initiative,
category, value, change (from the month before; null across a gap), note, recorded_at,
recorded_by, is_demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from ..catalog import Catalog, Funnel, Measure
from ..months import month_range

UNCATEGORISED = "_uden_kategori"


def months_between(first: date | pd.Timestamp, last: date | pd.Timestamp) -> list[pd.Timestamp]:
    """Every month from first to last as Timestamps, the type query results hold months in."""
    return [pd.Timestamp(m) for m in month_range(_as_date(first), _as_date(last))]


def _as_date(month: date | pd.Timestamp) -> date:
    return month.date() if isinstance(month, pd.Timestamp) else month


def _stamps(months: list) -> list[pd.Timestamp]:
    return [pd.Timestamp(m) for m in months]


def series_for(
    figures: pd.DataFrame, measure: str, category: str = "", months: list[date] | None = None
) -> pd.DataFrame:
    """month, value, change for one measure and category; months without a figure stay empty (NaN)."""
    rows = figures[(figures["measure"] == measure) & (figures["category"] == category)]
    out = rows[["month", "value", "change"]].astype({"value": "float", "change": "float"})
    if months is not None:
        out = pd.DataFrame({"month": _stamps(months)}).merge(out, on="month", how="left")
    return out.reset_index(drop=True)


def category_breakdown(
    figures: pd.DataFrame, measure: Measure, months: list[date], value: str = "value"
) -> pd.DataFrame:
    """month, part, value: each category, and what the total has beyond them as UNCATEGORISED.

    Months where the total is not reported show only the reported parts.
    """
    rows = figures[(figures["measure"] == measure.id) & figures["month"].isin(_stamps(months))]
    # pivot, not pivot_table: a sum would turn an unknown value (NaN) into 0
    wide = rows.pivot(index="month", columns="category", values=value)
    parts = [c for c in measure.category_ids if c in wide.columns]
    out = []
    for month, row in wide.iterrows():
        reported = {c: row[c] for c in parts if pd.notna(row[c])}
        out += [{"month": month, "part": c, "value": v} for c, v in reported.items()]
        total = row.get("")
        if total is not None and pd.notna(total):
            remainder = total - sum(reported.values())
            # Only a positive remainder is a real "not split" share; a negative one is a warning elsewhere.
            if remainder > 0 or not reported:
                out.append({"month": month, "part": UNCATEGORISED, "value": remainder})
    return pd.DataFrame(out, columns=["month", "part", "value"])


def funnel_bases(funnel: Funnel) -> list[tuple[str, str]]:
    """(part, base) for every step after the first: a stage as a share of the first stage (of
    those discussed), an outcome as a share of the last stage (of those offered).

    The outcomes are what became of the last stage, not further steps, so their base is it.
    """
    pairs = [(stage, funnel.stages[0]) for stage in funnel.stages[1:]]
    return pairs + [(outcome, funnel.stages[-1]) for outcome in funnel.outcomes]


def funnel_for_month(figures: pd.DataFrame, funnel: Funnel, month: date) -> pd.DataFrame:
    """measure, role (stage/outcome), value, change (from the month before), base (the measure
    the share is of, see funnel_bases) and share, for one month; stages first, then outcomes.

    A share needs its own figure and a base above zero; the first stage is its own base.
    """
    values = figures[(figures["month"] == pd.Timestamp(month)) & (figures["category"] == "")]
    lookup = {
        m: (float(v), None if pd.isna(c) else float(c))
        for m, v, c in zip(values["measure"], values["value"], values["change"], strict=False)
    }
    bases = {funnel.stages[0]: funnel.stages[0]} | dict(funnel_bases(funnel))
    rows = []
    for role, ids in (("stage", funnel.stages), ("outcome", funnel.outcomes)):
        for m in ids:
            value, change = lookup.get(m, (None, None))
            base = lookup.get(bases[m], (None, None))[0]
            share = value / base if value is not None and base else None
            rows.append(
                {
                    "measure": m,
                    "role": role,
                    "value": value,
                    "change": change,
                    "base": bases[m],
                    "share": share,
                }
            )
    return pd.DataFrame(rows).astype({"value": "float", "change": "float", "share": "float"})


def funnel_outcomes_gap(data: pd.DataFrame) -> tuple[int, int] | None:
    """(sum of the outcomes, the last stage) when every outcome and the last stage are reported
    and they differ, else None; `data` is funnel_for_month's. The source may be inconsistent,
    and the page says so rather than hiding it."""
    outcomes = data[data["role"] == "outcome"]
    stages = data[data["role"] == "stage"]
    if outcomes.empty or stages.empty:
        return None
    last = stages["value"].iloc[-1]
    if pd.isna(last) or outcomes["value"].isna().any():
        return None
    total = int(outcomes["value"].sum())
    return None if total == int(last) else (total, int(last))


def ratio_series(figures: pd.DataFrame, part: str, whole: str, months: list[date]) -> pd.DataFrame:
    """month, share = part / whole, where both are reported and whole > 0."""
    a = series_for(figures, part, months=months).set_index("month")["value"]
    b = series_for(figures, whole, months=months).set_index("month")["value"]
    share = (a / b.where(b > 0)).rename("share")
    return share.reset_index()


@dataclass(frozen=True)
class Tile:
    """A key figure on the overview: latest value, its changes and a trend to draw."""

    measure: Measure
    month: pd.Timestamp
    value: int
    change: float | None  # since the month before; None across a gap
    since_start: int  # since the first reported month
    first_month: pd.Timestamp
    trend: pd.DataFrame  # month, value


def key_tiles(figures: pd.DataFrame, catalog: Catalog) -> list[Tile]:
    """One tile per key measure (catalog `key = true`) that has figures, in catalog order."""
    tiles = []
    for measure in catalog.measures:
        if not measure.key:
            continue
        rows = figures[(figures["measure"] == measure.id) & (figures["category"] == "")]
        if rows.empty:
            continue
        rows = rows.sort_values("month")
        last, first = rows.iloc[-1], rows.iloc[0]
        months = months_between(first["month"], last["month"])
        tiles.append(
            Tile(
                measure=measure,
                month=last["month"],
                value=int(last["value"]),
                change=None if pd.isna(last["change"]) else float(last["change"]),
                since_start=int(last["value"] - first["value"]),
                first_month=first["month"],
                trend=series_for(figures, measure.id, months=months)[["month", "value"]],
            )
        )
    return tiles


def changed_since_last_month(figures: pd.DataFrame, month: date) -> pd.DataFrame:
    """Figures of `month` that differ from the month before (totals and categories)."""
    rows = figures[
        (figures["month"] == pd.Timestamp(month))
        & figures["change"].notna()
        & (figures["change"] != 0)
    ]
    return rows[["measure", "category", "value", "change"]].reset_index(drop=True)


def events_between(
    events: pd.DataFrame,
    first: date | pd.Timestamp,
    last: date | pd.Timestamp,
    initiative: str | None = None,
) -> pd.DataFrame:
    """The events from the first day of month `first` to the last day of month `last`.

    With `initiative`, only that initiative's events and those of the whole area (no
    initiative); without, every event. The one filter for a chart's period, an initiative's
    page and the overview's month.
    """
    dates = pd.to_datetime(events["event_date"])
    start = pd.Timestamp(first).to_period("M").start_time
    end = (pd.Timestamp(last).to_period("M") + 1).start_time
    keep = (dates >= start) & (dates < end)
    if initiative is not None:
        keep &= events["initiative"].isna() | (events["initiative"] == initiative)
    return events[keep]


def target_progress(targets: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """Each target with the latest reported value and the share reached."""
    out = []
    for t in targets.itertuples():
        rows = figures[(figures["measure"] == t.measure) & (figures["category"] == t.category)]
        rows = rows[rows["month"] <= pd.Timestamp(t.target_month)].sort_values("month")
        latest = rows.iloc[-1] if len(rows) else None
        out.append(
            {
                "measure": t.measure,
                "category": t.category,
                "target_month": t.target_month,
                "target": int(t.value),
                "label_da": t.label_da,
                "label_en": t.label_en,
                "source": t.source,
                "month": latest["month"] if latest is not None else None,
                "value": float(latest["value"]) if latest is not None else None,
                "share": float(latest["value"]) / t.value
                if latest is not None and t.value
                else None,
            }
        )
    return pd.DataFrame(out)


def default_pair(months: list[pd.Timestamp]) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The compare page's months when the address names none: the latest month against the
    same month a year before, or else the month before (or itself, when it is the only one)."""
    latest = months[-1]
    year_before = latest - pd.DateOffset(years=1)
    earlier = year_before if year_before in months else months[-2] if len(months) > 1 else latest
    return earlier, latest


def compare_months(pair: pd.DataFrame) -> pd.DataFrame:
    """Adds the relative change to queries/figures_in_months.sql's result."""
    out = pair.copy()
    a = out["value_a"].astype("float")
    out["relative"] = (out["difference"].astype("float") / a.where(a > 0)).astype("float")
    return out
