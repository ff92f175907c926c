"""Historik and the dashboard as it stood at a moment (issue 10, item 5): the audit log and a
figure's revisions in the app for those who see drafts, the `pr=` address on every reading page
(figures and month statuses of that moment, marked by a banner), refused for a viewer and the
public view, and hostile values of `pr` giving a Danish message and today's view."""

from __future__ import annotations

import html as markup
import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
import streamlit as st
from apptest import body, html, open_page
from streamlit.testing.v1 import AppTest
from test_signin import run_as

from dashboard import access, accesslog, approvals, history
from dashboard.access import Reader
from dashboard.db import Store
from dashboard.imports import import_file, retract
from dashboard.web import appdata, auth
from dashboard.web.history_view import FIGURE_ROWS, figure_block
from dashboard.web.settings import (
    AS_OF,
    PAGE,
    BadMoment,
    moment_param,
    parse_moment,
)
from dashboard.web.texts import text

ANALYST = Reader(subject="analytiker", name="Analytiker", role="analyst")
RAADMAND = Reader(subject="raadmand", name="Rådmand", role="raadmand")
ADMIN = Reader(subject="admin", name="Admin", role="admin")
VIEWER = Reader(subject="udvalg", name="Udvalgsmedlem", role="viewer")
PUBLIC = Reader()

MONTH, MEASURE = "2025-11", "top100.called_in"  # approved in the demo database; 48 there
OLD, NEW = 48, 4321
# What an analyst wrote: a file name and a note with markup in them.
FILE_NAME = 'rettelse <b>nov<i> & "x".csv'
NOTE = "Rettet efter <script>alert(1)</script> & genoptælling"
BANNER = "Sådan så dashboardet ud"
# A later retraction of another figure, by a user whose name has markup in it.
RETRACTED = (pd.Timestamp("2024-06-01").date(), "knaek_kurven.accepted", "")
HOSTILE_USER = '<i>ond</i> "bruger" & co'


@pytest.fixture(scope="module")
def corrected(tmp_path_factory: pytest.TempPathFactory, demo_db: Path) -> tuple[Path, int]:
    """The demo database with November 2025's TOP100 'called in' corrected from 48 to 4321 by
    an analyst (the warnings acknowledged with a note); (the database, the correction's batch)."""
    folder = tmp_path_factory.mktemp("corrected")
    db = folder / demo_db.name
    shutil.copy(demo_db, db)
    if (wal := demo_db.with_name(demo_db.name + ".wal")).exists():
        shutil.copy(wal, folder / wal.name)
    file = folder / FILE_NAME
    file.write_text(f"month,measure,category,value,note\n{MONTH},{MEASURE},,{NEW},optalt\n")
    store = Store(db)
    result = import_file(
        store, file, user="analytiker", role="analyst", accept_warnings=True, note=NOTE
    )
    assert result.status == "saved", (result.errors, result.warnings)
    number = history.batches(store, 1)[0].id
    retract(store, [RETRACTED], user=HOSTILE_USER, role="analyst", note="fejl <u>i</u> kilden")
    # the public view stays on with a real figure among the demo ones, for the anonymous reader
    access.set_public(store, True, user="admin", role="admin")
    return db, number


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def _text(page: str) -> str:
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    return markup.unescape(re.sub(r"<[^>]+>", " ", page))


def _ok(at: AppTest) -> str:
    assert not at.exception, at.exception
    return html(at)


def _links(page: str) -> list[str]:
    return [markup.unescape(h) for h in re.findall(r'href="([^"]*)"', page)]


def _moment(link: str) -> str | None:
    """The moment a link's address asks for (`pr=`), or None."""
    return parse_qs(urlsplit(link).query).get(AS_OF, [None])[0]


# --- the data: one home for `krimdash log` and the page ------------------------------------


def test_the_log_and_a_figures_revisions_give_who_when_what_and_old_to_new(corrected) -> None:
    db, number = corrected
    store = Store(db)
    batch = history.batch(store, number)
    assert batch is not None
    assert (batch.user, batch.action, batch.file_name, batch.note) == (
        "analytiker", "import", FILE_NAME, NOTE,
    )  # fmt: skip
    assert (batch.new, batch.changed) == (0, 1)
    assert batch.warnings, "the correction's jump was acknowledged with a note"
    assert len(batch.file_sha256 or "") == 64
    revisions = history.figure_revisions(store, pd.Timestamp(MONTH).date(), MEASURE, "")
    assert [(r.old, r.new) for r in revisions] == [(OLD, NEW), (None, OLD)]
    assert revisions[0].batch_id == number and revisions[0].note == "optalt"
    (written,) = history.batch_revisions(store, batch, 10)
    assert (written.measure, written.old, written.new) == (MEASURE, OLD, NEW)
    total, figures = history.counts(store, number)
    assert (total, figures) == (len(store.rows("batches")), 1)


