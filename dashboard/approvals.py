"""Month status: each month is kladde (draft) until the rådmand approves it.

The status is history (table month_status, append-only): an approval, a reopening, and the
automatic return to kladde when a later write changes a figure of an approved month
(`db.insert_batch` adds that row in the write's own transaction). The latest row is the status;
a month without one is kladde. `as_of` replays the history: the status at that moment.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pandas as pd

from . import db
from .access import require
from .months import format_month, parse_month

APPROVED, KLADDE = "approved", "kladde"


def _month(value: object) -> date:
    return parse_month(value)


def _moment(as_of: datetime | None) -> datetime:
    """A moment as stored (naive UTC); None is now."""
    if as_of is None:
        return db.utc_now()
    if as_of.tzinfo is not None:
        as_of = pd.Timestamp(as_of).tz_convert("UTC").tz_localize(None).to_pydatetime()
    return as_of


def statuses_in(
    conn: duckdb.DuckDBPyConnection, as_of: datetime | None = None
) -> dict[pd.Timestamp, str]:
    """`statuses` on an open connection (a reader, or the writer inside its transaction)."""
    moment = _moment(as_of)
    if as_of is None:
        months = [row[0] for row in conn.execute(db.sql("months_with_figures")).fetchall()]
    else:
        months = [
            row[0] for row in conn.execute(db.sql("months_as_of"), {"as_of": moment}).fetchall()
        ]
    latest = {
        month: status
        for month, status, *_ in conn.execute(
            db.sql("month_status_as_of"), {"as_of": moment}
        ).fetchall()
    }
    return {pd.Timestamp(month): latest.get(month, KLADDE) for month in months}


def statuses(store: db.Store, as_of: datetime | None = None) -> dict[pd.Timestamp, str]:
    """'approved' or 'kladde' for every month with figures (at `as_of`, UTC, if given), oldest
    first; keys are Timestamps on the first of the month."""
    with store.reader() as conn:
        return statuses_in(conn, as_of)


def approved_months(store: db.Store, as_of: datetime | None = None) -> list[pd.Timestamp]:
    """The months with figures that are approved (at `as_of`, if given), oldest first."""
    return [month for month, status in statuses(store, as_of).items() if status == APPROVED]


def history(store: db.Store) -> list[tuple]:
    """Every status row, newest first: (id, month, status, changed_at UTC, changed_by, reason,
    batch_id)."""
    return store.rows("month_status_history")


def _set(store: db.Store, months: list[date], status: str, *, user: str, reason: str) -> list[date]:
    """Write `status` for those of `months` that have figures and another status now; returns
    the months changed. A month without figures is a Danish ValueError (nothing written)."""
    with store.writer() as conn:
        return set_status(conn, months, status, user=user, reason=reason)


def set_status(
    conn: duckdb.DuckDBPyConnection, months: list[date], status: str, *, user: str, reason: str
) -> list[date]:
    """`_set` inside the caller's writer transaction (the caller has checked the role)."""
    now = statuses_in(conn, None)
    missing = [m for m in months if pd.Timestamp(m) not in now]
    if missing:
        raise ValueError(f"der er ingen tal for {format_month(missing[0])}")
    changed = [m for m in months if now[pd.Timestamp(m)] != status]
    moment = db.utc_now()
    for month in changed:
        conn.execute(
            db.sql("insert_month_status"),
            {
                "month": month,
                "status": status,
                "changed_at": moment,
                "changed_by": user,
                "reason": reason,
                "batch_id": None,
            },
        )
    return changed


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > 1000 or any(ord(c) < 32 or 127 <= ord(c) < 160 for c in reason):
        raise ValueError("begrundelsen må højst have 1.000 tegn og ingen kontroltegn")
    return reason


def approve(store: db.Store, month: object, *, user: str, role: str | None) -> bool:
    """Approve a month (the rådmand); True if it was kladde, False if it was approved already."""
    require(role, "approve", "godkende en måned")
    return bool(_set(store, [_month(month)], APPROVED, user=user, reason=""))


def reopen(
    store: db.Store, month: object, *, user: str, role: str | None, reason: str = ""
) -> bool:
    """Send an approved month back to kladde; True if it was approved, False if kladde already."""
    require(role, "approve", "genåbne en måned")
    return bool(_set(store, [_month(month)], KLADDE, user=user, reason=_reason(reason)))


def approve_months(
    store: db.Store, months: list[object], *, user: str, role: str | None, reason: str = ""
) -> list[date]:
    """Approve several months in one transaction (`init --demo`); returns those changed."""
    require(role, "approve", "godkende en måned")
    return _set(store, [_month(m) for m in months], APPROVED, user=user, reason=_reason(reason))
