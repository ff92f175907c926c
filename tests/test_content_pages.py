"""The write pages "Begivenheder og mål" and "Månedens tekst" in AppTest, signed in as an
analyst: a saved event or target shows on the reading pages at once, an invalid form is refused
at its field with nothing saved, and a viewer or an anonymous reader reaches neither page nor
any of their actions."""

from __future__ import annotations

import html as markup
import re
from pathlib import Path

import pandas as pd
import pytest
from apptest import ANALYST, body, open_page
from conftest import digest
from streamlit.testing.v1 import AppTest

from dashboard import content
from dashboard.access import Reader
from dashboard.db import Store

VIEWER = Reader(subject="udvalg", name="Udvalg", role="viewer")
RAADMAND = Reader(subject="raadmand", name="Rådmand", role="raadmand")
ADMIN = Reader(subject="admin", name="Admin", role="admin")

EVENTS_PAGE = "begivenheder"
TEXT_PAGE = "maanedens-tekst"


def _field(at: AppTest, label: str, kind: str = "text_input"):
    found = [w for w in getattr(at, kind) if w.label == label]
    assert len(found) == 1, [w.label for w in getattr(at, kind)]
    return found[0]


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _errors(at: AppTest) -> list[str]:
    """The error messages as the reader reads them (the page escapes them for markdown)."""
    return [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]


def _latest_month(db: Path) -> pd.Timestamp:
    return pd.Timestamp(Store(db).query("months_with_figures", {})["month"].max())


@pytest.fixture
def db(demo_db: Path, own_copy) -> Path:
    return own_copy(demo_db)


def test_an_analyst_adds_an_event_and_it_shows_on_its_initiative_page_at_once(monkeypatch, db):
    before = body(open_page(monkeypatch, db, "knaek_kurven"))  # cached for this data version
    month = _latest_month(db)
    title = "Ny <b>aftale</b> med skolerne"
    assert markup.escape(title) not in before

    at = open_page(monkeypatch, db, EVENTS_PAGE)
    assert [t.value for t in at.title] == ["Begivenheder og mål"]
    _field(at, "Dato", "date_input").set_value(month.date())
    _field(at, "Indsats", "selectbox").set_value("knaek_kurven")
    _field(at, "Titel").set_value(title)
    _field(at, "Tekst", "text_area").set_value("Skolerne henviser nu familier.")
    _button(at, "Gem begivenhed").click().run()
    assert not _errors(at), _errors(at)
    assert any("Begivenheden er gemt" in s.value for s in at.success)
    assert title in list(content.events(Store(db))["title_da"])

    page = body(open_page(monkeypatch, db, "knaek_kurven"))
    assert markup.escape(title) in page  # shown, escaped: the markup is text
    assert title not in page
    overview = body(open_page(monkeypatch, db, "overblik"))
    assert markup.escape(title) in overview  # the overview's month lists it too


def test_an_invalid_event_is_refused_at_its_field_and_nothing_is_saved(monkeypatch, db):
    at = open_page(monkeypatch, db, EVENTS_PAGE)
    before = digest(db)
    _field(at, "Titel").set_value("Møde\x1b[31m")
    _field(at, "Tekst", "text_area").set_value("x" * 4001)
    _button(at, "Gem begivenhed").click().run()
    errors = _errors(at)
    assert any(e.startswith("«titel» indeholder et kontroltegn") for e in errors), errors
    assert any("«tekst» er for lang (4.001 tegn)" in e for e in errors), errors
    assert not at.success
    assert digest(db) == before


def test_an_analyst_edits_and_retracts_an_event(monkeypatch, db):
    at = open_page(monkeypatch, db, EVENTS_PAGE)
    _field(at, "Vælg en begivenhed at rette, eller opret en ny", "selectbox").set_value(
        "ungesporet_opens"
    ).run()
    assert _field(at, "Titel").value == "Ungesporet åbner"  # filled from what is stored
    _field(at, "Titel").set_value("Ungesporet åbner i Blixens")
    _button(at, "Gem begivenhed").click().run()
    assert not _errors(at), _errors(at)
    events = content.events(Store(db)).set_index("id")
    assert events.loc["ungesporet_opens", "title_da"] == "Ungesporet åbner i Blixens"

    before = digest(db)
    _button(at, "Træk begivenheden tilbage").click().run()  # without a reason: refused
    assert any("«begrundelse» mangler" in e for e in _errors(at))
    assert digest(db) == before
    _field(at, "Begrundelse for at trække tilbage (skal udfyldes)").set_value("forkert dato")
    _button(at, "Træk begivenheden tilbage").click().run()
    assert not _errors(at), _errors(at)
    assert "ungesporet_opens" not in set(content.events(Store(db))["id"])


def test_an_analyst_adds_a_target_and_the_overview_shows_it(monkeypatch, db):
    at = open_page(monkeypatch, db, EVENTS_PAGE)
    _field(at, "Måling", "selectbox").set_value("top100.screened:1")
    _field(at, "Måned målet skal nås (fx 2026-12)").set_value("2026-12")
    _field(at, "Værdi (helt tal)").set_value("1.000.001")
    _field(at, "Betegnelse (fx «Mål for budget 2026: 40»)").set_value("Budget 2026: 40")
    before = digest(db)
    _button(at, "Gem mål").click().run()
    assert any(e.startswith("«værdi»") for e in _errors(at)), _errors(at)
    assert digest(db) == before
    _field(at, "Værdi (helt tal)").set_value("40")
    _button(at, "Gem mål").click().run()
    assert not _errors(at), _errors(at)
    assert "Budget 2026: 40" in body(open_page(monkeypatch, db, "overblik"))