def test_krimdash_log_shows_the_correction_from_the_same_data(corrected, krimdash) -> None:
    db, number = corrected
    code, out, err = krimdash("log", "--limit", "2", db=db)
    assert code == 0, err
    retraction, line = out.strip().splitlines()
    assert line.startswith(f"#{number} | ")
    assert retraction.startswith(f"#{number + 1} | ") and "tilbagetrukne 1" in retraction
    assert "| analytiker | indlæsning | " in line
    assert "nye 0, ændrede 1, uændrede 0, tilbagetrukne 0" in line
    assert f"note: {NOTE}" in line and FILE_NAME in line


# --- the Historik page ----------------------------------------------------------------------


@pytest.mark.parametrize("reader", [ANALYST, RAADMAND, ADMIN], ids=lambda r: r.role)
def test_historik_lists_the_batch_with_its_warnings_and_note(
    monkeypatch, corrected, reader
) -> None:
    db, number = corrected
    at = open_page(monkeypatch, db, "historik", reader=reader)
    page = _ok(at)
    shown = _text(body(at))
    assert "Historik" in shown and "Revisionsspor" in shown
    assert f"nr. {number}" in shown
    assert FILE_NAME in shown and NOTE in shown  # as text ...
    assert "<script>" not in page and "<b>nov" not in page  # ... never as markup
    warning = history.batch(Store(db), number).warnings[0]
    assert warning in shown
    assert "ændrede 1" in shown and "analytiker" in shown
    # the frame lists the page
    assert "./?side=historik" in page


def test_a_batch_shows_the_figures_it_wrote_old_to_new(monkeypatch, corrected) -> None:
    db, number = corrected
    at = open_page(monkeypatch, db, "historik", nr=str(number))
    shown = re.sub(r"\s+", " ", _text(body(at) if _ok(at) else ""))
    assert f"Batch nr. {number}" in shown
    assert f"{OLD} → 4.321" in shown
    # links to the dashboard just before and just after the batch
    moments = [_moment(link) for link in _links(html(at))]
    batch = history.batch(Store(db), number)
    assert moment_param(batch.before) in moments and moment_param(batch.created_at) in moments


def test_a_picked_figure_shows_every_revision_old_to_new(monkeypatch, corrected) -> None:
    db, number = corrected
    at = open_page(monkeypatch, db, "historik")
    _ok(at)
    at.selectbox(key="h_ini").set_value("top100").run()
    at.selectbox(key="h_measure").set_value(MEASURE).run()
    at.selectbox(key="h_category").set_value("").run()
    at.selectbox(key="h_month").set_value(pd.Timestamp(MONTH).date()).run()
    page = _ok(at)
    revisions = page[page.rindex('<div class="kd kd-history">') :]
    shown = re.sub(r"\s+", " ", _text(revisions))
    assert f"{OLD} → 4.321" in shown  # the correction: old → new
    assert f"– → {OLD}" in shown  # the first figure: nothing before it
    assert shown.index("4.321") < shown.index(f"– → {OLD}")  # newest first
    assert f"nr. {number}" in shown and "optalt" in shown and NOTE in shown
    assert "<script>" not in revisions


def test_a_retraction_and_its_users_name_show_as_text(monkeypatch, corrected) -> None:
    db, number = corrected
    (latest,) = history.batches(Store(db), 1)
    assert (latest.user, latest.retracted) == (HOSTILE_USER, 1)
    at = open_page(monkeypatch, db, "historik", nr=str(latest.id))
    page = _ok(at)
    shown = re.sub(r"\s+", " ", _text(body(at)))
    assert HOSTILE_USER in shown and "tilbagetrukne 1" in shown and "fejl <u>i</u> kilden" in shown
    assert "<i>ond" not in page and "<u>i</u>" not in page
    assert "→ trukket tilbage" in shown  # old → retracted
    # the dashboard just before the retraction still has the figure, now it does not
    kept = appdata.figures("drafts", "knaek_kurven", as_of=latest.before)
    gone = appdata.figures("drafts", "knaek_kurven")
    for rows, count in ((kept, 1), (gone, 0)):
        hit = (rows["measure"] == RETRACTED[1]) & (rows["month"] == pd.Timestamp(RETRACTED[0]))
        assert int(hit.sum()) == count


def test_the_log_is_paged(monkeypatch, corrected) -> None:
    db, _ = corrected
    total = history.counts(Store(db))[0]
    at = open_page(monkeypatch, db, "historik")
    _ok(at)
    shown = _text(body(at))
    assert f"Viser 1–{min(total, 25)} af {total}" in shown
    for hostile in ("0", "-1", "999999999999", "x<b>", "1" * 5000, "2\x00"):
        at = open_page(monkeypatch, db, "historik", logside=hostile, nr=hostile, nrside=hostile)
        page = _ok(at)
        assert "Revisionsspor" in page and "<b>" not in body(at)


