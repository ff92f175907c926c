"""The overview's cards cannot be misread: a running total shows the month's new cases, a
monthly count is compared with the same month a year before or the 3-month average before it,
a stock with the month before; each trend line carries its scale; the overview can be shown for
a chosen month (`maaned=2025-06`) and says why the frame's period does not apply to the cards."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest
from apptest import body as _body
from apptest import open_page as _open

from dashboard.catalog import load_catalog
from dashboard.demo import demo_figures
from dashboard.months import add_months, month_label
from dashboard.web import series, views

CATALOG = load_catalog()
DEMO = {f.key: f.value for f in demo_figures()}
LATEST = max(month for month, _, _ in DEMO)
T = pd.Timestamp


def totals(measure: str, values: dict[str, int]) -> pd.DataFrame:
    """A measure's monthly totals as figure_series.sql returns them, {"2025-01": 12, ...}."""
    months = [T(f"{m}-01") for m in values]
    return pd.DataFrame(
        {
            "month": months,
            "measure": measure,
            "initiative": measure.split(".")[0],
            "category": "",
            "value": list(values.values()),
            "change": pd.array([None] * len(values), dtype="Int64"),
        }
    )


def card(data: pd.DataFrame, lang: str = "da", month: str | None = None) -> views.TileCard:
    tiles = series.key_tiles(data, CATALOG, T(f"{month}-01") if month else None)
    (only,) = views.tile_cards(tiles, CATALOG, lang)
    return only


# --- the cards' words, from small frames ------------------------------------------------------


def test_a_running_total_shows_the_months_new_cases_not_the_total_again() -> None:
    c = card(totals("top100.screened", {"2024-06": 60, "2025-11": 119, "2025-12": 125}))
    assert c.value == "125"
    assert c.change == "+6 nye i december 2025"
    assert "siden start" not in c.change + c.since
    assert c.since == "Løbende total: stigningen fra nov. 2025"


def test_a_monthly_count_is_compared_with_the_same_month_a_year_before() -> None:
    data = totals("ungesporet.visits", {"2024-12": 8, "2025-10": 40, "2025-11": 50, "2025-12": 12})
    c = card(data)
    assert c.change == "▲ +4 mod dec. 2024"
    assert c.since == "Samme måned året før (dec. 2024): 8"
    assert card(data, "en").change == "▲ +4 against Dec 2024"


def test_a_monthly_count_without_the_year_before_is_compared_with_the_3_month_average() -> None:
    before = {"2025-01": 99, "2025-03": 9, "2025-04": 12}
    c = card(totals("ungesporet.visits", {**before, "2025-05": 15, "2025-06": 10}))
    assert c.change == "▼ \u22122 mod gennemsnittet"  # 10 against (9 + 12 + 15) / 3, not 99
    assert c.since == "3-måneders gennemsnit (mar.–maj 2025): 12"
    # an average that is not whole keeps one decimal, and so does the change
    c = card(totals("ungesporet.visits", {**before, "2025-05": 16, "2025-06": 10}))
    assert c.since == "3-måneders gennemsnit (mar.–maj 2025): 12,3"
    assert c.change == "▼ \u22122,3 mod gennemsnittet"


def test_a_monthly_count_with_too_few_months_says_so_and_is_not_compared_with_the_first() -> None:
    c = card(totals("ungesporet.visits", {"2025-01": 99, "2025-02": 9}))
    assert c.change == "–"
    assert c.since == "Endnu for få måneder til en sammenligning"


def test_a_stock_shows_the_change_from_the_month_before() -> None:
    c = card(totals("ungeteam.cases", {"2025-10": 47, "2025-11": 49, "2025-12": 50}))
    assert c.change == "▲ +1 siden nov. 2025"
    assert c.since == "Status ved månedens udgang; nov. 2025: 49"
    gap = card(totals("ungeteam.cases", {"2025-10": 47, "2025-12": 50}))
    assert (gap.change, gap.since) == ("–", "Ingen tal for nov. 2025 at sammenligne med")


def test_a_trend_line_carries_its_first_and_last_value_and_its_range() -> None:
    c = card(totals("ungeteam.cases", {"2025-01": 47, "2025-02": 51, "2025-03": 38}))
    assert (c.scale.first, c.scale.last) == ("jan. 2025: 47", "mar. 2025: 38")
    assert c.scale.span == "laveste 38, højeste 51"
    markup = views._render("overview.html", **overview_data([c]))
    assert "jan. 2025: 47" in markup and "mar. 2025: 38" in markup
    assert 'alt="Udvikling fra jan. 2025: 47 til mar. 2025: 38"' in markup
    assert card(totals("ungeteam.cases", {"2025-03": 38})).scale is None  # no line, no scale


def overview_data(cards: list[views.TileCard]) -> dict[str, object]:
    return {
        "lang": "da",
        "freshness": [],
        "gaps": "",
        "tiles": cards,
        "news": [],
        "month_events_title": "",
        "month_events": [],
        "goals": [],
        "form": None,
        "showing": "",
        "frame_note": "",
    }


