"""The CLI speaks Danish: usage errors and help, counts in the right number, one message per
mistake with a suggestion for a near miss, a hint for thousands separators, no "batch".

Every use of the command runs the real `krimdash` in its own process, as an analyst does; the
help texts of all commands and the count helper are also read in this process."""

from __future__ import annotations

import argparse
import gettext
import re
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from dashboard.cli import COMMANDS, build_parser, count
from dashboard.db import Store
from dashboard.exports import export_csv

Krimdash = Callable[..., tuple[int, str, str]]
HEADER = "month,measure,category,value,note\n"
SEED = HEADER + "2024-12,ungeteam.cases,,41,\n2024-12,ungeteam.cases,ukn,7,Ændret opgørelse\n"
# A file that would save a new figure if it were let through.
NEW = HEADER + "2024-11,ungeteam.cases,,39,\n"
NEXT_YEAR = date.today().year + 1
# What argparse writes in English when it is not translated.
ENGLISH = ("usage:", "error:", "the following", "required", "invalid", "unrecognized", "choose")


def saved(db: Path) -> str:
    return export_csv(Store(db)).decode("utf-8")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, krimdash: Krimdash) -> Path:
    """A database holding exactly SEED, shared by the tests that must leave it so."""
    folder = tmp_path_factory.mktemp("danish")
    db = folder / "krimdash.duckdb"
    assert krimdash("init", "--empty", db=db)[0] == 0
    (folder / "seed.csv").write_text(SEED, encoding="utf-8")
    code, _, err = krimdash("import", folder / "seed.csv", db=db)
    assert code == 0, err
    assert saved(db) == SEED
    return db


@pytest.fixture
def new_file(tmp_path: Path) -> Path:
    path = tmp_path / "ny.csv"
    path.write_text(NEW, encoding="utf-8")
    return path


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- usage errors ---------------------------------------------------------------------------

USAGE_ERRORS = [
    ([], "krimdash: fejl: skriv en kommando: init, import, export, template, check, log"),
    (["impot", "{file}"], "krimdash: fejl: ukendt kommando «impot»; mente du import?"),
    (["import"], "krimdash import: fejl: skal angives: FIL"),
    (["template", "--from", "2025-01"], "krimdash template: fejl: skal angives: --to, -o/--output"),
    (["import", "{file}", "--bogus"], "krimdash: fejl: ukendt argument: --bogus"),
    (["log", "--limit", "mange"], "krimdash log: fejl: --limit: «mange» er ikke et helt tal"),
    (
        ["init", "--demo", "--empty"],
        "krimdash init: fejl: --empty: kan ikke bruges sammen med --demo",
    ),
    (["export", "--as-of"], "krimdash export: fejl: --as-of: mangler en værdi"),
    (
        ["retract", "--month", "2024-12", "--measure", "ungeteam.cases"],
        "krimdash retract: fejl: skal angives: --note",
    ),
    (
        ["import", "{file}", "--accept-warnings"],
        "krimdash import: fejl: --accept-warnings kræver --note",
    ),
    (
        ["import", "{file}", "--accept-warnings", "--note", "  "],
        "krimdash import: fejl: --accept-warnings kræver --note",
    ),
]


@pytest.mark.parametrize(("args", "message"), USAGE_ERRORS, ids=lambda v: " ".join(v) or "-")
def test_each_usage_error_is_danish_exits_2_and_saves_nothing(
    seeded: Path, new_file: Path, krimdash: Krimdash, args: list[str], message: str
) -> None:
    code, out, err = krimdash(*[a.format(file=new_file) for a in args], db=seeded)
    assert code == 2, err
    assert message in err
    assert err.startswith("brug: krimdash")
    assert not any(word in err for word in ENGLISH), err
    assert "Traceback" not in out + err
    assert saved(seeded) == SEED


def test_an_unknown_command_far_from_any_lists_the_commands(
    seeded: Path, krimdash: Krimdash
) -> None:
    code, _, err = krimdash("xyzzy", db=seeded)
    assert code == 2
    assert "ukendt kommando «xyzzy» (mulige: init, import, export" in err
    assert "mente du" not in err


