"""The ``glassgrad`` command: one entry point, one subcommand per job."""

from __future__ import annotations

import argparse
import sys


def _demo(args: argparse.Namespace) -> int:
    from .demo import train

    acc = train(steps=args.steps)
    return 0 if acc > 0.5 else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glassgrad", description="A deep-learning runtime you can see through.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser("demo", help="train a small model and report its accuracy")
    demo.add_argument("--steps", type=int, default=400, help="optimizer steps (default 400)")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
