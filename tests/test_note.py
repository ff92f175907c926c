"""The monthly note (dashboard/note.py, note_html.py, `krimdash report`): the January 2025 note in
HTML and PDF holds the real figures, the three headings, the month's text and events, and KLADDE
on every page until the rådmand approves January; the public note shows no count from 1 to 4
and nothing an outsider can work one out from (tests/disclosure.py's attacker); text a person
wrote stays text; every bad input to the command is a Danish message without a traceback."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import real_january
from conftest import Krimdash
from disclosure import disclosures, shown_table
from pypdf import PdfReader

from dashboard import content
from dashboard.approvals import approved_months
from dashboard.db import Store
from dashboard.months import month_label
from dashboard.note import NoteUnavailable, build_note
from dashboard.note_html import note_html, note_pdf
from dashboard.reference import loaded_catalog
from dashboard.web import views

JANUARY = "2025-01"
HEADINGS = ("Personale og organisation", "Strategier og udvikling", "Status på indsatser")
# The figures the January 2025 note reports (DOMAIN.md): screened, discussed, relevant, cases.
JANUARY_FIGURES = {
    "top100.screened": 68,
    "knaek_kurven.discussed": 19,
    "knaek_kurven.relevant": 8,
    "ungeteam.cases": 45,
}


def words(text: str) -> str:
    """Text with every run of white space as one space (a PDF breaks lines anywhere)."""
    return re.sub(r"\s+", " ", text).strip()


def html_text(html: bytes) -> str:
    """What a reader reads in the HTML: the text without tags, entities resolved."""
    from html import unescape

    body = html.decode("utf-8")
    body = re.sub(r"<style.*?</style>", " ", body, flags=re.S)
    return words(unescape(re.sub(r"<[^>]+>", " ", body)))


def pdf_pages(data: bytes) -> list[str]:
    return [words(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def figure_cells(html: bytes) -> dict[str, tuple[str, str]]:
    """The note's figure tables: label -> (value, comparison), as the HTML shows them."""
    from html import unescape

    rows = re.findall(
        r'<tr><th scope="row">(.*?)</th><td class="n">(.*?)</td><td class="kd-compare">(.*?)</td>',
        html.decode("utf-8"),
    )
    return {unescape(a): (unescape(b), unescape(c)) for a, b, c in rows}


def month_events(db: Path) -> pd.DataFrame:
    events = content.events(Store(db))
    dates = pd.to_datetime(events["event_date"])
    return events[(dates >= "2025-01-01") & (dates < "2025-02-01")]


# --- the January 2025 note -------------------------------------------------------------------


def docx_pages(data: bytes) -> list[str]:
    """The DOCX read back with python-docx: its paragraphs and table cells as one text, and each
    section's page header (Word repeats a section's header on every page of it); the headings
    must be real Word headings."""
    import docx

    document = docx.Document(io.BytesIO(data))
    headings = {p.text for p in document.paragraphs if p.style.name.startswith("Heading")}
    for heading in HEADINGS:
        assert heading in headings, heading
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    body = words(" ".join([p.text for p in document.paragraphs] + cells))
    headers = [words(" ".join(p.text for p in s.header.paragraphs)) for s in document.sections]
    return [f"{header} {body}" for header in headers]


