"""How the language server talks: LSP's base protocol read with limits, and every request
answered, over stdio or a loopback TCP port guarded by a token.

pygls reads messages without bounds (a declared length is allocated up front, a header line is
buffered whole), ignores a body that is not JSON and drops requests it cannot decode or that
arrive after ``shutdown`` without an answer. So the reading loop is ours: the debug adapter's
bounded reader (LSP and DAP share the base protocol) feeds pygls's protocol one checked
message at a time, and whatever pygls would leave unanswered gets a JSON-RPC error here:

- framing beyond repair (a bad header, a declared length over the limit, an HTTP request):
  -32700 with id null and the reason, then the connection closes (on stdio the server ends);
- a body that is not JSON, not UTF-8 or nested too deep: -32700 with id null, reading goes on;
- not a JSON-RPC message (not an object, an id that is not a string, an integer or null, no
  ``"jsonrpc": "2.0"``, a method that is not a string): -32600;
- a request before ``initialize``: -32002; a second ``initialize``: -32600; a request after
  ``shutdown``: -32600; a request for a method nobody handles: -32601; params that do not fit
  the method: -32602; notifications are never answered (one log line when dropped).

Each of these is one line on stderr, never a traceback. The reader reads at most a few
messages ahead of the event loop, so a client that sends faster than the server answers is
slowed down, not buffered without bound.

TCP mode: the server writes ``lsp-<pid>.json`` (host, port, token) into the user's private
folder (mode 0700, the file 0600, as ``glassgrad dap --port`` does); a client's first message
must be ``initialize`` with ``initializationOptions.glassgradToken``. Anything else, a wrong
token or no such message within ``auth_timeout`` seconds of connecting is refused with an error
and the connection closed; until then the server sends the connection nothing else.
One client at a time: a connection that arrives while another is open is refused with an
error (the editor tries again later). ``glassgrad.recordFile`` (it starts programs) is not
offered over TCP. A client's ``exit`` ends the server, as on stdio.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import re
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from glassgrad_dap.auth import new_token
from glassgrad_dap.framing import FramingError, Limits, MessageReader, encode
from glassgrad_dap.runfiles import private_dir, remove_own, sweep, write_private_json

log = logging.getLogger("glassgrad.lsp")

LIMITS = Limits(max_body=16 << 20, max_header_line=1024, max_headers=8, max_depth=64)
# before a TCP client proved the token: an initialize is a few KiB
UNAUTHENTICATED = Limits(max_body=1 << 20, max_header_line=1024, max_headers=8, max_depth=64)
AHEAD = 8  # messages read but not yet handled, at most
TOKEN_OPTION = "glassgradToken"
_CONNECTION_FILE = re.compile(r"^\.?lsp-(\d+)\.json(?:\.tmp)?$")
PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602
INTERNAL_ERROR, SERVER_NOT_INITIALIZED, REQUEST_FAILED = -32603, -32002, -32803
NOT_OVER_TCP = ("glassgrad.recordFile",)  # commands that start programs


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
            except (OSError, ValueError):  # gone, or closed under us
                self.closed = True

    def close(self) -> None:
        with self._lock:
            if not self.closed:
                self.closed = True
                with contextlib.suppress(OSError, ValueError):
                    self._close()


class _Nowhere:
    """pygls's writer between TCP clients and before one proved the token: what the server
    would send then (diagnostics of a run that changed, log lines) goes nowhere."""

    closed = False

    def write(self, data: bytes) -> None:
        pass

    def close(self) -> None:
        pass


NOWHERE = _Nowhere()


class AuthTimeout(TimeoutError):
    """A TCP client did not authenticate in time."""


class Session:
    """One client's connection: reads in a thread, handles on the event loop."""

    def __init__(self, server: Any, recv: Callable[[int], bytes], writer: Writer,
                 token: str | None = None) -> None:
        self.server, self.protocol = server, server.protocol
        self.reader = MessageReader(recv, LIMITS if token is None else UNAUTHENTICATED)
        self.writer = writer
        self.token = None if token is None else token.encode()
        self.authenticated = token is None
        self.refused: str | None = None   # why the connection was refused (TCP)
        self.ended: str | None = None     # why the framing could not go on
        self.initialized = False          # `initialize` was handled on this connection
        self._ahead = threading.Semaphore(AHEAD)
        _quiet_pygls()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        done = asyncio.Event()
        self.protocol._shutdown = False  # a new connection is a new LSP session
        self.protocol.set_writer(self.writer if self.authenticated else NOWHERE)

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
                except AuthTimeout as e:
                    loop.call_soon_threadsafe(self.refuse, None, str(e))
                    break
                except OSError as e:  # the client went away
                    loop.call_soon_threadsafe(log.info, "glassgrad lsp: connection ended: %s",
                                              e)
                    break
                if not self._wait_for_loop():
                    break
                loop.call_soon_threadsafe(self.dispatch, value)
            loop.call_soon_threadsafe(done.set)

        threading.Thread(target=pump, name="glassgrad-lsp-reader", daemon=True).start()
        try:
            await done.wait()
        finally:
            if self.protocol.writer is self.writer:
                self.protocol.set_writer(NOWHERE)

    def _wait_for_loop(self) -> bool:
        """Whether the event loop caught up (False: the connection closed meanwhile)."""
        while not self._ahead.acquire(timeout=0.5):
            if self.writer.closed:
                return False
        return True

    # answering -------------------------------------------------------------------------------
    def send_error(self, rid: Any, code: int, message: str) -> None:
        self.writer.write(encode({"jsonrpc": "2.0", "id": rid,
                                  "error": {"code": code, "message": message}}))

    def reject(self, rid: Any, code: int, message: str) -> None:
        """An error answer to a request (or to what cannot be told apart from one), logged."""
        log.warning("glassgrad lsp: %s", message)
        self.send_error(rid, code, f"glassgrad lsp: {message}")

    def framing_error(self, e: FramingError) -> None:
        reason = _lsp_words(e.reason)
        if not self.authenticated:
            self.refuse(None, reason, PARSE_ERROR)
            return
        log.warning("glassgrad lsp: %s%s", reason, "; closing the connection" if e.fatal else "")
        self.send_error(None, PARSE_ERROR, f"glassgrad lsp: {reason}"
                        + ("; closing the connection" if e.fatal else ""))
        if e.fatal:
            self.ended = reason
            self.writer.close()

    def refuse(self, rid: Any, reason: str, code: int = INVALID_REQUEST) -> None:
        """Refuse a TCP client that has not proved the token, and close its connection."""
        if self.writer.closed:
            return
        log.warning("glassgrad lsp: refused a client: %s; closing the connection", reason)
        self.refused = reason
        self.send_error(rid, code, f"glassgrad lsp: refused: {reason}; closing the connection")
        self.writer.close()

    def dispatch(self, value: Any) -> None:
        try:
            self._dispatch(value)
        finally:
            self._ahead.release()

    def _dispatch(self, value: Any) -> None:
        if self.writer.closed:
            return
        if not isinstance(value, dict):
            return self._not_jsonrpc(None, f"a message is a JSON-RPC object, not "
                                           f"{_kind(value)}")
        has_id, rid = "id" in value, value.get("id")
        if has_id and not _valid_id(rid):
            return self._not_jsonrpc(None, f"an id is a string, an integer or null, not "
                                           f"{_kind(rid)}")
        if value.get("jsonrpc") != "2.0":
            return self._not_jsonrpc(rid, "a message must have \"jsonrpc\": \"2.0\"")
        if "method" not in value:
            return self._response(value, has_id, rid)
        method = value["method"]
        if not isinstance(method, str):
            return self._not_jsonrpc(rid, f"a method is a string, not {_kind(method)}")
        if not self.authenticated and not self.check_token(value, rid):
            return
        if has_id:
            self._request(value, rid, method)
        else:
            self._notification(value, method)

    def _not_jsonrpc(self, rid: Any, message: str) -> None:
        if not self.authenticated:
            self.refuse(rid, message)
        else:
            self.reject(rid, INVALID_REQUEST, message)

    def _request(self, value: dict, rid: Any, method: str) -> None:
        if _lsp_kind(method) == "notification":
            return self.reject(rid, INVALID_REQUEST, f"{method!r} is a notification (send it "
                                                     "without an id)")
        if self.protocol._shutdown:
            return self.reject(rid, INVALID_REQUEST,
                               f"{method}: the server is shutting down ('shutdown' was received)")
        if method == types.INITIALIZE and self.initialized:
            return self.reject(rid, INVALID_REQUEST, "'initialize' was already received")
        if method != types.INITIALIZE and not self.initialized:
            return self.reject(rid, SERVER_NOT_INITIALIZED,
                               f"{method}: the server is not initialized yet (send "
                               "'initialize' first)")
        if not self._handled(method):
            return self.reject(rid, METHOD_NOT_FOUND, f"no such method: {method!r}")
        message = self._structure(value, method, rid)
        if message is None:
            return
        if method == types.WORKSPACE_EXECUTE_COMMAND and not self._command_allowed(message,
                                                                                   rid):
            return
        if method == types.INITIALIZE:
            self.initialized = True
        try:
            self.protocol.handle_message(message)
        except Exception as e:  # noqa: BLE001 - pygls answers what it handles; not this
            self.reject(rid, INTERNAL_ERROR, f"{method}: {type(e).__name__}: {e}")

    def _notification(self, value: dict, method: str) -> None:
        if _lsp_kind(method) == "request":
            return log.warning("glassgrad lsp: dropped %r without an id: it is a request (a "
                               "notification is never answered)", method)
        if method == types.EXIT:
            pass  # ends the server whatever came before, as LSP says
        elif not self.initialized:
            return log.warning("glassgrad lsp: dropped %r: the server is not initialized yet",
                               method)
        elif self.protocol._shutdown:
            return log.info("glassgrad lsp: dropped %r after 'shutdown'", method)
        elif not self._handled(method):
            level = logging.INFO if method.startswith("$/") else logging.WARNING
            return log.log(level, "glassgrad lsp: ignored a notification of an unknown "
                           "method: %r", method)
        message = self._structure(value, method, None)
        if message is None:
            return
        try:
            self.protocol.handle_message(message)
        except Exception as e:  # noqa: BLE001 - a notification never breaks the server
            log.warning("glassgrad lsp: %s failed: %s: %s", method, type(e).__name__, e)

    def _response(self, value: dict, has_id: bool, rid: Any) -> None:
        """A client's answer to one of the server's requests; never answered itself."""
        if not has_id:
            return self._not_jsonrpc(None, "a message has a method (a request or a "
                                           "notification) or an id (a response)")
        if ("result" in value) == ("error" in value):
            return self._not_jsonrpc(rid, "a message without a method is a response, with "
                                          "either a result or an error")
        if not self.authenticated:
            return self.refuse(rid, "a response before 'initialize'")
        error = value.get("error")
        if "error" in value and not (isinstance(error, dict) and
                                     type(error.get("code")) is int and
                                     isinstance(error.get("message"), str)):
            return log.warning("glassgrad lsp: ignored a response (id %r) whose error is not "
                               "{code, message}", rid)
        try:
            self.protocol.handle_message(self.protocol.structure_message(value))
        except Exception as e:  # noqa: BLE001 - a bad response only loses itself
            log.warning("glassgrad lsp: ignored a response (id %r): %s", rid, e)

    def _handled(self, method: str) -> bool:
        fm = self.protocol.fm
        return (method in fm.builtin_features or method in fm.features or
                method == types.CANCEL_REQUEST)

    def _structure(self, value: dict, method: str, rid: Any) -> Any:
        """pygls's message object, or None when the params do not fit (answered, logged)."""
        if "result" in value or "error" in value:  # pygls would take it for a response
            value = {k: v for k, v in value.items() if k not in ("result", "error")}
        try:
            return self.protocol.structure_message(value)
        except Exception as e:  # noqa: BLE001 - whatever the converter raises: bad params
            problem = _params_problem(e)
        if rid is not None or "id" in value:
            self.reject(rid, INVALID_PARAMS, f"{method}: invalid params: {problem}")
        else:
            log.warning("glassgrad lsp: dropped a %r notification: invalid params: %s", method,
                        problem)
        return None

    def _command_allowed(self, message: Any, rid: Any) -> bool:
        command = message.params.command
        if command not in self.protocol.fm.commands:
            self.reject(rid, INVALID_PARAMS, f"no such command: {command!r}")
            return False
        if command in NOT_OVER_TCP and not getattr(self.server, "allow_commands", True):
            self.reject(rid, REQUEST_FAILED, f"{command} is not offered over TCP (a connection "
                                             "must not start programs)")
            return False
        return True

    def check_token(self, value: dict, rid: Any) -> bool:
        params = value.get("params") if isinstance(value.get("params"), dict) else {}
        options = params.get("initializationOptions")
        token = options.get(TOKEN_OPTION) if isinstance(options, dict) else None
        if value.get("method") != types.INITIALIZE or "id" not in value or \
                not isinstance(token, str):
            reason = f"the first message must be an 'initialize' request with " \
                     f"initializationOptions.{TOKEN_OPTION} (see the connection file)"
        elif not hmac.compare_digest(token.encode(), self.token):
            reason = f"wrong initializationOptions.{TOKEN_OPTION}"
        else:
            self.authenticated = True
            self.reader.limits = LIMITS
            self.protocol.set_writer(self.writer)
            options.pop(TOKEN_OPTION, None)  # pygls and logs never see it
            return True
        self.refuse(rid, reason)
        return False


