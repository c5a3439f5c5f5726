"""``glassgrad dap [--port N] [--log-dir D]``: serve DAP on stdio, or on a loopback port."""

from __future__ import annotations

import argparse
import os
import socket
import sys
import threading


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="glassgrad dap",
                                description="glassgrad's Debug Adapter Protocol server "
                                            "(debugpy's adapter plus backward debugging)")
    add_arguments(p)
    return p


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=None,
                   help="serve on 127.0.0.1:PORT instead of stdio (0 picks a free port)")
    p.add_argument("--log-dir", default=None, help="log every DAP message into this folder")


def serve_stdio(log_dir: str | None) -> int:
    from .session import Session

    reader, writer = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing may print into the protocol stream
    Session(reader, writer, log_dir).run()
    return 0


def serve_port(port: int, log_dir: str | None) -> int:
    from .session import Session

    srv = socket.create_server(("127.0.0.1", port))
    print(f"glassgrad dap: listening on 127.0.0.1:{srv.getsockname()[1]}", file=sys.stderr,
          flush=True)

    def serve(conn: socket.socket) -> None:
        with conn:
            rfile, wfile = conn.makefile("rb"), conn.makefile("wb")
            Session(rfile, wfile, log_dir).run()

    try:
        while True:
            conn, _ = srv.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()
    except KeyboardInterrupt:
        return 0
    finally:
        srv.close()


def run(args: argparse.Namespace) -> int:
    if args.log_dir:
        os.makedirs(args.log_dir, exist_ok=True)
    if args.port is not None:
        return serve_port(args.port, args.log_dir)
    return serve_stdio(args.log_dir)


def main(argv: list[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))
