"""The shared store: DuckLake, with its catalog in PostgreSQL and its data files in a folder that
every machine reaches (`KRIMDASH_STORE=ducklake:postgres:dbname=… host=… port=… user=…`,
`KRIMDASH_LAKE_DATA=DIR`).

It is the same store as the embedded file to everything above db.py: the same queries (run with
the lake as the default catalog), the same single write path (`Store.writer`) and the same audit
rows. What differs lives here:

- **One connection per process.** Loading the two extensions and attaching the lake costs about
  0.3 s, so each process keeps one DuckDB connection with the lake attached, and every reader or
  writer is a cursor of it.
- **Extensions from disk.** `ducklake` and `postgres_scanner` come from the PyPI packages
  duckdb-extension-ducklake and duckdb-extension-postgres-scanner and are loaded by path;
  DuckDB's own `INSTALL` (a download) is never used, and autoloading is off.
- **One writer at a time, across machines.** A write holds a PostgreSQL advisory lock (taken on a
  cursor of its own, so it is let go only after the write's commit has landed) while it reads,
  plans and commits; other writers wait in PostgreSQL's lock queue, in turn, and give up after
  KRIMDASH_LOCK_TIMEOUT with the same Danish "optaget" message. Every write also moves the
  one-row `store_clock` table, so that two writes that ever did overlap (a writer that lost its
  lock with its PostgreSQL connection) conflict in DuckLake's own commit instead of both landing:
  the second is refused whole (WriteConflict), never half saved.
- **The schema** is the embedded file's, made from the same migrations, without what DuckLake
  cannot hold: primary keys, unique and CHECK constraints, sequences (see `lake_schema`). The
  write path makes batch and status ids and checks every value (the rules) for both stores.
- **The data version** that pages key their caches on is DuckLake's latest snapshot id, so a
  write from any process or machine shows on every replica's next page run.
"""

from __future__ import annotations

import importlib.util
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb

from . import config, db

CATALOG = "lake"  # the name the lake is attached under in every connection
PREFIX = "ducklake:postgres:"
_LOCK_KEY = 7_203_511  # the advisory lock every krimdash writer of a store takes
_VERSION_TTL_S = 0.2  # one snapshot query serves the data_version calls of one page run

_roots: dict[tuple[str, str], duckdb.DuckDBPyConnection] = {}
_roots_lock = threading.Lock()
_versions: dict[str, tuple[float, tuple[int, ...]]] = {}
# Each store's address by its shown form: pages key their caches on `store.location` (the
# password hidden) and open the store again from it, which must reach the same lake.
_addresses: dict[str, str] = {}
# The lakes this process has seen krimdash's schema in: `exists` runs on every page run, and
# asking the lake costs a round trip to PostgreSQL (listing the tables, tens of ms); krimdash
# never removes its schema, so a lake that had it has it.
_made: set[str] = set()
_checked: set[str] = set()  # lakes whose every table was read by check() in this process


def extension_file(package: str, name: str) -> Path:
    """The extension `name` shipped in the PyPI package `package`, for this DuckDB version."""
    spec = importlib.util.find_spec(package)
    folder = Path(next(iter(spec.submodule_search_locations))) if spec else None
    path = (
        folder / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
        if folder
        else None
    )
    if path is None or not path.is_file():
        raise db.DatabaseBroken(
            Path(package),
            f"DuckDB-udvidelsen {name} til DuckDB {duckdb.__version__} mangler (PyPI-pakken "
            f"{package.replace('_', '-')}=={duckdb.__version__} skal være installeret; se "
            "requirements.lock)",
        )
    return path


# The two extensions a lake needs, each from its PyPI package, in the order they are loaded.
EXTENSIONS = (
    ("duckdb_extension_postgres_scanner", "postgres_scanner"),
    ("duckdb_extension_ducklake", "ducklake"),
)


def connect_offline() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection that downloads nothing (autoinstall and autoload off),
    with the PostgreSQL and DuckLake extensions loaded from their packages' files."""
    conn = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    try:
        for package, name in EXTENSIONS:
            conn.execute(f"load {db.sql_string(str(extension_file(package, name)))}")
    except BaseException:
        conn.close()
        raise
    return conn


