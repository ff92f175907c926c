"""TEMPORARY SHIM: the store's roles, public switch, month status and access log, as the web
gate reads them, until the store's own modules (dashboard/approvals.py, dashboard/accesslog.py
and the users functions, issue 8's store part) are on main.

Each function calls the store's function of the planned name when it exists and otherwise falls
back to the smallest honest stand-in, named below. When those modules have landed, delete this
file and import them directly in dashboard/web/auth.py, app.py and app_pages/admin.py.

Fallbacks (only while the store's modules are missing):
- role_of: the four demo users of `init --demo` on a database whose figures are all demo
  figures (DEMO_ROLES), nobody otherwise;
- public_view: on, as before issue 8 (anyone who reached the port saw the pages);
- made_by_demo_init: true while every figure is a demo figure;
- record: the standard logger "krimdash.access" (nothing is kept); read: no rows;
- month status: unknown (None), so no approve button is drawn.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from dashboard.db import Store

DEMO_ROLES = {"udvalg": "viewer", "raadmand": "raadmand", "analytiker": "analyst", "admin": "admin"}
_MODULES = ("dashboard.approvals", "dashboard.accesslog", "dashboard.access", "dashboard.users")


def _planned(name: str, module: str | None = None) -> Callable[..., Any] | None:
    """The store's function `name` (in `module`, else in any planned module), if it exists."""
    for candidate in (module,) if module else _MODULES:
        try:
            found = getattr(importlib.import_module(candidate), name, None)
        except ImportError:
            continue
        if callable(found):
            return found
    return None


def _all_demo(store: Store) -> bool:
    demo, total = (int(v) for v in store.query("demo_status").iloc[0])
    return total > 0 and demo == total


def role_of(store: Store, subject: str, groups: Iterable[str] = ()) -> str | None:
    if found := _planned("role_of"):
        return found(store, subject, groups=tuple(groups))
    return DEMO_ROLES.get(subject) if _all_demo(store) else None


def list_users(store: Store) -> list[tuple[str, str]]:
    """(subject, role) rows."""
    if found := _planned("list_users"):
        return [
            (str(u[0]), str(u[1])) if isinstance(u, tuple) else _user_row(u) for u in found(store)
        ]
    return sorted(DEMO_ROLES.items()) if _all_demo(store) else []


def _user_row(user: Any) -> tuple[str, str]:
    if isinstance(user, dict):
        return str(user.get("subject")), str(user.get("role"))
    return str(getattr(user, "subject", user)), str(getattr(user, "role", ""))


def public_view(store: Store) -> bool:
    if found := _planned("public_view"):
        return bool(found(store))
    return True


def made_by_demo_init(store: Store) -> bool:
    if found := _planned("made_by_demo_init"):
        return bool(found(store))
    return _all_demo(store)


def record(event: str, *, who: str, role: str | None, what: str = "", target: str = "",
           ok: bool = True) -> None:  # fmt: skip
    if found := _planned("record", "dashboard.accesslog"):
        found(event, who=who, role=role or "", what=what, target=target, ok=ok)
        return
    logging.getLogger("krimdash.access").info(
        "%s who=%s role=%s what=%s target=%s ok=%s", event, who, role, what, target, ok
    )


def read_log(limit: int = 500) -> list[Any] | None:
    """The access log's latest rows, or None while the access log does not exist yet."""
    if found := _planned("read", "dashboard.accesslog"):
        return list(found(limit=limit))
    return None


def month_status(store: Store, month: pd.Timestamp) -> str | None:
    """'approved' or 'kladde', or None while month status does not exist yet."""
    if found := _planned("statuses", "dashboard.approvals"):
        return found(store).get(pd.Timestamp(month), "kladde")
    return None


def approve(store: Store, month: pd.Timestamp, *, user: str, role: str | None) -> None:
    _require_planned("approve")(store, month, user=user, role=role)


def reopen(store: Store, month: pd.Timestamp, *, user: str, role: str | None) -> None:
    _require_planned("reopen")(store, month, user=user, role=role)


def _require_planned(name: str) -> Callable[..., Any]:
    found = _planned(name, "dashboard.approvals")
    if found is None:
        raise RuntimeError(f"dashboard.approvals.{name} is not on this branch yet")
    return found