@pytest.mark.parametrize("reader", [VIEWER, PUBLIC], ids=["viewer", "anonymous"])
def test_a_viewer_and_an_anonymous_reader_cannot_reach_historik(
    monkeypatch, corrected, reader
) -> None:
    db, number = corrected
    at = open_page(monkeypatch, db, "historik", reader=reader, nr=str(number))
    page = _ok(at)
    assert "Revisionsspor" not in page and "Historik" not in _text(page)
    assert "side=historik" not in page
    assert NOTE not in markup.unescape(page) and FILE_NAME not in markup.unescape(page)


# --- the dashboard as it stood at a moment --------------------------------------------------


def _before(db: Path, number: int) -> str:
    return moment_param(history.batch(Store(db), number).before)


@pytest.mark.parametrize("page", ["overblik", "top100", "sammenlign"])
def test_every_reading_page_shows_the_old_value_as_of_a_moment_and_is_marked(
    monkeypatch, corrected, page
) -> None:
    db, number = corrected
    now = open_page(monkeypatch, db, page, fra="2025-06", til="2025-11")
    assert BANNER not in _ok(now)
    then = open_page(monkeypatch, db, page, fra="2025-06", til="2025-11", pr=_before(db, number))
    shown = _text(body(then) if _ok(then) else "")
    assert BANNER in shown and "ikke de aktuelle tal" in shown
    # a link back to now: the same page without the moment
    back = [link for link in _links(html(then)) if _moment(link) is None and "fra=" in link]
    assert back
    # every link of the frame keeps the moment
    frame_links = [link for link in _links(html(then)) if "vis=" in link]
    kept = [link for link in frame_links if _moment(link) is not None]
    assert frame_links and len(kept) >= len(frame_links) - 1
    if page == "top100":
        assert "4.321" in _text(body(now)) and "4.321" not in shown


def test_the_as_of_view_reads_figures_and_month_status_of_that_moment(
    monkeypatch, corrected
) -> None:
    db, number = corrected
    store = Store(db)
    moment = history.batch(store, number).before
    monkeypatch.setenv("KRIMDASH_DB", str(db))
    month = pd.Timestamp(MONTH)

    def value(as_of):
        rows = appdata.figures("drafts", "top100", as_of=as_of)
        rows = rows[
            (rows["measure"] == MEASURE) & (rows["category"] == "") & (rows["month"] == month)
        ]
        return int(rows["value"].iloc[0])

    assert (value(moment), value(None)) == (OLD, NEW)
    # the correction sent the approved month back to kladde; before it, it was approved
    assert month in approvals.approved_months(store, moment)
    assert month not in approvals.approved_months(store)
    assert month not in appdata.draft_months("drafts", moment)
    assert month in appdata.draft_months("drafts")
    # before the first batch there was nothing
    first = history.batches(store, 1, len(store.rows("batches")) - 1)[0]
    assert appdata.available_months("drafts", first.before) == []


def test_the_page_before_the_correction_marks_the_month_approved_and_after_kladde(
    monkeypatch, corrected
) -> None:
    db, number = corrected
    then = open_page(monkeypatch, db, "overblik", maaned=MONTH, pr=_before(db, number))
    now = open_page(monkeypatch, db, "overblik", maaned=MONTH)
    label = "november 2025 (KLADDE)"
    assert label in _text(_ok(now)) and label not in _text(_ok(then))


@pytest.mark.parametrize("reader", [VIEWER, PUBLIC], ids=["viewer", "anonymous"])
@pytest.mark.parametrize("page", ["overblik", "top100", "sammenlign"])
def test_a_viewer_and_the_public_view_get_todays_figures_and_a_danish_message(
    monkeypatch, corrected, reader, page
) -> None:
    db, number = corrected
    at = open_page(monkeypatch, db, page, reader=reader, pr=_before(db, number))
    page_html = _ok(at)
    shown = _text(page_html)
    assert BANNER not in shown
    assert text("as_of_refused", "da") in shown
    assert not [link for link in _links(page_html) if _moment(link)]  # no link carries it on
    # and nothing from the past: the figures are today's, as this reader sees them today
    today = _text(_ok(open_page(monkeypatch, db, page, reader=reader)))
    assert shown.replace(text("as_of_refused", "da"), "").split() == today.split()


HOSTILE = [
    "garbage",
    "0001-01-01",
    "1999-12-31T23:59",
    "9999-12-31T23:59",
    (datetime.now() + timedelta(days=400)).strftime("%Y-%m-%dT%H:%M"),
    "2026-13-45",
    "2026-01-05T25:00",
    "9" * 100_000,
    "2026-01-05\x00T10:00",
    "2026-01-05\nT10:00",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "2026-01-05T10:00:00.1234567",
    "",
]