def test_a_chosen_month_shows_that_months_card_and_trend() -> None:
    data = totals("top100.screened", {"2025-04": 90, "2025-05": 94, "2025-06": 97, "2025-07": 99})
    c = card(data, month="2025-06")
    assert (c.value, c.month, c.change) == ("97", "juni 2025", "+3 nye i juni 2025")
    assert c.scale.last == "jun. 2025: 97"


# --- the page, on the demo database -------------------------------------------------------------


def demo(measure: str, month) -> int:
    return DEMO[(month, measure, "")]


def _card_html(body: str, label: str) -> str:
    """The markup of the first card whose measure is `label`."""
    for tile in re.findall(r'<div class="tile" role="group">(.*?)</div>\s*</div>\s*(?=<div class="tile"|</div>)', body, re.S):  # fmt: skip
        if label in tile:
            return html.unescape(tile)
    raise AssertionError(f"no card for {label}")


def test_the_overview_cards_say_what_they_compare_with(monkeypatch, demo_db):
    at = _open(monkeypatch, demo_db)
    assert not at.exception
    body = _body(at)
    screened = demo("top100.screened", LATEST) - demo("top100.screened", add_months(LATEST, -1))
    assert f"+{screened} nye i {month_label(LATEST)}" in body
    assert "siden start" not in body
    year_before = add_months(LATEST, -12)
    visits = demo("ungesporet.visits", LATEST) - demo("ungesporet.visits", year_before)
    sign = "▲ +" if visits > 0 else "▼ \u2212"
    assert f"{sign}{abs(visits)} mod {month_label(year_before, short=True)}" in body
    # the frame's period does not apply to the cards, and the page says so
    assert "Periodevalget i rammen gælder graferne på indsatsernes sider, ikke kortene" in body
    # every trend line carries its first and last figure
    cases = _card_html(body, "Sager i Det Opsøgende Ungeteam")
    first = min(m for m, x, c in DEMO if x == "ungeteam.cases" and c == "")
    assert f"{month_label(first, short=True)}: {demo('ungeteam.cases', first)}" in cases
    assert f"{month_label(LATEST, short=True)}: {demo('ungeteam.cases', LATEST)}" in cases


def test_the_overview_for_a_chosen_month(monkeypatch, demo_db):
    june = LATEST.replace(year=2025, month=6)
    at = _open(monkeypatch, demo_db, maaned="2025-06", sprog="da")
    assert not at.exception
    body = _body(at)
    assert f"Kortene, nyt og begivenheder viser {month_label(june)}; målene" in body
    assert f'<div class="value">{demo("top100.screened", june)}</div>' in body
    new = demo("top100.screened", june) - demo("top100.screened", add_months(june, -1))
    assert f"+{new} nye i {month_label(june)}" in body
    # June 2024 has no visits: the 3 months before June 2025 are the comparison
    window = [demo("ungesporet.visits", add_months(june, -n)) for n in (3, 2, 1)]
    average = sum(window) / 3
    shown = f"{average:.1f}".replace(".", ",") if average % 1 else f"{average:.0f}"
    assert f"3-måneders gennemsnit (mar.–maj 2025): {shown}" in body
    # the freshness line still names the latest month; the form shows June chosen
    assert f"Seneste måned med tal: <strong>{month_label(LATEST)}</strong>" in body
    assert '<option value="2025-06" selected>' in body
    assert re.search(r'<select name="maaned">', body)


def test_the_months_events_and_news_follow_the_chosen_month(monkeypatch, demo_db):
    october = _body(_open(monkeypatch, demo_db, maaned="2024-10"))
    assert "Begivenheder i oktober 2024" in october
    assert "Ungesporet åbner" in october
    assert "Endnu for få måneder til en sammenligning" in october  # visits' first month
    assert "Ungesporet åbner" not in _body(_open(monkeypatch, demo_db))


def test_the_month_choice_keeps_the_language_and_rides_along_in_links(monkeypatch, demo_db):
    body = _body(_open(monkeypatch, demo_db, maaned="2025-06", sprog="en"))
    assert "The cards, what is new and the events show June 2025;" in body
    assert '<input type="hidden" name="sprog" value="en">' in body
    assert "maaned=2025-06" in html.unescape(body)  # in the links to the initiatives' pages


@pytest.mark.parametrize("value", ["<b>x</b>", "2099-01", "2025-13", "'; drop table figures; --"])
def test_a_hostile_or_unknown_month_falls_back_to_the_latest(monkeypatch, demo_db, value):
    at = _open(monkeypatch, demo_db, maaned=value)
    assert not at.exception
    body = _body(at)
    assert "Kortene, nyt og begivenheder viser" not in body
    assert f'<option value="{LATEST:%Y-%m}" selected>' in body
    assert "<b>x</b>" not in body
