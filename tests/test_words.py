"""Words for the reader: 'Om tallene' says what a figure means and where it comes from (the
notes of the figures shown), and an initiative's header says nothing twice."""

from __future__ import annotations

import csv
import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import real_january
from apptest import body, open_page

from dashboard.catalog import load_catalog
from dashboard.demo import DEMO_NOTE
from dashboard.web import views
from dashboard.web.series import months_between
from dashboard.web.texts import LANGUAGES, text

T = pd.Timestamp
JAN, FEB, MAR, APR = (T(2025, m, 1) for m in range(1, 5))
CATALOG = load_catalog()


class _Sources(HTMLParser):
    """The text of each <li> in a <ul class="sources"> ('Om tallene''s sources)."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[str] = []
        self._in_list = False
        self._item: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "ul" and ("class", "sources") in attrs:
            self._in_list = True
        elif tag == "li" and self._in_list:
            self._item = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "li" and self._item is not None:
            self.items.append("".join(self._item))
            self._item = None
        elif tag == "ul":
            self._in_list = False

    def handle_data(self, data: str) -> None:
        if self._item is not None:
            self._item.append(data)


def sources_shown(markup: str) -> list[str]:
    parser = _Sources()
    parser.feed(markup)
    return parser.items


def real_notes(prefix: str) -> set[str]:
    """The distinct notes of the real January figures of measures starting with `prefix`, read
    from the source file itself."""
    with real_january.PATH.open(encoding="utf-8", newline="") as handle:
        return {r["note"] for r in csv.DictReader(handle) if r["measure"].startswith(prefix)}


def figures(measure: str, notes: list[str]) -> pd.DataFrame:
    """Figures as queries/figure_series.sql returns them, one a month from January."""
    months = months_between(JAN, APR)[: len(notes)]
    return pd.DataFrame(
        {
            "month": months,
            "measure": measure,
            "category": "",
            "value": range(len(notes)),
            "note": notes,
            "is_demo": False,
        }
    )


# --- the kind texts speak to a reader -------------------------------------------------------


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize("kind", ["cumulative", "stock", "flow"])
def test_a_kind_is_explained_as_what_the_figure_means_not_as_a_validation_rule(
    kind: str, lang: str
) -> None:
    explained = text(f"kind_explained_{kind}", lang)
    assert not re.search(r"mistænkelig|suspicious|advarsel|warning", explained, re.I)
    # A reader is told in whole sentences.
    assert explained[0].isupper() and explained.endswith(".")


def test_the_running_total_says_it_only_grows_and_where_the_months_new_ones_are() -> None:
    da = text("kind_explained_cumulative", "da")
    assert "siden" in da and "kun vokse" in da and "forskellen fra måneden før" in da


# --- sources ---------------------------------------------------------------------------------


def test_the_sources_are_the_distinct_notes_of_the_months_shown_each_with_its_months() -> None:
    measure = CATALOG.measure("top100.screened")
    data = figures(
        measure.id, ["Orientering januar", "Orientering januar", "", "Orientering april"]
    )
    (item,) = views.about([measure], "da", data, [JAN, FEB, MAR])
    assert item.sources == [
        "Kilde (januar 2025 – februar 2025): Orientering januar",
        "Kilde (marts 2025): ikke angivet",
    ]
    (item,) = views.about([measure], "en", data, None)
    assert item.sources[-1] == "Source (April 2025): Orientering april"
    # Without figures, 'Om tallene' explains the measure and names no source.
    assert views.about([measure], "da")[0].sources == []


def test_a_demo_figure_names_the_demo_as_its_source() -> None:
    measure = CATALOG.measure("ungeteam.cases")
    (item,) = views.about([measure], "da", figures(measure.id, [DEMO_NOTE] * 2), [JAN, FEB])
    assert item.sources == [f"Kilde (januar 2025 – februar 2025): {DEMO_NOTE}"]


def test_a_note_stays_text_in_om_tallene() -> None:
    measure = CATALOG.measure("top100.screened")
    hostile = '<script>alert(1)</script> & "x"'
    items = views.about([measure], "da", figures(measure.id, [hostile]), [JAN])
    markup = str(views._macro("about")(items, "da"))
    assert "<script>" not in markup
    assert sources_shown(markup) == [f"Kilde (januar 2025): {hostile}"]


def test_the_real_january_sources_are_shown_on_the_top100_page(
    monkeypatch: pytest.MonkeyPatch, real_db: Path
) -> None:
    shown = sources_shown(body(open_page(monkeypatch, real_db, "top100")))
    expected = {f"Kilde (januar 2025): {note}" for note in real_notes("top100.")}
    assert expected and expected <= set(shown)
    assert "EMN-2024-035273" in " ".join(shown)
    assert not any(DEMO_NOTE in s for s in shown)


def test_the_real_january_sources_are_shown_in_english_too(
    monkeypatch: pytest.MonkeyPatch, real_db: Path
) -> None:
    shown = sources_shown(body(open_page(monkeypatch, real_db, "knaek_kurven", sprog="en")))
    expected = {f"Source (January 2025): {note}" for note in real_notes("knaek_kurven.")}
    assert expected and expected <= set(shown)


@pytest.mark.parametrize("page", ["top100", "ungeteam"])
def test_a_demo_page_shows_the_demo_as_the_source(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, page: str
) -> None:
    shown = sources_shown(body(open_page(monkeypatch, demo_db, page)))
    assert shown and all(s.endswith(f": {DEMO_NOTE}") for s in shown)


# --- no sentence twice -----------------------------------------------------------------------


def sentences(words: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", words) if s.strip()]


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize("initiative", CATALOG.initiatives, ids=lambda i: i.id)
def test_no_initiative_header_repeats_a_sentence_or_its_start_month(initiative, lang) -> None:
    header = views.initiative_header(initiative, lang)
    said = sentences(header)
    assert len(said) == len(set(said)), header
    if initiative.started:
        month = views.month_text(initiative.started, lang)
        assert header.casefold().count(month.casefold()) == 1, header


def test_the_start_is_added_when_the_description_does_not_give_it() -> None:
    (top100,) = [i for i in CATALOG.initiatives if i.id == "top100"]
    assert views.initiative_header(top100, "da").endswith("Startede i juni 2024.")
    assert views.initiative_header(top100, "en").endswith("Started in June 2024.")


@pytest.mark.parametrize("page", ["ungesporet", "top100"])
def test_no_page_header_repeats_a_sentence(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, page: str
) -> None:
    markup = body(open_page(monkeypatch, demo_db, page))
    header = views.initiative_header(CATALOG.initiative(page), "da")
    shown = [html.unescape(p) for p in re.findall(r'<p class="muted">(.*?)</p>', markup, re.S)]
    assert header in shown
    said = sentences(header)
    assert said and len(said) == len(set(said)), header


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_no_om_tallene_entry_repeats_a_sentence(lang: str) -> None:
    for item in views.about(list(CATALOG.measures), lang):
        said = sentences(f"{item.definition} {item.kind}")
        assert len(said) == len(set(said)), item


def test_every_danish_text_has_an_english_one_with_the_same_blanks() -> None:
    """A reader who asks for English gets English on every page, the write pages included, and
    each English text fills the same blanks ({month}, {batch}, …) as its Danish one."""
    import string

    from dashboard.web.texts import DA, EN

    blanks = string.Formatter()

    def names(template: str) -> set[str]:
        return {name for _, name, _, _ in blanks.parse(template) if name}

    assert sorted(set(DA) - set(EN)) == []
    assert [k for k in DA if names(DA[k]) != names(EN[k])] == []
    assert sorted(set(EN) - set(DA)) == []
