"""Write pages for analysts (and admins): "Begivenheder og mål" (list, add, edit, retract) and
"Månedens tekst" (one text per heading of the monthly note, saved as one batch).

Signed-in only: app.py routes here only for a reader who may `write_content`; each page checks
again, and dashboard.content checks the role once more before it writes. Every save goes
through dashboard.content (one batch, one transaction, history kept); a refused save shows its
Danish message at the field and saves nothing. A save changes the database's data version, so
the reading pages (cached on it in appdata) show the change on their next run.

Each form remembers, for the session, the batch it was first filled from, and its widgets are
keyed by it: a save made after someone else changed the same event, target or heading is refused
by dashboard.content (`seen_batch` / `seen`) and says so instead of overwriting it; after one's
own save (or a reload of the page) the forms are filled again from what is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st

from dashboard import content
from dashboard.access import NotAllowed, Reader
from dashboard.catalog import Catalog
from dashboard.config import local_time
from dashboard.db import Store
from dashboard.months import month_label
from dashboard.web import appdata
from dashboard.web.app_pages import frame_first
from dashboard.web.texts import markdown_literal, text

NEW = ""  # the choice "new" in the pick lists
FLASH = "content_flash"  # a message to show after the rerun that follows a save


def _error(message: str) -> None:
    st.error(markdown_literal(message))


def _flash() -> None:
    if message := st.session_state.pop(FLASH, None):
        st.success(markdown_literal(message))


def _saved(message: str) -> None:
    st.session_state[FLASH] = message
    st.rerun()


class _Fields:
    """A place under each field of a form for its message."""

    def __init__(self) -> None:
        self.spots: dict[str, object] = {}

    def spot(self, field: str) -> None:
        self.spots[field] = st.empty()

    def show(self, errors: dict[str, str]) -> None:
        for field, message in errors.items():
            spot = self.spots.get(field) or self.spots.get("")
            if spot is None:
                _error(message)
            else:
                spot.error(markdown_literal(message))  # type: ignore[attr-defined]


def _seen(kind: str, chosen: str, changes: dict[tuple[str, str], int]) -> int | None:
    """The batch the form for this event or target was first filled from in this session (a
    save checks that nobody has changed it since); None for a new one."""
    if not chosen:
        return None
    return st.session_state.setdefault(f"seen-{kind}-{chosen}", changes.get((kind, chosen)))


def _forget_seen() -> None:
    """After a save of one's own: every form is filled again from what is stored."""
    for key in [k for k in st.session_state if str(k).startswith(("seen-", "text-seen-"))]:
        del st.session_state[key]


def _save(fields: _Fields, action: Callable[[], content.Saved], done: str) -> None:
    """Run a save; its messages at their fields, or the flash and a rerun."""
    try:
        saved = action()
    except content.ContentInvalid as exc:
        fields.show(exc.errors)
        return
    except NotAllowed as exc:
        _error(str(exc))
        return
    if saved.batch_id is None:
        st.info(text("content_nothing_changed", "da"))
        return
    _forget_seen()
    _saved(done.format(batch=saved.batch_id))


def _allowed(frame: str, reader: Reader, title: str) -> bool:
    if not reader.can(content.CAPABILITY):
        return False  # app.py never routes here for other roles; the page checks again
    frame_first(frame)
    st.title(title)
    _flash()
    return True


# --- Begivenheder og mål -------------------------------------------------------------------------


def render_events(frame: str, reader: Reader, *, lang: str, store: Store) -> None:
    if not _allowed(frame, reader, text("content_events_title", lang)):
        return
    catalog = appdata.catalog()
    changes = content.last_changes(store)
    st.subheader(text("content_events", lang))
    _events_section(store, reader, catalog, changes)
    st.subheader(text("content_targets", lang))
    _targets_section(store, reader, catalog, changes)


