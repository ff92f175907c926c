"""Indlæs fil (analysts): a CSV or XLSX file (every variant `krimdash import` reads) is checked
by the import itself (imports.import_file with dry_run) and previewed: counts, a bounded table
of rows as new, changed (old → new) or unchanged, each error with line, column and reason. "Gem"
saves it as one batch with the preview's plan as `expected=`; a rejected file saves nothing.
The pre-filled wide template for a range of months downloads from the same page.

An upload is hostile input: it is kept under a safe base name in a private folder of its own
(writing.save_upload), read with the file limits of dashboard.files, and removed once saved or
rejected."""

from __future__ import annotations

import io
from datetime import date

import streamlit as st

from dashboard.access import NotAllowed, Reader
from dashboard.corrections import shown_by
from dashboard.db import Store
from dashboard.exports import write_template
from dashboard.files import MAX_FILE_BYTES
from dashboard.imports import ImportResult, import_file
from dashboard.months import format_month, month_label
from dashboard.rules import MAX_NOTE_CHARS
from dashboard.web import appdata, writing
from dashboard.web.app_pages import frame_first
from dashboard.web.app_pages.entry import UPLOAD_PAGE, acknowledged, flash, show_flash
from dashboard.web.texts import fmt_int, markdown_literal, text

STATE = "indlaes|fil"  # session state: the upload being previewed
MAX_UPLOAD_MB = MAX_FILE_BYTES // (1024 * 1024)


def render(frame: str, reader: Reader, *, lang: str, store: Store) -> None:
    if not reader.can("write_figures"):
        return  # app.py never routes here for other roles; the page checks again
    frame_first(frame)
    st.title(text("upload_title", lang))
    st.markdown(text("upload_intro", lang).format(mb=MAX_UPLOAD_MB))
    show_flash(UPLOAD_PAGE)
    uploaded = st.file_uploader(
        text("upload_choose", lang),
        # No `type=`: Streamlit would refuse another suffix or a NUL in the name with an
        # exception of its own; writing.safe_upload_name refuses them in Danish instead.
        max_upload_size=MAX_UPLOAD_MB,
        key="indlaes_fil",
    )
    state = st.session_state
    current = state.get(STATE)
    if uploaded is None:
        if current:
            writing.remove_upload(current.get("path"))
            del state[STATE]
    elif current is None or current["id"] != uploaded.file_id:
        if current:
            writing.remove_upload(current.get("path"))
        state[STATE] = current = preview(store, reader, uploaded.name, uploaded.getvalue(), lang)
        current["id"] = uploaded.file_id
    if current:
        show_preview(store, reader, current, lang)
    template(store, lang)


def preview(store: Store, reader: Reader, name: str, data: bytes, lang: str) -> dict:
    """Check an upload without saving it: {"name", "path" (None once removed), "result" or
    "refused" (a Danish reason)}."""
    try:
        safe = writing.safe_upload_name(name)
    except writing.UploadRefused as exc:
        return {"name": "", "path": None, "refused": str(exc)}
    if len(data) > MAX_FILE_BYTES:  # the uploader's own limit, said the import's way
        return {"name": safe, "path": None, "refused": text("upload_too_large", lang).format(mb=MAX_UPLOAD_MB)}  # fmt: skip
    path = writing.save_upload(data, safe)
    with st.status(text("upload_reading", lang).format(name=safe), expanded=False) as status:
        result = import_file(
            store, path, user=reader.subject or "", role=reader.role, dry_run=True, catalog=appdata.catalog()
        )  # fmt: skip
        status.update(label=text("upload_read", lang).format(name=safe), state="complete")
    if result.status != "dry_run":  # rejected: nothing to save, so nothing kept
        writing.remove_upload(path)
        path = None
    return {"name": safe, "path": path, "result": result}


