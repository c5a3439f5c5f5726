"""DAP's base protocol: ``Content-Length: N\\r\\n\\r\\n`` + N bytes of UTF-8 JSON.

Written here (a few lines) rather than borrowed: debugpy's ``debugpy.common.messaging`` does
it too, but it is debugpy's private API, bound to debugpy's global logging setup, and this
adapter must pass messages through byte-for-byte-equivalent without debugpy's own session
semantics (sequence checks, request bookkeeping) in the way.
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO


class FramingError(Exception):
    pass


def read_message(stream: BinaryIO) -> dict[str, Any] | None:
    """The next message, or None at end of stream."""
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        line = line.rstrip(b"\r\n")
        if not line:
            if length is None:
                continue  # stray blank line between messages
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                length = int(value.strip())
            except ValueError as e:
                raise FramingError(f"bad Content-Length header: {line!r}") from e
    body = b""
    while len(body) < length:
        chunk = stream.read(length - len(body))
        if not chunk:
            return None
        body += chunk
    try:
        return json.loads(body)
    except ValueError as e:
        raise FramingError(f"message is not JSON: {body[:200]!r}") from e


def encode(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":")).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def write_message(stream: BinaryIO, message: dict[str, Any]) -> None:
    stream.write(encode(message))
    stream.flush()
