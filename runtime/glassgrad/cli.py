"""The ``glassgrad`` command: one entry point, one subcommand per job."""

from __future__ import annotations

import argparse
import json
import os
import runpy
import sqlite3
import sys
import time
import traceback
from typing import Any


def examples_dir() -> str:
    """The repository's examples/ folder (next to the source roots of a checkout)."""
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "examples"))


def _demo(args: argparse.Namespace) -> int:
    """Train the digits CNN (examples/cnn_digits.py) and report its test accuracy."""
    script = os.path.join(examples_dir(), "cnn_digits.py")
    if not os.path.exists(script):
        print("glassgrad demo runs examples/cnn_digits.py from a source checkout "
              "(git clone, then pip install -e '.[examples]')", file=sys.stderr)
        return 2
    sys.path.insert(0, os.path.dirname(script))
    try:
        namespace = runpy.run_path(script, run_name="glassgrad_demo")
    except ImportError as e:
        print(f"glassgrad demo: {e} (install the examples extra: pip install -e "
              "'.[examples]')", file=sys.stderr)
        return 2
    acc = namespace["main"](["--epochs", str(args.epochs)])
    return 0 if acc >= 0.97 else 1


def _run(args: argparse.Namespace) -> int:
    """Run a script (or ``-m module``) like ``python`` does, recording it."""
    from .recording.auto import take_over
    from .recording.live import serve_live
    from .recording.recorder import Recorder

    target = args.module or args.script
    if target is None:
        print("glassgrad run: give a script or -m MODULE", file=sys.stderr)
        return 2
    if args.torch:  # before anything imports torch; the environment carries it to children
        from .torch_alias import ENV, install

        os.environ[ENV] = "1"
        install()
    argv = [target, *args.args]
    rec = Recorder(command="glassgrad run " + " ".join(argv), argv=argv, stats=args.stats,
                   anomaly=args.detect_anomaly or None, root=args.root, name=args.name or
                   os.path.splitext(os.path.basename(target))[0])
    rec.start()
    # Python processes the script starts record too, into their own stores in the same folder,
    # linked to this one (run.group_id, run.parent)
    os.environ.update(GLASSGRAD_RECORD="1",
                      GLASSGRAD_RUN_DIR=os.path.abspath(rec.options.root))
    live = take_over()  # GLASSGRAD_RECORD / GLASSGRAD_LIVE in the environment: one of each
    own_live = args.live and live is None
    if own_live:
        live = serve_live(run_path=rec.path)
    elif live is not None:
        live.run_path = rec.path
    if live is not None:
        print(f"glassgrad: live channel at {live.url} (token in {live.info_path})",
              file=sys.stderr)
    old_argv, old_path = sys.argv, list(sys.path)
    sys.argv = argv if args.module is None else [args.module, *args.args]
    if args.script:
        sys.path.insert(0, os.path.dirname(os.path.abspath(args.script)))
    status, code, error = "finished", 0, None
    try:
        if args.module:
            runpy.run_module(args.module, run_name="__main__", alter_sys=True)
        else:  # an absolute path, as python gives __main__ (recorded files are absolute)
            runpy.run_path(os.path.abspath(args.script), run_name="__main__")
    except SystemExit as e:
        if e.code is not None and not isinstance(e.code, int):
            print(e.code, file=sys.stderr)  # sys.exit("message"), as python prints it
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        status = "finished" if code == 0 else "failed"
        error = None if code == 0 else f"SystemExit: {e.code}"
    except KeyboardInterrupt as e:
        rec.record_exception(e)
        status, code, error = "interrupted", 130, "KeyboardInterrupt"
    except BaseException as e:  # the script's own error: record it, print it, fail
        rec.record_exception(e)
        traceback.print_exc()
        status, code, error = "failed", 1, f"{type(e).__name__}: {e}"
    finally:
        rec.stop(status, code, error)
        if own_live:
            live.stop()
        sys.argv, sys.path[:] = old_argv, old_path
    print(f"glassgrad: recorded {rec.path}", file=sys.stderr)
    return code


def _ago(t: float | None) -> str:
    if t is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))


