"""The month logic pages share (dashboard.web.series): the months the compare page shows when
the address names none, and the one filter for the events of a period."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.web import series


def months(first: str, last: str) -> list[pd.Timestamp]:
    return series.months_between(pd.Timestamp(first), pd.Timestamp(last))


@pytest.mark.parametrize(
    ("available", "expected"),
    [
        pytest.param(months("2024-06-01", "2025-12-01"), ("2024-12-01", "2025-12-01"), id="a-year-before"),
        pytest.param(months("2025-03-01", "2025-12-01"), ("2025-11-01", "2025-12-01"), id="less-than-a-year"),
        pytest.param(months("2025-12-01", "2025-12-01"), ("2025-12-01", "2025-12-01"), id="one-month"),
        pytest.param(
            [pd.Timestamp("2024-11-01"), pd.Timestamp("2025-12-01")], ("2024-11-01", "2025-12-01"),
            id="a-year-before-missing-so-the-one-before",
        ),
    ],
)  # fmt: skip
def test_the_compare_page_defaults_to_a_year_before_else_the_month_before(
    available: list[pd.Timestamp], expected: tuple[str, str]
) -> None:
    assert series.default_pair(available) == tuple(pd.Timestamp(m) for m in expected)


EVENTS = pd.DataFrame(
    {
        "id": ["area", "top100", "knaek", "late", "early"],
        "event_date": [date(2025, 1, 1), date(2025, 1, 31), date(2025, 2, 14), date(2025, 4, 1), date(2024, 12, 31)],
        "initiative": [None, "top100", "knaek_kurven", None, None],
    }
)  # fmt: skip


@pytest.mark.parametrize(
    ("first", "last", "initiative", "ids"),
    [
        pytest.param(date(2025, 1, 1), date(2025, 3, 1), None, ["area", "top100", "knaek"], id="every-initiative"),
        pytest.param(date(2025, 1, 1), date(2025, 3, 1), "top100", ["area", "top100"], id="own-and-area"),
        pytest.param(pd.Timestamp("2025-02-01"), pd.Timestamp("2025-02-01"), "knaek_kurven", ["knaek"], id="one-month"),
        pytest.param(date(2025, 1, 1), date(2025, 1, 1), "ungesporet", ["area"], id="area-only"),
        pytest.param(date(2024, 12, 1), date(2025, 4, 1), None, ["area", "top100", "knaek", "late", "early"], id="first-and-last-day"),
    ],
)  # fmt: skip
def test_the_events_of_a_period_run_from_its_first_day_to_its_last(
    first: date, last: date, initiative: str | None, ids: list[str]
) -> None:
    found = series.events_between(EVENTS, first, last, initiative)
    assert sorted(found["id"]) == sorted(ids)
