"""Text a person wrote never becomes markup. Every page body is rendered through the views
with generated hostile text (<, >, quotes, &, </script>, javascript:, backslashes, line breaks)
in every field a person can write (catalog names, labels, definitions and category labels,
event titles and texts, target labels, figure notes, the user who last changed a figure) and in
every parameter of the address, and read back with a real HTML parser: the page has exactly the
tags and attributes it has with harmless text, no link leads to javascript:, and two words
separated by a line break stay two words.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from html.parser import HTMLParser

import pandas as pd
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from dashboard.access import Reader
from dashboard.catalog import Catalog, Category, Funnel, Initiative, Measure, Relation
from dashboard.web import appdata, render, series, views
from dashboard.web.appdata import PAGE_PARAMS
from dashboard.web.settings import LANG, OLD_LANG, Settings, parse_settings

T = pd.Timestamp
MONTHS = series.months_between(T(2025, 1, 1), T(2025, 4, 1))
MONTH_PARAMS = [f"{m:%Y-%m}" for m in MONTHS]

# --- a small world holding every kind of page section, its texts from a function ----------------

FUNNEL, PLAIN = (
    "tragt",
    "enkel",
)  # two initiatives: one with every kind of chart, one without figures
MEASURES = {
    # id: (initiative, kind, key)
    "tragt.drøftet": (FUNNEL, "cumulative", True),
    "tragt.relevant": (FUNNEL, "cumulative", False),
    "tragt.ja": (FUNNEL, "stock", False),
    "tragt.besøg": (FUNNEL, "flow", False),  # by category: a stacked chart
    "tragt.sager": (FUNNEL, "stock", True),  # a target; a share of the first stage
    "enkel.kontakter": (PLAIN, "flow", False),
}
CATEGORIES = ("1", "2")
EVENT_DATES = {"e1": T(2025, 2, 14), "e2": T(2025, 4, 10), "e3": T(2024, 6, 1)}
EVENT_INITIATIVES = {"e1": FUNNEL, "e2": None, "e3": PLAIN}


def field_names() -> list[str]:
    """Every field a person writes, by where it lives."""
    names = []
    for initiative in (FUNNEL, PLAIN):
        names += [
            f"{initiative}.{f}_{lang}" for f in ("name", "description") for lang in ("da", "en")
        ]
    for measure in MEASURES:
        names += [f"{measure}.{f}_{lang}" for f in ("label", "definition") for lang in ("da", "en")]
    names += [f"kategori{c}.label_{lang}" for c in CATEGORIES for lang in ("da", "en")]
    for event in EVENT_DATES:
        names += [
            f"{event}.{f}_{lang}" for f in ("title", "date_text", "text") for lang in ("da", "en")
        ]
    names += ["mål.label_da", "mål.label_en", "mål.source", "note", "recorded_by"]
    names += ["reader.name"]  # the signed-in reader's name, from the identity provider
    return names


FIELDS = field_names()
LEFT, RIGHT = "venstre", "højre"


@dataclasses.dataclass(frozen=True)
class World:
    """What the pages read, shaped as the queries return it."""

    catalog: Catalog
    figures: pd.DataFrame
    events: pd.DataFrame
    targets: pd.DataFrame
    freshness: pd.Series
    reader: Reader


def world(write: Callable[[str], str]) -> World:
    """The world with `write(field)` as the text of each field. Every text ends in two words
    on two lines, so that a page can be checked for keeping them apart."""

    def text(field: str) -> str:
        return f"{write(field)} {LEFT}\n{RIGHT} [{field}]"

    categories = tuple(
        Category(c, text(f"kategori{c}.label_da"), text(f"kategori{c}.label_en"))
        for c in CATEGORIES
    )
    measures = tuple(
        Measure(
            id=m,
            initiative=initiative,
            label_da=text(f"{m}.label_da"),
            label_en=text(f"{m}.label_en"),
            kind=kind,
            definition_da=text(f"{m}.definition_da"),
            definition_en=text(f"{m}.definition_en"),
            categories=categories if m == "tragt.besøg" else (),
            key=key,
        )
        for m, (initiative, kind, key) in MEASURES.items()
    )
    initiatives = tuple(
        Initiative(
            id=i,
            name_da=text(f"{i}.name_da"),
            name_en=text(f"{i}.name_en"),
            started=MONTHS[0].date() if i == FUNNEL else None,
            description_da=text(f"{i}.description_da"),
            description_en=text(f"{i}.description_en"),
        )
        for i in (FUNNEL, PLAIN)
    )
    catalog = Catalog(
        initiatives,
        measures,
        relations=(Relation("not_above", ("tragt.sager", "tragt.drøftet")),),
        funnels=(Funnel(FUNNEL, ("tragt.drøftet", "tragt.relevant"), ("tragt.ja",)),),
    )
    rows = []
    for i, month in enumerate(MONTHS):
        values = {
            ("tragt.drøftet", ""): 19 + 5 * i,
            ("tragt.relevant", ""): 8 + 2 * i,
            ("tragt.ja", ""): 3 + i,
            ("tragt.besøg", ""): 40 + i,
            ("tragt.besøg", "1"): 10 + i,
            ("tragt.besøg", "2"): 20,
            ("tragt.sager", ""): 12 + i,
        }
        rows += [(month, m, c, v) for (m, c), v in values.items()]
    figures = pd.DataFrame(rows, columns=["month", "measure", "category", "value"])
    figures = figures.sort_values(["measure", "category", "month"]).assign(
        initiative=lambda d: d["measure"].str.split(".").str[0],
        change=lambda d: d.groupby(["measure", "category"])["value"].diff(),
        note=text("note"),
        recorded_at=T(2025, 5, 2, 9, 30),
        recorded_by=text("recorded_by"),
        is_demo=False,
    )
    events = pd.DataFrame(
        [
            {
                "id": e,
                "event_date": date,
                "initiative": EVENT_INITIATIVES[e],
                **{
                    f"{f}_{lang}": text(f"{e}.{f}_{lang}")
                    for f in ("title", "date_text", "text")
                    for lang in ("da", "en")
                },
            }
            for e, date in sorted(EVENT_DATES.items(), key=lambda item: item[1])
        ]
    )
    targets = pd.DataFrame(
        {
            "measure": ["tragt.sager"],
            "category": [""],
            "target_month": [T(2025, 12, 1)],
            "value": [30],
            "label_da": [text("mål.label_da")],
            "label_en": [text("mål.label_en")],
            "source": [text("mål.source")],
        }
    )
    freshness = pd.Series(
        {
            "latest_month": MONTHS[-1],
            "last_change": T(2025, 5, 2, 9, 30),
            "last_changed_by": text("recorded_by"),
        }
    )
    reader = Reader(subject="udvalg", name=text("reader.name"), role="raadmand", test_login=True)
    return World(catalog, figures, events, targets, freshness, reader)


# --- every page body ---------------------------------------------------------------------------


def initiative_pages(w: World, s: Settings) -> dict[str, str]:
    """Each initiative's page body, by id, with the events the app gives it."""
    out = {}
    for initiative in w.catalog.initiatives:
        mine = w.events["initiative"].isna() | (w.events["initiative"] == initiative.id)
        out[initiative.id] = views.initiative_body(
            initiative,
            w.catalog,
            w.figures[w.figures["initiative"] == initiative.id],
            w.events[mine],
            w.targets,
            s,
        )
    return out


