"""The rules of DOMAIN.md as pure functions: errors reject a file, warnings need an acknowledgement.

Errors are about single rows (and duplicate keys); warnings are about the state the
figures would be in after a save, so they compare measures, categories and months.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from .catalog import Catalog
from .months import current_month, month_label, parse_month
from .records import MAX_VALUE, Figure, Problem, RawRow

EARLIEST_MONTH = date(2000, 1, 1)
MAX_NOTE_CHARS = 1_000  # DOMAIN.md: a note has at most 1,000 characters
# A month, measure, category or value is short; a longer cell is not one, and is not echoed.
MAX_KEY_CHARS = 100
# C0 and C1 control characters (tab and line breaks too) and DEL: never in a cell, and
# shown escaped when a message repeats text from a file.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_WHOLE = re.compile(r"^[+-]?\d+$")
# A whole number written with thousands separators: "1.234", "1 234", "12.345.678", "1,234".
_GROUPED = re.compile(r"^\d{1,3}(?:([.,\s\u00a0\u202f'])\d{3})(?:\1\d{3})*$")

# State: the value of every figure that exists, keyed by (month, measure, category).
State = dict[tuple[date, str, str], int]


@dataclass(frozen=True)
class FigureWarning:
    """A figure that may be right but looks wrong; `rule` names the DOMAIN.md rule."""

    rule: str
    month: date
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "month": self.month.isoformat(), "message": self.message}


def parse_value(raw: object) -> int:
    """Return the whole number in `raw`, or raise ValueError with a Danish reason."""
    if isinstance(raw, bool):
        raise ValueError(f"«{raw}» er ikke et helt tal")
    if isinstance(raw, int):
        number = raw
    elif isinstance(raw, float):
        if not raw.is_integer():
            raise ValueError(f"«{raw:g}» er ikke et helt tal".replace(".", ","))
        number = int(raw)
    else:
        text = str(raw).strip()
        if not _WHOLE.match(text):
            raise ValueError(f"«{text}» er ikke et helt tal{_separator_hint(text)}")
        number = int(text)
    if number < 0:
        raise ValueError(f"{number} er negativ; tal kan ikke være under 0")
    if number > MAX_VALUE:
        raise ValueError(f"{number} er over grænsen på {_fmt(MAX_VALUE)}")
    return number


def _separator_hint(text: str) -> str:
    """A value written with thousands separators gets the way to write it."""
    grouped = _GROUPED.match(text)
    if not grouped:
        return ""
    digits = re.sub(r"\D", "", text)
    if grouped.group(1) == ",":  # in Danish a decimal comma; in an English export a separator
        return f"; er kommaet et tusindtalsskilletegn, så skriv {digits}"
    return f"; skriv {digits} (uden tusindtalsskilletegn)"


def printable(text: str) -> str:
    """`text` with every control character shown escaped (\\x1b, \\t, \\n): a message that repeats
    a file's text can then neither move the terminal's cursor nor erase or fake a line."""
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return {"\t": "\\t", "\n": "\\n", "\r": "\\r"}.get(char, f"\\x{ord(char):02x}")


def cell_problems(row: RawRow) -> list[Problem]:
    """Cells that no rule should read: control characters, a note over 1,000 characters, a
    month, measure, category or value too long to be one. Messages never repeat the cell."""
    problems = []
    for name in ("month", "measure", "category", "value", "note"):
        raw = getattr(row, name)
        if not isinstance(raw, str):
            continue
        column = row.columns.get(name)
        if found := _CONTROL.search(raw):
            problems.append(
                Problem(
                    f"cellen indeholder kontroltegnet {printable(found.group())} (tegn nr. "
                    f"{found.start() + 1}); kontroltegn, også tabulator og linjeskift, må ikke "
                    "stå i en celle",
                    row.line,
                    column,
                )
            )
        elif name == "note" and len(raw.strip()) > MAX_NOTE_CHARS:
            problems.append(
                Problem(
                    f"bemærkningen har {_fmt(len(raw.strip()))} tegn; den må højst have "
                    f"{_fmt(MAX_NOTE_CHARS)} tegn",
                    row.line,
                    column,
                )
            )
        elif name != "note" and len(raw.strip()) > MAX_KEY_CHARS:
            problems.append(
                Problem(
                    f"cellen har {_fmt(len(raw.strip()))} tegn; en {_FIELD_DA[name]} har højst "
                    f"{MAX_KEY_CHARS} tegn",
                    row.line,
                    column,
                )
            )
    return problems


_FIELD_DA = {"month": "måned", "measure": "måling", "category": "kategori", "value": "værdi"}


def _suggestion(typed: str, known: list[str]) -> str:
    """ "; mente du X?" for a near miss among `known` (case ignored), else ""."""
    by_key = {k.casefold(): k for k in known}
    close = difflib.get_close_matches(typed.casefold(), list(by_key), n=1, cutoff=0.6)
    return f"; mente du {by_key[close[0]]}?" if close else ""


def _text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # Excel stores category 1 as 1.0
    return str(raw).strip()


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


def _wide(row: RawRow) -> bool:
    """Whether the row came from the wide template, where the month is the column's header."""
    month_column = row.columns.get("month")
    return bool(month_column) and row.columns.get("value", "").startswith(f"{month_column} (")


class _Mistakes:
    """Row errors with one message per mistake.

    The wide template repeats a row's measure and category in every month column, and a
    month header's mistake in every row: each is reported once, a header's with its lines.
    """

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._index: dict[tuple[str, int | None, str | None], int] = {}
        self._more_lines: dict[int, list[int]] = defaultdict(list)

    def add(self, problem: Problem, from_header: bool = False) -> None:
        key = (problem.reason, None if from_header else problem.line, problem.column)
        if key not in self._index:
            self._index[key] = len(self.problems)
            self.problems.append(problem)
        elif from_header and problem.line is not None:
            self._more_lines[self._index[key]].append(problem.line)

    def result(self) -> list[Problem]:
        out = []
        for index, problem in enumerate(self.problems):
            more = sorted(set(self._more_lines.get(index, [])) - {problem.line})
            if more:
                shown = ", ".join(map(str, more[:10])) + (" …" if len(more) > 10 else "")
                problem = Problem(
                    f"{problem.reason} (også linje {shown})", problem.line, problem.column
                )
            out.append(problem)
        return out


def _fmt(n: int) -> str:
    return f"{n:,}".replace(",", ".")


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
