"""PostgreSQL from Debian for the DuckLake tests: a throwaway cluster in a temporary folder,
started on a free 127.0.0.1 port and removed afterwards, and DuckDB with the DuckLake and
PostgreSQL extensions loaded from their PyPI packages (never `INSTALL`).

initdb refuses to run as root, and the tests run as root in CI, so as root the cluster belongs to
the unprivileged `postgres` system user (made by Debian's postgresql package) and its programs run
through `runuser -u postgres --`; as anyone else they run as that user. The clients (createdb,
psql, DuckDB) connect over TCP as the cluster's superuser `krimdash` with trust authentication.

    with cluster() as pg:
        conn = pg.new_database()             # "dbname=… host=127.0.0.1 port=… user=krimdash"
        lake_url(conn)                       # "ducklake:postgres:dbname=… …"

tests/conftest.py turns this into the session fixture `postgres`.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from servers import free_port

HOST = "127.0.0.1"
USER = "krimdash"  # the cluster's superuser (initdb -U)
SYSTEM_USER = "postgres"  # who owns and runs the cluster when the tests run as root
INSTALL_HINT = "apt-get install postgresql (.ci/run installs it)"
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin with initdb and pg_ctl, or None."""
    found = [
        d / "bin"
        for d in Path("/usr/lib/postgresql").glob("*")
        if d.name.isdigit() and (d / "bin" / "initdb").exists() and (d / "bin" / "pg_ctl").exists()
    ]
    return max(found, key=lambda b: int(b.parent.name), default=None)


def _as_root() -> bool:
    return os.geteuid() == 0


def missing() -> str | None:
    """Why no cluster can be started here, or None."""
    if bin_dir() is None:
        return f"PostgreSQL is missing (no /usr/lib/postgresql/*/bin/initdb): {INSTALL_HINT}"
    if _as_root():
        try:
            pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            return f"the system user {SYSTEM_USER!r} is missing: {INSTALL_HINT}"
        if shutil.which("runuser") is None:
            return "runuser is missing (util-linux)"
    return None


def lake_url(conn: str) -> str:
    """The DuckLake store URL for a libpq connection string: "ducklake:postgres:" + conn."""
    return "ducklake:postgres:" + conn


@dataclass
class Postgres:
    """A running cluster: `host`, `port`, `user` (the superuser), its `bin` folder and `folder`."""

    host: str
    port: int
    user: str
    bin: Path
    folder: Path
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def conn(self, dbname: str) -> str:
        """The libpq connection string for database `dbname`."""
        return f"dbname={dbname} host={self.host} port={self.port} user={self.user}"

    def client_env(self) -> dict[str, str]:
        """The environment for a client: no PG* variable of the caller's points elsewhere."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        return {**env, "PGHOST": self.host, "PGPORT": str(self.port), "PGUSER": self.user}

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        """Run `sql` with psql in `dbname` (stopping at the first error); its unaligned output."""
        done = subprocess.run(
            [self.bin / "psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", dbname, "-c", sql],
            capture_output=True, text=True, env=self.client_env(), timeout=60,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"psql -c {sql!r} failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout.strip()

    def new_database(self, name: str | None = None) -> str:
        """Create a fresh, empty database (`createdb`), named `name` or a new name; returns its
        libpq connection string "dbname=… host=127.0.0.1 port=… user=krimdash"."""
        name = name or f"krimdash_{next(self._numbers)}"
        if not _NAME.fullmatch(name):
            raise ValueError(f"{name!r}: use lower-case letters, digits and _ for a database name")
        done = subprocess.run(
            [self.bin / "createdb", "-E", "UTF8", name],
            capture_output=True, text=True, env=self.client_env(), timeout=60,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"createdb {name} failed ({done.returncode}): {done.stderr.strip()}")
        return self.conn(name)


def _server_command(*args: str | os.PathLike[str]) -> list[str]:
    """A server program (initdb, pg_ctl) as the cluster's owner."""
    prefix = ["runuser", "-u", SYSTEM_USER, "--"] if _as_root() else []
    return [*prefix, *map(str, args)]


def _run(command: list[str], cwd: Path, what: str, log: Path | None = None) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)
    if done.returncode:
        tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
        raise RuntimeError(
            f"{what} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
            + (f"\n{log}:\n{tail}" if tail else "")
        )