def _lsp_kind(method: str) -> str | None:
    """"request" or "notification" for a method of LSP's, None for others."""
    found = types.METHOD_TO_TYPES.get(method)
    name = found[0].__name__ if found else ""
    return ("notification" if name.endswith("Notification") else
            "request" if name.endswith("Request") else None)


def _valid_id(rid: Any) -> bool:
    return rid is None or isinstance(rid, str) or type(rid) is int


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    name = {dict: "an object", list: "a list", str: "a string", int: "an integer",
            float: "a number with a fraction"}.get(type(value), type(value).__name__)
    return name if isinstance(value, (dict, list)) else f"{name} ({str(value)[:20]})"


def _params_problem(e: Exception) -> str:
    cause = e.__cause__ if e.__cause__ is not None else e
    try:
        from cattrs import transform_error

        problems = transform_error(cause)
    except Exception:  # noqa: BLE001 - not a cattrs error, or it cannot say
        problems = [f"{type(cause).__name__}: {cause}"]
    text = "; ".join(problems[:3]) + ("; ..." if len(problems) > 3 else "")
    return text[:300]


def _lsp_words(reason: str) -> str:
    """The shared reader's reasons speak of DAP; here the protocol is LSP."""
    return reason.replace("a DAP", "an LSP").replace("DAP", "LSP")