def other_pages(w: World, s: Settings) -> dict[str, str]:
    """The overview, compare, the frame and the DEMO banner, as the app renders them."""
    latest = MONTHS[-1]
    figures = w.figures
    out = {}
    key = figures[figures["measure"].isin([m.id for m in w.catalog.measures if m.key])]
    out["overblik"] = views.overview_body(
        catalog=w.catalog,
        tiles=series.key_tiles(key, w.catalog),
        latest=latest,
        freshness=w.freshness,
        missing=pd.DataFrame({"measure": ["enkel.kontakter"], "initiative": [PLAIN]}),
        changed=series.changed_since_last_month(figures[figures["month"] == latest], latest),
        month_events=series.events_between(w.events, latest, latest),
        progress=series.target_progress(w.targets, figures),
        lang=s.lang,
        local_time=lambda moment: f"{pd.Timestamp(moment):%d.%m.%Y %H:%M}",
        link=s.link,
    )
    preset, a, b = series.chosen_periods(dict(s.extra), MONTHS)
    comparisons = series.compare_periods(figures, w.catalog, a, b)
    choices = series.period_choices(MONTHS)
    out["sammenlign"] = views.compare_body(comparisons, w.catalog, a, b, preset, s, choices)
    titles = [("", "Overblik")] + [(i.id, i.name(s.lang)) for i in w.catalog.initiatives]
    out["ramme"] = views.sidebar(
        s, [*titles, ("sammenlign", "Sammenlign")], FUNNEL, MONTHS, True, w.reader, DRAFTS
    )
    out["demo"] = views.demo_banner(s.lang, True) + views.demo_banner(s.lang, False)
    return out


