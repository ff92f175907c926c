"""The monthly note as DOCX (dashboard.note_docx), read back with python-docx as Word would:
real heading styles, the key figures in a Word table, the chart as a picture with its alt text,
KLADDE in the page header of a month not approved, A4 and Danish, and a crafted text that stays
text (and never stops the writer)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import replace
from datetime import UTC, datetime

import docx
import docx.enum.text
import docx.shared
import pytest
import real_january
import vl_convert
from docx.oxml.ns import qn
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.months import month_label
from dashboard.note_docx import clean, note_docx
from dashboard.note_model import (
    Chart,
    InitiativeStatus,
    KeyFigure,
    Note,
    NoteEvent,
    Section,
)

MONTH = real_january.MONTH
LABEL = month_label(MONTH)  # "januar 2025"
V = real_january.value
SCREENED = V("top100.screened")  # 68
DISCUSSED = V("knaek_kurven.discussed")  # 19
RELEVANT = V("knaek_kurven.relevant")  # 8
CASES = V("ungeteam.cases")  # 45


def _png(values: list[int], width: int = 160) -> tuple[str, bytes]:
    """A tiny bar chart's Vega-Lite spec and its drawing, as the server draws charts."""
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {
            "values": [{"måned": f"2024-{12 - i:02d}", "antal": v} for i, v in enumerate(values)]
        },
        "mark": "bar",
        "encoding": {
            "x": {"field": "måned", "type": "ordinal"},
            "y": {"field": "antal", "type": "quantitative"},
        },
        "width": width,
        "height": 90,
    }
    text = json.dumps(spec)
    return text, vl_convert.vegalite_to_png(text, scale=2)


SPEC, PNG = _png([SCREENED, 60, 52])
DESCRIPTION = f"Søjlediagram: screenede sager pr. måned; {LABEL}: {SCREENED}."
EVENT = NoteEvent(
    "27. januar 2025",
    "Ungesporet",
    "Åbent hus i Ungesporet",
    "Relevante samarbejdspartnere i lokalområdet er inviteret.",
)
CALLS = NoteEvent("31. januar 2025", "TOP100", "Første indkaldelser", "Borgere i kategori 2.")
AREA = NoteEvent("14. januar 2025", "", "Ansøgningsfrist for afdelingsleder", "")


def january(**changes) -> Note:
    """The January 2025 note as the store would give it: the real figures, a draft."""
    note = Note(
        month=MONTH,
        title=f"Månedlig orientering på det kriminalpræventive område – {LABEL}",
        made_at=datetime(2025, 1, 15, 9, 30, tzinfo=UTC),
        draft=True,
        demo=False,
        public=False,
        sections=[
            Section(
                "Personale og organisation",
                "Flytningen og den fysiske samling af de to kriminalpræventive enheder er fuldt "
                "implementeret.\n\nStillingen som afdelingsleder er i opslag,\nmed ansøgningsfrist "
                "den 14. januar 2025.",
            ),
            Section(
                "Strategier og udvikling",
                "Der er pt. en budrunde i gang på de kriminalpræventive indsatser.",
            ),
        ],
        status_heading="Status på indsatser",
        initiatives=[
            InitiativeStatus(
                "ungesporet",
                "Ungesporet",
                f"Status {LABEL}:",
                "Indsatsen åbnede igen op primo december 2024.",
                events=[EVENT],
            ),
            InitiativeStatus(
                "knaek_kurven",
                "Knæk Kurven",
                f"Status {LABEL}:",
                f"Siden sommeren 2024 er der blevet drøftet {DISCUSSED} familier.",
                key_figures=[
                    KeyFigure("Familier drøftet på screeningsmøder", str(DISCUSSED)),
                    KeyFigure("Vurderet relevante", str(RELEVANT), "+2 siden december 2024"),
                ],
            ),
            InitiativeStatus(
                "top100",
                "TOP100",
                f"Status {LABEL}:",
                f"Der er screenet {SCREENED} sager siden sommeren 2024.",
                key_figures=[KeyFigure("Screenede sager", str(SCREENED), "+8 siden december 2024")],
                chart=Chart("Screenede sager pr. måned", DESCRIPTION, SPEC, png=PNG),
                events=[CALLS],
            ),
            InitiativeStatus(
                "ungeteam",
                "Det Opsøgende Ungeteam",
                f"Status {LABEL}:",
                "",
                key_figures=[KeyFigure("Aktuelle sager", str(CASES))],
            ),
        ],
        events=[AREA, EVENT, CALLS],
    )
    return replace(note, **changes)


