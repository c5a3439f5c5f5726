"""What DDP found wrong across the ranks: on stderr (rank 0) and in every rank's run store."""

from __future__ import annotations

import sys
from typing import Any

from ...distributed import _record


def nonfinite(ddp: Any, bad: list[str]) -> None:
    g = ddp._group
    msg = (f"NaN/Inf in local gradients before DDP's all-reduce (iteration {ddp.iteration - 1}): "
           + "; ".join(bad) + ". The average spreads it to every rank.")
    if g.rank == 0:
        print(f"glassgrad.distributed: {msg}", file=sys.stderr, flush=True)
    _record.anomaly("ddp_all_reduce", msg, kind="nan")


def divergence(ddp: Any, diffs: list[str]) -> None:
    from .distributed import ReplicaDivergenceError

    g = ddp._group
    msg = (f"replicas differ at iteration {ddp.iteration}: " + "; ".join(diffs[:10]) +
           (f" (and {len(diffs) - 10} more)" if len(diffs) > 10 else ""))
    _record.anomaly("ddp_check_replicas", msg, kind="divergence")
    if ddp.on_divergence == "raise":
        raise ReplicaDivergenceError(msg)
    if g.rank == 0:
        print(f"glassgrad.distributed: {msg}", file=sys.stderr, flush=True)
