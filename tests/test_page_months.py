"""The month logic pages share (dashboard.web.series): the one filter for the events of a
period. The compare page's periods are in tests/test_compare_periods.py."""

from __future__ import annotations

import html
from datetime import date

import pandas as pd
import pytest
from apptest import body, open_page

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
        pytest.param(date(2025, 1, 1), date(2025, 3, 1), "top100", ["top100"], id="own-not-area"),
        pytest.param(pd.Timestamp("2025-02-01"), pd.Timestamp("2025-02-01"), "knaek_kurven", ["knaek"], id="one-month"),
        pytest.param(date(2025, 1, 1), date(2025, 1, 1), "ungesporet", [], id="area-only-is-none"),
        pytest.param(date(2024, 12, 1), date(2025, 4, 1), None, ["area", "top100", "knaek", "late", "early"], id="first-and-last-day"),
    ],
)  # fmt: skip
def test_the_events_of_a_period_run_from_its_first_day_to_its_last(
    first: date, last: date, initiative: str | None, ids: list[str]
) -> None:
    found = series.events_between(EVENTS, first, last, initiative)
    assert sorted(found["id"]) == sorted(ids)


def test_an_initiative_page_draws_its_own_events_not_the_areas_nor_others(
    monkeypatch: pytest.MonkeyPatch, demo_db
) -> None:
    """Staff and tender events belong to the whole area: the overview's month lists them (see
    the every-initiative case above), but they are never lines on every initiative's chart; an
    initiative's own events are on its charts and in the list under each."""
    own, area = "Ungesporet genåbner med vagtordning", "Ansøgningsfrist: afdelingsleder"
    page = html.unescape(
        body(open_page(monkeypatch, demo_db, "ungesporet", fra="2024-10", til="2025-06"))
    )
    assert own in page
    assert area not in page
    for other in ("Knæk Kurven starter visitationer", "Første indkaldelser i TOP100"):
        assert other not in page
