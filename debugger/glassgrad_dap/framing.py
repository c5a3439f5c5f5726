"""DAP's base protocol: ``Content-Length: N\\r\\n\\r\\n`` + N bytes of UTF-8 JSON, read with limits.

Written here rather than borrowed: debugpy's ``debugpy.common.messaging`` does it too, but it
is debugpy's private API, bound to debugpy's global logging setup, and this adapter must pass
messages through without debugpy's session semantics in the way.

The reader never trusts a peer: a header line, the header section, a body and the nesting of
its JSON are bounded (:class:`Limits`); a body is read as it arrives, never allocated at its
declared length. Input that is not DAP raises :class:`FramingError`, which says whether the
stream is still in step (a bad body whose length was right: the next message can be read) or
not (a bad header: the connection must close).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CHUNK = 65536
MiB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Bounds on what one peer may send."""

    max_body: int = 64 * MiB      # bytes in one message body
    max_header_line: int = 1024   # bytes in one header line
    max_headers: int = 8          # header lines in one message
    max_depth: int = 64           # nesting of JSON arrays and objects

    @classmethod
    def trusted(cls) -> Limits:
        """debugpy's side: our own child, whose bodies (tensor values) may be large."""
        return cls(max_body=1 << 30, max_header_line=8192, max_headers=32, max_depth=1000)


class FramingError(Exception):
    """Input that is not a DAP message. ``fatal``: the stream is out of step and the
    connection must close; otherwise the message was skipped whole and reading goes on."""

    def __init__(self, reason: str, fatal: bool) -> None:
        super().__init__(reason)
        self.reason, self.fatal = reason, fatal


# what DAP's base protocol allows in a header section (Content-Type is tolerated as in LSP)
_HEADERS = (b"content-length", b"content-type")
_HTTP = re.compile(rb"^(?:[A-Z]{3,10} \S+ HTTP/\d|HTTP/\d|"
                   rb"(?:GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH) )")


class MessageReader:
    """Reads messages from ``recv(n)`` (``socket.recv``, ``BufferedReader.read1``): returns
    at most ``n`` bytes, ``b""`` at end of stream."""

    def __init__(self, recv: Callable[[int], bytes], limits: Limits | None = None) -> None:
        self.recv, self.limits = recv, limits or Limits()
        self._buf = bytearray()

    def read(self) -> Any:
        """The next message's JSON value (any JSON, ``null`` too); EOFError at the end of
        the stream between messages."""
        length = self._headers()
        if length is None:
            raise EOFError
        return parse_body(self._body(length), self.limits.max_depth)

    # header section ---------------------------------------------------------------------
    def _headers(self) -> int | None:
        length: int | None = None
        count = 0
        while True:
            line = self._line(at_start=count == 0)
            if line is None:
                return None
            if not line.strip():
                if count == 0:
                    continue  # stray blank line between messages
                break
            count += 1
            if count > self.limits.max_headers:
                raise FramingError(f"more than {self.limits.max_headers} header lines", True)
            if _HTTP.match(line):
                raise FramingError(f"an HTTP request ({_show(line)}): this is a DAP server, "
                                   "not an HTTP one", True)
            name, colon, value = line.partition(b":")
            name = name.strip().lower()
            if not colon or name not in _HEADERS:
                raise FramingError(f"not a DAP header: {_show(line)} (DAP sends "
                                   "'Content-Length: N' and a blank line)", True)
            if name == b"content-length":
                n = _content_length(value.strip(), self.limits.max_body)
                if length is not None and n != length:
                    raise FramingError("two different Content-Length headers", True)
                length = n
        if length is None:
            raise FramingError("a header section without Content-Length", True)
        return length

    def _line(self, at_start: bool) -> bytes | None:
        limit = self.limits.max_header_line
        start = 0
        while True:
            i = self._buf.find(b"\n", start)
            _check_header_start(bytes(self._buf[:i if i >= 0 else min(len(self._buf), 80)]))
            if i > limit or (i < 0 and len(self._buf) > limit):
                raise FramingError(f"a header line longer than {limit} bytes: "
                                   f"{_show(bytes(self._buf[:60]))}", True)
            if i >= 0:
                line = bytes(self._buf[:i])
                del self._buf[:i + 1]
                return line.rstrip(b"\r")
            start = len(self._buf)
            if not self._fill():
                if at_start and not self._buf:
                    return None
                raise FramingError("the stream ended inside a header", True)

    def _fill(self, want: int = CHUNK) -> bool:
        chunk = self.recv(want)
        if not chunk:
            return False
        self._buf += chunk
        return True

    # body ------------------------------------------------------------------------------
    def _body(self, length: int) -> bytes:
        """Exactly ``length`` bytes, gathered as they come: memory grows with what arrived,
        not with what was declared."""
        body = bytearray(self._buf[:length])
        del self._buf[:length]
        while len(body) < length:
            chunk = self.recv(min(CHUNK, length - len(body)))
            if not chunk:
                raise FramingError(f"the stream ended inside a body ({len(body)} of {length} "
                                   "bytes)", True)
            body += chunk
        return bytes(body)


