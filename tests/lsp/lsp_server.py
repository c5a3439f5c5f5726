"""``glassgrad lsp`` as a subprocess that tests speak raw bytes to, over stdio or TCP, with what
tests look at: its stderr lines, its connection file (TCP), its threads and its memory (Linux
/proc).

A module of its own (not conftest.py), as lsp_helpers.py is."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from typing import Any

from lsp_helpers import env

TIMEOUT = 20.0


def frame(message: Any) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def request(rid: Any, method: str, params: Any = None) -> dict:
    m = {"jsonrpc": "2.0", "id": rid, "method": method}
    if params is not None:
        m["params"] = params
    return m


def notification(method: str, params: Any = None) -> dict:
    m = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        m["params"] = params
    return m


def initialize(rid: Any = 1, token: str | None = None, **options: Any) -> dict:
    if token is not None:
        options["glassgradToken"] = token
    params: dict[str, Any] = {"processId": None, "rootUri": None, "capabilities": {}}
    if options:
        params["initializationOptions"] = options
    return request(rid, "initialize", params)


def hover(rid: Any, uri: str = "file:///nowhere/x.py", line: int = 0) -> dict:
    return request(rid, "textDocument/hover", {"textDocument": {"uri": uri},
                                              "position": {"line": line, "character": 0}})


def parse_stream(data: bytes) -> tuple[list[dict], bytes]:
    """The complete messages at the start of ``data``, and what is left."""
    out = []
    while True:
        m = re.match(rb"Content-Length: (\d+)\r\n(?:[^\r\n]+\r\n)*\r\n", data)
        if m is None:
            return out, data
        n, start = int(m.group(1)), m.end()
        if len(data) < start + n:
            return out, data
        out.append(json.loads(data[start:start + n]))
        data = data[start + n:]


class Channel:
    """One connection to the server (its stdio pipes, or a socket): raw bytes out, parsed
    messages in, read by a thread so that a test never blocks on a silent server."""

    def __init__(self, send, recv, close, shutdown_write=None) -> None:
        self._send, self._recv, self._close = send, recv, close
        self._shutdown_write = shutdown_write or close
        self.messages: list[dict] = []
        self.closed = False
        self._cv = threading.Condition()
        self._ids = iter(range(10**6, 10**9))
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buf = b""
        while True:
            try:
                chunk = self._recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buf += chunk
            got, buf = parse_stream(buf)
            if got:
                with self._cv:
                    self.messages += got
                    self._cv.notify_all()
        with self._cv:
            self.closed = True
            self._cv.notify_all()

    def send_raw(self, data: bytes) -> bool:
        """False when the server closed its end first."""
        try:
            self._send(data)
            return True
        except OSError:
            return False

    def send(self, message: Any) -> None:
        self.send_raw(frame(message))

    def next_id(self) -> int:
        return next(self._ids)

    def wait(self, predicate, timeout: float = TIMEOUT, after: int = 0) -> dict:
        """The first message (from index ``after``) that ``predicate`` accepts."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                for m in self.messages[after:]:
                    if predicate(m):
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    why = "closed" if self.closed else "timeout"
                    raise AssertionError(f"no such message ({why}): {self.messages[-5:]}")
                self._cv.wait(left)

    def response(self, rid: Any, timeout: float = TIMEOUT) -> dict:
        return self.wait(lambda m: "method" not in m and m.get("id") == rid and
                         ("result" in m or "error" in m), timeout)

    def call(self, method: str, params: Any = None, timeout: float = TIMEOUT) -> dict:
        rid = self.next_id()
        self.send(request(rid, method, params))
        return self.response(rid, timeout)

    def responses(self) -> list[dict]:
        with self._cv:
            return [m for m in self.messages if "method" not in m]

    def quiet_for(self, seconds: float, after: int) -> list[dict]:
        """The responses that came after index ``after`` within ``seconds`` (a silence check
        ends with a request whose answer proves everything before it was read)."""
        time.sleep(seconds)
        with self._cv:
            return [m for m in self.messages[after:] if "method" not in m]

    def wait_closed(self, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        with self._cv:
            while not self.closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("the server kept the connection open")
                self._cv.wait(left)

    def shutdown_write(self) -> None:
        """End what the server reads (the connection stays open for its answers)."""
        try:
            self._shutdown_write()
        except OSError:
            pass

    def close(self) -> None:
        self._close()


class LspServer:
    """``glassgrad lsp`` (stdio, or ``--tcp``) in a private runtime folder of ``tmp``."""

    def __init__(self, tmp: str, *args: str, tcp: bool = False) -> None:
        run_dir = os.path.join(tmp, "run")
        os.makedirs(run_dir, exist_ok=True)
        self.env = env(XDG_RUNTIME_DIR=run_dir)
        cmd = [sys.executable, "-m", "glassgrad.cli", "lsp", *(["--tcp", "--port", "0"]
                                                                 if tcp else []), *args]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=self.env, bufsize=0)
        self.lines: list[str] = []
        self._cv = threading.Condition()
        threading.Thread(target=self._drain, daemon=True).start()
        self.info: dict[str, Any] = {}
        self.stdio: Channel | None = None
        if tcp:
            line = self.wait_line("connection file ")
            self.connection_file = line.split("connection file ", 1)[1].split(" (")[0]
            with open(self.connection_file) as f:
                self.info = json.load(f)
        else:
            stdin, stdout = self.proc.stdin, self.proc.stdout

            def close() -> None:
                try:
                    stdin.close()
                except OSError:
                    pass

            self.stdio = Channel(stdin.write, stdout.read, close)

    def _drain(self) -> None:
        for raw in self.proc.stderr:
            with self._cv:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self._cv.notify_all()
        with self._cv:
            self.lines.append("<exit>")
            self._cv.notify_all()

    def wait_line(self, needle: str, after: int = 0, timeout: float = TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                for line in self.lines[after:]:
                    if needle in line:
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or "<exit>" in self.lines:
                    raise AssertionError(f"no stderr line with {needle!r}: {self.lines[-20:]}")
                self._cv.wait(left)

    def tracebacks(self) -> list[str]:
        """Each traceback on stderr, with the lines that follow it."""
        with self._cv:
            return ["\n".join(self.lines[i:i + 40]) for i, line in enumerate(self.lines)
                    if "Traceback" in line]

    # TCP -------------------------------------------------------------------------------------
    @property
    def token(self) -> str:
        return self.info["token"]

    def connect(self) -> Channel:
        s = socket.create_connection((self.info["host"], self.info["port"]), TIMEOUT)
        s.settimeout(None)

        def close() -> None:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

        return Channel(s.sendall, s.recv, close, lambda: s.shutdown(socket.SHUT_WR))

    def client(self, token: str | None = None) -> Channel:
        """An authenticated (TCP) or the stdio connection, after ``initialize``."""
        ch = self.stdio if self.stdio is not None else self.connect()
        r = ch.call("initialize", initialize(token=token or self.info.get("token"))["params"])
        assert "result" in r, r
        ch.send(notification("initialized", {}))
        return ch

    # what the process holds ------------------------------------------------------------------
    def threads(self) -> int:
        return len(os.listdir(f"/proc/{self.proc.pid}/task"))

    def rss_kib(self) -> int:
        return self._status("VmRSS:")

    def vm_kib(self) -> int:
        return self._status("VmSize:")

    def _status(self, key: str) -> int:
        with open(f"/proc/{self.proc.pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith(key))

    def settle(self, threads: int, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while self.threads() > threads:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.threads()} threads, expected {threads}")
            time.sleep(0.02)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            return self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(5)

    def __enter__(self) -> LspServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
