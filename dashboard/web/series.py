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
from ..months import add_months, month_range, parse_month

UNCATEGORISED = "_uden_kategori"

# In the public view (protect.protect) a protected figure's value is empty and its row says so:
# `protected` for the value, `change_protected` for the change from the month before. Shaped
# results then carry `<column>_protected` beside a column (e.g. value_protected), and whatever
# is worked out from a protected figure is protected too, never left out of a sum.
PROTECTED_FLAGS = {"value": "protected", "change": "change_protected"}


def is_protected(figures: pd.DataFrame) -> bool:
    """Whether `figures` come from the public view (they carry protection flags)."""
    return "protected" in figures.columns


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
    flags = is_protected(figures)
    if flags:
        out = out.assign(
            value_protected=rows["protected"].astype(bool),
            change_protected=rows["change_protected"].astype(bool),
        )
    if months is not None:
        out = pd.DataFrame({"month": _stamps(months)}).merge(out, on="month", how="left")
        if flags:
            out = out.fillna({"value_protected": False, "change_protected": False}).astype(
                {"value_protected": bool, "change_protected": bool}
            )
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
    flags = is_protected(figures)
    hidden = (
        rows.pivot(index="month", columns="category", values=PROTECTED_FLAGS[value])
        if flags
        else None
    )
    parts = [c for c in measure.category_ids if c in wide.columns]
    out = []
    for month, row in wide.iterrows():

        def secret(c: str, month: object = month) -> bool:
            if hidden is None:
                return False
            flag = hidden.loc[month].get(c)
            return bool(flag) if flag is not None and pd.notna(flag) else False

        reported = {c: row[c] for c in parts if pd.notna(row[c]) or secret(c)}
        out += [
            {"month": month, "part": c, "value": v, "protected": secret(c)}
            for c, v in reported.items()
        ]
        total = row.get("")
        if (total is not None and pd.notna(total)) or secret(""):
            # What the total has beyond the parts is unknown when the total or a part is protected.
            if secret("") or any(secret(c) for c in reported):
                out.append(
                    {"month": month, "part": UNCATEGORISED, "value": None, "protected": True}
                )
                continue
            remainder = total - sum(reported.values())
            # Only a positive remainder is a real "not split" share; a negative one is a warning elsewhere.
            if remainder > 0 or not reported:
                out.append(
                    {"month": month, "part": UNCATEGORISED, "value": remainder, "protected": False}
                )
    columns = ["month", "part", "value", *(["protected"] if flags else [])]
    frame = pd.DataFrame(out, columns=["month", "part", "value", "protected"])
    return frame.astype({"value": "float", "protected": bool})[columns]


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
        m: (None if pd.isna(v) else float(v), None if pd.isna(c) else float(c))
        for m, v, c in zip(values["measure"], values["value"], values["change"], strict=False)
    }
    flags = is_protected(figures)
    secret = (
        {
            m: (bool(p), bool(cp))
            for m, p, cp in zip(
                values["measure"], values["protected"], values["change_protected"], strict=False
            )
        }
        if flags
        else {}
    )
    bases = {funnel.stages[0]: funnel.stages[0]} | dict(funnel_bases(funnel))
    rows = []
    for role, ids in (("stage", funnel.stages), ("outcome", funnel.outcomes)):
        for m in ids:
            value, change = lookup.get(m, (None, None))
            base = lookup.get(bases[m], (None, None))[0]
            share = value / base if value is not None and base else None
            row = {
                "measure": m,
                "role": role,
                "value": value,
                "change": change,
                "base": bases[m],
                "share": share,
            }
            if flags:
                hidden, change_hidden = secret.get(m, (False, False))
                row |= {
                    "value_protected": hidden,
                    "change_protected": change_hidden,
                    "share_protected": hidden or secret.get(bases[m], (False, False))[0],
                }
            rows.append(row)
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
    a = series_for(figures, part, months=months).set_index("month")
    b = series_for(figures, whole, months=months).set_index("month")
    share = (a["value"] / b["value"].where(b["value"] > 0)).rename("share")
    out = share.reset_index()
    if is_protected(figures):
        hidden = a["value_protected"] | b["value_protected"]
        out["share_protected"] = hidden.to_numpy()
    return out