def _runs(args: argparse.Namespace) -> int:
    from .runs import list_runs

    runs = list_runs(args.root)
    # the stores of one program together, parent first
    order = {i.group_id or i.path: n for n, i in reversed(list(enumerate(runs)))}
    runs.sort(key=lambda i: (order[i.group_id or i.path], i.parent is not None, -i.started))
    if args.json:
        print(json.dumps([r.to_dict() for r in runs], indent=2))
        return 0
    if not runs:
        print(f"no runs under {args.root} (record one with: glassgrad run script.py)")
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"runs in {args.root}")
    for col in ("name", "status", "started", "iterations (recorded)", "dropped", "command"):
        table.add_column(col, overflow="fold")
    for r in runs:
        color = {"finished": "green", "failed": "red", "incomplete": "yellow",
                 "interrupted": "yellow"}.get(r.status, "")
        status = r.status + (f" ({r.signal})" if r.signal else "")
        name = r.name if r.parent is None else f"└ {r.name}"  # a child process's store
        table.add_row(name, f"[{color}]{status}[/]" if color else status, _ago(r.started),
                      f"{r.iterations} ({r.recorded_iterations})", str(r.dropped),
                      r.command or "")
    Console().print(table)
    return 0


def _show(args: argparse.Namespace) -> int:
    from .runs import RunStoreError, open_run

    try:
        run = open_run(args.run, args.root)
    except RunStoreError as e:
        print(f"glassgrad show: {e}", file=sys.stderr)
        return 1
    with run:
        try:
            summary = run.summary(args.top)
        except sqlite3.Error as e:  # damaged, or cut short before its tables were written
            print(f"glassgrad show: cannot read {run.path}: {e}", file=sys.stderr)
            return 1
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
        return 0
    _print_summary(summary)
    return 0


def _short(path: str | None) -> str:
    """A path relative to the working directory when it is below it, else its file name."""
    if not path:
        return "?"
    rel = os.path.relpath(path)
    return os.path.basename(path) if rel.startswith("..") else rel


