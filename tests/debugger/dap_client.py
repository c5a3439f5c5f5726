"""A small DAP client for tests: spawns ``glassgrad dap`` and speaks the real protocol to it.

Every wait has a timeout and returns the message it waited for; nothing sleeps."""

from __future__ import annotations

import itertools
import json
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from typing import Any

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(REPO, "examples")
TIMEOUT = 20.0
MLP = os.path.join(EXAMPLES, "debug_mlp.py")
NAN = os.path.join(EXAMPLES, "debug_nan.py")


def label_line(path: str, label: str) -> int:
    """The line of ``path`` carrying the ``# @label`` comment."""
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if re.search(rf"#\s*@{re.escape(label)}\b", line):
                return i
    raise LookupError(f"no '# @{label}' in {path}")


class DAPError(Exception):
    pass


class DAPClient:
    """Spawns ``glassgrad dap`` on stdio, or (``sock``) speaks over a connection to a
    ``--port``/``--socket`` adapter, presenting ``token`` in ``initialize``."""

    def __init__(self, command: list[str] | None = None, log_dir: str | None = None,
                 sock: socket.socket | None = None, token: str | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.sock, self.token = sock, token
        if sock is None:
            cmd = command or [sys.executable, "-m", "glassgrad.cli", "dap"]
            if log_dir:
                cmd += ["--log-dir", log_dir]
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, env=env)
            self._in, self._out = self.proc.stdout, self.proc.stdin
        else:
            self.proc = None
            self._in, self._out = sock.makefile("rb"), sock.makefile("wb")
        self._seq = itertools.count(1)
        self._responses: dict[int, queue.Queue] = {}
        self._lock = threading.Lock()
        self.events: list[dict] = []
        self._events_cv = threading.Condition()
        self.reverse: list[dict] = []
        self.closed = False
        threading.Thread(target=self._read, daemon=True).start()
        self.stderr: list[bytes] = []
        if self.proc is not None:
            threading.Thread(target=self._drain_stderr, daemon=True).start()

    # transport -------------------------------------------------------------------------------
    def _drain_stderr(self) -> None:
        for line in self.proc.stderr:
            self.stderr.append(line)

    def _read(self) -> None:
        f = self._in
        try:
            while True:
                header = f.readline()
                if not header:
                    break
                if not header.strip():
                    continue
                assert header.lower().startswith(b"content-length:"), header
                n = int(header.split(b":")[1])
                assert f.readline() in (b"\r\n", b"\n")
                msg = json.loads(f.read(n))
                self._dispatch(msg)
        except (OSError, ValueError):
            pass
        finally:
            self.closed = True
            with self._events_cv:
                self._events_cv.notify_all()

    def _dispatch(self, msg: dict) -> None:
        if msg["type"] == "response":
            with self._lock:
                q = self._responses.get(msg["request_seq"])
            if q is not None:
                q.put(msg)
        elif msg["type"] == "event":
            with self._events_cv:
                self.events.append(msg)
                self._events_cv.notify_all()
        elif msg["type"] == "request":
            self.reverse.append(msg)
            self._write({"type": "response", "request_seq": msg["seq"], "success": False,
                         "command": msg["command"], "message": "not supported by the test"})

    def _write(self, msg: dict) -> None:
        msg = {"seq": next(self._seq), **msg} if "seq" not in msg else msg
        body = json.dumps(msg).encode()
        self._out.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self._out.flush()

    # requests --------------------------------------------------------------------------------
    def send(self, command: str, arguments: dict | None = None) -> int:
        seq = next(self._seq)
        with self._lock:
            self._responses[seq] = queue.Queue()
        self._write({"seq": seq, "type": "request", "command": command,
                     "arguments": arguments or {}})
        return seq

    def send_message(self, message: dict) -> int | None:
        """Send ``message`` as it is (any fields, any types); returns the seq to await a
        response for when it has an integer one."""
        seq = message.get("seq")
        if isinstance(seq, int) and not isinstance(seq, bool):
            with self._lock:
                self._responses.setdefault(seq, queue.Queue())
        else:
            seq = None
        body = json.dumps(message).encode()
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return seq

    def send_raw(self, data: bytes) -> None:
        self._out.write(data)
        self._out.flush()

    def response(self, seq: int, timeout: float = TIMEOUT, check: bool = True) -> dict:
        try:
            msg = self._responses[seq].get(timeout=timeout)
        except queue.Empty:
            raise DAPError(f"no response to request {seq} in {timeout}s; stderr: "
                           f"{b''.join(self.stderr)[-2000:]!r}") from None
        if check and not msg.get("success"):
            raise DAPError(f"{msg.get('command')} failed: {msg.get('message')}")
        return msg

    def request(self, command: str, arguments: dict | None = None, timeout: float = TIMEOUT,
                check: bool = True) -> dict:
        return self.response(self.send(command, arguments), timeout, check)

    # events ----------------------------------------------------------------------------------
    def wait_event(self, name: str, timeout: float = TIMEOUT, after: int = 0,
                   predicate: Any = None) -> tuple[int, dict]:
        """The first event ``name`` at index >= ``after`` (and matching ``predicate``)."""
        deadline = time.monotonic() + timeout
        with self._events_cv:
            while True:
                for i in range(after, len(self.events)):
                    e = self.events[i]
                    if e["event"] == name and (predicate is None or predicate(e)):
                        return i, e
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    seen = [e["event"] for e in self.events[after:]]
                    raise DAPError(f"no {name!r} event in {timeout}s (saw {seen})")
                self._events_cv.wait(left)

    def next_stop_or_end(self, after: int, timeout: float = TIMEOUT) -> tuple[int, dict]:
        """The next ``stopped``, ``terminated`` or ``exited`` event at index >= ``after``."""
        deadline = time.monotonic() + timeout
        with self._events_cv:
            while True:
                for i in range(after, len(self.events)):
                    if self.events[i]["event"] in ("stopped", "terminated", "exited"):
                        return i, self.events[i]
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    raise DAPError(f"no stop or end in {timeout}s")
                self._events_cv.wait(left)

    def wait_closed(self, timeout: float = TIMEOUT) -> None:
        """Until the adapter has closed the connection."""
        deadline = time.monotonic() + timeout
        with self._events_cv:
            while not self.closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DAPError(f"the adapter kept the connection open {timeout}s")
                self._events_cv.wait(left)

    def output(self, category: str = "stdout") -> str:
        return "".join(e["body"].get("output", "") for e in self.events
                       if e["event"] == "output" and e["body"].get("category") == category)

    # sessions --------------------------------------------------------------------------------
    def start(self, program: str, args: list[str] | None = None,
              breakpoints: dict[str, list[dict]] | None = None,
              exception_filters: list[str] | None = None, **launch: Any) -> dict:
        """initialize, launch, breakpoints, configurationDone (debugpy answers launch only
        after configurationDone, so launch is sent first and awaited last)."""
        init = self.initialize()
        config = {"program": program, "args": args or [], "console": "internalConsole",
                  "justMyCode": True, "cwd": REPO, **launch}
        launch_seq = self.send("launch", config)
        self.wait_event("initialized")
        self.set_breakpoints(breakpoints or {})
        self.request("setExceptionBreakpoints", {"filters": exception_filters or []})
        self.request("configurationDone")
        self.response(launch_seq)
        return init["body"]

    def initialize(self, **arguments: Any) -> dict:
        args = {"clientID": "glassgrad-tests", "adapterID": "glassgrad", "pathFormat": "path",
                "linesStartAt1": True, "columnsStartAt1": True, "supportsVariableType": True,
                **arguments}
        if self.token is not None:
            args["glassgradToken"] = self.token
        return self.request("initialize", args)

    def set_breakpoints(self, breakpoints: dict[str, list[dict]]) -> dict[str, list]:
        out = {}
        for path, bps in breakpoints.items():
            r = self.request("setBreakpoints", {"source": {"path": path}, "breakpoints": bps})
            out[path] = r["body"]["breakpoints"]
        return out

    def top_frame(self, thread_id: int) -> dict:
        return self.request("stackTrace", {"threadId": thread_id, "levels": 1}
                            )["body"]["stackFrames"][0]

    def frames(self, thread_id: int) -> list[dict]:
        return self.request("stackTrace", {"threadId": thread_id})["body"]["stackFrames"]

    def locals_of(self, frame_id: int) -> dict[str, dict]:
        scopes = self.request("scopes", {"frameId": frame_id})["body"]["scopes"]
        ref = scopes[0]["variablesReference"]
        variables = self.request("variables", {"variablesReference": ref})["body"]["variables"]
        return {v["name"]: v for v in variables}

    def evaluate(self, expression: str, frame_id: int, context: str = "repl") -> str:
        return self.request("evaluate", {"expression": expression, "frameId": frame_id,
                                         "context": context})["body"]["result"]

    def close(self) -> None:
        if not self.closed:
            try:
                self.request("disconnect", {"terminateDebuggee": True}, timeout=10, check=False)
            except Exception:
                pass
        if self.proc is None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)  # ends the reader thread's read first
            except OSError:
                pass
            for f in (self._out, self._in):
                try:
                    f.close()
                except (OSError, ValueError):
                    pass
            self.sock.close()
            return
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def __enter__(self) -> DAPClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
