"""``%pllm_dashboard``: show the live dashboard of the notebook's default orchestrator.

Registered by ``%load_ext pllm_notebook``. Importing this module does not import Panel; showing the
dashboard does.
"""

from __future__ import annotations

from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from . import MODES


@magics_class
class DashboardMagics(Magics):
    """The dashboard's line magic."""

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
