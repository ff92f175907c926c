"""Who is reading: Streamlit's own OpenID Connect sign-in (st.login, st.user, st.logout; the
`[auth]` section of the secrets file) and the role the database gives that identity.

- Not signed in: an anonymous Reader (audience "public").
- Signed in: Reader(subject, name, role); the role is looked up by the identity's `sub`, then
  by its e-mail, then its `groups` claim (access.role_of; `krimdash user add SUBJECT --role`).
  No role: audience None ("no access").

The reader is worked out from st.user (Streamlit's signed cookie) and the database on every
run, never from session state, so crafted session state cannot raise a reader's role.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from dashboard import access, config, testlogin
from dashboard.access import Reader
from dashboard.db import Store


def secrets() -> Mapping[str, Any]:
    """The secrets Streamlit was started with ({} when there is no secrets file)."""
    try:
        if not st.secrets.load_if_toml_exists():
            return {}
        return st.secrets.to_dict()
    except Exception:  # a broken file: Streamlit logs it; we treat it as no sign-in
        return {}


def signin_configured(secrets_: Mapping[str, Any]) -> bool:
    """Whether the secrets configure Streamlit's sign-in (an [auth] section with a redirect)."""
    return testlogin.signin_configured(secrets_)


def test_login(secrets_: Mapping[str, Any]) -> bool:
    """Whether sign-in goes through the local test provider (dashboard/testlogin.py)."""
    return signin_configured(secrets_) and testlogin.is_test_provider(secrets_)


# The browser sessions whose sign-in (or refused sign-in) is logged already: once per session.
SESSIONS_LOGGED: set[str] = set()


def public_view(store: Store) -> bool:
    """Whether anonymous readers get the public view (`krimdash public on|off`)."""
    return access.public_view(store)


def made_by_demo_init(store: Store) -> bool:
    return access.made_by_demo_init(store)


def test_login_refusal(store: Store, secrets_: Mapping[str, Any]) -> str | None:
    """The Danish message why this server must not run, or None: the test provider on a
    database not made by `init --demo`, without KRIMDASH_ALLOW_TEST_LOGIN=1."""
    if not test_login(secrets_) or config.allow_test_login():
        return None
    if made_by_demo_init(store):
        return None
    return testlogin.REFUSAL


def test_login_bar(store: Store, secrets_: Mapping[str, Any]) -> bool:
    """The red TEST-LOGIN bar: the test provider running on a database not made by
    `init --demo` (allowed by KRIMDASH_ALLOW_TEST_LOGIN=1, for tests)."""
    return test_login(secrets_) and not made_by_demo_init(store)


def user_claims() -> dict[str, Any]:
    """st.user as a dict; {} when nobody is signed in (or sign-in is not configured)."""
    try:
        claims = st.user.to_dict()
    except Exception:
        return {}
    return dict(claims) if claims.get("is_logged_in") else {}


def _groups(claims: Mapping[str, Any]) -> tuple[str, ...]:
    groups = claims.get("groups") or ()
    return (groups,) if isinstance(groups, str) else tuple(str(g) for g in groups)


def reader_for(claims: Mapping[str, Any], store: Store, *, bar: bool = False) -> Reader:
    """The Reader for the identity `claims` (st.user as a dict; {} for anonymous). The role is
    read once per data version of the database (access.role_of), so a returning reader's page
    costs no connection."""
    if not claims:
        return Reader(test_login=bar)
    sub, email = (str(claims.get(k) or "").strip() for k in ("sub", "email"))
    subject = sub or email or "?"  # a provider that sends neither: signed in, no role can match
    role = access.role_of(store, sub or None, _groups(claims), email=email or None)
    name = str(claims.get("name") or email or subject)
    return Reader(subject=subject, name=name, role=role, test_login=bar)


def current_reader(store: Store, secrets_: Mapping[str, Any]) -> Reader:
    """The reader of this run: st.user's identity (only when sign-in is configured) and its
    role in `store`; the TEST-LOGIN bar when the test provider runs on non-demo figures."""
    claims = user_claims() if signin_configured(secrets_) else {}
    return reader_for(claims, store, bar=test_login_bar(store, secrets_))


def log_in() -> None:
    st.login()


def log_out() -> None:
    st.logout()