def postgres_part(url: str) -> str:
    """The libpq connection string of a `ducklake:postgres:` address."""
    if not url.startswith(PREFIX) or not url[len(PREFIX) :].strip():
        raise ValueError(
            f"Ukendt lager «{_cut(shown(url))}»: et delt lager skrives som ducklake:postgres:dbname=… "
            "host=… port=… user=… (se README, «Several app processes (DuckLake)»)."
        )
    return url[len(PREFIX) :].strip()


def shown(url: str) -> str:
    """The address with any password hidden and every control character escaped (a typed or
    pasted address cannot move the terminal's cursor or fake a line), for messages and cache
    keys."""
    from .rules import printable

    return printable(re.sub(r"(password\s*=\s*)(\S+)", r"\1***", url))


def _cut(text: str, most: int = 200) -> str:
    """A long address cut for a message (the whole of it is what the user typed)."""
    return text if len(text) <= most else text[:most] + f"… ({len(text):,} tegn)".replace(",", ".")


def _root(url: str, data: Path) -> duckdb.DuckDBPyConnection:
    """The process's connection to the lake (made on first use)."""
    key = (url, str(data))
    with _roots_lock:
        if (conn := _roots.get(key)) is not None:
            return conn
        try:
            conn = connect_offline()
        except duckdb.Error as exc:
            raise _unreachable(url, exc) from None
        try:
            pg = postgres_part(url)
            data.mkdir(parents=True, exist_ok=True)
            conn.execute(
                f"attach {db.sql_string('ducklake:postgres:' + pg)} as {CATALOG} "
                f"(data_path {db.sql_string(str(data) + '/')})"
            )
            conn.execute(f"attach {db.sql_string(pg)} as {CATALOG}_pg (type postgres)")
        except duckdb.Error as exc:
            conn.close()
            raise _unreachable(url, exc) from None
        _roots[key] = conn
        return conn


# What DuckDB says when the catalog's PostgreSQL went away after the lake was attached.
_GONE = ("Unable to connect to Postgres", "server closed the connection", "connection to server")


def _unreachable(url: str, exc: BaseException) -> db.StoreUnreachable:
    return db.StoreUnreachable(
        f"Det delte lager {_cut(shown(url))} kan ikke nås: {shown(str(exc).splitlines()[0])[:300]}. Intet er "
        "læst eller skrevet. Tjek at PostgreSQL kører og at adressen og KRIMDASH_LAKE_DATA er "
        "rigtige, og prøv igen."
    )


def _gone(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.Error) and any(words in str(exc) for words in _GONE)


@contextmanager
def _answering(url: str) -> Iterator[None]:
    """Around anything that reaches the catalog: its PostgreSQL gone is StoreUnreachable."""
    try:
        yield
    except duckdb.Error as exc:
        if _gone(exc):
            raise _unreachable(url, exc) from None
        raise


def close_all() -> None:
    """Let go of every lake connection of this process (tests, and a process that is ending)."""
    with _roots_lock:
        for conn in _roots.values():
            with suppress(duckdb.Error):
                conn.close()
        _roots.clear()
        _versions.clear()
        _made.clear()
        _checked.clear()


