"""The monthly note as a Word document (DOCX) that FAS can go on editing: `note_docx(note)`.

Everything comes from a dashboard.note_model.Note, so the DOCX says what the HTML and PDF notes
say. The document is built from Word's own parts, not drawn: real heading styles (Heading 1 the
title, Heading 2 the note's headings, Heading 3 each initiative, Heading 4 its "Status <måned
år>:" line), the month's text as paragraphs with its line breaks, the key figures as a Word
table, the chart as an inline picture whose alt text is the chart's description, the events
as a list under each initiative and a table for the whole area, and the public note's footnote.
A month that is not approved carries "KLADDE" in the page header, so on every page; demo figures
carry the DEMO mark there too. A4, Danish document language (so Word spell-checks in Danish).

Text is always text: what looks like markup, a field or a formula is written as the characters
it is, and characters XML cannot hold (control characters, lone surrogates) are dropped, so a
crafted text cannot stop the writer.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.image.exceptions import UnrecognizedImageError
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from dashboard.config import LOCAL_TZ
from dashboard.months import month_label
from dashboard.note_model import Chart, InitiativeStatus, KeyFigure, Note, NoteEvent

# The page: A4 portrait with margins as in a municipal note; the text is 16 cm wide.
PAGE_WIDTH, PAGE_HEIGHT = Cm(21.0), Cm(29.7)
MARGIN = Cm(2.5)
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
# The document language per note language (Word's proofing and hyphenation).
LANGUAGE = {"da": "da-DK", "en": "en-GB"}
DRAFT_RED = RGBColor(0xB0, 0x00, 0x20)  # the KLADDE mark's colour in the pages (krimdash.css)
# The writer's own few words (the core does not import the web wing's texts.py).
TEXTS = {
    "da": {
        "col_figure": "Nøgletal",
        "col_comparison": "Sammenligning",
        "col_date": "Dato",
        "col_initiative": "Indsats",
        "col_event": "Begivenhed",
        "whole_area": "Hele området",
        "footer": "{title} · dannet af krimdash {made}",
        "page": "side",
    },
    "en": {
        "col_figure": "Key figure",
        "col_comparison": "Comparison",
        "col_date": "Date",
        "col_initiative": "Initiative",
        "col_event": "Event",
        "whole_area": "The whole area",
        "footer": "{title} · made by krimdash {made}",
        "page": "page",
    },
}

# What XML 1.0 cannot hold: control characters other than tab, line feed and carriage return,
# lone surrogates, U+FFFE and U+FFFF. python-docx (lxml) refuses them with an error.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(value: object) -> str:
    """`value` as text Word can hold: characters XML cannot hold are dropped, line ends are
    one line feed each ('\\r\\n' and a lone '\\r' alike). Nothing else changes: '=', '<', '{'
    and the like stay the characters they are."""
    return _NOT_XML.sub("", str(value)).replace("\r\n", "\n").replace("\r", "\n")


def _text(key: str, lang: str) -> str:
    return TEXTS[lang][key]


def note_docx(note: Note) -> bytes:
    """The note as the bytes of a .docx file."""
    doc = Document()
    lang = note.lang if note.lang in LANGUAGE else "da"
    _setup(doc, note, lang)

    doc.add_heading(clean(note.title), level=1)
    for section in note.sections:
        doc.add_heading(clean(section.heading), level=2)
        _text_paragraphs(doc, section.text)

    doc.add_heading(clean(note.status_heading), level=2)
    for initiative in note.initiatives:
        _initiative(doc, note, initiative, lang)

    if note.events:
        doc.add_heading(clean(note.events_heading), level=2)
        _events_table(doc, note.events, lang)

    if note.public and note.footnote.strip():
        # The public view's footnote on "..", with the sign it explains in front (as the pages
        # write it) unless the text begins with it.
        para = doc.add_paragraph(style="Footer")
        footnote = clean(note.footnote).strip()
        if not footnote.startswith(".."):
            para.add_run(".. ").bold = True
        para.add_run(footnote)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --- the document's frame -------------------------------------------------------------------


def _setup(doc, note: Note, lang: str) -> None:
    """Page size and margins, the document language, its properties, header and footer."""
    language = LANGUAGE[lang]
    # Every run inherits the document default; styles that set no language follow it.
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang_el = rpr.find(qn("w:lang"))
    if lang_el is None:
        lang_el = OxmlElement("w:lang")
        rpr.append(lang_el)
    lang_el.set(qn("w:val"), language)
    lang_el.set(qn("w:eastAsia"), language)
    for style in doc.styles.element.iterfind(qn("w:style")):
        for own in style.iter(qn("w:lang")):
            own.set(qn("w:val"), language)
    # The template says it was spell-checked ("clean"); let Word check the Danish text itself.
    settings = doc.settings.element
    for proof in settings.findall(qn("w:proofState")):
        settings.remove(proof)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(11)

    made = note.made_at
    if made.tzinfo is not None:  # the core properties are written as UTC
        made = made.astimezone(UTC).replace(tzinfo=None)
    props = doc.core_properties
    props.title = clean(note.title)[:255]  # Word's limit for a document property
    props.language = language
    props.author = props.last_modified_by = "krimdash"
    props.comments = ""
    props.subject = ""
    marks = ((note.draft_mark, note.draft), (note.demo_mark, note.demo))
    props.keywords = clean(" ".join(m for m, on in marks if on))[:255]
    props.created = props.modified = made
    props.revision = 1

    for section in doc.sections:
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.left_margin = section.right_margin = MARGIN
        section.top_margin = section.bottom_margin = MARGIN
        section.header_distance = section.footer_distance = Cm(1.25)
        _header(section.header, note)
        _footer(section.footer, note, lang)


def _header(header, note: Note) -> None:
    """The marks every page carries: KLADDE for a month not approved, DEMO for demo figures."""
    para = header.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    marks = [(note.draft_mark, DRAFT_RED)] if note.draft else []
    if note.demo:
        marks.append((note.demo_mark, RGBColor(0x3D, 0x2B, 0x00)))
    for i, (mark, colour) in enumerate(marks):
        if i:
            para.add_run("   ")
        run = para.add_run(clean(mark))
        run.bold = True
        run.font.size = Pt(14 if mark == note.draft_mark else 11)
        run.font.color.rgb = colour


def _footer(footer, note: Note, lang: str) -> None:
    """The title, when krimdash made the note, and the page number (a Word field)."""
    para = footer.paragraphs[0]
    made = made_text(note.made_at)
    para.add_run(clean(_text("footer", lang).format(title=note.title, made=made)))
    para.add_run(" · " + _text("page", lang) + " ")
    _field(para, "PAGE", "1")


def _field(para: Paragraph, code: str, shown: str) -> None:
    """A simple Word field (PAGE, NUMPAGES) at the end of `para`, showing `shown` until Word
    updates it."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" {code} ")
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = shown
    run.append(t)
    field.append(run)
    para._p.append(field)


