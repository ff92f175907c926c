"""Who may see and do what: roles, what each may do, and the reader a page is drawn for.

Roles are kept in the database (`krimdash user add SUBJECT --role ...`). A page asks the
reader's audience before it reads anything, and the store's write path asks the actor's
capability again, so neither a crafted address nor crafted session state reaches a draft
month or a write.

- viewer (committee member): approved months, exact figures;
- raadmand: also draft months (marked KLADDE) and the history (Historik, the dashboard as it
  stood at a moment); approves a month and can reopen it;
- analyst: everything the rådmand sees, and changes figures, events, targets and the month's
  text (`write_content`, which the admin has too);
- admin: users and roles, the public view's switch and the access log, and reads all months;
- the command line (`LOCAL`): whoever can run krimdash on the server holds the database file
  itself, so the CLI may do everything; it records the name given with --user.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Literal

import duckdb

from . import db

ROLES = ("viewer", "raadmand", "analyst", "admin")
LOCAL = "lokal"  # the command line's role

# What a reader is shown: the protected public view, approved months, or drafts too.
Audience = Literal["public", "approved", "drafts"]

# read_history: the audit log, every revision of a figure and the dashboard as it stood at a
# moment (the Historik page, `pr=` in the address): for those who see drafts. make_note: the
# monthly note from the Rapport page (the rådmand approves it, analysts write it).
CAPABILITIES: dict[str, frozenset[str]] = {
    "viewer": frozenset({"read_approved"}),
    "raadmand": frozenset({"read_approved", "read_drafts", "read_history", "approve", "make_note"}),
    "analyst": frozenset(
        {
            "read_approved",
            "read_drafts",
            "read_history",
            "write_figures",
            "write_content",
            "make_note",
        }
    ),
    "admin": frozenset(
        {
            "read_approved",
            "read_drafts",
            "read_history",
            "manage_users",
            "read_access_log",
            "set_public",
            "write_content",
        }
    ),  # fmt: skip
}
CAPABILITIES[LOCAL] = frozenset().union(*CAPABILITIES.values())


class NotAllowed(PermissionError):
    """The actor's role does not allow the action; the message is Danish."""


@dataclass(frozen=True)
class Reader:
    """The person a page is drawn for. `subject` is None for an anonymous reader; `role` is
    None for an anonymous reader and for a signed-in identity without a role."""

    subject: str | None = None
    name: str = ""
    role: str | None = None
    test_login: bool = False  # signed in through the local test provider (red TEST-LOGIN bar)

    @property
    def signed_in(self) -> bool:
        return self.subject is not None

    def can(self, capability: str) -> bool:
        return self.role is not None and capability in CAPABILITIES.get(self.role, frozenset())

    @property
    def audience(self) -> Audience | None:
        """What the pages show this reader; None: a signed-in identity without a role, who
        sees a polite "no access" and nothing else."""
        if self.can("read_drafts"):
            return "drafts"
        if self.can("read_approved"):
            return "approved"
        return None if self.signed_in else "public"


def require(role: str | None, capability: str, doing: str) -> None:
    """Raise NotAllowed unless `role` has `capability`; `doing` names the action in Danish."""
    if role is None or capability not in CAPABILITIES.get(role, frozenset()):
        raise NotAllowed(f"Din rolle ({role or 'ingen'}) må ikke {doing}.")


# --- kept in the database: users and their roles, the public view's switch -------------------
# Every write below checks the actor's role (`by_role`, `role`) before it opens the writer; the
# command line passes LOCAL, the web the signed-in reader's role.

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def normal_subject(subject: object) -> str:
    """A subject as stored: the identity's `sub` as it is, an e-mail in lower case; a Danish
    ValueError for an empty, overlong or control-character subject."""
    text = str(subject or "").strip()
    if not text:
        raise ValueError("brugerens id (sub eller e-mail) mangler")
    if len(text) > 254 or _CONTROL.search(text):
        raise ValueError("brugerens id må højst have 254 tegn og ingen kontroltegn")
    return text.lower() if "@" in text else text


def _role_from_db(conn: duckdb.DuckDBPyConnection, subject: str) -> str | None:
    row = conn.execute(db.sql("role_of"), {"subject": subject}).fetchone()
    return row[0] if row else None


@dataclass(frozen=True)
class _Snapshot:
    """What the gate reads on every page run, read in one connection per data version."""

    users: dict[str, str]
    settings: dict[str, str]
    all_demo: bool  # there are figures and every one is a demo figure


