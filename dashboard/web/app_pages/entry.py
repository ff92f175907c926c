"""Indtast tal (analysts): a month and an initiative, one field per measure and category, each
pre-filled with the current value and last month's beside it. The import's rules run as the
analyst types (imports.import_rows with dry_run, the one rule engine): an error blocks saving
and is said at its field, warnings need a tick and a note. "Gem" saves the form as one batch
with the values the form showed (`expected=`): if someone saved in between, the analyst is told
what changed and nothing is overwritten.

Also `routes`: the write pages app.py registers for a reader who may change figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import streamlit as st

from dashboard.access import NotAllowed, Reader
from dashboard.corrections import Conflict, changed_since
from dashboard.db import Store
from dashboard.imports import ImportResult, import_rows
from dashboard.months import format_month, month_label
from dashboard.rules import MAX_NOTE_CHARS
from dashboard.web import appdata, writing
from dashboard.web.app_pages import frame_first
from dashboard.web.texts import fmt_int, markdown_literal, text

ENTRY_PAGE, UPLOAD_PAGE, FIX_PAGE = "indtast", "indlaes", "ret"


def routes(
    reader: Reader, lang: str, store: Store, framed: Callable[[Callable], Callable[[], None]]
) -> list[tuple[str, str, Callable[[], None]]]:
    """(path, title, render) of the write pages, for a reader who may change figures only."""
    from dashboard.web.app_pages import fix, upload

    if not reader.can("write_figures"):
        return []
    pages = ((ENTRY_PAGE, render), (UPLOAD_PAGE, upload.render), (FIX_PAGE, fix.render))
    return [
        (path, text(f"page_{path}", lang), framed(_bound(page, lang, store)))
        for path, page in pages
    ]


def _bound(page: Callable, lang: str, store: Store) -> Callable[[str, Reader], None]:
    return lambda frame, reader: page(frame, reader, lang=lang, store=store)


def acknowledged(warnings: list, key: str, lang: str, shown: int = 100) -> bool:
    """The warnings a save would add (the first `shown`), each escaped, and the tick that
    acknowledges them (its value; False when there are none). The note is asked for apart."""
    if not warnings:
        return False
    st.warning(
        text("entry_warnings", lang)
        + "\n\n"
        + "\n".join(f"- {markdown_literal(w.message)}" for w in warnings[:shown])
    )
    return st.checkbox(text("entry_ack", lang), key=key)


def flash(page: str, lines: list[str] | None = None, kind: str = "success") -> None:
    """Keep a message for the next run of `page` (after st.rerun)."""
    st.session_state[f"flash|{page}"] = (kind, lines or [])


def show_flash(page: str) -> None:
    """The message a save left for this run, once."""
    kind, lines = st.session_state.pop(f"flash|{page}", (None, []))
    if kind:
        getattr(st, kind)("\n\n".join(lines))


def render(frame: str, reader: Reader, *, lang: str, store: Store) -> None:
    if not reader.can("write_figures"):
        return  # app.py never routes here for other roles; the page checks again
    frame_first(frame)
    st.title(text("entry_title", lang))
    st.markdown(text("entry_intro", lang))
    show_flash(ENTRY_PAGE)
    catalog = appdata.catalog()
    left, right = st.columns(2)
    month: date = left.selectbox(
        text("entry_month", lang),
        writing.entry_months(),
        index=1,  # last month: the month whose figures come in now
        format_func=lambda m: month_label(m, lang),
        key="indtast_maaned",
    )
    initiative: str = right.selectbox(
        text("entry_initiative", lang),
        [i.id for i in catalog.initiatives],
        format_func=lambda i: catalog.initiative(i).name(lang),
        key="indtast_indsats",
    )
    form = f"indtast|{format_month(month)}|{initiative}"
    keys = {
        writing.field_key(month, initiative, f): f
        for f in writing.entry_fields(catalog, initiative)
    }
    now, before = writing.month_values(store, month)
    state = st.session_state
    if state.pop(form + "|nulstil", False):  # saved: the form starts again from the store
        for key in [*keys, form + "|vist", form + "|ok", form + "|note"]:
            state.pop(key, None)
    if form + "|vist" not in state:  # the values this form shows, kept until it is saved
        state[form + "|vist"] = {k: now.get(f.id) for k, f in keys.items()}
    shown: dict[str, int | None] = state[form + "|vist"]
    for key, value in state.pop(form + "|opdater", {}).items():
        state[key] = value
    # Saved by someone else since this form was opened: said now, before anything is saved.
    stale = refresh(store, month, keys, shown)
    if stale:
        st.error(
            "\n\n".join(
                [text("changed_since", lang)]
                + [f"- {markdown_literal(c.describe())}" for c in stale[:50]]
            )
        )
    for key in keys:
        if key not in state:
            state[key] = "" if shown[key] is None else str(shown[key])

    typed = {k: (f, str(state[k])) for k, f in keys.items()}
    rows = writing.entry_rows(month, typed)
    result = (
        import_rows(store, rows, user=reader.subject or "", role=reader.role, dry_run=True, catalog=catalog)
        if rows
        else None
    )  # fmt: skip
    at, loose = writing.problems_at(result.errors if result else [])
    for key, (_, value) in typed.items():
        if not value.strip() and shown[key] is not None:
            at.setdefault(key, []).append(text("entry_cleared", lang))

    for measure in catalog.measures_of(initiative):
        st.subheader(measure.label(lang))
        for key, field in keys.items():
            if field.measure is not measure:
                continue
            box, beside = st.columns([3, 2])
            box.text_input(field.label(lang), key=key)
            last = before.get(field.id)
            beside.markdown(
                text("entry_last_month", lang).format(
                    value="–" if last is None else fmt_int(last, lang)
                )
            )
            for reason in at.get(key, []):
                box.error(markdown_literal(reason))

    for reason in loose:
        st.error(markdown_literal(reason))
    warnings = result.warnings if result and not result.errors else []
    changes = result.n_new + result.n_changed if result and not result.errors else 0
    ack = acknowledged(warnings, form + "|ok", lang)
    note = st.text_area(
        text("entry_note_required" if warnings else "entry_note", lang),
        key=form + "|note",
        max_chars=MAX_NOTE_CHARS,
    )
    if at or loose:
        st.caption(text("entry_fix_errors", lang))
    elif not changes:
        st.caption(text("entry_nothing", lang))
    elif warnings and not (ack and note.strip()):
        st.caption(text("entry_needs_ack", lang))
    else:
        st.caption(text("entry_changes", lang).format(n=changes))
    blocked = bool(at or loose) or not changes or bool(warnings and not (ack and note.strip()))
    clicked = st.button(text("save", lang), key=form + "|gem", type="primary", disabled=blocked)
    if clicked and not stale:  # what changed since is seen before anything is saved
        try:
            saved = import_rows(
                store,
                rows,
                user=reader.subject or "",
                role=reader.role,
                catalog=catalog,
                action="entry",
                accept_warnings=bool(warnings),
                note=note,
                expected={(month, f.measure.id, f.category): shown[k] for k, f in keys.items()},
            )
        except NotAllowed as exc:
            st.error(str(exc))
            return
        _after_save(saved, form, typed, shown, lang)
        st.rerun()


def refresh(
    store: Store, month: date, keys: dict[str, writing.Field], shown: dict[str, int | None]
) -> list[Conflict]:
    """The figures of the form that someone saved since it was opened (corrections.changed_since
    against what it shows). Each such field the analyst has not changed takes the new value (what
    they typed stays), and the form shows the new values from now on."""
    by_figure = {(month, f.measure.id, f.category): k for k, f in keys.items()}
    with store.reader() as conn:
        stale = changed_since(conn, {figure: shown[k] for figure, k in by_figure.items()})
    state = st.session_state
    for conflict in stale:
        key = by_figure[conflict.key]
        was = "" if shown[key] is None else str(shown[key])
        if str(state.get(key, was)).strip() == was:
            state[key] = "" if conflict.now is None else str(conflict.now)
        shown[key] = conflict.now
    return stale


def _after_save(
    saved: ImportResult,
    form: str,
    typed: dict[str, tuple[writing.Field, str]],
    shown: dict[str, int | None],
    lang: str,
) -> None:
    """The message for the next run, and what the form shows then: after a save, the store's
    values; after a conflict, the new values in the fields the analyst did not change (their
    own typing stays), and the new values as what the form shows."""
    if saved.status == "saved":
        flash(
            ENTRY_PAGE,
            [
                text("saved_batch", lang).format(
                    batch=saved.batch_id, new=saved.n_new, changed=saved.n_changed
                )
            ],
        )
        st.session_state[form + "|nulstil"] = True
    elif saved.status == "conflict":
        by_figure = {(f.measure.id, f.category): k for k, (f, _) in typed.items()}
        update = {}
        for c in saved.conflicts:
            key = by_figure.get((c.key[1], c.key[2]))
            if key is None:
                continue
            if typed[key][1].strip() == ("" if shown[key] is None else str(shown[key])):
                update[key] = "" if c.now is None else str(c.now)
            shown[key] = c.now
        st.session_state[form + "|opdater"] = update
        flash(
            ENTRY_PAGE,
            [text("conflict", lang)] + [f"- {markdown_literal(c.describe())}" for c in saved.conflicts[:50]],
            "error",
        )  # fmt: skip
    elif saved.status == "no_change":
        flash(ENTRY_PAGE, [text("nothing_saved_same", lang)], "info")
    else:  # rejected, needs_ack: something changed between the check and the save
        lines = [markdown_literal(str(p)) for p in saved.errors[:20]]
        lines += [markdown_literal(w.message) for w in saved.warnings[:20]]
        flash(ENTRY_PAGE, [text("nothing_saved", lang), *lines], "error")
