"""Events, targets and the month's text: the one write path for them (the app's pages use it).

Kept like figures: every save is one batch in the audit log (who, when, what, note) in one
transaction through Store.writer(), with one revision per event, target or heading it changes;
an edit is a new revision, a retraction a revision marked removed; nothing is deleted.
queries/events.sql, targets.sql and month_texts.sql read them back, now or as of a moment.

Everything a person sends is checked first, with a Danish message naming the field
(ContentInvalid.errors: field → message): dates and months, ids the catalog knows, a value a
whole number within records.MAX_VALUE, text within its length, without control characters,
invisible direction marks or signs of a wrong character encoding. Markup and formulas are
plain text here: they are stored as written and escaped wherever they are shown. A refused save
writes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from . import db
from .access import require
from .catalog import Catalog, load_catalog
from .months import month_label, parse_month
from .records import MAX_VALUE
from .reference import loaded_catalog, target_id
from .rules import EARLIEST_MONTH, MAX_NOTE_CHARS, parse_value, printable

CAPABILITY = "write_content"
DOING = "ændre begivenheder, mål og månedens tekst"

# Length limits (characters). A note follows DOMAIN.md (rules.MAX_NOTE_CHARS).
MAX_LINE_CHARS = 200  # a title, a label, a source, a date text
MAX_TEXT_CHARS = 4_000  # an event's text
MAX_SECTION_CHARS = 20_000  # one heading of the month's text
LATEST_YEAR = 2100

# The monthly note's headings (DOMAIN.md); "Status på indsatser" has one part per initiative.
PERSONALE = "personale_og_organisation"
STRATEGIER = "strategier_og_udvikling"
STATUS = "status:"  # + the initiative's id
HEADINGS = {PERSONALE: "Personale og organisation", STRATEGIER: "Strategier og udvikling"}
STATUS_HEADING = "Status på indsatser"

# What each field is called in a message.
FIELDS_DA = {
    "event_date": "dato",
    "date_text_da": "datotekst",
    "date_text_en": "datotekst (engelsk)",
    "initiative": "indsats",
    "title_da": "titel",
    "title_en": "titel (engelsk)",
    "text_da": "tekst",
    "text_en": "tekst (engelsk)",
    "measure": "måling",
    "category": "kategori",
    "target_month": "måned",
    "from_month": "gælder fra",
    "value": "værdi",
    "label_da": "betegnelse",
    "label_en": "betegnelse (engelsk)",
    "source": "kilde",
    "note": "begrundelse",
    "month": "måned",
    "id": "id",
}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # tab and line feed are allowed in text
_LINE_BREAK = re.compile(r"[\t\n]")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Invisible marks that change the order or look of the text around them (direction overrides,
# zero-width characters) and the "noncharacters"; a person typing never needs them.
_INVISIBLE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff0-\ufffb\ufffe\uffff]"
)
# UTF-8 read as Latin-1 or Windows-1252 (æ → Ã¦, ø → Ã¸, å → Ã¥, – → â€"), and the
# replacement character a decoder leaves for bytes it could not read.
_MIS_ENCODED = re.compile("[\u00c3\u00c2][\u0080-\u00bf\u2018-\u203a\u0152-\u0178]|â€|\ufffd")


class ContentInvalid(ValueError):
    """What is wrong, field by field (field → Danish message); nothing was saved."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(self.errors.values()))


@dataclass(frozen=True)
class Saved:
    """A save: its batch (None when nothing had changed, and nothing was written) and the
    event's or target's id."""

    batch_id: int | None
    id: str = ""
    counts: tuple[tuple[str, int], ...] = ()


# --- checking what a person sent --------------------------------------------------------------


def _name(field: str) -> str:
    return FIELDS_DA.get(field, field)


