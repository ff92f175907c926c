"""Plain records that flow from files and forms through validation into the store, and the
largest value a figure may have (MAX_VALUE)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

# The limit on a single figure; larger values are typing mistakes. The one definition: the
# rules and their messages use it, and the schema's check repeats it (tests check they agree).
MAX_VALUE = 1_000_000


@dataclass(frozen=True)
class RawRow:
    """One figure as read from a file or form, before validation.

    Values are kept as the reader found them (str from CSV; int, float, datetime
    or str from XLSX); `line` is the 1-based line or sheet row the user sees, and
    `columns` maps each field (month, measure, category, value, note) to the
    column name the user sees, so messages can point at the cell.
    """

    line: int
    month: Any
    measure: Any
    category: Any
    value: Any
    note: Any = None
    columns: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Figure:
    """A validated figure: month is the first day of the month; category '' is the total."""

    month: date
    measure: str
    category: str
    value: int
    note: str = ""
    line: int = 0

    @property
    def key(self) -> tuple[date, str, str]:
        return (self.month, self.measure, self.category)


@dataclass(frozen=True)
class Problem:
    """An error or warning, in Danish, pointing at a line and column when it has one."""

    reason: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"linje {self.line}")
        if self.column:
            where.append(f"kolonne «{self.column}»")
        prefix = (", ".join(where) + ": ") if where else ""
        return (prefix[:1].upper() + prefix[1:] + self.reason) if prefix else self.reason


class FileRejected(Exception):
    """The file cannot be read as a figures file; nothing from it is saved."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
