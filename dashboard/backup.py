"""Backup and restore: `krimdash backup DIR` and `krimdash restore DIR`.

A backup is a folder: DuckDB's EXPORT DATABASE of the figures' store (schema.sql, load.sql and
one Parquet file per table), the access log copied through SQLite's backup API
(access_log.sqlite, when there is a log), and manifest.json, written last, with the schema
version, the row count of every table and the size and SHA-256 of every file.

The snapshot is consistent while the app runs and while another process imports: it is taken
from one read-only connection (`Store.reader`), and DuckDB lets no process write the file while
a reader holds it, so an import is either wholly in the backup or not at all (an import that
is running is waited for; one that starts meanwhile waits for the backup). The folder is built
under a temporary name beside DIR and renamed to DIR only when complete.

Restore checks the manifest and every file's checksum before it writes anything, builds the
database in a temporary file beside the target (the schema's CREATE statements, then each
table's rows, then the row counts checked against the manifest), and renames it into place only
when complete. It refuses to replace an existing database unless told to (--force); then the old
file (and its WAL) is kept beside it under a `.foer-gendannelse-<tid>` name, never deleted.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from . import accesslog, db

MANIFEST = "manifest.json"
FORMAT = "krimdash-backup"
FORMAT_VERSION = 1
SCHEMA_FILE = "schema.sql"
ACCESS_LOG_FILE = "access_log.sqlite"
_TABLE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class BackupRejected(ValueError):
    """The backup folder cannot be used: a missing or changed file, or a manifest that is wrong.
    Nothing has been written."""


class TargetExists(ValueError):
    """restore would replace an existing database (or access log) without --force."""


@dataclass
class BackupResult:
    folder: Path
    schema_version: int
    tables: dict[str, int]
    access_log_rows: int | None
    seconds: float


@dataclass
class RestoreResult:
    database: Path
    schema_version: int
    tables: dict[str, int]
    access_log: Path | None
    kept_old: list[Path]
    seconds: float


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with path.open("rb") as f:
        os.fsync(f.fileno())


# --- backup ----------------------------------------------------------------------------------


def backup(store: db.Store, folder: Path | str) -> BackupResult:
    """Write a consistent snapshot of `store` (and its access log) to the new folder `folder`."""
    started = time.monotonic()
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise TargetExists(
            f"{folder} findes allerede og er ikke en tom mappe; en sikkerhedskopi skrives altid "
            "i en ny mappe (fx med datoen i navnet)."
        )
    if not store.exists():
        raise db.DatabaseMissing(store.path)
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = folder.with_name(f".{folder.name}.delvis-{os.getpid()}")
    if work.exists():
        shutil.rmtree(work)
    try:
        tables, version, snapshot_at = _export(store, work)
        log_rows = _copy_access_log(accesslog.log_path(store), work / ACCESS_LOG_FILE)
        files = {}
        for path in sorted(work.iterdir()):
            _fsync_file(path)
            files[path.name] = {"bytes": path.stat().st_size, "sha256": sha256_of(path)}
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": snapshot_at.isoformat(),
            "schema_version": version,
            "duckdb_version": duckdb.__version__,
            # a file by its full path; a shared store by its address (its path is only a name)
            "database": str(store.path.resolve()) if type(store) is db.Store else store.location,
            "tables": {name: {"rows": n, "file": f"{name}.parquet"} for name, n in tables.items()},
            "access_log": None if log_rows is None else {"file": ACCESS_LOG_FILE, "rows": log_rows},
            "files": files,
        }
        (work / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        _fsync_file(work / MANIFEST)
        _fsync_dir(work)
        if folder.exists():  # an empty folder we were given
            folder.rmdir()
        os.rename(work, folder)
        _fsync_dir(folder.parent)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return BackupResult(folder, version, tables, log_rows, time.monotonic() - started)


def _export(store: db.Store, work: Path) -> tuple[dict[str, int], int, datetime]:
    """EXPORT DATABASE to Parquet and the row counts, all from one read-only connection; and
    the moment of the snapshot (UTC): every batch saved before it is in, none after it."""
    with store.reader() as conn:
        snapshot_at = datetime.now(UTC)
        version = db._schema_version(conn)
        if version == 0:
            raise BackupRejected(f"{store.path} er ikke en krimdash-database (ingen skemaversion).")
        tables = {
            name: conn.execute(f"select count(*) from {db.quote_name(name)}").fetchone()[0]
            for name in db.table_names(conn)
        }
        conn.execute(f"export database {db.sql_string(str(work))} (format parquet)")
    exported = {p.stem for p in work.glob("*.parquet")}
    if exported != set(tables):
        raise BackupRejected(
            "EXPORT DATABASE skrev ikke én Parquet-fil pr. tabel "
            f"(tabeller: {sorted(tables)}, filer: {sorted(exported)})."
        )
    return tables, version, snapshot_at


def _copy_access_log(source: Path, target: Path) -> int | None:
    """Copy the access log with SQLite's backup API (consistent while it is written); its row
    count, or None when there is no log."""
    if not source.exists():
        return None
    # An ordinary connection (a read-only one cannot always open a log in WAL mode); the backup
    # API only reads from it.
    with (
        closing(sqlite3.connect(source, timeout=10)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)
        dst.execute("pragma journal_mode=delete")  # one self-contained file
        return dst.execute("select count(*) from access_log").fetchone()[0]


# --- restore ---------------------------------------------------------------------------------


def read_manifest(folder: Path | str) -> dict:
    """The manifest, after checking that every file it names is there, unchanged."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not folder.is_dir():
        raise BackupRejected(f"{folder} er ikke en mappe med en sikkerhedskopi.")
    if not path.exists():
        raise BackupRejected(f"{path} mangler: mappen er ikke en (færdig) sikkerhedskopi.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupRejected(f"{path} kan ikke læses ({exc}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupRejected(f"{path} er ikke en krimdash-manifest.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupRejected(
            f"{path} har formatversion {manifest.get('format_version')!r}; denne krimdash "
            f"læser version {FORMAT_VERSION}."
        )
    files, tables = manifest.get("files"), manifest.get("tables")
    version = manifest.get("schema_version")
    if not isinstance(files, dict) or not isinstance(tables, dict) or not isinstance(version, int):
        raise BackupRejected(f"{path} mangler files, tables eller schema_version.")
    if version > db.latest_version():
        raise BackupRejected(
            f"Sikkerhedskopien har skemaversion {version}, men denne krimdash kender kun op til "
            f"version {db.latest_version()}. Gendan med en nyere krimdash."
        )
    needed = {SCHEMA_FILE} | {f"{name}.parquet" for name in tables}
    if manifest.get("access_log"):
        needed.add(ACCESS_LOG_FILE)
    for name in sorted(needed - set(files)):
        raise BackupRejected(f"{path} nævner ikke {name}, som gendannelsen skal bruge.")
    for name in tables:
        entry = tables[name]
        if not _TABLE_NAME.match(name) or not (
            isinstance(entry, dict) and isinstance(entry.get("rows"), int)
        ):
            raise BackupRejected(f"{path}: tabellen «{name}» er ikke angivet rigtigt.")
    for name, expected in sorted(files.items()):
        file = folder / name
        if "/" in name or name.startswith(".") or not isinstance(expected, dict):
            raise BackupRejected(f"{path}: filnavnet «{name}» er ikke tilladt.")
        if not file.is_file():
            raise BackupRejected(f"Filen {file} mangler i sikkerhedskopien.")
        if file.stat().st_size != expected.get("bytes") or sha256_of(file) != expected.get(
            "sha256"
        ):
            raise BackupRejected(
                f"Filen {file} er ændret eller beskadiget: dens SHA-256 passer ikke med "
                "manifestet. Intet er gendannet; brug en anden sikkerhedskopi."
            )
    return manifest


def _in_use(path: Path) -> bool:
    """Another process has the DuckDB file open (it holds DuckDB's lock on it). Reads nothing."""
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing releases our own lock
    return False


def restore(folder: Path | str, target: Path | str, *, force: bool = False) -> RestoreResult:
    """Build the database at `target` (and its access log) from the backup in `folder`."""
    started = time.monotonic()
    folder, target = Path(folder), Path(target)
    manifest = read_manifest(folder)
    log_target = accesslog.log_path(target) if manifest.get("access_log") else None
    existing = [p for p in (target, log_target) if p is not None and p.exists()]
    if existing and not force:
        raise TargetExists(
            f"{existing[0]} findes allerede; den overskrives ikke. Gendan til en ny fil "
            "(--db), eller brug --force: så gemmes den gamle fil ved siden af."
        )
    if target.exists() and _in_use(target):
        raise db.DatabaseBusy(
            f"Databasen {target} er i brug af en anden proces (fx dashboardet eller en import). "
            "Stop den først, og gendan så."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    temp = target.with_name(f".{target.name}.gendannes-{os.getpid()}")
    temp_log = (
        log_target.with_name(f".{log_target.name}.gendannes-{os.getpid()}") if log_target else None
    )
    for path in (temp, temp.with_name(temp.name + ".wal"), temp_log):
        if path is not None and path.exists():
            path.unlink()
    try:
        tables = _build(folder, manifest, temp)
        if temp_log is not None:
            _restore_access_log(folder / ACCESS_LOG_FILE, temp_log, manifest["access_log"]["rows"])
        kept = _keep_old(target, stamp)
        os.replace(temp, target)
        if temp_log is not None:
            kept += _keep_old(log_target, stamp)
            os.replace(temp_log, log_target)
        _fsync_dir(target.parent)
    except BaseException:
        for path in (temp, temp.with_name(temp.name + ".wal"), temp_log):
            if path is not None and path.exists():
                path.unlink()
        raise
    return RestoreResult(
        target, manifest["schema_version"], tables, log_target, kept, time.monotonic() - started
    )


def _build(folder: Path, manifest: dict, temp: Path) -> dict[str, int]:
    schema = (folder / SCHEMA_FILE).read_text(encoding="utf-8")
    statements = duckdb.extract_statements(schema)
    for statement in statements:
        if statement.type != duckdb.StatementType.CREATE:
            raise BackupRejected(
                f"{folder / SCHEMA_FILE} indeholder andet end CREATE-sætninger ({statement.type})."
            )
    counts: dict[str, int] = {}
    conn = duckdb.connect(str(temp))
    try:
        conn.execute("begin transaction")
        for statement in statements:
            conn.execute(statement.query)
        for name, entry in sorted(manifest["tables"].items()):
            parquet = folder / f"{name}.parquet"
            conn.execute(
                f"insert into {db.quote_name(name)} select * from read_parquet({db.sql_string(str(parquet))})"
            )
            counts[name] = conn.execute(f"select count(*) from {db.quote_name(name)}").fetchone()[0]
            if counts[name] != entry["rows"]:
                raise BackupRejected(
                    f"Tabellen {name} fik {counts[name]} rækker, men manifestet siger "
                    f"{entry['rows']}: {parquet} passer ikke med manifestet."
                )
        version = db._schema_version(conn)
        if version != manifest["schema_version"]:
            raise BackupRejected(
                f"Den gendannede database har skemaversion {version}, men manifestet siger "
                f"{manifest['schema_version']}."
            )
        conn.execute("commit")
        conn.execute("checkpoint")
    finally:
        conn.close()
    wal = temp.with_name(temp.name + ".wal")
    if wal.exists():  # a checkpointed, closed database has no WAL; make sure of it
        raise BackupRejected(f"{temp} blev ikke skrevet helt (WAL-filen er tilbage).")
    _fsync_file(temp)
    return counts


def _restore_access_log(source: Path, temp_log: Path, rows: int) -> None:
    with (
        closing(sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)) as src,
        closing(sqlite3.connect(temp_log)) as dst,
    ):
        src.backup(dst)
        found = dst.execute("select count(*) from access_log").fetchone()[0]
        if found != rows:
            raise BackupRejected(
                f"Adgangsloggen {source} har {found} linjer, men manifestet siger {rows}."
            )
    _fsync_file(temp_log)


def _keep_old(path: Path, stamp: str) -> list[Path]:
    """Keep an existing file under a `.foer-gendannelse-<tid>` name (a hard link, so the file
    itself is replaced in one rename afterwards) and move its WAL (DuckDB's .wal, SQLite's
    -wal/-shm) aside with it: a stale WAL must never be replayed onto the restored file."""
    kept = []
    if path.exists():
        aside = path.with_name(f"{path.name}.foer-gendannelse-{stamp}")
        try:
            os.link(path, aside)
        except OSError:  # a file system without hard links
            shutil.copy2(path, aside)
        kept.append(aside)
    for wal in (
        path.with_name(path.name + ".wal"),
        path.with_name(path.name + "-wal"),
        path.with_name(path.name + "-shm"),
    ):
        if wal.exists():
            aside = wal.with_name(f"{wal.name}.foer-gendannelse-{stamp}")
            os.replace(wal, aside)
            kept.append(aside)
    return kept
