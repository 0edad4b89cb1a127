"""``%%memoize``: skip a cell whose inputs are unchanged and replay what it did."""

from __future__ import annotations

import ast
import inspect
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, magics_class, output_can_be_silenced
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from traitlets import default, link

from ..settings import setting
from .config_magics import setting_trait
from .session import NotebookSession

__all__ = ["MemoizeMagics", "AwaitingCells", "memoize_async"]


def _salt(settings: list[str]) -> str | None:
    salt = None
    for item in settings:
        key, sep, value = item.partition("=")
        if not sep or key != "salt":
            raise UsageError(
                f"%%memoize takes salt=VALUE and flags (--force, --no-vars, --quiet), not {item!r}"
            )
        salt = value
    return salt


@magics_class
class MemoizeMagics(Magics):
    """The ``%%memoize`` cell magic. Its traits ``restore_vars`` and ``notes`` are configurable in
    ``ipython_config.py`` (``c.MemoizeMagics.notes = False``); without, they follow ``PLLM_NO_VARS`` and
    ``PLLM_NOTES``; ``%pllm_config`` changes them."""

    restore_vars = setting_trait("restore_vars")
    notes = setting_trait("notes")

    def __init__(self, shell: Any, session: NotebookSession) -> None:
        super().__init__(shell)
        self.session = session
        self._links = [link((self, name), (session, name)) for name in ("restore_vars", "notes")]

    @default("restore_vars")
    def _restore_vars_default(self) -> bool:
        return setting("restore_vars")

    @default("notes")
    def _notes_default(self) -> bool:
        return setting("notes")

    @cell_magic
    @output_can_be_silenced
    @magic_arguments()
    @argument(
        "settings",
        nargs="*",
        metavar="salt=VALUE",
        help="a salt: changing it re-runs the cell and makes its LLM calls afresh",
    )
    @argument(
        "--force", action="store_true", help="run the cell even if it is stored, and replace the stored run"
    )
    @argument("--no-vars", action="store_true", help="do not store or restore the variables the cell sets")
    @argument("--quiet", action="store_true", help="do not print the one-line hit/miss note")
    def memoize(self, line: str, cell: str) -> Any:
        """Run the cell once; on later runs with the same inputs, replay what it did instead.

        The cell is keyed on its code (comments and spacing do not count), the salt, the values it reads
        but does not define (arrays and frames are fingerprinted from memory) and the conversations it
        uses. On a hit its printed output, displays and result are shown again, the variables it set are
        restored and the changes it made to conversations are replayed, with no LLM call. On a miss the
        cell runs as usual and is stored only if it succeeds. A note says hit or miss, and why it missed
        (new cell, source changed, input 'x' changed, salt changed).

        Everything is kept in the resume directory (``.pllm/`` by default, see ``%pllm_config``).
        Restoring variables unpickles them: use ``%pllm_config restore_vars=false`` (or the environment
        variable ``PLLM_NO_VARS=1``) with a resume directory you did not create yourself.

        Example::

            %%memoize salt=v2
            answer = conv.ask_llm("Summarise the findings in one sentence.")
            answer.final_answer
        """
        __tracebackhide__ = True
        from .memo_cell import run_memoized

        return run_memoized(self.shell, self.session, cell, self.cell_options(line))

    def cell_options(self, line: str) -> Any:
        """The :class:`CellOptions` a ``%%memoize`` line asks for."""
        from .memo_cell import CellOptions

        args = parse_argstring(self.memoize, line)
        return CellOptions(
            salt=_salt(args.settings), force=args.force, keep_vars=not args.no_vars, quiet=args.quiet
        )


async def memoize_async(shell: Any, line: str, cell: str) -> Any:
    """``%%memoize`` for a cell with top-level ``await`` (:class:`AwaitingCells` sends such cells here)."""
    __tracebackhide__ = True
    from .memo_cell import run_memoized_async

    magics = shell.magics_manager.registry[MemoizeMagics.__name__]
    line = shell.var_expand(line, 1)  # as run_cell_magic does: ``salt=$version`` reads the user's variable
    return await run_memoized_async(shell, magics.session, cell, magics.cell_options(line))


_MAGIC_CALL = "get_ipython().run_cell_magic('memoize', "


class AwaitingCells:
    """An input transformer: a ``%%memoize`` cell whose code awaits becomes ``await memoize_async(...)``.

    IPython turns a cell magic into a plain call, which it runs synchronously; a cell that awaits must
    instead be awaited in the kernel's event loop, as IPython does for any cell with top-level ``await``.
    """

    def __init__(self, shell: Any) -> None:
        self.shell = shell

    def __call__(self, lines: list[str]) -> list[str]:
        if not lines or not lines[0].startswith(_MAGIC_CALL):
            return lines
        try:
            (statement,) = ast.parse("".join(lines)).body
            line, cell = (ast.literal_eval(arg) for arg in statement.value.args[1:])
            code = compile(
                self.shell.transform_cell(cell), "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
            )
        except (SyntaxError, ValueError, AttributeError):  # not ours, or a bad cell: the magic reports it
            return lines
        if not code.co_flags & inspect.CO_COROUTINE:
            return lines
        module = "__import__('pllm_notebook.notebook.memoize_magics', fromlist=['memoize_async'])"
        return [f"await {module}.memoize_async(get_ipython(), {line!r}, {cell!r})\n"]
