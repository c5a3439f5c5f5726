"""Who may open a live-channel connection, and how many at once.

Anyone on the machine can reach a loopback port, so every connection is checked before it
costs the training process more than a moment: at most ``max_connections`` at once (handshakes
included; more are answered 503 and closed), ``timeout`` seconds to complete the handshake,
and the token only in the ``Authorization: Bearer`` header. A token in the URL is refused even
when right (URLs end up in logs and shell history). Every refusal or failure is one
rate-limited log line; none raises into the server (no HTTP 500, no traceback).
"""

from __future__ import annotations

import http
import secrets
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.sync.server import ServerConnection

from .live_log import RateLimitedLog

_BUSY_TEXT = b"glassgrad live channel: too many connections open\n"
_BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
         b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(_BUSY_TEXT), _BUSY_TEXT))


class Busy(Exception):
    """Raised instead of making a connection when all slots are taken (the socket closes)."""


class Gate:
    """Connection slots, the handshake's token check, and a log line for each refusal."""

    def __init__(self, token: str, log: RateLimitedLog, max_connections: int = 16,
                 timeout: float = 3.0) -> None:
        self._token = token.encode("ascii")
        self.log, self.max_connections, self.timeout = log, max_connections, timeout
        self._slots = threading.BoundedSemaphore(max_connections)

    def connection(self, sock: Any, protocol: Any, server: Any, **kw: Any) -> ServerConnection:
        """``serve(create_connection=...)``: take a slot or refuse with 503."""
        if not self._slots.acquire(blocking=False):
            peer = _peer(sock)
            try:
                sock.settimeout(0.5)
                sock.sendall(_BUSY)
            except OSError:
                pass
            self.log("busy", f"refused a connection from {peer}: all {self.max_connections} "
                             "connection slots are taken (503)")
            raise Busy
        try:
            return _Connection(sock, protocol, server, gate=self, **kw)
        except BaseException:
            self._slots.release()
            raise

    def release(self) -> None:
        self._slots.release()

    def check(self, conn: Any, request: Any) -> Any:
        """``serve(process_request=...)``: None to accept, else the refusal (HTTP 401)."""
        conn.refused = True  # until the checks below pass
        peer = conn.peer
        query = parse_qs(urlsplit(request.path).query, keep_blank_values=True)
        if "token" in query or "access_token" in query:
            self.log("token-in-url", f"refused a connection from {peer}: the token was in the "
                                     "URL; send it in the Authorization header (401)")
            return conn.respond(http.HTTPStatus.UNAUTHORIZED,
                                "glassgrad live channel: send the token in the Authorization "
                                "header (Bearer), never in the URL\n")
        values = request.headers.get_all("Authorization")
        given = values[0] if len(values) == 1 else ""
        scheme, _, token = given.partition(" ")
        # header values arrive decoded as ISO-8859-1: compare bytes, whatever they hold
        if scheme.lower() != "bearer" or not secrets.compare_digest(
                token.strip().encode("latin-1", "replace"), self._token):
            self.log("token", f"refused a connection from {peer}: missing or wrong token (401)")
            return conn.respond(http.HTTPStatus.UNAUTHORIZED,
                                "glassgrad live channel: missing or wrong token\n")
        conn.refused = False
        return None


class _Connection(ServerConnection):
    """A server connection that gives its slot back when its socket is done and logs a
    handshake that failed (timed out, or was not a WebSocket handshake)."""

    refused = False

    def __init__(self, sock: Any, *args: Any, gate: Gate, **kw: Any) -> None:
        self.gate, self.peer = gate, _peer(sock)
        super().__init__(sock, *args, **kw)

    def handshake(self, *args: Any, **kw: Any) -> None:
        try:
            super().handshake(*args, **kw)
        except TimeoutError:
            self._failed(f"no handshake within {self.gate.timeout:g} s")
            raise
        exc = self.protocol.handshake_exc
        why = f"{type(exc).__name__}: {exc}" if exc is not None else "closed"
        if self.request is None:
            self._failed(f"not a WebSocket handshake ({why})")
        elif self.response is not None and self.response.status_code != 101 and \
                not self.refused:
            self._failed(f"answered HTTP {self.response.status_code} ({why})")

    def _failed(self, why: str) -> None:
        self.gate.log("handshake", f"dropped a connection from {self.peer}: {why}")

    def recv_events(self) -> None:
        try:
            super().recv_events()
        finally:
            self.gate.release()


def _peer(sock: Any) -> str:
    try:
        host, port = sock.getpeername()[:2]
    except (OSError, ValueError):
        return "an unknown peer"
    return f"{host}:{port}"
