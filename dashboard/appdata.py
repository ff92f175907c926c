"""What pages read: cached query results keyed on the database's data version, and the frame's
settings (language, period, level or change).

Pages never open the database themselves. Each cached function takes the data version,
so a write by another process (e.g. `krimdash import`) shows on the next run, and an
unchanged database costs no connection at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from .catalog import Catalog, load_catalog
from .db import Store, default_db_path
from .series import months_between


def store() -> Store:
    return Store(default_db_path())


@st.cache_data(ttl=3600, show_spinner=False, max_entries=256)
def _query(db_path: str, version: tuple, name: str, params_json: str) -> pd.DataFrame:
    return Store(db_path).query(name, json.loads(params_json))


def query(name: str, **params: object) -> pd.DataFrame:
    """queries/<name>.sql as a DataFrame, cached until the database changes.

    Returns a copy: cached objects are never mutated.
    """
    s = store()
    key = json.dumps(params, sort_keys=True, default=str)
    return _query(str(s.path), s.data_version(), name, key).copy()


def figures(initiative: str | None = None, key_only: bool = False) -> pd.DataFrame:
    """queries/figure_series.sql: monthly series with the change from the month before."""
    return query("figure_series", initiative=initiative, key_only=key_only)


@st.cache_resource(show_spinner=False)
def catalog() -> Catalog:
    return load_catalog()


def demo_status() -> tuple[int, int]:
    """(demo figures, all figures) among the current figures."""
    row = query("demo_status").iloc[0]
    return int(row["demo_figures"]), int(row["all_figures"])


@dataclass(frozen=True)
class Settings:
    """What the frame's sidebar decided: language, period and level or change."""

    lang: str
    months: list[pd.Timestamp]  # the chosen period, every month in it
    change: bool  # show monthly change instead of level

    @property
    def first(self) -> pd.Timestamp | None:
        return self.months[0] if self.months else None

    @property
    def last(self) -> pd.Timestamp | None:
        return self.months[-1] if self.months else None


def available_months() -> list[pd.Timestamp]:
    """Every month from the first to the last with a figure (gaps included)."""
    months = query("months_with_figures")["month"]
    if months.empty:
        return []
    return months_between(months.iloc[0], months.iloc[-1])


def settings() -> Settings:
    """The frame stores its choices in session state; pages read them here."""
    state = st.session_state
    return Settings(
        lang=state.get("lang", "da"),
        months=state.get("period_months", available_months()),
        change=state.get("mode", "level") == "change",
    )
