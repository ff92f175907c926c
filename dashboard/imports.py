"""Importing figures: file → staging table → the rules → plan against the store → one batch.

A rejected file (file-level problem or any row error) changes nothing; warnings change
nothing unless acknowledged with a note. The plan is made inside the write transaction,
so what is saved is exactly what was checked.

Everything runs on the store's own connection (a reader for a dry run, else the writer's
transaction): the rows are read into a temp staging table (files.stage_figures for a file,
rules.stage_rows for rows from anywhere else) and checked there by the one rule engine,
rules.check; the current figures of the months and series the file touches, the plan and the
warnings are SQL over them (queries/import_plan.sql, queries/rules_warnings.sql), and the
batch's revisions go in with one INSERT … SELECT: a file of 276,000 figures never becomes
276,000 Python objects. No temp table reaches the file, so a rejected file or a dry run leaves
the database as it was. The app's forms check as the analyst types with `import_rows(...,
dry_run=True)`: the same path, saving nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from .access import require
from .catalog import Catalog, load_catalog
from .corrections import Conflict, Expected, changed_since
from .db import Store, insert_batch, sql
from .files import ParsedFile, read_file_bytes, stage_figures
from .records import Figure, FileRejected, Problem, RawRow
from .rules import FigureWarning, Staged, added_warnings, check, stage_rows

# An ImportResult carries at most this many changed figures (with their old values), in file order,
# and at most this many of the file's figures with what each would be (a preview's table).
CHANGED_SAMPLE = 100
PLAN_SAMPLE = 200


@dataclass
class ImportResult:
    """What an import did or would do. `status` is saved, dry_run, rejected, needs_ack, no_change
    or conflict (the figures changed since the form or preview showed them: `conflicts`).

    `counts` has the figures the file gives and how many of them are new, changed and
    unchanged; `changed` the first CHANGED_SAMPLE changed figures with their old values;
    `sample` the first PLAN_SAMPLE figures in file order as (figure, "new" | "changed" |
    "unchanged", old value). A dry run also gives `shown`: every figure's key with the value the
    store had (null: none), an Arrow table to pass back as `expected=` when saving.
    """

    status: str
    file_name: str = ""
    parsed: ParsedFile | None = None
    counts: dict[str, int] = field(default_factory=dict)
    changed: list[tuple[Figure, int]] = field(default_factory=list)
    warnings: list[FigureWarning] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    batch_id: int | None = None
    sample: list[tuple[Figure, str, int | None]] = field(default_factory=list)
    shown: pa.Table | None = None
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in ("saved", "dry_run", "no_change")

    @property
    def n_figures(self) -> int:
        return self.counts.get("figures", 0)

    @property
    def n_new(self) -> int:
        return self.counts.get("new", 0)

    @property
    def n_changed(self) -> int:
        return self.counts.get("changed", 0)

    @property
    def n_unchanged(self) -> int:
        return self.counts.get("unchanged", 0)


def current_state(conn: duckdb.DuckDBPyConnection) -> dict[tuple[date, str, str], tuple[int, str]]:
    """(value, note) of every current figure, keyed by (month, measure, category)."""
    rows = conn.execute(sql("figures_current")).fetchall()
    return {(m, meas, cat): (v, note) for m, meas, cat, v, note in rows}


def import_file(
    store: Store,
    path: Path | str,
    *,
    user: str,
    role: str | None,
    dry_run: bool = False,
    accept_warnings: bool = False,
    note: str = "",
    catalog: Catalog | None = None,
    today: date | None = None,
    action: str = "import",
    is_demo: bool = False,
    expected: Expected | None = None,
) -> ImportResult:
    """Read, check and (unless dry_run) save a figures file; see `import_rows`. `role` is the
    actor's (access.LOCAL for the command line): only a role that may change figures imports."""
    require(role, "write_figures", "indlæse tal")
    path = Path(path)
    try:
        data = read_file_bytes(path)
    except FileRejected as exc:
        return ImportResult("rejected", path.name, errors=exc.problems)
    except OSError as exc:
        # strerror is the system's English text; the common cases get a Danish reason.
        reason = {
            FileNotFoundError: f"filen {path} findes ikke",
            IsADirectoryError: f"{path} er en mappe, ikke en fil",
            PermissionError: f"der er ikke adgang til at læse filen {path}",
        }.get(type(exc), f"filen kan ikke læses ({exc.strerror})")
        return ImportResult("rejected", path.name, errors=[Problem(reason)])
    catalog = catalog or load_catalog()  # before the store's lock is taken
    try:
        with _connection(store, dry_run) as conn:
            parsed, staged = stage_figures(data, path.name, conn)
            result = _check_plan_save(
                conn,
                staged,
                file_name=path.name,
                file_sha256=hashlib.sha256(data).hexdigest(),
                user=user,
                dry_run=dry_run,
                accept_warnings=accept_warnings,
                note=note,
                catalog=catalog,
                today=today,
                action=action,
                is_demo=is_demo,
                expected=expected,
            )
    except FileRejected as exc:  # raised inside the transaction: rolled back, nothing written
        return ImportResult("rejected", path.name, errors=exc.problems)
    result.parsed = parsed
    return result


