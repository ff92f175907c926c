"""What pages read: cached query results keyed on the database's data version.

Pages never open the database themselves. Each cached function takes the data version,
so a write by another process (e.g. `krimdash import`) shows on the next run, and an
unchanged database costs no connection at all.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .catalog import Catalog, load_catalog
from .db import Store, default_db_path


def store() -> Store:
    return Store(default_db_path())


@st.cache_data(ttl=3600, show_spinner=False, max_entries=64)
def _query(db_path: str, version: tuple, name: str) -> pd.DataFrame:
    return Store(db_path).query(name)


def query(name: str) -> pd.DataFrame:
    """queries/<name>.sql as a DataFrame, cached until the database changes.

    Returns a copy: cached objects are never mutated.
    """
    s = store()
    return _query(str(s.path), s.data_version(), name).copy()


@st.cache_resource(show_spinner=False)
def catalog() -> Catalog:
    return load_catalog()


def demo_status() -> tuple[int, int]:
    """(demo figures, all figures) among the current figures."""
    row = query("demo_status").iloc[0]
    return int(row["demo_figures"]), int(row["all_figures"])