def clean_text(
    field: str, raw: object, *, max_chars: int, required: bool = False, multiline: bool = False
) -> str:
    """`raw` as it is stored (stripped; line breaks as \\n), or a Danish ValueError naming the
    field. Markup and formulas are kept as written: they are text, escaped wherever shown."""
    name = _name(field)
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise ValueError(f"«{name}» skal være tekst")
    if len(raw) > max_chars * 2 + 1000:  # far over the limit: say so before reading it
        raise ValueError(
            f"«{name}» er for lang; den må højst have {max_chars:,} tegn".replace(",", ".")
        )
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            f"«{name}» indeholder tegn, der ikke kan læses (forkert tegnkodning); skriv "
            "teksten igen eller kopier den fra originalen"
        ) from None
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if found := _CONTROL.search(text):
        raise ValueError(
            f"«{name}» indeholder et kontroltegn ({printable(found.group())}), som ikke må stå i "
            "en tekst; skriv teksten uden det"
        )
    if not multiline and (found := _LINE_BREAK.search(text)):
        raise ValueError(
            f"«{name}» skal stå på én linje (den indeholder {printable(found.group())})"
        )
    if _INVISIBLE.search(text):
        raise ValueError(
            f"«{name}» indeholder usynlige styretegn (fx retningsskift eller tegn uden bredde); "
            "skriv teksten uden dem"
        )
    if _MIS_ENCODED.search(text):
        raise ValueError(
            f"«{name}» ser ud til at have forkert tegnkodning (fx «Ã¦» for «æ» eller «�»); "
            "skriv teksten igen eller kopier den fra originalen"
        )
    if len(text) > max_chars:
        raise ValueError(
            f"«{name}» er for lang ({len(text):,} tegn); den må højst have {max_chars:,} tegn".replace(
                ",", "."
            )
        )
    if required and not text:
        raise ValueError(f"«{name}» mangler")
    return text


def _short(raw: object) -> str:
    """`raw` for repeating in a message: on one line, short, control characters shown escaped."""
    text = printable(str(raw).strip())
    return text if len(text) <= 30 else text[:29] + "…"


def _date(field: str, raw: object) -> date:
    name = _name(field)
    if isinstance(raw, datetime):
        value = raw.date()
    elif isinstance(raw, date):
        value = raw
    else:
        text = "" if raw is None else str(raw).strip()
        if not text:
            raise ValueError(f"«{name}» mangler")
        try:
            if not _ISO_DATE.match(text):
                raise ValueError
            value = date.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"«{name}»: «{_short(text)}» er ikke en dato (skriv fx 2025-01-27)"
            ) from None
    if not EARLIEST_MONTH <= value <= date(LATEST_YEAR, 12, 31):
        raise ValueError(
            f"«{name}»: {value:%Y-%m-%d} ligger uden for {EARLIEST_MONTH.year}–{LATEST_YEAR}"
        )
    return value


def _month(field: str, raw: object, *, required: bool = True) -> date | None:
    name = _name(field)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise ValueError(f"«{name}» mangler")
        return None
    if isinstance(raw, str) and len(raw) > 40:
        raise ValueError(f"«{name}»: «{_short(raw)}» er ikke en måned (skriv fx 2025-12)")
    if isinstance(raw, datetime | pd.Timestamp):
        raw = date(raw.year, raw.month, 1)
    try:
        month = parse_month(raw)
    except ValueError as exc:
        raise ValueError(f"«{name}»: {printable(str(exc))}") from None
    if not EARLIEST_MONTH <= month <= date(LATEST_YEAR, 12, 1):
        raise ValueError(
            f"«{name}»: {month:%Y-%m} ligger uden for {EARLIEST_MONTH.year}–{LATEST_YEAR}"
        )
    return month


def _value(raw: object) -> int:
    name = _name("value")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise ValueError(f"«{name}» mangler")
    if isinstance(raw, str) and len(raw) > 30:
        raise ValueError(f"«{name}» er ikke et helt tal (højst {MAX_VALUE:,})".replace(",", "."))
    try:
        return parse_value(raw)
    except ValueError as exc:
        raise ValueError(f"«{name}»: {printable(str(exc))}") from None


