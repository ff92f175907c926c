"""Where krimdash's settings live: the project's folders, the default database, the local time
zone and its formatting, the languages and every KRIMDASH_* environment variable. Other modules
read these from here, never from os.environ or a path of their own."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
QUERIES_DIR = ROOT / "queries"
MIGRATIONS_DIR = QUERIES_DIR / "migrations"
DEFAULT_DB = DATA_DIR / "krimdash.duckdb"
DEFAULT_CATALOG = DATA_DIR / "catalog.toml"
DEFAULT_LOCK_TIMEOUT_S = 20.0
DEFAULT_SMALL_COUNT = 4  # the public view hides counts from 1 to this (KRIMDASH_SMALL_COUNT)

# Times are stored in UTC and shown in Danish local time.
LOCAL_TZ = ZoneInfo("Europe/Copenhagen")

# The languages of every user text; the first is the default.
LANGUAGES = ("da", "en")


@dataclass(frozen=True)
class EnvVar:
    """An environment variable krimdash reads: its default and what it does (the README's
    Configuration section lists exactly these; tests/test_docs.py checks it)."""

    default: str
    meaning: str


ENV_VARS: dict[str, EnvVar] = {
    "KRIMDASH_DB": EnvVar(
        "data/krimdash.duckdb",
        "the database file; `--db PATH` overrides it, and `krimdash serve` passes it to the app",
    ),
    "KRIMDASH_STORE": EnvVar(
        "unset",
        "a shared store instead of the database file: `ducklake:postgres:dbname=… host=… "
        "port=… user=…` (DuckLake with its catalog in PostgreSQL; see «Several app processes "
        "(DuckLake)»); `--store URL` overrides it; unset, the file of KRIMDASH_DB is used",
    ),
    "KRIMDASH_LAKE_DATA": EnvVar(
        "unset",
        "the folder of a DuckLake store's data files (Parquet), shared by every machine that "
        "uses the store; required with a `ducklake:` store",
    ),
    "KRIMDASH_USER": EnvVar(
        "the login name",
        "who is recorded in the audit log and the access log for the CLI's writes (`init`, "
        "`import`, `retract`, `user`, `month`, `public`); `--user` overrides it",
    ),
    "KRIMDASH_LOCK_TIMEOUT": EnvVar(
        "20",
        "seconds to wait for a database that another process is writing to, before giving up "
        "with exit code 4",
    ),
    "KRIMDASH_CATALOG": EnvVar(
        "data/catalog.toml",
        "the measure catalog that `init` loads and `import`, `check` and `template` check "
        "against (the benchmark's large synthetic catalogs use it)",
    ),
    "KRIMDASH_ACCESS_LOG": EnvVar(
        "beside the database",
        "the access log's own SQLite file (who saw or did what, when); by default "
        "`<database>.access.sqlite` beside the database file, never inside it",
    ),
    "KRIMDASH_LOG_RETENTION_MONTHS": EnvVar(
        "12",
        "how many months the access log keeps an entry; older entries are deleted "
        "automatically whenever the log is written",
    ),
    "KRIMDASH_SMALL_COUNT": EnvVar(
        "4",
        "the public view's threshold: counts from 1 to this number are never shown, directly or "
        "by working them out (see «Den offentlige visning: beskyttelse af små tal»)",
    ),
    "KRIMDASH_BACKUP_DIR": EnvVar(
        "unset",
        "the folder `krimdash backup` writes into; when the database cannot be opened at start, "
        "the CLI and the app name the newest backup in it (they never repair or delete anything "
        "themselves)",
    ),
    "KRIMDASH_ALLOW_TEST_LOGIN": EnvVar(
        "unset",
        "`1` lets the local test sign-in (oidc-provider-mock) run on a database not made by "
        "`init --demo`, for tests only; every page then shows a red TEST-LOGIN bar",
    ),
    "KRIMDASH_TRIM_EVERY": EnvVar(
        "30",
        "seconds between the app server's looks at its memory: when readers have left it gives "
        "freed memory back to the system (glibc's malloc_trim) and, once no session is left, "
        "ends the chart-drawing processes (the next chart starts one again, about 1 s); 0 turns "
        "it off (and the drawing processes then stay)",
    ),
}


def _env(name: str) -> str | None:
    """The variable's value, read now (so a test or a child process can set it); None if unset
    or empty."""
    if name not in ENV_VARS:
        raise KeyError(f"{name} is not a krimdash variable; add it to config.ENV_VARS")
    return os.environ.get(name) or None


def db_path() -> Path:
    """The database file: KRIMDASH_DB, else data/krimdash.duckdb (`--db` overrides both)."""
    return Path(_env("KRIMDASH_DB") or DEFAULT_DB)


LAKE_PREFIX = "ducklake:"


def store_location() -> str:
    """Where the figures live: KRIMDASH_STORE (a `ducklake:` address), else the database file
    (KRIMDASH_DB or data/krimdash.duckdb). `--store` and `--db` override both."""
    return _env("KRIMDASH_STORE") or str(db_path())


def lake_data_dir() -> Path | None:
    """A DuckLake store's data folder: KRIMDASH_LAKE_DATA, else None."""
    raw = _env("KRIMDASH_LAKE_DATA")
    return Path(raw) if raw else None


