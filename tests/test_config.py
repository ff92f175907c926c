"""dashboard.config: every KRIMDASH_* variable is read when it is needed (so a test, or a child
process, can set it), falls back to its documented default, and refuses nonsense in Danish;
stored moments show in Danish local time, summer and winter."""

from __future__ import annotations

import getpass
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from dashboard import config
from dashboard.db import Store


@pytest.fixture(autouse=True)
def _no_krimdash_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in config.ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def test_without_variables_every_setting_is_its_default() -> None:
    assert config.db_path() == config.ROOT / config.ENV_VARS["KRIMDASH_DB"].default
    assert config.catalog_path() == config.ROOT / config.ENV_VARS["KRIMDASH_CATALOG"].default
    assert config.lock_timeout_s() == float(config.ENV_VARS["KRIMDASH_LOCK_TIMEOUT"].default)
    assert config.user_name() == getpass.getuser()


def test_variables_are_read_when_needed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KRIMDASH_DB", str(tmp_path / "a.duckdb"))
    monkeypatch.setenv("KRIMDASH_CATALOG", str(tmp_path / "catalog.toml"))
    monkeypatch.setenv("KRIMDASH_LOCK_TIMEOUT", "1.5")
    monkeypatch.setenv("KRIMDASH_USER", "FAS")
    assert config.db_path() == tmp_path / "a.duckdb"
    assert Store().path == tmp_path / "a.duckdb"
    assert config.catalog_path() == tmp_path / "catalog.toml"
    assert config.lock_timeout_s() == 1.5
    assert config.user_name() == "FAS"
    monkeypatch.setenv("KRIMDASH_DB", str(tmp_path / "b.duckdb"))
    assert Store().path == tmp_path / "b.duckdb"


def test_an_empty_variable_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KRIMDASH_DB", "")
    monkeypatch.setenv("KRIMDASH_USER", "")
    assert config.db_path() == config.DEFAULT_DB
    assert config.user_name() == getpass.getuser()


@pytest.mark.parametrize("raw", ["tyve", "-1", "nan", "20s"])
def test_a_lock_timeout_that_is_not_seconds_is_refused_in_danish(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("KRIMDASH_LOCK_TIMEOUT", raw)
    with pytest.raises(
        ValueError, match=f"KRIMDASH_LOCK_TIMEOUT skal være et antal sekunder, ikke «{raw}»"
    ):
        config.lock_timeout_s()


def test_only_known_variables_are_read() -> None:
    with pytest.raises(KeyError, match="KRIMDASH_DATABASE"):
        config._env("KRIMDASH_DATABASE")


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        pytest.param(datetime(2025, 1, 15, 12, 5), "15.01.2025 13:05", id="winter-utc+1"),
        pytest.param(datetime(2025, 7, 1, 22, 30), "02.07.2025 00:30", id="summer-utc+2-next-day"),
        pytest.param(pd.Timestamp("2025-03-30 01:00"), "30.03.2025 03:00", id="clocks-go-forward"),
    ],
)
def test_a_stored_moment_shows_in_danish_local_time(stored: datetime, shown: str) -> None:
    assert config.local_time(stored) == shown


def test_the_audit_log_and_the_pages_format_the_same_moment_alike() -> None:
    moment = datetime(2025, 10, 26, 0, 59, 59)  # the last second of summer time
    assert config.local_time(moment, "%Y-%m-%d %H:%M:%S") == "2025-10-26 02:59:59"
    assert config.local_time(pd.Timestamp(moment)) == "26.10.2025 02:59"
