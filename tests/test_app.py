"""Every page through Streamlit's AppTest: it renders, the reader's choices in the address
(period, level or change, language, the funnel's month, the months compared) work, and the
figures a committee member would look for are there."""

from __future__ import annotations

import html
import re

import pytest
import real_january
from apptest import body as _body
from apptest import open_page as _open
from apptest import sidebar as _sidebar

from dashboard.catalog import load_catalog
from dashboard.demo import demo_figures
from dashboard.months import add_months, month_label
from dashboard.web.texts import fmt_pct

PAGES = ["overblik"] + [i.id for i in load_catalog().initiatives] + ["sammenlign"]
DEMO = {f.key: f.value for f in demo_figures()}
LATEST = max(month for month, _, _ in DEMO)


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _percent(part: int, whole: int) -> str:
    """A share as the pages write it in Danish: 42,1 % (a non-breaking space before %)."""
    return f"{part / whole:.1%}".replace(".", ",").replace("%", "\u00a0%")


def _rows(body: str, first_cell: str) -> list[list[str]]:
    """The cells of every table row whose first cell is `first_cell`."""
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body):
        cells = [html.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        if cells and cells[0] == first_cell:
            rows.append(cells)
    return rows


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_demo_figures_under_the_demo_banner(monkeypatch, demo_db, page):
    at = _open(monkeypatch, demo_db, page)
    assert not at.exception
    assert "DEMO – fiktive tal." in _body(at)
    # The sidebar links to every page and keeps the reader's settings in each link.
    sidebar = _sidebar(at)
    assert all(
        ("./?sprog=da" if p == "overblik" else f"./?side={p}&amp;sprog=da") in sidebar
        for p in PAGES
    )


@pytest.mark.parametrize(
    ("side", "shown"), [("top100", "uden kategori"), ("nope", "Seneste måned med tal")]
)
def test_the_root_address_shows_the_page_it_names(monkeypatch, demo_db, side, shown):
    # The links lead to the root (./?side=top100&...): see dashboard/web/app.py.
    at = _open(monkeypatch, demo_db, side=side)
    assert not at.exception
    assert shown in _body(at)  # an unknown page name shows the overview


def test_overview_tiles_show_the_latest_demo_figures(monkeypatch, demo_db):
    body = _body(_open(monkeypatch, demo_db))
    screened = DEMO[(LATEST, "top100.screened", "")]
    change = screened - DEMO[(add_months(LATEST, -1), "top100.screened", "")]
    assert f'<div class="value">{_number(screened)}</div>' in body
    assert f"+{change} nye i {month_label(LATEST)}" in body  # a running total: the new cases
    assert f'<div class="value">{_number(DEMO[(LATEST, "ungesporet.visits", "")])}</div>' in body
    assert f"Seneste måned med tal: <strong>{month_label(LATEST)}</strong>" in body


def test_each_key_figure_links_to_its_initiatives_page(monkeypatch, demo_db):
    body = _body(_open(monkeypatch, demo_db, vis="aendring"))
    link = re.search(r'<a href="\./\?side=top100&amp;([^"]*)" target="_self">TOP100</a>', body)
    assert link is not None
    assert "vis=aendring" in html.unescape(link.group(1))  # the reader's choices come along


def test_overview_shows_demo_targets_marked_as_demo(monkeypatch, demo_db):
    body = _body(_open(monkeypatch, demo_db))
    assert "DEMO-mål: 30 familier har sagt ja" in body


def test_the_top100_page_shows_every_month_of_the_period_with_the_unsplit_remainder(
    monkeypatch, demo_db
):
    body = _body(_open(monkeypatch, demo_db, "top100"))
    assert "uden kategori" in body
    # Hovering a chart outside its marks tells what the figures are: the catalog's definition.
    definition = load_catalog().measure("top100.screened").definition_da
    assert f'title="{html.escape(definition, quote=True)}"' in body
    january = _rows(body, "januar 2025")[0]  # the screened cases' "Vis tal" comes first
    screened = DEMO[(LATEST.replace(month=1), "top100.screened", "")]
    assert january[-1] == _number(screened)  # January's screened are not split by category
    # The latest demo month is a draft (init --demo approves every month but the latest), and
    # the placeholder reader of app.py sees drafts: it is marked KLADDE.
    assert _rows(body, "juni 2024") and _rows(body, f"{month_label(LATEST)} (KLADDE)")


def test_the_period_in_the_address_narrows_the_charts(monkeypatch, demo_db):
    at = _open(monkeypatch, demo_db, "ungesporet", fra="2025-01", til="2025-06")
    body = _body(at)
    assert not at.exception
    assert _rows(body, "januar 2025") and _rows(body, "juni 2025")
    assert not _rows(body, "december 2024") and not _rows(body, "juli 2025")
    assert 'name="fra"' in _sidebar(at) and '<option value="2025-01" selected>' in _sidebar(at)


def test_monthly_change_shows_each_months_change(monkeypatch, demo_db):
    body = _body(_open(monkeypatch, demo_db, "ungesporet", vis="aendring"))
    august = DEMO[(add_months(LATEST, -4), "ungesporet.visits", "")]
    july = DEMO[(add_months(LATEST, -5), "ungesporet.visits", "")]
    change = august - july
    row = _rows(body, "august 2025")[0]
    assert row[-1] == ("+" if change > 0 else "−") + _number(abs(change))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_speaks_english_when_asked(monkeypatch, demo_db, page):
    at = _open(monkeypatch, demo_db, page, lang="en")
    assert not at.exception
    assert "DEMO – fictive figures." in _body(at)
    assert "Vis tal" not in _body(at)
    assert "sprog=en" in _sidebar(at)


def _share(part: int, whole: int, lang: str = "da") -> str:
    """A share of the funnel as the page writes it: whole per cent (fmt_pct with 0 decimals)."""
    return fmt_pct(part / whole, lang, 0)


def test_the_funnel_shows_the_chosen_month(monkeypatch, real_db):
    body = _body(_open(monkeypatch, real_db, "knaek_kurven"))
    discussed = real_january.value("knaek_kurven.discussed")
    relevant = real_january.value("knaek_kurven.relevant")
    assert "Tragten for januar 2025" in body
    # Total since the start, its share of the named base, the month's change (no December: –)
    assert _rows(body, "Familier drøftet på screeningsmøder")[0][1:] == [
        _number(discussed),
        f"{_share(discussed, discussed)} af familier drøftet på screeningsmøder",
        "–",
    ]
    assert _rows(body, "Familier vurderet relevante")[0][1:] == [
        _number(relevant),
        f"{_share(relevant, discussed)} af familier drøftet på screeningsmøder",
        "–",
    ]


def test_the_january_2025_funnel_shows_3_of_8_offered_said_yes(monkeypatch, real_db):
    body = _body(_open(monkeypatch, real_db, "knaek_kurven", tragt="2025-01"))
    accepted = real_january.value("knaek_kurven.accepted")
    offered = real_january.value("knaek_kurven.offered")
    discussed = real_january.value("knaek_kurven.discussed")
    yes = _share(accepted, offered)
    assert (accepted, offered) == (3, 8)
    assert re.fullmatch(r"38\s%", yes)  # "38 %" as fmt_pct writes it in Danish
    row = _rows(body, "heraf familier der har sagt ja")[0]
    assert row[1:3] == [_number(accepted), f"{yes} af familier tilbudt indsatsen"]
    assert _share(accepted, discussed) not in row[2]  # not 16 % of those discussed
    # the chart says the same, in its hover text, with the base named above the bars
    assert f"{_number(accepted)} – heraf familier der har sagt ja. {yes} af familier" in body
    # a plain word on what the figures are: running totals, and the bases of the shares
    assert "Tragten tæller siden start (løbende totaler), ikke kun januar 2025." in body
    assert "deler familier tilbudt indsatsen op efter svar og er andele af dem, ikke af " in body
    assert "Kilden hænger ikke sammen" not in body  # 3 + 2 + 3 = 8: the outcomes add up
    # the shares between the stages over time have the same bases
    header = html.unescape(
        re.findall(r"<tr>(.*?)</tr>", body.split("Andele mellem trinene")[-1])[0]
    )
    assert "Familier der har sagt ja af familier tilbudt indsatsen" in header
    assert "Familier tilbudt indsatsen af familier drøftet på screeningsmøder" in header
    assert "af familier vurderet relevante" not in header


def test_the_funnel_says_in_english_what_its_shares_are_of(monkeypatch, real_db):
    body = _body(_open(monkeypatch, real_db, "knaek_kurven", tragt="2025-01", sprog="en"))
    accepted = real_january.value("knaek_kurven.accepted")
    offered = real_january.value("knaek_kurven.offered")
    row = _rows(body, "of which families who said yes")[0]
    assert row[2] == f"{_share(accepted, offered, 'en')} of families offered the programme"
    assert "The funnel counts since the start" in body


def test_the_funnel_month_comes_from_the_address(monkeypatch, demo_db):
    body = _body(_open(monkeypatch, demo_db, "knaek_kurven", tragt="2025-01"))
    assert "Tragten for januar 2025" in body
    discussed = DEMO[(LATEST.replace(month=1), "knaek_kurven.discussed", "")]
    assert _rows(body, "Familier drøftet på screeningsmøder")[0][1] == _number(discussed)


def _demo_sum(measure: str, first, last) -> int:
    """A monthly count (flow) summed over the demo months from first to last."""
    return sum(
        v for (m, mid, c), v in DEMO.items() if mid == measure and c == "" and first <= m <= last
    )


def _demo(measure: str, month) -> int:
    return DEMO[(month, measure, "")]


def test_compare_defaults_to_the_latest_quarter_against_the_same_quarter_a_year_before(
    monkeypatch, demo_db
):
    at = _open(monkeypatch, demo_db, "sammenlign")
    body = _body(at)
    assert not at.exception
    assert "4. kvartal 2025 mod 4. kvartal 2024" in body
    oct25, oct24 = LATEST.replace(month=10), LATEST.replace(year=LATEST.year - 1, month=10)
    dec24 = LATEST.replace(year=LATEST.year - 1)
    # a monthly count: the sums of the quarters
    a, b = (
        _demo_sum("ungeteam.outreach_contacts", oct25, LATEST),
        _demo_sum("ungeteam.outreach_contacts", oct24, dec24),
    )
    row = _rows(body, "Unge i kontakt via opsøgende arbejde")[0]
    assert row[1] == "sum af månederne"
    assert row[2:5] == [_number(a), _number(b), ("+" if a > b else "−") + _number(abs(a - b))]
    # a running total: the increase over each quarter, and no percentage
    sep25, sep24 = LATEST.replace(month=9), dec24.replace(month=9)
    a = _demo("knaek_kurven.discussed", LATEST) - _demo("knaek_kurven.discussed", sep25)
    b = _demo("knaek_kurven.discussed", dec24) - _demo("knaek_kurven.discussed", sep24)
    row = _rows(body, "Familier drøftet på screeningsmøder")[0]
    assert row[1:4] == ["stigning i perioden", _number(a), _number(b)]
    assert row[5].startswith("–")
    assert "Ingen procent på en løbende total siden start" in body


def test_a_compare_preset_from_a_link(monkeypatch, demo_db):
    body = _body(_open(monkeypatch, demo_db, "sammenlign", periode="maaned"))
    assert "december 2025 mod december 2024" in body
    dec24 = LATEST.replace(year=LATEST.year - 1)
    row = _rows(body, "Sager i Det Opsøgende Ungeteam")[0]  # a level: the month's own
    assert row[1:4] == [
        "niveau ved periodens slutning",
        _number(_demo("ungeteam.cases", LATEST)),
        _number(_demo("ungeteam.cases", dec24)),
    ]


def test_compare_chosen_periods_and_missing_months(monkeypatch, demo_db):
    # B begins before the first demo month (juni 2024): its sum is not made of fewer months
    at = _open(
        monkeypatch,
        demo_db,
        "sammenlign",
        a_fra="2025-01",
        a_til="2025-06",
        b_fra="2024-05",
        b_til="2024-07",
    )
    body = _body(at)
    assert "jan.–jun. 2025 mod maj–jul. 2024" in body
    jan, jun = LATEST.replace(month=1), LATEST.replace(month=6)
    row = _rows(body, "Unge i kontakt via opsøgende arbejde")[0]
    assert row[2] == _number(_demo_sum("ungeteam.outreach_contacts", jan, jun))
    assert re.fullmatch(r"–<sup>\d+</sup>", row[3])
    assert "Periode B er ufuldstændig: der mangler tal for maj 2024." in body


def test_compare_in_english_keeps_english_in_its_links_and_form(monkeypatch, demo_db):
    body = _body(_open(monkeypatch, demo_db, "sammenlign", sprog="en", periode="aar"))
    assert "Jan–Dec 2025" not in body and "2025 against 2024" in body
    assert 'name="sprog" value="en"' in body
    # the presets keep English, and drop the months chosen before
    presets = re.findall(r'href="(\./\?side=sammenlign[^"]*periode=[^"]*)"', body)
    assert len(presets) == 3
    assert all("sprog=en" in href and "a_fra" not in href for href in presets)


@pytest.mark.parametrize("value", ["<b>x</b>", "2099-01", "'; drop table figures; --", "2025-13"])
def test_hostile_compare_choices_fall_back_to_the_default(monkeypatch, demo_db, value):
    at = _open(
        monkeypatch,
        demo_db,
        "sammenlign",
        periode=value,
        a_fra=value,
        a_til=value,
        b_fra=value,
        b_til=value,
    )
    assert not at.exception
    assert "4. kvartal 2025 mod 4. kvartal 2024" in _body(at)
    assert "<b>x</b>" not in _body(at)


def test_nonsense_in_the_address_falls_back_to_the_defaults(monkeypatch, demo_db):
    at = _open(monkeypatch, demo_db, "top100", lang="xx", fra="2099-01", vis="?")
    assert not at.exception
    assert _rows(_body(at), "juni 2024")


def test_real_january_shows_68_screened_and_no_demo_banner(monkeypatch, real_db):
    at = _open(monkeypatch, real_db)
    body = _body(at)
    assert not at.exception
    assert "DEMO" not in body + _sidebar(at)
    screened = real_january.value("top100.screened")
    assert f'<div class="value">{_number(screened)}</div>' in body


def test_an_empty_database_says_how_to_load_figures(monkeypatch, store):
    at = _open(monkeypatch, store.path)
    assert not at.exception
    assert "krimdash import" in at.main.markdown[0].value


def test_a_missing_database_says_how_to_create_it(monkeypatch, tmp_path):
    at = _open(monkeypatch, tmp_path / "none.duckdb")
    assert not at.exception
    assert "krimdash init" in at.error[0].value
    assert not (tmp_path / "none.duckdb").exists()
