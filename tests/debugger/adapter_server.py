"""``glassgrad dap --port 0`` (or ``--socket``) as a subprocess for tests, with what tests look
at: its connection file, its stderr lines, its threads and child processes (Linux /proc)."""

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

from dap_client import DAPClient

TIMEOUT = 20.0


def frame(message: Any) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def initialize(seq: int = 1, **arguments: Any) -> dict:
    return {"seq": seq, "type": "request", "command": "initialize",
            "arguments": {"adapterID": "glassgrad", **arguments}}


def parse_stream(data: bytes) -> list[dict]:
    """The messages in what an adapter sent (complete ones only)."""
    out = []
    while data:
        m = re.match(rb"Content-Length: (\d+)\r\n\r\n", data)
        if m is None:
            break
        n, start = int(m.group(1)), m.end()
        if len(data) < start + n:
            break
        out.append(json.loads(data[start:start + n]))
        data = data[start + n:]
    return out


class AdapterServer:
    def __init__(self, tmp: str, *args: str, env: dict[str, str] | None = None,
                 socket_mode: bool = False) -> None:
        self.tmp = tmp
        run_dir = os.path.join(tmp, "run")
        os.makedirs(run_dir, exist_ok=True)
        os.makedirs(os.path.join(tmp, "temp"), exist_ok=True)
        self.env = {**os.environ, "XDG_RUNTIME_DIR": run_dir,
                    "TMPDIR": os.path.join(tmp, "temp"), **(env or {})}
        where = ["--socket", *args] if socket_mode else ["--port", "0", *args]
        self.proc = subprocess.Popen([sys.executable, "-m", "glassgrad.cli", "dap", *where],
                                     stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     env=self.env)
        self.lines: list[str] = []
        self._cv = threading.Condition()
        threading.Thread(target=self._drain, daemon=True).start()
        line = self.wait_line("connection file ")
        self.connection_file = line.split("connection file ", 1)[1].split(" (")[0]
        with open(self.connection_file) as f:
            self.info = json.load(f)

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

    @property
    def token(self) -> str:
        return self.info["token"]

    def connect(self) -> socket.socket:
        if "socket" in self.info:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(self.info["socket"])
        else:
            s = socket.create_connection((self.info["host"], self.info["port"]), TIMEOUT)
        s.settimeout(TIMEOUT)
        return s

    def client(self, token: str | None = None) -> DAPClient:
        s = self.connect()
        s.settimeout(None)
        return DAPClient(sock=s, token=token if token is not None else self.info.get("token"))

    def exchange(self, data: bytes, timeout: float = TIMEOUT,
                 half_close: bool = True) -> tuple[list[dict], float]:
        """Send ``data`` on a new connection; (messages received, seconds until the adapter
        closed it). AssertionError if it is still open after ``timeout``."""
        with self.connect() as s:
            t0 = time.monotonic()
            try:
                s.sendall(data)
                if half_close:
                    s.shutdown(socket.SHUT_WR)
            except OSError:  # the adapter closed before reading it all
                pass
            s.settimeout(timeout)
            got = b""
            while True:
                try:
                    chunk = s.recv(65536)
                except (ConnectionResetError, BrokenPipeError):
                    break
                except TimeoutError:
                    raise AssertionError(f"the adapter kept the connection open "
                                         f"{timeout}s after {data[:80]!r}") from None
                if not chunk:
                    break
                got += chunk
            return parse_stream(got), time.monotonic() - t0

    # what the adapter process holds ------------------------------------------------------
    def threads(self) -> int:
        return len(os.listdir(f"/proc/{self.proc.pid}/task"))

    def children(self) -> list[int]:
        out = []
        for tid in os.listdir(f"/proc/{self.proc.pid}/task"):
            try:
                with open(f"/proc/{self.proc.pid}/task/{tid}/children") as f:
                    out += [int(p) for p in f.read().split()]
            except OSError:
                pass
        return out

    def settle(self, threads: int, children: int = 0, timeout: float = TIMEOUT) -> None:
        """Wait until the adapter is back to ``threads`` threads and ``children`` child
        processes."""
        deadline = time.monotonic() + timeout
        while self.threads() > threads or len(self.children()) > children:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.threads()} threads (expected {threads}), "
                                     f"children {self.children()}")
            time.sleep(0.02)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            return self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(5)

    def __enter__(self) -> AdapterServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
