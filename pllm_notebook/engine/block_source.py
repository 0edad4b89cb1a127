"""The source of the ``with`` block a memo was opened in, so that two different blocks never share a key."""

from __future__ import annotations

import ast
import hashlib
import linecache
import os
from types import FrameType

_cache: dict[tuple[str, int, str], tuple[str, str]] = {}


def _innermost_with(tree: ast.AST, lineno: int) -> ast.With | ast.AsyncWith | None:
    best = None
    for node in ast.walk(tree):
        if not isinstance(node, ast.With | ast.AsyncWith):
            continue
        for item in node.items:
            expr = item.context_expr
            if expr.lineno <= lineno <= (expr.end_lineno or expr.lineno) and (
                best is None or node.lineno >= best.lineno
            ):
                best = node
    return best


def block_identity(frame: FrameType) -> tuple[str, str]:
    """``(source_hash, location)`` of the ``with`` statement running in ``frame``.

    The hash covers the block's normalised code (comments and layout do not count), so editing the block
    gives a new key. Where no source can be found, the code object's bytecode stands in.
    """
    filename = frame.f_code.co_filename
    lineno = frame.f_lineno
    lines = linecache.getlines(filename, frame.f_globals)
    line = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
    cache_key = (filename, lineno, line)
    found = _cache.get(cache_key)
    if found is not None:
        return found
    normalised = ""
    if lines:
        try:
            node = _innermost_with(ast.parse("".join(lines)), lineno)
        except SyntaxError:
            node = None
        if node is not None:
            normalised = ast.unparse(node)
    if not normalised:
        normalised = f"bytecode:{frame.f_code.co_code.hex()}:{lineno - frame.f_code.co_firstlineno}"
    digest = hashlib.sha256(normalised.encode()).hexdigest()
    location = f"{os.path.basename(filename)}:{lineno}"
    _cache[cache_key] = (digest, location)
    return digest, location