def _read(note: Note) -> docx.document.Document:
    return docx.Document(io.BytesIO(note_docx(note)))


def _headings(doc) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")]


def _header_text(section) -> str:
    return "\n".join(p.text for p in section.header.paragraphs)


def _cells(doc) -> list[list[list[str]]]:
    return [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]


def _all_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    parts += [c for t in _cells(doc) for row in t for c in row]
    return "\n".join(parts)


def test_the_january_note_has_word_headings_in_the_notes_order():
    doc = _read(january())
    assert _headings(doc) == [
        ("Heading 1", f"Månedlig orientering på det kriminalpræventive område – {LABEL}"),
        ("Heading 2", "Personale og organisation"),
        ("Heading 2", "Strategier og udvikling"),
        ("Heading 2", "Status på indsatser"),
        ("Heading 3", "Ungesporet"),
        ("Heading 4", f"Status {LABEL}:"),
        ("Heading 3", "Knæk Kurven"),
        ("Heading 4", f"Status {LABEL}:"),
        ("Heading 3", "TOP100"),
        ("Heading 4", f"Status {LABEL}:"),
        ("Heading 3", "Det Opsøgende Ungeteam"),
        ("Heading 4", f"Status {LABEL}:"),
        ("Heading 2", "Begivenheder i måneden"),
    ]


def test_the_months_text_keeps_its_paragraphs_and_line_breaks():
    doc = _read(january())
    texts = [p.text for p in doc.paragraphs]
    start = texts.index("Personale og organisation")
    assert texts[start + 1].startswith("Flytningen og den fysiske samling")
    # A blank line is a new paragraph; a single line break stays a break inside it.
    assert (
        texts[start + 2]
        == "Stillingen som afdelingsleder er i opslag,\nmed ansøgningsfrist den 14. januar 2025."
    )
    para = doc.paragraphs[start + 2]
    assert para._p.xpath(".//w:br"), "the line break is a Word line break"
    assert texts[start + 3] == "Strategier og udvikling"


def test_the_key_figures_are_word_tables_with_the_real_january_figures():
    doc = _read(january())
    tables = _cells(doc)
    figures = [t for t in tables if t[0][0] == "Nøgletal"]
    assert [t[0] for t in figures] == [["Nøgletal", LABEL, "Sammenligning"]] * 3
    assert figures[0][1:] == [
        ["Familier drøftet på screeningsmøder", str(DISCUSSED), ""],
        ["Vurderet relevante", str(RELEVANT), "+2 siden december 2024"],
    ]
    assert figures[1][1:] == [["Screenede sager", str(SCREENED), "+8 siden december 2024"]]
    assert figures[2][1:] == [["Aktuelle sager", str(CASES)] + [""]]
    values = {row[1] for t in figures for row in t[1:]}
    assert values == {str(v) for v in (SCREENED, DISCUSSED, RELEVANT, CASES)}
    # The header row repeats on each page; the values are right-aligned.
    table = doc.tables[0]
    assert table.rows[0]._tr.xpath("./w:trPr/w:tblHeader")
    assert table.rows[1].cells[1].paragraphs[0].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT
    assert table.style.name == "Table Grid"


def test_the_chart_is_an_inline_picture_with_its_description_as_alt_text():
    doc = _read(january())
    assert len(doc.inline_shapes) == 1
    shape = doc.inline_shapes[0]
    assert shape._inline.docPr.get("descr") == DESCRIPTION
    assert shape._inline.docPr.get("title") == "Screenede sager pr. måned"
    # The picture is the chart's own PNG, at most the text's width (16 cm on A4).
    blip = shape._inline.graphic.graphicData.pic.blipFill.blip
    assert doc.part.related_parts[blip.embed].blob == PNG
    assert 0 < shape.width <= docx.shared.Cm(16)
    # Its title stands above it as a caption, under the initiative's heading.
    texts = [p.text for p in doc.paragraphs]
    assert texts.index("Screenede sager pr. måned") > texts.index("TOP100")