def show_preview(store: Store, reader: Reader, current: dict, lang: str) -> None:
    if "refused" in current:
        st.error(text("upload_refused", lang) + " " + markdown_literal(current["refused"]))
        return
    result: ImportResult = current["result"]
    st.subheader(text("upload_preview", lang).format(name=markdown_literal(current["name"])))
    if result.status == "rejected":
        st.error(
            text("upload_rejected", lang).format(
                n=fmt_int(len(result.errors), lang), name=markdown_literal(current["name"])
            )
        )
        st.dataframe(writing.problems_table(result.errors), hide_index=True)
        if len(result.errors) > writing.MAX_PROBLEMS_SHOWN:
            st.caption(text("upload_more_errors", lang).format(n=writing.MAX_PROBLEMS_SHOWN))
        return
    counts = (result.n_new, result.n_changed, result.n_unchanged)
    st.markdown(
        text("upload_counts", lang).format(
            new=fmt_int(counts[0], lang), changed=fmt_int(counts[1], lang), unchanged=fmt_int(counts[2], lang)
        )
    )  # fmt: skip
    if max(counts) > writing.PREVIEW_ROWS:
        st.caption(text("upload_sample", lang).format(n=writing.PREVIEW_ROWS))
    catalog = appdata.catalog()
    st.dataframe(
        writing.preview_table(result.sample, catalog),
        hide_index=True,
    )
    if current.get("saved"):
        return
    ack = acknowledged(result.warnings, "indlaes|ok", lang)
    note = st.text_area(
        text("entry_note_required" if result.warnings else "entry_note", lang),
        key="indlaes|note",
        max_chars=MAX_NOTE_CHARS,
    )
    nothing = not result.n_new and not result.n_changed
    if nothing:
        st.caption(text("entry_nothing", lang))
    elif result.warnings and not (ack and note.strip()):
        st.caption(text("entry_needs_ack", lang))
    blocked = nothing or bool(result.warnings and not (ack and note.strip()))
    if st.button(text("save", lang), key="indlaes|gem", type="primary", disabled=blocked):
        save(store, reader, current, note, lang)
        st.rerun()


def save(store: Store, reader: Reader, current: dict, note: str, lang: str) -> None:
    """Save the previewed file with the values its preview showed; a conflict re-checks it."""
    result: ImportResult = current["result"]
    try:
        with st.spinner(text("upload_saving", lang)):
            saved = import_file(
                store,
                current["path"],
                user=reader.subject or "",
                role=reader.role,
                catalog=appdata.catalog(),
                accept_warnings=bool(result.warnings),
                note=note,
                expected=shown_by(result),
            )
    except NotAllowed as exc:
        flash(UPLOAD_PAGE, [str(exc)], "error")
        return
    if saved.status == "saved":
        flash(
            UPLOAD_PAGE,
            [
                text("saved_batch", lang).format(
                    batch=saved.batch_id, new=saved.n_new, changed=saved.n_changed
                )
            ],
        )
        writing.remove_upload(current["path"])
        current["saved"] = saved.batch_id
        return
    if saved.status == "conflict":
        lines = [text("conflict", lang)]
        lines += [f"- {markdown_literal(c.describe())}" for c in saved.conflicts[:50]]
        if len(saved.conflicts) > 50:
            lines.append(text("and_more", lang).format(n=len(saved.conflicts) - 50))
        flash(UPLOAD_PAGE, lines, "error")
        # The preview again, against the figures as they are now.
        current["result"] = import_file(
            store, current["path"], user=reader.subject or "", role=reader.role, dry_run=True,
            catalog=appdata.catalog(),
        )  # fmt: skip
        return
    if saved.status == "no_change":
        flash(UPLOAD_PAGE, [text("nothing_saved_same", lang)], "info")
        return
    lines = [markdown_literal(str(p)) for p in saved.errors[:20]]
    lines += [markdown_literal(w.message) for w in saved.warnings[:20]]
    flash(UPLOAD_PAGE, [text("nothing_saved", lang), *lines], "error")


def template(store: Store, lang: str) -> None:
    """The wide template for a range of months, pre-filled with the current values (as
    `krimdash template` writes it)."""
    st.subheader(text("template_title", lang))
    st.markdown(text("template_intro", lang))
    months = writing.entry_months()
    left, right = st.columns(2)
    first: date = left.selectbox(
        text("from", lang), months, index=11, format_func=lambda m: month_label(m, lang), key="skabelon_fra"
    )  # fmt: skip
    last: date = right.selectbox(
        text("to", lang), months, index=1, format_func=lambda m: month_label(m, lang), key="skabelon_til"
    )  # fmt: skip
    if last < first:
        st.caption(text("template_order", lang))
        return
    key = f"skabelon|{format_month(first)}|{format_month(last)}"
    if st.button(text("template_make", lang), key="skabelon_lav"):
        out = io.BytesIO()
        write_template(store, first, last, out, catalog=appdata.catalog())  # type: ignore[arg-type]
        st.session_state[key] = out.getvalue()
    if key in st.session_state:
        st.download_button(
            text("template_download", lang),
            st.session_state[key],
            file_name=f"krimdash-skabelon-{format_month(first)}-{format_month(last)}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key="skabelon_hent",
        )