@lru_cache(maxsize=16)
def _snapshot_at(path: str, version: tuple[int, ...]) -> _Snapshot:
    """The users, settings and demo status of the database at `path` as of `version` (its data
    version: a write changes it, so a cached snapshot is never stale)."""
    with db.Store(path).reader() as conn:
        demo_figures, all_figures = conn.execute(db.sql("demo_status")).fetchone()
        try:
            users = {s: r for s, r, *_ in conn.execute(db.sql("users")).fetchall()}
            settings = dict(conn.execute(db.sql("settings")).fetchall())
        except duckdb.CatalogException:  # a database from before schema version 5
            users, settings = {}, {}
    return _Snapshot(users, settings, bool(all_figures) and demo_figures == all_figures)


def _snapshot(store: db.Store) -> _Snapshot:
    return _snapshot_at(store.location, store.data_version())


def role_of(
    store: db.Store, subject: str | None, groups: Iterable[str] = (), *, email: str | None = None
) -> str | None:
    """The role of a signed-in identity, or None (no access): its `sub`, else its e-mail
    (`email`), as added with `krimdash user add`. `groups` is the identity's group claim: a
    group id added as a subject (`krimdash user add GROUP-ID --role ...`) gives its role to its
    members, and the identity's own role wins over its groups'. A database without the users
    table (or without a file) gives None. Cheap on every page run: the users are read once per
    data version of the database."""
    candidates = []
    for value in (subject, email, *groups):
        try:
            candidates.append(normal_subject(value))
        except ValueError:
            continue
    if not candidates:
        return None
    try:
        users = _snapshot(store).users
    except db.DatabaseMissing:
        return None
    return next((users[c] for c in candidates if c in users), None)


def add_user(store: db.Store, subject: str, role: str, *, by: str, by_role: str | None) -> bool:
    """Give `subject` a role (or change its role); True if it is a new user."""
    require(by_role, "manage_users", "ændre brugere og roller")
    subject = normal_subject(subject)
    if role not in ROLES:
        raise ValueError(f"ukendt rolle «{role}» (mulige: {', '.join(ROLES)})")
    with store.writer() as conn:
        new = _role_from_db(conn, subject) is None
        conn.execute(
            db.sql("upsert_user"),
            {"subject": subject, "role": role, "added_at": db.utc_now(), "added_by": by},
        )
    return new


def remove_user(store: db.Store, subject: str, *, by: str, by_role: str | None) -> None:
    """Take a user's role away; a Danish ValueError if the subject has none."""
    require(by_role, "manage_users", "ændre brugere og roller")
    subject = normal_subject(subject)
    with store.writer() as conn:
        if not conn.execute(db.sql("role_of"), {"subject": subject}).fetchall():
            raise ValueError(f"«{subject}» er ikke bruger (se krimdash user list)")
        conn.execute(db.sql("delete_user"), {"subject": subject})


def list_users(store: db.Store) -> list[tuple[str, str, datetime, str]]:
    """(subject, role, added_at UTC, added_by) of every user, by subject."""
    return [tuple(row) for row in store.rows("users")]  # type: ignore[misc]


def _setting(store: db.Store, key: str) -> str | None:
    return _snapshot(store).settings.get(key)


def set_setting(conn: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    """Set an app setting inside the caller's writer transaction (the caller checked the role)."""
    conn.execute(db.sql("set_setting"), {"key": key, "value": value})


def public_view(store: db.Store) -> bool:
    """Whether readers who are not signed in see the public view: as set with `krimdash public
    on|off`; until set, on while every figure is a demo figure (and there are some), off as
    soon as a real figure is present."""
    setting = _setting(store, "public_view")
    if setting is not None:
        return setting == "on"
    return _snapshot(store).all_demo


def public_view_is_set(store: db.Store) -> bool:
    """Whether an admin has set the public view's switch (else it follows the demo default)."""
    return _setting(store, "public_view") is not None


def set_public(store: db.Store, on: bool, *, user: str, role: str | None) -> None:
    """Turn the public view on or off."""
    require(role, "set_public", "slå den offentlige visning til eller fra")
    with store.writer() as conn:
        set_setting(conn, "public_view", "on" if on else "off")


def made_by_demo_init(store: db.Store) -> bool:
    """Whether `krimdash init --demo` made this database (then the local test sign-in may run
    against it)."""
    return _setting(store, "made_by_demo_init") == "true"