def test_a_wide_chart_is_scaled_to_the_text_width_keeping_its_shape():
    _, wide = _png(list(range(1, 13)), width=900)
    chart = Chart("Bred", "Et bredt diagram.", SPEC, png=wide)
    note = january()
    initiatives = [replace(note.initiatives[2], chart=chart)]
    doc = _read(replace(note, initiatives=initiatives))
    shape = doc.inline_shapes[0]
    natural = docx.Document().add_picture(io.BytesIO(wide))
    assert natural.width > docx.shared.Cm(16), "the test chart is wider than the text"
    assert shape.width == docx.shared.Cm(16)
    assert abs(shape.height / shape.width - natural.height / natural.width) < 0.01


@pytest.mark.parametrize("png", [b"", b"<svg>not a png</svg>"])
def test_a_chart_without_a_drawing_word_can_read_leaves_its_description_as_text(png):
    note = january()
    chart = Chart("Screenede sager pr. måned", DESCRIPTION, SPEC, png=png)
    doc = _read(replace(note, initiatives=[replace(note.initiatives[2], chart=chart)]))
    assert len(doc.inline_shapes) == 0
    assert DESCRIPTION in [p.text for p in doc.paragraphs]


def test_events_are_listed_under_their_initiative_and_in_a_table_for_the_whole_area():
    doc = _read(january())
    bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
    assert bullets == [
        "27. januar 2025: Åbent hus i Ungesporet – Relevante samarbejdspartnere i lokalområdet er inviteret.",
        "31. januar 2025: Første indkaldelser – Borgere i kategori 2.",
    ]
    events = _cells(doc)[-1]
    assert events[0] == ["Dato", "Indsats", "Begivenhed"]
    assert events[1] == ["14. januar 2025", "Hele området", "Ansøgningsfrist for afdelingsleder"]
    assert events[2] == [
        "27. januar 2025",
        "Ungesporet",
        "Åbent hus i Ungesporet\nRelevante samarbejdspartnere i lokalområdet er inviteret.",
    ]


def test_a_draft_carries_kladde_in_every_sections_header_and_an_approved_month_does_not():
    # Two sections, as when FAS adds a landscape page: the mark must follow into the new one.
    raw = note_docx(january())
    doc = docx.Document(io.BytesIO(raw))
    doc.add_section()
    buffer = io.BytesIO()
    doc.save(buffer)
    doc = docx.Document(io.BytesIO(buffer.getvalue()))
    assert len(doc.sections) == 2
    for section in doc.sections:
        assert "KLADDE" in _header_text(section)
        assert not section.different_first_page_header_footer  # the first page too
    assert "DEMO" not in _header_text(doc.sections[0])

    approved = _read(january(draft=False))
    for section in approved.sections:
        assert "KLADDE" not in _header_text(section)
    assert "KLADDE" not in _all_text(approved)
    assert "KLADDE" not in approved.core_properties.keywords


def test_demo_figures_carry_the_demo_mark_in_the_header():
    doc = _read(january(demo=True))
    header = _header_text(doc.sections[0])
    assert "KLADDE" in header and "DEMO – fiktive tal" in header
    header = _header_text(_read(january(demo=True, draft=False)).sections[0])
    assert header == "DEMO – fiktive tal"


def test_the_page_is_a4_and_the_document_language_danish():
    raw = note_docx(january())
    doc = docx.Document(io.BytesIO(raw))
    section = doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert all(
        2 <= m.cm <= 3 for m in (section.left_margin, section.right_margin, section.top_margin)
    )
    styles = zipfile.ZipFile(io.BytesIO(raw)).read("word/styles.xml").decode()
    default = re.search(r"<w:rPrDefault>.*?</w:rPrDefault>", styles, re.S).group(0)
    assert 'w:val="da-DK"' in default
    assert "en-US" not in styles
    assert doc.core_properties.language == "da-DK"
    assert doc.core_properties.title == january().title
    assert doc.core_properties.author == "krimdash"
    assert "python-docx" not in (doc.core_properties.comments or "")
    # The footer names the note and when krimdash made it, and numbers the pages.
    footer = section.footer.paragraphs[0]
    assert "15.01.2025" in footer.text
    assert footer._p.xpath(".//w:fldSimple[contains(@w:instr, 'PAGE')]")


