"""glassgrad's Debug Adapter Protocol server: debugpy's adapter plus backward debugging.

``glassgrad dap`` (or ``python -m glassgrad_dap``) speaks DAP on stdio (or ``--port``) to the
IDE and to a ``python -m debugpy.adapter`` subprocess, passing every message through and
changing only what glassgrad adds: breakpoint modes (forward/backward/both), the NaN/Inf
exception filters, "my code" rules that hide the runtime, and the ``glassgrad/*`` custom
requests and events. See docs/debugger.md.

Layers: :mod:`.framing` (Content-Length framing), :mod:`.peer` (one DAP connection),
:mod:`.core` (the DAP-free translations), :mod:`.session` (handlers named after DAP commands),
:mod:`.probe` (what runs inside the debuggee), :mod:`.server` (command line, stdio/TCP).
"""

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    from .server import main as _main

    return _main(argv)
