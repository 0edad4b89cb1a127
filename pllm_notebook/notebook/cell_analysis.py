"""What a cell reads and what it sets, found from its syntax tree (the code is never run for this).

``%%memoize`` keys a cell on the values it reads but does not define itself, and after a run stores the
variables it assigned. Both come from one walk of the cell's AST in evaluation order: ``x = x + 1`` reads
``x`` (the right side runs first) and assigns it; ``x = 1; print(x)`` reads nothing.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache

from ..hashing import stable_hash

__all__ = ["CellNames", "analyze_cell"]


@dataclass(frozen=True)
class CellNames:
    """The global names a cell reads before setting them, sets, deletes, and the agents it names.

    ``source_hash`` hashes the syntax tree, so comments and spacing do not change it.

    ``attributes`` holds ``(name, attribute)`` for each ``helpers.summarize`` read on a name the cell reads,
    so a local module counts by what the cell uses of it.

    ``agents`` holds the literal names in calls such as ``pllm.agent("writer")``, so the conversations a
    cell touches are part of its key even when no variable holds them. ``definitions`` maps a function or
    class the cell defines at top level (with its decorators), or a lambda it assigns to a name, to its
    source, so a replay can define it again.

    Objects the cell changes in place through a method (``results.append(x)``, ``model.fit(X, y)``) are
    found at run time, by fingerprinting its inputs before and after the run, not from the syntax.
    """

    reads: tuple[str, ...]
    assigns: tuple[str, ...]
    deletes: tuple[str, ...]
    agents: tuple[str, ...]
    definitions: tuple[tuple[str, str], ...]
    source_hash: str
    attributes: tuple[tuple[str, str], ...] = ()


class _Walker(ast.NodeVisitor):
    """Visits a module's statements in evaluation order, tracking which global names are bound so far."""

    def __init__(self) -> None:
        self.reads: dict[str, None] = {}
        self.assigns: dict[str, None] = {}
        self.deletes: dict[str, None] = {}
        self.agents: dict[str, None] = {}
        self.attributes: dict[tuple[str, str], None] = {}
        self.bound: set[str] = set()
        self.scopes: list[set[str]] = []

    # -- names ---------------------------------------------------------------------------------

    def _is_local(self, name: str) -> bool:
        return any(name in scope for scope in self.scopes)

    def _read(self, name: str) -> None:
        if self._is_local(name) or name in self.bound:
            return
        self.reads.setdefault(name, None)

    def _store(self, name: str) -> None:
        if self.scopes:
            self.scopes[-1].add(name)
            return
        self.bound.add(name)
        self.assigns.setdefault(name, None)
        self.deletes.pop(name, None)

    def _mutate(self, node: ast.expr) -> None:
        """``obj.attr = v``, ``obj[k] = v``, ``del obj[k]``, ``obj.append(v)``: ``obj`` is read and set."""
        while isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        if isinstance(node, ast.Name) and not self.scopes:
            self._read(node.id)
            self.assigns.setdefault(node.id, None)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._read(node.id)
        elif isinstance(node.ctx, ast.Store):
            self._store(node.id)
        else:
            if not self.scopes:
                self.bound.discard(node.id)
                self.assigns.pop(node.id, None)
                self.deletes.setdefault(node.id, None)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        base = node.value
        if (
            isinstance(base, ast.Name)
            and isinstance(base.ctx, ast.Load)
            and not self._is_local(base.id)
            and base.id not in self.bound
        ):
            self.attributes.setdefault((base.id, node.attr), None)
        self.generic_visit(node)

    def _target(self, target: ast.expr) -> None:
        if isinstance(target, ast.Attribute | ast.Subscript):
            self.visit(target)
            self._mutate(target)
        else:
            self.visit(target)

    # -- statements, in the order Python evaluates their parts -------------------------------------

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self._target(target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self._read(node.target.id)
            self._store(node.target.id)
        else:
            self._target(node.target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
            self._target(node.target)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self._target(node.target)
        for stmt in (*node.body, *node.orelse):
            self.visit(stmt)

    visit_AsyncFor = visit_For

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, ast.Attribute | ast.Subscript):
                self.visit(target)
                self._mutate(target)
            else:
                self.visit(target)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "*":
                continue
            self._store(alias.asname or alias.name.split(".")[0])

    visit_ImportFrom = visit_Import

    def visit_Global(self, node: ast.Global) -> None:
        if self.scopes:
            for name in node.names:
                self.scopes[-1].discard(name)
                self.assigns.setdefault(name, None)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if (
            name == "agent"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            self.agents.setdefault(node.args[0].value, None)
        self.generic_visit(node)

    # -- new scopes: their own names stay local; what they read from outside is read by the cell ----

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        args = node.args
        for default in (*args.defaults, *(d for d in args.kw_defaults if d is not None)):
            self.visit(default)
        if not isinstance(node, ast.Lambda):
            for decorator in node.decorator_list:
                self.visit(decorator)
            self._store(node.name)
        params = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
        params |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
        self.scopes.append(params | _local_names(node))
        body = [node.body] if isinstance(node, ast.Lambda) else node.body
        for stmt in body:
            self.visit(stmt)
        self.scopes.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in (*node.decorator_list, *node.bases, *(k.value for k in node.keywords)):
            self.visit(expr)
        self.scopes.append(set())
        for stmt in node.body:
            self.visit(stmt)
        self.scopes.pop()
        self._store(node.name)

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> None:
        first, *rest = node.generators
        self.visit(first.iter)
        self.scopes.append(set())
        self.visit(first.target)
        for cond in first.ifs:
            self.visit(cond)
        for gen in rest:
            self.visit(gen.iter)
            self.visit(gen.target)
            for cond in gen.ifs:
                self.visit(cond)
        if isinstance(node, ast.DictComp):
            self.visit(node.key)
            self.visit(node.value)
        else:
            self.visit(node.elt)
        self.scopes.pop()

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension


def _local_names(node: ast.AST) -> set[str]:
    """Names a function body binds (its locals), not looking into nested functions."""
    found: set[str] = set()
    declared_global: set[str] = set()
    stack = list(ast.iter_child_nodes(node))
    while stack:
        child = stack.pop()
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store | ast.Del):
            found.add(child.id)
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(child.name)
            continue
        elif isinstance(child, ast.Import | ast.ImportFrom):
            found |= {a.asname or a.name.split(".")[0] for a in child.names}
        elif isinstance(child, ast.Global | ast.Nonlocal):
            declared_global |= set(child.names)
        elif isinstance(child, ast.Lambda | ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            continue
        stack.extend(ast.iter_child_nodes(child))
    return found - declared_global


def _definitions(tree: ast.Module, source: str) -> tuple[tuple[str, str], ...]:
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            segment = ast.get_source_segment(source, node)
            decorators = [ast.get_source_segment(source, d) for d in node.decorator_list]
            if segment is not None and None not in decorators:
                found.append((node.name, "".join(f"@{d}\n" for d in decorators) + segment))
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Lambda)
        ):
            segment = ast.get_source_segment(source, node)
            if segment is not None:
                found.append((node.targets[0].id, segment))
    return tuple(found)


@lru_cache(maxsize=512)
def analyze_cell(source: str) -> CellNames:
    """The names ``source`` (plain Python, after IPython's input transforms) reads, sets and deletes.

    Reads include builtins (the caller drops names the namespace does not hold). Raises ``SyntaxError`` for code that does not parse.
    """
    tree = ast.parse(source)
    walker = _Walker()
    for stmt in tree.body:
        walker.visit(stmt)
    return CellNames(
        reads=tuple(walker.reads),
        assigns=tuple(walker.assigns),
        deletes=tuple(walker.deletes),
        agents=tuple(walker.agents),
        definitions=_definitions(tree, source),
        source_hash=stable_hash("cell_source", ast.dump(tree)),
        attributes=tuple(walker.attributes),
    )