def test_the_public_note_prints_its_footnote_and_the_internal_one_does_not():
    foot = "Tal fra 1 til 4 vises som .. for at beskytte de personer, tallene handler om."
    public = _read(january(public=True, draft=False, footnote=foot))
    assert [p.text for p in public.paragraphs][-1] == f".. {foot}"
    again = _read(january(public=True, footnote=".. betyder: " + foot))
    assert [p.text for p in again.paragraphs][-1] == ".. betyder: " + foot
    internal = _read(january(footnote=foot))
    assert not any(foot in p.text for p in internal.paragraphs)


def test_an_english_note_has_english_table_headers_and_language():
    doc = _read(january(lang="en"))
    assert _cells(doc)[0][0] == ["Key figure", "January 2025", "Comparison"]
    assert doc.core_properties.language == "en-GB"


HOSTILE = [
    '=HYPERLINK("http://example.com/?x=1";"Klik")',
    "+cmd|' /C calc'!A0",
    "<w:p><w:r><w:t>indsat</w:t></w:r></w:p>",
    "</w:t><w:instrText>HYPERLINK http://x</w:instrText>",
    "{ PAGE } {{ 7*7 }} ${jndi:ldap://x} <script>alert(1)</script>",
    "&amp; &lt; ]]> <!-- -->",
]
CONTROL = "før\x00\x01\x08\x0b\x0c\x1b[31m\x7f\ud800\ufffe\uffffefter"


def test_hostile_text_is_written_as_text_everywhere_and_control_characters_do_not_stop_it():
    odd = " · ".join(HOSTILE)
    note = january(
        title=odd + CONTROL,
        sections=[Section(CONTROL, odd + "\n" + CONTROL), Section("Strategier", odd)],
        initiatives=[
            InitiativeStatus(
                "top100",
                odd,
                CONTROL,
                odd + "\r\n" + CONTROL,
                key_figures=[KeyFigure(odd, CONTROL, odd)],
                chart=Chart(odd, odd + CONTROL, SPEC, png=PNG),
                events=[NoteEvent(CONTROL, odd, odd, CONTROL)],
            )
        ],
        events=[NoteEvent(odd, CONTROL, odd, odd)],
        demo=True,
        demo_mark=CONTROL,
        draft_mark="KLADDE" + CONTROL,
    )
    raw = note_docx(note)
    doc = docx.Document(io.BytesIO(raw))
    kept = "før[31m\x7fefter"  # what XML can hold of CONTROL
    assert clean(CONTROL) == kept
    text = _all_text(doc)
    for piece in HOSTILE:
        assert text.count(piece) >= 8, piece
    assert kept in text
    assert doc.paragraphs[0].text == odd + kept
    assert doc.paragraphs[0].style.name == "Heading 1"
    assert doc.inline_shapes[0]._inline.docPr.get("descr") == odd + kept
    header = _header_text(doc.sections[0])
    assert "KLADDE" + kept in header and header.count(kept) == 2
    # Nothing became a field, a hyperlink or a paragraph of its own: the only field is the
    # footer's page number, and the body has exactly the paragraphs the writer made.
    body = zipfile.ZipFile(io.BytesIO(raw)).read("word/document.xml").decode()
    assert "<w:instrText" not in body and "<w:hyperlink" not in body and "<w:fld" not in body
    assert "&lt;w:instrText&gt;HYPERLINK" in body  # the text, escaped
    assert not [p for p in doc.paragraphs if p.text == "indsat"]
    fields = [e.get(qn("w:instr")) for e in doc.sections[0].footer._element.iter(qn("w:fldSimple"))]
    assert fields == [" PAGE "]


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=60))
def test_any_month_text_is_written_and_read_back_as_it_can_be_held(value):
    note = january(sections=[Section("Personale og organisation", value)])
    doc = _read(note)
    texts = [p.text for p in doc.paragraphs]
    headings = [i for i, p in enumerate(doc.paragraphs) if p.style.name.startswith("Heading")]
    start, end = headings[1], headings[2]  # the section's heading, the next one
    written = "\n\n".join(texts[start + 1 : end])
    expected = [b.strip("\n") for b in re.split(r"\n[ \t]*\n+", clean(value).strip("\n"))]
    assert written == "\n\n".join(b for b in expected if b.strip())
