"""Corrections made in the app: telling a save that the figures changed since its form or preview
was opened, and undoing a whole batch as a new batch.

Both sit on the single write path (db.insert_batch inside Store.writer()); nothing is deleted.
`changed_since` is what imports.import_rows calls with `expected=` inside its write transaction,
so a second analyst (or a CLI import) that saved in between is reported, not overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd
import pyarrow as pa

from .access import require
from .catalog import Catalog, load_catalog
from .config import local_time
from .db import Store, insert_batch, sql
from .months import month_label
from .records import Problem
from .rules import new_warnings

Key = tuple[date, str, str]
# What a form or preview showed: {key: value or None}, or an Arrow table (month, measure,
# category, value) such as a dry run's ImportResult.shown.
Expected = dict[Key, int | None] | pa.Table


@dataclass(frozen=True)
class Conflict:
    """A figure whose value is no longer the one the form or preview showed."""

    key: Key
    shown: int | None  # None: the form showed no figure
    now: int | None  # None: there is no figure now (never one, or retracted)
    by: str | None  # who saved the latest revision (None: no revision at all)
    at: datetime | None  # when (UTC)
    batch_id: int | None

    def describe(self) -> str:
        """In Danish: which figure, what was shown, what it is now, who saved it and when."""
        month, measure, category = self.key
        what = f"{month_label(month)} / {measure}" + (f" / kategori {category}" if category else "")
        shown = "intet tal" if self.shown is None else str(self.shown)
        now = "intet tal" if self.now is None else str(self.now)
        who = f" (gemt af {self.by} {local_time(self.at)})" if self.by and self.at else ""
        return f"{what}: viste {shown}, er nu {now}{who}"

    def problem(self) -> Problem:
        return Problem(
            "tallet er ændret, siden siden blev åbnet: " + self.describe()
            + "; intet er gemt, se de nye tal og gem igen"
        )  # fmt: skip


def changed_since(conn: duckdb.DuckDBPyConnection, expected: Expected) -> list[Conflict]:
    """The figures among `expected`'s keys whose current value is not the value given (None: no
    figure), read in the caller's transaction (queries/figures_changed_since.sql)."""
    if isinstance(expected, pa.Table):
        shown: pa.Table | pd.DataFrame = expected
    elif not expected:
        return []
    else:
        shown = pd.DataFrame(
            {
                "month": [k[0] for k in expected],
                "measure": [k[1] for k in expected],
                "category": [k[2] for k in expected],
                "value": pd.array(list(expected.values()), dtype="Int64"),
            }
        )
    conn.register("shown", shown)
    try:
        rows = conn.execute(sql("figures_changed_since")).fetchall()
    finally:
        conn.unregister("shown")
    return [
        Conflict(
            (_day(month), measure, category),
            None if pd.isna(was) else int(was),
            None if now is None else int(now),
            by,
            at,
            batch_id,
        )
        for month, measure, category, was, now, by, at, batch_id in rows
    ]


def _day(value: object) -> date:
    return value.date() if isinstance(value, datetime) else value  # type: ignore[return-value]


class UndoRefused(ValueError):
    """The batch cannot be undone; the message is Danish and nothing was saved."""


@dataclass(frozen=True)
class Undone:
    """What undoing a batch did: the new batch, the figures restored and those withdrawn."""

    batch_id: int
    restored: int
    retracted: int


def undo_batch(
    store: Store,
    batch_id: int,
    *,
    user: str,
    role: str | None,
    note: str,
    catalog: Catalog | None = None,
) -> Undone:
    """Undo batch `batch_id` as a new batch: every figure it set goes back to the value (and
    note) it had just before it, or is retracted if it had none. Refused (UndoRefused, nothing
    saved) without a reason, for a batch without figures, and when a later batch has changed
    one of its figures since (they are named). Warnings the restored figures raise are recorded
    with the reason, as an acknowledged import's are; a month that was approved goes back to
    kladde (db.insert_batch)."""
    require(role, "write_figures", "fortryde en indlæsning")
    if not note.strip():
        raise UndoRefused("at fortryde en indlæsning kræver en begrundelse")
    catalog = catalog or load_catalog()
    with store.writer() as conn:
        if not conn.execute(sql("batch_of"), {"batch_id": batch_id}).fetchall():
            raise UndoRefused(f"der er ingen indlæsning nr. {batch_id}")
        plan = conn.execute(sql("batch_undo_plan"), {"batch_id": batch_id}).fetchall()
        if not plan:
            raise UndoRefused(f"indlæsning nr. {batch_id} har ingen tal at fortryde")
        later = [(m, meas, cat, b) for m, meas, cat, _, _, b in plan if b is not None]
        if later:
            named = "; ".join(
                f"{month_label(_day(m))} / {meas}" + (f" / kategori {cat}" if cat else "")
                + f" (ændret ved nr. {b})"
                for m, meas, cat, b in later[:10]
            ) + (f" og {len(later) - 10} tal mere" if len(later) > 10 else "")  # fmt: skip
            raise UndoRefused(
                f"indlæsning nr. {batch_id} kan ikke fortrydes, fordi senere indlæsninger har "
                f"ændret {len(later)} af dens tal: {named}. Ret de tal enkeltvis i stedet; "
                "intet er gemt"
            )
        current = {
            (_day(m), meas, cat): v
            for m, meas, cat, v, _ in conn.execute(sql("figures_current")).fetchall()
        }
        revisions = []
        for month, measure, category, before, before_note, _ in plan:
            key = (_day(month), measure, category)
            if before is None and key not in current:
                continue  # the batch withdrew a figure that had none before: nothing to undo
            revisions.append(
                {
                    "month": key[0],
                    "measure": measure,
                    "category": category,
                    "value": before,
                    "note": before_note if before is not None else "",
                }
            )
        after = dict(current)
        for r in revisions:
            key = (r["month"], r["measure"], r["category"])
            if r["value"] is None:
                after.pop(key, None)
            else:
                after[key] = r["value"]
        warnings = new_warnings(current, after, catalog)
        restored = sum(r["value"] is not None for r in revisions)
        retracted = len(revisions) - restored
        new_id = insert_batch(
            conn,
            action="undo",
            user=user,
            revisions=pd.DataFrame(revisions).astype({"value": "Int64"}) if revisions else None,
            counts={"changed": restored, "retracted": retracted},
            warnings=[w.as_dict() for w in warnings],
            note=f"fortryder indlæsning nr. {batch_id}: {note.strip()}",
        )
    return Undone(new_id, restored, retracted)


def shown_by(preview: object) -> pa.Table:
    """The values a dry run's preview showed for the figures it would save (its ImportResult's
    `shown`: every figure's key with the value the store had, null for a new one): `expected=` for
    the save that follows it."""
    shown = preview.shown  # type: ignore[attr-defined]
    if shown is None:
        raise ValueError("only a dry run's result says what it showed")
    return shown