def _initiative_name(catalog: Catalog, initiative: object) -> str:
    if not isinstance(initiative, str) or not initiative:
        return "Hele området"
    return next((i.name_da for i in catalog.initiatives if i.id == initiative), initiative)


def _events_section(
    store: Store, reader: Reader, catalog: Catalog, changes: dict[tuple[str, str], int]
) -> None:
    events = content.events(store)
    if events.empty:
        st.markdown(text("content_no_events", "da"))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    "Dato": [pd.Timestamp(d).strftime("%Y-%m-%d") for d in events["event_date"]],
                    "Indsats": [_initiative_name(catalog, i) for i in events["initiative"]],
                    "Titel": events["title_da"],
                    "Id": events["id"],
                }
            ),
            hide_index=True,
        )
    by_id = {row["id"]: row for row in events.to_dict("records")}
    labels = {
        i: f"{pd.Timestamp(r['event_date']):%Y-%m-%d} – {r['title_da']}" for i, r in by_id.items()
    }
    chosen = st.selectbox(
        "Vælg en begivenhed at rette, eller opret en ny",
        [NEW, *by_id],
        format_func=lambda i: "Ny begivenhed" if i == NEW else labels[i],
        key="event_pick",
    )
    current = by_id.get(chosen, {})
    seen = _seen("event", chosen, changes)
    key = f"event-{chosen or 'ny'}-{seen}"
    initiatives = [NEW, *(i.id for i in catalog.initiatives)]
    fields = _Fields()
    with st.form(key):
        fields.spot("")
        fields.spot("id")
        when = st.date_input(
            "Dato",
            value=pd.Timestamp(current["event_date"]).date() if current else date.today(),
            min_value=date(2000, 1, 1),
            max_value=date(2100, 12, 31),
            format="YYYY-MM-DD",
        )
        fields.spot("event_date")
        date_da = st.text_input(
            "Datotekst (fx «efteråret 2024»; tom: måneden)", current.get("date_text_da", "")
        )
        fields.spot("date_text_da")
        initiative = st.selectbox(
            "Indsats",
            initiatives,
            index=initiatives.index(current["initiative"])
            if isinstance(current.get("initiative"), str) and current["initiative"] in initiatives
            else 0,
            format_func=lambda i: _initiative_name(catalog, i),
        )
        fields.spot("initiative")
        title_da = st.text_input("Titel", current.get("title_da", ""))
        fields.spot("title_da")
        text_da = st.text_area("Tekst", current.get("text_da", ""))
        fields.spot("text_da")
        with st.expander("Engelsk (tom: som den danske)"):
            title_en = st.text_input("Titel (engelsk)", current.get("title_en", ""))
            fields.spot("title_en")
            date_en = st.text_input("Datotekst (engelsk)", current.get("date_text_en", ""))
            fields.spot("date_text_en")
            text_en = st.text_area("Tekst (engelsk)", current.get("text_en", ""))
            fields.spot("text_en")
        note = st.text_input("Begrundelse (valgfri)", "")
        fields.spot("note")
        submitted = st.form_submit_button("Gem begivenhed")
    if submitted:
        values = {
            "event_date": when, "date_text_da": date_da, "date_text_en": date_en,
            "initiative": initiative or None, "title_da": title_da, "title_en": title_en,
            "text_da": text_da, "text_en": text_en,
        }  # fmt: skip
        _save(
            fields,
            lambda: content.save_event(
                store,
                values,
                user=reader.subject or "",
                role=reader.role,
                event_id=chosen or None,
                note=note,
                seen_batch=seen,
            ),  # fmt: skip
            "Begivenheden er gemt (indlæsning nr. {batch}).",
        )
    if chosen:
        _retract_form(
            f"retract-{key}",
            "Træk begivenheden tilbage",
            lambda note: content.retract_event(
                store,
                chosen,
                user=reader.subject or "",
                role=reader.role,
                note=note,
                seen_batch=seen,
            ),  # fmt: skip
            "Begivenheden er trukket tilbage (indlæsning nr. {batch}).",
        )


