"""`make audit` (tools/audit.py): pip-audit over requirements.lock fails unless every locked
package was checked, and says plainly when the advisory data cannot be reached. The advisory
service here is a stand-in on 127.0.0.1 (pip-audit's OSV client pointed at it), so the tests
need no network."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from servers import free_port

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import audit  # noqa: E402


@contextlib.contextmanager
def advisories(vulnerable: dict[str, str]) -> Iterator[str]:
    """A stand-in OSV service: {package name: advisory id} for the vulnerable ones."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            name = query["package"]["name"]
            affected = [{"package": {"name": name, "ecosystem": "PyPI"}, "ranges": []}]
            vuln = {"id": vulnerable.get(name), "summary": "x", "affected": affected}
            found = {"vulns": [vuln]} if name in vulnerable else {}
            answer = json.dumps(found).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()


def run_audit(lock: Path, *service: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "tools" / "audit.py"), str(lock), *service],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip


@pytest.fixture
def lock(tmp_path: Path) -> Path:
    path = tmp_path / "requirements.lock"
    path.write_text(
        "altair==6.3.0\n    # via krimdash\nstreamlit[auth]==1.67.0\nblinker==1.9.0\n",
        encoding="utf-8",
    )
    return path


def test_every_locked_package_checked_and_clean_passes(lock):
    with advisories({}) as url:
        done = run_audit(lock, "-s", "osv", "--osv-url", url)
    assert done.returncode == 0, done.stderr
    assert "3 af 3 låste pakker kontrolleret; ingen kendte sårbarheder" in done.stdout


def test_a_known_vulnerability_fails_and_is_named(lock):
    with advisories({"blinker": "PYSEC-0000-1"}) as url:
        done = run_audit(lock, "-s", "osv", "--osv-url", url)
    assert done.returncode == 1
    assert "SÅRBAR: blinker 1.9.0: PYSEC-0000-1" in done.stderr


def test_unreachable_advisory_data_fails_and_says_nothing_was_checked(lock):
    done = run_audit(lock, "-s", "osv", "--osv-url", f"http://127.0.0.1:{free_port()}/")
    assert done.returncode == 2
    assert "INTET er kontrolleret" in done.stderr
    assert "ingen kendte sårbarheder" not in done.stdout + done.stderr


def test_a_skipped_or_missing_package_fails_even_without_vulnerabilities():
    pins = audit.locked(["altair==6.3.0", "blinker==1.9.0", "jinja2==3.1.6"])
    report = {
        "dependencies": [
            {"name": "altair", "version": "6.3.0", "vulns": []},
            {"name": "Blinker", "skip_reason": "could not be found on the index"},
        ]
    }
    code, lines = audit.verdict(pins, report)
    assert code == 1
    assert "IKKE KONTROLLERET: blinker: could not be found on the index" in lines
    assert "IKKE KONTROLLERET: jinja2 3.1.6 (ikke i pip-audits rapport)" in lines
    assert lines[-1] == "1 af 3 låste pakker kontrolleret: make audit fejler."
    assert audit.verdict({}, {"dependencies": []})[0] == 1  # nothing locked is not a pass


def test_the_lock_file_is_read_whole():
    lines = (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
    pins = audit.locked(lines)
    pinned = [line for line in lines if "==" in line and not line.lstrip().startswith("#")]
    assert len(pins) == len(pinned) > 50
    assert pins["oidc-provider-mock"].startswith("0.3.") and "defusedxml" in pins
