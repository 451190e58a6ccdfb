"""Only ``pipeline/store/`` touches the ORM: everything else asks the store's repository.

A module outside the store that imports ``pipeline.store.models`` (at the top or inside a
function) fails this test; an import under ``if TYPE_CHECKING:`` only names the type of a
row the store handed back, and passes. Tests and benchmarks set up stores by hand and are
not checked.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ("app", "flows", "pipeline", "qualflow_cli")
STORE = Path("pipeline/store")
MODELS = "pipeline.store.models"

ALLOWED: set[str] = set()
"""Modules outside the store that may still import the models, each with the reason why
(none now: the review app's queue, decisions, summaries and reconciliation ask the store too)."""


def _type_checking_only(tree: ast.AST) -> set[int]:
    """Ids of the nodes under ``if TYPE_CHECKING:``: they name a type, never reach the ORM."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            inside |= {id(n) for child in node.body for n in ast.walk(child)}
    return inside


def imports_models(tree: ast.AST) -> list[int]:
    """Line numbers of the imports of the ORM models in ``tree`` (not counting those only
    for type checkers)."""
    lines = []
    typing_only = _type_checking_only(tree)
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            if any(a.name == MODELS or a.name.startswith(MODELS + ".") for a in node.names):
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == MODELS or node.module.startswith(MODELS + "."):
                lines.append(node.lineno)
            elif node.module == "pipeline.store" and any(a.name == "models" for a in node.names):
                lines.append(node.lineno)
    return lines


def modules() -> list[Path]:
    found = []
    for top in CHECKED:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if STORE not in relative.parents:
                found.append(relative)
    return found


def test_only_the_store_imports_the_orm_models():
    offenders = {}
    for relative in modules():
        lines = imports_models(ast.parse((ROOT / relative).read_text(encoding="utf-8"), str(relative)))
        if lines and relative.as_posix() not in ALLOWED:
            offenders[relative.as_posix()] = lines
    assert not offenders, f"these modules import {MODELS}; ask pipeline.store's repository instead: {offenders}"


def test_the_allow_list_names_only_modules_that_still_need_it():
    still = {p.as_posix() for p in modules() if imports_models(ast.parse((ROOT / p).read_text(encoding="utf-8")))}
    assert ALLOWED <= still, f"no longer importing the models, drop from ALLOWED: {sorted(ALLOWED - still)}"


def test_the_check_sees_every_spelling():
    for source in ("from pipeline.store import models as m", "import pipeline.store.models",
                   "from pipeline.store.models import Run", "def f():\n    from pipeline.store import db, models\n"):
        assert imports_models(ast.parse(source)), source
    for source in ("from pipeline.store import studies", "from pipeline.store.repository import Repository",
                   "from pipeline.records import Transcript",
                   "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pipeline.store.models import Run\n"):
        assert not imports_models(ast.parse(source)), source
