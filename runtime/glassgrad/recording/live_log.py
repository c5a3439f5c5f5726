"""Log lines of the live channel: one line per refused or failed connection, rate-limited.

Refusals come from whoever can reach the port, so they must not flood the training program's
output: at most one line per kind and interval, and the next line says how many were held
back. Nothing here prints a traceback; the ``websockets`` library's own log lines go through
:class:`LibraryLog`, which turns its errors into such lines.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

LOGGER = logging.getLogger("glassgrad.live")


class RateLimitedLog:
    """``log(kind, message)`` writes at most one line per ``kind`` every ``interval`` seconds."""

    def __init__(self, logger: logging.Logger = LOGGER, interval: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.logger, self.interval, self.clock = logger, interval, clock
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, kind: str, message: str, level: int = logging.WARNING) -> bool:
        """Log one line, or count it as held back; True when the line was written."""
        now = self.clock()
        with self._lock:
            last = self._last.get(kind)
            if last is not None and now - last < self.interval:
                self._held[kind] = self._held.get(kind, 0) + 1
                return False
            self._last[kind] = now
            held = self._held.pop(kind, 0)
        if held:
            message += f" ({held} more like this held back since the last line)"
        self.logger.log(level, "glassgrad live: %s", message)
        return True

    def flush(self) -> None:
        """Say how many lines were held back and never followed by a written one."""
        with self._lock:
            held, self._held = self._held, {}
        for kind, n in held.items():
            self.logger.warning("glassgrad live: %d more %s line(s) held back", n, kind)


class LibraryLog(logging.LoggerAdapter):
    """The logger handed to ``websockets``: its debug and info lines go to
    ``glassgrad.live.websockets`` unchanged; its warnings and errors (which come with a
    traceback) become one rate-limited line naming the exception."""

    def __init__(self, log: RateLimitedLog) -> None:
        super().__init__(logging.getLogger("glassgrad.live.websockets"), {})
        self.rate_limited = log

    def log(self, level: int, msg: Any, *args: Any, exc_info: Any = None, **kw: Any) -> None:
        if level < logging.WARNING:
            if self.logger.isEnabledFor(level):
                self.logger.log(level, msg, *args)
            return
        text = str(msg) % args if args else str(msg)
        exc = sys.exc_info()[1] if exc_info is True else \
            exc_info if isinstance(exc_info, BaseException) else None
        if exc is not None:
            text += f": {type(exc).__name__}: {exc}"
        self.rate_limited("internal", text, level)
