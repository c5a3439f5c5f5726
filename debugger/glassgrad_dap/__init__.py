"""glassgrad's Debug Adapter Protocol server: debugpy's adapter plus backward debugging.

``glassgrad dap`` (or ``python -m glassgrad_dap``) speaks DAP on stdio (or ``--port``) to the
IDE and to a ``python -m debugpy.adapter`` subprocess, passing every message through and
changing only what glassgrad adds: breakpoint modes (forward/backward/both), the NaN/Inf
exception filters, "my code" rules that hide the runtime, and the ``glassgrad/*`` custom
requests and events. See docs/debugger.md.

Layers: :mod:`.server` (command line; stdio, ``--port``, ``--socket``), :mod:`.transport`
(bytes on a socket or pipes), :mod:`.framing` (Content-Length framing with limits),
:mod:`.auth` (the ``--port`` token), :mod:`.runfiles` (private files: connection file,
control files), :mod:`.peer` (one DAP connection), :mod:`.messages` (is it DAP, are the
arguments of the right types), :mod:`.dispatch` (the IDE side: gate, one handler per
command, every request answered), :mod:`.session` (session state and the handlers),
:mod:`.custom` (``glassgrad/graph``, ``glassgrad/tensor``), :mod:`.core` (the DAP-free
translations), :mod:`.probe` (what runs inside the debuggee), :mod:`.logs` (message logs
and diagnostics).
"""

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    from .server import main as _main

    return _main(argv)
