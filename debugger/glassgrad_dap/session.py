"""One debug session: the IDE on one side, debugpy's adapter on the other, and the state
between them.

The IDE side is :class:`~glassgrad_dap.dispatch.Dispatcher`'s: the first message must pass
the gate (a token for ``--port``), and only then is debugpy's adapter started; each message
is then checked and goes to a handler named after the DAP command when glassgrad changes it
(``launch``, ``attach``, ``setBreakpoints``, ``setExceptionBreakpoints``, and the custom
``glassgrad/graph`` and ``glassgrad/tensor``); everything else passes through. Both
connections number their own messages, so requests are mapped by ``seq`` both ways (the
adapter sends requests of its own to debugpy: ``evaluate``, ``exceptionInfo``, ...).
Messages to the IDE go through one worker thread, in order; a handler there may wait for
debugpy's answer to a request of the adapter's own (the stop description of a NaN).
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, BinaryIO

from . import core, runfiles
from .auth import Gate
from .custom import CustomRequests, RequestError
from .dispatch import Dispatcher
from .framing import FramingError, Limits
from .logs import Diagnostics, MessageLog
from .peer import Peer
from .transport import StreamTransport, Transport

TIMEOUT = 30.0


class Session:
    """``ide``: the client's transport; ``gate``: what its first message must prove (nothing
    by default); ``limits``: what the client may send."""

    def __init__(self, ide: Transport, log_dir: str | None = None, gate: Gate | None = None,
                 limits: Limits | None = None, diagnostics: Diagnostics | None = None,
                 debugpy_command: list[str] | None = None) -> None:
        name = f"session-{os.getpid()}-{id(self):x}"
        self.log_dir, self.debugpy_command = log_dir, debugpy_command
        gate = gate or Gate(None)
        self.log = MessageLog(os.path.join(log_dir, name + ".jsonl") if log_dir else None,
                              deferred=gate.needs_token)
        self.diagnostics = diagnostics or Diagnostics(log_dir)
        self.transport = ide
        self.dispatcher = Dispatcher(self, gate, self.handlers(),
                                     self.custom_handlers(), self.diagnostics, ide.name)
        self.ide = Peer("ide", ide, limits or Limits(), self._from_ide, self._ide_invalid,
                        self._ide_closed, self.log)
        self.proc: subprocess.Popen | None = None
        self.dbg: Peer | None = None
        self._stderr: BinaryIO | None = None
        self._lock = threading.Lock()
        self._ide_requests: dict[int, tuple[int, str]] = {}   # debugpy seq -> (IDE seq, command)
        self._own_requests: dict[int, Future] = {}            # debugpy seq -> our future
        self._reverse: dict[int, int] = {}                    # IDE seq -> debugpy seq
        self._to_ide: queue.Queue = queue.Queue()
        self._writer: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(4, thread_name_prefix="dap-request")
        self._bp_generation = 0
        self._control: str | None = None
        self.nonfinite: list[str] = []
        self.launch_args: dict[str, Any] = {}
        self.live = None
        self.done = threading.Event()
        self._closed = False

    def handlers(self) -> dict[str, Any]:
        """DAP commands whose message glassgrad changes before debugpy sees it."""
        return {"launch": self.on_launch, "attach": self.on_attach,
                "setBreakpoints": self.on_setBreakpoints,
                "setExceptionBreakpoints": self.on_setExceptionBreakpoints}

    def custom_handlers(self) -> dict[str, Any]:
        """glassgrad's own requests: arguments in, response body out."""
        custom = CustomRequests(self.request)
        return {"glassgrad/graph": custom.graph, "glassgrad/tensor": custom.tensor}

    # lifecycle --------------------------------------------------------------------------------
    def run(self) -> None:
        """Serve until the IDE or debugpy goes away (or the first message is refused)."""
        self._writer = threading.Thread(target=self._ide_writer_loop, name="dap-to-ide",
                                        daemon=True)
        self._writer.start()
        self.ide.start()
        try:
            self.done.wait()
        finally:
            self.close()

    def open(self) -> None:
        """Start debugpy's adapter: only once the client has passed the gate."""
        self.transport.authenticated()
        self.log.start()
        cmd = list(self.debugpy_command or [sys.executable, "-m", "debugpy.adapter"])
        if self.log_dir:
            cmd += ["--log-dir", self.log_dir]
            self._stderr = open(os.path.join(self.log_dir, f"session-{os.getpid()}-"
                                             f"{id(self):x}.debugpy.err"), "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr or subprocess.DEVNULL)
        self.dbg = Peer("debugpy", StreamTransport(self.proc.stdout, self.proc.stdin, "debugpy"),
                        Limits.trusted(), self._from_debugpy, self._debugpy_invalid,
                        self._debugpy_closed, self.log)
        self.dbg.start()

    def end(self) -> None:
        """Close the session (from any thread but the writer's)."""
        self.ide.stopping = True
        self.done.set()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            own = list(self._own_requests.values())
            self._own_requests.clear()
        self.done.set()
        for f in own:
            if not f.done():
                f.set_exception(RequestError("the debug session ended"))
        self._to_ide.put(None)
        if self._writer is not None and self._writer is not threading.current_thread():
            self._writer.join(10)  # what is queued for the IDE (a refusal) leaves first
        if self.live is not None:
            self.live.stop()
        self.transport.close()
        if self.proc is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self.transport.interruptible:
            self.ide.join(5)
        if self.dbg is not None:
            self.dbg.join(5)
        if self._control is not None:
            try:
                os.unlink(self._control)
            except OSError:
                pass
        if self._stderr is not None:
            self._stderr.close()
        self.log.close()

    def _ide_closed(self) -> None:
        self.done.set()

    def _debugpy_closed(self) -> None:
        self._to_ide.put(None)
        self.done.set()

    def _ide_invalid(self, error: FramingError) -> None:
        self.dispatcher.invalid(error)

    def _debugpy_invalid(self, error: FramingError) -> None:
        closing = "; ending the session" if error.fatal else ""
        self.diagnostics.line(f"refused input from debugpy's adapter: {error.reason}{closing}")
        self.notify(f"debugpy's adapter sent what is not DAP: {error.reason}{closing}")

    @property
    def control_file(self) -> str:
        """The NaN/Inf control file of this session, made on first use."""
        if self._control is None:
            self._control = runfiles.new_control_file()
        return self._control

    # IDE -> debugpy ---------------------------------------------------------------------------
    def _from_ide(self, msg: Any) -> None:
        if not self.dispatcher.message(msg):
            self.end()

    def forward_request(self, msg: dict, arguments: dict | None = None) -> None:
        out = {k: v for k, v in msg.items() if k != "seq"}
        if arguments is not None:
            out["arguments"] = arguments

        def register(seq: int) -> None:
            with self._lock:
                self._ide_requests[seq] = (msg["seq"], msg.get("command", ""))

        self.dbg.send(out, register)

    def forward_response(self, msg: dict) -> bool:
        with self._lock:
            dbg_seq = self._reverse.pop(msg["request_seq"], None)
        if dbg_seq is None:
            return False
        self.dbg.send({**msg, "request_seq": dbg_seq})
        return True

    def forward_event(self, msg: dict) -> None:
        self.dbg.send(dict(msg))

    def custom(self, handler: Any, msg: dict) -> None:
        self._pool.submit(self._custom, handler, msg)

    def request(self, command: str, arguments: dict | None = None,
                timeout: float = TIMEOUT) -> dict:
        """Send a request of the adapter's own to debugpy and wait for its response body."""
        fut: Future = Future()

        def register(seq: int) -> None:
            with self._lock:
                if self._closed:
                    fut.set_exception(RequestError("the debug session ended"))
                else:
                    self._own_requests[seq] = fut

        self.dbg.send({"type": "request", "command": command, "arguments": arguments or {}},
                      register)
        resp = fut.result(timeout)
        if not resp.get("success"):
            raise RequestError(resp.get("message") or f"{command} failed")
        return resp.get("body") or {}

    def respond(self, request: dict, body: dict | None = None, error: str | None = None) -> None:
        msg: dict[str, Any] = {"type": "response", "request_seq": request["seq"],
                               "command": request.get("command"), "success": error is None}
        if error is not None:
            msg["message"] = error
            msg["body"] = {"error": {"id": 1, "format": error, "showUser": False}}
        elif body is not None:
            msg["body"] = body
        self._to_ide.put(msg)

    def send_event(self, event: str, body: dict) -> None:
        self._to_ide.put({"type": "event", "event": event, "body": body})

    def notify(self, text: str) -> None:
        """A notice for the user where DAP has no error message: an ``output`` event."""
        self.send_event("output", {"category": "important", "output": f"glassgrad dap: {text}\n"})

    # debugpy -> IDE ---------------------------------------------------------------------------
    def _from_debugpy(self, msg: Any) -> None:
        if not isinstance(msg, dict):
            self._debugpy_invalid(FramingError(f"a message is a JSON object, not {msg!r:.60}",
                                               False))
            return
        kind = msg.get("type")
        if kind == "response":
            seq = msg.get("request_seq")
            with self._lock:
                fut = self._own_requests.pop(seq, None)
                ide = self._ide_requests.pop(seq, None) if fut is None else None
            if fut is not None:
                fut.set_result(msg)
            elif ide is not None:
                self._to_ide.put(("response", ide, msg))
        elif kind == "request":
            self._to_ide.put(("reverse", msg))
        else:
            self._to_ide.put(("event", msg))

    def _ide_writer_loop(self) -> None:
        while True:
            item = self._to_ide.get()
            if item is None:
                if self.done.is_set():
                    return
                continue
            try:
                self._deliver(item)
            except Exception as e:
                self.diagnostics.line(f"delivering to the IDE failed: {type(e).__name__}: {e}")
                if isinstance(item, tuple) and item[0] == "response":  # never leave it waiting
                    (ide_seq, command) = item[1]
                    self.ide.send({"type": "response", "request_seq": ide_seq,
                                   "command": command, "success": False,
                                   "message": f"{command}: internal error: {e}"})

    def _deliver(self, item: Any) -> None:
        if isinstance(item, dict):  # already in IDE terms (our responses and events)
            self.ide.send(item)
            return
        kind = item[0]
        if kind == "response":
            (ide_seq, command), msg = item[1], item[2]
            msg = {**msg, "request_seq": ide_seq}
            after = getattr(self, "after_" + command.replace("/", "_"), None)
            if after is not None:
                msg = after(msg)
            self.ide.send(msg)
        elif kind == "reverse":
            msg = item[1]

            def register(seq: int) -> None:
                with self._lock:
                    self._reverse[seq] = msg["seq"]

            self.ide.send({k: v for k, v in msg.items() if k != "seq"}, register)
        else:
            msg = item[1]
            handler = getattr(self, "event_" + str(msg.get("event")), None)
            if handler is not None:
                msg = handler(msg)
            if msg is not None:
                self.ide.send({k: v for k, v in msg.items() if k != "seq"})

    # handlers named after DAP commands ------------------------------------------------------
    def after_initialize(self, msg: dict) -> dict:
        if msg.get("success"):
            msg["body"] = core.initialize_capabilities(msg.get("body"))
        return msg

    def after_variables(self, msg: dict) -> dict:
        if msg.get("success"):
            msg["body"] = core.tag_tensor_variables(msg.get("body"))
        return msg

    def on_launch(self, msg: dict) -> None:
        self.launch_args = args = msg.get("arguments") or {}
        self.forward_request(msg, core.launch_arguments(args, self.control_file))

    def on_attach(self, msg: dict) -> None:
        self.launch_args = args = msg.get("arguments") or {}
        self.forward_request(msg, core.launch_arguments(args, None))

    def on_setBreakpoints(self, msg: dict) -> None:  # noqa: N802 - DAP's name
        self._bp_generation += 1
        self.forward_request(msg, core.set_breakpoints_arguments(msg.get("arguments") or {},
                                                                 self._bp_generation))

    def on_setExceptionBreakpoints(self, msg: dict) -> None:  # noqa: N802 - DAP's name
        args, phases = core.split_exception_filters(msg.get("arguments") or {})
        self.nonfinite = phases
        if phases or self._control is not None:
            runfiles.write_control_file(self.control_file, ",".join(phases))
        self.forward_request(msg, args)

    def event_stopped(self, msg: dict) -> dict:
        body = msg.get("body") or {}
        if body.get("reason") == "exception" and self.nonfinite and "threadId" in body:
            try:
                info = self.request("exceptionInfo", {"threadId": body["threadId"]}, 10)
            except Exception:
                return msg
            if core.is_nonfinite_exception(info.get("exceptionId")):
                text = info.get("description") or "NaN/Inf"
                msg = {**msg, "body": {**body, "description": text, "text": text}}
        return msg

    def event_process(self, msg: dict) -> dict:
        pid = (msg.get("body") or {}).get("systemProcessId")
        if pid and self.launch_args.get("liveOps"):
            from .live import LiveBridge

            cwd = self.launch_args.get("cwd") or os.getcwd()
            self.live = LiveBridge(pid, cwd, self.send_event, self.log).start()
        return msg

    # custom requests ----------------------------------------------------------------------------
    def _custom(self, handler: Any, msg: dict) -> None:
        try:
            body = handler(msg.get("arguments") or {})
        except Exception as e:
            self.respond(msg, error=f"{msg.get('command')}: {e}")
        else:
            self.respond(msg, body)