def import_rows(
    store: Store,
    rows: list[RawRow],
    *,
    user: str,
    role: str | None,
    file_name: str | None = None,
    file_sha256: str | None = None,
    dry_run: bool = False,
    accept_warnings: bool = False,
    note: str = "",
    catalog: Catalog | None = None,
    today: date | None = None,
    action: str = "import",
    is_demo: bool = False,
    expected: Expected | None = None,
) -> ImportResult:
    """Validate rows and save them as one batch, or report why not.

    Warnings new to the store block the save unless `accept_warnings` and a non-empty note.
    The actor's `role` must allow changing figures (checked before anything is read).
    `expected` (the values a form or preview showed, None = no figure; a dict or a dry run's
    `shown`): if any differs from the store's when saving, status "conflict" with the
    differences (corrections.changed_since), and nothing is saved.
    """
    require(role, "write_figures", "indlæse tal")
    catalog = catalog or load_catalog()  # before the store's lock is taken
    with _connection(store, dry_run) as conn:
        return _check_plan_save(
            conn,
            stage_rows(conn, rows),
            file_name=file_name,
            file_sha256=file_sha256,
            user=user,
            dry_run=dry_run,
            accept_warnings=accept_warnings,
            note=note,
            catalog=catalog,
            today=today,
            action=action,
            is_demo=is_demo,
            expected=expected,
        )