@dataclass(frozen=True)
class TileComparison:
    """What a tile's value is compared with, by the measure's kind.

    basis: "new" (a running total: the month's new cases, the value minus the month before),
    "year" (a monthly count against the same month a year before), "average" (a monthly count
    against the average of the three months before it, when the year before is missing),
    "previous" (a stock: the change from the month before), or "" (nothing to compare with).
    """

    basis: str
    delta: float | None = None  # the value minus the reference
    reference: float | None = None  # the value compared with (the average for "average")
    first: pd.Timestamp | None = None  # the months compared with, first to last
    last: pd.Timestamp | None = None
    protected: bool = False  # worked out from a protected figure: shown as ".."


@dataclass(frozen=True)
class Tile:
    """A key figure on the overview: a month's value, what it is compared with, a trend."""

    measure: Measure
    month: pd.Timestamp
    value: int | None  # None: protected (the public view shows "..")
    comparison: TileComparison
    first_month: pd.Timestamp
    trend: pd.DataFrame  # month, value[, value_protected]: from the first figure to `month`


AVERAGE_MONTHS = 3


def tile_comparison(
    values: dict[pd.Timestamp, float], kind: str, month: pd.Timestamp
) -> TileComparison:
    """How a tile of `kind` compares the value of `month` (see TileComparison); `values` holds the
    measure's reported months. Never with the first month: a running total already counts
    from it, and a monthly count is compared with a like month or a recent average."""
    value = values[month]
    before = _shift(month, -1)
    if kind == "flow":
        year = _shift(month, -12)
        if year in values:
            return TileComparison("year", value - values[year], values[year], year, year)
        window = [_shift(month, -n) for n in range(AVERAGE_MONTHS, 0, -1)]
        if all(m in values for m in window):
            average = sum(values[m] for m in window) / AVERAGE_MONTHS
            return TileComparison("average", value - average, average, window[0], window[-1])
        return TileComparison("")
    if before not in values:
        return TileComparison("")
    basis = "new" if kind == "cumulative" else "previous"
    return TileComparison(basis, value - values[before], values[before], before, before)


def key_tiles(
    figures: pd.DataFrame, catalog: Catalog, month: date | pd.Timestamp | None = None
) -> list[Tile]:
    """One tile per key measure (catalog `key = true`) that has figures, in catalog order.

    Each shows `month` (default: its latest month); a measure without a figure in `month`
    shows its latest month before it, and one without any by then has no tile.
    """
    tiles = []
    for measure in catalog.measures:
        if not measure.key:
            continue
        rows = figures[(figures["measure"] == measure.id) & (figures["category"] == "")]
        if month is not None:
            rows = rows[rows["month"] <= pd.Timestamp(month)]
        # A protected figure is a figure: it is shown as "..", never skipped for an older one.
        known = rows["value"].notna()
        if "protected" in rows.columns:
            known |= rows["protected"].astype(bool)
        rows = rows[known].sort_values("month")
        if rows.empty:
            continue
        last, first = rows.iloc[-1], rows.iloc[0]
        values = {
            pd.Timestamp(m): float(v) for m, v in zip(rows["month"], rows["value"], strict=True)
        }
        shown = pd.Timestamp(last["month"])
        months = months_between(first["month"], shown)
        comparison = tile_comparison(values, measure.kind, shown)
        if comparison.delta is not None and pd.isna(comparison.delta):
            comparison = TileComparison(
                comparison.basis, None, None, comparison.first, comparison.last, protected=True
            )
        tiles.append(
            Tile(
                measure=measure,
                month=shown,
                value=None if pd.isna(last["value"]) else int(last["value"]),
                comparison=comparison,
                first_month=pd.Timestamp(first["month"]),
                trend=series_for(figures, measure.id, months=months).drop(
                    columns=["change", "change_protected"], errors="ignore"
                ),
            )
        )
    return tiles


