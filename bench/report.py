"""Small helpers for the benchmark's printed report: statistics, number formats, and the state of
the machine while it ran (load average, other servers and test runs, peak memory)."""

from __future__ import annotations

import os
import statistics
from pathlib import Path
from typing import Any


def median(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


def percentile(xs: list[float], q: float) -> float | None:
    """Linear-interpolated q-th percentile (0..1)."""
    if not xs:
        return None
    s = sorted(xs)
    k = q * (len(s) - 1)
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def p90(xs: list[float]) -> float | None:
    """The 90th percentile (with 5 samples it sits between the two largest)."""
    return percentile(xs, 0.9)


def ms(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}x"


def kb(n: float | None) -> str:
    return "-" if n is None else f"{n / 1024:,.0f} KB"


def say(*parts: Any) -> None:
    print(*parts, flush=True)


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM (peak resident set) of a running process, from /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def other_work(ours: set[int]) -> list[str]:
    """Streamlit servers, browsers and pytest runs on this machine that are not ours: they skew
    timings, so the report names them."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) in ours or int(d.name) == os.getpid():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "streamlit run" in cmd or "pytest" in cmd or "dashboard.cli serve" in cmd:
            found.append(f"pid {d.name}: {cmd.strip()[:100]}")
    return found
