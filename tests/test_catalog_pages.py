"""The pages read one catalog, the one `krimdash init` loaded: editing the catalog file without
running init crashes no page, and every page says that init is needed (AppTest)."""

from __future__ import annotations

import re
from pathlib import Path

import apptest
import duckdb
import pytest
from apptest import body, sidebar
from streamlit.testing.v1 import AppTest

from dashboard.catalog import load_catalog
from dashboard.config import DEFAULT_CATALOG
from dashboard.db import Store
from dashboard.demo import DEMO_PATH
from dashboard.imports import import_file
from dashboard.reference import load_reference
from dashboard.web.texts import text

NEW_MEASURE = """
[[measures]]
id = "top100.mentors"
initiative = "top100"
label_da = "Mentorforløb (nyt i kataloget)"
kind = "flow"
key = true
categories = [{ id = "ung", label_da = "Unge" }]

[[initiatives]]
id = "nyt"
name_da = "Ny indsats"

[[measures]]
id = "nyt.x"
initiative = "nyt"
label_da = "Ny måling"
kind = "stock"
key = true
"""
NEW_FIGURES = (
    "month,measure,category,value,note\n"
    "2025-11,top100.mentors,,3,\n2025-12,top100.mentors,,5,\n2025-12,top100.mentors,ung,2,\n"
    "2024-12,nyt.x,,1,\n2025-12,nyt.x,,4,\n"
)


def edited_catalog(folder: Path) -> Path:
    """The catalog with a new measure (with figures), a new initiative, a removed measure that
    has figures, a measure moved to another initiative and a key figure that is no longer one."""
    original = DEFAULT_CATALOG.read_text(encoding="utf-8")
    edited = re.sub(
        r'\[\[measures\]\]\nid = "ungesporet\.activities".*?(?=\n\[\[)', "", original, flags=re.S
    )
    edited = edited.replace(
        'id = "top100.called_in"\ninitiative = "top100"',
        'id = "top100.called_in"\ninitiative = "ungeteam"',
    )
    edited = edited.replace(
        'kind = "cumulative"\nkey = true', 'kind = "cumulative"\nkey = false', 1
    )
    assert edited.count("[[measures]]") == original.count("[[measures]]") - 1
    path = folder / "catalog.toml"
    path.write_text(edited + NEW_MEASURE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo database loaded by init, then the catalog file edited and figures imported for
    the new measures (the import checks against the file), but no init since."""
    folder = tmp_path_factory.mktemp("catalog-edited")
    store = Store(folder / "k.duckdb")
    load_reference(store, user="test", demo=True)
    result = import_file(
        store,
        DEMO_PATH,
        user="test",
        role="analyst",
        accept_warnings=True,
        note="demo",
        is_demo=True,
    )
    assert result.status == "saved", result.errors
    catalog = edited_catalog(folder)
    new = folder / "nye.csv"
    new.write_text(NEW_FIGURES, encoding="utf-8")
    result = import_file(
        store,
        new,
        user="test",
        role="analyst",
        accept_warnings=True,
        note="ny",
        catalog=load_catalog(catalog),
    )
    assert result.status == "saved", result.errors
    return store.path


def open_page(monkeypatch, db: Path, catalog: Path, page: str, **params: str) -> AppTest:
    at = apptest.open_page(monkeypatch, db, page, catalog=catalog, **params)
    assert not at.exception, at.exception[0].message if at.exception else ""
    return at


def warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


PAGES = ["overblik", "top100", "knaek_kurven", "ungeteam", "ungesporet", "sammenlign"]


@pytest.mark.parametrize("page", PAGES)
def test_an_edited_catalog_without_init_crashes_no_page_and_says_init_is_needed(
    monkeypatch, demo_db: Path, page: str
) -> None:
    at = open_page(
        monkeypatch, demo_db, demo_db.with_name("catalog.toml"), page, a="2024-12", b="2025-12"
    )
    assert warnings(at) == [text("needs_init_catalog", "da")]
    assert "krimdash init" in warnings(at)[0]
    html = body(at)
    assert "DEMO" in html
    # The pages show the catalog init loaded: the new measure and initiative are not there yet,
    # the removed measure still is.
    assert "Mentorforløb" not in html + sidebar(at)
    assert "Ny indsats" not in sidebar(at)
    if page == "ungesporet":
        assert "Aktiviteter" in html


def test_the_notice_speaks_english_when_asked(monkeypatch, demo_db: Path) -> None:
    at = open_page(monkeypatch, demo_db, demo_db.with_name("catalog.toml"), "top100", lang="en")
    assert warnings(at) == [text("needs_init_catalog", "en")]


def test_a_catalog_file_that_cannot_be_read_crashes_no_page(
    monkeypatch, demo_db: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "catalog.toml"
    broken.write_text('[[measures]]\nid = "uden slut', encoding="utf-8")
    for page, shown in (("overblik", "DEMO"), ("top100", "Screenede sager")):
        at = open_page(monkeypatch, demo_db, broken, page)
        assert warnings(at) == [text("needs_init_catalog", "da")]
        assert shown in body(at)


def test_after_init_the_pages_show_the_edited_catalog_and_no_notice(
    monkeypatch, demo_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "k.duckdb"
    db.write_bytes(demo_db.read_bytes())
    catalog = demo_db.with_name("catalog.toml")
    load_reference(Store(db), user="test", catalog=load_catalog(catalog), demo=True)  # = init
    at = open_page(monkeypatch, db, catalog, "top100")
    assert warnings(at) == []
    assert "Mentorforløb (nyt i kataloget)" in body(at)
    at = open_page(monkeypatch, db, catalog, "nyt")
    assert "Ny måling" in body(at)


def test_a_database_from_an_older_krimdash_shows_the_file_and_says_init_is_needed(
    monkeypatch, demo_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "k.duckdb"
    db.write_bytes(demo_db.read_bytes())
    with duckdb.connect(str(db)) as conn:  # as schema version 2 left it
        conn.execute("drop table catalog_snapshot")
        conn.execute("delete from schema_version where version >= 3")
    catalog = demo_db.with_name("catalog.toml")
    # The file's catalog, which the database's tables do not match: still no page crashes.
    for page in [*PAGES, "nyt"]:
        at = open_page(monkeypatch, db, catalog, page)
        assert warnings(at) == [text("needs_init_upgrade", "da")]
        assert "DEMO" in body(at)