@dataclass(frozen=True)
class TrendScale:
    """What a trend line spans: its first and last figure (with their months), lowest, highest."""

    first_month: pd.Timestamp
    first: float
    last_month: pd.Timestamp
    last: float
    low: float
    high: float


def trend_scale(trend: pd.DataFrame) -> TrendScale | None:
    """The scale a trend line is drawn on; None for fewer than two figures (no line)."""
    present = trend.dropna(subset=["value"]).sort_values("month")
    if len(present) < 2:
        return None
    first, last = present.iloc[0], present.iloc[-1]
    return TrendScale(
        pd.Timestamp(first["month"]),
        float(first["value"]),
        pd.Timestamp(last["month"]),
        float(last["value"]),
        float(present["value"].min()),
        float(present["value"].max()),
    )


def missing_in_month(
    figures: pd.DataFrame, catalog: Catalog, month: date | pd.Timestamp
) -> pd.DataFrame:
    """Measures with no figure in `month` among those whose initiative had started (as
    queries/missing_measures.sql for the latest month): measure, initiative."""
    stamp = pd.Timestamp(month)
    reported = set(figures.loc[figures["month"] == stamp, "measure"])
    rows = []
    for m in catalog.measures:
        initiative = catalog.initiative(m.initiative)
        started = initiative.started if initiative else None
        if m.id not in reported and (started is None or pd.Timestamp(started) <= stamp):
            rows.append((m.id, m.initiative))
    return pd.DataFrame(rows, columns=["measure", "initiative"])


def latest_complete_month(reported: pd.DataFrame, catalog: Catalog) -> pd.Timestamp | None:
    """The latest complete month: one in which every measure whose initiative had started
    (catalog `started`, the rule of queries/missing_measures.sql) has a figure; categories do
    not count. `reported` has a month and a measure column (figures, or
    queries/reported_measures.sql). A half-reported newer month (e.g. only TOP100's figures for
    January) never becomes the default a page shows. With no complete month at all, the latest
    month with any figure; None without figures."""
    if reported.empty:
        return None
    months = sorted(set(pd.to_datetime(reported["month"])), reverse=True)
    by_month = reported.assign(month=pd.to_datetime(reported["month"])).groupby("month")
    for month in months:
        if missing_in_month(by_month.get_group(month), catalog, month).empty:
            return month
    return months[0]


def changed_since_last_month(figures: pd.DataFrame, month: date) -> pd.DataFrame:
    """Figures of `month` that differ from the month before (totals and categories)."""
    rows = figures[
        (figures["month"] == pd.Timestamp(month))
        & figures["change"].notna()
        & (figures["change"] != 0)
    ]
    keep = ["measure", "category", "value", "change"] + (
        ["protected"] if is_protected(rows) else []
    )
    return rows[keep].reset_index(drop=True)


def events_between(
    events: pd.DataFrame,
    first: date | pd.Timestamp,
    last: date | pd.Timestamp,
    initiative: str | None = None,
) -> pd.DataFrame:
    """The events from the first day of month `first` to the last day of month `last`.

    With `initiative`, only that initiative's own events: the events of the whole area (no
    initiative: staff, tenders) explain no single initiative's figures, so they are not drawn
    on every initiative's charts; the overview's month (no `initiative`) shows every event.
    The one filter for a chart's period, an initiative's page and the overview's month.
    """
    dates = pd.to_datetime(events["event_date"])
    start = pd.Timestamp(first).to_period("M").start_time
    end = (pd.Timestamp(last).to_period("M") + 1).start_time
    keep = (dates >= start) & (dates < end)
    if initiative is not None:
        keep &= events["initiative"] == initiative
    return events[keep]


