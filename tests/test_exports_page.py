"""The export page (`?side=eksport&for=<page>`) and the reading pages' one export menu: the files
give each reader only what the page shows them (the public view protected, a committee member
the approved months, an analyst the drafts marked KLADDE), hostile address parameters get a
Danish message, and the reading pages' runs have no widget more."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from apptest import ANALYST, body, open_page
from disclosure import disclosures, shown_from_public_csv
from openpyxl import load_workbook
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from dashboard.access import Reader
from dashboard.approvals import statuses
from dashboard.catalog import load_catalog
from dashboard.cells import FORMULA_STARTS
from dashboard.db import Store
from dashboard.exports import (
    ABOUT_SHEET,
    EXPORT_COLUMNS,
    PROTECTED_MARK,
    approved_months,
    export_csv,
    public_csv,
)
from dashboard.web import exportfiles, views
from dashboard.web.settings import Settings

VIEWER = Reader(subject="udvalg", name="Udvalgsmedlem", role="viewer")
PUBLIC = Reader()
PEOPLE = {m.id for m in load_catalog().measures if m.counts_people}


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The files a run's download buttons hand out, by their file name (the media storage of
    AppTest is gone once the run ends, so they are caught as they are added)."""
    caught: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def load(self, data, mimetype, kind, filename=None):  # type: ignore[no-untyped-def]
        if filename:
            caught[filename] = data
        return original(self, data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", load)
    st.cache_data.clear()
    return caught


def _export(monkeypatch, db, reader, **params):
    at = open_page(monkeypatch, db, exportfiles.EXPORT_PAGE, reader=reader, **params)
    assert not at.exception, at.exception
    return at


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def _one(files: dict[str, bytes], suffix: str, part: str = "") -> tuple[str, bytes]:
    found = [(n, d) for n, d in files.items() if n.endswith(suffix) and part in n]
    assert found, (suffix, list(files))
    return min(found, key=lambda f: len(f[0]))  # the page's own file, not a chart's


def _draft_months(db: Path) -> set[str]:
    return {f"{m:%Y-%m}" for m, s in statuses(Store(db)).items() if s != "approved"}


def test_the_public_overview_export_is_the_public_export(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, downloads: dict[str, bytes]
) -> None:
    at = _export(monkeypatch, demo_db, PUBLIC, **{"for": "overblik"})
    name, data = _one(downloads, ".csv")
    assert re.fullmatch(r"krimdash-DEMO-overblik-2024-06-til-\d{4}-\d{2}-offentlig\.csv", name)
    # the whole period of the public view: the same file as `krimdash export --public`
    assert data == public_csv(Store(demo_db))
    rows = _rows(data)
    assert not _draft_months(demo_db) & {r["month"] for r in rows}
    shown = [int(r["value"]) for r in rows if r["measure"] in PEOPLE and r["value"] != ".."]
    assert shown and not [v for v in shown if 1 <= v <= 4]
    store = Store(demo_db)
    months = set(approved_months(store))
    truth = pd.DataFrame(
        [
            (pd.Timestamp(m), meas, cat, v)
            for m, meas, cat, v, _ in store.rows("figures_current")
            if m in months
        ],
        columns=["month", "measure", "category", "value"],
    )
    assert disclosures(truth, shown_from_public_csv(data), load_catalog(), 4) == []
    _, xlsx = _one(downloads, ".xlsx")
    book = load_workbook(io.BytesIO(xlsx))
    notes = " ".join(c.value for c in book[ABOUT_SHEET]["A"])
    assert "DEMO" in notes and "(1-4)" in notes
    assert "Overblik" in body(at) or at.title  # the page names what it exports
    assert [c.value for c in book["Tal"][1]] == EXPORT_COLUMNS


@pytest.mark.parametrize("reader", [PUBLIC, VIEWER, ANALYST], ids=["public", "viewer", "analyst"])
def test_every_file_holds_only_what_the_reader_may_see(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, downloads: dict[str, bytes], reader: Reader
) -> None:
    at = _export(monkeypatch, demo_db, reader, **{"for": "knaek_kurven"})
    drafts = _draft_months(demo_db)
    assert drafts, "init --demo leaves the latest month a draft"
    names = list(downloads)
    # the figures as CSV and XLSX, and per chart its numbers, PNG and SVG
    assert sum(n.endswith(".xlsx") for n in names) == 1
    charts = [n for n in names if n.endswith(".png")]
    assert len(charts) >= 3
    for png in charts:
        stem = png.removesuffix(".png")
        assert f"{stem}.svg" in downloads and f"{stem}.csv" in downloads
        assert downloads[png].startswith(b"\x89PNG")
        assert downloads[f"{stem}.svg"].lstrip().startswith(b"<svg")
        assert b"DEMO" in downloads[f"{stem}.svg"]  # a picture of demo figures says so
    assert all(n.startswith("krimdash-DEMO-knaek_kurven-") for n in names)
    _, data = _one(downloads, ".csv")
    rows = _rows(data)
    months = {r["month"] for r in rows}
    assert {r["measure"].split(".")[0] for r in rows} == {"knaek_kurven"}
    every = _rows(export_csv(Store(demo_db)))
    if reader is ANALYST:  # drafts and exact figures, the drafts named in the file name
        assert drafts <= months and all("KLADDE" in n for n in names)
        exact = [r for r in every if r["measure"].startswith("knaek_kurven.")]
        assert rows == exact
        return
    assert not drafts & months and not any("KLADDE" in n for n in names)
    for name, content in downloads.items():
        if name.endswith((".csv", ".svg")):
            assert not any(m in content.decode("utf-8") for m in drafts), name
    if reader is VIEWER:  # exact figures of the approved months
        exact = [
            r for r in every if r["measure"].startswith("knaek_kurven.") and r["month"] in months
        ]
        assert rows == exact
        return
    assert all(
        n.endswith(("-offentlig.csv", "-offentlig.xlsx")) or "-offentlig-" in n for n in names
    )
    shown = [
        int(r["value"]) for r in rows if r["value"] != PROTECTED_MARK and r["measure"] in PEOPLE
    ]
    assert any(r["value"] == PROTECTED_MARK for r in rows)
    assert not [v for v in shown if 1 <= v <= 4]
    assert all(r["note"].startswith("DEMO") for r in rows)  # no analyst's note
    # the numbers behind each chart of people: no count from 1 to 4 either (meetings are no
    # people: their small counts are shown; a share is a fraction, 1 is all)
    share = views.text("col_share", "da")
    for name, content in downloads.items():
        if not name.endswith(".csv") or name == _one(downloads, ".csv")[0]:
            continue
        if "screeningsmoeder-afholdt" in name or "andele" in name:
            continue
        header, *lines = csv.reader(io.StringIO(content.decode("utf-8")))
        for row in lines:
            for heading, cell in zip(header[1:], row[1:], strict=True):
                if heading != share and re.fullmatch(r"\d+", cell):
                    assert not 1 <= int(cell) <= 4, (name, row)
    assert "offentlige udgave" in " ".join(m.value for m in at.markdown)


def test_the_numbers_behind_a_chart_are_the_numbers_it_shows(
    monkeypatch: pytest.MonkeyPatch, real_db: Path, downloads: dict[str, bytes]
) -> None:
    _export(monkeypatch, real_db, ANALYST, **{"for": "knaek_kurven", "fra": "2025-01"})
    name, data = _one(downloads, ".csv", "trinene-over-tid")
    assert name == "krimdash-knaek_kurven-2025-01-KLADDE-trinene-over-tid.csv"
    header, january = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert header[0] == "Måned" and january[0] == "2025-01"
    values = dict(zip(header, january, strict=True))
    assert values["Familier drøftet på screeningsmøder"] == "19"
    assert values["Familier vurderet relevante"] == "8"
    assert values["Familier der har sagt ja"] == "3"


@pytest.mark.parametrize(
    "params",
    [
        {"for": "../../etc/passwd"},
        {"for": "<script>alert(1)</script>"},
        {"for": "x" * 5000},
        {"for": "historik"},
        {"for": '=HYPERLINK("http://x")'},
    ],
)
def test_a_hostile_page_in_the_address_gets_a_danish_message_and_no_file(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, downloads: dict[str, bytes], params
) -> None:
    at = _export(monkeypatch, demo_db, VIEWER, **params)
    assert [e.value for e in at.error] == [views.text("export_bad_page", "da")]
    assert not downloads and not at.get("download_button")
    assert "<script>" not in "".join(h.proto.body for h in at.main.html)


def test_hostile_choices_are_named_in_danish_and_the_files_say_what_is_used(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, downloads: dict[str, bytes]
) -> None:
    at = _export(
        monkeypatch,
        demo_db,
        VIEWER,
        **{"for": "ungeteam", "fra": "2099-13", "til": "<b>", "vis": "'; drop", "sprog": "xx"},
    )
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 4
    assert all("er ikke gyldig; filerne er lavet for" in w for w in warnings)
    assert not any("<b>" in w or "drop" in w for w in warnings)  # never repeated
    assert downloads  # made for the defaults instead
    assert all(n.startswith("krimdash-DEMO-ungeteam-") for n in downloads)


def test_a_viewer_asking_for_a_draft_month_gets_the_approved_ones(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, downloads: dict[str, bytes]
) -> None:
    draft = sorted(_draft_months(demo_db))[-1]
    at = _export(monkeypatch, demo_db, VIEWER, **{"for": "top100", "til": draft})
    assert any("«til»" in w.value for w in at.warning)
    for name, content in downloads.items():
        assert draft not in name
        if name.endswith(".csv"):
            assert draft not in content.decode("utf-8")


def test_the_as_of_view_is_only_for_those_who_may_go_back(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, downloads: dict[str, bytes]
) -> None:
    at = _export(monkeypatch, demo_db, VIEWER, **{"for": "top100", "pr": "2025-01-01"})
    assert "pr-" not in " ".join(downloads)  # a viewer gets today's figures, and is told so
    assert views.text("as_of_refused", "da") in "".join(h.proto.body for h in at.main.html)


@pytest.mark.parametrize("page", ["overblik", "top100", "knaek_kurven", "sammenlign"])
def test_every_reading_page_has_one_export_menu_of_plain_links_and_no_widget(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, page: str
) -> None:
    at = open_page(monkeypatch, demo_db, page, reader=VIEWER, vis="aendring")
    assert not at.exception
    html = body(at)
    assert html.count('class="kd-export"') == 1
    links = re.findall(r'<details class="kd-export">.*?</details>', html, re.S)[0]
    hrefs = re.findall(r'href="([^"]+)"', links)
    assert len(hrefs) == 2
    for href in hrefs:
        href = href.replace("&amp;", "&")
        assert href.startswith("./?side=eksport&")
        assert f"for={page}" in href and "vis=aendring" in href  # the reader's settings ride along
    # The run's elements: HTML only (a viewer has no approval button); no download button,
    # no widget of any kind.
    assert _leaf_types(at.main) <= {"html"}, _leaf_types(at.main)


def _leaf_types(node) -> set[str]:
    children = getattr(node, "children", None)
    if not children:
        return {node.type}
    found: set[str] = set()
    for child in children.values():
        found |= _leaf_types(child)
    return found


def test_the_export_page_is_not_in_the_frame_and_keeps_its_page_in_the_frames_links(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, downloads: dict[str, bytes]
) -> None:
    at = _export(monkeypatch, demo_db, VIEWER, **{"for": "top100"})
    frame = "".join(h.proto.body for h in at.main.html)
    frame = frame[: frame.index("</header>")]
    nav = re.findall(r"<nav.*?</nav>", frame, re.S)[0]
    assert "side=eksport" not in nav
    language = re.findall(r'href="([^"]*sprog=en[^"]*)"', frame)[0].replace("&amp;", "&")
    assert "side=eksport" in language and "for=top100" in language


def test_chart_files_neutralise_hostile_titles_and_keep_numbers() -> None:
    chart_source = views.ChartSource(
        chart=None,  # type: ignore[arg-type]
        data=pd.DataFrame(
            {
                "month": [pd.Timestamp("2025-01-01"), pd.Timestamp("2025-02-01")],
                "a": [5.0, None],
                "b": [0.25, 0.5],
                "b_protected": [False, True],
            }
        ),
        columns={"month": "Måned", "a": "=HYPERLINK(1)", "b": "-andel"},
    )
    lines = exportfiles.numbers_csv(chart_source).decode("utf-8").splitlines()
    assert lines == ["Måned,'=HYPERLINK(1),'-andel", "2025-01,5,0.25", "2025-02,,.."]
    assert not any(cell.startswith(tuple(FORMULA_STARTS)) for cell in lines[0].split(","))


def test_file_names_are_plain_danish() -> None:
    assert exportfiles.slug("Familier drøftet på screeningsmøder") == (
        "familier-droeftet-paa-screeningsmoeder"
    )
    assert exportfiles.slug("../../<x>") == "x"
    assert exportfiles.slug("***") == "graf"
    ctx = exportfiles.Context(
        "top100",
        Settings(months=[pd.Timestamp("2025-01-01")]),
        "approved",
        demo=False,
        drafts=frozenset(),
    )
    assert ctx.stem() == "krimdash-top100-2025-01"


def test_an_analyst_exports_the_dashboard_as_it_stood_at_a_moment(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, downloads: dict[str, bytes]
) -> None:
    from datetime import UTC, datetime, timedelta

    from dashboard.web.settings import moment_param

    moment = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
    at = _export(monkeypatch, demo_db, ANALYST, **{"for": "top100", "pr": moment_param(moment)})
    stamp = f"-pr-{config_local(moment)}"
    assert downloads and all(stamp in name for name in downloads)
    _, xlsx = _one(downloads, ".xlsx")
    notes = [c.value for c in load_workbook(io.BytesIO(xlsx))[ABOUT_SHEET]["A"]]
    assert any(n.startswith("Tallene, som de stod den ") for n in notes)
    html = "".join(h.proto.body for h in at.main.html).replace("&amp;", "&")
    # the as-of banner's link to today's figures stays on this page's export
    now_link = re.findall(r'<div class="kd-banner kd-asof".*?href="([^"]+)"', html, re.S)[0]
    assert "side=eksport" in now_link and "for=top100" in now_link and "pr=" not in now_link


def config_local(moment) -> str:
    from dashboard.config import local_time

    return local_time(moment, "%Y-%m-%d-%H%M")
