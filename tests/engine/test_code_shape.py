"""The package's shape: type hints that resolve, and no module reaching for another module's private names."""

from __future__ import annotations

import ast
import inspect
import typing
from pathlib import Path

import pytest

import pllm_notebook
import pllm_notebook.cache
import pllm_notebook.engine

PACKAGE = Path(pllm_notebook.__file__).resolve().parent

#: Methods whose hints name their owner one module up (an agent's orchestrator, a conversation's or a memo
#: block's agent): typed under TYPE_CHECKING until the owner is described by a protocol below it.
OWNER_LINKS = {
    "Agent.__init__",
    "AgentContext.__init__",
    "MessageState.__init__",
    "MessageState.agent",
    "Memo.__init__",
}


def _public_objects() -> list[tuple[str, object]]:
    """Every class and function a user reaches through the package's, the cache's and the engine's __all__."""
    found = []
    for module in (pllm_notebook, pllm_notebook.cache, pllm_notebook.engine):
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isclass(value) or inspect.isfunction(value):
                found.append((f"{module.__name__}.{name}", value))
    return found


@pytest.mark.parametrize(("name", "value"), _public_objects(), ids=lambda v: v if isinstance(v, str) else "")
def test_type_hints_resolve(name, value):
    typing.get_type_hints(value)
    if inspect.isclass(value):
        for attr, member in vars(value).items():
            if attr.startswith("_") and attr != "__init__":
                continue
            if isinstance(member, staticmethod | classmethod):
                member = member.__func__
            if isinstance(member, property):
                member = member.fget
            if inspect.isfunction(member) and f"{value.__name__}.{attr}" not in OWNER_LINKS:
                typing.get_type_hints(member)


def _private_imports(path: Path) -> list[str]:
    """``from <package module> import _name`` and ``<package module>._name`` in the module at ``path``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    modules: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (
            node.level or (node.module or "").startswith("pllm_notebook")
        ):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(
                        f"line {node.lineno}: from {'.' * node.level}{node.module or ''} import {alias.name}"
                    )
                elif alias.name[:1].islower():
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            modules |= {
                a.asname or a.name.split(".")[0] for a in node.names if a.name.startswith("pllm_notebook")
            }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_no_module_imports_a_private_name_of_another():
    found = {
        str(path.relative_to(PACKAGE)): hits
        for path in sorted(PACKAGE.rglob("*.py"))
        if (hits := _private_imports(path))
    }
    assert found == {}, "make the name public where it is shared, or move the code to where it is used"


def test_the_scan_sees_a_private_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("from .store import _helper\nfrom pllm_notebook import hashing\nhashing._digest(1)\n")
    assert _private_imports(module) == ["line 1: from .store import _helper", "line 3: hashing._digest"]