class _QuietPygls(logging.Filter):
    """pygls logs a traceback for params it cannot read and for a JSON-RPC error a handler
    raised: the client's mistakes, answered and logged in one line here. A handler that fails
    for another reason (a bug) keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Unable to deserialize message"):
            return False  # Session._structure answers and logs it
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, JsonRpcException):
            record.args = (record.getMessage(), exc.message or type(exc).__name__)
            record.msg = "glassgrad lsp: %s: %s"
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def _quiet_pygls() -> None:
    target = logging.getLogger("pygls.protocol.json_rpc")
    if not any(isinstance(f, _QuietPygls) for f in target.filters):
        target.addFilter(_QuietPygls())


# stdio ---------------------------------------------------------------------------------------
def serve_stdio(server: Any) -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing may print into the protocol stream

    def send(data: bytes) -> None:
        stdout.write(data)
        stdout.flush()

    writer = Writer(send, stdout.close)
    recv = (lambda n: os.read(stdin.fileno(), n))
    session = Session(server, recv, writer)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(session.run())
    finally:  # `exit` ends the process (SystemExit, its code as LSP says) after this
        server.shutdown_catalog()
    if session.ended is not None:  # stdin beyond repair: say why, and fail
        print(f"glassgrad lsp: ending: {session.ended}", file=sys.stderr, flush=True)
        sys.exit(1)


# TCP -----------------------------------------------------------------------------------------
def serve_tcp(server: Any, port: int, host: str = "127.0.0.1", auth_timeout: float = 10.0,
              once: bool = False) -> None:
    """Serve one client at a time on loopback; the token goes in the connection file."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("glassgrad lsp listens on loopback only")
    if threading.current_thread() is threading.main_thread():  # SIGTERM: unwind, clean up
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
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
    """A connection's reads: until its session is authenticated, all of them together end
    ``auth_timeout`` seconds after the connection was accepted (a client that trickles a
    byte now and then cannot hold the server's one slot)."""

    def __init__(self, conn: socket.socket, auth_timeout: float) -> None:
        self.conn, self.session = conn, None
        self.auth_timeout = auth_timeout
        self.deadline = time.monotonic() + auth_timeout

    def __call__(self, n: int) -> bytes:
        while True:
            if self.session is not None and self.session.authenticated:
                self.conn.settimeout(None)
            else:
                left = self.deadline - time.monotonic()
                if left <= 0:
                    raise AuthTimeout(f"no 'initialize' with initializationOptions."
                                      f"{TOKEN_OPTION} within {self.auth_timeout:g} s")
                self.conn.settimeout(left)
            try:
                return self.conn.recv(n)
            except TimeoutError:
                continue  # authenticated meanwhile (read on), or out of time (checked above)