def test_template_help_describes_every_option_in_danish(seeded: Path, krimdash: Krimdash) -> None:
    code, out, err = krimdash("template", "--help", db=seeded)
    assert code == 0, err
    assert out.startswith("brug: krimdash template [-h] --from MÅNED --to MÅNED -o FIL")
    for line in (
        "-h, --help            vis denne hjælp og afslut",
        "--from MÅNED          første måned i skabelonen, fx 2025-01",
        "--to MÅNED            sidste måned i skabelonen, fx 2025-12",
        "-o FIL, --output FIL  hvor skabelonen skrives (.xlsx)",
    ):
        assert line in out
    assert "tilvalg:" in out
    assert not any(word in out for word in ("usage:", "options:", "show this help")), out


def test_every_command_and_option_has_a_danish_help_text() -> None:
    parser = build_parser()
    helps = {"krimdash": parser.format_help()}
    helps |= {name: command.format_help() for name, command in parser.commands.items()}
    assert set(helps) == {"krimdash", "init", "import", "export", "template", "check", "log",
                          "retract", "user", "month", "public", "backup", "restore", "migrate-store",
                          "report", "serve"}  # fmt: skip
    for name, text in helps.items():
        assert text.startswith(f"brug: {'krimdash' if name == 'krimdash' else 'krimdash ' + name}")
        assert "vis denne hjælp og afslut" in text, name
        assert not any(word in text for word in ("usage:", "options:", "positional")), name
    assert tuple(parser.commands) == COMMANDS  # the list a usage error offers
    # The Danish texts are lent to argparse only while krimdash uses it.
    assert (argparse._, argparse.ngettext) == (gettext.gettext, gettext.ngettext)  # type: ignore[attr-defined]
    for name, command in parser.commands.items():
        for action in command._actions:
            assert action.help, f"krimdash {name} {action.option_strings or action.dest}"
        assert command.description, name


# --- one message per mistake ----------------------------------------------------------------


def rejected(krimdash: Krimdash, db: Path, file: Path) -> list[str]:
    """The listed mistakes of a rejected import (exit 1, nothing saved)."""
    code, out, err = krimdash("import", file, db=db)
    assert code == 1, out + err
    assert "Filen er afvist; intet er gemt." in err
    assert saved(db) == SEED
    problems = [line[4:] for line in err.splitlines() if line.startswith("  - ")]
    assert f"{len(problems)} fejl:" in err
    return problems


def test_a_near_miss_measure_gets_one_message_with_a_suggestion(
    seeded: Path, tmp_path: Path, krimdash: Krimdash
) -> None:
    # The category does not exist either, but it belongs to the mistyped measure: one mistake.
    file = write(tmp_path, "nær.csv", NEW + "2024-11,top100.screend,kvinder,3,\n")
    assert rejected(krimdash, seeded, file) == [
        "Linje 3, kolonne «measure»: ukendt måling «top100.screend»; mente du top100.screened?"
    ]


def test_a_near_miss_in_the_wide_template_is_one_message_not_one_per_month(
    seeded: Path, tmp_path: Path, krimdash: Krimdash
) -> None:
    file = write(
        tmp_path,
        "skabelon.csv",
        "measure,category,2024-10,2024-11,2024-12\n"
        "ungeteam.cases,,38,39,41\nTOP100.Screened,,3,4,5\nungeteam.case,ukn,1,2,7\n",
    )
    assert rejected(krimdash, seeded, file) == [
        "Linje 3, kolonne «measure»: ukendt måling «TOP100.Screened»; mente du top100.screened?",
        "Linje 4, kolonne «measure»: ukendt måling «ungeteam.case»; mente du ungeteam.cases?",
    ]


def test_an_unknown_measure_far_from_any_gets_no_guess(
    seeded: Path, tmp_path: Path, krimdash: Krimdash
) -> None:
    file = write(tmp_path, "fjern.csv", HEADER + "2024-11,budget.total,,3,\n")
    assert rejected(krimdash, seeded, file) == [
        "Linje 2, kolonne «measure»: ukendt måling «budget.total»"
    ]


def test_a_near_miss_category_gets_a_suggestion(
    seeded: Path, tmp_path: Path, krimdash: Krimdash
) -> None:
    file = write(tmp_path, "kategori.csv", HEADER + "2024-11,ungeteam.cases,UKN ,3,\n")
    (problem,) = rejected(krimdash, seeded, file)
    assert problem.startswith("Linje 2, kolonne «category»: måling «ungeteam.cases» har ikke")
    assert problem.endswith("; mente du ukn?")