@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
def test_the_january_note_holds_the_figures_headings_and_events_marked_kladde(
    real_db: Path, krimdash: Krimdash, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"notat.{fmt}"
    code, said, err = krimdash("report", "--month", JANUARY, "--format", fmt, "-o", out, db=real_db)
    assert code == 0, err
    assert "KLADDE" in said and str(out) in said
    data = out.read_bytes()
    if fmt == "html":
        pages = [html_text(data)]
        cells = figure_cells(data)
        catalog = loaded_catalog(Store(real_db))
        for measure, value in JANUARY_FIGURES.items():
            assert value == real_january.value(measure)
            assert cells[catalog.measure(measure).label("da")][0] == str(value), measure
    elif fmt == "pdf":
        assert data.startswith(b"%PDF-")
        pages = pdf_pages(data)
        assert len(pages) >= 2
    else:
        pages = docx_pages(data)
    text = " ".join(pages)
    title = "Månedlig orientering på det kriminalpræventive område – januar 2025"
    assert title in text
    for heading in HEADINGS:
        assert heading in text, heading
    for value in JANUARY_FIGURES.values():
        assert re.search(rf"(?<![\d.,]){value}(?![\d.,]\d)", text), value
    for initiative in ("TOP100", "Knæk Kurven", "Det Opsøgende Ungeteam", "Ungesporet"):
        assert initiative in text
    assert "Status januar 2025:" in text
    events = month_events(real_db)
    assert len(events) >= 3, "the catalog's events of January 2025"
    for title_da in events["title_da"]:
        assert words(title_da) in text, title_da
    # KLADDE while January is not approved: on every page.
    assert all("KLADDE" in page for page in pages)
    assert not approved_months(Store(real_db))


def test_after_approval_the_note_has_no_kladde(
    real_db: Path, own_copy, krimdash: Krimdash, tmp_path: Path
) -> None:
    db = own_copy(real_db)
    assert krimdash("month", "approve", JANUARY, db=db).code == 0
    for fmt in ("html", "pdf"):
        out = tmp_path / f"notat.{fmt}"
        code, said, err = krimdash("report", "--month", JANUARY, "--format", fmt, "-o", out, db=db)
        assert code == 0, err
        assert "KLADDE" not in said
        data = out.read_bytes()
        text = html_text(data) if fmt == "html" else " ".join(pdf_pages(data))
        assert "68" in text and "Status på indsatser" in text
        assert "KLADDE" not in text, fmt
        if fmt == "html":
            assert b"KLADDE" not in data
    note = build_note(Store(db), JANUARY, images=False)
    assert not note.draft and not note.demo


def test_the_pdf_embeds_its_fonts_and_keeps_the_danish_letters(real_db: Path) -> None:
    data = note_pdf(build_note(Store(real_db), JANUARY, images=False))
    reader = PdfReader(io.BytesIO(data))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            descriptor = descriptor.get_object()
            fonts[str(font["/BaseFont"])] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    assert fonts and all(fonts.values()), fonts
    assert any("DejaVu" in name for name in fonts)
    text = " ".join(pdf_pages(data))
    for danish in (
        "kriminalpræventive område",
        "Knæk Kurven",
        "Det Opsøgende Ungeteam",
        "rådmanden",
    ):
        assert danish in text, danish


def test_the_months_text_stands_under_its_heading_in_the_notes_order(
    real_db: Path, own_copy
) -> None:
    db = own_copy(real_db)
    store = Store(db)
    texts = {
        content.PERSONALE: "Flytningen af de to enheder er fuldt implementeret.\n\nStillingen er i opslag.",
        content.STRATEGIER: "Der er pt. en budrunde i gang.",
        f"{content.STATUS}knaek_kurven": "Processen efter screening er startet op i januar 2025.",
    }
    content.save_month_text(store, JANUARY, texts, user="FAS", role="analyst")
    note = build_note(store, JANUARY, images=False)
    assert [s.heading for s in note.sections] == list(HEADINGS[:2])
    assert note.sections[0].text.startswith("Flytningen")
    knaek = next(i for i in note.initiatives if i.initiative_id == "knaek_kurven")
    assert knaek.text == texts[f"{content.STATUS}knaek_kurven"]
    for data in (html_text(note_html(note)), " ".join(pdf_pages(note_pdf(note)))):
        order = [
            data.index(x)
            for x in (
                "Personale og organisation",
                "Flytningen af de to enheder",
                "Stillingen er i opslag",
                "Strategier og udvikling",
                "budrunde",
                "Status på indsatser",
                "Knæk Kurven",
                "Processen efter screening",
                "Det Opsøgende Ungeteam",
            )
        ]
        assert order == sorted(order)
    # Two paragraphs stay two paragraphs.
    assert "implementeret.</p><p>Stillingen" in note_html(note).decode("utf-8")


def test_the_key_figures_are_the_overviews(demo_db: Path) -> None:
    """Each key figure of the note is the overview's tile (series.key_tiles and
    views.tile_comparison) for the same month and figures."""
    from dashboard.audience import restricted
    from dashboard.web import series

    store = Store(demo_db)
    catalog = loaded_catalog(store)
    month = pd.Timestamp(2025, 11, 1)
    note = build_note(store, month.date(), images=False)
    every = store.query(
        "figure_series",
        {"initiative": None, "key_only": False, "month": None, "max_note": 1000},
    )
    rows = restricted(every, [pd.Timestamp(m) for m in approved_months(store)], "drafts", catalog)
    rows = rows.assign(month=pd.to_datetime(rows["month"]))
    tiles = series.key_tiles(rows[rows["measure"].isin({"top100.screened"})], catalog, month)
    change, basis = views.tile_comparison(tiles[0], "da")
    top100 = next(i for i in note.initiatives if i.initiative_id == "top100")
    figure = next(k for k in top100.key_figures if k.label == "Screenede sager")
    assert figure.value == str(tiles[0].value)
    assert figure.comparison.startswith(change) and basis[1:] in figure.comparison
    assert note.demo and note.draft is False
    # Every initiative with figures has a chart, drawn (SVG) and as PNG for Word.
    for part in note.initiatives:
        assert part.chart is not None, part.name
        assert part.chart.svg.startswith("<svg") and "<path" in part.chart.svg
        assert json.loads(part.chart.spec_json)["$schema"].startswith("https://vega.github.io")
    full = build_note(store, month.date())
    png = full.initiatives[0].chart.png
    assert png.startswith(b"\x89PNG")
    assert int.from_bytes(png[16:20], "big") >= 1800, "print resolution: 3x the drawn width"


def test_a_draft_month_is_marked_and_the_demo_too(demo_db: Path) -> None:
    store = Store(demo_db)
    note = build_note(store, "2025-12", images=False)
    assert note.draft and note.demo
    html = note_html(note)
    assert html.count(b"KLADDE") >= 2 and b"DEMO" in html
    pages = pdf_pages(note_pdf(note))
    assert all("KLADDE" in page and "DEMO" in page for page in pages), pages


# --- the public note -------------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.,−+±-])([+−±]?)(\d{1,3}(?:\.\d{3})*)(?:,\d+)?(?![\d-]|-måneders)")
_SHOWN_AT = re.compile(r"([a-zæøå]+\.? \d{4})\)?: ([−]?[\d.]+)(?:\)|$)")


def _number(text: str) -> int:
    return int(text.replace(".", "").replace("−", "-").replace("+", "").replace("±", ""))


def note_table(note, catalog) -> pd.DataFrame:
    """What an outsider reads from a note as a table (month, measure, category, value; <NA> for
    '..'), with the changes the note shows: the charts' data (their Vega-Lite specs hold every
    point drawn), each figure of the month, and what its comparison gives (the change from the
    month before, and the value it compares with)."""
    months = {
        month_label(m, short=True): pd.Timestamp(m)
        for m in pd.date_range("2023-01-01", "2027-12-01", freq="MS").date
    }
    long_months = {month_label(m): pd.Timestamp(m) for m in months.values()}
    label_of = {m.label("da"): m for m in catalog.measures}
    values: dict[tuple, object] = {}
    changes: dict[tuple, int] = {}
    for part in note.initiatives:
        if part.chart is not None:
            spec = json.loads(part.chart.spec_json)
            for rows in spec.get("datasets", {}).values():
                for row in rows:
                    if "measure" in row and row.get("value") is not None:
                        key = (pd.Timestamp(row["month"][:10]), row["measure"], "")
                        values[key] = int(row["value"])
                    elif "at" in row:  # a protected point: ".." where it would be
                        for part_text in row["description"].split(" · "):
                            when, label = part_text.split(f": {views.PROTECTED} – ")
                            key = (long_months[when], label_of[label].id, "")
                            values.setdefault(key, pd.NA)
        for figure in part.key_figures:
            label = re.sub(r" \([a-zæøå]+\.? \d{4}\)$", "", figure.label)
            measure = label_of[label]
            key = (pd.Timestamp(note.month), measure.id, "")
            values[key] = pd.NA if figure.value == views.PROTECTED else _number(figure.value)
            found = _NUMBER.search(figure.comparison)
            if found and figure.comparison.split(" (")[0].endswith(
                (
                    "nye i " + month_label(note.month),
                    "siden "
                    + month_label(
                        (pd.Timestamp(note.month) - pd.DateOffset(months=1)).date(), short=True
                    ),
                )
            ):
                changes[key] = _number(found.group(1) + found.group(2))
                before = (key[0] - pd.DateOffset(months=1), key[1], "")
                values.setdefault(before, pd.NA)  # a change is known even beside a '..'

            for when, value in _SHOWN_AT.findall(figure.comparison):
                if when in months:
                    values[(months[when], measure.id, "")] = _number(value)
    return shown_table(values, changes)


def test_the_public_note_shows_no_small_count_and_nothing_to_work_one_out(demo_db: Path) -> None:
    store = Store(demo_db)
    catalog = loaded_catalog(store)
    month = approved_months(store)[-1]
    note = build_note(store, month.date(), public=True, images=False)
    assert note.public and not note.draft and note.demo
    assert note.footnote.startswith(views.PROTECTED) and "1 til 4" in note.footnote
    measure_of = {m.label("da"): m for m in catalog.measures}
    shown = []
    for part in note.initiatives:
        for figure in part.key_figures:
            measure = measure_of[re.sub(r" \([a-zæøå]+\.? \d{4}\)$", "", figure.label)]
            if not measure.counts_people:
                continue  # meetings and activities single out no one (catalog counts_people)
            # The value, the values it is compared with, and a running total's new count (as
            # tests/disclosure.shown_numbers: a stock's change is no count of people).
            numbers = [figure.value] + [v for _, v in _SHOWN_AT.findall(figure.comparison)]
            if measure.kind == "cumulative":
                found = _NUMBER.search(figure.comparison)
                numbers += [found.group(1) + found.group(2)] if found else []
            shown += [(figure.label, n) for n in numbers if n != views.PROTECTED]
    small = [(label, n) for label, n in shown if 1 <= abs(_number(n)) <= 4]
    assert shown and not small, small
    assert any(f.value == views.PROTECTED for p in note.initiatives for f in p.key_figures)
    # The charts draw no protected figure, and the description says ".." for it.
    table = note_table(note, catalog)
    assert table["protected"].any() and not table["protected"].all()
    truth = store.query(
        "figures_in_range",
        {"first": approved_months(store)[0].date(), "last": month.date()},
    )
    threshold = views.protect_threshold()
    assert disclosures(truth, table, catalog, threshold) == []
    # The same reading of the internal note of that month finds small counts: not blind.
    internal = note_table(build_note(store, month.date(), images=False), catalog)
    assert disclosures(truth, internal, catalog, threshold)
    # The HTML and PDF carry the footnote.
    assert "1 til 4 vises ikke" in html_text(note_html(note))
    assert "1 til 4 vises ikke" in " ".join(pdf_pages(note_pdf(note)))


def test_the_public_note_is_for_approved_months_only(
    demo_db: Path, krimdash: Krimdash, tmp_path: Path
) -> None:
    with pytest.raises(NoteUnavailable, match="ikke godkendt"):
        build_note(Store(demo_db), "2025-12", public=True)
    out = tmp_path / "offentlig.html"
    code, _, err = krimdash(
        "report", "--month", "2025-12", "--format", "html", "--public", "-o", out, db=demo_db
    )
    assert code != 0 and "ikke godkendt" in err and "Traceback" not in err
    assert not out.exists()


# --- text a person wrote stays text ---------------------------------------------------------

HOSTILE = [
    "<script>alert('x')</script>",
    '=HYPERLINK("http://example.invalid/?q=1";"Klik")',
    "+cmd|' /C calc'!A0",
    "</style><img src=x onerror=alert(1)>",
    '{{ 7*7 }} {% raw %} \\" & &amp; </p>',
]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, tuple(sorted(name for name, _ in attrs))))


