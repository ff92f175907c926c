"""The web gate in AppTest and the sign-in configuration: who sees which page, what is logged,
the local test provider's limits, `krimdash serve`'s sign-in checks and the hardened server
settings. The browser's sign-in through the provider is tests/test_signin_browser.py."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from apptest import APP, body, sidebar
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from dashboard import accesslog, approvals, testlogin
from dashboard.access import Reader
from dashboard.web import auth
from dashboard.web.settings import PAGE

ROOT = Path(__file__).resolve().parent.parent
STREAMLIT_DIR = ROOT / "dashboard" / "web" / ".streamlit"
PRODUCTION = {  # an Entra ID configuration as the example file shows it
    "auth": {
        "redirect_uri": "https://krimdash.example.aarhus.dk/oauth2callback",
        "cookie_secret": "x" * 43,
        "client_id": "00000000-0000-0000-0000-000000000000",
        "client_secret": "s",
        "server_metadata_url": "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration",
    }
}
TEST_SECRETS = tomllib.loads(testlogin.secrets_text(8501, "http://127.0.0.1:9400"))
DEMO_ROLES = {"udvalg": "viewer", "raadmand": "raadmand", "analytiker": "analyst", "admin": "admin"}


@pytest.fixture
def log(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """What the gate writes to the access log in this test: (event, who, role, target, ok)."""
    rows: list[tuple] = []

    def record(event, *, who, role, what="", target="", ok=True):
        rows.append((event, who, role, target, ok))

    monkeypatch.setattr(accesslog, "record", record)
    # AppTest gives every run the same session id: start each test with no session signed in
    monkeypatch.setattr(auth, "SESSIONS_LOGGED", set())
    return rows


def run_as(
    monkeypatch: pytest.MonkeyPatch,
    db: Path,
    sub: str | None = None,
    *,
    secrets: dict | None = None,
    session: dict | None = None,
    **params: str,
) -> AppTest:
    """One run of the app for the identity `sub` (None: not signed in), with sign-in configured
    by `secrets` (default: the test provider's), crafted `session` state and address `params`."""
    monkeypatch.setenv("KRIMDASH_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets.update(TEST_SECRETS if secrets is None else secrets)
    at.user = (
        {"is_logged_in": True, "sub": sub, "name": sub.title(), "email": f"{sub}@demo.invalid"}
        if sub
        else {"is_logged_in": False}
    )
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    return at


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def buttons(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


# Who sees what


def test_an_identity_without_a_role_sees_no_access_and_nothing_else(monkeypatch, demo_db, log):
    at = run_as(monkeypatch, demo_db, "fremmed", **{PAGE: "top100"})
    assert titles(at) == ["Ingen adgang"]
    assert "fremmed" in at.markdown[0].value  # the user name to give the administrator
    assert buttons(at) == ["Log ud"]
    assert not at.main.html  # no frame, no figures
    assert ("sign_in_refused", "fremmed", None, "", False) in log
    assert ("page_refused", "fremmed", None, "top100", False) in log
    assert not [row for row in log if row[0] == "page_view"]


def test_a_hostile_identity_name_is_shown_as_plain_text_on_no_access(monkeypatch, demo_db, log):
    """The name and user name on "Ingen adgang" come from the identity provider, text a person
    may choose: markdown links, emphasis, HTML, Streamlit's colour codes, a heading on a new
    line and a formula all stay literal text (every markup character escaped)."""
    sub = "x](https://evil.example) **fed** <b>y</b> :red[z] _u_ `k`\n# Overskrift =1+1"
    at = run_as(monkeypatch, demo_db, sub)
    assert titles(at) == ["Ingen adgang"]
    source = at.markdown[0].value
    bare = re.sub(r"\\.", "", source)  # what is left once every escaped character is taken out
    assert not set(bare) & set("[]()*<>_`#=\n"), bare
    shown = re.sub(r"\\(.)", r"\1", source)  # the text a reader sees
    assert "x](https://evil.example) **fed** <b>y</b> :red[z] _u_ `k` # Overskrift =1+1" in shown


@pytest.mark.parametrize(
    ("sub", "admin"), [("udvalg", False), ("raadmand", False), ("admin", True)]
)
def test_the_admin_page_is_for_admins_only(monkeypatch, demo_db, log, sub, admin):
    at = run_as(monkeypatch, demo_db, sub, **{PAGE: "admin"})
    assert ("Administration" in titles(at)) is admin
    if admin:
        users = at.table[0].value
        assert dict(zip(users.index, users.iloc[:, 0], strict=True))["raadmand"] == "raadmand"
    else:  # the address's page is refused and logged; the overview is shown instead
        assert ("page_refused", sub, DEMO_ROLES[sub], "admin", False) in log
        assert "Administration" not in body(at)


def test_crafted_session_state_raises_no_role(monkeypatch, demo_db, log):
    crafted = {
        "reader": Reader(subject="admin", name="Admin", role="admin"),
        "role": "admin",
        "user": {"sub": "admin", "is_logged_in": True},
    }
    at = run_as(monkeypatch, demo_db, "udvalg", session=crafted, **{PAGE: "admin"})
    assert "Administration" not in titles(at)
    assert ("page_refused", "udvalg", "viewer", "admin", False) in log
    # and without any identity, the same crafted state is an anonymous reader
    at = run_as(monkeypatch, demo_db, None, session=crafted, **{PAGE: "admin"})
    assert "Administration" not in titles(at)


def test_signed_in_page_views_are_logged_once_per_session_sign_in(monkeypatch, demo_db, log):
    at = run_as(monkeypatch, demo_db, "raadmand", **{PAGE: "top100"})
    views = [row for row in log if row[0] == "page_view"]
    assert len(views) == 1 and views[0][1:3] == ("raadmand", "raadmand")
    assert [row[0] for row in log].count("sign_in") == 1
    at.run()  # the same session again: another view, no second sign-in
    assert [row[0] for row in log].count("page_view") == 2
    assert [row[0] for row in log].count("sign_in") == 1


def test_anonymous_reading_the_public_view_is_not_logged_as_an_internal_view(
    monkeypatch, demo_db, log
):
    at = run_as(monkeypatch, demo_db, None)
    assert "side=log-ind" in sidebar(at)  # the frame's "Log ind" link
    assert not [row for row in log if row[0] in ("page_view", "sign_in")]


def test_with_the_public_view_off_an_anonymous_reader_gets_only_the_log_in_page(
    monkeypatch, demo_db, log
):
    monkeypatch.setattr(auth, "public_view", lambda store: False)
    for side in ("", "top100", "sammenlign", "admin"):
        at = run_as(monkeypatch, demo_db, None, **({PAGE: side} if side else {}))
        assert titles(at) == ["Log ind"]
        assert buttons(at) == ["Log ind"]
        assert not at.main.html  # no frame, no figures
        assert "offentlige visning er slået fra" in at.markdown[1].value
    refused = [row[3] for row in log if row[0] == "page_refused"]
    assert refused == ["top100", "sammenlign", "admin"]


def test_without_a_sign_in_configuration_an_identity_is_ignored(monkeypatch, demo_db, log):
    """Without [auth] nobody can have signed in: st.user is not trusted, the reader is anonymous."""
    at = run_as(monkeypatch, demo_db, "admin", secrets={"other": {"x": "1"}}, **{PAGE: "admin"})
    assert "Administration" not in titles(at)
    assert not [row for row in log if row[0] == "sign_in"]
    frame = "".join(h.proto.body for h in at.main.html)
    assert "Log ind" not in frame  # nothing to sign in with


def test_without_sign_in_and_with_the_public_view_off_the_page_says_why(monkeypatch, demo_db):
    monkeypatch.setattr(auth, "public_view", lambda store: False)
    at = run_as(monkeypatch, demo_db, None, secrets={"other": {"x": "1"}})
    assert titles(at) == ["Log ind"]
    assert buttons(at) == []
    assert "Login er ikke sat op" in at.info[0].value


# The local test provider


def test_the_test_provider_refuses_a_database_not_made_by_init_demo(monkeypatch, real_db):
    monkeypatch.delenv("KRIMDASH_ALLOW_TEST_LOGIN", raising=False)
    at = run_as(monkeypatch, real_db, "analytiker")
    assert "init --demo" in at.error[0].value
    assert not at.main.html and not at.title


def test_allowed_for_tests_the_test_provider_marks_every_reader_test_login(monkeypatch, real_db):
    monkeypatch.setenv("KRIMDASH_ALLOW_TEST_LOGIN", "1")
    seen: list[Reader] = []
    real = auth.current_reader

    def spy(store, secrets):
        seen.append(real(store, secrets))
        return seen[-1]

    monkeypatch.setattr(auth, "current_reader", spy)
    run_as(monkeypatch, real_db, None)
    run_as(monkeypatch, real_db, "udvalg")
    assert [r.test_login for r in seen] == [True, True]


def test_on_demo_data_the_test_provider_shows_no_test_login_bar(monkeypatch, demo_db):
    seen: list[Reader] = []
    real = auth.current_reader
    monkeypatch.setattr(auth, "current_reader", lambda s, x: seen.append(real(s, x)) or seen[-1])
    run_as(monkeypatch, demo_db, "udvalg")
    assert seen and not seen[-1].test_login and seen[-1].role == "viewer"


def test_a_test_provider_is_recognised_and_a_real_one_is_not():
    assert testlogin.signin_configured(TEST_SECRETS) and testlogin.is_test_provider(TEST_SECRETS)
    assert testlogin.signin_configured(PRODUCTION) and not testlogin.is_test_provider(PRODUCTION)
    # a hand-written configuration against a provider on this machine is a test one too
    local = {"auth": {**PRODUCTION["auth"], "server_metadata_url": "http://localhost:9400/x"}}
    assert testlogin.is_test_provider(local)
    named = {"auth": {**PRODUCTION["auth"], "entra": {"server_metadata_url": "http://[::1]/x"}}}
    assert testlogin.is_test_provider(named)
    assert not testlogin.signin_configured({}) and not testlogin.signin_configured({"auth": {}})


def test_the_example_secrets_file_is_a_production_configuration():
    example = tomllib.loads((STREAMLIT_DIR / "secrets.example.toml").read_text(encoding="utf-8"))
    assert testlogin.signin_configured(example)
    assert not testlogin.is_test_provider(example)
    assert example["auth"]["redirect_uri"].endswith("/oauth2callback")


def test_each_written_secrets_file_has_its_own_random_cookie_secret(tmp_path):
    first = testlogin.write_secrets(tmp_path / "a.toml", 8501, "http://127.0.0.1:9400")
    second = testlogin.write_secrets(tmp_path / "b.toml", 8501, "http://127.0.0.1:9400")
    secrets = [tomllib.loads(p.read_text())["auth"]["cookie_secret"] for p in (first, second)]
    assert secrets[0] != secrets[1] and min(map(len, secrets)) >= 32
    assert first.stat().st_mode & 0o077 == 0  # readable by its owner only
    auth_ = tomllib.loads(first.read_text())["auth"]
    # the printed address, the redirect and the provider share one host (cookies are per host)
    assert auth_["redirect_uri"] == "http://127.0.0.1:8501/oauth2callback"
    assert auth_["server_metadata_url"].startswith("http://127.0.0.1:9400/")


def test_secrets_files_are_not_committed():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "secrets.toml" in ignored and "data/testlogin.secrets.toml" in ignored


# krimdash serve


def test_serve_refuses_the_test_provider_on_real_figures(krimdash, real_db, tmp_path):
    secrets = testlogin.write_secrets(tmp_path / "s.toml", 8501, "http://127.0.0.1:9400")
    code, out, err = krimdash("serve", "--secrets", secrets, db=real_db)
    assert code == 2, (out, err)
    assert "init --demo" in err and "Test-login" in err


def test_serve_says_when_the_secrets_file_is_missing_or_broken(krimdash, demo_db, tmp_path):
    code, _, err = krimdash("serve", "--secrets", tmp_path / "nope.toml", db=demo_db)
    assert code == 2 and "findes ikke" in err
    broken = tmp_path / "broken.toml"
    broken.write_text("[auth\n", encoding="utf-8")
    code, _, err = krimdash("serve", "--secrets", broken, db=demo_db)
    assert code == 2 and "ikke gyldig TOML" in err


# The hardened server


def test_the_committed_streamlit_config_is_hardened():
    settings = tomllib.loads((STREAMLIT_DIR / "config.toml").read_text(encoding="utf-8"))
    assert settings["client"]["showErrorDetails"] == "none"
    assert settings["server"]["enableXsrfProtection"] is True
    assert settings["server"]["enableCORS"] is True
    assert "corsAllowedOrigins" not in settings["server"]
    assert settings["server"]["maxUploadSize"] == 20
    known = set(st_config._config_options_template)
    for section, values in settings.items():
        for key in values:
            assert f"{section}.{key}" in known, f"{section}.{key} is not a Streamlit option"


def _draft_months(db: Path) -> list:
    from dashboard.db import Store

    return [m for m, status in approvals.statuses(Store(db)).items() if status != "approved"]


def test_the_raadmand_approves_and_reopens_the_month_on_show(monkeypatch, demo_db, own_copy, log):
    from dashboard.db import Store

    db = own_copy(demo_db)
    (draft,) = _draft_months(db)  # init --demo approves every month but the latest
    label = f"{draft:%Y-%m}"
    at = run_as(monkeypatch, db, "raadmand", maaned=label)
    assert " er KLADDE" in " ".join(m.value for m in at.markdown)
    approve = [b for b in at.button if b.label.startswith("Godkend")]
    assert len(approve) == 1
    approve[0].click().run()
    assert approvals.statuses(Store(db))[draft] == "approved"
    assert ("approve", "raadmand", "raadmand", label, True) in log
    assert " er godkendt" in " ".join(m.value for m in at.markdown)
    reopen = [b for b in at.button if b.label.startswith("Genåbn")]
    reopen[0].click().run()
    assert approvals.statuses(Store(db))[draft] == "kladde"
    history = approvals.history(Store(db))
    assert [row[2] for row in history[:2]] == ["kladde", "approved"]  # newest first, by raadmand
    assert {row[4] for row in history[:2]} == {"raadmand"}


@pytest.mark.parametrize("sub", ["udvalg", "analytiker", "admin"])
def test_only_the_raadmand_gets_the_approve_button(monkeypatch, demo_db, log, sub):
    at = run_as(monkeypatch, demo_db, sub)
    assert not [b for b in buttons(at) if b.startswith(("Godkend", "Genåbn"))]


def test_the_approve_button_is_only_under_the_overview(monkeypatch, demo_db, log):
    at = run_as(monkeypatch, demo_db, "raadmand", **{PAGE: "top100"})
    assert not [b for b in buttons(at) if b.startswith(("Godkend", "Genåbn"))]


def test_the_admin_page_shows_the_access_log_kept_beside_not_in_the_database(
    monkeypatch, demo_db, tmp_path
):
    monkeypatch.setenv("KRIMDASH_ACCESS_LOG", str(tmp_path / "access.sqlite"))
    monkeypatch.setattr(auth, "SESSIONS_LOGGED", set())
    run_as(monkeypatch, demo_db, "udvalg", **{PAGE: "admin"})  # refused, and logged
    auth.SESSIONS_LOGGED.clear()  # AppTest's next run has the same session id: a new sign-in
    at = run_as(monkeypatch, demo_db, "admin", **{PAGE: "admin"})
    log = at.dataframe[0].value
    rows = set(zip(log["Hændelse"], log["Bruger"], log["Hvad"], strict=True))
    assert ("side afvist", "udvalg", "admin") in rows
    assert ("log ind", "admin", "") in rows
    assert any(event == "sidevisning" and who == "admin" for event, who, _ in rows)
    # the figures' database is shared read-only in the tests: conftest checks nothing wrote to it