def target_progress(targets: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """Each target with the latest reported value and the share reached."""
    out = []
    flags = is_protected(figures)
    for t in targets.itertuples():
        rows = figures[(figures["measure"] == t.measure) & (figures["category"] == t.category)]
        rows = rows[rows["month"] <= pd.Timestamp(t.target_month)].sort_values("month")
        latest = rows.iloc[-1] if len(rows) else None
        hidden = {"protected": bool(latest["protected"])} if flags and latest is not None else {}
        if flags and latest is None:
            hidden = {"protected": False}
        out.append(
            hidden
            | {
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
                if latest is not None and t.value and pd.notna(latest["value"])
                else None,
            }
        )
    return pd.DataFrame(out)


# --- comparing two periods (the compare page) ---------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A run of months, from `first` to `last` inclusive."""

    first: pd.Timestamp
    last: pd.Timestamp

    @property
    def months(self) -> list[pd.Timestamp]:
        return months_between(self.first, self.last)

    def year_before(self) -> Period:
        return Period(_shift(self.first, -12), _shift(self.last, -12))


def _shift(month: pd.Timestamp, n: int) -> pd.Timestamp:
    return pd.Timestamp(add_months(_as_date(pd.Timestamp(month)), n))


# The compare page's presets, as written in the address: the latest complete quarter, the year
# to date, the latest month; each against the same months a year before.
PRESETS = ("kvartal", "aar", "maaned")


def preset_periods(preset: str, months: list[pd.Timestamp]) -> tuple[Period, Period]:
    """(period A, period B = the same months a year before) for a preset; the quarter for an
    unknown one. `months` are the months with figures (first to last), not empty.

    The quarter is the latest complete one among `months`, or else the last 3 months there are.
    """
    latest = months[-1]
    if preset == "maaned":
        a = Period(latest, latest)
    elif preset == "aar":
        a = Period(max(pd.Timestamp(latest.year, 1, 1), months[0]), latest)
    else:
        end = _shift(latest, -(latest.month % 3))  # the latest month ending a quarter
        start = _shift(end, -2)
        a = (
            Period(start, end)
            if start >= months[0]
            else Period(max(_shift(latest, -2), months[0]), latest)
        )
    return a, a.year_before()


def period_choices(months: list[pd.Timestamp]) -> list[pd.Timestamp]:
    """The months a period may be chosen from: those with figures and the year before them (a
    period compared with the year before may begin before the first figure)."""
    return months_between(_shift(months[0], -12), months[-1])


@dataclass(frozen=True)
class PeriodValue:
    """A measure over a period: the value, or None with the months it would need but lacks."""

    value: float | None
    missing: tuple[pd.Timestamp, ...] = ()
    protected: bool = False  # made of a protected figure: shown as ".."


def months_needed(kind: str, period: Period) -> list[pd.Timestamp]:
    """The months a measure's value over `period` is made of: every month for a count during
    the month (flow), the last for a level (stock), the last and the month before the first for
    a running total (cumulative): its increase over the period."""
    if kind == "stock":
        return [period.last]
    if kind == "cumulative":
        return [_shift(period.first, -1), period.last]
    return period.months


def period_value(
    values: dict[pd.Timestamp, float],
    kind: str,
    period: Period,
    protected: frozenset[pd.Timestamp] = frozenset(),
) -> PeriodValue:
    """The value of one series (month -> value) over `period` by the measure's kind (see
    months_needed). A month it needs without a figure leaves the value unknown: fewer months
    are never summed, nor is a missing start taken as 0. A month it needs whose figure is
    `protected` makes the value protected."""
    needed = months_needed(kind, period)
    if any(m in protected for m in needed):
        return PeriodValue(None, protected=True)
    missing = tuple(m for m in needed if pd.isna(values.get(m)))
    if missing:
        return PeriodValue(None, missing)
    if kind == "stock":
        return PeriodValue(float(values[period.last]))
    if kind == "cumulative":
        return PeriodValue(float(values[period.last] - values[needed[0]]))
    return PeriodValue(float(sum(values[m] for m in needed)))


# A percentage of a base this small swings with every single case.
SMALL_BASE = 10


@dataclass(frozen=True)
class Comparison:
    """One measure (or category) over periods A and B: the difference A - B, and the relative
    difference where it does not mislead; otherwise `no_relative` says why ("cumulative":
    a running total since the start; "small_base": B is under SMALL_BASE)."""

    measure: Measure
    category: str
    a: PeriodValue
    b: PeriodValue
    difference: float | None
    relative: float | None
    no_relative: str = ""


def compare(
    values_a: PeriodValue, values_b: PeriodValue, kind: str
) -> tuple[float | None, float | None, str]:
    """(difference, relative, no_relative) of A against B (see Comparison)."""
    if values_a.value is None or values_b.value is None:
        return None, None, "protected" if values_a.protected or values_b.protected else ""
    difference = values_a.value - values_b.value
    if kind == "cumulative":
        return difference, None, "cumulative"
    if abs(values_b.value) < SMALL_BASE:
        return difference, None, "small_base"
    return difference, difference / values_b.value, ""


def compare_periods(
    figures: pd.DataFrame, catalog: Catalog, a: Period, b: Period
) -> list[Comparison]:
    """Every measure and category with a figure in the months periods A and B need, in
    catalog order (the total first, then its categories). `figures` has month, measure,
    category, value (e.g. queries/figures_in_range.sql)."""
    out = []
    for measure in catalog.measures:
        rows = figures[figures["measure"] == measure.id]
        if rows.empty:
            continue
        needed = set(months_needed(measure.kind, a)) | set(months_needed(measure.kind, b))
        present = set(rows.loc[rows["month"].isin(needed), "category"])
        flags = "protected" in rows.columns
        known = ["", *measure.category_ids]
        for category in known + sorted(present - set(known)):
            if category not in present:
                continue
            mine = rows[rows["category"] == category]
            values = dict(zip(mine["month"], mine["value"].astype("float"), strict=True))
            hidden = (
                frozenset(mine.loc[mine["protected"].astype(bool), "month"])
                if flags
                else frozenset()
            )
            in_a = period_value(values, measure.kind, a, hidden)
            in_b = period_value(values, measure.kind, b, hidden)
            out.append(
                Comparison(measure, category, in_a, in_b, *compare(in_a, in_b, measure.kind))
            )
    return out


# The compare page's own choices in the address: a preset, or each period's first and last month.
PERIOD_PRESET = "periode"
PERIOD_MONTHS = ("a_fra", "a_til", "b_fra", "b_til")


def _month_in(value: str | None, choices: list[pd.Timestamp]) -> pd.Timestamp | None:
    try:
        month = pd.Timestamp(parse_month(value)) if value else None
    except ValueError:
        return None
    return month if month in choices else None


def chosen_periods(
    chosen: dict[str, str], months: list[pd.Timestamp], latest: pd.Timestamp | None = None
) -> tuple[str, Period, Period]:
    """(the preset, period A, period B) the address asks for: each month named in it that is
    one of period_choices(months) replaces the preset's (the quarter's, if the address names
    none or an unknown one); a period given backwards is turned round. The preset is "" when
    the periods are not its own. The presets end at `latest` (the latest complete month,
    latest_complete_month) when given; a later month can still be chosen by name."""
    preset = chosen.get(PERIOD_PRESET, "")
    preset = preset if preset in PRESETS else PRESETS[0]
    complete = [m for m in months if latest is None or m <= latest] or months
    a, b = preset_periods(preset, complete)
    choices = period_choices(months)
    picked = [_month_in(chosen.get(name), choices) for name in PERIOD_MONTHS]
    ends = [
        p if p is not None else d
        for p, d in zip(picked, (a.first, a.last, b.first, b.last), strict=True)
    ]
    periods = [Period(*sorted(ends[:2])), Period(*sorted(ends[2:]))]
    if (periods[0], periods[1]) != (a, b):
        preset = ""
    return preset, periods[0], periods[1]