@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v[:30]))
def test_a_hostile_moment_gives_a_danish_message_and_todays_view(
    monkeypatch, corrected, value
) -> None:
    db, _ = corrected
    at = open_page(monkeypatch, db, "top100", pr=value)
    page = _ok(at)
    shown = _text(page)
    assert BANNER not in shown
    assert "Her er de aktuelle tal." in shown
    assert "4.321" in shown  # today's figures
    assert "alert(1)" not in page and "onerror" not in page  # the value is never echoed
    assert "9" * 100 not in page


def test_parse_moment_reads_what_moment_param_writes_and_nothing_else() -> None:
    now = datetime(2026, 12, 1)
    for moment in (
        datetime(2026, 1, 5, 9, 0),
        datetime(2025, 10, 26, 0, 30),  # 02:30 summer time
        datetime(2025, 10, 26, 1, 30, 5),  # 02:30:05 winter time: the hour that comes twice
        datetime(2025, 3, 30, 1, 0, 0, 5),
    ):
        assert parse_moment(moment_param(moment), now) == moment
    assert parse_moment("2026-01-05T10:00", now) == datetime(2026, 1, 5, 9, 0)
    assert parse_moment("2026-01-05", now) == datetime(2026, 1, 4, 23, 0)
    for value, key in [
        ("2026-12-02", "as_of_range"),
        ("1999-01-01", "as_of_range"),
        ("5. januar 2026", "as_of_invalid"),
        ("2026-02-30", "as_of_invalid"),
    ]:
        with pytest.raises(BadMoment) as caught:
            parse_moment(value, now)
        assert caught.value.key == key


# --- through the real sign-in (st.user and the role in the database) ------------------------


@pytest.fixture
def log(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """What the gate writes to the access log: (event, who, role, target, ok)."""
    rows: list[tuple] = []

    def record(event, *, who, role, what="", target="", ok=True):
        rows.append((event, who, role, target, ok))

    monkeypatch.setattr(accesslog, "record", record)
    monkeypatch.setattr(auth, "SESSIONS_LOGGED", set())
    return rows


@pytest.mark.parametrize(
    ("sub", "allowed"),
    [("analytiker", True), ("raadmand", True), ("admin", True), ("udvalg", False), (None, False)],
)
def test_signed_in_roles_reach_historik_and_the_past_and_the_others_do_not(
    monkeypatch, corrected, log, sub, allowed
) -> None:
    db, number = corrected
    at = run_as(monkeypatch, db, sub, **{PAGE: "historik"})
    assert ("Revisionsspor" in html(at)) is allowed
    at = run_as(monkeypatch, db, sub, **{PAGE: "top100", AS_OF: _before(db, number)})
    shown = _text(html(at))
    assert (BANNER in shown) is allowed
    assert (text("as_of_refused", "da") in shown) is not allowed
    if not allowed:
        assert (
            "page_refused",
            sub or "",
            None if sub is None else "viewer",
            "historik",
            False,
        ) in log


def test_one_figures_revisions_are_bounded_and_the_log_has_a_batch_form(
    monkeypatch, corrected
) -> None:
    db, number = corrected
    store = Store(db)
    (first,) = history.figure_revisions(store, pd.Timestamp("2025-10-01").date(), MEASURE, "")
    many = [first] * (FIGURE_ROWS + 50)
    block = figure_block(many, appdata_catalog(monkeypatch, db), "da")
    assert block.count("<tr>") == FIGURE_ROWS + 1  # the header and the newest FIGURE_ROWS
    assert f"Viser 1–{FIGURE_ROWS} af {FIGURE_ROWS + 50}" in block
    at = open_page(monkeypatch, db, "historik")
    form = re.search(r"<form method=\"get\".*?</form>", body(at) if _ok(at) else "").group(0)
    assert 'name="side" value="historik"' in form and 'name="nr"' in form


def appdata_catalog(monkeypatch, db: Path):
    monkeypatch.setenv("KRIMDASH_DB", str(db))
    return appdata.catalog()


def test_the_dashboard_before_the_first_batch_is_empty_and_marked(monkeypatch, corrected) -> None:
    db, _ = corrected
    store = Store(db)
    (first,) = history.batches(store, 1, len(store.rows("batches")) - 1)
    for page in ("overblik", "top100", "sammenlign"):
        at = open_page(monkeypatch, db, page, pr=moment_param(first.before))
        shown = _text(_ok(at)) + " ".join(m.value for m in at.markdown)
        assert BANNER in shown, page
        assert "4.321" not in shown and not re.search(r"\d{2}\.\d{2}\.\d{4}", shown)  # no figure
        if page != "top100":
            assert text("no_figures", "da") in shown
