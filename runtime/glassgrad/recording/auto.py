"""Recording switched on from the environment, for programs started by another launcher
(a debugger, a test runner, ``python -m``): ``GLASSGRAD_RECORD=1`` records the process into a
run store and ``GLASSGRAD_LIVE=1`` serves the live channel, from ``import glassgrad`` on."""

from __future__ import annotations

import atexit
import os
import sys
from typing import Any

_started: dict[str, Any] = {}


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes", "on")


def start_from_env() -> None:
    if os.environ.get("GLASSGRAD_BREAK_ON_NONFINITE"):  # the debugger's NaN/Inf filters
        from .nonfinite import start_from_env as break_from_env

        break_from_env()
    if _started or not (_truthy("GLASSGRAD_RECORD") or _truthy("GLASSGRAD_LIVE")):
        return
    from .live import serve_live
    from .recorder import Recorder

    rec = Recorder().start() if _truthy("GLASSGRAD_RECORD") else None
    live = serve_live(run_path=rec.path if rec else None) if _truthy("GLASSGRAD_LIVE") else None
    _started.update(recorder=rec, live=live)
    previous_hook = sys.excepthook

    def excepthook(tp: type, exc: BaseException, tb: Any) -> None:
        if rec is not None and rec.writer is not None:
            rec.record_exception(exc)
            rec.stop("interrupted" if isinstance(exc, KeyboardInterrupt) else "failed", 1,
                     f"{tp.__name__}: {exc}")
        previous_hook(tp, exc, tb)

    sys.excepthook = excepthook

    @atexit.register
    def _finish() -> None:
        if rec is not None:
            rec.stop()
        if live is not None:
            live.stop()


def take_over() -> Any:
    """For ``glassgrad run``, which records the script itself: a recorder started from the
    environment at import has seen nothing of the script yet, so it is stopped and its store
    removed; a live server started from the environment is handed over (or None)."""
    rec = _started.pop("recorder", None)
    if rec is not None:
        path = rec.path
        rec.stop()
        for suffix in ("", "-wal", "-shm"):
            try:
                os.remove(path + suffix)
            except OSError:
                pass
    return _started.get("live")
