"""The dashboard served on this machine and read in headless Chromium: a Streamlit server on a
free 127.0.0.1 port (started, waited for until healthy, stopped), and the browser launch.

Shared by the browser tests (tests/test_browser.py) and the benchmark (bench/, which puts tests/
on sys.path), so both read the pages the same way:

    with serving(krimdash_serve, {"KRIMDASH_DB": str(db)}) as server:
        page.goto(server.url)
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def krimdash_serve(port: int) -> list[str]:
    """The dashboard as a user starts it (`krimdash serve`), on 127.0.0.1:port."""
    return [
        sys.executable, "-m", "dashboard.cli", "serve",
        "--port", str(port), "--address", "127.0.0.1",
    ]  # fmt: skip


def krimdash_serve_signed(secrets: Path, provider: str) -> Callable[[int], list[str]]:
    """`krimdash serve` with sign-in through the test provider at `provider`: the secrets file
    (redirect_uri on 127.0.0.1:port, the host the browser opens) is written when the port is
    known."""
    from dashboard import testlogin

    def command(port: int) -> list[str]:
        testlogin.write_secrets(secrets, port, provider)
        return [*krimdash_serve(port), "--secrets", str(secrets)]

    return command


@contextlib.contextmanager
def oidc_provider(log: Path | None = None) -> Iterator[str]:
    """The local OpenID Connect test provider (oidc-provider-mock, dashboard/testlogin.py)
    with the demo users, on a free 127.0.0.1 port; yields its address."""
    from dashboard import testlogin

    port = free_port()
    process = testlogin.start_provider(port, log)
    try:
        yield testlogin.provider_url(port)
    finally:
        testlogin.stop(process)


def streamlit_run(script: Path, port: int) -> list[str]:
    """Any Streamlit script with the server options `krimdash serve` gives the dashboard
    (dashboard/cli.py), on 127.0.0.1:port: for a page measured beside the dashboard."""
    return [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.address", "127.0.0.1",
        "--client.toolbarMode", "viewer",
    ]  # fmt: skip


@dataclass
class Server:
    url: str
    process: subprocess.Popen

    def alive(self) -> bool:
        return self.process.poll() is None


def start(
    command: Callable[[int], list[str]],
    env: dict[str, str] | None = None,
    log: Path | None = None,
    timeout_s: float = 60,
) -> Server:
    """Run `command(port)` on a free port in its own process group and wait until Streamlit
    answers its health check. Output goes to `log` (else nowhere). Raises RuntimeError, with the
    server stopped, if it exits or is not healthy within `timeout_s`."""
    port = free_port()
    with open(log or os.devnull, "wb") as out:
        process = subprocess.Popen(
            command(port),
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() reaches all of it
        )
    server = Server(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + timeout_s
    while True:
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as answer,
        ):
            if answer.read() == b"ok":
                return server
        if not server.alive() or time.monotonic() > deadline:
            stop(server)
            exited = process.returncode is not None
            why = f"exited ({process.returncode})" if exited else "was not healthy"
            where = f"; see {log}" if log else ""
            raise RuntimeError(f"{server.url}: the server {why} within {timeout_s:.0f} s{where}")
        time.sleep(0.2)


def stop(server: Server) -> None:
    """Stop a server we started, with its process group (by its own id), within bounded time."""
    if not server.alive():
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)


@contextlib.contextmanager
def serving(
    command: Callable[[int], list[str]],
    env: dict[str, str] | None = None,
    log: Path | None = None,
    timeout_s: float = 60,
) -> Iterator[Server]:
    """start() on entry, stop() on exit."""
    server = start(command, env, log, timeout_s)
    try:
        yield server
    finally:
        stop(server)


def chromium_missing() -> str | None:
    """Why the browser cannot run here, or None."""
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless, through Playwright: `launch_chromium(sync_playwright().start())`."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
