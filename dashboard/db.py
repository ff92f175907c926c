"""The one module that opens the database: short-lived connections and the single write path.

DuckDB lets one process hold a file open for writing, and no other process may open it
meanwhile. So every connection here is short-lived: readers open read-only, query and close;
the writer opens, commits one batch in one transaction, and closes. A busy file is retried
for a while and then reported in plain Danish, never as a raw lock error.

Only `krimdash init` creates a database or upgrades its schema (`Store.upgrade`, and
`reference.load_reference`, which is init's loading step). Every other write needs a database
at the current schema version and says so in Danish otherwise; a write never creates a file.

`Store.check` is the start-up check the CLI and the app run first (read-only: it never repairs,
rewrites or deletes the file or its WAL); a file that fails it is DatabaseBroken, whose message
names the latest backup. A write that cannot reach the disk (full, read-only) is DatabaseNotSaved:
the transaction is rolled back and the file is as it was.
"""

from __future__ import annotations

import errno
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from . import config

if TYPE_CHECKING:
    import pyarrow as pa

# What DuckDB says when another process holds the file (duckdb's file-locking code):
# 'IO Error: Could not set lock on file "…": Conflicting lock is held in … (PID …)'.
_LOCK_MESSAGE = "Could not set lock on file"


class DatabaseBusy(RuntimeError):
    """Another process held the database for longer than we wait."""


class StoreUnreachable(DatabaseBusy):
    """A shared store's catalog (PostgreSQL) did not answer: nothing was read or written."""


class WriteConflict(RuntimeError):
    """Another writer's commit to a shared store came between this write's reading and its
    commit: nothing of this write was saved."""

    def __init__(self, location: str):
        super().__init__(
            f"Intet er gemt: en anden skrivning til {location} (fra en anden proces eller "
            "maskine) blev gemt samtidig. Prøv igen; intet er tabt eller gemt to gange."
        )


class DatabaseMissing(RuntimeError):
    """There is no database at the path; `krimdash init` makes one."""

    def __init__(self, path: Path):
        super().__init__(
            f"Der er ingen database i {path}. Opret den med: krimdash init "
            "(eller krimdash init --demo for fiktive demotal)"
        )


class DatabaseOutdated(RuntimeError):
    """The database's schema is older than this krimdash; `krimdash init` upgrades it."""

    def __init__(self, path: Path, version: int):
        super().__init__(
            f"Databasen {path} har skemaversion {version}, men denne udgave af krimdash bruger "
            f"version {latest_version()}. Opgrader den med: krimdash init"
        )


class DatabaseBroken(RuntimeError):
    """The database (or its write-ahead log) cannot be opened or read: damaged, not a krimdash
    database, or made by a newer krimdash. Nothing is deleted or rewritten to "repair" it."""

    def __init__(self, path: Path, reason: str):
        self.path, self.reason = Path(path), reason
        self.backup = latest_backup()
        super().__init__(
            f"Databasen {path} kan ikke åbnes: {reason}. krimdash stopper her og har ikke ændret "
            f"eller slettet nogen fil (hverken databasen eller dens {path.name}.wal). "
            + backup_hint(self.backup)
        )


class DatabaseNotSaved(RuntimeError):
    """A write could not reach the disk (full, read-only, or another I/O error): nothing was
    saved, and the database is as it was before."""

    def __init__(self, path: Path, why: str):
        self.path, self.why = Path(path), why
        super().__init__(
            f"Intet er gemt: databasen {path} kunne ikke skrives, fordi {why}. Databasen er "
            "uændret, som før forsøget. Frigør plads på disken (eller gør den skrivbar igen) og "
            "prøv igen."
        )


def latest_backup(folder: Path | None = None) -> Path | None:
    """The newest backup in `folder` (KRIMDASH_BACKUP_DIR if not given): the most recently
    changed entry in it (a `krimdash backup DIR` folder, or a file), or None when no backup
    folder is set or it holds nothing."""
    folder = folder or config.backup_dir()
    if folder is None:
        return None
    try:
        # a whole `krimdash backup` folder has its manifest, written last; a file is a copy of its own
        entries = [
            e
            for e in Path(folder).iterdir()
            if not e.name.startswith(".") and (e.is_file() or (e / "manifest.json").is_file())
        ]
        return max(entries, key=lambda e: e.stat().st_mtime_ns) if entries else None
    except OSError:
        return None


