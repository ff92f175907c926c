"""The README tells the truth about the code (as datasette's test_docs.py does): every
environment variable the code reads is documented with its default, no document names a
variable that does not exist, every command is in the CLI table, and the limits it states are
the code's."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from dashboard import config
from dashboard.catalog import KINDS
from dashboard.cli import build_parser
from dashboard.records import MAX_VALUE

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SOURCES = sorted((ROOT / "dashboard").rglob("*.py"))
VARIABLE = re.compile(r"\bKRIMDASH_[A-Z_]+\b")


def section(title: str) -> str:
    """The README's `## title` section, up to the next heading of that level."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert match, f"README has no section «{title}»"
    return match.group(1)


def table_rows(text: str) -> dict[str, list[str]]:
    """A markdown table's rows by their first cell (without backticks)."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) > 1 and not set(cells[0]) <= {"-"}:
            rows[cells[0].strip("`")] = cells[1:]
    return rows


def variables_in_source() -> set[str]:
    return {name for path in SOURCES for name in VARIABLE.findall(path.read_text("utf-8"))}


def test_the_scan_finds_the_variables_the_code_uses() -> None:
    # A guard for the tests below: an empty scan would make them pass for nothing.
    assert {"KRIMDASH_DB", "KRIMDASH_USER"} <= variables_in_source()


def test_every_variable_the_code_names_is_one_of_configs() -> None:
    assert variables_in_source() <= set(config.ENV_VARS)


@pytest.mark.parametrize("name", sorted(config.ENV_VARS))
def test_every_variable_is_documented_with_its_default(name: str) -> None:
    rows = table_rows(section("Configuration"))
    assert name in rows, f"add {name} to the README's Configuration table"
    default, meaning = rows[name]
    assert default == config.ENV_VARS[name].default
    assert meaning == config.ENV_VARS[name].meaning


DOCUMENTS = sorted(
    path.relative_to(ROOT).as_posix()
    for path in ROOT.rglob("*.md")
    if not any(
        part.startswith(".") or part == "site-packages" for part in path.relative_to(ROOT).parts
    )
)


def test_the_documents_include_the_readmes() -> None:
    assert {"README.md", "bench/README.md"} <= set(DOCUMENTS)


@pytest.mark.parametrize("document", DOCUMENTS)
def test_no_document_names_a_variable_that_does_not_exist(document: str) -> None:
    named = set(VARIABLE.findall((ROOT / document).read_text(encoding="utf-8")))
    assert named <= set(config.ENV_VARS), f"{document} names {sorted(named - set(config.ENV_VARS))}"


def _reads_environment(node: ast.AST) -> str | None:
    """The KRIMDASH_* name that `node` reads from the environment, if it does:
    os.environ.get("…"), os.environ["…"] or os.getenv("…")."""
    if isinstance(node, ast.Call) and node.args:
        func, arg = ast.unparse(node.func), node.args[0]
        if func in ("os.environ.get", "os.getenv", "environ.get", "getenv"):
            return arg.value if isinstance(arg, ast.Constant) else "<computed>"
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.ctx, ast.Load)
        and ast.unparse(node.value) in ("os.environ", "environ")
    ):
        key = node.slice
        return key.value if isinstance(key, ast.Constant) else "<computed>"
    return None


def test_only_config_reads_the_environment() -> None:
    readers = {
        (path.relative_to(ROOT).as_posix(), name)
        for path in SOURCES
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if (name := _reads_environment(node))
        and (name.startswith("KRIMDASH_") or name == "<computed>")
    }
    assert readers, "config itself reads the environment; the scan should find it"
    assert {path for path, _ in readers} == {"dashboard/config.py"}, readers


def test_every_command_is_in_the_cli_table() -> None:
    (commands,) = (
        a.choices for a in build_parser()._actions if getattr(a, "choices", None) is not None
    )
    rows = table_rows(section("The CLI"))
    documented = {first.split()[1] for first in rows if first.startswith("krimdash ")}
    assert documented == set(commands)


def test_the_readme_states_the_codes_limit_and_kinds() -> None:
    assert f"over {MAX_VALUE:,}" in README
    kinds = re.search(r"^- Kinds:(.*?)(?=^- |\Z)", section("The data model"), re.S | re.M)
    assert kinds and re.findall(r"\*\*(\w+)\*\*", kinds.group(1)) == list(KINDS)
