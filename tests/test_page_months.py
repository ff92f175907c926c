"""The month logic pages share (dashboard.web.series): the one filter for the events of a
period. The compare page's periods are in tests/test_compare_periods.py."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.web import series

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
