"""``glassgrad tui``'s arguments; the app (and Textual) is imported only when it runs."""

from __future__ import annotations

import argparse

from glassgrad.recording.files import DEFAULT_ROOT


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", nargs="?", help="run name, name prefix or path (default: the "
                                               "newest run of the folder)")
    parser.add_argument("--root", default=DEFAULT_ROOT,
                        help=f"runs folder (default {DEFAULT_ROOT})")
    parser.add_argument("--attach", nargs="?", type=int, const=True, default=None,
                        metavar="PID", help="attach to a running program through its live "
                                            "channel (the newest when PID is not given)")


def main(args: argparse.Namespace) -> int:
    from .app import build_app

    build_app(args.run, args.root, args.attach).run()
    return 0
