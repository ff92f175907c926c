"""Move a municipality's data from the embedded file into the shared store:
`krimdash migrate-store --to ducklake:postgres:…`.

The whole database goes across as it is: every table's rows with their ids (batch ids, month
status ids), so the audit log, every revision of every figure, event, target and month's text,
the approvals' history, the users and the settings stand in the lake as they stood in the file,
and as-of exports replay the same history. The machine's access log (its own SQLite file) is
copied beside the lake store's database path, unless one is already there.

Safety:
- The source is read through `Store.reader()` (read-only, one snapshot: no process writes the
  file while it is held). It must be at this krimdash's schema version.
- The target must be a lake without figures: no krimdash schema yet, or only what `krimdash
  init` makes (the catalog, events and targets of reference batches). Anything else is refused
  before anything is written. Its schema is made by the lake's own schema code (`Store.upgrade`).
- The rows are copied in ONE write transaction (`LakeStore.writer()`, under the store's write
  lock): a failure leaves the lake without any copied rows. What `init` put there is replaced by
  the file's own rows, so the ids stay as they were.
- Then it verifies, reading the lake back: every table's row count, every table's rows (as a
  multiset: nothing missing, nothing extra, nothing changed), and the figures export, current and
  as of several moments of the history, byte for byte. A difference is reported; the lake is left
  as it is (for inspection).
"""

from __future__ import annotations

import hashlib
import os
import time
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb

from . import accesslog, db
from .backup import _copy_access_log
from .exports import current_rows, figures_csv
from .lake import LakeStore

# The lake's own table (the write clock); every other table is the file's.
LAKE_ONLY = frozenset({"store_clock"})
# What `krimdash init` writes into a store: only these batches, and rows that belong to them
# (the catalog tables, events and targets). Any other row means the lake has data of its own.
_INIT_ACTIONS = ("reference",)
# The tables only the use of krimdash fills (init writes none of them).
_USE_TABLES = (
    "figure_revisions",
    "month_status",
    "month_text_revisions",
    "users",
    "app_settings",
)
AS_OF_MOMENTS = 6  # as-of exports compared, spread over the history (besides the current one)


class MigrateRefused(ValueError):
    """The move cannot be made (the source or the target is not what it must be). Nothing has
    been written."""


@dataclass
class TableCheck:
    name: str
    source_rows: int
    target_rows: int
    same_rows: bool  # the lake's rows are the file's, row for row

    @property
    def ok(self) -> bool:
        return self.same_rows and self.source_rows == self.target_rows


@dataclass
class ExportCheck:
    as_of: datetime | None  # None: the current figures (`krimdash export`)
    figures: int
    before: str  # SHA-256 of the export from the file
    after: str  # SHA-256 of the export from the lake

    @property
    def ok(self) -> bool:
        return self.before == self.after


@dataclass
class MigrateResult:
    source: str
    target: str
    tables: list[TableCheck] = field(default_factory=list)
    exports: list[ExportCheck] = field(default_factory=list)
    access_log: str = ""  # what happened to the access log, in Danish
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables) and all(e.ok for e in self.exports)


def _columns(conn: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "select column_name from duckdb_columns() where database_name = current_database() "
            "and schema_name = 'main' and table_name = $t order by column_index",
            {"t": table},
        ).fetchall()
    ]


