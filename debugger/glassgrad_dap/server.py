"""``glassgrad dap``: serve DAP on stdio, on a loopback TCP port (with a token), or on a Unix
socket in a folder only the user can open. One debug session per connection."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from . import runfiles
from .auth import TOKEN_ARGUMENT, TOKEN_ENV, Gate, load_token
from .framing import Limits, encode
from .logs import Diagnostics
from .transport import SocketTransport, StreamTransport

HOST = "127.0.0.1"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="glassgrad dap",
                                description="glassgrad's Debug Adapter Protocol server "
                                            "(debugpy's adapter plus backward debugging)")
    add_arguments(p)
    return p


def add_arguments(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument("--port", type=int, default=None,
                       help="serve on 127.0.0.1:PORT instead of stdio (0 picks a free port); "
                            f"clients present the token of the connection file as "
                            f"initialize's arguments.{TOKEN_ARGUMENT}")
    where.add_argument("--socket", nargs="?", const="", default=None, metavar="PATH",
                       help="serve on a Unix socket (default: dap-<pid>.sock in the private "
                            "folder); its folder must be closed to other users")
    p.add_argument("--connection-file", default=None, metavar="PATH",
                   help="where to write host, port, token and pid (mode 0600; default: "
                        "dap-<pid>.json in $XDG_RUNTIME_DIR/glassgrad or /tmp/glassgrad-<uid>)")
    p.add_argument("--token-file", default=None, metavar="PATH",
                   help=f"read the --port token from this file (mode 0600) instead of "
                        f"${TOKEN_ENV} or a new random one")
    p.add_argument("--max-connections", type=int, default=8, metavar="N",
                   help="concurrent connections in --port/--socket mode (default 8)")
    p.add_argument("--auth-timeout", type=float, default=10.0, metavar="SECONDS",
                   help="close a connection whose first message has not come in time "
                        "(default 10)")
    p.add_argument("--max-message-size", type=int, default=Limits.max_body, metavar="BYTES",
                   help="refuse a message body larger than this (default 64 MiB)")
    p.add_argument("--log-dir", default=None, help="log every DAP message into this folder")


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(max_body=max(1, args.max_message_size))


@contextlib.contextmanager
def _exit_on_sigterm() -> Iterator[None]:
    """SIGTERM (how editors stop an adapter) unwinds like Ctrl-C, so that sessions remove
    their files and stop debugpy."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve_stdio(args: argparse.Namespace) -> int:
    from .session import Session

    reader, writer = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing may print into the protocol stream
    with _exit_on_sigterm():
        Session(StreamTransport(reader, writer, "stdio"), args.log_dir, Gate(None),
                _limits(args)).run()
    return 0


class Listener:
    """Accepts connections and runs one session each, at most ``max_connections`` at once."""

    def __init__(self, srv: socket.socket, gate: Gate, args: argparse.Namespace,
                 diagnostics: Diagnostics,
                 peer_check: Callable[[socket.socket], str | None] | None = None) -> None:
        self.srv, self.gate, self.args, self.diagnostics = srv, gate, args, diagnostics
        self.peer_check = peer_check
        self._lock = threading.Lock()
        self._sessions: dict[int, Any] = {}  # connection number -> its Session (once made)
        self._count = 0

    def serve_forever(self) -> None:
        while True:
            try:
                conn, addr = self.srv.accept()
            except OSError as e:  # out of file descriptors, say: wait, do not die
                if self.srv.fileno() < 0:
                    raise
                self.diagnostics.line(f"accept failed: {e}")
                time.sleep(0.1)
                continue
            self._count += 1
            n = self._count
            name = f"{addr[0]}:{addr[1]}" if isinstance(addr, tuple) else f"unix socket #{n}"
            refusal = self.peer_check(conn) if self.peer_check else None
            with self._lock:
                if refusal is None and len(self._sessions) >= self.args.max_connections:
                    refusal = (f"{self.args.max_connections} connections are open already "
                               "(--max-connections)")
                if refusal is None:
                    self._sessions[n] = None
            if refusal is not None:
                self._refuse(conn, name, refusal)
                continue
            threading.Thread(target=self._serve, args=(conn, name, n), daemon=True,
                             name=f"dap-connection-{n}").start()

    def _serve(self, conn: socket.socket, name: str, n: int) -> None:
        from .session import Session

        try:
            session = Session(SocketTransport(conn, name, self.args.auth_timeout),
                              self.args.log_dir, self.gate, _limits(self.args),
                              self.diagnostics)
            with self._lock:
                self._sessions[n] = session
            session.run()
        except Exception as e:  # the server stays up whatever one connection does
            self.diagnostics.line(f"connection {name} failed: {type(e).__name__}: {e}")
            conn.close()
        finally:
            with self._lock:
                self._sessions.pop(n, None)

    def _refuse(self, conn: socket.socket, name: str, reason: str) -> None:
        self.diagnostics.line(f"refused connection {name}: {reason}")
        try:
            conn.settimeout(1)
            conn.sendall(encode({"seq": 1, "type": "event", "event": "output", "body": {
                "category": "important", "output": f"glassgrad dap: refused: {reason}\n"}}))
            conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        conn.close()

    def close(self) -> None:
        with self._lock:
            sessions = [s for s in self._sessions.values() if s is not None]
        for s in sessions:
            s.close()


