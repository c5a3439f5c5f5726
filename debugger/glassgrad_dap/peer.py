"""One DAP connection (the IDE, or debugpy's adapter): a reader thread and a locked writer
that numbers outgoing messages with its own ``seq`` sequence."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from typing import Any, BinaryIO

from .framing import FramingError, read_message, write_message


class MessageLog:
    """Every message in and out, one JSON line each (``--log-dir``)."""

    def __init__(self, path: str | None) -> None:
        self._f = open(path, "a", encoding="utf-8") if path else None
        self._lock = threading.Lock()

    def write(self, direction: str, message: Any) -> None:
        if self._f is None:
            return
        line = json.dumps({"t": round(time.time(), 4), "dir": direction, "msg": message})
        with self._lock:
            self._f.write(line + "\n")
            self._f.flush()

    def close(self) -> None:
        if self._f is not None:
            self._f.close()


class Peer:
    def __init__(self, name: str, reader: BinaryIO, writer: BinaryIO,
                 on_message: Callable[[dict], None], on_close: Callable[[], None],
                 log: MessageLog) -> None:
        self.name, self.reader, self.writer = name, reader, writer
        self.on_message, self.on_close, self.log = on_message, on_close, log
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        self.closed = False

    def start(self) -> None:
        threading.Thread(target=self._loop, name=f"dap-{self.name}", daemon=True).start()

    def _loop(self) -> None:
        try:
            while True:
                try:
                    msg = read_message(self.reader)
                except FramingError as e:
                    self.log.write(f"{self.name}!", str(e))
                    continue
                except (OSError, ValueError):
                    msg = None
                if msg is None:
                    break
                self.log.write(f"{self.name}>", msg)
                try:
                    self.on_message(msg)
                except Exception as e:  # a handler bug must not kill the connection
                    self.log.write(f"{self.name}!", f"{type(e).__name__}: {e}")
        finally:
            self.closed = True
            self.on_close()

    def send(self, message: dict[str, Any],
             register: Callable[[int], None] | None = None) -> int:
        """Send ``message`` with the next ``seq`` of this connection; returns that seq.
        ``register(seq)`` runs before the write, so a reply can never beat its bookkeeping."""
        with self._lock:
            seq = message["seq"] = next(self._seq)
            if register is not None:
                register(seq)
            self.log.write(f"{self.name}<", message)
            try:
                write_message(self.writer, message)
            except (OSError, ValueError):
                self.closed = True
        return seq