def _not_empty(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """What the lake holds beyond what `krimdash init` makes, in Danish ([] when nothing)."""
    found = []
    have = set(db.table_names(conn))
    if "batches" in have:
        n = conn.execute(
            "select count(*) from batches where action not in "
            f"({', '.join(repr(a) for a in _INIT_ACTIONS)})"
        ).fetchone()[0]
        if n:
            found.append(f"{n} indlæsninger eller ændringer i revisionssporet")
    for table in _USE_TABLES:
        if table in have and (n := conn.execute(f"select count(*) from {table}").fetchone()[0]):
            found.append(f"{n} rækker i {table}")
    return found


def _moments(conn: duckdb.DuckDBPyConnection, n: int = AS_OF_MOMENTS) -> list[datetime]:
    """Moments of the history to compare as-of exports at: the times of batches spread evenly
    over the audit log (first and last included), and the moment just before the last one."""
    times = [t for (t,) in conn.execute("select created_at from batches order by id").fetchall()]
    if not times:
        return []
    picks = sorted({round(i * (len(times) - 1) / max(n - 1, 1)) for i in range(n)})
    chosen = {times[i] for i in picks} | {times[-1] - timedelta(microseconds=1)}
    return sorted(chosen)


def _export(store: db.Store, as_of: datetime | None) -> tuple[int, str]:
    """The number of figures and the SHA-256 of `krimdash export` (as of `as_of`)."""
    rows = current_rows(store, as_of)
    return len(rows), hashlib.sha256(figures_csv(rows)).hexdigest()


def migrate(source: db.Store, target: db.Store) -> MigrateResult:
    """Copy the embedded database `source` into the empty lake `target` and verify the copy.
    Raises MigrateRefused (nothing written) when either is not what it must be; returns the
    checks (`.ok` False: the copy differs, and the lake is left as it is)."""
    started = time.monotonic()
    if isinstance(source, LakeStore):
        raise MigrateRefused(
            f"Kilden {source.location} er selv et delt lager; migrate-store flytter en "
            "databasefil (--db eller KRIMDASH_DB) ind i et delt lager. Brug backup og restore "
            "for at flytte et delt lager."
        )
    if not isinstance(target, LakeStore):
        raise MigrateRefused(
            f"Målet «{target.location}» er ikke et delt lager: --to skal være en adresse som "
            "ducklake:postgres:dbname=… host=… port=… user=…"
        )
    if not source.exists():
        raise db.DatabaseMissing(source.path)
    if (version := source.schema_version()) < db.latest_version():
        raise db.DatabaseOutdated(source.path, version)
    result = MigrateResult(source.location, target.location)

    if target.exists():  # before anything is written: a lake with data is refused as it is
        with target.reader() as conn:
            if found := _not_empty(conn):
                raise _refusal(target, found)
    target.upgrade()  # the lake's schema, by the lake's own schema code

    # The figures as the file gives them, current and as of moments of its history.
    with source.reader() as conn:
        moments = _moments(conn)
    before = {as_of: _export(source, as_of) for as_of in [None, *moments]}

    # One snapshot of every table (one read-only connection: no write lands meanwhile). A write
    # to the file since the exports above shows as a difference in the checks below.
    with source.reader() as conn:
        names = db.table_names(conn)
        snapshot = {
            t: conn.execute(f"select * from {db.quote_name(t)}").to_arrow_table() for t in names
        }

    with target.writer() as conn:
        lake_tables = set(db.table_names(conn)) - LAKE_ONLY
        if lake_tables != set(names):
            raise MigrateRefused(
                f"Tabellerne passer ikke sammen: kun i filen {sorted(set(names) - lake_tables)}, "
                f"kun i det delte lager {sorted(lake_tables - set(names))}. Intet er kopieret."
            )
        if found := _not_empty(conn):  # written by another process since the look above
            raise _refusal(target, found)
        for table in names:
            columns = ", ".join(db.quote_name(c) for c in _columns(conn, table))
            # What init made (the catalog, events, its reference batch): the file's rows replace it.
            conn.execute(f"delete from {db.quote_name(table)}")
            conn.register("migrate_rows", snapshot[table])
            try:
                conn.execute(
                    f"insert into {db.quote_name(table)} ({columns}) select {columns} from migrate_rows"
                )
            finally:
                conn.unregister("migrate_rows")

    # Read back from the lake: counts, rows, exports.
    with target.reader() as conn:
        for table in names:
            columns = ", ".join(db.quote_name(c) for c in _columns(conn, table))
            (n,) = conn.execute(f"select count(*) from {db.quote_name(table)}").fetchone()
            conn.register("migrate_rows", snapshot[table])
            try:
                (differ,) = conn.execute(
                    f"select count(*) from ((select {columns} from migrate_rows except all "
                    f"select {columns} from {db.quote_name(table)}) union all (select {columns} from "
                    f"{db.quote_name(table)} except all select {columns} from migrate_rows))"
                ).fetchone()
            finally:
                conn.unregister("migrate_rows")
            result.tables.append(TableCheck(table, snapshot[table].num_rows, n, differ == 0))
    for as_of, (figures, digest) in before.items():
        result.exports.append(ExportCheck(as_of, figures, digest, _export(target, as_of)[1]))

    if result.ok:
        result.access_log = copy_access_log(source, target)
    else:
        result.access_log = "Adgangsloggen er ikke kopieret, da kopien ikke passer."
    result.seconds = time.monotonic() - started
    return result


def _refusal(target: LakeStore, found: list[str]) -> MigrateRefused:
    return MigrateRefused(
        f"Det delte lager {target.location} har allerede data ({'; '.join(found)}). "
        "migrate-store skriver kun til et tomt lager (uden skema, eller kun med det, krimdash "
        "init laver), så intet blandes eller overskrives. Intet er ændret. Brug en ny, tom "
        "PostgreSQL-database og en tom KRIMDASH_LAKE_DATA-mappe."
    )


def copy_access_log(source: db.Store, target: db.Store) -> str:
    """Copy the source's access log (SQLite, consistent while it is written) to the target's
    access-log path, unless a log is already there; what happened, in Danish."""
    src, dst = accesslog.log_path(source), accesslog.log_path(target)
    if not src.exists():
        return f"Ingen adgangslog at kopiere ({src} findes ikke)."
    if src.resolve() == dst.resolve():
        return f"Adgangsloggen {src} er den samme fil for begge lagre på denne maskine; den bruges videre."
    if dst.exists():
        return (
            f"Adgangsloggen {dst} findes allerede og er ikke rørt (kilden {src} er ikke kopieret)."
        )
    dst.parent.mkdir(parents=True, exist_ok=True)
    temporary = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    try:
        rows = _copy_access_log(src, temporary)
        os.replace(temporary, dst)
    finally:
        with suppress(FileNotFoundError):
            temporary.unlink()
    return f"Adgangsloggen er kopieret: {src} → {dst} ({rows} linjer)."
