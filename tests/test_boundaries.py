"""Layers: ``pipeline/`` is the library; ``flows/``, ``app/`` and the CLI (``qualflow_cli/``) are
shells on top of it. The library imports none of them, nor the frameworks they wrap.

Imports are read with ``ast`` from the source files, so an import inside a function (the
usual way to keep heavy ones lazy) counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

SHELLS = ("app", "flows", "qualflow_cli")
SHELL_FRAMEWORKS = ("prefect", "prefect_dask", "typer", "click", "fastapi", "starlette", "uvicorn")


def imported_modules(source: str) -> set[str]:
    """Absolute module names a source file imports, anywhere in it (relative imports stay inside
    their package and are left out)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def library_imports() -> dict[str, set[str]]:
    """Each module of ``pipeline/`` (path relative to the repository) and what it imports."""
    return {path.relative_to(REPO).as_posix(): imported_modules(path.read_text(encoding="utf-8"))
            for path in sorted((REPO / "pipeline").rglob("*.py"))}


def offending(imports: dict[str, set[str]], roots: tuple[str, ...]) -> list[str]:
    return [f"{path} imports {name}" for path, names in imports.items() for name in sorted(names)
            if name.split(".")[0] in roots]


def test_the_library_imports_no_shell():
    assert offending(library_imports(), SHELLS) == []


def test_the_library_imports_none_of_the_shells_frameworks():
    assert offending(library_imports(), SHELL_FRAMEWORKS) == []


@pytest.mark.parametrize("source, found", [
    ("import flows.analyse\n", ["x.py imports flows.analyse"]),
    ("def f():\n    from app.main import create_app\n", ["x.py imports app.main"]),
    ("from qualflow_cli import main\n", ["x.py imports qualflow_cli"]),
    ("from . import app\nfrom pipeline.store import db\nimport applications\n", []),
])
def test_the_check_sees_lazy_imports_and_ignores_look_alikes(source, found):
    assert offending({"x.py": imported_modules(source)}, SHELLS) == found