# --- the content ----------------------------------------------------------------------------


def _text_paragraphs(doc, value: str) -> None:
    """A person's text: a blank line starts a new paragraph, a single line break stays a line
    break inside the paragraph (python-docx writes '\\n' as a break, '\\t' as a tab)."""
    body = clean(value).strip("\n")
    if not body.strip():
        return
    for block in re.split(r"\n[ \t]*\n+", body):
        if block.strip():
            doc.add_paragraph(block.strip("\n"))


def _initiative(doc, note: Note, initiative: InitiativeStatus, lang: str) -> None:
    doc.add_heading(clean(initiative.name), level=3)
    doc.add_heading(clean(initiative.status_heading), level=4)
    _text_paragraphs(doc, initiative.text)
    if initiative.key_figures:
        _key_figures(doc, initiative.key_figures, note, lang)
    if initiative.chart is not None:
        _chart(doc, initiative.chart)
    if initiative.events:
        para = doc.add_paragraph()
        para.add_run(clean(note.events_heading)).bold = True
        para.paragraph_format.keep_with_next = True
        for event in initiative.events:
            item = doc.add_paragraph(style="List Bullet")
            item.add_run(clean(event.date_text) + ": ")
            item.add_run(clean(event.title)).bold = True
            if event.text.strip():
                item.add_run(" – " + clean(event.text))


def _table(doc, header: list[str], numeric: set[int] = frozenset()) -> Table:
    """A Word table with a header row that repeats on each page; `numeric` columns right-aligned."""
    table = doc.add_table(rows=1, cols=len(header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    row = table.rows[0]
    tr_pr = row._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    for i, (cell, name) in enumerate(zip(row.cells, header, strict=True)):
        para = cell.paragraphs[0]
        para.add_run(clean(name)).bold = True
        if i in numeric:
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return table


def _key_figures(doc, figures: list[KeyFigure], note: Note, lang: str) -> None:
    """The key figures as the overview shows them: label, the month's value, the comparison."""
    table = _table(
        doc,
        [
            _text("col_figure", lang),
            month_label(note.month, lang),
            _text("col_comparison", lang),
        ],
        numeric={1},
    )
    for figure in figures:
        cells = table.add_row().cells
        cells[0].text = clean(figure.label)
        cells[1].text = clean(figure.value)
        cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        cells[2].text = clean(figure.comparison)
    doc.add_paragraph()  # room between the table and what follows


def _chart(doc, chart: Chart) -> None:
    """The chart as an inline picture at most the text's width, its description as the
    picture's alt text (docPr descr) and its title as a caption above it. Without a drawing
    (or with one Word cannot read) the description stands as text, so nothing is lost."""
    caption = doc.add_paragraph(style="Caption")
    caption.add_run(clean(chart.title))
    caption.paragraph_format.keep_with_next = True
    para = doc.add_paragraph()
    try:
        if not chart.png:
            raise UnrecognizedImageError("no drawing")
        shape = para.add_run().add_picture(io.BytesIO(chart.png))
    except UnrecognizedImageError:
        para.add_run(clean(chart.description)).italic = True
        return
    if shape.width > TEXT_WIDTH:
        shape.height = int(shape.height * TEXT_WIDTH / shape.width)
        shape.width = TEXT_WIDTH
    doc_pr = shape._inline.docPr
    doc_pr.set("descr", clean(chart.description))
    doc_pr.set("title", clean(chart.title))


def _events_table(doc, events: list[NoteEvent], lang: str) -> None:
    """The month's events for the whole area: date, initiative, title and text."""
    table = _table(
        doc,
        [
            _text("col_date", lang),
            _text("col_initiative", lang),
            _text("col_event", lang),
        ],
    )
    for event in events:
        cells = table.add_row().cells
        cells[0].text = clean(event.date_text)
        cells[1].text = clean(event.initiative) or _text("whole_area", lang)
        para = cells[2].paragraphs[0]
        para.add_run(clean(event.title)).bold = True
        if event.text.strip():
            cells[2].add_paragraph(clean(event.text))


def made_text(moment: datetime) -> str:
    """When the note was made, as the footer writes it: the Danish local date (a moment
    without a time zone is UTC, as krimdash stores moments)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return f"{aware.astimezone(LOCAL_TZ):%d.%m.%Y}"
