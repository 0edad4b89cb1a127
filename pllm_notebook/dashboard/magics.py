"""``%pllm_dashboard``: show the live dashboard of the notebook's default orchestrator.

Registered by ``%load_ext pllm_notebook``. Importing this module does not import Panel; showing the
dashboard does.
"""

from __future__ import annotations

import logging
from typing import Any

from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from . import MODES


class StaleCommFilter(logging.Filter):
    """Drops the ``comm`` package's "No such comm" warnings.

    After a kernel restart, dashboard views still on the page (a Panel or widget view of the old kernel)
    send messages the new kernel cannot route. The ``Comm`` logger has no handler, so Python's last-resort
    handler writes the warning to ``sys.stderr``: in a kernel, the output of whatever cell runs then, in
    red. Nothing is wrong, and nothing the user can do about it, so it is not shown.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("No such comm:")


def hide_stale_comm_warnings() -> None:
    """Install :class:`StaleCommFilter` on the ``Comm`` logger (once)."""
    comm_log = logging.getLogger("Comm")
    if not any(isinstance(f, StaleCommFilter) for f in comm_log.filters):
        comm_log.addFilter(StaleCommFilter())


@magics_class
class DashboardMagics(Magics):
    """The dashboard's line magic; loading it also keeps stale dashboard views' comm warnings out of
    cell output (see :class:`StaleCommFilter`)."""

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        hide_stale_comm_warnings()

    @line_magic
    @magic_arguments()
    @argument(
        "--mode",
        choices=MODES,
        default=None,
        help="widget (Panel, the default in a notebook), static (an HTML table) or terminal (a [DASH] line)",
    )
    def pllm_dashboard(self, line: str) -> None:
        """Show the live dashboard: headline figures, activity feed, charts, per-cell table, cache browser.

        It keeps updating while cells run. ``%pllm_stats`` is the static table of the same counters.
        """
        from ..api import default_orchestrator
        from .attach import attach_dashboard

        args = parse_argstring(self.pllm_dashboard, line)
        attach_dashboard(default_orchestrator(), args.mode)
