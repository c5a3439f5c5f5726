"""Where the adapter writes down what happened: every message of a session (``--log-dir``,
one JSON line each) and one line per refused input or connection (stderr, and
``<log-dir>/glassgrad-dap.log``). Never stdout: in stdio mode that is the protocol stream."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import Any

from .auth import without_token


class MessageLog:
    """Every message in and out, one JSON line each (``--log-dir``); tokens are left out.

    ``deferred``: lines wait in memory until :meth:`start` (a connection that passed the
    gate), and are dropped if it never comes, so that refused connections make no files."""

    HELD = 16

    def __init__(self, path: str | None, deferred: bool = False) -> None:
        self._path = path
        self._f = open(path, "a", encoding="utf-8") if path and not deferred else None
        self._held: list[str] | None = [] if path and deferred else None
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._held is None:
                return
            self._f = open(self._path, "a", encoding="utf-8")
            self._f.writelines(line + "\n" for line in self._held)
            self._f.flush()
            self._held = None

    def write(self, direction: str, message: Any) -> None:
        if self._f is None and self._held is None:
            return
        if isinstance(message, dict):
            message = without_token(message)
        try:
            line = json.dumps({"t": round(time.time(), 4), "dir": direction, "msg": message})
        except (TypeError, ValueError, RecursionError):
            line = json.dumps({"t": round(time.time(), 4), "dir": direction,
                               "msg": repr(message)[:2000]})
        with self._lock:
            if self._held is not None:
                if len(self._held) < self.HELD:
                    self._held.append(line)
                return
            if self._f is None or self._f.closed:
                return
            self._f.write(line + "\n")
            self._f.flush()

    def close(self) -> None:
        with self._lock:
            self._held = None
            if self._f is not None:
                self._f.close()


class Diagnostics:
    """One line per refused input, refused connection or server event, for whoever runs the
    adapter: on stderr, and in ``<log_dir>/glassgrad-dap.log`` with ``--log-dir``."""

    def __init__(self, log_dir: str | None = None) -> None:
        self._path = os.path.join(log_dir, "glassgrad-dap.log") if log_dir else None
        self._lock = threading.Lock()

    def line(self, text: str) -> None:
        text = "glassgrad dap: " + text.replace("\n", " ")
        with self._lock:
            try:
                print(text, file=sys.stderr, flush=True)
            except (OSError, ValueError):
                pass
            if self._path:
                try:
                    with open(self._path, "a", encoding="utf-8") as f:
                        f.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {text}\n")
                except OSError:
                    pass