def _initdb(bin_: Path, folder: Path, data: Path) -> None:
    _run(
        _server_command(
            bin_ / "initdb", "-D", data, "-A", "trust", "-U", USER, "-E", "UTF8",
            "--locale=C", "--no-sync", "--no-instructions",
        ),
        folder, "initdb",
    )  # fmt: skip


PREFIX = "krimdash-pg-"  # the temporary folders start() makes
OWNER = "owner"  # in such a folder: the pid and start time of the process that made the cluster


def _process_start(pid: int) -> str | None:
    """A process's start time (clock ticks since boot), or None if there is no such process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def stop_abandoned() -> None:
    """Stop and remove the clusters of earlier test runs that ended without stopping theirs (a
    run killed by a signal skips its teardown): those whose folder names a process that is gone.
    A cluster of a run still going on, or without an owner file, is left alone."""
    bin_ = bin_dir()
    for folder in Path(tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            pid, started = (folder / OWNER).read_text().split()
        except (OSError, ValueError):
            continue
        if bin_ is not None and _process_start(int(pid)) != started:
            stop(Postgres(HOST, 0, USER, bin_, folder))


def start(folder: Path | None = None, attempts: int = 3) -> Postgres:
    """initdb and start a cluster in `folder` (a new temporary folder by default, which then
    belongs to the cluster's owner); raises RuntimeError if it cannot. Stop it with stop()."""
    if why := missing():
        raise RuntimeError(why)
    bin_ = bin_dir()
    assert bin_ is not None
    stop_abandoned()
    folder = Path(folder or tempfile.mkdtemp(prefix=PREFIX))
    (folder / "sock").mkdir(parents=True, exist_ok=True)
    (folder / OWNER).write_text(f"{os.getpid()} {_process_start(os.getpid())}\n")
    if _as_root():
        owner = pwd.getpwnam(SYSTEM_USER)
        for path in (folder, folder / "sock"):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    folder.chmod(0o700)
    data, log = folder / "data", folder / "postgres.log"
    try:
        _initdb(bin_, folder, data)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    for attempt in range(attempts):
        port = free_port()  # another process may take it before the server does: try again
        options = (
            f"-p {port} -k {folder / 'sock'} -c listen_addresses={HOST} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c shared_buffers=32MB"
        )
        try:
            _run(
                _server_command(bin_ / "pg_ctl", "start", "-w", "-t", "60", "-D", data,
                                "-l", log, "-o", options),
                folder, "pg_ctl start", log,
            )  # fmt: skip
        except RuntimeError:
            if attempt == attempts - 1:
                stop(Postgres(HOST, port, USER, bin_, folder))
                raise
            continue
        return Postgres(HOST, port, USER, bin_, folder)
    raise AssertionError("unreachable")


def stop(pg: Postgres, remove: bool = True) -> None:
    """Stop the cluster at once (`pg_ctl stop -m immediate`: it is thrown away, so nothing needs
    saving), by its postmaster's own pid if pg_ctl cannot, then remove its folder."""
    pidfile = pg.data / "postmaster.pid"
    if pidfile.exists():
        subprocess.run(
            _server_command(pg.bin / "pg_ctl", "stop", "-m", "immediate", "-w", "-D", pg.data),
            cwd=pg.folder, capture_output=True, timeout=60,
        )  # fmt: skip
    if pidfile.exists():  # pg_ctl could not stop it: end the postmaster we started
        with contextlib.suppress(ValueError, IndexError, ProcessLookupError, OSError):
            os.kill(int(pidfile.read_text().split()[0]), signal.SIGKILL)
    if remove:
        shutil.rmtree(pg.folder, ignore_errors=True)


@contextlib.contextmanager
def cluster(folder: Path | None = None) -> Iterator[Postgres]:
    """start() on entry; stop() and remove on exit, also when the body fails."""
    pg = start(folder)
    try:
        yield pg
    finally:
        stop(pg)


def lake_connection():
    """An in-memory DuckDB connection that downloads nothing, with the PostgreSQL and DuckLake
    extensions loaded from their packages' files (krimdash's own: dashboard.lake.connect_offline);
    ATTACH a lake_url() on it."""
    from dashboard.lake import connect_offline

    return connect_offline()
