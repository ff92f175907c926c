"""Targets from data/targets.csv: the deadline month, and an optional month they apply from."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dashboard.db import Store
from dashboard.reference import targets_frame

HEADER = "measure,category,month,value,label_da,label_en,source,from\n"


def test_a_target_reads_its_optional_start_month(tmp_path: Path) -> None:
    path = tmp_path / "targets.csv"
    path.write_text(
        HEADER
        + "top100.called_in,,2025-12,60,Mål: 60,Target: 60,Budget 2025,2025-01\n"
        + "knaek_kurven.accepted,,december 2025,30,Mål: 30,Target: 30,Budget 2025,\n",
        encoding="utf-8",
    )
    frame = targets_frame(path)
    assert list(frame["from_month"]) == [date(2025, 1, 1), None]
    assert list(frame["target_month"]) == [date(2025, 12, 1), date(2025, 12, 1)]


def test_a_targets_file_without_the_from_column_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "targets.csv"
    path.write_text(
        "measure,category,month,value,label_da,label_en,source\n"
        "top100.called_in,,2025-12,60,Mål: 60,Target: 60,Budget 2025\n",
        encoding="utf-8",
    )
    assert targets_frame(path)["from_month"].isna().all()


def test_the_store_keeps_the_start_month(store: Store) -> None:
    assert "from_month" in store.query("targets", {"as_of": None}).columns
