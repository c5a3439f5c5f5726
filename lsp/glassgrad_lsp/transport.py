"""How the language server talks: LSP's base protocol read with limits, and every request
answered, over stdio or a loopback TCP port guarded by a token.

pygls reads messages without bounds (a declared length is allocated up front, a header line is
buffered whole), ignores a body that is not JSON and drops requests it cannot decode or that
arrive after ``shutdown`` without an answer. So the reading loop is ours: the debug adapter's
bounded reader (LSP and DAP share the base protocol) feeds pygls's protocol one checked
message at a time, and whatever pygls would leave unanswered gets a JSON-RPC error here.

TCP mode: the server writes ``lsp-<pid>.json`` (host, port, token) into the user's private
folder (mode 0700, the file 0600, as ``glassgrad dap --port`` does); a client's ``initialize``
must carry ``initializationOptions.glassgradToken``. One client at a time; a connection that
does not authenticate within ``auth_timeout`` seconds is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import re
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any

from pygls.exceptions import JsonRpcException, JsonRpcInternalError

from glassgrad_dap.auth import new_token
from glassgrad_dap.framing import FramingError, Limits, MessageReader, encode
from glassgrad_dap.runfiles import private_dir, remove_own, sweep, write_private_json

log = logging.getLogger("glassgrad.lsp")

LIMITS = Limits(max_body=16 << 20, max_header_line=1024, max_headers=8, max_depth=64)
TOKEN_OPTION = "glassgradToken"
_CONNECTION_FILE = re.compile(r"^\.?lsp-(\d+)\.json(?:\.tmp)?$")
PARSE_ERROR, INVALID_REQUEST = -32700, -32600
_ID_TYPES = (str, int)


class Writer:
    """What pygls writes through: bytes to a stream or a socket, never to a closed one."""

    def __init__(self, send: Callable[[bytes], None], close: Callable[[], None]) -> None:
        self._send, self._close = send, close
        self.closed = False
        self._lock = threading.Lock()

    def write(self, data: bytes) -> None:
        with self._lock:
            if self.closed:
                return
            try:
                self._send(data)
            except OSError:
                self.closed = True

    def close(self) -> None:
        with self._lock:
            if not self.closed:
                self.closed = True
                with contextlib.suppress(OSError):
                    self._close()


class Session:
    """One client's connection: reads in a thread, handles on the event loop."""

    def __init__(self, server: Any, recv: Callable[[int], bytes], writer: Writer,
                 token: str | None = None) -> None:
        self.server, self.protocol = server, server.protocol
        self.reader = MessageReader(recv, LIMITS)
        self.writer = writer
        self.token = None if token is None else token.encode()
        self.authenticated = token is None
        self.refused: str | None = None

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        done = asyncio.Event()
        self.protocol.set_writer(self.writer)

        def pump() -> None:
            while not self.writer.closed:
                try:
                    value = self.reader.read()
                except EOFError:
                    break
                except FramingError as e:
                    loop.call_soon_threadsafe(self.framing_error, e)
                    if e.fatal:
                        break
                    continue
                except OSError as e:  # the client went away (or never authenticated)
                    loop.call_soon_threadsafe(log.info, "glassgrad lsp: connection ended: %s",
                                              e)
                    break
                loop.call_soon_threadsafe(self.dispatch, value)
            loop.call_soon_threadsafe(done.set)

        threading.Thread(target=pump, name="glassgrad-lsp-reader", daemon=True).start()
        await done.wait()

    # answering -------------------------------------------------------------------------------
    def send_error(self, rid: Any, code: int, message: str) -> None:
        self.writer.write(encode({"jsonrpc": "2.0", "id": rid,
                                  "error": {"code": code, "message": message}}))

    def framing_error(self, e: FramingError) -> None:
        log.warning("glassgrad lsp: %s%s", e.reason,
                    "; closing the connection" if e.fatal else "")
        self.send_error(None, PARSE_ERROR, f"glassgrad lsp: {e.reason}")
        if e.fatal:
            self.writer.close()

    def dispatch(self, value: Any) -> None:
        if not isinstance(value, dict):
            self.send_error(None, INVALID_REQUEST, "a message is a JSON-RPC object")
            return
        rid = value.get("id")
        has_id = "id" in value
        if has_id and rid is not None and (not isinstance(rid, _ID_TYPES) or
                                           isinstance(rid, bool)):
            self.send_error(None, INVALID_REQUEST, "an id is a string, a number or null")
            return
        method = value.get("method")
        is_request = has_id and method is not None
        if value.get("jsonrpc") != "2.0" or (method is not None and not isinstance(method, str)) \
                or (method is None and not has_id):
            if has_id or method is not None:
                self.send_error(rid, INVALID_REQUEST,
                                "expected a JSON-RPC 2.0 message with a string method")
            return
        if not self.authenticated and not self.check_token(value, rid):
            return
        if self.protocol._shutdown and method != "exit":
            if is_request:
                self.send_error(rid, INVALID_REQUEST, "the server is shutting down")
            return
        try:
            message = self.protocol.structure_message(value)
        except JsonRpcException as e:
            if is_request:
                self.send_error(rid, e.code, f"{method}: {e.message or 'invalid params'}")
            else:
                log.warning("glassgrad lsp: cannot read %r notification: %s", method, e)
            return
        except Exception as e:  # noqa: BLE001 - anything the converter raises
            if is_request:
                self.send_error(rid, JsonRpcInternalError.CODE, f"{method}: {e}")
            return
        self.protocol.handle_message(message)

    def check_token(self, value: dict, rid: Any) -> bool:
        params = value.get("params") if isinstance(value.get("params"), dict) else {}
        options = params.get("initializationOptions")
        token = options.get(TOKEN_OPTION) if isinstance(options, dict) else None
        if value.get("method") != "initialize" or not isinstance(token, str):
            reason = f"the first request must be 'initialize' with initializationOptions." \
                     f"{TOKEN_OPTION} (see the connection file)"
        elif not hmac.compare_digest(token.encode(), self.token):
            reason = f"wrong initializationOptions.{TOKEN_OPTION}"
        else:
            self.authenticated = True
            options.pop(TOKEN_OPTION, None)  # pygls and logs never see it
            return True
        log.warning("glassgrad lsp: refused a client: %s", reason)
        self.refused = reason
        if "id" in value:
            self.send_error(rid, INVALID_REQUEST, f"glassgrad lsp: {reason}")
        self.writer.close()
        return False