def _tags(html: bytes) -> list[tuple]:
    parser = _Tags()
    parser.feed(html.decode("utf-8"))
    return parser.tags


def _with_texts(db: Path, texts: list[str]) -> Store:
    store = Store(db)
    sections = [
        content.PERSONALE,
        content.STRATEGIER,
        f"{content.STATUS}top100",
        f"{content.STATUS}ungesporet",
    ]
    content.save_month_text(
        store,
        JANUARY,
        {s: f"Tekst {i}: {t}" for i, (s, t) in enumerate(zip(sections, texts[:4], strict=False))},
        user="FAS",
        role="analyst",
    )
    for i, t in enumerate(texts):
        content.save_event(
            store,
            {
                "event_date": f"2025-01-{10 + i:02d}",
                "title_da": f"Titel {i} {t}",
                "text_da": f"Tekst {t}",
                "initiative": "top100" if i % 2 else "",
            },
            user="FAS",
            role="analyst",
        )
    return store


def test_markup_and_formulas_in_the_text_and_events_stay_text(
    real_db: Path, own_copy, tmp_path: Path
) -> None:
    hostile = _with_texts(own_copy(real_db), HOSTILE)
    (tmp_path / "harmless").mkdir()
    calm_texts = ["tekst a", "tekst b", "tekst c", "tekst d", "tekst e"]
    harmless = _with_texts(_copy(real_db, tmp_path / "harmless"), calm_texts)
    made = pd.Timestamp("2025-02-01 10:00").to_pydatetime()
    evil = note_html(build_note(hostile, JANUARY, images=False, made_at=made))
    calm = note_html(build_note(harmless, JANUARY, images=False, made_at=made))
    # The same tags and attributes as with harmless text: no text became markup.
    assert _tags(evil) == _tags(calm)
    body = evil.decode("utf-8")
    assert (
        "<script" not in body
        and "<img" not in body
        and "onerror=alert" not in body.replace("onerror=alert(1)&gt;", "")
    )
    text = html_text(evil)
    for t in HOSTILE:
        assert words(t) in text, t
    assert "49" not in text
    # The PDF prints them as written.
    pdf = " ".join(pdf_pages(note_pdf(build_note(hostile, JANUARY, images=False))))
    for t in HOSTILE[:3]:
        assert words(t) in pdf.replace("“", '"'), t