def _print_summary(s: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console(soft_wrap=True)  # never break a file:line across lines (terminals wrap)
    r = s["run"]
    status = r["status"] + (f" by {r['signal']}" if r.get("signal") else "")
    con.print(f"[bold]{r['name']}[/]  {status}  {r['command'] or ''}")
    if r.get("parent"):
        con.print(f"started by {r['parent']} (pid {r['parent_pid']})")
    con.print(f"started {_ago(r['started'])}, ended {_ago(r['ended'])}, "
              f"exit code {r['exit_code']}, stats {r['stats']}")
    loss = ("-" if s["first_loss"] is None else
            f"{s['first_loss']:.4g} -> {s['last_loss']:.4g}")
    reasons = ", ".join(f"{n} {why}" for why, n in sorted(
        s.get("iteration_reasons", {}).items(), key=lambda kv: -kv[1]) if why)
    con.print(f"iterations {s['iterations']} ({s['recorded_iterations']} recorded in full"
              f"{'; ' + reasons if reasons else ''}; sampling {r.get('sampling') or '-'})")
    con.print(f"loss {loss}, ops recorded {s['ops']}, graph nodes {s['graph_nodes']}, rows dropped "
              f"{s['dropped_events']}")
    if r["error"]:
        con.print(f"[red]error: {r['error']}[/]")
    if r.get("writer_error"):
        con.print(f"[red]writer error: {r['writer_error']}[/]")
    table = Table(title="top ops by time (recorded iterations)")
    for col in ("op", "where", "module", "count", "forward ms", "backward ms"):
        table.add_column(col)
    for op in s["top_ops"]:
        where = f"{_short(op['file'])}:{op['line']}"
        table.add_row(op["op"], where, op["module"] or "", str(op["count"]),
                      f"{op['forward_ns'] / 1e6:.3f}", f"{op['backward_ns'] / 1e6:.3f}")
    con.print(table)
    if s.get("top_modules"):
        mods = Table(title="top modules by time (an op counts for its innermost module)")
        for col in ("module", "ops", "forward ms", "backward ms"):
            mods.add_column(col)
        for m in s["top_modules"]:
            mods.add_row(m["module"], str(m["ops"]), f"{m['forward_ns'] / 1e6:.3f}",
                         f"{m['backward_ns'] / 1e6:.3f}")
        con.print(mods)
    for a in s["anomalies"][:10]:
        con.print(f"[yellow]anomaly[/] iteration {a['iter']} {a['phase']}: {a['message']}")
    for e in s["errors"][:10]:
        con.print(f"[red]{e['type']}[/] at {e['file']}:{e['line']}: {e['message']}")


def _lsp(args: argparse.Namespace) -> int:
    from glassgrad_lsp.cli import main as lsp_main

    return lsp_main(args)


def _tui(args: argparse.Namespace) -> int:
    from glassgrad_tui.cli import main as tui_main

    return tui_main(args)


def build_parser() -> argparse.ArgumentParser:
    from .recording.recorder import DEFAULT_ROOT

    parser = argparse.ArgumentParser(
        prog="glassgrad", description="A deep-learning runtime you can see through.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="train a CNN on handwritten digits, report accuracy")
    demo.add_argument("--epochs", type=int, default=20, help="training epochs (default 20)")
    demo.set_defaults(handler=_demo)

    run = sub.add_parser("run", help="run a Python script like `python`, recording it",
                         description="Run a script like `python` does and record it into a "
                                     "run store under .glassgrad/runs/.")
    run.add_argument("-m", dest="module", help="run a module, like python -m")
    run.add_argument("--stats", choices=("none", "cheap", "full"), default=None,
                     help="tensor statistics to record (default none, or GLASSGRAD_STATS)")
    run.add_argument("--detect-anomaly", action="store_true",
                     help="stop at the first NaN/Inf with the op and its forward line")
    run.add_argument("--live", action="store_true", help="serve the live channel on loopback")
    run.add_argument("--torch", action="store_true",
                     help="answer `import torch` with glassgrad: run a PyTorch script unchanged "
                          "(docs/pytorch.md)")
    run.add_argument("--root", default=None, help=f"run store folder (default {DEFAULT_ROOT})")
    run.add_argument("--name", default=None, help="run name (default: the script's name)")
    run.add_argument("script", nargs="?", help="the script to run")
    run.add_argument("args", nargs=argparse.REMAINDER, help="the script's arguments")
    run.set_defaults(handler=_run)

    runs = sub.add_parser("runs", help="list recorded runs")
    runs.add_argument("--root", default=DEFAULT_ROOT)
    runs.add_argument("--json", action="store_true", help="machine-readable output")
    runs.set_defaults(handler=_runs)

    show = sub.add_parser("show", help="summarise a run (the newest by default)")
    show.add_argument("run", nargs="?", help="run name, name prefix or path")
    show.add_argument("--root", default=DEFAULT_ROOT)
    show.add_argument("--top", type=int, default=10, help="how many top ops to list")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=_show)

    tui = sub.add_parser("tui", help="explore a run's autograd graph, or step a live run",
                         description="The terminal UI: open a recorded run (the newest by "
                                     "default) or attach to a live one. See docs/tui.md.")
    from glassgrad_tui.cli import add_arguments as add_tui_arguments

    add_tui_arguments(tui)
    tui.set_defaults(handler=_tui)

    lsp = sub.add_parser("lsp", help="the language server: shapes, statistics and anomalies "
                                     "of the last run, in any LSP editor",
                         description="Serve LSP on stdio (or --tcp): hover, inlay hints, "
                                     "diagnostics and code lenses from recorded runs. See "
                                     "docs/lsp.md.")
    from glassgrad_lsp.cli import add_arguments as add_lsp_arguments

    add_lsp_arguments(lsp)
    lsp.set_defaults(handler=_lsp)

    dap = sub.add_parser("dap", help="the Debug Adapter Protocol server (for editors)",
                         description="Serve DAP on stdio (or --port, --socket): debugpy's "
                                     "adapter plus "
                                     "backward debugging. See docs/debugger.md.")
    from glassgrad_dap.server import add_arguments
    from glassgrad_dap.server import run as run_dap

    add_arguments(dap)
    dap.set_defaults(handler=run_dap)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "run" and args.module is not None and args.script is not None:
        args.args = [args.script, *args.args]
        args.script = None
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