def _close_socket(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)  # wakes the reader thread blocked in recv
    conn.close()


async def _serve(server: Any, conn: socket.socket, address: Any, token: str,
                 auth_timeout: float) -> None:
    conn.setblocking(True)
    conn.settimeout(auth_timeout)  # sending too, until the token is proved
    writer = Writer(conn.sendall, lambda: _close_socket(conn))
    recv = _Recv(conn, auth_timeout)
    session = Session(server, recv, writer, token)
    recv.session = session
    log.info("glassgrad lsp: client %s connected", address)
    try:
        await session.run()
    finally:
        writer.close()
        log.info("glassgrad lsp: client %s disconnected", address)


BUSY_WAIT = 2.0  # seconds a new connection waits for the one being served to end
_WAITING = 16    # connections waiting or being refused at most; past that, just closed


async def _refuse_busy(loop: asyncio.AbstractEventLoop, conn: socket.socket,
                       address: Any) -> None:
    """Tell a second client that the server is taken, then close (after reading what it
    sent, briefly, so that the close does not reset the connection before it reads this)."""
    reason = "another client is connected (one client at a time): try again later"
    log.warning("glassgrad lsp: refused %s: %s", address, reason)
    try:
        conn.setblocking(False)
        await asyncio.wait_for(loop.sock_sendall(conn, encode({
            "jsonrpc": "2.0", "id": None, "error": {
                "code": INVALID_REQUEST, "message": f"glassgrad lsp: refused: {reason}"}})), 2)
        conn.shutdown(socket.SHUT_WR)
        deadline = loop.time() + 2
        while loop.time() < deadline:
            if not await asyncio.wait_for(loop.sock_recv(conn, 65536),
                                          deadline - loop.time()):
                break
    except (OSError, asyncio.TimeoutError):
        pass
    finally:
        conn.close()


