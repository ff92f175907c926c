"""The Streamlit entrypoint: the gate (who is reading, dashboard.web.auth), then the frame (page
links, language, period, level/change, the DEMO chip: a top bar at the start of each page's one
HTML block) and the router. The reader's choices live in the address (dashboard.web.settings),
so the frame is plain links and one form, and pages are one block of HTML each
(dashboard.web.views), cached per data version in dashboard.web.appdata.

The gate runs before any figure is read:
- the local test sign-in on a database not made by `init --demo` stops here (auth);
- `?log_ud=1` signs out, `?log_ind=1` (or the "Log ind" page's button) starts the sign-in;
- a signed-in identity without a role sees "Ingen adgang" and nothing else;
- an anonymous reader sees the public view when it is on, else only the "Log ind" page;
- a signed-in reader sees the pages of their role (analysts and admins also "Begivenheder og
  mål" and "Månedens tekst", admins also "Administration").
Sign-ins, refused sign-ins and pages, and views of internal pages go to the access log, never
to the figures' database.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from functools import partial

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard import accesslog, approvals
from dashboard.access import NotAllowed, Reader
from dashboard.db import Store
from dashboard.months import month_label
from dashboard.web import appdata, auth, memory, views
from dashboard.web.app_pages import (
    admin,
    check_database,
    compare,
    content,
    database_trouble,
    entry,
    export,
    history,
    initiative,
    login,
    noaccess,
    overview,
    report,
)
from dashboard.web.settings import PAGE, language
from dashboard.web.texts import text

LOG_OUT = "log_ud"  # ?log_ud=1 signs out (the frame's "Log ud" link)
LOG_IN = "log_ind"  # ?log_ind=1 starts the sign-in
LOGIN_PAGE = "log-ind"  # ?side=log-ind: the "Log ind" page
ADMIN_PAGE = "admin"  # ?side=admin: users and the access log (admins)
EVENTS_PAGE = "begivenheder"  # ?side=begivenheder: events and targets (analysts, admins)
TEXT_PAGE = "maanedens-tekst"  # ?side=maanedens-tekst: the month's text (analysts, admins)
HISTORY_PAGE = "historik"  # ?side=historik: the audit log and every figure's revisions
EXPORT_PAGE = views.EXPORT_PAGE  # ?side=eksport&for=<page>: a page's files (export.py)

st.set_page_config(page_title="krimdash", layout="wide")


def record(event: str, **entry: object) -> None:
    """accesslog.record; an access log that cannot be written (a full or read-only disk) is
    said in the server's log, and the page is served all the same (as the CLI warns and goes on)."""
    try:
        accesslog.record(event, **entry)  # type: ignore[arg-type]
    except (OSError, sqlite3.Error) as exc:
        logging.getLogger(__name__).error(
            "the access log could not be written (%s): %s", event, exc
        )


# Free memory goes back to the system when readers leave (glibc's malloc_trim; once per process).
memory.start()
lang = language(st.query_params.to_dict())
store = appdata.store()
if not store.exists():
    st.error(text("no_database", lang))
    st.stop()
# The start-up check (once per change of the file): it opens, its schema version is known, its
# write-ahead log replays; else a Danish message naming the latest backup, and nothing more.
check_database(store, lang)

secrets = auth.secrets()
configured = auth.signin_configured(secrets)
# Every read and write of a page run is inside database_trouble: a busy, damaged or unwritable
# database is a Danish message on the page, never a stack trace.
with database_trouble(lang):
    if refusal := auth.test_login_refusal(store, secrets):
        st.error(refusal)
        st.stop()
    reader = auth.current_reader(store, secrets)
    public = auth.public_view(store)

asked = st.query_params.get(PAGE, "")
who = reader.subject or ""  # "" for an anonymous reader

if configured and reader.signed_in and st.query_params.get(LOG_OUT):
    auth.log_out()
    st.stop()
if configured and not reader.signed_in and st.query_params.get(LOG_IN):
    auth.log_in()
    st.stop()


def first_run_of_session() -> bool:
    """True once per browser session: the run a sign-in (or a refused one) is logged in."""
    ctx = get_script_run_ctx()
    session = ctx.session_id if ctx else ""
    if session in auth.SESSIONS_LOGGED:
        return False
    if len(auth.SESSIONS_LOGGED) > 100_000:  # a long-running server: start over
        auth.SESSIONS_LOGGED.clear()
    auth.SESSIONS_LOGGED.add(session)
    return True


if reader.signed_in and reader.audience is None:  # signed in, but no role: nothing else
    if first_run_of_session():
        record("sign_in_refused", who=who, role=None, what="ingen rolle", ok=False)
    if asked:
        record("page_refused", who=who, role=None, target=asked[:64], ok=False)
    noaccess.render(reader, lang=lang, log_out=auth.log_out)
    st.stop()
if reader.signed_in and first_run_of_session():
    record("sign_in", who=who, role=reader.role)

if not reader.signed_in and not public:  # the public view is off: the "Log ind" page only
    if asked and asked != LOGIN_PAGE:
        record("page_refused", who=who, role=None, target=asked[:64], ok=False)
    login.render("", reader, lang=lang, public=False, configured=configured, log_in=auth.log_in)
    st.stop()

# What the pages show the reader (public / approved / drafts); None: signed in without a role
# (stopped above).
audience = reader.audience
with database_trouble(lang):
    settings = appdata.settings(audience or "public", reader)
    demo, _ = appdata.demo_status(settings.as_of)
    catalog = appdata.catalog()