# stdio ---------------------------------------------------------------------------------------
def serve_stdio(server: Any) -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing may print into the protocol stream

    def send(data: bytes) -> None:
        stdout.write(data)
        stdout.flush()

    writer = Writer(send, stdout.close)
    recv = (lambda n: os.read(stdin.fileno(), n))
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(Session(server, recv, writer).run())
    finally:  # `exit` ends the process (SystemExit, its code as LSP says) after this
        server.shutdown_catalog()


# TCP -----------------------------------------------------------------------------------------
def serve_tcp(server: Any, port: int, host: str = "127.0.0.1", auth_timeout: float = 10.0,
              once: bool = False) -> None:
    """Serve one client at a time on loopback; the token goes in the connection file."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("glassgrad lsp listens on loopback only")
    listener = socket.create_server((host, port))
    folder = private_dir()
    sweep(folder, _CONNECTION_FILE)
    path = os.path.join(folder, f"lsp-{os.getpid()}.json")
    token = new_token()
    write_private_json(path, {"host": host, "port": listener.getsockname()[1],
                              "token": token, "tokenOption": TOKEN_OPTION,
                              "pid": os.getpid()})
    print(f"glassgrad lsp: listening on {host}:{listener.getsockname()[1]}", file=sys.stderr,
          flush=True)
    print(f"glassgrad lsp: connection file {path} (initializationOptions.{TOKEN_OPTION})",
          file=sys.stderr, flush=True)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_accept(server, listener, token, auth_timeout, once))
    finally:
        listener.close()
        with contextlib.suppress(OSError):
            remove_own(path)
        server.shutdown_catalog()


class _Recv:
    """A connection's reads: bounded in time until its session is authenticated."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn, self.session = conn, None

    def __call__(self, n: int) -> bytes:
        data = self.conn.recv(n)
        if self.session is not None and self.session.authenticated:
            self.conn.settimeout(None)
        return data


async def _accept(server: Any, listener: socket.socket, token: str, auth_timeout: float,
                  once: bool) -> None:
    loop = asyncio.get_running_loop()
    listener.setblocking(False)
    while True:
        conn, address = await loop.sock_accept(listener)
        conn.setblocking(True)
        conn.settimeout(auth_timeout)  # lifted once the client proved the token
        writer = Writer(conn.sendall, conn.close)
        session = Session(server, _Recv(conn), writer, token)
        session.reader.recv.session = session
        log.info("glassgrad lsp: client %s connected", address)
        await session.run()  # a client's `exit` ends the server, as on stdio
        writer.close()
        if once:
            return
