"""The rules as they were written in Python before the import ran them as SQL: the reference the
SQL engine (dashboard.rules) is tested against, row by row and warning by warning. Not used by
krimdash itself.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from dashboard.catalog import Catalog
from dashboard.months import current_month, month_label, parse_month
from dashboard.records import Figure, Problem, RawRow
from dashboard.rules import (
    EARLIEST_MONTH,
    FigureWarning,
    State,
    _fmt,
    _Mistakes,
    _suggestion,
    _text,
    cell_problems,
    parse_value,
)


def _wide(row: RawRow) -> bool:
    """Whether the row came from the wide template, where the month is the column's header."""
    month_column = row.columns.get("month")
    return bool(month_column) and row.columns.get("value", "").startswith(f"{month_column} (")


def validate_rows(
    rows: list[RawRow], catalog: Catalog, today: date | None = None
) -> tuple[list[Figure], list[Problem]]:
    """Turn raw rows into figures; every row error is reported, with its line and column.

    Duplicate keys with the same value are kept once; with different values they are an error.
    """
    latest = current_month(today)
    figures: dict[tuple[date, str, str], Figure] = {}
    mistakes = _Mistakes()
    for row in rows:
        col = row.columns.get
        if unreadable := cell_problems(row):
            for problem in unreadable:
                mistakes.add(problem)
            continue
        row_errors: list[Problem] = []
        measure_id = _text(row.measure)
        category = _text(row.category)
        measure = catalog.measure(measure_id)
        if not measure_id:
            row_errors.append(Problem("måling mangler", row.line, col("measure")))
        elif measure is None:
            near = _suggestion(measure_id, [m.id for m in catalog.measures])
            row_errors.append(
                Problem(f"ukendt måling «{measure_id}»{near}", row.line, col("measure"))
            )
        elif category and category not in measure.category_ids:
            allowed = ", ".join(measure.category_ids) or "ingen (kun total)"
            near = _suggestion(category, list(measure.category_ids))
            row_errors.append(
                Problem(
                    f"måling «{measure_id}» har ikke kategorien «{category}» "
                    f"(tilladt: {allowed}){near}",
                    row.line,
                    col("category"),
                )
            )
        month = None
        try:
            month = parse_month(row.month)
            if month < EARLIEST_MONTH:
                raise ValueError(f"{month_label(month)} er før januar 2000")
            if month > latest:
                raise ValueError(f"{month_label(month)} ligger i fremtiden")
        except ValueError as exc:
            row_errors.append(Problem(str(exc), row.line, col("month")))
        value = None
        try:
            value = parse_value(row.value)
        except ValueError as exc:
            row_errors.append(Problem(str(exc), row.line, col("value")))
        if row_errors:
            for problem in row_errors:
                mistakes.add(problem, from_header=_wide(row) and problem.column == col("month"))
            continue
        assert month is not None and value is not None
        figure = Figure(month, measure_id, category, value, _text(row.note), row.line)
        earlier = figures.get(figure.key)
        if earlier is None:
            figures[figure.key] = figure
        elif earlier.value != value:
            mistakes.add(
                Problem(
                    f"{month_label(month)} / {measure_id}"
                    + (f" / kategori {category}" if category else "")
                    + f" står to gange med forskellige værdier ({earlier.value} i linje "
                    f"{earlier.line} og {value} her)",
                    row.line,
                    col("value"),
                )
            )
    return list(figures.values()), mistakes.result()


def find_warnings(state: State, catalog: Catalog) -> list[FigureWarning]:
    """Every warning rule of DOMAIN.md over `state`, sorted by month and rule."""
    warnings: list[FigureWarning] = []
    by_month: dict[date, dict[tuple[str, str], int]] = defaultdict(dict)
    for (month, measure_id, category), value in state.items():
        by_month[month][(measure_id, category)] = value

    def label(measure_id: str, category: str = "") -> str:
        m = catalog.measure(measure_id)
        text = m.label_da if m else measure_id
        return f"{text}, kategori {category}" if category else text

    for month, values in by_month.items():
        when = month_label(month)
        # Parts of a measure against its total.
        for measure in catalog.measures:
            if not measure.categories or (measure.id, "") not in values:
                continue
            total = values[(measure.id, "")]
            parts = [
                values[(measure.id, c)] for c in measure.category_ids if (measure.id, c) in values
            ]
            complete = len(parts) == len(measure.categories)
            if sum(parts) > total or (complete and sum(parts) != total):
                warnings.append(
                    FigureWarning(
                        "categories_vs_total",
                        month,
                        f"{when}: kategorierne for {label(measure.id)} summerer til "
                        f"{_fmt(sum(parts))}, men totalen er {_fmt(total)}",
                    )
                )
        for relation in catalog.relations:
            present = [(mid, values.get((mid, ""))) for mid in relation.measures]
            if relation.kind == "not_above":
                (mid, value), (limit_id, limit) = present
                if value is not None and limit is not None and value > limit:
                    warnings.append(
                        FigureWarning(
                            "not_above",
                            month,
                            f"{when}: {label(mid)} ({_fmt(value)}) er flere end "
                            f"{label(limit_id)} ({_fmt(limit)})",
                        )
                    )
            elif relation.kind == "sum_equals" and all(v is not None for _, v in present):
                *parts, (total_id, total) = present
                parts_sum = sum(v for _, v in parts)  # type: ignore[misc]
                if parts_sum != total:
                    terms = " + ".join(f"{label(mid)} ({_fmt(v)})" for mid, v in parts)  # type: ignore[arg-type]
                    warnings.append(
                        FigureWarning(
                            "sum_equals",
                            month,
                            f"{when}: {terms} = {_fmt(parts_sum)}, men {label(total_id)} "
                            f"er {_fmt(total)}",  # type: ignore[arg-type]
                        )
                    )
        for measure_id, category in values:
            measure = catalog.measure(measure_id)
            initiative = catalog.initiative(measure.initiative) if measure else None
            if initiative and initiative.started and month < initiative.started:
                warnings.append(
                    FigureWarning(
                        "before_start",
                        month,
                        f"{when}: {label(measure_id, category)} har et tal før "
                        f"{initiative.name_da} startede ({month_label(initiative.started)})",
                    )
                )
    # A running total should never fall: compare with the latest earlier month that has a figure.
    series: dict[tuple[str, str], list[tuple[date, int]]] = defaultdict(list)
    for (month, measure_id, category), value in state.items():
        measure = catalog.measure(measure_id)
        if measure and measure.kind == "cumulative":
            series[(measure_id, category)].append((month, value))
    for (measure_id, category), points in series.items():
        points.sort()
        for (before, old), (month, new) in zip(points, points[1:], strict=False):
            if new < old:
                warnings.append(
                    FigureWarning(
                        "cumulative_decrease",
                        month,
                        f"{month_label(month)}: {label(measure_id, category)} er {_fmt(new)}, lavere "
                        f"end {_fmt(old)} i {month_label(before)}; en løbende total bør ikke falde",
                    )
                )
    warnings.sort(key=lambda w: (w.month, w.rule, w.message))
    return warnings


def new_warnings(before: State, after: State, catalog: Catalog) -> list[FigureWarning]:
    """Warnings that `after` has and `before` did not: what a save would add."""
    existing = set(find_warnings(before, catalog))
    return [w for w in find_warnings(after, catalog) if w not in existing]
