"""The rules of DOMAIN.md, one definition for every way figures come in: errors reject a file,
warnings need an acknowledgement.

Errors are about single rows (and duplicate keys); warnings are about the state the
figures would be in after a save, so they compare measures, categories and months.

The engine runs in DuckDB, so that a file of 276,000 figures is checked without a Python object
per row, and a form's three values go through the very same rules:

- rows are staged in a table `staging` on a DuckDB connection: the store's own connection for
  an import (its temp tables, inside the write transaction: no second database), or a
  `work_connection()` for Python values. `stage_rows(conn, rows)` stages RawRows (a form, a
  test, the csv module's or openpyxl's reading) as a temp table made from lists (a few rows;
  an Arrow table for many: `_put`), `files.stage_figures` a file (a large plain CSV straight from
  DuckDB's read_csv);
- `check(staged, catalog, today) -> list[Problem]` is the entry point for the row rules: every
  row error in row order with its line, column and Danish reason, and the figures the rows give
  in the temp table `rule_checked`. The SQL finds (queries/rules_*.sql); Python says what SQL
  says badly, once per DISTINCT cell: the month (Danish month names: months.parse_month), the
  value (parse_value, with its thousands-separator hint), the measure and category (the
  catalog, difflib's "mente du …?"), and each unreadable cell's message (cell_problems);
- the warnings are queries/rules_warnings.sql over one or more states (`added_warnings` for a
  save: only the months and series it touches, before and after, in one query); the query
  finds them and Python phrases each message (labels, names and Danish month names).

Small inputs (a month's dozens of rows, a form's few) cost DuckDB's fixed price per statement
and per join, aggregate or window (about 0.5-1 ms each), not per row: so they go through as few
statements as the rules need, a statement whose input is empty is not run, and their tables
are made from Python lists rather than registered Arrow tables (`_put`).

`validate_rows`, `find_warnings` and `new_warnings` are the same engine for Python values (lists
of RawRows, dicts of figures); `imports.import_rows` (a dry run for the app's forms) puts rows
through it against the store.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections import defaultdict
from collections.abc import Iterable
from contextlib import suppress
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
    # stage_rows's cells by field (and ord, line, src, objs), and `staging`'s Arrow table when
    # it is one (more than _LIST_ROWS rows): with at most _TABLE_ROWS rows, `check` finds the cells
    # to read in these instead of in SQL
    cells: dict[str, list[Any]] | None = None
    table: pa.Table | None = None

    @property
    def few(self) -> bool:
        """Whether few rows are staged (known, at most _TABLE_ROWS): `check` then makes
        rule_checked a table or a view of the table rule_valid, in which the plan finds the months
        and series of the file (a large file's rule_checked is a view of the view rule_valid: the
        plan finds them in the lookups rule_months and rule_keys)."""
        return self.rows is not None and self.rows <= _TABLE_ROWS


# rule_checked's columns: the figures the rows give
_CHECKED = "ord, line, month, measure, category, value, note"

# Up to this many staged rows, rule_valid is a table (its joins done once, not in each statement
# of the plan that reads it); above, a view (a large file's copy would cost memory).
_TABLE_ROWS = 20_000

_STAGING_TYPES = {"ord": "bigint", "line": "bigint", "src": "integer", "objs": "integer"}

_WORK: list[duckdb.DuckDBPyConnection] = []
_LOCK = threading.RLock()


def work_connection() -> duckdb.DuckDBPyConnection:
    """A new connection to the process's in-memory DuckDB database, for the rules over Python
    values (validate_rows, find_warnings, new_warnings; temp tables and registered tables are
    each connection's own: close it, or use it in a `with`). Imports do not use it: they run the
    rules on the store's own connection. Opening a database costs 10-20 ms, once per process; a
    connection to an open one costs nothing."""
    with _LOCK:
        if not _WORK:
            _WORK.append(duckdb.connect(":memory:"))
        return _WORK[0].cursor()


def _register(conn: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """Register an Arrow table as `name` on `conn`, in place of a temp table or view of that name
    that an earlier check on the same connection made with SQL (register replaces only what was
    registered)."""
    try:
        conn.register(name, table)
    except duckdb.CatalogException:
        _drop(conn, name)
        conn.register(name, table)


def _drop(conn: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop `conn`'s view (a registered one too) or temp table `name`."""
    try:
        conn.execute(f"drop view {name}")
    except duckdb.CatalogException:
        conn.execute(f"drop table {name}")


# Up to this many rows, a table the rules read is made from Python lists by one statement (a temp
# table of unnest over list parameters) instead of registering an Arrow table: DuckDB scans a
# registered Arrow table through pyarrow.dataset, whose first import costs a fresh process about
# 15 ms (every `krimdash import` is one), and each scan costs more than a temp table's. Above it,
# Arrow is cheaper per row.
_LIST_ROWS = 2_000
_ARROW_TYPES = {
    "varchar": pa.string(),
    "bigint": pa.int64(),
    "integer": pa.int32(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
}


def _put(
    conn: duckdb.DuckDBPyConnection,
    name: str,
    data: dict[str, list[Any]],
    types: dict[str, str] | None = None,
) -> pa.Table | None:
    """Columns of Python values (`types`: SQL type by column, varchar unless given) as the relation
    `name` on `conn`, in place of any of that name: a temp table with at most _LIST_ROWS rows, else
    a registered Arrow table (returned)."""
    types = types or {}
    if len(next(iter(data.values()))) > _LIST_ROWS:
        table = pa.table(
            {key: pa.array(items, _ARROW_TYPES[types.get(key, "varchar")])
             for key, items in data.items()}
        )  # fmt: skip
        _register(conn, name, table)
        return table
    query, params = _lists(name, data, types)
    _create(conn, "table", name, query, params)
    return None


def _lists(
    name: str, data: dict[str, list[Any]], types: dict[str, str]
) -> tuple[str, dict[str, list[Any]]]:
    """A query of the columns `data` (`types`: SQL type by column, varchar unless given) and its
    parameters: each column a list parameter named after `name` and the column, unnested."""
    params = {f"{name}_{key}": items for key, items in data.items()}
    columns = ", ".join(
        f"unnest(${name}_{key}::{types.get(key, 'varchar')}[]) as {key}" for key in data
    )
    return f"select {columns}", params


def _create(
    conn: duckdb.DuckDBPyConnection,
    kind: str,
    name: str,
    query: str,
    params: dict[str, Any] | None = None,
) -> None:
    """`conn`'s temp `kind` ("table" or "view") `name` as `query`, in place of any relation of
    that name (a table, a view, a registered Arrow table)."""
    statement = f"create or replace temp {kind} {name} as {query}"
    try:
        conn.execute(statement, params)
    except duckdb.CatalogException:  # a relation of that name of another kind
        _drop(conn, name)
        conn.execute(statement, params)


def stage_rows(conn: duckdb.DuckDBPyConnection, rows: Iterable[RawRow]) -> Staged:
    """Put raw rows (from the Python reader, a test or a form) into `conn`'s staging table.

    Text cells go in as they are. A cell that is not text keeps its meaning: a month or value
    (an Excel date or number) is kept in `objects` and parsed from there, a measure, category
    or note is written as the rules read it (`_text`); None is an empty cell.
    """
    columns: list[dict[str, str]] = []
    sources: dict[tuple[tuple[str, str], ...], int] = {}
    objects: dict[str, object] = {}
    object_keys: dict[tuple[type, object], str] = {}
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
                # equal values of one type share a key, so that the rules read each once
                try:
                    text = object_keys.get((type(raw), raw))
                except TypeError:  # not hashable: a key of its own
                    text = None
                if text is None:
                    text = f"#{len(objects)}"
                    objects[text] = raw
                    with suppress(TypeError):
                        object_keys[type(raw), raw] = text
                bits |= _OBJ_BIT[name]
            else:
                text = _text(raw)
                bits |= _OBJ_BIT[name]
            out[name].append(text)
        out["ord"].append(ord_)
        out["line"].append(row.line)
        out["src"].append(src)
        out["objs"].append(bits)
    # the types of Staged's docstring
    table = _put(conn, "staging", out, _STAGING_TYPES)  # the types of Staged's docstring
    return Staged(conn, columns, objects, rows=len(out["ord"]), cells=out, table=table)


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
    # The cells to look at, and below the distinct cells, are found in Python when stage_rows has
    # them and they are few (a statement less each), else in SQL.
    cells = staged.cells if staged.few else None
    bad: list[int] = []
    for ord_, line, src, objs, *row in (
        _cell_candidates(cells) if cells is not None else conn.execute(
            sql("rules_cell_candidates"),
            {"control": _CONTROL.pattern, "key_chars": MAX_KEY_CHARS, "note_chars": MAX_NOTE_CHARS},
        ).fetchall()
    ):  # fmt: skip
        values = [None if objs & _OBJ_BIT[n] else c for n, c in zip(_FIELDS, row, strict=True)]
        problems = cell_problems(RawRow(line, *values, columns=staged.columns[src]))
        if problems:
            bad.append(ord_)
            found += [(ord_, 0, n, p, False) for n, p in enumerate(problems)]
    if cells is not None:
        # rule_readable is made below, with the lookups
        distinct = _distinct_cells(cells, set(bad))
    else:
        if bad:
            _put(conn, "rule_bad_cells", {"ord": bad}, {"ord": "bigint"})
            _create(
                conn,
                "view",
                "rule_readable",
                "select * from staging anti join rule_bad_cells using (ord)",
            )
        else:
            _create(conn, "view", "rule_readable", "select * from staging")
        distinct = conn.execute(sql("rules_distinct")).fetchall()
    # 2. Each distinct month, value, measure + category and note, read once in Python.
    months: dict[str, list[Any]] = {"raw": [], "obj": [], "month": [], "reason": []}
    values: dict[str, list[Any]] = {"raw": [], "obj": [], "number": [], "reason": []}
    keys: dict[str, list[Any]] = {
        "measure_raw": [], "category_raw": [], "measure": [], "category": [], "field": [],
        "reason": [],
    }  # fmt: skip
    notes: dict[str, list[Any]] = {"raw": [], "note": []}
    for kind, a, b, obj in distinct:
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
    lookups = {
        "rule_months": (months, {"obj": "boolean", "month": "date"}),
        "rule_values": (values, {"obj": "boolean", "number": "bigint"}),
        "rule_keys": (keys, {}),
        "rule_notes": (notes, {}),
    }
    reasons = any(months["reason"]) or any(values["reason"]) or any(keys["reason"])
    errors: list[tuple[Any, ...]] = []
    # 3. The valid rows (queries/rules_valid.sql), row errors and duplicates in SQL (each only
    # when there may be one); the figures in rule_checked.
    # When every staged row is valid and gives a figure of its own (no reason in a lookup, and no
    # two rows read as the same figure: known in Python from the lookups), they are the figures.
    simple = (
        cells is not None
        and not found
        and not reasons
        and _all_different(cells, set(bad), months, keys)
    )
    valid = sql("rules_valid")
    checked = "view"  # rule_checked: a view of rule_valid unless made below
    if simple and staged.table is None:
        # A few rows (a month's, a form's) that are all valid figures: rule_checked is one table
        # made by one statement from the valid rows, their lookups and readable rows given to it
        # as lists (common table expressions), instead of seven statements making each of them.
        ctes, params = ["rule_readable as (select * from staging)"], {}
        for name, (data, types) in lookups.items():
            query, more = _lists(name, data, types)
            ctes.append(f"{name} as ({query})")
            params |= more
        query = f"with {', '.join(ctes)}\nselect {_CHECKED} from (\n{valid}\n)"
        _create(conn, "table", "rule_checked", query, params)
        checked = "table"
    else:
        if cells is not None:
            if not bad:
                _create(conn, "view", "rule_readable", "select * from staging")
            elif staged.table is not None:
                skip = set(bad)
                keep = pa.array([o not in skip for o in cells["ord"]])
                _register(conn, "rule_readable", staged.table.filter(keep))
            else:
                skip = set(bad)
                keep = [i for i, o in enumerate(cells["ord"]) if o not in skip]
                _put(
                    conn,
                    "rule_readable",
                    {name: [items[i] for i in keep] for name, items in cells.items()},
                    _STAGING_TYPES,
                )
        for name, (data, types) in lookups.items():
            _put(conn, name, data, types)
        if reasons:
            errors += conn.execute(sql("rules_row_errors")).fetchall()
        # A table when few rows are staged (the count and the duplicate rules read it again, and
        # the plan finds the months and series in it), a view when many (a large file's copy
        # would cost memory: the plan finds its months and series in the lookups).
        _create(conn, "table" if staged.few else "view", "rule_valid", valid)
    if simple:
        rows = figures = len(cells["ord"])
    else:
        rows, figures = conn.execute(
            "select count(*), count(distinct (month, measure, category)) from rule_valid"
        ).fetchall()[0]
    staged.figures = figures
    if rows > figures:  # a figure given twice (or more)
        conn.execute(sql("rules_repeated"))
        try:
            conn.execute(sql("rules_duplicates"))
        except duckdb.CatalogException:  # rule_checked is a table of an earlier check
            _drop(conn, "rule_checked")
            conn.execute(sql("rules_duplicates"))
        for ord_, line, src, month, measure, category, first, first_line, value in conn.execute(
            "select ord, line, src, month, measure, category, first_value, first_line, value "
            "from rule_duplicate_errors"
        ).fetchall():
            where = f"{month_label(month)} / {measure}" + (
                f" / kategori {category}" if category else ""
            )
            reason = (
                f"{where} står to gange med forskellige værdier ({first} i linje {first_line} "
                f"og {value} her)"
            )
            errors.append((ord_, 4, line, src, "value", reason))
    elif checked == "view":
        _create(conn, "view", "rule_checked", f"select {_CHECKED} from rule_valid")
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


def _cell_candidates(cells: dict[str, list[Any]]) -> list[tuple[Any, ...]]:
    """queries/rules_cell_candidates.sql over stage_rows's cells: the rows (ord, line, src, objs,
    month, measure, category, value, note) with a cell that may be unreadable, in row order."""
    limits = [(name, MAX_NOTE_CHARS if name == "note" else MAX_KEY_CHARS) for name in _FIELDS]
    if all(max(map(len, cells[name]), default=0) <= limit for name, limit in limits) and not any(
        _CONTROL.search("".join(cells[name])) for name in _FIELDS
    ):  # no cell is long or has a control character (the usual file): no row to look at
        return []
    found = []
    for i, ord_ in enumerate(cells["ord"]):
        if any(
            len(text := cells[name][i]) > limit or _CONTROL.search(text) for name, limit in limits
        ):
            found.append(
                (ord_, cells["line"][i], cells["src"][i], cells["objs"][i],
                 *(cells[name][i] for name in _FIELDS))
            )  # fmt: skip
    return found


def _all_different(
    cells: dict[str, list[Any]],
    bad: set[int],
    months: dict[str, list[Any]],
    keys: dict[str, list[Any]],
) -> bool:
    """Whether no two rows can give the same figure: no two readable rows whose month and measure
    and category are read without a reason (a superset of the valid rows) read as the same
    (month, measure, category). Then the duplicate rules have nothing to find."""
    month_of = {
        (raw, obj): month
        for raw, obj, month in zip(months["raw"], months["obj"], months["month"], strict=True)
        if month is not None
    }
    key_of = {
        (m_raw, c_raw): (measure, category)
        for m_raw, c_raw, measure, category, reason in zip(
            keys["measure_raw"], keys["category_raw"], keys["measure"], keys["category"],
            keys["reason"], strict=True,
        )
        if reason is None
    }  # fmt: skip
    seen: set[tuple[Any, ...]] = set()
    for i, ord_ in enumerate(cells["ord"]):
        month = month_of.get((cells["month"][i], cells["objs"][i] & 1 != 0))
        key = key_of.get((cells["measure"][i], cells["category"][i]))
        if ord_ in bad or month is None or key is None:
            continue
        if (month, *key) in seen:
            return False
        seen.add((month, *key))
    return True


def _distinct_cells(cells: dict[str, list[Any]], bad: set[int]) -> list[tuple[str, str, str, bool]]:
    """queries/rules_distinct.sql over stage_rows's cells, the rows in `bad` left out."""
    found: dict[tuple[str, str, str, bool], None] = {}
    month, measure, category = cells["month"], cells["measure"], cells["category"]
    value, note, objs = cells["value"], cells["note"], cells["objs"]
    for i, ord_ in enumerate(cells["ord"]):
        if ord_ in bad:
            continue
        found[("month", month[i], "", objs[i] & 1 != 0)] = None
        found[("value", value[i], "", objs[i] & 8 != 0)] = None
        found[("key", measure[i], category[i], False)] = None
        found[("note", note[i], "", False)] = None
    return list(found)


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
        _put(conn, "rule_state", *_state_table(state))
        return _warnings(conn, catalog, ["rule_state"])[0]


def new_warnings(before: State, after: State, catalog: Catalog) -> list[FigureWarning]:
    """Warnings that `after` has and `before` did not: what a save would add."""
    with work_connection() as conn:
        _put(conn, "rule_before", *_state_table(before))
        _put(conn, "rule_after", *_state_table(after))
        changed = {key for key, value in after.items() if before.get(key) != value}
        changed |= before.keys() - after.keys()
        _put(conn, "rule_changed", *_state_table(dict.fromkeys(changed, 0)))
        return added_warnings(conn, catalog, "rule_before", "rule_after", "rule_changed")


def added_warnings(
    conn: duckdb.DuckDBPyConnection,
    catalog: Catalog,
    before: str,
    after: str,
    touched: str | None,
) -> list[FigureWarning]:
    """The warnings of the relation `after` that `before` does not have, sorted by month and
    rule. Both are (month, measure, category, value) on `conn` (a table or view's name, or a
    query in parentheses); `touched` holds (at least) every (month, measure, category) whose
    value differs between them. Only the months and series it touches are checked: a warning
    elsewhere is the same before and after. With `touched` None, both are checked whole: for a
    few figures the cheaper query (no scope to find), and the same result when `before` and
    `after` hold whole months and whole series around what differs (an import's do)."""
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
    """The warnings over each relation in `states` (month, measure, category, value: a table or
    view name, or a parenthesised query) on `conn`, in one query, each list sorted by month,
    rule and message; with `touched`, only in the months and series that relation has (see
    added_warnings)."""
    rules = _rule_catalog(catalog)
    for name, (data, types) in rules.tables.items():
        _put(conn, name, data, types)
    # Each state and the touched figures once, as a CTE of their own (a query given in
    # parentheses is then bound once, not in each place that reads it).
    ctes = [f"warn_state{side} as (select * from {state})" for side, state in enumerate(states)]
    scopes = {"warn_months": ""}
    if touched:
        ctes.append(f"warn_touched as (select * from {touched})")
        scopes["warn_months"] = " where month in (select month from warn_touched)"
        scopes["warn_series"] = (
            " where (measure, category) in (select measure, category from warn_touched)"
        )
    for name, where in scopes.items():
        union = " union all ".join(
            f"select {side} as side, month, measure, category, value from warn_state{side}{where}"
            for side in range(len(states))
        )
        ctes.append(f"{name} as ({union})")
    if not touched:  # the same figures for both kinds of rule
        ctes.append("warn_series as (select * from warn_months)")
    query = f"with {', '.join(ctes)}\nselect * from (\n{sql('rules_warnings')}\n)"
    found: list[list[FigureWarning]] = [[] for _ in states]
    for side, rule, month, *details in conn.execute(query).fetchall():
        found[side].append(FigureWarning(rule, month, rules.message(rule, month, *details)))
    for warnings in found:
        warnings.sort(key=lambda w: (w.month, w.rule, w.message))
    return found


def _state_table(state: State) -> tuple[dict[str, list[Any]], dict[str, str]]:
    """A state's columns (month, measure, category, value) and their types, for _put."""
    months, measures, categories = zip(*state, strict=True) if state else ((), (), ())
    data = {
        "month": list(months),
        "measure": list(measures),
        "category": list(categories),
        "value": list(state.values()),
    }
    return data, {"month": "date", "value": "bigint"}


@dataclass(frozen=True)
class _RuleCatalog:
    """The catalog as the warnings read it: the tables of queries/rules_warnings.sql
    (rule_groups, rule_measures: columns and their types, for _put), and what the messages
    name."""

    tables: dict[str, tuple[dict[str, list[Any]], dict[str, str]]]
    groups: list[tuple[str, ...]]  # by grp: the measures (categories_vs_total: the one measure)
    labels: dict[str, str]  # measure id -> its Danish label
    initiatives: dict[str, str]  # measure id -> its initiative's Danish name

    def label(self, measure_id: str, category: str = "") -> str:
        text = self.labels.get(measure_id, measure_id)
        return f"{text}, kategori {category}" if category else text

    def message(
        self,
        rule: str,
        month: date,
        grp: int | None,
        measure: str | None,
        category: str | None,
        value: int | None,
        total: int | None,
        parts: list[dict[str, int]] | None,
        since: date | None,
    ) -> str:
        """The Danish message of one warning (a row of queries/rules_warnings.sql)."""
        when = month_label(month)
        if rule == "categories_vs_total":
            (measure_id,) = self.groups[grp]
            return (
                f"{when}: kategorierne for {self.label(measure_id)} summerer til {_fmt(value)}, "
                f"men totalen er {_fmt(total)}"
            )
        if rule == "not_above":
            measure_id, limit_id = self.groups[grp]
            return (
                f"{when}: {self.label(measure_id)} ({_fmt(value)}) er flere end "
                f"{self.label(limit_id)} ({_fmt(total)})"
            )
        if rule == "sum_equals":
            *part_ids, total_id = self.groups[grp]
            terms = " + ".join(
                f"{self.label(m)} ({_fmt(v)})"
                for m, v in zip(part_ids, _in_order(parts), strict=True)
            )
            return f"{when}: {terms} = {_fmt(value)}, men {self.label(total_id)} er {_fmt(total)}"
        if rule == "before_start":
            return (
                f"{when}: {self.label(measure, category)} har et tal før "
                f"{self.initiatives[measure]} startede ({month_label(since)})"
            )
        return (  # cumulative_decrease
            f"{when}: {self.label(measure, category)} er {_fmt(value)}, lavere end "
            f"{_fmt(total)} i {month_label(since)}; en løbende total bør ikke falde"
        )


def _in_order(parts: list[dict[str, int]] | None) -> list[int]:
    """A sum's parts ({pos, value}, as rules_warnings.sql lists them) as values in their order."""
    return [part["value"] for part in sorted(parts or [], key=lambda part: part["pos"])]


_RULE_CATALOGS: list[tuple[Catalog, _RuleCatalog]] = []  # the last catalog's, one per process


def _rule_catalog(catalog: Catalog) -> _RuleCatalog:
    """The catalog's _RuleCatalog, made once per catalog."""
    with _LOCK:
        if _RULE_CATALOGS and _RULE_CATALOGS[0][0] is catalog:
            return _RULE_CATALOGS[0][1]
    columns = ("grp", "rule", "n", "measure", "category", "pos")
    groups: dict[str, list[Any]] = {name: [] for name in columns}
    measures: list[tuple[str, ...]] = []

    def group(rule: str, members: list[tuple[str, str, int]]) -> None:
        """members: (measure, category, pos), pos -1 the total."""
        n = sum(1 for *_, pos in members if pos >= 0)
        for measure_id, category, pos in members:
            row = (len(measures), rule, n, measure_id, category, pos)
            for name, item in zip(columns, row, strict=True):
                groups[name].append(item)

    for m in catalog.measures:
        if m.categories:
            group(
                "categories_vs_total",
                [(m.id, "", -1), *((m.id, c, pos) for pos, c in enumerate(m.category_ids))],
            )
            measures.append((m.id,))
    for relation in catalog.relations:
        *parts, total = relation.measures
        if relation.kind in ("not_above", "sum_equals"):
            group(
                relation.kind,
                [*((mid, "", pos) for pos, mid in enumerate(parts)), (total, "", -1)],
            )
            measures.append(tuple(relation.measures))
    initiatives = {i.id: i for i in catalog.initiatives}
    started = {
        m.id: initiatives[m.initiative]
        for m in catalog.measures
        if m.initiative in initiatives and initiatives[m.initiative].started
    }
    kinds = [m for m in catalog.measures if m.kind == "cumulative" or m.id in started]
    rules = _RuleCatalog(
        tables={
            "rule_groups": (groups, {"grp": "bigint", "n": "bigint", "pos": "bigint"}),
            "rule_measures": (
                {
                    "measure": [m.id for m in kinds],
                    "cumulative": [m.kind == "cumulative" for m in kinds],
                    "started": [started[m.id].started if m.id in started else None for m in kinds],
                },
                {"cumulative": "boolean", "started": "date"},
            ),
        },
        groups=measures,
        labels={m.id: m.label_da for m in catalog.measures},
        initiatives={measure_id: i.name_da for measure_id, i in started.items()},
    )
    with _LOCK:
        _RULE_CATALOGS[:] = [(catalog, rules)]
    return rules