def _retract_form(key: str, label: str, action: Callable[[str], content.Saved], done: str) -> None:
    fields = _Fields()
    with st.form(key):
        fields.spot("id")
        note = st.text_input("Begrundelse for at trække tilbage (skal udfyldes)", "")
        fields.spot("note")
        submitted = st.form_submit_button(label)
    if submitted:
        _save(fields, lambda: action(note), done)


def _measure_choices(catalog: Catalog) -> dict[str, str]:
    """'measure' or 'measure:category' → its name, for the target form's pick list."""
    out = {}
    for m in catalog.measures:
        initiative = _initiative_name(catalog, m.initiative)
        out[m.id] = f"{initiative} – {m.label_da} (i alt)"
        for c in m.categories:
            out[f"{m.id}:{c.id}"] = f"{initiative} – {m.label_da}: {c.label_da}"
    return out


def _targets_section(
    store: Store, reader: Reader, catalog: Catalog, changes: dict[tuple[str, str], int]
) -> None:
    targets = content.targets(store)
    if targets.empty:
        st.markdown(text("content_no_targets", "da"))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    "Måling": targets["measure_id"],
                    "Kategori": targets["category"],
                    "Måned": [pd.Timestamp(m).strftime("%Y-%m") for m in targets["target_month"]],
                    "Værdi": targets["value"].astype(int),
                    "Betegnelse": [
                        ("DEMO: " if demo and not str(label).startswith("DEMO") else "") + label
                        for label, demo in zip(targets["label_da"], targets["is_demo"], strict=True)
                    ],
                    "Kilde": targets["source"],
                    "Id": targets["id"],
                }
            ),
            hide_index=True,
        )
    by_id = {row["id"]: row for row in targets.to_dict("records")}
    chosen = st.selectbox(
        "Vælg et mål at rette, eller opret et nyt",
        [NEW, *by_id],
        format_func=lambda i: "Nyt mål" if i == NEW else f"{i} – {by_id[i]['label_da']}",
        key="target_pick",
    )
    current = by_id.get(chosen, {})
    if current.get("is_demo"):
        st.caption("Et DEMO-mål: fiktivt, og det bliver ved med at være mærket DEMO.")
    seen = _seen("target", chosen, changes)
    key = f"target-{chosen or 'nyt'}-{seen}"
    choices = _measure_choices(catalog)
    which = (
        current["measure_id"] + (f":{current['category']}" if current["category"] else "")
        if current
        else next(iter(choices))
    )
    fields = _Fields()
    with st.form(key):
        fields.spot("")
        fields.spot("id")
        measure = st.selectbox(
            "Måling",
            list(choices),
            index=list(choices).index(which) if which in choices else 0,
            format_func=choices.get,
        )
        fields.spot("measure")
        fields.spot("category")
        deadline = st.text_input(
            "Måned målet skal nås (fx 2026-12)",
            pd.Timestamp(current["target_month"]).strftime("%Y-%m") if current else "",
        )
        fields.spot("target_month")
        start = st.text_input(
            "Gælder fra måned (valgfri)",
            ""
            if not current or pd.isna(current["from_month"])
            else pd.Timestamp(current["from_month"]).strftime("%Y-%m"),
        )
        fields.spot("from_month")
        value = st.text_input("Værdi (helt tal)", str(int(current["value"])) if current else "")
        fields.spot("value")
        label_da = st.text_input("Betegnelse (fx «Mål for budget 2026: 40»)", current.get("label_da", ""))  # fmt: skip
        fields.spot("label_da")
        label_en = st.text_input("Betegnelse (engelsk; tom: som den danske)", current.get("label_en", ""))  # fmt: skip
        fields.spot("label_en")
        source = st.text_input("Kilde (fx budget 2026)", current.get("source", ""))
        fields.spot("source")
        note = st.text_input("Begrundelse (valgfri)", "")
        fields.spot("note")
        submitted = st.form_submit_button("Gem mål")
    if submitted:
        measure_id, _, category = measure.partition(":")
        values = {
            "measure": measure_id, "category": category, "target_month": deadline,
            "from_month": start, "value": value, "label_da": label_da, "label_en": label_en,
            "source": source,
        }  # fmt: skip
        _save(
            fields,
            lambda: content.save_target(
                store,
                values,
                user=reader.subject or "",
                role=reader.role,
                target=chosen or None,
                note=note,
                seen_batch=seen,
            ),  # fmt: skip
            "Målet er gemt (indlæsning nr. {batch}).",
        )
    if chosen:
        _retract_form(
            f"retract-{key}",
            "Træk målet tilbage",
            lambda note: content.retract_target(
                store,
                chosen,
                user=reader.subject or "",
                role=reader.role,
                note=note,
                seen_batch=seen,
            ),  # fmt: skip
            "Målet er trukket tilbage (indlæsning nr. {batch}).",
        )