def _content_length(value: bytes, limit: int) -> int:
    if not value.isdigit():  # digits only: no sign, no spaces, no 1e9, no 0x10
        raise FramingError(f"bad Content-Length: {_show(value)}", True)
    if len(value) > 15 or int(value) > limit:  # never parse a thousand digits
        raise FramingError(f"Content-Length {_show(value) if len(value) > 15 else int(value)} "
                           f"is over the limit of {limit} bytes", True)
    return int(value)


_NOT_HEADER_BYTE = re.compile(rb"[^\t\r\x20-\x7e]")


def _check_header_start(line: bytes) -> None:
    """Refuse a header line as soon as its first bytes cannot begin a DAP header, rather than
    wait for a newline that random bytes may never send."""
    bad = _NOT_HEADER_BYTE.search(line)
    if bad is not None:
        raise FramingError(f"byte {line[bad.start():bad.start() + 1]!r} where a header "
                           f"was expected: {_show(line)}", True)
    head = line.rstrip(b"\r")
    if not head or _HTTP.match(head):
        return  # a blank line, or an HTTP request line that the caller names as such
    name, colon, _ = head.partition(b":")
    name = name.strip().lower() if colon else name.lower()
    if colon and name in _HEADERS:
        return
    if not colon and any(h.startswith(name) for h in _HEADERS):
        return  # could still become a DAP header
    if re.match(rb"^[A-Z]{3,10}( |$)", head):
        return  # perhaps an HTTP method: wait for the line and say so
    raise FramingError(f"not a DAP header: {_show(head)} (DAP sends 'Content-Length: N' and "
                       "a blank line)", True)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_body(body: bytes, max_depth: int) -> Any:
    """The JSON value of a whole body (the stream stays in step whatever it holds)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FramingError(f"the body is not UTF-8 ({e.reason} at byte {e.start})",
                           False) from None
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise FramingError(f"the body nests deeper than {max_depth} levels", False) from None
    except ValueError as e:
        raise FramingError(f"the body is not JSON ({e}): {_show(body[:60])}", False) from None
    if depth_over(value, max_depth):
        raise FramingError(f"the body nests deeper than {max_depth} levels", False)
    return value


def depth_over(value: Any, limit: int) -> bool:
    """Whether arrays/objects in ``value`` nest deeper than ``limit`` (no recursion)."""
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            v = v.values()
        elif not isinstance(v, list):
            continue
        if d > limit:
            return True
        stack.extend((c, d + 1) for c in v if isinstance(c, (dict, list)))
    return False


def _show(raw: bytes) -> str:
    text = repr(raw[:60])
    return text + ("..." if len(raw) > 60 else "")


def encode(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":")).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body
