"""What each audience may see of the figures: the one rule for the pages and the monthly note.

`restricted` takes the rows of queries/figure_series.sql (every current figure, with the change
from the month before) and the approved months, and returns them as an audience may see them:
"drafts" (rådmand, analyst, admin) every month, with a `draft` column; "approved" (a committee
member) the approved months only; "public" (not signed in, and the public note) the approved
months with their figures protected by dashboard.protect. Pure: no Streamlit, no database, so
the app's page data (dashboard/web/appdata.py) and the note (dashboard/note.py) share it.
"""

from __future__ import annotations

import pandas as pd

from .catalog import Catalog
from .demo import DEMO_NOTE
from .protect import protect

AUDIENCES = ("public", "approved", "drafts")


def restricted(
    every: pd.DataFrame,
    approved: list[pd.Timestamp],
    audience: str,
    catalog: Catalog,
    protect_with=protect,
) -> pd.DataFrame:
    """figure_series' rows as `audience` may see them: every month for "drafts" (with a
    `draft` column), approved months only for "approved", and those protected for "public"
    (protect.protect: `value` and `change` empty where protected, with `protected` and
    `change_protected`). A change across a month the reader may not see is no change: it
    would give the hidden month's value away."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience: {audience!r}")
    ok = set(approved)
    months = every["month"].map(pd.Timestamp)
    if audience == "drafts":
        return every.assign(draft=~months.isin(ok))
    shown = every[months.isin(ok).to_numpy()].reset_index(drop=True)
    before = shown["month"].map(lambda m: pd.Timestamp(m) - pd.DateOffset(months=1))
    shown = shown.assign(change=shown["change"].where(before.isin(ok).to_numpy()), draft=False)
    if audience != "public":
        return shown
    protected = protect_with(shown, catalog)
    # An analyst's note can name a small number and says who wrote it; so can recorded_by: the
    # public view shows neither (the DEMO banner still marks demo figures).
    demo_note = protected["note"].fillna("").astype(str).str.startswith(DEMO_NOTE)
    return protected.assign(
        note=protected["note"].where(demo_note.to_numpy(), ""),
        recorded_by="",
        value=protected["value"].astype("float"),
        change=protected["change"].astype("float"),
        protected=protected["protected"].astype(bool),
        change_protected=protected["change_protected"].astype(bool),
    )
