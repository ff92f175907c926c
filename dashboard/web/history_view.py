"""The Historik page's blocks: the audit log, one batch and the figures it wrote, one figure's
revisions. Pure functions from dashboard.history's rows to HTML, made by the templates
history_*.html in the one autoescaping environment of dashboard.web.views: a note, a file
name or a user name is text a person wrote, and shows as text, never as markup.

Links go to the Historik page itself (its own choices in the address: `logside`, `nr`,
`nrside`) and to the dashboard as it stood just before and just after a batch (settings.AS_OF).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from .. import config
from ..catalog import Catalog
from ..history import Batch, Revision, action_text
from .settings import AS_OF, LANG, PAGE, moment_param
from .texts import fmt_int, text
from .views import ENV, month_text

HISTORY_PAGE = "historik"
# The Historik page's own choices in the address: the log's page, a batch, that batch's page.
LOG_PAGE, BATCH, BATCH_PAGE = "logside", "nr", "nrside"
LOG_ROWS = 25  # batches per page of the log
BATCH_ROWS = 100  # figures per page of one batch


def history_link(lang: str, **params: object) -> str:
    """A link to the Historik page with `params` (None drops one)."""
    query = {PAGE: HISTORY_PAGE, LANG: lang}
    query |= {k: str(v) for k, v in params.items() if v is not None}
    return "./?" + urlencode(query)


def as_of_link(lang: str, moment: datetime) -> str:
    """A link to the overview as it stood at `moment` (naive UTC)."""
    return "./?" + urlencode({LANG: lang, AS_OF: moment_param(moment)})


def page_number(value: object, pages: int) -> int:
    """A page number from the address: a whole number from 1 to `pages`, else 1."""
    text_ = str(value or "")
    if not (text_.isascii() and text_.isdigit()) or len(text_) > 9:
        return 1
    return min(max(int(text_), 1), max(pages, 1))


def batch_number(value: object) -> int | None:
    """A batch number from the address, or None for anything that is not one."""
    text_ = str(value or "")
    if not (text_.isascii() and text_.isdigit()) or len(text_) > 12:
        return None
    return int(text_)


def pages_of(total: int, rows: int) -> int:
    return max(1, -(-total // rows))


@dataclass(frozen=True)
class BatchRow:
    """A batch as the log shows it, every part as text; links to its figures, and to the
    dashboard just before and just after it."""

    number: str
    when: str
    user: str
    action: str
    counts: list[tuple[str, str]]
    file_name: str
    sha: str
    warnings: list[str]
    note: str
    demo: bool
    figures: str
    before: str
    after: str


@dataclass(frozen=True)
class Pager:
    """'Viser 1–25 af 40' and links to the newer and older page (None at either end)."""

    showing: str
    newer: str | None
    older: str | None


def batch_row(b: Batch, lang: str) -> BatchRow:
    counts = [
        (text("history_new", lang), fmt_int(b.new, lang)),
        (text("history_changed", lang), fmt_int(b.changed, lang)),
        (text("history_unchanged", lang), fmt_int(b.unchanged, lang)),
        (text("history_retracted", lang), fmt_int(b.retracted, lang)),
    ]
    return BatchRow(
        number=str(b.id),
        when=config.local_time(b.created_at, "%d.%m.%Y %H:%M:%S"),
        user=b.user,
        action=action_text(b.action, lang),
        counts=counts,
        file_name=b.file_name or "",
        sha=b.file_sha256 or "",
        warnings=list(b.warnings),
        note=b.note,
        demo=b.is_demo,
        figures=history_link(lang, **{BATCH: b.id}),
        before=as_of_link(lang, b.before),
        after=as_of_link(lang, b.created_at),
    )


def _pager(
    lang: str, page: int, total: int, shown: int, rows: int, key: str, **keep: object
) -> Pager:
    """The pager of page `page` (of `rows` each) showing `shown` of `total`; its links set
    `key` and keep `keep`."""
    first = (page - 1) * rows + 1 if shown else 0
    last = first + shown - 1 if shown else 0
    showing = text("history_showing", lang).format(
        first=fmt_int(first, lang), last=fmt_int(last, lang), total=fmt_int(total, lang)
    )
    pages = pages_of(total, rows)
    return Pager(
        showing,
        history_link(lang, **keep, **{key: page - 1}) if page > 1 else None,
        history_link(lang, **keep, **{key: page + 1}) if page < pages else None,
    )


def intro(lang: str) -> str:
    """The Historik page's introduction, under its title."""
    return str(ENV.get_template("history_macros.html").module.intro(lang))


