"""Ret og fortryd (analysts): change one earlier figure with a required reason (imports.import_rows
with the reason as the batch's note and the value shown as `expected=`), or withdraw it
(imports.retract); and undo a whole batch as a new batch (corrections.undo_batch). Nothing is
deleted: every revision stays in the figure's history, shown here."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard.access import NotAllowed, Reader
from dashboard.corrections import UndoRefused, undo_batch
from dashboard.db import Store
from dashboard.imports import import_rows, retract
from dashboard.months import format_month, month_label
from dashboard.records import RawRow
from dashboard.rules import MAX_NOTE_CHARS
from dashboard.web import appdata, writing
from dashboard.web.app_pages import frame_first
from dashboard.web.app_pages.entry import FIX_PAGE, acknowledged, flash, show_flash
from dashboard.web.texts import fmt_int, markdown_literal, text

VALUE_COLUMN = "ny værdi"


def render(frame: str, reader: Reader, *, lang: str, store: Store) -> None:
    if not reader.can("write_figures"):
        return  # app.py never routes here for other roles; the page checks again
    frame_first(frame)
    st.title(text("fix_title", lang))
    show_flash(FIX_PAGE)
    correct(store, reader, lang)
    undo(store, reader, lang)


def correct(store: Store, reader: Reader, lang: str) -> None:
    st.subheader(text("fix_one", lang))
    catalog = appdata.catalog()
    left, middle, right = st.columns(3)
    month: date = left.selectbox(
        text("entry_month", lang), writing.entry_months(), index=1,
        format_func=lambda m: month_label(m, lang), key="ret_maaned",
    )  # fmt: skip
    measure_id: str = middle.selectbox(
        text("fix_measure", lang),
        [m.id for m in catalog.measures],
        format_func=lambda m: _measure_name(catalog, m, lang),
        key="ret_maaling",
    )
    measure = catalog.measure(measure_id)
    category: str = right.selectbox(
        text("fix_category", lang),
        ["", *measure.category_ids],
        format_func=lambda c: measure.category_label(c, lang) if c else text("col_total", lang),
        key="ret_kategori",
    )
    key = (month, measure_id, category)
    now = writing.month_values(store, month)[0].get((measure_id, category))
    form = f"ret|{format_month(month)}|{measure_id}|{category}"
    # The value this form showed; saved by someone else since, it is said before anything is saved.
    shown = st.session_state.setdefault(form + "|vist", now)
    moved = shown != now
    if moved:
        st.error(
            text("fix_changed_since", lang).format(
                shown="–" if shown is None else fmt_int(shown, lang),
                now="–" if now is None else fmt_int(now, lang),
            )
        )
        st.session_state[form + "|vist"] = now
    st.markdown(text("fix_current", lang).format(value="–" if now is None else fmt_int(now, lang)))
    history = store.query(
        "figure_history", {"month": month, "measure": measure_id, "category": category}
    )
    if len(history):
        st.dataframe(writing.history_table(history), hide_index=True)
    value = st.text_input(text("fix_new_value", lang), key=form + "|vaerdi")
    reason = st.text_area(text("fix_reason", lang), key=form + "|grund", max_chars=MAX_NOTE_CHARS)
    rows = [
        RawRow(1, format_month(month), measure_id, category, value, None, {"value": VALUE_COLUMN})
    ]
    check = None
    if value.strip():
        check = import_rows(
            store, rows, user=reader.subject or "", role=reader.role, dry_run=True, catalog=catalog
        )
        for problem in check.errors:
            st.error(markdown_literal(problem.reason))
    warnings = check.warnings if check and not check.errors else []
    ack = acknowledged(warnings, form + "|ok", lang)
    ready = bool(check and not check.errors and (check.n_new or check.n_changed))
    has_reason = bool(reason.strip())
    if not has_reason:
        st.caption(text("fix_reason_needed", lang))
    save, withdraw = st.columns(2)
    if (
        save.button(
            text("fix_save", lang),
            key=form + "|gem",
            type="primary",
            disabled=not (ready and has_reason and (ack or not warnings)),
        )
        and not moved
    ):  # what changed since is seen before anything is saved
        try:
            saved = import_rows(
                store, rows, user=reader.subject or "", role=reader.role, catalog=catalog,
                action="correction", note=reason, accept_warnings=bool(warnings),
                expected={key: shown},
            )  # fmt: skip
        except NotAllowed as exc:
            st.error(str(exc))
            return
        if saved.status == "saved":
            flash(FIX_PAGE, [text("saved_batch", lang).format(batch=saved.batch_id, new=saved.n_new, changed=saved.n_changed)])  # fmt: skip
            _forget(form)
        elif saved.status == "conflict":
            lines = [f"- {markdown_literal(c.describe())}" for c in saved.conflicts]
            flash(FIX_PAGE, [text("conflict", lang), *lines], "error")
        else:
            lines = [markdown_literal(str(p)) for p in saved.errors[:20]]
            flash(FIX_PAGE, [text("nothing_saved", lang), *lines], "error")
        st.rerun()
    withdrawn = withdraw.button(
        text("fix_withdraw", lang), key=form + "|traek", disabled=now is None or not has_reason
    )
    if withdrawn and not moved:
        try:
            batch = retract(store, [key], user=reader.subject or "", role=reader.role, note=reason)
        except NotAllowed as exc:
            st.error(str(exc))
            return
        except ValueError as exc:
            flash(FIX_PAGE, [text("nothing_saved", lang), markdown_literal(str(exc))], "error")
        else:
            flash(FIX_PAGE, [text("withdrawn", lang).format(batch=batch)])
            _forget(form)
        st.rerun()


def _forget(form: str) -> None:
    for suffix in ("|vaerdi", "|grund", "|ok", "|vist"):
        st.session_state.pop(form + suffix, None)


def _measure_name(catalog: object, measure_id: str, lang: str) -> str:
    measure = catalog.measure(measure_id)  # type: ignore[attr-defined]
    initiative = catalog.initiative(measure.initiative)  # type: ignore[attr-defined]
    return f"{initiative.name(lang)}: {measure.label(lang)}"


def undo(store: Store, reader: Reader, lang: str) -> None:
    st.subheader(text("undo_title", lang))
    st.markdown(text("undo_intro", lang))
    batches = store.query("batches")
    if not len(batches):
        st.caption(text("undo_none", lang))
        return
    st.dataframe(writing.batches_table(batches), hide_index=True)
    with_figures = batches[
        (batches["n_new"] + batches["n_changed"] + batches["n_retracted"] > 0)
        & (batches["action"] != "reference")
    ].head(30)
    if not len(with_figures):
        st.caption(text("undo_none", lang))
        return
    batch_id = st.selectbox(
        text("undo_pick", lang),
        [int(b) for b in with_figures["id"]],
        format_func=lambda b: text("undo_option", lang).format(batch=b),
        key="fortryd_nr",
    )
    reason = st.text_area(text("fix_reason", lang), key=f"fortryd|{batch_id}|grund", max_chars=MAX_NOTE_CHARS)  # fmt: skip
    if st.button(
        text("undo_button", lang).format(batch=batch_id),
        key=f"fortryd|{batch_id}|gem",
        disabled=not reason.strip(),
    ):
        try:
            done = undo_batch(
                store, batch_id, user=reader.subject or "", role=reader.role, note=reason,
                catalog=appdata.catalog(),
            )  # fmt: skip
        except NotAllowed as exc:
            st.error(str(exc))
            return
        except UndoRefused as exc:
            flash(FIX_PAGE, [text("nothing_saved", lang), markdown_literal(str(exc))], "error")
        else:
            flash(
                FIX_PAGE,
                [text("undone", lang).format(batch=batch_id, new=done.batch_id, restored=done.restored, retracted=done.retracted)],
            )  # fmt: skip
            st.session_state.pop(f"fortryd|{batch_id}|grund", None)
        st.rerun()