def _copy(shared: Path, folder: Path) -> Path:
    import shutil

    for file in (shared, shared.with_name(shared.name + ".wal")):
        if file.exists():
            shutil.copy(file, folder / file.name)
    return folder / shared.name


# --- the command's bad inputs ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--month", "2025-13"], "er ikke en måned"),
        (["--month", "januar"], "er ikke en måned"),
        (["--month", "2099-01"], "ligger i fremtiden"),
        (["--month", "2023-05"], "der er ingen tal for maj 2023"),
        (["--month", JANUARY, "--format", "docx"], None),
    ],
)
def test_a_bad_month_is_a_danish_message(
    real_db: Path, krimdash: Krimdash, tmp_path: Path, args: list[str], said: str | None
) -> None:
    out = tmp_path / "notat.out"
    if "--format" not in args:
        args = [*args, "--format", "html"]
    code, _, err = krimdash("report", *args, "-o", out, db=real_db)
    if said is None:  # DOCX: written by dashboard/note_docx.py once it is there
        try:
            import dashboard.note_docx  # noqa: F401
        except ImportError:
            assert code == 2 and "DOCX er ikke tilgængeligt" in err, err
            assert not out.exists()
        else:
            assert code == 0, err
            assert out.read_bytes().startswith(b"PK")
        return
    assert code == 2, err
    assert err.startswith("Fejl: ") and said in err and "Traceback" not in err, err
    assert not out.exists()


