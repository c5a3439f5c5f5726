"""The IDE side of a session: the first message goes through the gate, then every message is
checked and routed to exactly one handler, and whatever cannot be routed is answered.

Rules, so that no client ever waits forever:

- a request gets a response: from its handler, from debugpy, or here (``success: false`` and
  a message naming the problem) when it is malformed, has arguments of the wrong types, or
  its handler fails;
- JSON that is not a DAP message is answered with an error response when it carries a
  request's ``seq``, else with an ``output`` event (DAP has no error event);
- input that is not even JSON is reported with an ``output`` event; when the framing is beyond
  repair the connection closes, with the reason logged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from .auth import Gate, without_token
from .framing import FramingError
from .logs import Diagnostics
from .messages import argument_problem, message_problem


class Target(Protocol):
    """What the dispatcher drives (a :class:`~glassgrad_dap.session.Session`)."""

    def open(self) -> None: ...

    def forward_request(self, msg: dict, arguments: dict | None = None) -> None: ...

    def forward_response(self, msg: dict) -> bool: ...

    def forward_event(self, msg: dict) -> None: ...

    def custom(self, handler: Callable[[dict], dict], msg: dict) -> None: ...

    def respond(self, request: dict, body: dict | None = None,
                error: str | None = None) -> None: ...

    def notify(self, text: str) -> None: ...

    def end(self) -> None: ...


class Dispatcher:
    """``handlers``: DAP command -> handler(message) for what glassgrad changes; ``custom``:
    command -> handler(arguments) -> body, run off the reader thread (they wait on debugpy).
    Every other request passes through to debugpy."""

    def __init__(self, target: Target, gate: Gate, handlers: dict[str, Callable[[dict], None]],
                 custom: dict[str, Callable[[dict], dict]], diagnostics: Diagnostics,
                 peer_name: str) -> None:
        self.target, self.gate, self.handlers, self.custom = target, gate, handlers, custom
        self.diagnostics, self.peer_name = diagnostics, peer_name
        self.opened = False

    # entry points (the IDE reader thread) --------------------------------------------------
    def message(self, msg: Any) -> bool:
        """Handle one message; False when the connection must close."""
        if not self.opened:
            reason = self.gate.refusal(msg)
            if reason is not None:
                self._refuse(msg, reason)
                return False
            try:
                self.target.open()
            except Exception as e:
                self._refuse(msg, f"cannot start debugpy's adapter: {type(e).__name__}: {e}")
                return False
            self.opened = True
        self.route(msg)
        return True

    def invalid(self, error: FramingError) -> None:
        """Input that the framing refused; before the gate, the connection closes."""
        if not self.opened and self.gate.needs_token and not error.fatal:
            self._refuse(None, error.reason)
            return
        closing = "; closing the connection" if error.fatal else ""
        self._log(f"refused input from {self.peer_name}: {error.reason}{closing}")
        self.target.notify(f"refused input: {error.reason}{closing}")

    # routing --------------------------------------------------------------------------------
    def route(self, msg: Any) -> None:
        problem = message_problem(msg)
        if problem is not None:
            self._not_dap(msg, problem)
            return
        kind = msg["type"]
        if kind == "request":
            self._request(without_token(msg))
        elif kind == "response":  # to a reverse request (runInTerminal, startDebugging)
            if not self.target.forward_response(msg):
                self._log(f"{self.peer_name} answered request_seq {msg['request_seq']}, "
                          "which is no request of ours; dropped")
        else:
            self.target.forward_event(msg)

    def _request(self, msg: dict) -> None:
        command = msg["command"]
        problem = argument_problem(command, msg.get("arguments") or {})
        if problem is not None:
            self._log(f"refused request {command!r} from {self.peer_name}: {problem}")
            self.target.respond(msg, error=f"{command}: {problem}")
            return
        try:
            if command in self.custom:
                self.target.custom(self.custom[command], msg)
            elif command in self.handlers:
                self.handlers[command](msg)
            else:
                self.target.forward_request(msg)
        except Exception as e:  # a handler bug must not leave the client waiting
            self._log(f"request {command!r} failed: {type(e).__name__}: {e}")
            self.target.respond(msg, error=f"{command}: internal error: {type(e).__name__}: {e}")

    def _not_dap(self, msg: Any, problem: str) -> None:
        self._log(f"refused a message from {self.peer_name} that is not DAP: {problem}")
        self._answer(msg, f"not a DAP request: {problem}",
                     f"ignored a message that is not DAP: {problem}")

    def _refuse(self, msg: Any, reason: str) -> None:
        self._log(f"refused connection {self.peer_name}: {reason}; closing it")
        self._answer(msg, f"refused: {reason}", f"refused: {reason}")
        self.target.end()

    def _answer(self, msg: Any, error: str, notice: str) -> None:
        """An error response when ``msg`` has a request's ``seq`` to answer, else a notice."""
        seq = msg.get("seq") if isinstance(msg, dict) and msg.get("type") == "request" else None
        if isinstance(seq, int) and not isinstance(seq, bool):
            command = msg.get("command")
            self.target.respond({"seq": seq, "command": command if isinstance(command, str)
                                 else repr(command)}, error=error)
        else:
            self.target.notify(notice)

    def _log(self, text: str) -> None:
        self.diagnostics.line(text)
