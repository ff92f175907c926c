"""The access log: who signed in, was refused, saw an internal page, exported, imported, changed
or approved what, and when (as Datatilsynet's guidance on logging expects).

It lives in its own SQLite file (`<database>.access.sqlite` beside the database, or
KRIMDASH_ACCESS_LOG), never in the figures' DuckDB file: a page view must not be a write to the
figures' store, take its write lock, or change the data version the page caches are keyed on.
Entries older than KRIMDASH_LOG_RETENTION_MONTHS (default 12) are deleted whenever the log is
written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from . import config, db

EVENTS: dict[str, str] = {
    "sign_in": "log ind",
    "sign_in_refused": "log ind afvist",
    "page_refused": "side afvist",
    "page_view": "sidevisning",
    "export": "eksport",
    "import": "indlæsning",
    "change": "ændring",
    "approve": "godkendelse",
    "reopen": "genåbning",
    "user": "bruger",
    "public": "offentlig visning",
}

_SCHEMA = """
create table if not exists access_log (
    id integer primary key autoincrement,
    at text not null,          -- UTC, ISO 8601 to the microsecond
    event text not null,
    who text not null,
    role text not null,
    what text not null,
    target text not null,
    ok integer not null
);
create index if not exists access_log_at on access_log (at);
"""


class Entry(NamedTuple):
    """One line of the access log; `at` is naive UTC."""

    id: int
    at: datetime
    event: str
    who: str
    role: str
    what: str
    target: str
    ok: bool


def log_path(database: db.Store | Path | str | None = None) -> Path:
    """The log's file for a database (a Store or its path; None: KRIMDASH_DB or the default)."""
    if isinstance(database, db.Store):
        database = database.log_base
    return config.access_log_path(Path(database) if database else None)


@contextmanager
def _open(path: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(path, timeout=10, isolation_level=None)) as conn:
        conn.execute("pragma journal_mode=wal")
        conn.execute("pragma busy_timeout=10000")
        conn.executescript(_SCHEMA)
        yield conn


def _cutoff(now: datetime, months: int | None = None) -> datetime:
    months = config.log_retention_months() if months is None else months
    return (pd.Timestamp(now) - pd.DateOffset(months=months)).to_pydatetime()


def _clean(text: object, limit: int = 500) -> str:
    """Text as logged: at most `limit` characters, control characters as the replacement mark."""
    text = "" if text is None else str(text)
    return "".join("\ufffd" if ord(c) < 32 or 127 <= ord(c) < 160 else c for c in text[:limit])


def record(
    event: str,
    *,
    who: str | None,
    role: str | None,
    what: str = "",
    target: str = "",
    ok: bool = True,
    database: db.Store | Path | str | None = None,
) -> None:
    """Append one entry (now, UTC) and delete entries past the retention period.

    `who` is the subject (or the CLI's user name; "" for an anonymous reader), `role` the role
    it acted with ("" for none), `what` a short description, `target` the page, month, file or
    user it concerned. `database` picks the log beside another database than KRIMDASH_DB's.
    """
    if event not in EVENTS:
        raise ValueError(f"ukendt hændelse i adgangsloggen: {event!r}")
    now = db.utc_now()
    cutoff = _cutoff(now)  # a bad KRIMDASH_LOG_RETENTION_MONTHS is said before anything is written
    path = log_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _open(path) as conn:
        conn.execute("begin immediate")
        try:
            conn.execute(
                "insert into access_log (at, event, who, role, what, target, ok) "
                "values (?, ?, ?, ?, ?, ?, ?)",
                (
                    now.isoformat(timespec="microseconds"),
                    event,
                    _clean(who, 254),
                    _clean(role, 32),
                    _clean(what),
                    _clean(target),
                    int(bool(ok)),
                ),
            )
            conn.execute(
                "delete from access_log where at < ?",
                (cutoff.isoformat(timespec="microseconds"),),
            )
            conn.execute("commit")
        except BaseException:
            conn.execute("rollback")
            raise


def read(
    since: datetime | None = None,
    limit: int | None = 1000,
    *,
    database: db.Store | Path | str | None = None,
) -> list[Entry]:
    """Entries newest first (since `since`, naive UTC, if given; at most `limit`). A log that
    does not exist yet is empty (and is not created)."""
    path = log_path(database)
    if not path.exists():
        return []
    # Entries past the retention period are not shown even before the next write deletes them.
    cutoff = _cutoff(db.utc_now())
    if since is not None:
        cutoff = max(cutoff, since)
    query = (
        "select id, at, event, who, role, what, target, ok from access_log where at >= ? "
        "order by at desc, id desc"
    )
    params: list[object] = [cutoff.isoformat(timespec="microseconds")]
    if limit is not None:
        query += " limit ?"
        params.append(int(limit))
    with _open(path) as conn:
        rows = conn.execute(query, params).fetchall()
    return [
        Entry(id_, datetime.fromisoformat(at), event, who, role, what, target, bool(ok))
        for id_, at, event, who, role, what, target, ok in rows
    ]
