"""The installed `krimdash` command in its own process, for tests that need real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_krimdash(db: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`krimdash ARGS` on the database `db`, with extra environment variables."""
    return subprocess.run(
        [sys.executable, "-m", "dashboard.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "KRIMDASH_DB": str(db), **env},
        timeout=120,
    )
