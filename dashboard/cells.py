"""Safe spreadsheet cells: the one rule for every text cell krimdash writes to a CSV or XLSX
(`neutralise`) and reads back from one (`restore`). Small and without dependencies, so the file
reader (dashboard.files) and the writers (dashboard.exports) share it."""

from __future__ import annotations

import re

# What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection"): =, +, -, @, a tab
# or a carriage return first. A text starting with one of them is written with a leading `'`.
FORMULA_STARTS = "=+-@\t\r"
# A text that already starts with quotes followed by one of those characters (`'=`, `''+`) gets
# one more, so that `restore` (which takes one quote off any such text) gives back exactly what
# was written: `=x` -> `'=x` -> `=x`, and `'=x` -> `''=x` -> `'=x`. Anything else is left alone.
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")


def neutralise(text: str) -> str:
    """A text cell as krimdash writes it to a CSV or XLSX: with a leading `'` when a spreadsheet
    would otherwise run it as a formula (see FORMULA_STARTS); `restore` undoes it."""
    return "'" + text if _NEEDS_QUOTE.match(text) else text


def restore(text: str) -> str:
    """A text cell read from a file as it was before `neutralise`: one leading `'` taken off,
    only where quotes are followed by a formula's first character; anything else as it is."""
    return text[1:] if _QUOTED.match(text) else text


# The same rule in DuckDB's SQL, for a cell expression (dashboard.files' large-CSV reading).
RESTORE_SQL = r"regexp_replace({}, '^''(''*[=+\-@\t\r])', '\1')"