lang = settings.lang

frame = ""  # the frame's HTML, made below once the current page is known


def framed(render: Callable[[str, Reader], None]) -> Callable[[], None]:
    """The page's render, given the frame to put at the start of its one HTML block and the reader."""
    return lambda: render(frame, reader)


routes = [  # (path, title, render); the overview's path is ''
    ("", text("page_overview", lang), framed(overview.render)),
    *((i.id, i.name(lang), framed(partial(initiative.render, i.id))) for i in catalog.initiatives),
    ("sammenlign", text("page_compare", lang), framed(compare.render)),
]
if not reader.signed_in and configured:
    page_login = partial(login.render, lang=lang, public=True, configured=True, log_in=auth.log_in)
    routes.append((LOGIN_PAGE, text("page_login", lang), framed(page_login)))
if reader.can("write_content"):
    routes.append((EVENTS_PAGE, text("page_content_events", lang), framed(partial(content.render_events, lang=lang, store=store))))  # fmt: skip
    routes.append((TEXT_PAGE, text("page_content_text", lang), framed(partial(content.render_month_text, lang=lang, store=store))))  # fmt: skip
if reader.can("manage_users") or reader.can("read_access_log"):
    routes.append((ADMIN_PAGE, text("page_admin", lang), framed(partial(admin.render, lang=lang, store=store))))  # fmt: skip
routes += entry.routes(reader, lang, store, framed)  # ?side=indtast|indlaes|ret (write_figures)
# The export page: reached from each reading page's export menu, not listed in the frame.
routes.append((EXPORT_PAGE, text("page_export", lang), framed(export.render)))
if reader.can(report.CAPABILITY):  # the monthly note (rådmand, analysts)
    routes.append((report.REPORT_PAGE, text("page_report", lang), framed(partial(report.render, lang=lang, store=store))))  # fmt: skip
if appdata.may_go_back(reader):
    routes.append((HISTORY_PAGE, text("page_history", lang), framed(history.render)))
# Every page lives at the root, named in the address (`?side=top100`, settings.PAGE): at a path
# address such as /top100 Streamlit's frontend first looks for its server under that path (a 404
# at /top100/_stcore/health) and tries the root only 100 ms later, on every visit. The root
# shows the page the address names; path addresses (older bookmarks) still work.
paths = {path for path, _, _ in routes}
if asked and asked not in paths:
    record("page_refused", who=who, role=reader.role, target=asked[:64], ok=False)
home = asked if asked in paths else ""
pages = [
    (path, title, st.Page(render, title=title, url_path=path or "overblik", default=path == home))
    for path, title, render in routes
]
# The router keeps Streamlit's page addresses; the links to them are our own (they carry the settings).
page = st.navigation([p for _, _, p in pages], position="hidden")
current = next((path for path, _, p in pages if p.url_path == page.url_path), "")
# The browser tab names the page ("TOP100 – krimdash"). A page_title from set_page_config wins over
# st.Page's title in Streamlit's frontend, and the later call wins: so it is set again here.
st.set_page_config(page_title=text("tab_title", lang).format(page=page.title))
# The frame is a top bar at the start of the page's one st.html (not in a sidebar a tablet hides
# behind "»"); st.html, not widgets or st.markdown: each costs the browser a script of its own.
if current == EXPORT_PAGE:  # the frame's links and period form stay on this page's export
    settings = export.with_target(settings)
with database_trouble(lang):
    frame = views.sidebar(
        settings,
        [(path, title) for path, title, _ in pages if path != EXPORT_PAGE],
        current,
        appdata.available_months(audience, settings.as_of) if audience else [],
        bool(demo),
        reader,
        appdata.draft_months(audience, settings.as_of) if audience else frozenset(),
    )
    if reader.signed_in:  # a look at internal figures (the public view is open material)
        target = "&".join(f"{k}={v}" for k, v in settings.params().items())
        record("page_view", who=who, role=reader.role, what=current or "overblik", target=target)
    page.run()


def approval(store: Store, reader: Reader, lang: str) -> None:
    """Under the overview, for the rådmand: the shown month's status and the button that
    approves it (or reopens it). The store checks the role again (approvals.approve)."""
    audience = reader.audience or "public"
    months = appdata.available_months(audience)
    if not months:
        return
    default = appdata.complete_month(audience) or months[-1]
    month = appdata.settings(audience).month_param(appdata.OVERVIEW_MONTH, months, default)
    approved = approvals.statuses(store).get(month) == approvals.APPROVED
    label = month_label(month.date(), lang)
    st.markdown(
        text("month_status_approved" if approved else "month_status_draft", lang).format(
            month=label
        )
    )
    key = "reopen" if approved else "approve"
    if st.button(text(f"{key}_button", lang).format(month=label), key=f"{key}-{month:%Y-%m}"):
        act = approvals.reopen if approved else approvals.approve
        try:
            act(store, month, user=reader.subject or "", role=reader.role)
        except NotAllowed as e:
            record(key, who=who, role=reader.role, target=f"{month:%Y-%m}", ok=False)
            st.error(str(e))
            return
        record(key, who=who, role=reader.role, target=f"{month:%Y-%m}")
        st.rerun()


if current == "" and reader.can("approve") and settings.as_of is None:  # not in a past view
    with database_trouble(lang):
        approval(store, reader, lang)