class _Check:
    """Collects one message per field."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def __call__(self, field: str, fn, *args: Any, **kwargs: Any) -> Any:
        try:
            value = fn(*args, **kwargs)
        except ValueError as exc:
            self.errors.setdefault(field, str(exc))
            value = None
        self.values[field] = value
        return value

    def fail(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def done(self) -> None:
        if self.errors:
            raise ContentInvalid(self.errors)


def _catalog(store: db.Store) -> Catalog:
    return loaded_catalog(store) or load_catalog()


def _note(check: _Check, note: object, *, required: bool) -> str:
    return (
        check("note", clean_text, "note", note, max_chars=MAX_NOTE_CHARS, required=required) or ""
    )


# --- reading ----------------------------------------------------------------------------------


def events(store: db.Store, as_of: datetime | None = None) -> pd.DataFrame:
    """The events as they stand (or stood at `as_of`, UTC), as the pages read them."""
    return store.query("events", {"as_of": as_of})


def targets(store: db.Store) -> pd.DataFrame:
    """The current targets as stored: id, measure_id, category, target_month, from_month, value,
    label_da, label_en, source, is_demo."""
    return store.query("target_rows")


def month_texts(
    store: db.Store, month: date | None = None, as_of: datetime | None = None
) -> pd.DataFrame:
    """The month's text (month, section, body, batch_id, recorded_at, recorded_by), of one month
    or all, as it stands (or stood at `as_of`, UTC)."""
    frame = store.query("month_texts", {"as_of": as_of})
    if month is not None:
        frame = frame[pd.to_datetime(frame["month"]) == pd.Timestamp(month)]
    return frame.reset_index(drop=True)


def sections(catalog: Catalog) -> list[tuple[str, str]]:
    """(section id, heading) of the monthly note, in the note's order: the two headings, then
    Status på indsatser with one part per initiative of the catalog."""
    return [
        *HEADINGS.items(),
        *((f"{STATUS}{i.id}", f"{STATUS_HEADING}: {i.name_da}") for i in catalog.initiatives),
    ]


# --- events -----------------------------------------------------------------------------------

_EVENT_COLUMNS = [
    "event_id", "event_date", "date_text_da", "date_text_en", "initiative_id", "title_da",
    "title_en", "text_da", "text_en", "removed",
]  # fmt: skip


def _slug(text: str) -> str:
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:40] or "begivenhed"


def _fresh_id(base: str, seen: set[str]) -> str:
    candidate, n = base, 1
    while candidate in seen:
        n += 1
        candidate = f"{base}_{n}"
    return candidate


def _seen(conn: duckdb.DuckDBPyConnection, kind: str) -> set[str]:
    return {i for k, i in conn.execute(db.sql("content_seen")).fetchall() if k == kind}


def _current_event(conn: duckdb.DuckDBPyConnection, event_id: str) -> dict | None:
    frame = conn.execute(db.sql("events"), {"as_of": None}).df()
    match = frame[frame["id"] == event_id]
    return match.iloc[0].to_dict() if len(match) else None


def _last_change(conn: duckdb.DuckDBPyConnection, kind: str, key: str) -> tuple | None:
    """(batch_id, user_name, created_at) of the batch that last changed the event or target."""
    rows = conn.execute(db.sql("content_last_change")).fetchall()
    return next(((b, u, c) for k, i, b, u, c in rows if (k, i) == (kind, key)), None)


def last_changes(store: db.Store) -> dict[tuple[str, str], int]:
    """(kind, id) → the batch that last changed it, for a form to remember (`seen_batch`)."""
    return {(k, i): int(b) for k, i, b, _, _ in store.rows("content_last_change")}


def save_event(
    store: db.Store,
    fields: dict[str, Any],
    *,
    user: str,
    role: str | None,
    event_id: str | None = None,
    note: str = "",
    seen_batch: int | None = None,
) -> Saved:
    """Add an event (`event_id` None) or change one. `fields`: event_date, date_text_da
    (default: the month in words), initiative (None or '': the whole area), title_da, text_da,
    and optionally date_text_en, title_en, text_en (default: the Danish). `seen_batch` is the
    batch the form showed: if the event has changed since, nothing is saved and the message says
    so. Raises ContentInvalid (nothing saved) or access.NotAllowed."""
    require(role, CAPABILITY, DOING)
    check = _Check()
    when = check("event_date", _date, "event_date", fields.get("event_date"))
    title_da = check("title_da", clean_text, "title_da", fields.get("title_da"), max_chars=MAX_LINE_CHARS, required=True)  # fmt: skip
    title_en = check("title_en", clean_text, "title_en", fields.get("title_en"), max_chars=MAX_LINE_CHARS)  # fmt: skip
    date_da = check("date_text_da", clean_text, "date_text_da", fields.get("date_text_da"), max_chars=MAX_LINE_CHARS)  # fmt: skip
    date_en = check("date_text_en", clean_text, "date_text_en", fields.get("date_text_en"), max_chars=MAX_LINE_CHARS)  # fmt: skip
    text_da = check("text_da", clean_text, "text_da", fields.get("text_da"), max_chars=MAX_TEXT_CHARS, multiline=True)  # fmt: skip
    text_en = check("text_en", clean_text, "text_en", fields.get("text_en"), max_chars=MAX_TEXT_CHARS, multiline=True)  # fmt: skip
    initiative = check("initiative", clean_text, "initiative", fields.get("initiative"), max_chars=100) or None  # fmt: skip
    note = _note(check, note, required=False)
    catalog = _catalog(store)
    if initiative is not None and initiative not in {i.id for i in catalog.initiatives}:
        known = ", ".join(i.id for i in catalog.initiatives)
        check.fail("initiative", f"«indsats»: «{_short(initiative)}» er ikke en kendt indsats (kendte: {known}; tom = hele området)")  # fmt: skip
    check.done()
    row = {
        "event_date": when,
        "date_text_da": date_da or month_label(when, "da"),
        "date_text_en": date_en or date_da or month_label(when, "en"),
        "initiative_id": initiative,
        "title_da": title_da,
        "title_en": title_en or title_da,
        "text_da": text_da or "",
        "text_en": text_en or "",
        "removed": False,
    }
    with store.writer() as conn:
        if event_id is None:
            event_id = _fresh_id(f"{when:%Y%m%d}_{_slug(title_da)}", _seen(conn, "event"))
            action, counts = "event", {"new": 1}
        else:
            current = _current_event(conn, event_id)
            if current is None:
                raise ContentInvalid({"id": f"Begivenheden «{_short(event_id)}» findes ikke (eller er trukket tilbage)."})  # fmt: skip
            _not_changed_since(conn, "event", event_id, seen_batch)
            before = {
                "event_date": pd.Timestamp(current["event_date"]).date(),
                "date_text_da": current["date_text_da"],
                "date_text_en": current["date_text_en"],
                "initiative_id": current["initiative"]
                if isinstance(current["initiative"], str)
                else None,
                "title_da": current["title_da"],
                "title_en": current["title_en"],
                "text_da": current["text_da"],
                "text_en": current["text_en"],
                "removed": False,
            }
            if before == row:
                return Saved(None, event_id)
            action, counts = "event", {"changed": 1}
        batch_id = db.insert_batch(
            conn, action=action, user=user, counts=counts,
            note=note or f"begivenhed {event_id}",
        )  # fmt: skip
        _insert(conn, "insert_event_revisions", [{"event_id": event_id, **row}], _EVENT_COLUMNS, batch_id)  # fmt: skip
    return Saved(batch_id, event_id)


def retract_event(
    store: db.Store,
    event_id: str,
    *,
    user: str,
    role: str | None,
    note: str,
    seen_batch: int | None = None,
) -> Saved:
    """Retract an event: a revision marked removed, with a required reason (`note`)."""
    require(role, CAPABILITY, DOING)
    check = _Check()
    note = _note(check, note, required=True)
    check.done()
    with store.writer() as conn:
        current = _current_event(conn, event_id)
        if current is None:
            raise ContentInvalid({"id": f"Begivenheden «{_short(event_id)}» findes ikke (eller er allerede trukket tilbage)."})  # fmt: skip
        _not_changed_since(conn, "event", event_id, seen_batch)
        row = {
            "event_id": event_id,
            "event_date": current["event_date"],
            "date_text_da": current["date_text_da"],
            "date_text_en": current["date_text_en"],
            "initiative_id": current["initiative"]
            if isinstance(current["initiative"], str)
            else None,
            "title_da": current["title_da"],
            "title_en": current["title_en"],
            "text_da": current["text_da"],
            "text_en": current["text_en"],
            "removed": True,
        }
        batch_id = db.insert_batch(
            conn, action="event_retraction", user=user, counts={"retracted": 1}, note=note
        )
        _insert(conn, "insert_event_revisions", [row], _EVENT_COLUMNS, batch_id)
    return Saved(batch_id, event_id)


# --- targets ----------------------------------------------------------------------------------

_TARGET_COLUMNS = [
    "target_id", "measure_id", "category", "target_month", "from_month", "value", "label_da",
    "label_en", "source", "is_demo", "removed",
]  # fmt: skip


def _current_target(conn: duckdb.DuckDBPyConnection, tid: str) -> dict | None:
    frame = conn.execute(db.sql("target_rows")).df()
    match = frame[frame["id"] == tid]
    return match.iloc[0].to_dict() if len(match) else None


def save_target(
    store: db.Store,
    fields: dict[str, Any],
    *,
    user: str,
    role: str | None,
    target: str | None = None,
    note: str = "",
    seen_batch: int | None = None,
) -> Saved:
    """Add a target (`target` None) or change one (by its id). `fields`: measure, category ('' =
    the total), target_month (the deadline), from_month (optional), value, label_da, source,
    and optionally label_en (default: the Danish). A demo target stays marked demo."""
    require(role, CAPABILITY, DOING)
    check = _Check()
    measure = check("measure", clean_text, "measure", fields.get("measure"), max_chars=100, required=True)  # fmt: skip
    category = check("category", clean_text, "category", fields.get("category"), max_chars=100) or ""  # fmt: skip
    deadline = check("target_month", _month, "target_month", fields.get("target_month"))
    start = check("from_month", _month, "from_month", fields.get("from_month"), required=False)
    value = check("value", _value, fields.get("value"))
    label_da = check("label_da", clean_text, "label_da", fields.get("label_da"), max_chars=MAX_LINE_CHARS, required=True)  # fmt: skip
    label_en = check("label_en", clean_text, "label_en", fields.get("label_en"), max_chars=MAX_LINE_CHARS)  # fmt: skip
    source = check("source", clean_text, "source", fields.get("source"), max_chars=MAX_LINE_CHARS)  # fmt: skip
    note = _note(check, note, required=False)
    catalog = _catalog(store)
    if measure:
        known = {m.id: m for m in catalog.measures}
        if measure not in known:
            check.fail("measure", f"«måling»: «{_short(measure)}» er ikke en kendt måling i kataloget")  # fmt: skip
        elif category and category not in {c.id for c in known[measure].categories}:
            names = ", ".join(c.id for c in known[measure].categories) or "ingen"
            check.fail("category", f"«kategori»: «{_short(category)}» er ikke en kategori af {measure} (kendte: {names}; tom = i alt)")  # fmt: skip
    if deadline and start and start > deadline:
        check.fail("from_month", "«gælder fra» ligger efter målets måned")
    check.done()
    row = {
        "measure_id": measure,
        "category": category,
        "target_month": deadline,
        "from_month": start,
        "value": value,
        "label_da": label_da,
        "label_en": label_en or label_da,
        "source": source or "",
        "removed": False,
    }
    with store.writer() as conn:
        current_rows = conn.execute(db.sql("target_rows")).df()
        same = current_rows[
            (current_rows["measure_id"] == measure)
            & (current_rows["category"] == category)
            & (pd.to_datetime(current_rows["target_month"]) == pd.Timestamp(deadline))
            & (current_rows["id"] != (target or ""))
        ]
        if len(same):
            raise ContentInvalid({"target_month": f"«måned»: der er allerede et mål for {measure} i {month_label(deadline)}; ret det i stedet"})  # fmt: skip
        if target is None:
            target = _fresh_id(target_id(measure, category, deadline), _seen(conn, "target"))
            is_demo, counts = False, {"new": 1}
        else:
            current = _current_target(conn, target)
            if current is None:
                raise ContentInvalid({"id": f"Målet «{_short(target)}» findes ikke (eller er trukket tilbage)."})  # fmt: skip
            _not_changed_since(conn, "target", target, seen_batch)
            is_demo, counts = bool(current["is_demo"]), {"changed": 1}
            before = {
                "measure_id": current["measure_id"],
                "category": current["category"],
                "target_month": pd.Timestamp(current["target_month"]).date(),
                "from_month": None
                if pd.isna(current["from_month"])
                else pd.Timestamp(current["from_month"]).date(),  # fmt: skip
                "value": int(current["value"]),
                "label_da": current["label_da"],
                "label_en": current["label_en"],
                "source": current["source"],
                "removed": False,
            }
            if before == row:
                return Saved(None, target)
        batch_id = db.insert_batch(
            conn, action="target", user=user, counts=counts, note=note or f"mål {target}",
            is_demo=is_demo,
        )  # fmt: skip
        full = {"target_id": target, **row, "is_demo": is_demo}
        _insert(conn, "insert_target_revisions", [full], _TARGET_COLUMNS, batch_id)
    return Saved(batch_id, target)


def retract_target(
    store: db.Store,
    target: str,
    *,
    user: str,
    role: str | None,
    note: str,
    seen_batch: int | None = None,
) -> Saved:
    """Retract a target: a revision marked removed, with a required reason (`note`)."""
    require(role, CAPABILITY, DOING)
    check = _Check()
    note = _note(check, note, required=True)
    check.done()
    with store.writer() as conn:
        current = _current_target(conn, target)
        if current is None:
            raise ContentInvalid({"id": f"Målet «{_short(target)}» findes ikke (eller er allerede trukket tilbage)."})  # fmt: skip
        _not_changed_since(conn, "target", target, seen_batch)
        row = {
            "target_id": target,
            **{k: current[k] for k in _TARGET_COLUMNS[1:-1]},
            "from_month": None if pd.isna(current["from_month"]) else current["from_month"],
            "removed": True,
        }
        batch_id = db.insert_batch(
            conn, action="target_retraction", user=user, counts={"retracted": 1}, note=note,
            is_demo=bool(current["is_demo"]),
        )  # fmt: skip
        _insert(conn, "insert_target_revisions", [row], _TARGET_COLUMNS, batch_id)
    return Saved(batch_id, target)


# --- the month's text -------------------------------------------------------------------------


def save_month_text(
    store: db.Store,
    month: object,
    texts: dict[str, str],
    *,
    user: str,
    role: str | None,
    note: str = "",
    seen: dict[str, int | None] | None = None,
) -> Saved:
    """Save the month's text under its headings (section id → text, sections() gives them) as
    one batch: a changed heading is a new revision, an emptied one is removed, an unchanged one
    is left alone. `seen` is the batch of each heading's text the form showed (None: it had
    none): a heading changed since then by someone else stops the save, and says so."""
    require(role, CAPABILITY, DOING)
    check = _Check()
    the_month = check("month", _month, "month", month)
    known = dict(sections(_catalog(store)))
    cleaned: dict[str, str] = {}
    for section, raw in texts.items():
        if section not in known:
            check.fail(section, f"«{_short(section)}» er ikke en overskrift i månedens tekst")
            continue
        heading = known[section]
        try:
            cleaned[section] = clean_text(heading, raw, max_chars=MAX_SECTION_CHARS, multiline=True)
        except ValueError as exc:
            check.fail(section, str(exc))
    note = _note(check, note, required=False)
    check.done()
    with store.writer() as conn:
        now = conn.execute(db.sql("month_texts"), {"as_of": None}).df()
        now = now[pd.to_datetime(now["month"]) == pd.Timestamp(the_month)]
        current = dict(zip(now["section"], now["body"], strict=True))
        batches = dict(zip(now["section"], now["batch_id"], strict=True))
        if seen is not None:
            moved = [
                known[s]
                for s in cleaned
                if s in seen
                and (None if seen[s] is None else int(seen[s]))
                != (None if s not in batches else int(batches[s]))
            ]
            if moved:
                raise ContentInvalid(
                    {"month": "Teksten under " + ", ".join(f"«{h}»" for h in moved)
                     + " er ændret af en anden, siden du åbnede siden. Intet er gemt; "
                     "hent siden igen og se ændringen."}
                )  # fmt: skip
        rows, counts = [], {"new": 0, "changed": 0, "retracted": 0, "unchanged": 0}
        for section, body in cleaned.items():
            before = current.get(section)
            if (before or "") == body:
                counts["unchanged"] += 1
                continue
            removed = not body
            if removed:
                rows.append(
                    {"month": the_month, "section": section, "body": before, "removed": True}
                )
                counts["retracted"] += 1
            else:
                rows.append(
                    {"month": the_month, "section": section, "body": body, "removed": False}
                )
                counts["changed" if before is not None else "new"] += 1
        if not rows:
            return Saved(None, counts=tuple(counts.items()))
        batch_id = db.insert_batch(
            conn, action="month_text", user=user, counts=counts,
            note=note or f"månedens tekst for {month_label(the_month)}",
        )  # fmt: skip
        _insert(conn, "insert_month_text_revisions", rows, ["month", "section", "body", "removed"], batch_id)  # fmt: skip
    return Saved(batch_id, counts=tuple(counts.items()))


# --- shared -----------------------------------------------------------------------------------


def _not_changed_since(
    conn: duckdb.DuckDBPyConnection, kind: str, key: str, seen_batch: int | None
) -> None:
    """Stop a save when someone else changed the row after the form showed batch `seen_batch`."""
    if seen_batch is None:
        return
    last = _last_change(conn, kind, key)
    if last is not None and int(last[0]) != int(seen_batch):
        raise ContentInvalid(
            {"id": f"Den er ændret af {_short(last[1])} (indlæsning nr. {last[0]}), siden du "
             "åbnede formularen. Intet er gemt; hent siden igen og se ændringen."}
        )  # fmt: skip


def _insert(
    conn: duckdb.DuckDBPyConnection, query: str, rows: list[dict], columns: list[str], batch_id: int
) -> None:
    frame = pd.DataFrame(rows, columns=columns)
    conn.register("incoming", frame)
    try:
        conn.execute(db.sql(query), {"batch_id": batch_id})
    finally:
        conn.unregister("incoming")