@contextmanager
def _connection(store: Store, dry_run: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    """The store's connection an import runs on from staging to saving: a reader for a dry run,
    else the writer's transaction. The rows are staged and checked in its temp tables (no second
    database), and the plan is made against the store inside the same transaction, so what is
    saved is exactly what was checked. A temp table never reaches the file: a rejected file,
    like a dry run, leaves the database as it was."""
    with store.reader() if dry_run else store.writer() as conn:
        if not dry_run and store.own_instance:
            # The writer's instance is its own and ends with the write: one thread and a memory
            # limit beyond which DuckDB spills to <database>.tmp. On this 2-core machine that is
            # as fast for a small file and faster for the largest (0.4 million rows: 1.6 s
            # against 2.3 s), and keeps the whole import under 400 MB (614 MB without the
            # limit); bench/README.md, "Large imports". Not put back: starting the threads again
            # cost the commit about 5 ms. A dry run (a reader whose instance the app's pages
            # share) and a shared store's writer (a cursor of the process's one connection)
            # keep DuckDB's own settings.
            conn.execute("set threads = 1")
            conn.execute(f"set memory_limit = '{IMPORT_MEMORY_LIMIT}'")
        yield conn


# DuckDB's memory for an import's own writer instance (_connection): beyond it, it spills.
IMPORT_MEMORY_LIMIT = "100MB"


def _check_plan_save(
    conn: duckdb.DuckDBPyConnection,
    staged: Staged,
    *,
    file_name: str | None,
    file_sha256: str | None,
    user: str,
    dry_run: bool = False,
    accept_warnings: bool = False,
    note: str = "",
    catalog: Catalog,
    today: date | None = None,
    action: str = "import",
    is_demo: bool = False,
    expected: Expected | None = None,
) -> ImportResult:
    errors = check(staged, catalog, today)
    result = ImportResult(
        "rejected", file_name or "", counts={"figures": staged.figures}, errors=errors
    )
    if errors:
        return result
    if accept_warnings and not note.strip():
        result.errors = [
            Problem("en godkendelse af advarsler kræver en note, der forklarer hvorfor")
        ]
        return result
    if dry_run:
        _plan(conn, result, catalog, staged)
        result.shown = conn.sql(
            "select month, measure, category, old_value as value from import_plan"
        ).to_arrow_table()
        result.status = "dry_run"
        return result
    if expected is not None and (conflicts := changed_since(conn, expected)):
        result.status, result.conflicts = "conflict", conflicts
        result.errors = [c.problem() for c in conflicts]
        return result
    _plan(conn, result, catalog, staged)
    if result.warnings and not accept_warnings:
        result.status = "needs_ack"
        return result
    if not result.n_new and not result.n_changed:
        result.status = "no_change"
        return result
    # a relation (registered as a view by insert_batch), not an Arrow table: no copy, and no
    # Arrow scan (see rules._put)
    revisions = conn.sql(
        "select month, measure, category, value, note from import_plan where change <> 'unchanged'"
    )
    result.batch_id = insert_batch(
        conn,
        action=action,
        user=user,
        revisions=revisions,
        file_name=file_name,
        file_sha256=file_sha256,
        counts={k: result.counts[k] for k in ("new", "changed", "unchanged")},
        warnings=[w.as_dict() for w in result.warnings],
        note=note.strip(),
        is_demo=is_demo,
    )
    result.status = "saved"
    return result


def _plan(
    conn: duckdb.DuckDBPyConnection, result: ImportResult, catalog: Catalog, staged: Staged
) -> None:
    """Sort the checked figures (rule_checked) into new / changed / unchanged against the store's
    current figures, on the store's connection inside its transaction, and find the warnings a
    save adds (queries/import_plan.sql). No Python object per figure: at most the samples."""
    if staged.few:  # rule_checked is a table or reads one (rules.Staged.few)
        found = {"months": "rule_checked", "series": "rule_checked"}
    else:
        found = {"months": "rule_months", "series": "rule_keys"}
    conn.execute(sql("import_plan").format(**found))
    columns = "month, measure, category, value, note, line, change, old_value"
    if result.counts["figures"] <= _PLAN_ROWS:  # few figures: the whole plan in one query
        # sorted in Python: a sort operator costs a fresh process more than the few rows do
        plan = [
            p[1:]
            for p in sorted(conn.execute(f"select ord, {columns} from import_plan").fetchall())
        ]
        counts = {kind: sum(1 for p in plan if p[6] == kind) for kind in _CHANGES}
        touched = sum(1 for p in plan if p[7] is None or p[7] != p[3])
        changed = [p for p in plan if p[6] == "changed"][:CHANGED_SAMPLE]
    else:
        new, changed_n, unchanged, touched = conn.execute(
            "select count(*) filter (where change = 'new'), "
            "count(*) filter (where change = 'changed'), "
            "count(*) filter (where change = 'unchanged'), "
            "count(*) filter (where old_value is null or old_value <> value) from import_plan"
        ).fetchall()[0]
        counts = {"new": new, "changed": changed_n, "unchanged": unchanged}
        changed = conn.execute(
            f"select {columns} from import_plan where change = 'changed' order by ord limit $n",
            {"n": CHANGED_SAMPLE},
        ).fetchall()
        plan = conn.execute(
            f"select {columns} from import_plan order by ord limit $n", {"n": PLAN_SAMPLE}
        ).fetchall()
    result.counts |= counts
    result.changed = [
        (Figure(month, measure, category, value, note, line), old)
        for month, measure, category, value, note, line, _, old in changed
    ]
    result.sample = [
        (Figure(month, measure, category, value, note, line), change, old)
        for month, measure, category, value, note, line, change, old in plan[:PLAN_SAMPLE]
    ]
    if touched:  # the same figures give the same warnings
        # import_before and import_after hold whole months and series: a small plan's warnings
        # are found over all of them, a large one's only where a value changes
        after, changed = (f"(\n{sql(name)}\n)" for name in ("import_after", "import_touched"))
        scope = changed if result.counts["figures"] > _PLAN_ROWS else None
        result.warnings = added_warnings(conn, catalog, "import_before", after, scope)


_CHANGES = ("new", "changed", "unchanged")
# Up to this many figures, the plan is read whole and counted and sampled in Python (one query
# instead of three); a monthly file has dozens, a year's template a few hundred.
_PLAN_ROWS = 2_000


def retract(
    store: Store, keys: list[tuple[date, str, str]], *, user: str, role: str | None, note: str
) -> int:
    """Withdraw figures (a revision with no value); earlier values stay in the history."""
    require(role, "write_figures", "trække tal tilbage")
    if not note.strip():
        raise ValueError("en tilbagetrækning kræver en note, der forklarer hvorfor")
    with store.writer() as conn:
        current = current_state(conn)
        missing = [k for k in keys if k not in current]
        if missing:
            m, meas, cat = missing[0]
            raise ValueError(f"der er intet tal for {m:%Y-%m} / {meas} / «{cat}» at trække tilbage")
        revisions = pd.DataFrame(
            [
                {"month": m, "measure": meas, "category": cat, "value": None, "note": ""}
                for m, meas, cat in keys
            ]
        ).astype({"value": "Int64"})
        return insert_batch(
            conn,
            action="retraction",
            user=user,
            revisions=revisions,
            counts={"retracted": len(keys)},
            note=note.strip(),
        )