# --- Månedens tekst ------------------------------------------------------------------------------


def _months_to_write() -> list[pd.Timestamp]:
    """The months with figures, and the month after the latest (and this month): newest first."""
    months = set(appdata.available_months("drafts"))
    today = pd.Timestamp(date.today().replace(day=1))
    months.add(today)
    if months:
        months.add(max(months) + pd.offsets.MonthBegin(1))
    return sorted(months, reverse=True)


def render_month_text(frame: str, reader: Reader, *, lang: str, store: Store) -> None:
    if not _allowed(frame, reader, text("content_text_title", lang)):
        return
    catalog = appdata.catalog()
    months = _months_to_write()
    default = appdata.complete_month("drafts")
    month = st.selectbox(
        "Måned",
        months,
        index=months.index(default) if default in months else 0,
        format_func=lambda m: month_label(m.date()),
        key="text_month",
    )
    now = content.month_texts(store, month.date())
    bodies = dict(zip(now["section"], now["body"], strict=True))
    batches = {s: int(b) for s, b in zip(now["section"], now["batch_id"], strict=True)}
    headings = content.sections(catalog)
    # What the form was filled from, kept for the session: a save checks nobody changed it since.
    seen_key = f"text-seen-{month:%Y-%m}"
    seen: dict[str, int | None] = st.session_state.setdefault(
        seen_key, {s: batches.get(s) for s, _ in headings}
    )
    if len(now):
        last = now.sort_values("recorded_at").iloc[-1]
        when = local_time(last["recorded_at"], "%Y-%m-%d %H:%M")
        st.caption(markdown_literal(f"Senest gemt {when} af {last['recorded_by']}"))
    fields = _Fields()
    values: dict[str, str] = {}
    form_key = "-".join(str(seen.get(s)) for s, _ in headings)
    with st.form(f"text-{month:%Y-%m}-{form_key}"):
        fields.spot("")
        fields.spot("month")
        status_shown = False
        for section, heading in headings:
            status = section.startswith(content.STATUS)
            if status and not status_shown:
                st.subheader(content.STATUS_HEADING)
                status_shown = True
            elif not status:
                st.subheader(heading)
            values[section] = st.text_area(
                heading.split(": ", 1)[1] if status else heading,
                bodies.get(section, ""),
                height=160,
                key=f"text-{month:%Y-%m}-{section}-{seen.get(section)}",
                label_visibility="visible" if status else "collapsed",
            )
            fields.spot(section)
        note = st.text_input("Begrundelse (valgfri)", "")
        fields.spot("note")
        submitted = st.form_submit_button("Gem månedens tekst")
    if submitted:

        def save() -> content.Saved:
            return content.save_month_text(
                store, month.date(), values, user=reader.subject or "", role=reader.role,
                note=note, seen=seen,
            )  # fmt: skip

        _save(fields, save, f"Månedens tekst for {month_label(month.date())} er gemt (indlæsning nr. {{batch}}).")  # fmt: skip
