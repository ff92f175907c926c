"""Importing figures: file → rows → validation → plan against the store → one batch.

A rejected file (file-level problem or any row error) changes nothing; warnings change
nothing unless acknowledged with a note. The plan is made inside the write transaction,
so what is saved is exactly what was checked.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from .access import require
from .catalog import Catalog, load_catalog
from .corrections import Conflict, Key, changed_since
from .db import Store, insert_batch, sql
from .files import ParsedFile, read_figures, read_file_bytes
from .records import Figure, FileRejected, Problem, RawRow
from .rules import FigureWarning, State, new_warnings, validate_rows


@dataclass
class ImportResult:
    """What an import did or would do. `status` is saved, dry_run, rejected, needs_ack, no_change
    or conflict (the figures changed since the form or preview showed them: `conflicts`)."""

    status: str
    file_name: str = ""
    parsed: ParsedFile | None = None
    figures: list[Figure] = field(default_factory=list)
    new: list[Figure] = field(default_factory=list)
    changed: list[tuple[Figure, int]] = field(default_factory=list)
    unchanged: list[Figure] = field(default_factory=list)
    warnings: list[FigureWarning] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    batch_id: int | None = None
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in ("saved", "dry_run", "no_change")


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
    expected: dict[Key, int | None] | None = None,
) -> ImportResult:
    """Read, check and (unless dry_run) save a figures file; see `import_rows`. `role` is the
    actor's (access.LOCAL for the command line): only a role that may change figures imports."""
    require(role, "write_figures", "indlæse tal")
    path = Path(path)
    try:
        data = read_file_bytes(path)
        parsed = read_figures(data, path.name)
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
    result = import_rows(
        store,
        parsed.rows,
        file_name=path.name,
        file_sha256=hashlib.sha256(data).hexdigest(),
        user=user,
        role=role,
        dry_run=dry_run,
        accept_warnings=accept_warnings,
        note=note,
        catalog=catalog,
        today=today,
        action=action,
        is_demo=is_demo,
        expected=expected,
    )
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
    expected: dict[Key, int | None] | None = None,
) -> ImportResult:
    """Validate rows and save them as one batch, or report why not.

    Warnings new to the store block the save unless `accept_warnings` and a non-empty note.
    The actor's `role` must allow changing figures (checked before anything is read).
    `expected` (the values a form or preview showed, None = no figure): if any differs from the
    store's when saving, status "conflict" with the differences, and nothing is saved.
    """
    require(role, "write_figures", "indlæse tal")
    catalog = catalog or load_catalog()
    figures, errors = validate_rows(rows, catalog, today)
    result = ImportResult("rejected", file_name or "", figures=figures, errors=errors)
    if errors:
        return result
    if accept_warnings and not note.strip():
        result.errors = [
            Problem("en godkendelse af advarsler kræver en note, der forklarer hvorfor")
        ]
        return result
    if dry_run:
        with store.reader() as conn:
            _plan(result, current_state(conn), catalog)
        result.status = "dry_run"
        return result
    with store.writer() as conn:
        if expected is not None and (conflicts := changed_since(conn, expected)):
            result.status, result.conflicts = "conflict", conflicts
            result.errors = [c.problem() for c in conflicts]
            return result
        _plan(result, current_state(conn), catalog)
        if result.warnings and not accept_warnings:
            result.status = "needs_ack"
            return result
        if not result.new and not result.changed:
            result.status = "no_change"
            return result
        revisions = pd.DataFrame(
            [
                {
                    "month": f.month,
                    "measure": f.measure,
                    "category": f.category,
                    "value": f.value,
                    "note": f.note,
                }
                for f in result.new + [f for f, _ in result.changed]
            ]
        )
        result.batch_id = insert_batch(
            conn,
            action=action,
            user=user,
            revisions=revisions,
            file_name=file_name,
            file_sha256=file_sha256,
            counts={
                "new": len(result.new),
                "changed": len(result.changed),
                "unchanged": len(result.unchanged),
            },
            warnings=[w.as_dict() for w in result.warnings],
            note=note.strip(),
            is_demo=is_demo,
        )
    result.status = "saved"
    return result


def _plan(result: ImportResult, current: dict, catalog: Catalog) -> None:
    """Sort incoming figures into new / changed / unchanged and find the warnings a save adds."""
    for f in result.figures:
        old = current.get(f.key)
        if old is None:
            result.new.append(f)
        elif old[0] != f.value or (f.note and f.note != old[1]):
            result.changed.append((f, old[0]))
        else:
            result.unchanged.append(f)
    before: State = {k: v for k, (v, _) in current.items()}
    after: State = dict(before)
    after.update({f.key: f.value for f in result.figures})
    result.warnings = new_warnings(before, after, catalog)


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
