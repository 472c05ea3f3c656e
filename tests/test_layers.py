"""The architecture's layers, enforced: data flows one way and only gdviz.ui imports Streamlit.

    core (gdviz/*.py, gdviz/optimizers)  <-  lessons (gdviz/linefit, gdviz/compare)
        <-  views (gdviz/views)  <-  ui (gdviz/ui), the command line (gdviz/cli)  <-  pages

Checked from each module's import statements, so a new module is covered without a new test.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "gdviz"
LESSONS = ("gdviz.linefit", "gdviz.compare")
UPPER = ("gdviz.views", "gdviz.ui", "gdviz.cli")


def layer(module: str) -> str:
    if module.startswith("gdviz.ui"):
        return "ui"
    if module.startswith("gdviz.cli") or module == "gdviz.__main__":  # `python -m gdviz`
        return "cli"
    if module.startswith("gdviz.views"):
        return "views"
    if module.startswith(LESSONS):
        return "lesson"
    return "core"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))
# What each layer may not import.
FORBIDDEN = {
    "core": ("streamlit", *LESSONS, *UPPER),
    "lesson": ("streamlit", *UPPER),
    "views": ("streamlit", "gdviz.ui", "gdviz.cli"),
    "cli": ("streamlit", "gdviz.ui"),
    "ui": ("gdviz.cli",),
}


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_each_module_imports_only_from_the_layers_below(path: Path) -> None:
    own = layer(module_name(path))
    bad = sorted(
        name
        for name in imports(path)
        for forbidden in FORBIDDEN[own]
        if name == forbidden or name.startswith(forbidden + ".")
    )
    assert not bad, f"{module_name(path)} ({own}) imports {bad}"


def test_importing_gdviz_and_its_engine_loads_no_streamlit() -> None:
    modules = "gdviz, gdviz.cli, gdviz.linefit.run, gdviz.compare.run, gdviz.views.linefit_player"
    code = f"import sys, {modules}; print('streamlit' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"