def log_block(batches: list[Batch], total: int, page: int, lang: str) -> str:
    """The audit log's page `page` (LOG_ROWS batches, newest first) with its pager."""
    pager = _pager(lang, page, total, len(batches), LOG_ROWS, LOG_PAGE)
    return ENV.get_template("history_log.html").render(
        lang=lang,
        rows=[batch_row(b, lang) for b in batches],
        pager=pager,
        hidden=[(PAGE, HISTORY_PAGE), (LANG, lang)],
        batch_field=BATCH,
    )


@dataclass(frozen=True)
class RevisionRow:
    """A revision as shown: which figure, old → new, who and when, the notes."""

    month: str
    measure: str
    category: str
    old: str
    new: str
    when: str
    user: str
    action: str
    batch: str
    batch_link: str
    note: str
    batch_note: str
    after: str


def _value(value: int | None, lang: str, empty: str) -> str:
    return text(empty, lang) if value is None else fmt_int(value, lang)


def revision_row(r: Revision, catalog: Catalog, lang: str) -> RevisionRow:
    measure = catalog.measure(r.measure)
    return RevisionRow(
        month=month_text(r.month, lang),
        measure=measure.label(lang) if measure else r.measure,
        category=measure.category_label(r.category, lang) if measure else r.category,
        old=_value(r.old, lang, "history_none"),
        new=_value(r.new, lang, "history_retraction"),
        when=config.local_time(r.recorded_at, "%d.%m.%Y %H:%M:%S") if r.recorded_at else "",
        user=r.recorded_by,
        action=action_text(r.action, lang),
        batch=str(r.batch_id),
        batch_link=history_link(lang, **{BATCH: r.batch_id}),
        note=r.note,
        batch_note=r.batch_note,
        after=as_of_link(lang, r.recorded_at) if r.recorded_at else "",
    )


def batch_block(
    b: Batch | None,
    revisions: list[Revision],
    total: int,
    page: int,
    catalog: Catalog,
    lang: str,
    asked: object = None,
) -> str:
    """One batch: who, when, what, its file, warnings and note, links to the dashboard before
    and after it, and a page (BATCH_ROWS) of the figures it wrote, old → new. `asked` is the
    number the address gave, for the note that there is no such batch."""
    if b is None:
        return ENV.get_template("history_batch.html").render(
            lang=lang, batch=None, missing=text("history_no_batch", lang).format(nr=asked or "")
        )
    pager = _pager(lang, page, total, len(revisions), BATCH_ROWS, BATCH_PAGE, **{BATCH: b.id})
    return ENV.get_template("history_batch.html").render(
        lang=lang,
        batch=batch_row(b, lang),
        rows=[revision_row(r, catalog, lang) for r in revisions],
        pager=pager,
        close=history_link(lang),
        missing="",
    )


FIGURE_ROWS = 200  # the newest revisions of one figure shown


def figure_block(revisions: list[Revision], catalog: Catalog, lang: str) -> str:
    """The revisions of one figure, newest first (the FIGURE_ROWS newest): old → new, who,
    when, the notes."""
    shown = revisions[:FIGURE_ROWS]
    more = (
        text("history_showing", lang).format(
            first=1, last=fmt_int(len(shown), lang), total=fmt_int(len(revisions), lang)
        )
        if len(revisions) > len(shown)
        else ""
    )
    return ENV.get_template("history_figure.html").render(
        lang=lang, rows=[revision_row(r, catalog, lang) for r in shown], more=more
    )
