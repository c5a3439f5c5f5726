"""SIGTERM, SIGINT and SIGHUP end a recorded run as ``interrupted``, then the program does
what it would have done without glassgrad.

``timeout``, ``kill`` and cluster schedulers end programs with SIGTERM, terminals with SIGINT
and SIGHUP. On each, every watching recorder notes the signal and flushes; then the program's
own handler runs (or Python's KeyboardInterrupt for SIGINT). When the disposition was the
default action (terminate), the records are closed first and the signal is raised again with
the default action, so the exit status is the one the program would have had. Ignored signals
stay ignored.

A program usually installs its handlers after recording began (``glassgrad run`` starts
recording before the script runs). So that glassgrad still sees the signal first, while
watching, ``signal.signal`` and ``signal.getsignal`` are wrapped for these three signals: the
program's handler is kept as the one to call after glassgrad's, and ``getsignal`` returns it.
Handlers are only installed from the main thread, as Python requires.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from typing import Any

HANDLED = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, n))

_original_signal = signal.signal
_original_getsignal = signal.getsignal
_watchers: list[tuple[Callable[[int], None], Callable[[int], None]]] = []
_previous: dict[int, Any] = {}  # the program's handler of each signal glassgrad handles now


def watch(noted: Callable[[int], None], ending: Callable[[int], None]) -> None:
    """Call ``noted(signum)`` when a handled signal arrives, and ``ending(signum)`` when its
    default action is about to end the process."""
    if threading.current_thread() is not threading.main_thread():
        return
    _watchers.append((noted, ending))
    if len(_watchers) == 1:
        for sig in HANDLED:
            prev = _original_getsignal(sig)
            if prev is signal.SIG_IGN or prev is None:  # ignored (nohup), or set outside Python
                continue
            _previous[sig] = prev
            _original_signal(sig, _handle)
        signal.signal, signal.getsignal = _signal, _getsignal


def unwatch(noted: Callable[[int], None]) -> None:
    for i, (n, _) in enumerate(_watchers):
        if n == noted:
            del _watchers[i]
            break
    else:
        return
    if not _watchers:
        _restore()


def _restore() -> None:
    signal.signal, signal.getsignal = _original_signal, _original_getsignal
    if threading.current_thread() is threading.main_thread():
        for sig, prev in _previous.items():
            if _original_getsignal(sig) is _handle:
                _original_signal(sig, prev)
    _previous.clear()


def _signal(signalnum: int, handler: Any) -> Any:
    """``signal.signal`` while watching: the program's handler goes behind glassgrad's."""
    if signalnum in _previous and threading.current_thread() is threading.main_thread():
        old = _previous[signalnum]
        if handler is signal.SIG_IGN:  # the program ignores it from now on: so does glassgrad
            del _previous[signalnum]
            _original_signal(signalnum, handler)
        else:
            if not (callable(handler) or handler is signal.SIG_DFL):
                return _original_signal(signalnum, handler)  # let Python raise its TypeError
            _previous[signalnum] = handler
        return old
    return _original_signal(signalnum, handler)


def _getsignal(signalnum: int) -> Any:
    if signalnum in _previous:
        return _previous[signalnum]
    return _original_getsignal(signalnum)


def _handle(signum: int, frame: Any) -> Any:
    for noted, _ in list(_watchers):
        noted(signum)
    prev = _previous.get(signum, signal.SIG_DFL)
    if callable(prev):
        return prev(signum, frame)
    for _, ending in list(_watchers):
        ending(signum)
    _watchers.clear()
    _restore()
    _original_signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    return None


def name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"
