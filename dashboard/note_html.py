"""The monthly note as one self-contained HTML file and as PDF, from the same template.

`note_html(note)` is one file that needs nothing else: no script, no external style sheet,
image or font; the charts are inline SVG drawn on the server. It reads on a tablet (one
column that narrows with the screen) and prints on A4 with the note's title, the page number
and the KLADDE / DEMO mark in each page's margin. `note_pdf(note)` is WeasyPrint's rendering
of the same HTML, fonts embedded (DejaVu Sans, which has the Danish letters).

The template is dashboard/web/templates/note.html in the pages' one autoescaping environment:
every text (the month's text, event titles, labels) is escaped, so markup or a formula typed
into the app shows as text.
"""

from __future__ import annotations

import re

from markupsafe import Markup

from . import config
from .note_model import Note
from .web.printing import css_string  # the pages' print marks make their CSS strings so too

# A mark that has a <title> (its hover text, render.chart_svg) needs no aria-label saying the
# same: the title names it for a screen reader too, and the file is smaller to parse.
_LABEL_BESIDE_TITLE = re.compile(r' aria-label="[^"]*"(?=[^<>]*><title>)')


def inline_svg(svg: str) -> Markup:
    """A chart's SVG (drawn on the server by vl-convert) as the note embeds it."""
    return Markup(_LABEL_BESIDE_TITLE.sub("", svg))


def paragraphs(text: str) -> list[list[str]]:
    """A text as the note shows it: paragraphs (split at blank lines), each a list of lines."""
    blocks = [block.strip("\n") for block in (text or "").replace("\r\n", "\n").split("\n\n")]
    return [block.split("\n") for block in blocks if block.strip()]


def marks(note: Note) -> list[str]:
    """The marks every page carries: KLADDE while the month is not approved, DEMO while a demo
    figure is shown."""
    return [m for m, on in ((note.draft_mark, note.draft), (note.demo_mark, note.demo)) if on]


def _context(note: Note, pdf: bool) -> dict:
    from .months import month_label

    month = month_label(note.month)
    shown_marks = marks(note)
    banner = []
    if note.draft:
        banner.append(f"{note.draft_mark}: {month} er ikke godkendt af rådmanden")
    if note.demo:
        banner.append(f"{note.demo_mark}: notatet viser demotal, ikke rigtige tal")
    title = note.title + "".join(f" ({m})" for m in shown_marks)
    return {
        "note": note,
        "pdf": pdf,
        "title": title,
        "month": month,
        "made": config.local_time(note.made_at, "%d.%m.%Y kl. %H.%M"),
        "banner": banner,
        "mark": css_string(" · ".join(shown_marks)) if shown_marks else "",
        "running_title": css_string(note.title),
        "status_line": f"Status {month}:",
        "empty": "Intet nyt i denne måned.",
        "sections": [
            {"heading": s.heading, "paragraphs": paragraphs(s.text)} for s in note.sections
        ],
        "initiatives": [
            {
                "id": f"indsats-{part.initiative_id}",
                "name": part.name,
                "status_heading": part.status_heading,
                "paragraphs": paragraphs(part.text),
                "figures": part.key_figures,
                "chart": None
                if part.chart is None
                else {
                    "title": part.chart.title,
                    "description": part.chart.description,
                    # Drawn on the server by vl-convert (render.chart_svg): markup by design.
                    "svg": inline_svg(part.chart.svg),
                },
                "events": part.events,
            }
            for part in note.initiatives
        ],
    }


def render(note: Note, *, pdf: bool = False) -> str:
    """The note's HTML text (for the PDF when `pdf`)."""
    from .web.views import ENV

    return ENV.get_template("note.html").render(**_context(note, pdf))


def note_html(note: Note) -> bytes:
    """The note as one self-contained HTML file, UTF-8."""
    return render(note).encode("utf-8")


def _no_fetching(url: str, *args: object, **kwargs: object) -> dict:
    """WeasyPrint's fetcher: the note has everything inside it, so nothing is fetched."""
    raise ValueError(f"notatet henter intet udefra ({url[:60]})")


def note_pdf(note: Note) -> bytes:
    """The note as PDF (A4), made by WeasyPrint from the same HTML, fonts embedded. A machine
    without the system's Pango (which WeasyPrint draws text with) gets a Danish ValueError
    saying what to install; HTML and DOCX need no system library."""
    try:
        import weasyprint
    except (OSError, ImportError) as exc:  # WeasyPrint loads Pango when it is imported
        raise ValueError(
            "PDF kan ikke laves på denne maskine: WeasyPrint mangler systemets Pango (Debian: "
            "apt-get install libpango-1.0-0 libpangoft2-1.0-0). Brug --format html eller docx."
        ) from exc

    document = weasyprint.HTML(string=render(note, pdf=True), url_fetcher=_no_fetching)
    return document.write_pdf()
