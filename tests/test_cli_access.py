"""`krimdash user`, `month`, `public` and `log --access`, run as an analyst runs them: Danish
messages, bad input exits 2 and changes nothing, every write lands in the access log."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import Krimdash, digest

from dashboard import accesslog, approvals
from dashboard.access import list_users, public_view
from dashboard.cli import build_parser
from dashboard.db import Store


@pytest.fixture
def real(real_db: Path, own_copy) -> Path:
    return own_copy(real_db)


@pytest.fixture
def demo(demo_db: Path, own_copy) -> Path:
    return own_copy(demo_db)


def log_lines(db: Path) -> list[tuple[str, str, str, str, bool]]:
    return [(e.event, e.who, e.role, e.target, e.ok) for e in accesslog.read(database=db)]


def test_init_demo_says_what_it_set_up(tmp_path: Path, krimdash: Krimdash) -> None:
    code, out, err = krimdash("init", "--demo", db=tmp_path / "d.duckdb")
    assert code == 0, err
    assert (
        "Demobrugere: udvalg (viewer), raadmand (raadmand), analytiker (analyst), admin (admin)"
        in out
    )
    assert "18 demomåneder godkendt; den seneste måned er kladde" in out
    code, out, err = krimdash("init", "--demo", db=tmp_path / "d.duckdb")
    assert code == 0, err
    assert "Månedernes status er bevaret." in out


def test_users_are_added_listed_changed_and_removed(real: Path, krimdash: Krimdash) -> None:
    code, out, err = krimdash("user", "add", "Mette@Aarhus.dk", "--role", "viewer", db=real)
    assert (code, out.strip()) == (0, "Tilføjet: mette@aarhus.dk er nu viewer."), err
    code, out, _ = krimdash("user", "add", "mette@aarhus.dk", "--role", "raadmand", db=real)
    assert (code, out.strip()) == (0, "Rolle ændret: mette@aarhus.dk er nu raadmand.")
    code, out, _ = krimdash("user", "list", db=real)
    assert code == 0 and out.startswith("mette@aarhus.dk | raadmand | tilføjet ")
    assert out.rstrip().endswith("af analytiker")
    code, out, _ = krimdash("user", "remove", "mette@aarhus.dk", "--user", "IT", db=real)
    assert (code, out.strip()) == (0, "Fjernet: mette@aarhus.dk har ikke længere adgang.")
    assert list_users(Store(real)) == []
    assert log_lines(real) == [
        ("user", "IT", "lokal", "mette@aarhus.dk", True),
        ("user", "analytiker", "lokal", "mette@aarhus.dk", True),
        ("user", "analytiker", "lokal", "Mette@Aarhus.dk", True),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("user", "add", "a", "--role", "superuser"), "ukendt valg 'superuser'"),
        (("user", "add", "a"), "skal angives: --role"),
        (("user", "add", " ", "--role", "viewer"), "brugerens id (sub eller e-mail) mangler"),
        (("user", "add", "a\tb", "--role", "viewer"), "ingen kontroltegn"),
        (("user", "remove", "ingen"), "«ingen» er ikke bruger"),
        (("user",), "skal angives: HANDLING"),
        (("user", "slet", "a"), "ukendt valg 'slet'"),
        (("month", "approve", "2025-13"), "«2025-13» er ikke en måned"),
        (("month", "approve", "2024-06"), "der er ingen tal for 2024-06"),
        (("month", "reopen", "2025-01", "--reason", "a\x1bb"), "ingen kontroltegn"),
        (("month", "list", "--as-of", "i går"), "er ikke et tidspunkt"),
        (("month",), "skal angives: HANDLING"),
        (("public", "maybe"), "ukendt valg 'maybe'"),
        (("log", "--access", "--since", "sidste uge"), "er ikke et tidspunkt"),
        (("log", "--since", "2025-01-01"), "--since hører til --access"),
    ],
)
def test_bad_input_exits_2_in_danish_and_changes_nothing(
    real: Path, krimdash: Krimdash, args: tuple[str, ...], message: str
) -> None:
    before = digest(real)
    code, out, err = krimdash(*args, db=real)
    assert code == 2, out + err
    assert message in err
    assert "Traceback" not in out + err
    assert digest(real) == before


def test_a_month_is_approved_reopened_listed_and_replayed(
    real: Path, tmp_path: Path, krimdash: Krimdash
) -> None:
    code, out, _ = krimdash("month", "list", db=real)
    assert (code, out.split()) == (0, ["2025-01", "januar", "2025", "kladde"])
    code, out, _ = krimdash("month", "approve", "januar 2025", "--user", "raadmand", db=real)
    assert (code, out.strip()) == (0, "Januar 2025 er godkendt.")
    code, out, _ = krimdash("month", "approve", "2025-01", db=real)
    assert (code, out.strip()) == (0, "Januar 2025 var allerede godkendt; intet ændret.")
    code, out, _ = krimdash("month", "list", db=real)
    assert out.split()[-1] == "godkendt"
    code, out, _ = krimdash("month", "reopen", "2025-01", "--reason", "forkert tal", db=real)
    assert (code, out.strip()) == (0, "Januar 2025 er genåbnet og er nu kladde.")
    code, out, _ = krimdash("month", "history", db=real)
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("| 2025-01 | kladde | analytiker | forkert tal")
    assert lines[1].endswith("| 2025-01 | godkendt | raadmand")
    # As of the approval's own moment, January was approved.
    ((_, _, _, approved_at, *_),) = [
        r for r in approvals.history(Store(real)) if r[2] == "approved"
    ]
    from dashboard.config import local_time

    moment = local_time(approved_at, "%Y-%m-%dT%H:%M:%S.%f")
    code, out, err = krimdash("month", "list", "--as-of", moment, db=real)
    assert code == 0, err
    assert out.split()[-1] == "godkendt"
    assert [e[0] for e in log_lines(real)] == ["reopen", "approve", "approve"]


def test_a_failed_approval_is_logged_as_failed(real: Path, krimdash: Krimdash) -> None:
    assert krimdash("month", "approve", "2024-06", db=real)[0] == 2
    assert log_lines(real) == [("approve", "analytiker", "lokal", "2024-06", False)]


def test_the_public_view_switch(real: Path, demo: Path, krimdash: Krimdash) -> None:
    code, out, _ = krimdash("public", "status", db=demo)
    assert code == 0 and out.startswith("Den offentlige visning er slået til (standard:")
    code, out, _ = krimdash("public", "status", db=real)
    assert code == 0 and out.startswith("Den offentlige visning er slået fra (standard:")
    assert "ser kun siden «Log ind»" in out
    code, out, _ = krimdash("public", "on", "--user", "admin", db=real)
    assert code == 0 and out.startswith("Den offentlige visning er slået til:")
    assert public_view(Store(real))
    code, out, _ = krimdash("public", "off", db=real)
    assert code == 0 and out.startswith("Den offentlige visning er slået fra:")
    assert not public_view(Store(real))
    assert [(e[0], e[1]) for e in log_lines(real)] == [
        ("public", "analytiker"),
        ("public", "admin"),
    ]
    assert log_lines(demo) == []  # status only reads


def test_imports_retractions_and_exports_are_in_the_access_log(
    real: Path, tmp_path: Path, krimdash: Krimdash
) -> None:
    path = tmp_path / "ret.csv"
    path.write_text("month,measure,category,value,note\n2025-01,knaek_kurven.discussed,,20,\n")
    assert krimdash("import", path, "--dry-run", db=real)[0] == 0
    assert krimdash("import", path, db=real)[0] == 0
    assert krimdash("export", "-o", tmp_path / "ud.csv", db=real)[0] == 0
    code, _, _ = krimdash(
        "retract", "--month", "2025-01", "--measure", "knaek_kurven.discussed", "--note", "fejl",
        db=real,
    )  # fmt: skip
    assert code == 0
    assert [(e[0], e[3]) for e in log_lines(real)] == [
        ("change", "2025-01 / knaek_kurven.discussed / "),
        ("export", str(tmp_path / "ud.csv")),
        ("import", str(path)),
        ("import", str(path)),
    ]
    code, out, err = krimdash("log", "--access", db=real)
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 4
    assert lines[0].split(" | ")[1:4] == ["ændring", "analytiker", "lokal"]
    assert "prøvekørsel" in lines[3]
    # Reading the log, the figures' log and a list are not logged.
    assert krimdash("log", db=real)[0] == 0 and len(log_lines(real)) == 4


def test_the_access_log_of_another_file(real: Path, tmp_path: Path, krimdash: Krimdash) -> None:
    elsewhere = tmp_path / "logs" / "adgang.sqlite"
    elsewhere.parent.mkdir()
    env = {"KRIMDASH_ACCESS_LOG": str(elsewhere)}
    assert krimdash("month", "approve", "2025-01", db=real, **env)[0] == 0
    assert [e.event for e in accesslog.read(database=real)] == []
    code, out, _ = krimdash("log", "--access", db=real, **env)
    assert code == 0 and "godkendelse" in out


def test_an_empty_access_log_says_so(real: Path, krimdash: Krimdash) -> None:
    code, out, _ = krimdash("log", "--access", db=real)
    assert code == 0 and out.startswith("Adgangsloggen er tom")
    assert not accesslog.log_path(real).exists()


@pytest.mark.parametrize("args", [("user", "list"), ("month", "list"), ("public", "status")])
def test_a_missing_or_older_database_is_exit_4_not_a_traceback(
    tmp_path: Path, real_db: Path, krimdash: Krimdash, args: tuple[str, ...]
) -> None:
    code, out, err = krimdash(*args, db=tmp_path / "nothing.duckdb")
    assert code == 4 and "Der er ingen database" in err
    assert list(tmp_path.iterdir()) == []
    older = tmp_path / "older.duckdb"
    shutil.copy(real_db, older)
    with duckdb.connect(str(older)) as conn:
        conn.execute("drop table users; drop table month_status; drop table app_settings")
        conn.execute("delete from schema_version where version >= 5")
    code, out, err = krimdash(*args, db=older)
    assert code == 4 and "har skemaversion 4" in err and "Traceback" not in err


def test_serve_listens_on_this_machine_unless_told() -> None:
    parser = build_parser()
    assert parser.parse_args(["serve"]).address == "127.0.0.1"
    assert parser.parse_args(["serve", "--address", "0.0.0.0"]).address == "0.0.0.0"