DRAFTS = frozenset({MONTHS[-1]})


def audience_pages(w: World, s: Settings) -> dict[str, str]:
    """The pages as the public view draws them (figures protected, shown as ".." with the
    footnote) and as the rådmand sees them (the latest month a draft, marked KLADDE)."""
    protected = appdata._protect(w.figures, w.catalog).assign(
        value=lambda d: d["value"].astype("float"), change=lambda d: d["change"].astype("float")
    )
    public = views.PageView.of(s, public=True)
    drafts = views.PageView.of(s, drafts=DRAFTS)
    out = {}
    for name, figures, view in (("offentlig", protected, public), ("kladde", w.figures, drafts)):
        world_as = dataclasses.replace(w, figures=figures)
        for page, body in (initiative_pages(world_as, view) | other_pages(world_as, view)).items():
            if page not in ("ramme", "demo"):
                out[f"{page}/{name}"] = body
    return out


# --- reading a page back -------------------------------------------------------------------------


class Parsed(HTMLParser):
    """A page as a browser's parser reads it: the sequence of tags with their attribute names
    (comments and declarations included), every attribute value, and the text."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.structure: list[tuple[str, tuple[str, ...]]] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.texts: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.structure.append((tag, tuple(name for name, _ in attrs)))
        self.attributes += [(tag, name, value or "") for name, value in attrs]

    def handle_endtag(self, tag: str) -> None:
        self.structure.append((f"/{tag}", ()))

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    def handle_comment(self, data: str) -> None:
        self.structure.append(("<!--", ()))

    def handle_decl(self, decl: str) -> None:
        self.structure.append(("<!", ()))

    def handle_pi(self, data: str) -> None:
        self.structure.append(("<?", ()))

    def unknown_decl(self, data: str) -> None:
        self.structure.append(("<![", ()))

    @property
    def text(self) -> str:
        return "".join(self.texts)


URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "background"}


def harmless(field: str) -> str:
    return "tekst"


def harmless_settings(s: Settings) -> Settings:
    """The same choices with a harmless value for each page parameter: a month the page uses
    stays (it decides what the page shows), anything else becomes 'x'."""
    extra = tuple((k, v if s.month_param(k, MONTHS, None) is not None else "x") for k, v in s.extra)
    return dataclasses.replace(s, extra=extra)


Pages = Callable[[World, Settings], dict[str, str]]
_BASELINES: dict[tuple, dict[str, Parsed]] = {}


def read(pages: Pages, write: Callable[[str], str], s: Settings) -> dict[str, Parsed]:
    return {name: Parsed(body) for name, body in pages(world(write), s).items()}


def baseline(pages: Pages, s: Settings) -> dict[str, Parsed]:
    """The pages with harmless text and the same choices (drawn once per choice)."""
    key = (pages.__name__, s.lang, tuple(s.months), s.change, s.extra)
    if key not in _BASELINES:
        _BASELINES[key] = read(pages, harmless, s)
    return _BASELINES[key]


# --- hostile text ------------------------------------------------------------------------------

FRAGMENTS = [
    "<",
    ">",
    '"',
    "'",
    "&",
    "\\",
    "\n",
    "\r\n",
    "</script>",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)' x='",
    "<svg onload=alert(1)>",
    "</style><b>",
    "<!-- ",
    " -->",
    "<![CDATA[",
    "&amp;&lt;b&gt;&#60;",
    "\\1\\g<0>\\k",
    "{{ 7 * 7 }}",
    "{% raw %}",
    "{month}",
    "%s",
    '=HYPERLINK("http://x","klik")',
    "+cmd|' /C calc'!A0",
    "\x00",
    "\x1b[31m",
    "\u202e",
    "\ufeff",
]
ALPHABET = "abcæøå XYZ019<>\"'&;:/\\=-_{}%#?\n\r\t"
pieces = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet=ALPHABET, max_size=6)), max_size=4
).map("".join)
# Always at least one hostile fragment: the text can never be a valid choice by chance.
hostile = st.builds(lambda before, fragment, after: before + fragment + after, pieces, st.sampled_from(FRAGMENTS), pieces)  # fmt: skip
texts = st.fixed_dictionaries({f: hostile for f in FIELDS})
# The language (sprog, and the lang of older addresses) and vis are also drawn valid, so both
# languages' fields and both modes are read; the period and the pages' own months only hostile,
# so the pages compared stay few.
params = st.fixed_dictionaries(
    {
        LANG: st.one_of(hostile, st.sampled_from(["da", "en"])),
        OLD_LANG: st.one_of(hostile, st.sampled_from(["da", "en"])),
        "fra": hostile,
        "til": hostile,
        "vis": st.one_of(hostile, st.sampled_from(["niveau", "aendring"])),
        **{k: hostile for k in PAGE_PARAMS},
    }
)
FEW = settings(
    deadline=None,
    database=None,
    # A failing example is reported as drawn: shrinking would redraw the pages hundreds of times.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def check(pages: dict[str, Parsed], expected: dict[str, Parsed]) -> None:
    """Each page read as its harmless twin is: same tags and attributes, no javascript: link,
    and the words on either side of every line break still apart."""
    glued = LEFT + RIGHT
    for name, page in pages.items():
        # No tag, attribute, comment or declaration that harmless text does not give.
        assert page.structure == expected[name].structure, name
        assert not any(attr.startswith("on") for _, attr, _ in page.attributes), name
        for tag, attr, value in page.attributes:
            if attr in URL_ATTRIBUTES:
                assert not re.match(r"\s*javascript:", value, re.IGNORECASE), (name, tag, value)
        assert glued not in page.text, name
        assert not any(glued in value for *_, value in page.attributes), name
        if name != "demo":
            assert re.search(rf"{LEFT}\s+{RIGHT}", page.text), name


@settings(FEW, max_examples=50)
@given(written=texts, address=params)
def test_hostile_text_stays_text_on_the_overview_compare_frame_and_banner(
    written: dict[str, str], address: dict[str, str]
) -> None:
    s = parse_settings(address, MONTHS, PAGE_PARAMS)
    pages = read(other_pages, written.__getitem__, s)
    check(pages, baseline(other_pages, harmless_settings(s)))
    # The hostile text did reach the pages, as the text it is.
    assert written[f"{FUNNEL}.name_{s.lang}"] in pages["sammenlign"].text
    assert written[f"{PLAIN}.name_{s.lang}"] in pages["ramme"].text
    assert written["recorded_by"] in pages["overblik"].text
    assert written[f"e2.title_{s.lang}"] in pages["overblik"].text
    assert written[f"mål.label_{s.lang}"] in pages["overblik"].text
    assert written["reader.name"] in pages["ramme"].text
    # The pages' own parameters ride along in the forms as the values they are.
    hidden = {v for tag, a, v in pages["ramme"].attributes if tag == "input" and a == "value"}
    assert {v for _, v in s.extra} <= hidden


@settings(FEW, max_examples=15)
@given(written=texts, address=params)
def test_hostile_text_stays_text_on_the_initiative_pages_and_in_their_charts(
    written: dict[str, str], address: dict[str, str]
) -> None:
    s = parse_settings(address, MONTHS, PAGE_PARAMS)
    pages = read(initiative_pages, written.__getitem__, s)
    check(pages, baseline(initiative_pages, harmless_settings(s)))
    assert written[f"{FUNNEL}.description_{s.lang}"] in pages[FUNNEL].text
    assert written[f"{PLAIN}.description_{s.lang}"] in pages[PLAIN].text
    assert written[f"kategori1.label_{s.lang}"] in pages[FUNNEL].text
    for event in ("e1", "e2"):  # the events inside the period, listed under the charts
        assert written[f"{event}.title_{s.lang}"] in pages[FUNNEL].text
    hover = [v for tag, a, v in pages[FUNNEL].attributes if tag == "span" and a == "title"]
    drawn = render.drawn_text(written[f"tragt.sager.label_{s.lang}"])
    assert any(drawn in title for title in hover)
    hidden = {v for tag, a, v in pages[FUNNEL].attributes if tag == "input" and a == "value"}
    assert {v for k, v in s.extra if k != "tragt"} <= hidden


@settings(FEW, max_examples=10)
@given(written=texts, address=params)
def test_hostile_text_stays_text_in_the_public_view_and_on_draft_months(
    written: dict[str, str], address: dict[str, str]
) -> None:
    s = parse_settings(address, MONTHS, PAGE_PARAMS)
    pages = read(audience_pages, written.__getitem__, s)
    check(pages, baseline(audience_pages, harmless_settings(s)))
    assert views.PROTECTED in pages[f"{FUNNEL}/offentlig"].text
    assert "KLADDE" in pages[f"{FUNNEL}/kladde"].text or s.lang == "en"
