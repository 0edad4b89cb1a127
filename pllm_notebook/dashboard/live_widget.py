"""The notebook's live figures as an anywidget: it moves while cells run, Run All included.

Panel's inline updates in JupyterLab wait for a comm handshake that the front end queues behind running
cells, so during Run All a Panel view stays blank until the kernel is idle. An ipywidgets model is
opened by the kernel (its ``comm_open`` goes out at once) and every state change is a kernel-to-page
message, sent while cells run, as a tqdm bar's are. So the part of the dashboard that moves is drawn in
the notebook by the same ES module as the Panel ``Part`` (``frontend/dashboard.js``), fed the same JSON
through a synced ``data`` trait. The cache browser stays Panel: its buttons need an idle kernel anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

from . import ES_MODULE
from .details import DetailSource, detail_reply
from .formatting import encode


def mimebundle(widget: Any, fallback_html: str) -> dict[str, Any]:
    """``widget``'s display data, with ``fallback_html`` for a front end that cannot draw it (a notebook
    reopened without this kernel, nbviewer, a converted HTML file) instead of the widget's repr."""
    bundle = widget._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle  # anywidget answers (data, metadata)
    return {**data, "text/html": fallback_html}


class LiveWidget(anywidget.AnyWidget):
    """The live part (headline cards, charts, feed, per-cell table); :meth:`show` pushes new figures."""

    _esm = ES_MODULE
    kind = traitlets.Unicode("live").tag(sync=True)
    data = traitlets.Unicode("{}").tag(sync=True)

    def show(self, **payload: Any) -> None:
        """Send ``payload`` to the page now, from any thread (nothing is sent if it did not change)."""
        self.data = encode(payload)

    def on_first_render(self, action: Callable[[], None]) -> None:
        """Run ``action`` once, when a front end first draws the widget (a headless run never does).

        The page's message reaches the kernel when it is idle (after Run All, say), like any click.
        """
        done: list[bool] = []

        def heard(_widget: Any, content: Any, _buffers: Any) -> None:
            if not done and isinstance(content, dict) and content.get("event") == "rendered":
                done.append(True)
                action()

        self.on_msg(heard)

    def answer_details(self, source: DetailSource) -> None:
        """Answer the page's clicks on feed rows with the row's detail from ``source`` (when the kernel is
        idle: a page's message waits behind running cells)."""

        def heard(_widget: Any, content: Any, _buffers: Any) -> None:
            reply = detail_reply(content, source)
            if reply is not None:
                self.send(reply)

        self.on_msg(heard)