class _Slot:
    """The one client the server serves; a connection that comes while it is taken waits
    ``BUSY_WAIT`` seconds for it (a client that reconnects at once, a refused one that tries
    again) before it is refused."""

    def __init__(self) -> None:
        self.busy = False
        self.free = asyncio.Event()
        self.free.set()
        self.waiting = 0

    async def take(self, loop: asyncio.AbstractEventLoop) -> bool:
        deadline = loop.time() + BUSY_WAIT
        while self.busy:
            left = deadline - loop.time()
            if left <= 0:
                return False
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.free.wait(), left)
        self.busy = True
        self.free.clear()
        return True

    def give_back(self) -> None:
        self.busy = False
        self.free.set()


async def _connection(server: Any, conn: socket.socket, address: Any, token: str,
                      auth_timeout: float, slot: _Slot) -> None:
    loop = asyncio.get_running_loop()
    slot.waiting += 1
    try:
        taken = await slot.take(loop)
    finally:
        slot.waiting -= 1
    if not taken:
        slot.waiting += 1
        try:
            await _refuse_busy(loop, conn, address)
        finally:
            slot.waiting -= 1
        return
    try:
        await _serve(server, conn, address, token, auth_timeout)
    finally:
        slot.give_back()


async def _accept(server: Any, listener: socket.socket, token: str, auth_timeout: float,
                  once: bool) -> None:
    loop = asyncio.get_running_loop()
    listener.setblocking(False)
    slot = _Slot()
    tasks: set[asyncio.Task] = set()
    while True:
        try:
            conn, address = await loop.sock_accept(listener)
        except OSError as e:  # out of file descriptors, say: wait, do not die
            log.warning("glassgrad lsp: accept failed: %s", e)
            await asyncio.sleep(0.1)
            continue
        if once:
            await _connection(server, conn, address, token, auth_timeout, slot)
            return
        if slot.busy and slot.waiting >= _WAITING:
            log.warning("glassgrad lsp: closed %s at once: %d connections wait already",
                        address, _WAITING)
            conn.close()
            continue
        task = loop.create_task(_connection(server, conn, address, token, auth_timeout, slot))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
