"""The history of the figures, read-only: the audit log (one batch per write), every revision of
a figure with the value it replaced, and any query over current_figures as it stood at a moment.

One home for what the command line (`krimdash log`) and the app's Historik page show; the
as-of view of every reading page (dashboard.web.appdata) reads through `query_as_of`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import pandas as pd

from . import db

# The log's actions (batches.action) in the words of the user text.
ACTIONS = {
    "import": "indlæsning",
    "demo": "indlæsning af demotal",
    "retraction": "tilbagetrækning",
    "reference": "katalog",
    "event": "begivenhed",
    "event_retraction": "begivenhed trukket tilbage",
    "target": "mål",
    "target_retraction": "mål trukket tilbage",
    "month_text": "månedens tekst",
    "entry": "indtastning i appen",
    "correction": "rettelse i appen",
    "undo": "fortrydelse",
}
ACTIONS_EN = {
    "import": "import",
    "demo": "import of demo figures",
    "retraction": "retraction",
    "reference": "catalog",
    "event": "event",
    "event_retraction": "event retracted",
    "target": "target",
    "target_retraction": "target retracted",
    "month_text": "the month's text",
    "entry": "entry in the app",
    "correction": "correction in the app",
    "undo": "undo",
}


def action_text(action: str, lang: str = "da") -> str:
    """A batch's action in words (an action krimdash does not know is shown as it is)."""
    return (ACTIONS_EN if lang == "en" else ACTIONS).get(action, action)


@dataclass(frozen=True)
class Batch:
    """One write in the audit log (a row of queries/batches.sql): `created_at` is naive UTC,
    `warnings` the messages of the warnings acknowledged with it."""

    id: int
    created_at: datetime
    user: str
    action: str
    file_name: str | None
    file_sha256: str | None
    new: int
    changed: int
    unchanged: int
    retracted: int
    warnings: tuple[str, ...]
    note: str
    is_demo: bool

    @classmethod
    def of(cls, row: tuple) -> Batch:
        (id_, created_at, user, action, file_name, sha, n_new, n_changed, n_unchanged,
         n_retracted, warnings, note, is_demo) = row  # fmt: skip
        return cls(
            int(id_),
            created_at,
            user,
            action,
            file_name,
            sha,
            int(n_new),
            int(n_changed),
            int(n_unchanged),
            int(n_retracted),
            _messages(warnings),
            note or "",
            bool(is_demo),
        )

    @property
    def before(self) -> datetime:
        """The last moment before this batch (the dashboard as it stood just before it)."""
        return self.created_at - timedelta(microseconds=1)


def _messages(warnings: str | None) -> tuple[str, ...]:
    """The messages of the acknowledged warnings stored with a batch (a JSON list)."""
    try:
        items = json.loads(warnings or "[]")
    except ValueError:
        return ()
    if not isinstance(items, list):
        return ()
    return tuple(str(w.get("message", "")) if isinstance(w, dict) else str(w) for w in items if w)


def _batches_sql() -> str:
    """queries/batches.sql (the one list of the log's columns), a page of it."""
    return f"select * from ({db.sql('batches')}) order by id desc limit $limit offset $offset"


def batches(store: db.Store, limit: int, offset: int = 0) -> list[Batch]:
    """`limit` batches of the audit log from `offset`, newest first."""
    with store.reader() as conn:
        rows = conn.execute(
            _batches_sql(), {"limit": max(0, limit), "offset": max(0, offset)}
        ).fetchall()
    return [Batch.of(row) for row in rows]


def batch(store: db.Store, batch_id: int) -> Batch | None:
    """One batch of the audit log, or None if there is no such batch."""
    sql = f"select * from ({db.sql('batches')}) where id = $batch"
    with store.reader() as conn:
        row = conn.execute(sql, {"batch": batch_id}).fetchone()
    return Batch.of(row) if row else None


def counts(store: db.Store, batch_id: int = 0) -> tuple[int, int]:
    """(batches in the audit log, figures batch `batch_id` wrote)."""
    row = store.rows("batch_counts", {"batch": batch_id})[0]
    return int(row[0]), int(row[1])


@dataclass(frozen=True)
class Revision:
    """A figure's value written by a batch, with the value it replaced: `old` and `new` are
    None where there was no figure (new) or where it was retracted."""

    batch_id: int
    recorded_at: datetime | None
    recorded_by: str
    action: str
    month: date
    measure: str
    category: str
    old: int | None
    new: int | None
    note: str
    batch_note: str


def figure_revisions(store: db.Store, month: date, measure: str, category: str) -> list[Revision]:
    """Every revision of one figure (queries/figure_history.sql), newest first, each with the
    value it replaced."""
    key = {"month": month, "measure": measure, "category": category}
    rows = store.rows("figure_history", key)
    found = []
    for i, (at, by, action, batch_id, value, note, batch_note) in enumerate(rows):
        old = rows[i + 1][4] if i + 1 < len(rows) else None
        found.append(
            Revision(
                int(batch_id),
                at,
                by,
                action,
                month,
                measure,
                category,
                _int(old),
                _int(value),
                note or "",
                batch_note or "",
            )
        )
    return found


def batch_revisions(store: db.Store, b: Batch, limit: int, offset: int = 0) -> list[Revision]:
    """`limit` of the figures batch `b` wrote from `offset`, in export order, each with the
    value it replaced (queries/batch_revisions.sql)."""
    params = {"batch": b.id, "limit": max(0, limit), "offset": max(0, offset)}
    return [
        Revision(
            b.id,
            b.created_at,
            b.user,
            b.action,
            pd.Timestamp(month).date(),
            measure,
            category,
            _int(old),
            _int(value),
            note or "",
            b.note,
        )
        for month, measure, category, old, value, note in store.rows("batch_revisions", params)
    ]


def revised_months(store: db.Store, measure: str, category: str) -> list[date]:
    """The months with a revision of a measure's category, newest first."""
    rows = store.rows("revised_months", {"measure": measure, "category": category})
    return [pd.Timestamp(m).date() for (m,) in rows]


def _int(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[arg-type]


# --- any query as it stood at a moment -----------------------------------------------------


def as_of_connection(conn: duckdb.DuckDBPyConnection, as_of: datetime) -> None:
    """Make `conn` (a reader) see current_figures as it stood at `as_of` (naive UTC): a
    temporary table of that name, which comes before the view in DuckDB's search path."""
    conn.execute(
        f"create or replace temp table current_figures as {db.sql('current_figures_as_of')}",
        {"as_of": as_of},
    )


def query_as_of(
    store: db.Store, name: str, params: dict[str, Any] | None, as_of: datetime
) -> pd.DataFrame:
    """queries/<name>.sql over the figures as they stood at `as_of`: the same query, its
    current_figures replaced by queries/current_figures_as_of.sql."""
    with store.reader() as conn:
        as_of_connection(conn, as_of)
        return conn.execute(db.sql(name), params or {}).df()
