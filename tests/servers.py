"""The dashboard served on this machine and read in headless Chromium: a Streamlit server on a
free 127.0.0.1 port (started, waited for until healthy, stopped), and the browser launch.

Shared by the browser tests (tests/test_browser.py) and the benchmark (bench/, which puts tests/
on sys.path), so both read the pages the same way:

    with serving(krimdash_serve, {"KRIMDASH_DB": str(db)}) as server:
        page.goto(server.url)
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
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


# Several `krimdash serve` processes behind nginx from Debian, with the production template
# deploy/nginx-replicas.conf (sticky sessions, websocket passthrough):
#
#     with replicas(krimdash_serve, [env_a, env_b], folder) as (proxy, apps):  # an env per app
#         key_a, key_b = proxy.keys_for(apps)       # a sticky key that nginx sends to each app
#         page, sockets = open_sticky(browser, proxy.url, key_a)    # a browser on app a
#         ...
#         page.context.close()
#         assert proxy.served_by(key_a, "/_stcore/stream") == {apps[0].url[7:]}
#
# (tests/conftest.py's behind_nginx is the same for a test: skipped without nginx, failed in CI.)

NGINX = "/usr/sbin/nginx"
NGINX_TEMPLATE = ROOT / "deploy" / "nginx-replicas.conf"
REPLICA_COOKIE = "krimdash_replica"  # the sticky cookie the template gives each browser


def nginx_missing() -> str | None:
    """Why nginx cannot run here, or None."""
    if not os.path.exists(NGINX):
        return f"{NGINX} is missing (apt-get install nginx)"
    return None


def nginx_site(backends: list[str], listen: str) -> str:
    """deploy/nginx-replicas.conf filled in for plain HTTP on `listen` ("127.0.0.1:PORT") in
    front of `backends` ("127.0.0.1:PORT" each)."""
    text = NGINX_TEMPLATE.read_text(encoding="utf-8")
    body = text[text.index("\nmap ") :]  # the directives, without the explaining comments
    filled = (
        body.replace("@BACKENDS@", "\n    ".join(f"server {b};" for b in backends))
        .replace("@LISTEN@", listen)
        .replace("@SERVER_NAME@", listen.split(":")[0])
        .replace("@TLS@", "")
        .replace("@SECURE@", "")
    )
    assert "@" not in filled.replace("escape=json", ""), "a placeholder is left in the template"
    return filled


@dataclass
class Proxy:
    """nginx running from `folder` (its configuration, logs, pid and temporary files)."""

    url: str
    process: subprocess.Popen
    folder: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def requests(self) -> list[dict[str, str]]:
        """The access log so far: one dict per finished request, with `replica` (the sticky
        key), `upstream` (the app's "127.0.0.1:PORT"), `request`, `status` and `time`. A
        websocket appears when it has closed."""
        log = self.folder / "access.log"
        lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
        return [json.loads(line) for line in lines if line.strip()]

    def served_by(self, key: str, what: str = "", timeout_s: float = 10) -> set[str]:
        """The apps ("127.0.0.1:PORT") that served sticky key `key`, once the log has a request
        of it containing `what` (e.g. "/_stcore/stream": a websocket is logged when it closes).
        Raises AssertionError if none comes within `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while True:
            if any(r["replica"] == key and what in r["request"] for r in self.requests()):
                return self.served()[key]
            if time.monotonic() > deadline:
                raise AssertionError(f"nginx logged no request {what!r} for {key} in {timeout_s} s")
            time.sleep(0.1)

    def keys_for(self, apps: list[Server]) -> list[str]:
        """A sticky key per app that nginx sends to that app, found by asking through the proxy:
        give key i to a browser (its krimdash_replica cookie) to read app i."""
        found: dict[str, str] = {}
        for i in range(64):
            key = f"probe{i}"
            request = urllib.request.Request(
                f"{self.url}/_stcore/health", headers={"Cookie": f"{REPLICA_COOKIE}={key}"}
            )
            with urllib.request.urlopen(request, timeout=10) as answer:
                answer.read()
            found.setdefault(next(iter(self.served_by(key))), key)
            if len(found) == len(apps):
                break
        wanted = [app.url.removeprefix("http://") for app in apps]
        missing = set(wanted) - set(found)
        assert not missing, f"nginx sent no probe to {sorted(missing)}"
        return [found[address] for address in wanted]

    def served(self) -> dict[str, set[str]]:
        """Which app(s) served each sticky key: {key: {"127.0.0.1:PORT", ...}}."""
        by_key: dict[str, set[str]] = {}
        for r in self.requests():
            by_key.setdefault(r["replica"], set()).update(
                u.strip() for u in r["upstream"].split(",") if u.strip()
            )
        return by_key


def start_nginx(
    backends: list[str],
    folder: Path | None = None,
    port: int | None = None,
    timeout_s: float = 20,
) -> Proxy:
    """nginx (`nginx -p DIR -c DIR/nginx.conf -g 'daemon off;'`) on 127.0.0.1:port (a free port by
    default) in front
    of `backends` ("127.0.0.1:PORT" each), with its pid, logs and temporary files in `folder` (a new
    temporary folder by default). Waits until the proxy answers Streamlit's health check through
    one of the apps; raises RuntimeError, with nginx stopped, if it does not."""
    if why := nginx_missing():
        raise RuntimeError(why)
    folder = Path(folder or tempfile.mkdtemp(prefix="krimdash-nginx-"))
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    (folder / "krimdash.conf").write_text(nginx_site(backends, f"127.0.0.1:{port}"), "utf-8")
    temp = "\n".join(
        f"    {kind}_temp_path {folder / 'tmp' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        # As root nginx would hand its workers to `nobody`, who cannot reach a temporary folder
        # of root's: the workers stay with the user who starts the test.
        ("user root root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} info;\n"
        "events { worker_connections 256; }\n"
        f"http {{\n{temp}\n    include {folder / 'krimdash.conf'};\n"
        f"    access_log {folder / 'access.log'} krimdash_replicas;\n}}\n",
        "utf-8",
    )
    (folder / "tmp").mkdir(exist_ok=True)
    process = subprocess.Popen(
        [NGINX, "-p", f"{folder}/", "-e", str(folder / "error.log"),
         "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    proxy = Proxy(f"http://127.0.0.1:{port}", process, folder)
    deadline = time.monotonic() + timeout_s
    while True:
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{proxy.url}/_stcore/health", timeout=2) as answer,
        ):
            if answer.read() == b"ok":
                return proxy
        if not proxy.alive() or time.monotonic() > deadline:
            stop_nginx(proxy)
            error_log = folder / "error.log"
            tail = error_log.read_text(errors="replace")[-2000:] if error_log.exists() else ""
            raise RuntimeError(
                f"{proxy.url}: nginx did not answer within {timeout_s:.0f} s\n{tail}"
            )
        time.sleep(0.2)


def stop_nginx(proxy: Proxy) -> None:
    """Stop nginx we started (its process group, by its own id). Its folder stays, for the log."""
    if not proxy.alive():
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proxy.process.pid, signal.SIGQUIT)  # graceful: finish the log lines
    try:
        proxy.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proxy.process.pid, signal.SIGKILL)
        proxy.process.wait(timeout=10)


@contextlib.contextmanager
def replicas(
    command: Callable[[int], list[str]],
    envs: list[dict[str, str]],
    folder: Path | None = None,
    port: int | None = None,
    timeout_s: float = 60,
) -> Iterator[tuple[Proxy, list[Server]]]:
    """One app per environment in `envs` (`command(port)`, e.g. krimdash_serve, each with its own
    env dict: the same store for all, or anything else per process) and nginx in front of them;
    yields (proxy, apps). nginx listens on 127.0.0.1:port (a free port by default: pass one to
    write it into the apps' secrets file first, as redirect_uri). App i logs to folder/app-i.log; nginx keeps its files in folder/nginx.
    Everything started is stopped on exit, also when the body fails."""
    folder = Path(folder or tempfile.mkdtemp(prefix="krimdash-replicas-"))
    folder.mkdir(parents=True, exist_ok=True)
    apps: list[Server] = []
    proxy: Proxy | None = None
    try:
        for i, env in enumerate(envs):
            apps.append(start(command, env, folder / f"app-{i}.log", timeout_s))
        proxy = start_nginx(
            [app.url.removeprefix("http://") for app in apps], folder / "nginx", port
        )
        yield proxy, apps
    finally:
        if proxy is not None:
            stop_nginx(proxy)
        for app in apps:
            stop(app)


SCRIPT_DONE = "[data-testid='stApp'][data-test-script-state='notRunning']"  # a finished script run


def open_sticky(browser: Any, url: str, key: str | None = None) -> tuple[Any, list[Any]]:
    """A new browser (a Playwright context: its own cookies) at `url`, with the sticky cookie
    `key` (Proxy.keys_for) if given, once Streamlit's script run has finished; returns (page, the
    websockets it opens, as Playwright sees them). Close it with page.context.close()."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if key:
        context.add_cookies([{"name": REPLICA_COOKIE, "value": key, "url": url}])
    page = context.new_page()
    sockets: list[Any] = []
    page.on("websocket", lambda ws: sockets.append(ws))
    page.goto(url)
    page.locator(SCRIPT_DONE).wait_for(timeout=60_000)
    return page, sockets
