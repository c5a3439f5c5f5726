"""Byte streams under the framing: a socket (TCP or Unix) or a pair of pipes (stdio, debugpy).

A transport only moves bytes; it knows one policy of its own, the deadline before a TCP or
Unix-socket client has authenticated, so an idle or trickling connection cannot hold a slot."""

from __future__ import annotations

import os
import socket
import time
from typing import BinaryIO, Protocol


class Transport(Protocol):
    name: str
    interruptible: bool  # close() wakes a reader blocked in recv()

    def recv(self, n: int) -> bytes: ...

    def send(self, data: bytes) -> None: ...

    def authenticated(self) -> None: ...

    def close(self) -> None: ...


class SocketTransport:
    """A connected socket; until :meth:`authenticated`, reading past ``auth_timeout`` seconds
    after the connection was accepted raises TimeoutError."""

    interruptible = True

    def __init__(self, sock: socket.socket, name: str, auth_timeout: float | None) -> None:
        self.sock, self.name, self.auth_timeout = sock, name, auth_timeout
        self._until = None if auth_timeout is None else time.monotonic() + auth_timeout

    def recv(self, n: int) -> bytes:
        if self._until is not None:
            left = self._until - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no authenticated first message within "
                                   f"{self.auth_timeout:g} s")
            self.sock.settimeout(left)
            try:
                return self.sock.recv(n)
            except TimeoutError:
                raise TimeoutError(f"no authenticated first message within "
                                   f"{self.auth_timeout:g} s") from None
        return self.sock.recv(n)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def authenticated(self) -> None:
        self._until = None
        self.sock.settimeout(None)

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in recv
        except OSError:
            pass
        self.sock.close()


class StreamTransport:
    """A reader and a writer (the adapter's stdio, or debugpy's pipes). The reader is read
    with ``os.read`` on its descriptor when it has one: a thread blocked there holds no lock
    of a buffered file, so the interpreter can still exit (SIGTERM) while it waits."""

    interruptible = False

    def __init__(self, reader: BinaryIO, writer: BinaryIO, name: str) -> None:
        self.reader, self.writer, self.name = reader, writer, name
        try:
            fd = reader.fileno()
        except (OSError, ValueError, AttributeError):
            fd = None
        if fd is not None:  # (nothing was read through ``reader`` before: no buffered bytes)
            self._read = lambda n: os.read(fd, n)
        else:
            self._read = getattr(reader, "read1", reader.read)

    def recv(self, n: int) -> bytes:
        return self._read(n)

    def send(self, data: bytes) -> None:
        self.writer.write(data)
        self.writer.flush()

    def authenticated(self) -> None:
        pass

    def close(self) -> None:
        try:
            self.writer.close()
        except (OSError, ValueError):
            pass
