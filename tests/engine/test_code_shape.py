"""The package's shape: type hints that resolve, no module reaching for another module's private names, and
no class reaching into another object's private attributes."""

from __future__ import annotations

import ast
import inspect
import typing
from collections.abc import Callable
from pathlib import Path

import pytest

import pllm_notebook
import pllm_notebook.cache
import pllm_notebook.engine

PACKAGE = Path(pllm_notebook.__file__).resolve().parent

#: Methods whose hints name their owner one module up under TYPE_CHECKING. None are left: an owner is
#: described by a protocol below it (``ConversationOwner``, ``MemoOwner``, ``Caller``) or by the narrow
#: ``EngineContext`` the engine's parts receive instead of the orchestrator.
OWNER_LINKS: set[str] = set()


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


def _package_hits(scan: Callable[[Path], list[str]]) -> dict[str, list[str]]:
    """What ``scan`` finds in each module of the package (modules with nothing left out)."""
    return {
        str(path.relative_to(PACKAGE)): hits for path in sorted(PACKAGE.rglob("*.py")) if (hits := scan(path))
    }


def test_no_module_imports_a_private_name_of_another():
    found = _package_hits(_private_imports)
    assert found == {}, "make the name public where it is shared, or move the code to where it is used"


def test_the_scan_sees_a_private_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("from .store import _helper\nfrom pllm_notebook import hashing\nhashing._digest(1)\n")
    assert _private_imports(module) == ["line 1: from .store import _helper", "line 3: hashing._digest"]


def _defined_attributes(scope: ast.AST) -> set[str]:
    """The names a class (or a module's classes) defines: methods, class attributes and ``self.x = ...``."""
    names: set[str] = set()
    for node in ast.walk(scope):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("self", "cls")
        ):
            names.add(node.attr)
    return names


def _private_attribute_reads(path: Path) -> list[str]:
    """``other._name`` in the module at ``path``, where ``_name`` is not this class's own attribute.

    ``self._x`` and ``cls._x`` are a class's own; ``other._x`` inside a class is allowed when that class
    defines ``_x`` (another instance of it, as ``__eq__`` compares); in a module-level function (a
    finalizer that must not keep ``self`` alive) when a class of the same module defines it. Modules
    (``sys._getframe``) are the private-import scan's concern; IPython's ``_repr_*_`` hooks are public.
    """
    tree = ast.parse(path.read_text(), filename=str(path))
    modules = {
        alias.asname or alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    found: list[str] = []

    def reached(node: ast.AST) -> str | None:
        """The attribute name ``node`` reaches on another object (``other._x``, ``getattr(other, "_x")``)."""
        if isinstance(node, ast.Attribute):
            owner, name = node.value, node.attr
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
        ):
            owner, name = node.args[0], str(node.args[1].value)
        else:
            return None
        if isinstance(owner, ast.Name) and owner.id in ("self", "cls", *modules):
            return None
        return name

    def visit(node: ast.AST, own: set[str]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, _defined_attributes(child))
                continue
            name = reached(child)
            if (
                name is not None
                and name.startswith("_")
                and not name.startswith(("__", "_repr_"))
                and name not in own
            ):
                found.append(f"line {child.lineno}: {ast.unparse(child)}")
            visit(child, own)

    visit(tree, _defined_attributes(tree))
    return found


def test_no_class_reads_another_objects_private_attribute():
    found = _package_hits(_private_attribute_reads)
    assert found == {}, "give the owner a public method or attribute for what the other class needs"


def test_the_scan_sees_a_private_attribute_read(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        "import sys\n"
        "class Box:\n"
        "    def __init__(self):\n"
        "        self._items = []\n"
        "    def __eq__(self, other):\n"
        "        return self._items == other._items\n"
        "class Other:\n"
        "    def peek(self, box):\n"
        "        sys._getframe(0)\n"
        "        box._items.append(1)\n"
        "        return getattr(box, '_cached', None)\n"
    )
    assert _private_attribute_reads(module) == [
        "line 10: box._items",
        "line 11: getattr(box, '_cached', None)",
    ]