def test_an_output_that_cannot_be_written_is_said_in_danish(
    real_db: Path, krimdash: Krimdash, tmp_path: Path
) -> None:
    for output, said in (
        (tmp_path / "findes-ikke" / "notat.html", "findes ikke"),
        (tmp_path, "er en mappe"),
        (Path("/proc/notat.html"), "kunne ikke skrives"),
    ):
        code, _, err = krimdash(
            "report", "--month", JANUARY, "--format", "html", "-o", output, db=real_db
        )
        assert code == 2 and err.startswith("Fejl: ") and said in err, err
        assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_a_missing_database_is_said_and_not_created(krimdash: Krimdash, tmp_path: Path) -> None:
    db = tmp_path / "ingen.duckdb"
    code, _, err = krimdash(
        "report", "--month", JANUARY, "--format", "pdf", "-o", tmp_path / "n.pdf", db=db
    )
    assert code == 4 and "Der er ingen database" in err
    assert not db.exists() and not (tmp_path / "n.pdf").exists()


def test_the_report_is_in_the_access_log(
    real_db: Path, own_copy, krimdash: Krimdash, tmp_path: Path
) -> None:
    db = own_copy(real_db)
    out = tmp_path / "notat.html"
    assert krimdash("report", "--month", JANUARY, "--format", "html", "-o", out, db=db).code == 0
    code, log, err = krimdash("log", "--access", db=db)
    assert code == 0, err
    assert f"eksport | analytiker | lokal | {out} | notat {JANUARY} html" in log


def test_a_month_in_the_past_as_of_a_moment(real_db: Path) -> None:
    """As of a moment before the import, January had no figures: said, not made up."""
    with pytest.raises(NoteUnavailable, match="på det tidspunkt"):
        build_note(Store(real_db), JANUARY, as_of=pd.Timestamp("2020-01-01").to_pydatetime())


def test_a_machine_without_pango_gets_a_danish_message_for_pdf(
    real_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WeasyPrint needs the system's Pango: without it (here: the module cannot be imported),
    the PDF is refused in Danish with what to install, and HTML is still made."""
    import sys

    note = build_note(Store(real_db), JANUARY, images=False)
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(ValueError, match="apt-get install libpango-1.0-0"):
        note_pdf(note)
    assert b"68" in note_html(note)