def _peer_is_user(conn: socket.socket) -> str | None:
    """On Linux, a Unix-socket client must run as the same user (SO_PEERCRED)."""
    if not hasattr(socket, "SO_PEERCRED") or not hasattr(os, "getuid"):
        return None
    raw = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, _ = struct.unpack("3i", raw)
    if uid != os.getuid():
        return f"the client (pid {pid}) runs as uid {uid}, not as this adapter's user"
    return None


def _serve(srv: socket.socket, gate: Gate, details: dict, args: argparse.Namespace,
           diagnostics: Diagnostics, peer_check: Callable | None = None,
           cleanup: Callable[[], None] | None = None) -> int:
    folder = runfiles.private_dir()
    runfiles.sweep_runfiles(folder)
    path = args.connection_file or os.path.join(folder, f"dap-{os.getpid()}.json")
    listener = None
    # SIGTERM unwinds from before the connection file exists: a client that reads the file
    # and stops the adapter at once never leaves it behind
    with _exit_on_sigterm():
        try:
            runfiles.write_private_json(path, {**details, "pid": os.getpid()})
            where = (f"127.0.0.1:{details['port']}" if "port" in details
                     else details["socket"])
            print(f"glassgrad dap: listening on {where}", file=sys.stderr, flush=True)
            print(f"glassgrad dap: connection file {path} (readable by you only)",
                  file=sys.stderr, flush=True)
            listener = Listener(srv, gate, args, diagnostics, peer_check)
            listener.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            srv.close()
            if listener is not None:
                listener.close()
            try:
                runfiles.remove_own(path)
            except OSError:
                pass
            if cleanup is not None:
                cleanup()
    return 0


def serve_port(args: argparse.Namespace) -> int:
    token = load_token(args.token_file, os.environ)
    srv = socket.create_server((HOST, args.port))
    port = srv.getsockname()[1]
    details = {"host": HOST, "port": port, "token": token, "tokenArgument": TOKEN_ARGUMENT}
    return _serve(srv, Gate(token), details, args, Diagnostics(args.log_dir))


def serve_socket(args: argparse.Namespace) -> int:
    if not hasattr(socket, "AF_UNIX"):
        raise OSError("--socket needs Unix sockets, which this platform lacks: use --port")
    path = args.socket or os.path.join(runfiles.private_dir(), f"dap-{os.getpid()}.sock")
    path = os.path.abspath(path)
    runfiles.check_private_parent(path)
    if os.path.exists(path):
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
        except OSError:
            runfiles.remove_own(path)  # a socket nobody listens on any more
        else:
            raise OSError(f"{path}: another adapter is listening there")
        finally:
            probe.close()
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)  # the socket is born 0600
    try:
        srv.bind(path)
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    srv.listen()

    def cleanup() -> None:
        try:
            runfiles.remove_own(path)
        except OSError:
            pass

    return _serve(srv, Gate(None), {"socket": path}, args, Diagnostics(args.log_dir),
                  _peer_is_user, cleanup)


def run(args: argparse.Namespace) -> int:
    try:
        if args.log_dir:
            os.makedirs(args.log_dir, exist_ok=True)
        if args.port is not None:
            return serve_port(args)
        if args.socket is not None:
            return serve_socket(args)
    except (OSError, ValueError) as e:  # a bad token file, folder or port: say so and stop
        print(f"glassgrad dap: error: {e}", file=sys.stderr, flush=True)
        return 2
    return serve_stdio(args)


def main(argv: list[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))
