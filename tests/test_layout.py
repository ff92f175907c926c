"""The layout a newcomer reads: the core never reaches into the web wing or Streamlit, and the
README's Layout section names every module there is."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = sorted((ROOT / "dashboard").glob("*.py"))
WEB = sorted((ROOT / "dashboard" / "web").rglob("*.py"))


def imported(path: Path) -> set[str]:
    """The modules `path` imports, relative imports resolved against the dashboard package."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            names |= {module} | {f"{module}.{a.name}" for a in node.names}
    return names


# The monthly note is made from the store by `krimdash report` as well as by the app, and shows
# the overview's key figures and the pages' charts: note.py and note_html.py reuse these pure
# modules of the web wing (no second copy of their logic), and through them never Streamlit.
NOTE_MODULES = ("note.py", "note_html.py")
NOTE_MAY_USE = tuple(
    f"dashboard.web.{m}" for m in ("series", "charts", "render", "views", "texts", "printing")
)


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.name)
def test_the_core_imports_neither_the_web_wing_nor_streamlit(path: Path) -> None:
    reaches = {
        n
        for n in imported(path)
        if n.startswith(("dashboard.web", "streamlit", "jinja2", "altair"))
    }
    if path.name in NOTE_MODULES:
        # `from .web import series` names the package too; what it imports is checked by name.
        reaches = {n for n in reaches if n != "dashboard.web" and not n.startswith(NOTE_MAY_USE)}
    assert reaches == set()


def test_what_the_note_uses_of_the_web_wing_never_reaches_streamlit() -> None:
    seen: set[str] = set()
    todo = [m for m in NOTE_MAY_USE]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        names = imported(ROOT / (module.replace(".", "/") + ".py"))
        assert not {n for n in names if n.startswith("streamlit")}, module
        todo += [
            n
            for n in names
            if n.startswith("dashboard.web.") and (ROOT / (n.replace(".", "/") + ".py")).is_file()
        ]
    assert len(seen) >= len(NOTE_MAY_USE)


def test_the_readme_layout_names_every_module() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("```")[1]
    listed = set(re.findall(r"\b([a-z_]+\.py)\b", layout))
    modules = {p.name for p in CORE + WEB if p.name != "__init__.py" and "app_pages" not in p.parts}
    assert modules - listed == set()
    assert (ROOT / "dashboard" / "web" / "templates").is_dir() and "templates/" in layout
