"""Record what a cell shows (stdout, stderr, rich displays, its result) while the user still sees it live.

:func:`capture_outputs` tees ``sys.stdout``/``sys.stderr`` and wraps the shell's display publisher, so
every write and display goes to the notebook as usual and is also appended, in order, to a list of plain
JSON-able items. :func:`replay_outputs` sends such a list again (live widgets as their static snapshot); :class:`ReplayedResult` shows a stored
last-expression value as the cell's own result (``Out[n]``) without the original object.
"""

from __future__ import annotations

import base64
import contextlib
import sys
from collections.abc import Iterator
from typing import Any, TextIO

__all__ = ["capture_outputs", "replay_outputs", "static_snapshot", "ReplayedResult", "to_json", "from_json"]

Output = dict[str, Any]


class _Tee:
    """A text stream that writes through to ``target`` and records what was written."""

    def __init__(self, target: TextIO, name: str, items: list[Output]) -> None:
        self._target = target
        self._name = name
        self._items = items

    def write(self, text: str) -> int:
        written = self._target.write(text)
        if text:
            last = self._items[-1] if self._items else None
            if last is not None and last["type"] == "stream" and last["name"] == self._name:
                last["text"] += text
            else:
                self._items.append({"type": "stream", "name": self._name, "text": text})
        return written

    def writelines(self, lines: list[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


def _publish_args(args: tuple, kwargs: dict[str, Any]) -> Output:
    data = args[0] if args else kwargs.get("data", {})
    metadata = args[1] if len(args) > 1 else kwargs.get("metadata")
    return {
        "type": "display",
        "data": dict(data),
        "metadata": dict(metadata or {}),
        "transient": dict(kwargs.get("transient") or {}),
        "update": bool(kwargs.get("update", False)),
    }


@contextlib.contextmanager
def _patched(obj: Any, name: str, replacement: Any) -> Iterator[None]:
    """Shadow ``obj.name`` with ``replacement`` on the instance, restoring exactly what was there."""
    had_own = name in vars(obj)
    previous = vars(obj).get(name)
    setattr(obj, name, replacement)
    try:
        yield
    finally:
        if had_own:
            setattr(obj, name, previous)
        else:
            delattr(obj, name)


@contextlib.contextmanager
def capture_outputs(shell: Any) -> Iterator[list[Output]]:
    """Record the cell's outputs in order while passing each one on to the notebook unchanged."""
    items: list[Output] = []
    publisher = shell.display_pub
    publish, clear_output = publisher.publish, publisher.clear_output

    def recording_publish(*args: Any, **kwargs: Any) -> Any:
        items.append(_publish_args(args, kwargs))
        return publish(*args, **kwargs)

    def recording_clear(wait: bool = False) -> Any:
        items.append({"type": "clear", "wait": bool(wait)})
        return clear_output(wait)

    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Tee(stdout, "stdout", items), _Tee(stderr, "stderr", items)
    try:
        with (
            _patched(publisher, "publish", recording_publish),
            _patched(publisher, "clear_output", recording_clear),
        ):
            yield items
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = stdout, stderr


def flush_inline_figures() -> None:
    """Show pending matplotlib inline figures now, so they are part of the cell's recorded outputs."""
    backend = sys.modules.get("matplotlib_inline.backend_inline")
    if backend is not None:
        backend.flush_figures()


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def static_snapshot(data: dict[str, Any]) -> dict[str, Any]:
    """A mime bundle without its live-widget view, which would name a model this kernel never made
    (the front end would show "model not found"); the widget's text or HTML representation remains."""
    return {mime: value for mime, value in data.items() if mime != WIDGET_VIEW}


def replay_outputs(shell: Any, items: list[Output]) -> bool:
    """Show recorded outputs again, in their original order (the result item is left to the caller).

    Widgets are shown as their static snapshot; returns whether there were any.
    """
    widgets = False
    for item in items:
        kind = item["type"]
        if kind == "stream":
            (sys.stdout if item["name"] == "stdout" else sys.stderr).write(item["text"])
        elif kind == "display":
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            widgets = widgets or WIDGET_VIEW in item["data"]
            shell.display_pub.publish(
                static_snapshot(item["data"]),
                metadata=item["metadata"],
                transient=item["transient"],
                update=item["update"],
            )
        elif kind == "clear":
            shell.display_pub.clear_output(item["wait"])
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    return widgets


class ReplayedResult:
    """A stored last-expression value: IPython shows its mime bundle as the cell's result."""

    def __init__(self, data: dict[str, Any], metadata: dict[str, Any]) -> None:
        self._data = static_snapshot(data)
        self._metadata = metadata

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict, dict]:
        return self._data, self._metadata

    def __repr__(self) -> str:
        return str(self._data.get("text/plain", ""))


def to_json(value: Any) -> Any:
    """``value`` with bytes (PNG data and the like) made JSON-safe; :func:`from_json` undoes it."""
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def from_json(value: Any) -> Any:
    """The inverse of :func:`to_json`."""
    if isinstance(value, dict):
        if len(value) == 1 and "$bytes" in value:
            return base64.b64decode(value["$bytes"])
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value