def test_a_future_month_column_of_the_template_is_one_message_with_its_lines(
    seeded: Path, tmp_path: Path, krimdash: Krimdash
) -> None:
    file = write(
        tmp_path,
        "fremtid.csv",
        f"measure,category,2024-12,{NEXT_YEAR}-01\n"
        f"ungeteam.cases,,41,50\nungeteam.cases,ukn,7,8\ntop100.screened,,5,6\n",
    )
    assert rejected(krimdash, seeded, file) == [
        f"Linje 2, kolonne «{NEXT_YEAR}-01»: januar {NEXT_YEAR} ligger i fremtiden "
        "(også linje 3, 4)"
    ]


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("1.234", "«1.234» er ikke et helt tal; skriv 1234 (uden tusindtalsskilletegn)"),
        ("1 234", "«1 234» er ikke et helt tal; skriv 1234 (uden tusindtalsskilletegn)"),
        ("12.345.678", "«12.345.678» er ikke et helt tal; skriv 12345678"),
        (
            '"1,234"',
            "«1,234» er ikke et helt tal; er kommaet et tusindtalsskilletegn, så skriv 1234",
        ),
    ],
)
def test_a_thousands_separator_gets_a_hint(
    seeded: Path, tmp_path: Path, krimdash: Krimdash, value: str, hint: str
) -> None:
    file = write(tmp_path, "tusind.csv", HEADER + f"2024-11,ungeteam.cases,,{value},\n")
    (problem,) = rejected(krimdash, seeded, file)
    assert problem.startswith("Linje 2, kolonne «value»: ")
    assert hint in problem


def test_a_decimal_gets_no_thousands_hint(seeded: Path, tmp_path: Path, krimdash: Krimdash) -> None:
    file = write(tmp_path, "decimal.csv", HEADER + "2024-11,ungeteam.cases,,12.5,\n")
    assert rejected(krimdash, seeded, file) == [
        "Linje 2, kolonne «value»: «12.5» er ikke et helt tal"
    ]


# --- counts and words -----------------------------------------------------------------------


def test_count_puts_the_noun_in_the_right_number() -> None:
    assert count(0, "advarsel", "advarsler") == "0 advarsler"
    assert count(1, "godkendt advarsel", "godkendte advarsler") == "1 godkendt advarsel"
    assert count(2, "godkendt advarsel", "godkendte advarsler") == "2 godkendte advarsler"


def test_saving_retracting_and_the_log_say_indlaesning_not_batch(
    seeded: Path, tmp_path: Path, new_file: Path, krimdash: Krimdash
) -> None:
    db = tmp_path / "egen.duckdb"
    shutil.copy(seeded, db)
    code, out, err = krimdash("import", new_file, db=db)
    assert code == 0, err
    number = re.search(r"Gemt som indlæsning nr\. (\d+) \(se krimdash log\)\.", out)
    assert number, out
    code, out, err = krimdash(
        "retract", "--month", "2024-11", "--measure", "ungeteam.cases", "--note", "fejl", db=db
    )
    assert code == 0, err
    assert f"Trukket tilbage som nr. {int(number[1]) + 1} i loggen: 2024-11 / ungeteam.cases" in out
    code, log, err = krimdash("log", db=db)
    assert code == 0, err
    lines = log.splitlines()
    assert " | tilbagetrækning | " in lines[0]
    assert " | indlæsning | ny.csv" in lines[1]
    assert " | katalog | " in lines[-1]
    assert "batch" not in (out + log).lower()
    code, out, _ = krimdash("check", db=db)
    assert (code, out) == (0, "2 nuværende tal kontrolleret; 0 advarsler.\n")


def test_one_warning_is_singular_in_check_and_log(
    real_db: Path, own_copy: Callable[[Path], Path], krimdash: Krimdash
) -> None:
    db = own_copy(real_db)
    code, out, _ = krimdash("check", db=db)
    assert code == 0
    assert "kontrolleret; 1 advarsel.\n" in out
    assert "1 godkendt advarsel" in krimdash("log", db=db)[1]
