"""``glassgrad lsp``'s arguments: stdio by default, ``--tcp`` for a loopback port."""

from __future__ import annotations

import argparse
import logging
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tcp", action="store_true", help="serve on a loopback TCP port "
                        "(token in a connection file) instead of stdio")
    parser.add_argument("--port", type=int, default=0, help="the TCP port (0: a free one)")
    parser.add_argument("--auth-timeout", type=_seconds, default=10.0, metavar="SECONDS",
                        help="TCP: close a connection that has not sent 'initialize' with the "
                        "token within this time (default 10)")
    parser.add_argument("--log-file", default=None, help="log the server's work here")


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 < value < 3600:
        raise argparse.ArgumentTypeError(f"{text}: between 0 and 3600 seconds")
    return value


def main(args: argparse.Namespace) -> int:
    from .server import build_server
    from .transport import serve_stdio, serve_tcp

    where = {"filename": args.log_file} if args.log_file else {"stream": sys.stderr}
    logging.basicConfig(level=logging.INFO if args.log_file else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s", **where)
    server = build_server()
    if args.tcp:
        server.allow_commands = False
        serve_tcp(server, args.port, auth_timeout=args.auth_timeout)
    else:
        serve_stdio(server)
    return 0