class LakeStore(db.Store):
    """krimdash's tables in a DuckLake: several processes on several machines read and write it."""

    own_instance = False  # every cursor shares the process's one connection and its settings

    def __init__(self, location: Path | str | None = None):
        url = str(location or config.store_location())
        self.url = _addresses.get(url, url)  # a shown address: the store it was shown for
        postgres_part(self.url)
        _addresses[shown(self.url)] = self.url
        data = config.lake_data_dir()
        if data is None:
            raise ValueError(
                "Et delt lager (ducklake:) kræver en mappe til datafilerne: sæt KRIMDASH_LAKE_DATA "
                "til en mappe, som alle maskiner med krimdash når."
            )
        self.data = data
        # What messages name (a Path, as for the file; the password hidden). The access log is
        # each machine's own file: by default beside the local database path (log_base).
        self.path = Path(shown(self.url))
        self.log_base = config.db_path()
        self._locks: dict[int, duckdb.DuckDBPyConnection] = {}

    @property
    def location(self) -> str:
        return shown(self.url)

    def __repr__(self) -> str:
        return f"LakeStore({self.location!r})"

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """As the file's reader; a catalog that stopped answering is StoreUnreachable (a busy
        store: "try again"), not a damaged database."""
        with _answering(self.url), super().reader() as conn:
            yield conn

    @contextmanager
    def writer(self, *, init: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """As the file's writer (one transaction, rolled back on error); a catalog that stopped
        answering is StoreUnreachable, with nothing saved."""
        with _answering(self.url), super().writer(init=init) as conn:
            yield conn

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cur = _root(self.url, self.data).cursor()
        try:
            with _answering(self.url):
                cur.execute(f"use {CATALOG}")
        except BaseException:
            cur.close()
            raise
        return cur

    def exists(self) -> bool:
        """The lake has krimdash's schema (made by `krimdash init --store …`). Every reader and
        writer asks first, so a lake once seen with it is remembered (a schema is never taken
        away); before that, a look at the one table costs a few ms, where duckdb_tables() would
        list every attached catalog's tables (the PostgreSQL one's too) in 70-250 ms."""
        if self.url in _made:
            return True
        cur = self._cursor()
        try:
            with _answering(self.url):
                cur.execute(f"select 1 from {CATALOG}.main.schema_version limit 0").fetchall()
            made = True
        except duckdb.CatalogException:
            made = False
        finally:
            cur.close()
        if made:
            _made.add(self.url)
        return made

    def check(self, *, full: bool = False) -> int:
        """The start-up check: the first in a process reads every table (each a DuckLake scan
        whose file list comes from PostgreSQL: about 0.4 s), as for the file; after that, the
        app's check on each new snapshot asks the schema version only. A file's check is cheap
        and runs on each new data version; a lake's snapshot moves with every commit from any
        machine, and a damaged data file is found, and said the same way, when a query meets it."""
        if full or self.url not in _checked:
            version = super().check(full=full)
            _checked.add(self.url)
            return version
        with self.reader() as conn:
            try:
                version = db._schema_version(conn)
            except duckdb.Error as exc:
                raise db.DatabaseBroken(self.path, db.broken_reason(exc)) from exc
        if version > db.latest_version():
            return super().check()  # says so in its own words
        return version

    def data_version(self) -> tuple[int, ...]:
        """DuckLake's latest snapshot id: every commit from any process makes a new one."""
        now = time.monotonic()
        if (seen := _versions.get(self.url)) and now - seen[0] < _VERSION_TTL_S:
            return seen[1]
        # Read from DuckLake's own catalog table in PostgreSQL: about 1 ms, where
        # ducklake_current_snapshot() costs a DuckLake transaction (about 10 ms, on every run).
        cur = _root(self.url, self.data).cursor()
        try:
            with _answering(self.url):
                (snapshot,) = cur.execute(
                    f"select * from postgres_query('{CATALOG}_pg', "
                    "'select max(snapshot_id) from ducklake_snapshot')"
                ).fetchone()
        finally:
            cur.close()
        _versions[self.url] = (now, (snapshot,))
        return (snapshot,)

    def _connect(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        return self._cursor()

    def _release(self, conn: duckdb.DuckDBPyConnection) -> None:
        lock = self._locks.pop(id(conn), None)
        if lock is not None:  # a write (or init) ends: this process's next look is fresh
            with suppress(duckdb.Error):
                lock.execute("rollback")  # ends the lock's PostgreSQL transaction: lets go
            lock.close()
            _versions.pop(self.url, None)
        with suppress(duckdb.Error):
            conn.close()

    def _lock(self, conn: duckdb.DuckDBPyConnection) -> None:
        """Wait for the store's write lock (a PostgreSQL advisory lock held by a transaction on a
        cursor of its own until `_release`), as long as KRIMDASH_LOCK_TIMEOUT allows. Waiting
        writers queue in PostgreSQL's lock queue, first come first served, so a writer is not
        passed over again and again by others that keep coming back."""
        lock = _root(self.url, self.data).cursor()
        self._locks[id(conn)] = lock
        lock.execute("begin transaction")
        timeout = config.lock_timeout_s()
        try:
            # lock_timeout 0 would mean "wait for ever": at least 1 ms
            ms = max(1, round(timeout * 1000))
            lock.execute(f"call postgres_execute('{CATALOG}_pg', 'set local lock_timeout = {ms}')")
            lock.execute(
                f"select * from postgres_query('{CATALOG}_pg', "
                f"'select pg_advisory_xact_lock({_LOCK_KEY})::text')"
            ).fetchall()
        except duckdb.Error as exc:
            if "lock timeout" not in str(exc):
                raise
            raise db.DatabaseBusy(
                f"Det delte lager {self.location} er optaget af en anden skrivning (fx en "
                f"import), også efter {timeout:.0f} sekunders ventetid. Prøv igen om lidt."
            ) from None

    def _begin(self, conn: duckdb.DuckDBPyConnection) -> None:
        if id(conn) not in self._locks:
            self._lock(conn)
        conn.execute("begin transaction")
        conn.execute("update store_clock set writes = writes + 1")

    def _commit(self, conn: duckdb.DuckDBPyConnection) -> None:
        try:
            conn.execute("commit")
        except duckdb.TransactionException as exc:
            if "conflict" in str(exc).lower():
                raise db.WriteConflict(self.location) from exc
            raise

    def _migrate(self, conn: duckdb.DuckDBPyConnection) -> None:
        """Make or bring up to date krimdash's schema in the lake (krimdash init), under the
        write lock, in one transaction."""
        self._lock(conn)
        conn.execute("begin transaction")
        try:
            for statement in lake_schema(conn):
                conn.execute(statement)
            conn.execute("commit")
        except BaseException:
            with suppress(duckdb.Error):
                conn.execute("rollback")
            raise


def _existing(conn: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    rows = conn.execute(
        "select table_name, column_name from duckdb_columns() where database_name = $c "
        "and table_name in (select table_name from duckdb_tables() where database_name = $c)",
        {"c": CATALOG},
    ).fetchall()
    out: dict[str, set[str]] = {}
    for table, column in rows:
        out.setdefault(table, set()).add(column)
    return out


@contextmanager
def _latest_schema() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with every migration applied: the embedded file's schema."""
    mem = duckdb.connect()
    try:
        db._migrate(mem)
        yield mem
    finally:
        mem.close()


def lake_schema(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """The statements that give the lake the embedded file's schema (the same migrations, one
    home for the tables): each table and column it lacks, without the primary keys, unique and
    CHECK constraints and sequence defaults DuckLake cannot hold (NOT NULL and plain defaults
    stay); the views; the schema versions; and the write clock."""
    have = _existing(conn)
    statements: list[str] = []
    with _latest_schema() as mem:
        columns = mem.execute(
            "select table_name, column_name, data_type, column_default, is_nullable "
            "from duckdb_columns() where database_name = current_database() and table_name in "
            "(select table_name from duckdb_tables() where database_name = current_database()) "
            "order by table_name, column_index"
        ).fetchall()
        tables: dict[str, list[tuple[str, str]]] = {}
        for table, column, kind, default, nullable in columns:
            ddl = f"{db.quote_name(column)} {kind}"
            if default is not None and "nextval" not in default:
                ddl += f" default {default}"
            if not nullable:
                ddl += " not null"
            tables.setdefault(table, []).append((column, ddl))
        for table, cols in tables.items():
            if table not in have:
                statements.append(
                    f"create table {db.quote_name(table)} ({', '.join(ddl for _, ddl in cols)})"
                )
            else:
                statements += [
                    f"alter table {db.quote_name(table)} add column {ddl}"
                    for column, ddl in cols
                    if column not in have[table]
                ]
        views = conn.execute(
            "select view_name, sql from duckdb_views() where database_name = $c and not internal",
            {"c": CATALOG},
        ).fetchall()
        for name, text in mem.execute(
            "select view_name, sql from duckdb_views() where database_name = current_database() "
            "and not internal order by view_name"
        ).fetchall():
            if (name, text) not in views:  # new, or changed by a migration
                statements.append(
                    re.sub(r"^\s*create\s+view", "create or replace view", text, flags=re.I)
                )
        versions = mem.execute(
            "select version, name from schema_version order by version"
        ).fetchall()
    known = (
        {v for (v,) in conn.execute("select version from schema_version").fetchall()}
        if "schema_version" in have
        else set()
    )
    for version, name in versions:
        if version not in known:
            statements.append(
                "insert into schema_version values "
                f"({int(version)}, {db.sql_string(name)}, timestamp '{db.utc_now().isoformat()}')"
            )
    if "store_clock" not in have:
        statements += [
            "create table store_clock (writes bigint not null)",
            "insert into store_clock values (0)",
        ]
    return statements
