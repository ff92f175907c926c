"""The rules of DOMAIN.md, one definition for every way figures come in: errors reject a file,
warnings need an acknowledgement.

Errors are about single rows (and duplicate keys); warnings are about the state the
figures would be in after a save, so they compare measures, categories and months.

The engine runs in DuckDB, so that a file of 276,000 figures is checked without a Python object
per row, and a form's three values go through the very same rules:

- rows are staged in a table `staging` on a `work_connection()` (an in-memory database): by
  `stage_rows(conn, rows)` for RawRows (a form, a test, the csv module's or openpyxl's reading)
  or by `files.stage_figures` for a file (a large plain CSV straight from DuckDB's read_csv);
- `check(staged, catalog, today) -> list[Problem]` is the entry point for the row rules: every
  row error in row order with its line, column and Danish reason, and the figures the rows give
  in the temp table `rule_checked`. The SQL finds (queries/rules_*.sql); Python says what SQL
  says badly, once per DISTINCT cell: the month (Danish month names: months.parse_month), the
  value (parse_value, with its thousands-separator hint), the measure and category (the
  catalog, difflib's "mente du …?"), and each unreadable cell's message (cell_problems);
- the warnings are queries/rules_warnings.sql over one or more states (`added_warnings` for a
  save: only the months and series it touches, before and after, in one query).

`validate_rows`, `find_warnings` and `new_warnings` are the same engine for Python values (lists
of RawRows, dicts of figures); `imports.import_rows` (a dry run for the app's forms) puts rows through it
against the store.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from .catalog import Catalog
from .db import sql
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


# --- the rule engine: rows staged in DuckDB, the rules in queries/rules_*.sql -----------------

# Which staging column holds which field, and its bit in `objs` (the cell was not text).
_FIELDS = ("month", "measure", "category", "value", "note")
_OBJ_BIT = {"month": 1, "measure": 2, "category": 4, "value": 8, "note": 16}


@dataclass
class Staged:
    """Rows staged for the rules: `conn`'s temp table `staging`, and what the table does not hold.

    `staging` has the rows a file or form gives, as found: `ord` (bigint) is the row's place (rows
    are checked and reported in that order), `line` (bigint) the line or sheet row the user sees,
    `src` (integer) the set of column names its messages use, `objs` (integer) the cells that were
    not text (bit 1 month, 2 measure, 4 category, 8 value, 16 note: an Excel number or date), and
    month, measure, category, value, note (varchar, '' when empty). Besides the table:
    `columns[src]`, the column names a row's messages use, and `objects`, the cells that were not
    text (an XLSX number or date) by the key their cell holds."""

    conn: duckdb.DuckDBPyConnection
    columns: list[dict[str, str]]
    objects: dict[str, object] = field(default_factory=dict)
    figures: int = 0  # after `check`: how many figures the rows give (rule_checked's rows)
    rows: int | None = None  # how many rows `staging` has, when known (stage_rows)


# Up to this many staged rows, rule_valid is a table (its joins done once, not in each statement
# of the plan that reads it); above, a view (a large file's copy would cost memory).
_TABLE_ROWS = 20_000

_WORK: list[duckdb.DuckDBPyConnection] = []
_LOCK = threading.RLock()


def work_connection() -> duckdb.DuckDBPyConnection:
    """A new connection to the process's in-memory DuckDB database, where the rules stage and
    check rows (temp tables are each connection's own; close it, or use it in a `with`). Opening
    a database costs tens of milliseconds; a connection to an open one costs nothing."""
    with _LOCK:
        if not _WORK:
            database = duckdb.connect(":memory:")
            database.execute(sql("rules_database"))
            _WORK.append(database)
        return _WORK[0].cursor()


def stage_rows(conn: duckdb.DuckDBPyConnection, rows: Iterable[RawRow]) -> Staged:
    """Put raw rows (from the Python reader, a test or a form) into `conn`'s staging table.

    Text cells go in as they are. A cell that is not text keeps its meaning: a month or value
    (an Excel date or number) is kept in `objects` and parsed from there, a measure, category
    or note is written as the rules read it (`_text`); None is an empty cell.
    """
    columns: list[dict[str, str]] = []
    sources: dict[tuple[tuple[str, str], ...], int] = {}
    objects: dict[str, object] = {}
    out: dict[str, list[Any]] = {name: [] for name in ("ord", "line", "src", "objs", *_FIELDS)}
    for ord_, row in enumerate(rows):
        key = tuple(row.columns.items())
        src = sources.get(key)
        if src is None:
            src = sources[key] = len(columns)
            columns.append(dict(row.columns))
        bits = 0
        for name in _FIELDS:
            raw = getattr(row, name)
            if isinstance(raw, str):
                text = raw
            elif raw is None and name != "value":
                text = ""  # an empty cell: parse_month(None) and parse_month("") agree
            elif name in ("month", "value"):
                text = f"#{len(objects)}"
                objects[text] = raw
                bits |= _OBJ_BIT[name]
            else:
                text = _text(raw)
                bits |= _OBJ_BIT[name]
            out[name].append(text)
        out["ord"].append(ord_)
        out["line"].append(row.line)
        out["src"].append(src)
        out["objs"].append(bits)
    table = pa.table(
        {
            "ord": pa.array(out["ord"], pa.int64()),
            "line": pa.array(out["line"], pa.int64()),
            "src": pa.array(out["src"], pa.int32()),
            "objs": pa.array(out["objs"], pa.int32()),
            **{name: pa.array(out[name], pa.string()) for name in _FIELDS},
        }
    )
    conn.register("rule_rows_in", table)
    try:
        # the staging table is the Arrow table's copy (the types of Staged's docstring)
        conn.execute("create or replace temp table staging as select * from rule_rows_in")
    finally:
        conn.unregister("rule_rows_in")
    return Staged(conn, columns, objects, rows=len(out["ord"]))


def check(staged: Staged, catalog: Catalog, today: date | None = None) -> list[Problem]:
    """Every row error of the staged rows, in row order, each naming its line and column.

    This is the one definition of the row rules (validate_rows, the import and the entry form
    all come here). It leaves the figures the rows give in the temp table `rule_checked`
    (ord, line, month, measure, category, value, note): one per (month, measure, category), the
    first row's, in row order. Duplicate keys with the same value are kept once; with
    different values they are an error.
    """
    conn = staged.conn
    latest = current_month(today)
    found: list[tuple[int, int, int, Problem, bool]] = []  # (ord, seq, n, problem, from_header)
    # 1. Cells no rule should read (control characters, overlong): the row is not read further.
    bad: list[int] = []
    candidates = conn.execute(
        sql("rules_cell_candidates"),
        {"control": _CONTROL.pattern, "key_chars": MAX_KEY_CHARS, "note_chars": MAX_NOTE_CHARS},
    ).fetchall()
    for ord_, line, src, objs, *cells in candidates:
        values = [None if objs & _OBJ_BIT[n] else c for n, c in zip(_FIELDS, cells, strict=True)]
        problems = cell_problems(RawRow(line, *values, columns=staged.columns[src]))
        if problems:
            bad.append(ord_)
            found += [(ord_, 0, n, p, False) for n, p in enumerate(problems)]
    if bad:
        conn.register("rule_bad_cells", _arrow({"ord": bad}, {"ord": pa.int64()}))
        conn.execute(
            "create or replace temp view rule_readable as select * from staging "
            "anti join rule_bad_cells using (ord)"
        )
    else:
        conn.execute("create or replace temp view rule_readable as select * from staging")
    # 2. Each distinct month, value, measure + category and note, read once in Python.
    months: dict[str, list[Any]] = {"raw": [], "obj": [], "month": [], "reason": []}
    values: dict[str, list[Any]] = {"raw": [], "obj": [], "number": [], "reason": []}
    keys: dict[str, list[Any]] = {
        "measure_raw": [], "category_raw": [], "measure": [], "category": [], "field": [],
        "reason": [],
    }  # fmt: skip
    notes: dict[str, list[Any]] = {"raw": [], "note": []}
    for kind, a, b, obj in conn.execute(sql("rules_distinct")).fetchall():
        if kind == "month":
            month, reason = _month_or_reason(staged.objects[a] if obj else a, latest)
            for name, item in zip(months, (a, obj, month, reason), strict=True):
                months[name].append(item)
        elif kind == "value":
            number, reason = _value_or_reason(staged.objects[a] if obj else a)
            for name, item in zip(values, (a, obj, number, reason), strict=True):
                values[name].append(item)
        elif kind == "key":
            measure_id, category = _text(a), _text(b)
            problem = _key_problem(measure_id, category, catalog)
            row = (a, b, measure_id, category, *(problem or (None, None)))
            for name, item in zip(keys, row, strict=True):
                keys[name].append(item)
        elif (note := _text(a)) != a:
            notes["raw"].append(a)
            notes["note"].append(note)
    for name, data, types in (
        ("rule_months", months, {"obj": pa.bool_(), "month": pa.date32()}),
        ("rule_values", values, {"obj": pa.bool_(), "number": pa.int64()}),
        ("rule_keys", keys, {}),
        ("rule_notes", notes, {}),
    ):
        conn.register(name, _arrow(data, types))
    # 3. Row errors and duplicates in SQL (each only when there may be one); the figures in
    # rule_checked.
    errors = []
    if any(months["reason"]) or any(values["reason"]) or any(keys["reason"]):
        errors += conn.execute(sql("rules_row_errors")).fetchall()
    valid, kind = sql("rules_valid"), "view"
    if staged.rows is not None and staged.rows <= _TABLE_ROWS:
        valid, kind = valid.replace("temp view rule_valid", "temp table rule_valid"), "table"
    try:
        conn.execute(valid)
    except duckdb.CatalogException:  # an earlier check on this connection made the other kind
        conn.execute(f"drop {'view' if kind == 'table' else 'table'} rule_valid")
        conn.execute(valid)
    rows, figures = conn.execute(
        "select count(*), count(distinct (month, measure, category)) from rule_valid"
    ).fetchall()[0]
    staged.figures = figures
    if rows > figures:  # a figure given twice (or more)
        conn.execute(sql("rules_repeated"))
        conn.execute(sql("rules_duplicates"))
        errors += conn.execute(
            "select ord, seq, line, src, field, reason from rule_duplicate_errors"
        ).fetchall()
    else:
        conn.execute(
            "create or replace temp view rule_checked as "
            "select ord, line, month, measure, category, value, note from rule_valid"
        )
    for ord_, seq, line, src, field_name, reason in errors:
        columns = staged.columns[src]
        column = columns.get(field_name)
        from_header = seq < 4 and _wide(columns) and column == columns.get("month")
        found.append((ord_, seq, 0, Problem(reason, line, column), from_header))
    found.sort(key=lambda item: item[:3])
    mistakes = _Mistakes()
    for *_, problem, from_header in found:
        mistakes.add(problem, from_header=from_header)
    return mistakes.result()


def _arrow(data: dict[str, list[Any]], types: dict[str, pa.DataType]) -> pa.Table:
    """An Arrow table of columns in Python (text unless `types` says other)."""
    return pa.table(
        {key: pa.array(items, types.get(key, pa.string())) for key, items in data.items()}
    )


def _month_or_reason(raw: object, latest: date) -> tuple[date | None, str | None]:
    try:
        month = parse_month(raw)
        if month < EARLIEST_MONTH:
            raise ValueError(f"{month_label(month)} er før januar 2000")
        if month > latest:
            raise ValueError(f"{month_label(month)} ligger i fremtiden")
    except ValueError as exc:
        return None, str(exc)
    return month, None


def _value_or_reason(raw: object) -> tuple[int | None, str | None]:
    try:
        return parse_value(raw), None
    except ValueError as exc:
        return None, str(exc)


def _key_problem(measure_id: str, category: str, catalog: Catalog) -> tuple[str, str] | None:
    """(field, reason) when the catalog has no figure for this measure and category."""
    measure = catalog.measure(measure_id)
    if not measure_id:
        return "measure", "måling mangler"
    if measure is None:
        near = _suggestion(measure_id, [m.id for m in catalog.measures])
        return "measure", f"ukendt måling «{measure_id}»{near}"
    if category and category not in measure.category_ids:
        allowed = ", ".join(measure.category_ids) or "ingen (kun total)"
        near = _suggestion(category, list(measure.category_ids))
        return (
            "category",
            f"måling «{measure_id}» har ikke kategorien «{category}» (tilladt: {allowed}){near}",
        )
    return None


def validate_rows(
    rows: list[RawRow], catalog: Catalog, today: date | None = None
) -> tuple[list[Figure], list[Problem]]:
    """Turn raw rows into figures; every row error is reported, with its line and column.

    A thin wrapper over `check` on an in-memory DuckDB connection: the figures in row order.
    """
    with work_connection() as conn:
        problems = check(stage_rows(conn, rows), catalog, today)
        figures = [
            Figure(month, measure, category, value, note, line)
            for month, measure, category, value, note, line in conn.execute(
                "select month, measure, category, value, note, line from rule_checked order by ord"
            ).fetchall()
        ]
    return figures, problems


def _wide(columns: dict[str, str]) -> bool:
    """Whether a row came from the wide template, where the month is the column's header."""
    month_column = columns.get("month")
    return bool(month_column) and columns.get("value", "").startswith(f"{month_column} (")


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


# --- warnings: queries/rules_warnings.sql over a state of figures ------------------------------


def find_warnings(state: State, catalog: Catalog) -> list[FigureWarning]:
    """Every warning rule of DOMAIN.md over `state`, sorted by month and rule."""
    with work_connection() as conn:
        conn.register("rule_state", _state_table(state))
        return _warnings(conn, catalog, ["rule_state"])[0]


def new_warnings(before: State, after: State, catalog: Catalog) -> list[FigureWarning]:
    """Warnings that `after` has and `before` did not: what a save would add."""
    with work_connection() as conn:
        conn.register("rule_before", _state_table(before))
        conn.register("rule_after", _state_table(after))
        changed = {key for key, value in after.items() if before.get(key) != value}
        changed |= before.keys() - after.keys()
        conn.register("rule_changed", _state_table(dict.fromkeys(changed, 0)))
        return added_warnings(conn, catalog, "rule_before", "rule_after", "rule_changed")


def added_warnings(
    conn: duckdb.DuckDBPyConnection, catalog: Catalog, before: str, after: str, touched: str
) -> list[FigureWarning]:
    """The warnings of the relation `after` that `before` does not have, sorted by month and
    rule. Both are (month, measure, category, value) on `conn`; `touched` holds (at least) every
    (month, measure, category) whose value differs between them. Only the months and series
    it touches are checked: a warning elsewhere is the same before and after."""
    earlier, later = _warnings(conn, catalog, [before, after], touched=touched)
    known = set(earlier)
    return [w for w in later if w not in known]


def _warnings(
    conn: duckdb.DuckDBPyConnection,
    catalog: Catalog,
    states: list[str],
    *,
    touched: str | None = None,
) -> list[list[FigureWarning]]:
    """The warnings over each relation in `states` (month, measure, category, value) on `conn`,
    in one query, each list sorted by month, rule and message; with `touched`, only in the
    months and series that relation has (see added_warnings)."""
    months = f" where month in (select month from {touched})" if touched else ""
    series = (
        f" where (measure, category) in (select measure, category from {touched})"
        if touched
        else ""
    )
    for name, where in (("warn_months", months), ("warn_series", series)):
        union = " union all ".join(
            f"select {side} as side, month, measure, category, value from {state}{where}"
            for side, state in enumerate(states)
        )
        conn.execute(f"create or replace temp view {name} as {union}")
    with _LOCK:  # the catalog tables are the database's: no other thread replaces them meanwhile
        _catalog_into(conn, catalog)
        rows = conn.execute(sql("rules_warnings")).fetchall()
    found: list[list[FigureWarning]] = [[] for _ in states]
    for side, rule, month, message in rows:
        found[side].append(FigureWarning(rule, month, message))
    for warnings in found:
        warnings.sort(key=lambda w: (w.month, w.rule, w.message))
    return found


def _state_table(state: State) -> pa.Table:
    months, measures, categories = zip(*state, strict=True) if state else ((), (), ())
    return pa.table(
        {
            "month": pa.array(months, pa.date32()),
            "measure": pa.array(measures, pa.string()),
            "category": pa.array(categories, pa.string()),
            "value": pa.array(list(state.values()), pa.int64()),
        }
    )


_CATALOG_TABLES: list[tuple[Catalog, dict[str, pa.Table]]] = []  # which catalog is loaded


def _catalog_into(conn: duckdb.DuckDBPyConnection, catalog: Catalog) -> None:
    """The catalog as the warning query reads it: tables rule_measures, rule_categories and
    rule_relations in the rules' in-memory database (`conn` is a work_connection), made once per
    catalog."""
    with _LOCK:
        if _CATALOG_TABLES and _CATALOG_TABLES[0][0] is catalog:
            return
        for name, table in _catalog_tables(catalog).items():
            conn.register(f"{name}_in", table)
            try:
                conn.execute(f"create or replace table {name} as select * from {name}_in")
            finally:
                conn.unregister(f"{name}_in")
        _CATALOG_TABLES[:] = [(catalog, {})]  # the last catalog only: one per process


def _catalog_tables(catalog: Catalog) -> dict[str, pa.Table]:
    measures: dict[str, list[Any]] = {
        "measure_id": [], "label_da": [], "kind": [], "n_categories": [], "started": [],
        "initiative_name": [],
    }  # fmt: skip
    categories: dict[str, list[Any]] = {"measure_id": [], "category": []}
    relations: dict[str, list[Any]] = {"rel": [], "kind": [], "pos": [], "measure_id": [], "n": []}
    initiatives = {i.id: i for i in catalog.initiatives}
    for m in catalog.measures:
        initiative = initiatives.get(m.initiative)
        started = initiative.started if initiative else None
        row = (m.id, m.label_da, m.kind, len(m.categories), started,
               initiative.name_da if initiative else None)  # fmt: skip
        for name, item in zip(measures, row, strict=True):
            measures[name].append(item)
        for c in m.categories:
            categories["measure_id"].append(m.id)
            categories["category"].append(c.id)
    for rel, relation in enumerate(catalog.relations):
        for pos, measure_id in enumerate(relation.measures):
            row = (rel, relation.kind, pos, measure_id, len(relation.measures))
            for name, item in zip(relations, row, strict=True):
                relations[name].append(item)
    types = {"n_categories": pa.int64(), "started": pa.date32(), "rel": pa.int64(),
             "pos": pa.int64(), "n": pa.int64()}  # fmt: skip
    return {
        name: pa.table({k: pa.array(v, types.get(k, pa.string())) for k, v in data.items()})
        for name, data in (
            ("rule_measures", measures),
            ("rule_categories", categories),
            ("rule_relations", relations),
        )
    }
