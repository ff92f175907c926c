"""The monthly note ("Månedlig orientering på det kriminalpræventive område") as plain data.

One Note is built from the store for one month (dashboard/note.py) and written as HTML, PDF and
DOCX by separate writers, so every format says the same thing. Nothing here touches the store,
Streamlit or a file format: a writer gets a Note and returns bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class KeyFigure:
    """One key figure of an initiative as the overview shows it: the label, the month's value
    as Danish text ("68", "–" when not reported, "1–4" style protection text in the public
    note), and the comparison line under it ("+3 siden december 2024"; may be empty)."""

    label: str
    value: str
    comparison: str = ""


@dataclass(frozen=True)
class Chart:
    """An initiative's chart for the note: the Vega-Lite spec (JSON text, drawn on the server),
    a short description for screen readers and the alt text of images, and the drawings the
    writers embed. `svg` is inline SVG for HTML and PDF; `png` (bytes, at print resolution) is
    for DOCX."""

    title: str
    description: str
    spec_json: str
    svg: str = ""
    png: bytes = b""


@dataclass(frozen=True)
class NoteEvent:
    """An event of the month: its date as the note writes it ("13. januar 2025"), the
    initiative's name (empty for the whole area), title and text."""

    date_text: str
    initiative: str
    title: str
    text: str


@dataclass(frozen=True)
class InitiativeStatus:
    """One subsection under "Status på indsatser": the initiative's name as a heading, the
    "Status <måned år>:" line, the month's text for it (may be empty), its key figures, its
    chart (None when it has no figures to draw) and its events of the month."""

    initiative_id: str
    name: str
    status_heading: str
    text: str
    key_figures: list[KeyFigure] = field(default_factory=list)
    chart: Chart | None = None
    events: list[NoteEvent] = field(default_factory=list)


@dataclass(frozen=True)
class Section:
    """A top heading of the note with its text (Personale og organisation, Strategier og
    udvikling)."""

    heading: str
    text: str


@dataclass(frozen=True)
class Note:
    """The whole note for one month.

    - `title`: "Månedlig orientering på det kriminalpræventive område – januar 2025".
    - `draft`: the month is not approved; every page/format carries `draft_mark` ("KLADDE").
    - `demo`: some figure shown is demo data; every page/format carries `demo_mark`.
    - `public`: made for the public (the protection of the public view is applied); then
      `footnote` explains the protection and must be printed.
    - `sections`: the two first headings; `status_heading` is "Status på indsatser" and
      `initiatives` its subsections in catalog order; `events` the month's events for the
      whole area (those tied to an initiative are also under that initiative).
    """

    month: date
    title: str
    made_at: datetime
    draft: bool
    demo: bool
    public: bool
    sections: list[Section]
    status_heading: str
    initiatives: list[InitiativeStatus]
    events: list[NoteEvent] = field(default_factory=list)
    events_heading: str = "Begivenheder i måneden"
    footnote: str = ""
    draft_mark: str = "KLADDE"
    demo_mark: str = "DEMO – fiktive tal"
    lang: str = "da"
