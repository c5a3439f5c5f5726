"""The distributed layer's findings in the run store of each rank (when the rank records)."""

from __future__ import annotations

import time
from typing import Any


def _active() -> list[Any]:
    from ..recording.recorder import _recorders

    return [r for r in list(_recorders) if r.writer is not None]


def attach(group: Any) -> None:
    """Called by init_process_group."""


def anomaly(op: str, message: str, kind: str = "nan", site: Any = None) -> None:
    """One ``anomalies`` row (phase ``distributed``) in every active recorder's store."""
    file, line, func = site if site is not None else (None, None, None)
    for rec in _active():
        it = rec._it
        if it is not None:
            it.anomalies += 1
        rec.writer.put_wait("anomalies", (None, rec.iteration, "distributed", kind, op, None,
                                          file, line, func, None, None, None, None, message,
                                          time.time()))