def backup_hint(backup: Path | None) -> str:
    """The sentence a start-up message ends with: where the latest backup is, or that none is
    known."""
    if backup is None:
        if config.backup_dir() is None:
            return (
                "Der er ikke angivet en mappe med sikkerhedskopier (KRIMDASH_BACKUP_DIR); "
                "gendan fra den seneste sikkerhedskopi, eller kontakt driften."
            )
        return f"Der er ingen sikkerhedskopi i {config.backup_dir()}; kontakt driften."
    try:
        when = config.local_time(datetime.fromtimestamp(backup.stat().st_mtime, UTC))
    except OSError:
        when = "ukendt tidspunkt"
    return (
        f"Seneste sikkerhedskopi: {backup} (fra {when}). Gendan den med: "
        f"krimdash restore {backup} (se README, «Backup and restore»)."
    )


def _disk_trouble(exc: BaseException) -> str | None:
    """Why a write did not reach the disk, in Danish, when `exc` says the disk is full or
    read-only (DuckDB's message, or an OSError's errno); None for any other error."""
    text = str(exc)
    code = getattr(exc, "errno", None)
    if code == errno.ENOSPC or "No space left on device" in text:
        return "disken er fuld"
    if code == errno.EDQUOT or "Disk quota exceeded" in text:
        return "diskkvoten er brugt op"
    if code == errno.EROFS or "Read-only file system" in text:
        return "disken er skrivebeskyttet (monteret kun til læsning)"
    return None


def sql_string(text: str) -> str:
    """`text` as an SQL string literal (for statements that take no parameters: ATTACH, LOAD,
    EXPORT DATABASE)."""
    return "'" + text.replace("'", "''") + "'"


def quote_name(name: str) -> str:
    """A table or column name as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


@cache
def sql(name: str) -> str:
    """The text of queries/<name>.sql; SQL lives in files, one query per file."""
    return (config.QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every numbered file in queries/migrations, in order."""
    found = []
    for path in sorted(config.MIGRATIONS_DIR.glob("*.sql")):
        if m := re.match(r"^(\d+)_(.+)\.sql$", path.name):
            found.append((int(m.group(1)), m.group(2), path.read_text(encoding="utf-8")))
    return found


def latest_version() -> int:
    """The schema version this code expects: the highest numbered migration."""
    return max(version for version, _, _ in migrations())


def utc_now() -> datetime:
    """Naive UTC, as stored in batches.created_at."""
    return datetime.now(UTC).replace(tzinfo=None)


def _is_lock_error(exc: Exception) -> bool:
    """Another process holds the file: DuckDB's IOException with its lock message, nothing else
    (a path or table with "lock" in its name is not a busy database)."""
    return isinstance(exc, duckdb.IOException) and _LOCK_MESSAGE in str(exc)


