"""One DAP connection (the IDE, or debugpy's adapter): a reader thread and a locked writer
that numbers outgoing messages with its own ``seq`` sequence."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

from .framing import FramingError, Limits, MessageReader, encode
from .logs import MessageLog
from .transport import Transport


class Peer:
    """Reads messages from ``transport`` and hands each to ``on_message``; input that is not
    a message goes to ``on_invalid`` (then, if the stream is out of step, the reading
    stops). ``on_close`` runs once when the reading ends, for whatever reason."""

    def __init__(self, name: str, transport: Transport, limits: Limits,
                 on_message: Callable[[Any], None], on_invalid: Callable[[FramingError], None],
                 on_close: Callable[[], None], log: MessageLog) -> None:
        self.name, self.transport, self.limits = name, transport, limits
        self.on_message, self.on_invalid, self.on_close, self.log = (
            on_message, on_invalid, on_close, log)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        self.closed = False
        self.stopping = False  # set by a handler: read nothing more
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._loop, name=f"dap-{self.name}", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        reader = MessageReader(self.transport.recv, self.limits)
        try:
            while not self.stopping:
                try:
                    msg = reader.read()
                except EOFError:
                    break
                except FramingError as e:
                    self.log.write(f"{self.name}!", e.reason)
                    self.on_invalid(e)
                    if e.fatal:
                        break
                    continue
                except TimeoutError as e:
                    self.on_invalid(FramingError(str(e), True))
                    break
                except (OSError, ValueError):  # the connection went away
                    break
                self.log.write(f"{self.name}>", msg)
                self.on_message(msg)
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
                self.transport.send(encode(message))
            except (OSError, ValueError):
                self.closed = True
        return seq

    def join(self, timeout: float) -> None:
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(timeout)