def test_an_analyst_writes_the_months_text_under_each_heading(monkeypatch, db):
    at = open_page(monkeypatch, db, TEXT_PAGE)
    assert [t.value for t in at.title] == ["Månedens tekst"]
    subheaders = [s.value for s in at.subheader]
    assert subheaders == ["Personale og organisation", "Strategier og udvikling",
                          "Status på indsatser"]  # fmt: skip
    areas = {a.label: a for a in at.text_area}
    assert {"TOP100", "Knæk Kurven", "Det Opsøgende Ungeteam", "Ungesporet"} <= set(areas)
    month = at.selectbox[0].value
    areas["Personale og organisation"].set_value("Ny afdelingsleder starter 1. marts.")
    areas["TOP100"].set_value("Status: de første indkaldelser.\n<script>x</script>")
    _button(at, "Gem månedens tekst").click().run()
    assert not _errors(at), _errors(at)
    texts = content.month_texts(Store(db), month.date())
    assert dict(zip(texts["section"], texts["body"], strict=True)) == {
        "personale_og_organisation": "Ny afdelingsleder starter 1. marts.",
        "status:top100": "Status: de første indkaldelser.\n<script>x</script>",
    }
    assert len(set(texts["batch_id"])) == 1  # one batch
    # the form is filled again from what is stored
    assert {a.label: a.value for a in at.text_area}["TOP100"].startswith("Status: de første")

    before = digest(db)
    {a.label: a for a in at.text_area}["Ungesporet"].set_value("Ã¸ forkert kodet")
    _button(at, "Gem månedens tekst").click().run()
    assert any("ser ud til at have forkert tegnkodning" in e for e in _errors(at))
    assert digest(db) == before


@pytest.mark.parametrize("reader", [VIEWER, RAADMAND, None], ids=["viewer", "raadmand", "anonym"])
@pytest.mark.parametrize("page", [EVENTS_PAGE, TEXT_PAGE])
def test_a_viewer_or_anonymous_reader_cannot_reach_the_write_pages(monkeypatch, db, reader, page):
    before = digest(db)
    at = open_page(monkeypatch, db, page, reader=reader)
    titles = [t.value for t in at.title]
    assert "Begivenheder og mål" not in titles and "Månedens tekst" not in titles
    assert not [b for b in at.button if b.label.startswith(("Gem", "Træk"))]
    assert not at.text_area and not at.text_input
    shown = "".join(h.proto.body for h in at.main.html)
    assert f"side={EVENTS_PAGE}" not in shown and f"side={TEXT_PAGE}" not in shown  # no links
    assert digest(db) == before


def test_an_admin_reaches_the_write_pages_and_an_analyst_sees_their_links(monkeypatch, db):
    at = open_page(monkeypatch, db, EVENTS_PAGE, reader=ADMIN)
    assert [t.value for t in at.title] == ["Begivenheder og mål"]
    frame = "".join(h.proto.body for h in open_page(monkeypatch, db, reader=ANALYST).main.html)
    assert f"side={EVENTS_PAGE}" in frame and f"side={TEXT_PAGE}" in frame


def _page_for_a_viewer(name: str) -> None:
    from dashboard.access import Reader
    from dashboard.web.app_pages import content as pages

    getattr(pages, name)("", Reader(subject="udvalg", role="viewer"), lang="da", store=None)


@pytest.mark.parametrize("render", ["render_events", "render_month_text"])
def test_the_pages_draw_nothing_for_a_reader_who_may_not_write(render):
    """Even called directly (app.py never routes a viewer here), a page checks the role first."""
    at = AppTest.from_function(_page_for_a_viewer, args=(render,), default_timeout=60)
    at.run()
    assert not at.exception
    assert not at.main.children


def test_two_analysts_edit_the_same_event_and_the_second_is_told_instead_of_overwriting(
    monkeypatch, db
):
    pick = "Vælg en begivenhed at rette, eller opret en ny"
    first, second = (open_page(monkeypatch, db, EVENTS_PAGE) for _ in range(2))
    for at in (first, second):
        _field(at, pick, "selectbox").set_value("ungesporet_opens").run()
    _field(first, "Titel").set_value("Ungesporet åbner (rettet af den første)")
    _button(first, "Gem begivenhed").click().run()
    assert not _errors(first), _errors(first)
    before = digest(db)
    _field(second, "Tekst", "text_area").set_value("Rettet af den anden.")
    _button(second, "Gem begivenhed").click().run()
    assert any("ændret af analytiker" in e and "Intet er gemt" in e for e in _errors(second))
    assert digest(db) == before
    event = content.events(Store(db)).set_index("id").loc["ungesporet_opens"]
    assert event["title_da"] == "Ungesporet åbner (rettet af den første)"


def test_two_analysts_write_the_same_months_text_and_the_second_is_told(monkeypatch, db):
    first, second = (open_page(monkeypatch, db, TEXT_PAGE) for _ in range(2))
    {a.label: a for a in first.text_area}["TOP100"].set_value("Den førstes status.")
    _button(first, "Gem månedens tekst").click().run()
    assert not _errors(first), _errors(first)
    before = digest(db)
    {a.label: a for a in second.text_area}["TOP100"].set_value("Den andens status.")
    _button(second, "Gem månedens tekst").click().run()
    assert any("«Status på indsatser: TOP100» er ændret af en anden" in e for e in _errors(second))
    assert digest(db) == before