def table_names(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table of the connection's database, by name (queries/table_names.sql)."""
    return [name for (name,) in conn.execute(sql("table_names")).fetchall()]


def _schema_version(conn: duckdb.DuckDBPyConnection) -> int:
    """The highest migration applied; 0 for a file krimdash has not set up."""
    try:
        return conn.execute(sql("schema_version")).fetchone()[0]
    except duckdb.CatalogException:  # no schema_version table
        return 0


class Store:
    """A DuckDB file with krimdash's schema; `Store("ducklake:postgres:…")` is a LakeStore, the
    shared store (the same queries and the same write path). Without an argument:
    `config.store_location()` (KRIMDASH_STORE, else KRIMDASH_DB or data/krimdash.duckdb)."""

    def __new__(cls, location: Path | str | None = None):
        if cls is Store and str(location or config.store_location()).startswith(config.LAKE_PREFIX):
            from .lake import LakeStore

            return super().__new__(LakeStore)
        return super().__new__(cls)

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path else Path(config.store_location())
        self.log_base = self.path  # the access log's default file sits beside it

    # A writer's connection is a DuckDB instance of its own, ended when the write is: a setting
    # made on it (imports: one thread for a few rows) goes with it. A LakeStore's is not.
    own_instance = True

    @property
    def location(self) -> str:
        """Where the store is, as a plain string: the file's path (a cache key, and what
        messages name)."""
        return str(self.path)

    def __repr__(self) -> str:
        return f"Store({self.location!r})"

    def exists(self) -> bool:
        return self.path.exists()

    def data_version(self) -> tuple[int, int, int, int]:
        """Changes whenever a write lands: the size and mtime of the file and its WAL.

        Pages key their caches on it, so new figures show on the next run without a restart,
        and an unchanged database costs no connection at all.
        """
        out = []
        for p in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                st = p.stat()
                out += [st.st_mtime_ns, st.st_size]
            except FileNotFoundError:
                out += [0, 0]
        return tuple(out)  # type: ignore[return-value]

    def _connect(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        """Open the file, waiting while another process holds it. A file that cannot be opened
        (damaged, a write-ahead log that does not replay, not a database) raises DatabaseBroken,
        a writer on a full or read-only disk DatabaseNotSaved; neither touches the files."""
        timeout = config.lock_timeout_s()
        deadline = time.monotonic() + timeout
        delay = 0.02
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.Error as exc:
                if not _is_lock_error(exc):
                    if not read_only and (why := _disk_trouble(exc)):
                        raise DatabaseNotSaved(self.path, why) from None
                    raise DatabaseBroken(self.path, broken_reason(exc)) from exc
                if time.monotonic() >= deadline:
                    raise DatabaseBusy(
                        f"Databasen {self.path} er optaget af en anden proces (fx en import), "
                        f"også efter {timeout:.0f} sekunders ventetid. Prøv igen om lidt."
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.25)

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection, closed on exit so writers are not held up.

        Reading never migrates (a read-only connection cannot): pages check
        `schema_version()` and say when `krimdash init` is needed.
        """
        if not self.exists():
            raise DatabaseMissing(self.path)
        conn = self._connect(read_only=True)
        try:
            yield conn
        finally:
            self._release(conn)

    @contextmanager
    def writer(self, *, init: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """The single write path: one transaction, committed on success, rolled back on error.

        Only `init=True` (krimdash init) creates the file and applies migrations; any other
        write raises DatabaseMissing or DatabaseOutdated and leaves the disk as it was.
        """
        if init:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif not self.exists():
            raise DatabaseMissing(self.path)
        conn = self._connect(read_only=False)
        try:
            if init:
                self._migrate(conn)
            elif (version := _schema_version(conn)) < latest_version():
                raise DatabaseOutdated(self.path, version)
            self._begin(conn)
            try:
                yield conn
                self._commit(conn)
            except BaseException as exc:
                # A commit that fails (a full disk) has already ended the transaction: the
                # rollback then has nothing to undo, and must not hide the first error.
                with suppress(duckdb.Error):
                    conn.execute("rollback")
                if why := _disk_trouble(exc):
                    raise DatabaseNotSaved(self.path, why) from exc
                raise
        finally:
            self._release(conn)

    # The steps a LakeStore does its own way (lake.py): the schema, the transaction's start and
    # end, and giving the connection back.
    def _migrate(self, conn: duckdb.DuckDBPyConnection) -> None:
        _migrate(conn)

    def _begin(self, conn: duckdb.DuckDBPyConnection) -> None:
        conn.execute("begin transaction")

    def _commit(self, conn: duckdb.DuckDBPyConnection) -> None:
        conn.execute("commit")

    def _release(self, conn: duckdb.DuckDBPyConnection) -> None:
        _close(conn)

    def query(self, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run queries/<name>.sql read-only and return a DataFrame."""
        with self.reader() as conn:
            return conn.execute(sql(name), params or {}).df()

    def rows(self, name: str, params: dict[str, Any] | None = None) -> list[tuple]:
        """Run queries/<name>.sql read-only and return plain tuples (no pandas needed)."""
        with self.reader() as conn:
            return conn.execute(sql(name), params or {}).fetchall()

    def schema_version(self) -> int:
        """The schema version of the database as it is (0 for a file krimdash has not set up)."""
        with self.reader() as conn:
            return _schema_version(conn)

    def check(self, *, full: bool = False) -> int:
        """The start-up check the CLI and the app run before anything else: the file opens
        (read-only, so its write-ahead log replays in memory and nothing on disk changes), its
        schema version is one this krimdash knows, and every table's row count reads. With
        `full`, every table also reads to the end (DuckDB verifies each block's checksum as it
        reads it): about 1 s for the benchmark's 276,000 figures, too slow for every command, so
        a damaged block is otherwise found when a query meets it (and said the same way).
        Returns the schema version; raises DatabaseBroken, naming the latest backup, if any of
        it fails."""
        with self.reader() as conn:
            try:
                version = _schema_version(conn)
                if version > latest_version():
                    raise DatabaseBroken(
                        self.path,
                        f"skemaversion {version} er ukendt for denne udgave af krimdash (som "
                        f"kender op til {latest_version()}); den er lavet af en nyere krimdash",
                    )
                for table in table_names(conn):
                    read = "count(hash(t))" if full else "count(*)"
                    conn.execute(f'select {read} from "{table}" as t').fetchone()
            except duckdb.Error as exc:
                raise DatabaseBroken(self.path, broken_reason(exc)) from exc
        return version

    def upgrade(self) -> int:
        """Create or upgrade the schema (krimdash init); returns the schema version."""
        with self.writer(init=True) as conn:
            return _schema_version(conn)


def _close(conn: duckdb.DuckDBPyConnection) -> None:
    """Close a connection. A committed write whose checkpoint at close cannot reach a full disk
    is still saved (in the write-ahead log, which the next open replays): that is not an error."""
    try:
        conn.close()
    except duckdb.Error as exc:
        if not _disk_trouble(exc):
            raise


def broken_reason(exc: BaseException) -> str:
    """Why DuckDB could not open or read the file, in Danish, with DuckDB's own words after it
    (for whoever restores it)."""
    text = str(exc)
    if "WAL" in text:
        why = "skriveloggen (WAL-filen) kan ikke genafspilles"
    elif "Corrupt" in text or "checksum" in text:
        why = "filen er beskadiget"
    elif "not a valid DuckDB database file" in text:
        why = "filen er ikke en DuckDB-database"
    elif "Read-only file system" in text or "Permission denied" in text:
        why = "der er ikke adgang til filen"
    else:
        why = "DuckDB kan ikke læse den"
    return f"{why} ({text.splitlines()[0][:300] if text else type(exc).__name__})"


def _migrate(conn: duckdb.DuckDBPyConnection, upto: int | None = None) -> None:
    """Apply the migrations the database has not seen yet, each in its own transaction."""
    conn.execute(
        "create table if not exists schema_version "
        "(version integer primary key, name varchar not null, applied_at timestamp not null)"
    )
    current = conn.execute(sql("schema_version")).fetchone()[0]
    for version, name, text in migrations():
        if version <= current or (upto is not None and version > upto):
            continue
        conn.execute("begin transaction")
        try:
            conn.execute(text)
            conn.execute(
                "insert into schema_version values ($v, $n, $t)",
                {"v": version, "n": name, "t": utc_now()},
            )
            conn.execute("commit")
        except BaseException:
            conn.execute("rollback")
            raise


def insert_batch(
    conn: duckdb.DuckDBPyConnection,
    *,
    action: str,
    user: str,
    revisions: pd.DataFrame | pa.Table | None = None,
    file_name: str | None = None,
    file_sha256: str | None = None,
    counts: dict[str, int] | None = None,
    warnings: list[dict[str, str]] | None = None,
    note: str = "",
    is_demo: bool = False,
) -> int:
    """Write one audit row and its revisions inside the caller's `Store.writer()` transaction.

    `revisions` has columns month, measure, category, value (None retracts), note: a DataFrame
    or an Arrow table (an import's plan, from DuckDB: no Python object per figure). A batch
    that changes a figure of an approved month sends that month back to kladde (a month_status
    row naming the batch), in the same transaction.
    """
    counts = counts or {}
    created_at = utc_now()
    # The id is made here, in the write path, not by a sequence (the shared store has none):
    # one more than the highest, inside the writer's transaction (one writer at a time).
    batch_id = conn.execute(sql("next_batch_id")).fetchone()[0]
    conn.execute(
        sql("insert_batch"),
        {
            "id": batch_id,
            "created_at": created_at,
            "user_name": user,
            "action": action,
            "file_name": file_name,
            "file_sha256": file_sha256,
            "n_new": counts.get("new", 0),
            "n_changed": counts.get("changed", 0),
            "n_unchanged": counts.get("unchanged", 0),
            "n_retracted": counts.get("retracted", 0),
            "warnings": json.dumps(warnings or [], ensure_ascii=False),
            "note": note,
            "is_demo": is_demo,
        },
    )
    if revisions is not None and len(revisions):
        conn.register("incoming", revisions)
        try:
            conn.execute(sql("insert_revisions"), {"batch_id": batch_id})
        finally:
            conn.unregister("incoming")
        conn.execute(
            sql("back_to_kladde"),
            {
                "batch_id": batch_id,
                "changed_at": created_at,
                "changed_by": user,
                "reason": f"ændret ved indlæsning nr. {batch_id}",
            },
        )
    return batch_id
