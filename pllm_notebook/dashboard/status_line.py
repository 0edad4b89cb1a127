"""The dashboard in a terminal: one ``[DASH]`` status line, rewritten in place as events arrive."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from .formatting import status_line
from .model import Snapshot

PLAIN_EVERY_S = 5.0
"""Where the stream is not a terminal (a log file, CI), a new line is written at most this often."""


class StatusLine:
    """Writes the status of each snapshot to ``stream`` (stderr by default)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._lock = threading.Lock()
        self._last_text = ""
        self._last_plain = 0.0
        self._width = 0

    @property
    def stream(self) -> TextIO:
        """The stream written to; stderr is looked up on each write, as it may be replaced."""
        return self._stream or sys.stderr

    def __call__(self, snap: Snapshot) -> None:
        text = status_line(snap)
        with self._lock:
            if text == self._last_text:
                return
            if self._tty:
                self.stream.write("\r" + text.ljust(self._width))
                self._width = len(text)
            elif time.monotonic() - self._last_plain >= PLAIN_EVERY_S:
                self.stream.write(text + "\n")
                self._last_plain = time.monotonic()
            else:
                return
            self._last_text = text
            self.stream.flush()

    def finish(self, snap: Snapshot) -> None:
        """Write the final status and end the line."""
        text = status_line(snap)
        with self._lock:
            if self._tty:
                self.stream.write("\r" + text.ljust(self._width) + "\n")
            elif text != self._last_text:
                self.stream.write(text + "\n")
            self._last_text = text
            self.stream.flush()
