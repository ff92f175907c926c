"""`make audit`: pip-audit over requirements.lock, and a failure unless every locked package was
actually checked against the advisory data.

pip-audit alone can print "No known vulnerabilities found" and exit 0 while it checked nothing
(a package skipped, or not found on the index); and where the advisory data cannot be reached it
ends in a traceback. This runs it with --no-deps --disable-pip --strict on the exact pins of the
lock file, reads its JSON report and says plainly, in Danish, what was and was not checked.

Exit codes: 0 every locked package checked, no known vulnerability; 1 known vulnerabilities or
packages not checked; 2 the advisory data could not be reached (nothing is known).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;#]+)")


def normalise(name: str) -> str:
    """PEP 503: names compare case-insensitively with runs of -, _ and . as one -."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(lines: Iterable[str]) -> dict[str, str]:
    """The lock file's pins: {normalised name: version}."""
    pins = {}
    for line in lines:
        if match := PIN.match(line.strip()):
            pins[normalise(match[1])] = match[2]
    return pins


def verdict(pins: dict[str, str], report: dict) -> tuple[int, list[str]]:
    """(exit code, Danish lines) for pip-audit's JSON `report` of the lock file's `pins`."""
    checked, skipped, vulnerable = {}, {}, {}
    for dep in report.get("dependencies", []):
        name = normalise(str(dep.get("name", "")))
        if "skip_reason" in dep or "version" not in dep:
            skipped[name] = str(dep.get("skip_reason") or "ukendt grund")
            continue
        checked[name] = str(dep["version"])
        if dep.get("vulns"):
            vulnerable[name] = [str(v.get("id")) for v in dep["vulns"]]
    lines, code = [], 0
    missing = sorted(set(pins) - set(checked) - set(skipped))
    wrong = sorted(n for n in set(pins) & set(checked) if checked[n] != pins[n])
    for name, ids in sorted(vulnerable.items()):
        lines.append(f"SÅRBAR: {name} {checked[name]}: {', '.join(ids)}")
    for name, why in sorted(skipped.items()):
        lines.append(f"IKKE KONTROLLERET: {name}: {why}")
    for name in missing:
        lines.append(f"IKKE KONTROLLERET: {name} {pins[name]} (ikke i pip-audits rapport)")
    for name in wrong:
        lines.append(f"IKKE KONTROLLERET: {name}: låst {pins[name]}, kontrolleret {checked[name]}")
    done = len(set(pins) & set(checked)) - len(wrong)
    if not pins:
        return 1, ["Låsefilen har ingen fastlåste pakker: intet at kontrollere."]
    if vulnerable or skipped or missing or wrong:
        code = 1
    summary = f"{done} af {len(pins)} låste pakker kontrolleret"
    if code == 0:
        lines.append(f"{summary}; ingen kendte sårbarheder.")
    else:
        lines.append(f"{summary}: make audit fejler.")
    return code, lines


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    lock = Path(args[0]) if args else LOCK
    pins = locked(lock.read_text(encoding="utf-8").splitlines())
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "audit.json"
        done = subprocess.run(
            [sys.executable, "-m", "pip_audit", "-r", str(lock), "--no-deps", "--disable-pip",
             "--strict", "--progress-spinner", "off", "-f", "json", "-o", str(out), *args[1:]],
            capture_output=True, text=True,
        )  # fmt: skip
        try:
            report = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            last = (done.stderr.strip().splitlines() or ["ingen besked"])[-1]
            print(
                "Sårbarhedsdata kunne ikke hentes, så INTET er kontrolleret "
                f"(pip-audit sluttede med kode {done.returncode}: {last}).",
                file=sys.stderr,
            )
            return 2
    code, lines = verdict(pins, report)
    print("\n".join(lines), file=sys.stderr if code else sys.stdout)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
