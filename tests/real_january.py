"""The real figures of January 2025, as data/real/2025-01_orientering.csv reports them: what tests
expect the app, the CLI and the rules to show for that month. Read here with the csv module, not
with krimdash's own file reader, so a test compares what krimdash shows with the source itself.

    FIGURES[(measure, category)] -> value;  value("knaek_kurven.discussed") -> 19
"""

from __future__ import annotations

import csv
from datetime import date

from dashboard.config import DATA_DIR

PATH = DATA_DIR / "real" / "2025-01_orientering.csv"
MONTH = date(2025, 1, 1)
# The note an analyst gives when accepting the note's known inconsistency (relevant + not
# relevant is not the number discussed), as the source itself says it.
NOTE = "Som rapporteret i notatet af 15.01.2025: 8 + 12 ≠ 19 i kilden"


def _read() -> dict[tuple[str, str], int]:
    with PATH.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["month"] for row in rows} == {f"{MONTH:%Y-%m}"}, "one month only"
    return {(row["measure"], row["category"]): int(row["value"]) for row in rows}


FIGURES = _read()


def value(measure: str, category: str = "") -> int:
    return FIGURES[(measure, category)]


# How the rules word the note's known inconsistency (relevant + not relevant ≠ discussed).
INCONSISTENCY = (
    f"= {value('knaek_kurven.relevant') + value('knaek_kurven.not_relevant')}, "
    f"men Familier drøftet på screeningsmøder er {value('knaek_kurven.discussed')}"
)


def state() -> dict[tuple[date, str, str], int]:
    """The figures keyed as the rules and the store key them: (month, measure, category)."""
    return {(MONTH, measure, category): v for (measure, category), v in FIGURES.items()}
