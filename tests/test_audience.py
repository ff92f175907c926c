"""The pages per audience: a viewer and the public view see approved months only (also when the
address names a draft month), those who may see drafts see them marked KLADDE, the public view
shows protected figures as "..", and a page body cached for one audience never reaches another.

The approved months are the store's (dashboard.approvals); here every month but the latest is
approved through appdata._approved_months_of, so the tests do not depend on how a month came to
be approved.
"""

from __future__ import annotations

import html as markup
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from apptest import body, html, open_as, sidebar

from dashboard.access import Reader
from dashboard.catalog import Catalog, Initiative, Measure
from dashboard.db import Store
from dashboard.months import month_label
from dashboard.web import appdata, views
from dashboard.web.app_pages import NoAccess, audience_of
from dashboard.web.settings import parse_settings
from dashboard.web.texts import text

VIEWER = Reader(subject="udvalg", name="Udvalgsmedlem Test", role="viewer")
RAADMAND = Reader(subject="raadmand", name="Rådmand Test", role="raadmand")
PUBLIC = Reader()


def _months(db: Path) -> list[pd.Timestamp]:
    return [pd.Timestamp(m) for m in Store(db).query("months_with_figures", {})["month"]]


@pytest.fixture
def latest_is_draft(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every month with figures approved but the latest; the page caches emptied before and
    after, since they are keyed on the database, not on who approved what."""

    def approved(s: Store) -> list[pd.Timestamp]:
        return _months(s.path)[:-1]

    monkeypatch.setattr(appdata, "_approved_months_of", approved)
    st.cache_data.clear()
    yield
    st.cache_data.clear()


@pytest.fixture
def all_approved(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(appdata, "_approved_months_of", lambda s: _months(s.path))
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def _text(page: str) -> str:
    """What a reader reads: the tags dropped, entities read."""
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    return markup.unescape(re.sub(r"<[^>]+>", " ", page))


def _shown(at) -> str:
    assert not at.exception, at.exception
    return html(at)


def _mentions(page: str, month: pd.Timestamp) -> bool:
    """Whether the page names `month` in words or as an option of a form; a target's deadline
    ('… pr. december 2025') is no figure's month."""
    words = re.sub(r"pr\. \w+ \d{4}", " ", _text(page))
    return (
        month_label(month.date(), "da") in words
        or month_label(month.date(), "da", short=True) in words
        or f'<option value="{month:%Y-%m}"' in page
    )


CRAFTED = ("maaned", "tragt", "a_fra", "a_til", "b_fra", "b_til", "til")


@pytest.mark.parametrize("page", ["", "top100", "knaek_kurven", "ungeteam", "sammenlign"])
def test_a_viewer_never_sees_a_draft_month_even_when_the_address_names_it(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, latest_is_draft: None, page: str
) -> None:
    months = _months(demo_db)
    draft = months[-1]
    crafted = {name: f"{draft:%Y-%m}" for name in CRAFTED} | {"fra": f"{months[0]:%Y-%m}"}
    for params in ({}, crafted):
        shown = _shown(open_as(monkeypatch, demo_db, VIEWER, page, **params))
        assert not _mentions(shown, draft), (page, params)
        assert "KLADDE" not in shown
        # ...while the approved month before it is there.
        assert _mentions(shown, months[-2]), (page, params)


def test_a_raadmand_sees_the_draft_month_marked_kladde(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, latest_is_draft: None
) -> None:
    months = _months(demo_db)
    draft = months[-1]
    at = open_as(monkeypatch, demo_db, RAADMAND, "", maaned=f"{draft:%Y-%m}")
    label = f"{month_label(draft.date(), 'da')} (KLADDE)"
    assert label in _text(sidebar(at)), "the period's months mark the draft month"
    assert label in _text(body(at)), "the overview of the draft month says it is a draft"
    # An approved month is not marked.
    assert f"{month_label(months[-2].date(), 'da')} (KLADDE)" not in _text(html(at))
    top100 = _text(html(open_as(monkeypatch, demo_db, RAADMAND, "top100")))
    assert label in top100, "the table under a chart marks the draft month"


def test_page_bodies_are_never_shared_between_audiences(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, latest_is_draft: None
) -> None:
    months = _months(demo_db)
    draft = months[-1]
    everything = {"fra": f"{months[0]:%Y-%m}", "til": f"{draft:%Y-%m}"}
    # The rådmand first, so a body cached for drafts would be there for the others to take.
    for page in ("", "knaek_kurven", "sammenlign"):
        drafts = body(open_as(monkeypatch, demo_db, RAADMAND, page, **everything))
        approved = body(open_as(monkeypatch, demo_db, VIEWER, page, **everything))
        public = body(open_as(monkeypatch, demo_db, PUBLIC, page, **everything))
        assert "KLADDE" in drafts and "KLADDE" not in approved + public, page
        assert not _mentions(approved, draft) and not _mentions(public, draft), page
        assert views.PROTECTED not in _text(approved), page
        assert len({drafts, approved, public}) == 3, page


def test_the_public_view_shows_small_counts_as_protected(
    monkeypatch: pytest.MonkeyPatch, real_db: Path, all_approved: None
) -> None:
    """January 2025's note: 3 said yes, 2 said no, 3 in process. The public funnel shows ".."
    for them, and a footnote says why; the viewer sees the figures."""
    public = _shown(open_as(monkeypatch, real_db, PUBLIC, "knaek_kurven"))
    words = _text(body_of(public))
    assert views.PROTECTED in words
    assert "Danmarks Statistik" in words, "the footnote explains '..'"
    assert "Offentlig visning" in _text(public)
    rows = _funnel_rows(public)
    for label in ("heraf familier der har sagt ja", "heraf familier der har sagt nej"):
        assert rows[label][0] == views.PROTECTED, (label, rows[label])
    viewer = _funnel_rows(_shown(open_as(monkeypatch, real_db, VIEWER, "knaek_kurven")))
    assert viewer["heraf familier der har sagt ja"][0] == "3"
    # Derived from a protected count: its share is protected too.
    assert rows["heraf familier der har sagt ja"][1] == views.PROTECTED


def test_the_public_overview_and_compare_never_show_a_small_count(
    monkeypatch: pytest.MonkeyPatch, real_db: Path, all_approved: None
) -> None:
    """Every figure the public overview and compare page show (the numeric table cells, the key
    figures, the targets) is protected or not from 1 to 4."""
    for page in ("", "sammenlign", "knaek_kurven"):
        shown = body_of(_shown(open_as(monkeypatch, real_db, PUBLIC, page)))
        cells = _figures(shown)
        assert cells, page
        assert views.PROTECTED in cells, page
        small = [c for c in cells if re.fullmatch(r"[+−]?[1-4](\s?%)?|[+−]?[1-4] \(.*", c)]
        assert not small, (page, small)


def body_of(page: str) -> str:
    end = "</header>"
    return page[page.index(end) + len(end) :] if end in page else page


def _figures(page: str) -> list[str]:
    """The figures a page shows: its numeric table cells (without note marks) and key figures."""
    page = re.sub(r"<sup>.*?</sup>", "", page)
    found = re.findall(r'<td class="n"[^>]*>(.*?)</td>', page, re.S)
    found += re.findall(r'<div class="value">(.*?)</div>', page, re.S)
    return [markup.unescape(re.sub(r"<[^>]+>", "", f)).strip() for f in found]


def _funnel_rows(page: str) -> dict[str, list[str]]:
    """The funnel table's rows (the first table after the funnel's heading): label -> cells."""
    start = page.index("Tragten")
    table = page[start : page.index("</table>", start)]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        cells = [markup.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in
                 re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]  # fmt: skip
        rows[cells[0].lower()] = cells[1:]
    return rows


def test_a_signed_in_identity_without_a_role_reads_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_read(*args: object, **kwargs: object) -> None:
        raise AssertionError("read before the role was checked")

    monkeypatch.setattr(appdata, "settings", no_read)
    nobody = Reader(subject="someone@example.org", name="Someone", role=None)
    with pytest.raises(NoAccess):
        audience_of(nobody)
    from dashboard.web.app_pages import compare, initiative, overview

    for draw in (overview.render, compare.render, lambda f, r: initiative.render("top100", f, r)):
        with pytest.raises(NoAccess):
            draw("", nobody)


def test_the_frame_names_the_reader_with_log_ud_and_a_test_login_bar() -> None:
    s = parse_settings({}, [])
    reader = Reader(subject="raadmand", name="Rådmand Test", role="raadmand", test_login=True)
    frame = views.sidebar(s, [("", "Overblik")], "", [], False, reader)
    words = _text(frame)
    assert "Logget ind som Rådmand Test (rådmand)" in words
    assert 'href="./?log_ud=1"' in frame and "Log ud" in words
    assert "TEST-LOGIN" in words
    plain = views.sidebar(s, [("", "Overblik")], "", [], False, VIEWER)
    assert "TEST-LOGIN" not in plain and "udvalgsmedlem" in _text(plain)
    english = views.sidebar(parse_settings({"sprog": "en"}, []), [], "", [], False, VIEWER)
    assert "Log out" in _text(english)
    public = _text(views.sidebar(s, [], "", [], False, PUBLIC))
    assert "Log ud" not in public and "Offentlig visning" in public


def test_the_stores_approvals_decide_and_an_approval_shows_on_the_next_run(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, own_copy
) -> None:
    """`init --demo` approves every month but the latest: the viewer does not see the latest
    until the rådmand approves it; then the next run shows it (the caches follow the data)."""
    from dashboard import approvals

    st.cache_data.clear()
    db = own_copy(demo_db)
    months = _months(db)
    draft = months[-1]
    assert approvals.approved_months(Store(db)) == months[:-1]
    crafted = {"maaned": f"{draft:%Y-%m}", "til": f"{draft:%Y-%m}"}
    before = _shown(open_as(monkeypatch, db, VIEWER, "", **crafted))
    assert not _mentions(before, draft)
    approvals.approve(Store(db), draft, user="raadmand", role="raadmand")
    after = _shown(open_as(monkeypatch, db, VIEWER, "", **crafted))
    assert _mentions(after, draft) and "KLADDE" not in after


@pytest.mark.parametrize("reader", [PUBLIC, VIEWER, RAADMAND], ids=["public", "viewer", "raadmand"])
def test_a_returning_reader_costs_no_database_connection(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, reader: Reader
) -> None:
    """Page bodies, months and approvals are cached per data version and audience: the second
    run of a page opens the database not once."""
    import duckdb

    opened: list[str] = []
    connect = duckdb.connect

    def counting(*args: object, **kwargs: object) -> duckdb.DuckDBPyConnection:
        opened.append(str(args[0]) if args else "")
        return connect(*args, **kwargs)

    for page in ("", "knaek_kurven", "sammenlign"):
        at = open_as(monkeypatch, demo_db, reader, page)
        assert not at.exception
        monkeypatch.setattr(duckdb, "connect", counting)
        at.run()
        assert not at.exception
        assert opened == [], (page, opened)
        # ...while a run with the caches emptied does read (the count sees connections).
        st.cache_data.clear()
        at.run()
        monkeypatch.setattr(duckdb, "connect", connect)
        assert opened, page
        opened.clear()


# --- an outsider reads the public pages and tries to work out a small count --------------------


def _number(cell: str) -> int | None:
    """A Danish whole number as the pages write it ('1.234', '−3', '+5', '±0'); None for '..'."""
    if cell == views.PROTECTED:
        return None
    return int(cell.replace(".", "").replace("−", "-").replace("+", "").replace("±", ""))


def _tables_by_heading(page: str) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Each section's first table after its <h3> heading: (header, rows), cells as text."""
    out = {}
    for heading, rest in re.findall(r"<h3>(.*?)</h3>(.*?)(?=<h3>|$)", page, re.S):
        table = re.search(r"<table>(.*?)</table>", rest, re.S)
        if not table:
            continue
        head, rows_html = table.group(1).split("</thead>")
        header = [_text(c).strip() for c in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)]
        rows = [
            [_text(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", rows_html, re.S)
        ]
        out[markup.unescape(heading)] = (header, rows)
    return out


def _shown_on_pages(pages: dict[str, str], catalog, months: list[pd.Timestamp]) -> pd.DataFrame:
    """What the initiative pages show in their tables ("Vis tal") as the table an outsider
    would make of them: month, measure, category, value (<NA> for '..'), and the changes, both
    those worked out from two values and those the pages show."""
    from disclosure import shown_table

    month_of = {month_label(m.date(), "da"): m for m in months}
    label_of = {m.label("da"): m for m in catalog.measures}
    values: dict[tuple, int | None] = {}
    changes: dict[tuple, int | None] = {}
    for page in pages.values():
        for heading, (header, rows) in _tables_by_heading(page).items():
            if heading == text("funnel_over_time", "da"):  # one column per stage
                for row in rows:
                    for label, cell in zip(header[1:], row[1:], strict=True):
                        if cell != "–":
                            values[(month_of[row[0]], label_of[label].id, "")] = _number(cell)
                continue
            measure = label_of.get(heading)
            if measure is None:
                continue
            parts = {c.label("da"): c.id for c in measure.categories}
            for row in rows:
                month = month_of[row[0]]
                for label, cell in zip(header[1:], row[1:], strict=True):
                    if cell == "–":
                        continue
                    if label in parts:
                        values[(month, measure.id, parts[label])] = _number(cell)
                    elif label == text("col_value", "da"):
                        values[(month, measure.id, "")] = _number(cell)
                    elif label == text("col_change", "da"):
                        changes[(month, measure.id, "")] = _number(cell)
    return shown_table(values, changes)


def test_no_small_count_can_be_worked_out_from_the_public_pages(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    """The attacker of the protection's tests (tests/disclosure.py, exact rational elimination)
    reads every public initiative page's tables and uses the relations an outsider knows: no
    count from 1 to 4 of the approved months comes out. Reading the viewer's pages the same
    way, it does find small counts: the attack is not blind."""
    from disclosure import disclosures

    from dashboard import approvals
    from dashboard.reference import loaded_catalog

    st.cache_data.clear()
    store = Store(demo_db)
    catalog = loaded_catalog(store)
    approved = approvals.approved_months(store)
    period = {"fra": f"{approved[0]:%Y-%m}", "til": f"{approved[-1]:%Y-%m}"}

    def read(reader: Reader) -> pd.DataFrame:
        pages = {
            i.id: body(open_as(monkeypatch, demo_db, reader, i.id, **period))
            for i in catalog.initiatives
        }
        return _shown_on_pages(pages, catalog, _months(demo_db))

    shown = read(PUBLIC)
    assert len(shown) > 200 and shown["protected"].any() and not shown["protected"].all()
    assert set(shown["measure"]) == {m.id for m in catalog.measures}
    assert set(shown["month"]) <= set(approved), "a month not approved is shown"
    truth = store.query(
        "figures_in_range", {"first": approved[0].date(), "last": approved[-1].date()}
    )
    threshold = views.protect_threshold()
    assert disclosures(truth, shown, catalog, threshold) == []
    assert disclosures(truth, read(VIEWER), catalog, threshold)


def test_what_is_new_shows_a_protected_value_as_protected() -> None:
    """A running total's change can be published beside a protected level: the list of what is
    new says '..' for the level, never '–' (as if it were not reported)."""
    from dashboard.web import series

    month = pd.Timestamp(2025, 3, 1)
    figures = pd.DataFrame(
        {
            "month": [month],
            "measure": ["m"],
            "category": [""],
            "value": [float("nan")],
            "change": [7.0],
            "protected": [True],
            "change_protected": [False],
        }
    )
    changed = series.changed_since_last_month(figures, month)
    assert changed["protected"].tolist() == [True]
    catalog = Catalog(
        (Initiative("i", "I", "I", None, "", ""),),
        (Measure("m", "i", "Målt", "Measured", "cumulative", "", ""),),
    )
    page = views.overview_body(
        catalog=catalog,
        tiles=[],
        latest=month,
        freshness=pd.Series({"last_change": month, "last_changed_by": "FAS"}),
        missing=pd.DataFrame(columns=["measure", "initiative"]),
        changed=changed,
        month_events=pd.DataFrame(columns=["date_text_da", "title_da"]),
        progress=pd.DataFrame(),
        lang="da",
        local_time=str,
        view=views.PageView.of(parse_settings({}, []), public=True),
    )
    assert "Målt: <strong>..</strong> (+7)" in page
    assert "Danmarks Statistik" in page  # the footnote on ".."


def test_the_public_view_names_no_one_and_shows_no_analysts_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_db: Path, own_copy, krimdash
) -> None:
    """An analyst's note can name a small number, and who changed the figures is internal: the
    public view shows neither, while the rådmand's pages name the analyst."""
    db = own_copy(demo_db)
    file = tmp_path / "marts.csv"
    file.write_text(
        "month,measure,category,value,note\n2025-03,ungesporet.visits,,77,NOTE-SKJULT-tre familier\n",
        encoding="utf-8",
    )
    code, _, err = krimdash("import", str(file), "--user", "Hemmelig Analytiker", db=db)
    assert code == 0, err
    code, _, err = krimdash("month", "approve", "2025-03", "--user", "raadmand", db=db)
    assert code == 0, err
    st.cache_data.clear()
    try:
        for page in ("", "ungesporet"):
            shown = html(open_as(monkeypatch, db, PUBLIC, page))
            assert "Hemmelig Analytiker" not in shown and "NOTE-SKJULT" not in shown
        inside = html(open_as(monkeypatch, db, RAADMAND, ""))
        assert "Hemmelig Analytiker" in inside  # the control: the rådmand's overview names them
    finally:
        st.cache_data.clear()
