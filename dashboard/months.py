"""Months: parsing the forms analysts write (Danish names included) and Danish labels."""

from __future__ import annotations

import re
from datetime import date, datetime

MONTHS_DA = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
]
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
# Danish abbreviations as written in notes and Excel; "sept" and "marts" forms are common too.
_NAME_TO_MONTH: dict[str, int] = {}
for _i, _name in enumerate(MONTHS_DA, start=1):
    _NAME_TO_MONTH[_name] = _i
    _NAME_TO_MONTH[_name[:3]] = _i
_NAME_TO_MONTH.update({"sept": 9, "mar": 3})

_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-01$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})-(\d{4})$")
_NAMED = re.compile(r"^([a-zæøå]+)\.?\s+(\d{4})$")


def parse_month(value: object) -> date:
    """Return the first day of the month `value` names, or raise ValueError (Danish reason).

    Accepts 2025-01, 2025-01-01, 01-2025, "januar 2025", "jan 2025", "jan. 2025"
    (any case), and Excel dates on the first of a month.
    """
    if isinstance(value, datetime):
        if value.day == 1 and value.time() == datetime.min.time():
            return date(value.year, value.month, 1)
        raise ValueError(f"datoen {value:%Y-%m-%d} er ikke en måned (brug fx 2025-01)")
    if isinstance(value, date):
        if value.day == 1:
            return value
        raise ValueError(f"datoen {value:%Y-%m-%d} er ikke en måned (brug fx 2025-01)")
    text = "" if value is None else str(value).strip()
    if not text:
        raise ValueError("måned mangler")
    lowered = text.lower()
    year = month = None
    if m := _ISO_MONTH.match(lowered) or _ISO_DAY.match(lowered):
        year, month = int(m.group(1)), int(m.group(2))
    elif m := _MONTH_YEAR.match(lowered):
        month, year = int(m.group(1)), int(m.group(2))
    elif m := _NAMED.match(lowered):
        month = _NAME_TO_MONTH.get(m.group(1))
        year = int(m.group(2))
    if year is None or month is None or not 1 <= month <= 12 or year < 1:  # no year 0
        raise ValueError(f"«{text}» er ikke en måned (brug fx 2025-01 eller januar 2025)")
    return date(year, month, 1)


def format_month(month: date) -> str:
    """The canonical form used in exports and the template: 2025-01."""
    return f"{month.year:04d}-{month.month:02d}"


def month_label(month: date, lang: str = "da", short: bool = False) -> str:
    """'januar 2025' / 'jan. 2025' in Danish, 'January 2025' / 'Jan 2025' in English."""
    if lang == "en":
        name = MONTHS_EN[month.month - 1]
        return f"{name[:3]} {month.year}" if short else f"{name} {month.year}"
    name = MONTHS_DA[month.month - 1]
    if short:
        # Danish abbreviates with a full stop, except May (maj), which is already short.
        name = "maj" if month.month == 5 else name[:3] + "."
    return f"{name} {month.year}"


def add_months(month: date, n: int) -> date:
    """The first day of the month n months after (or before, if negative) `month`."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_range(first: date, last: date) -> list[date]:
    """Every month from first to last, inclusive."""
    months, current = [], first
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    return months


def current_month(today: date | None = None) -> date:
    today = today or date.today()
    return date(today.year, today.month, 1)