def catalog_path() -> Path:
    """The catalog file: KRIMDASH_CATALOG, else data/catalog.toml."""
    return Path(_env("KRIMDASH_CATALOG") or DEFAULT_CATALOG)


T = TypeVar("T", int, float)


def _number(name: str, default: T, kind: Callable[[str], T], least: T, what: str) -> T:
    """The number in variable `name` (`kind` int or float), at least `least`; `default` when it
    is not set; anything else a Danish ValueError saying the variable must be `what`."""
    raw = _env(name)
    if raw is None:
        return default
    try:
        number = kind(raw)
    except ValueError:
        number = None
    if number is None or not number >= least:  # `not >=` also refuses nan
        raise ValueError(f"{name} skal være {what}, ikke «{raw}»")
    return number


def backup_dir() -> Path | None:
    """The backups' folder: KRIMDASH_BACKUP_DIR, else None (no backup folder is set)."""
    raw = _env("KRIMDASH_BACKUP_DIR")
    return Path(raw) if raw else None


DEFAULT_TRIM_EVERY_S = 30.0


def trim_every_s() -> float:
    """Seconds between the app server's memory looks (dashboard.web.memory):
    KRIMDASH_TRIM_EVERY, else 30; 0 turns them off."""
    return _number("KRIMDASH_TRIM_EVERY", DEFAULT_TRIM_EVERY_S, float, 0.0, "et antal sekunder")


def allow_test_login() -> bool:
    """KRIMDASH_ALLOW_TEST_LOGIN=1: the test sign-in may run on a database not made by
    `init --demo` (tests only)."""
    return _env("KRIMDASH_ALLOW_TEST_LOGIN") == "1"


def user_name() -> str:
    """Who is recorded in the audit log: KRIMDASH_USER, else the login name (`--user` wins)."""
    return _env("KRIMDASH_USER") or getpass.getuser()


def lock_timeout_s() -> float:
    """Seconds to wait for a busy database: KRIMDASH_LOCK_TIMEOUT, else 20."""
    return _number("KRIMDASH_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT_S, float, 0, "et antal sekunder")


def access_log_path(db: Path | None = None) -> Path:
    """The access log's file: KRIMDASH_ACCESS_LOG, else `<database>.access.sqlite` beside the
    database (`db`, else KRIMDASH_DB or data/krimdash.duckdb)."""
    if raw := _env("KRIMDASH_ACCESS_LOG"):
        return Path(raw)
    db = Path(db) if db else db_path()
    return db.with_name(db.name + ".access.sqlite")


def log_retention_months() -> int:
    """Months the access log keeps an entry: KRIMDASH_LOG_RETENTION_MONTHS, else 12."""
    return _number("KRIMDASH_LOG_RETENTION_MONTHS", 12, int, 1, "et helt antal måneder (mindst 1)")


def small_count_threshold() -> int:
    """The largest count the public view protects: KRIMDASH_SMALL_COUNT, else 4."""
    return _number("KRIMDASH_SMALL_COUNT", DEFAULT_SMALL_COUNT, int, 1, "et helt tal på mindst 1")


def local_time(moment: datetime, fmt: str = "%d.%m.%Y %H:%M") -> str:
    """A stored moment (naive UTC, as in batches.created_at) as Danish local time text."""
    return moment.replace(tzinfo=UTC).astimezone(LOCAL_TZ).strftime(fmt)


def lang_of(value: object) -> str:
    """A supported language code, or the default (Danish) for anything else."""
    return value if value in LANGUAGES else LANGUAGES[0]


def lang_column(base: str, lang: str) -> str:
    """The column or attribute holding `base` in `lang`: lang_column("title", "en") is
    "title_en". Reference data keeps one column per language (label_da, label_en, ...)."""
    return f"{base}_{lang_of(lang)}"
