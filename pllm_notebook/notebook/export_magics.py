"""``%pllm_export FILE``: write this notebook's stored results as a signed bundle, from the notebook."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from .session import NotebookSession

__all__ = ["ExportMagics"]


def _running_notebook() -> Path | None:
    """The .ipynb this kernel belongs to, where the Jupyter server says so (``JPY_SESSION_NAME``)."""
    name = os.environ.get("JPY_SESSION_NAME", "")
    path = Path(name) if name.endswith(".ipynb") else None
    return path if path is not None and path.is_file() else None


@magics_class
class ExportMagics(Magics):
    """The ``%pllm_export`` line magic."""

    def __init__(self, shell: Any, session: NotebookSession) -> None:
        super().__init__(shell)
        self.session = session

    @line_magic
    @magic_arguments()
    @argument("file", help="the bundle file to write")
    @argument("--notebook", help="the .ipynb to export (default: this kernel's notebook)")
    @argument("--cells", help="only these code cells: numbers counted from 1, or cell ids (3,5)")
    @argument("--since", help="only entries stored on or after this date (2026-11-30)")
    def pllm_export(self, line: str = "") -> None:
        """Export what this notebook's latest run used (memo entries, calls, blobs) as a signed bundle.

        A colleague runs ``pllm-notebook import FILE`` and re-runs the notebook with no API key. Without
        ``--notebook`` (and outside a Jupyter server that names the notebook), what this kernel's cells
        used is exported.
        """
        from .. import api
        from ..errors import PllmError
        from .export import (
            ExportSelection,
            describe,
            export_labels,
            export_notebook,
            notebook_cells,
            parse_cells,
            parse_since,
        )

        args = parse_argstring(self.pllm_export, line)
        notebook = Path(args.notebook).expanduser() if args.notebook else _running_notebook()
        orch = api.default_orchestrator()
        orch.store.flush()
        try:
            since = parse_since(args.since) if args.since else None
            if notebook is not None:
                cells = parse_cells(args.cells, notebook_cells(notebook)) if args.cells else None
                stated = export_notebook(
                    notebook,
                    args.file,
                    directory=orch.directory,
                    selection=ExportSelection(cells, since),
                    store=orch.store,
                )
            else:
                if args.cells:
                    raise UsageError("--cells needs the notebook: pass --notebook NAME.ipynb")
                stated = export_labels(
                    orch.directory,
                    [],
                    args.file,
                    notebook="(this kernel's run)",
                    since=since,
                    run=self.session.run_log.record(),
                    store=orch.store,
                )
        except PllmError as exc:
            raise UsageError(str(exc)) from None
        print(describe(stated, Path(args.file).expanduser()))
