"""The local OpenID Connect test provider (the PyPI package oidc-provider-mock) for the demo and
the tests: its command with the demo users, the secrets file that points Streamlit's sign-in at
it, how to recognise such a configuration, and `make run` (`python -m dashboard.testlogin`):
the provider and the dashboard on demo data, with a fresh random cookie secret.

The test provider signs anyone in who clicks a name: it is for demo data and tests only. A
database not made by `krimdash init --demo` refuses to run with it (auth.test_login_refusal),
unless KRIMDASH_ALLOW_TEST_LOGIN=1, and then every page shows a red TEST-LOGIN bar.

Everything runs on 127.0.0.1, and the printed address, redirect_uri and the provider all use
that one host: a browser keeps separate cookies for localhost and 127.0.0.1, so a sign-in that
starts on the other host ends in "Missing provider for OAuth callback".
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

HOST = "127.0.0.1"
PROVIDER_PORT = 9400
CLIENT_ID = "krimdash-demo"
SECRETS_FILE = Path("data/testlogin.secrets.toml")  # git-ignored; written anew by every `make run`

# The demo users, as `krimdash init --demo` gives them roles (sub = the subject krimdash looks up).
DEMO_USERS = (
    {"sub": "udvalg", "name": "Udvalgsmedlem (demo)", "email": "udvalg@demo.invalid"},
    {"sub": "raadmand", "name": "Rådmand (demo)", "email": "raadmand@demo.invalid"},
    {"sub": "analytiker", "name": "Analytiker (demo)", "email": "analytiker@demo.invalid"},
    {"sub": "admin", "name": "Administrator (demo)", "email": "admin@demo.invalid"},
)


def provider_command(port: int = PROVIDER_PORT) -> list[str]:
    """oidc-provider-mock on 127.0.0.1:port with the demo users."""
    users = [arg for user in DEMO_USERS for arg in ("--user-claims", json.dumps(user))]
    return [sys.executable, "-m", "oidc_provider_mock", "--host", HOST, "--port", str(port), *users]


def provider_url(port: int = PROVIDER_PORT) -> str:
    return f"http://{HOST}:{port}"


def secrets_text(app_port: int, provider: str, cookie_secret: str | None = None) -> str:
    """The secrets file for Streamlit's sign-in against the test provider at `provider`."""
    cookie_secret = cookie_secret or secrets.token_urlsafe(32)
    return (
        "# Written by `make run` (dashboard/testlogin.py) for the local test provider.\n"
        "# For demo data and tests only; never for real figures. Not committed (.gitignore).\n"
        "[auth]\n"
        f'redirect_uri = "http://{HOST}:{app_port}/oauth2callback"\n'
        f"cookie_secret = {json.dumps(cookie_secret)}\n"
        f'client_id = "{CLIENT_ID}"\n'
        'client_secret = "demo"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
        "\n[krimdash]\n"
        "test_login = true\n"
    )


def write_secrets(path: Path, app_port: int, provider: str) -> Path:
    """Write the secrets file (owner-only) with a new random cookie secret."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secrets_text(app_port, provider), encoding="utf-8")
    path.chmod(0o600)
    return path


REFUSAL = (
    "Test-login (oidc-provider-mock) lader alle logge ind ved at klikke på et navn og må kun "
    "bruges med demotal: denne database er ikke lavet med `krimdash init --demo`. Sæt login op "
    'mod kommunens identitetsudbyder (se README, "Log ind"), eller start uden '
    "login-opsætning for kun den offentlige visning."
)


def signin_configured(secrets_: Mapping[str, Any]) -> bool:
    """Whether the secrets configure Streamlit's sign-in (an [auth] section with a redirect)."""
    auth = secrets_.get("auth") or {}
    return bool(auth.get("redirect_uri") and auth.get("cookie_secret"))


def is_test_provider(secrets_: Mapping[str, Any]) -> bool:
    """Whether a secrets mapping signs in through a local test provider: marked as such by
    `make run`, or with a provider on this machine (a real identity provider never is)."""
    if (secrets_.get("krimdash") or {}).get("test_login"):
        return True
    auth = secrets_.get("auth") or {}
    urls = [auth.get("server_metadata_url")]
    urls += [v.get("server_metadata_url") for v in auth.values() if isinstance(v, Mapping)]
    return any(_loopback(url) for url in urls if isinstance(url, str))


def _loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_secrets(path: Path) -> dict[str, Any]:
    """The secrets file as a dict; {} if it does not exist. Raises ValueError if it is broken."""
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{path} er ikke gyldig TOML: {e}") from e


def wait_for(url: str, process: subprocess.Popen | None = None, timeout_s: float = 30) -> None:
    """Wait until `url` answers 200, or raise RuntimeError (also when `process` exits)."""
    deadline = time.monotonic() + timeout_s
    while True:
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as answer:
            if answer.status == 200:
                return
        if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
            raise RuntimeError(f"{url} svarede ikke inden for {timeout_s:.0f} s")
        time.sleep(0.2)


def start_provider(port: int = PROVIDER_PORT, log: Path | None = None) -> subprocess.Popen:
    """Start the test provider in its own process group and wait until it answers."""
    with open(log or os.devnull, "wb") as out:
        process = subprocess.Popen(
            provider_command(port), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_for(f"{provider_url(port)}/.well-known/openid-configuration", process)
    except RuntimeError:
        stop(process)
        raise
    return process


def stop(process: subprocess.Popen) -> None:
    """Stop a process we started, with its process group, within bounded time."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    """`make run`: the test provider, a fresh secrets file, and `krimdash serve` with it."""
    parser = argparse.ArgumentParser(
        prog="python -m dashboard.testlogin",
        description="Start den lokale test-login (oidc-provider-mock) og dashboardet på demotal.",
    )
    parser.add_argument("--db", required=True, help="databasefilen (lavet med init --demo)")
    parser.add_argument("--port", type=int, default=8501, help="dashboardets port")
    parser.add_argument("--provider-port", type=int, default=PROVIDER_PORT)
    parser.add_argument("--secrets", type=Path, default=SECRETS_FILE)
    args = parser.parse_args(argv)

    provider = start_provider(args.provider_port)
    try:
        write_secrets(args.secrets, args.port, provider_url(args.provider_port))
        users = ", ".join(u["sub"] for u in DEMO_USERS)
        print(
            f"Test-login kører på {provider_url(args.provider_port)} (kun til demo og test).\n"
            f"Åbn http://{HOST}:{args.port}/ (brug 127.0.0.1, ikke localhost: login-cookien "
            'hører til ét værtsnavn), vælg "Log ind" og klik på en af demobrugerne: '
            f"{users}.",
            flush=True,
        )
        command = [sys.executable, "-m", "dashboard.cli", "--db", args.db, "serve",
                   "--port", str(args.port), "--address", HOST, "--secrets", str(args.secrets)]  # fmt: skip
        server = subprocess.Popen(command)
        try:
            return server.wait()
        except KeyboardInterrupt:  # Ctrl-C reaches the server too (same process group)
            return 0
        finally:
            if server.poll() is None:
                server.terminate()
                server.wait(timeout=15)
    finally:
        stop(provider)


def _stopped(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # so `finally` stops the provider and the server


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _stopped)
    raise SystemExit(main())
