"""Which iterations the recorder keeps in full, decided before the iteration's first event.

A recorded iteration stores every op, edge, tensor and backward node; any other iteration
stores one summary row (loss, counts, time). The decision is made when an iteration begins, on
the training thread, so an iteration that is not recorded builds no rows at all.

Two policies:

- ``every N`` (the user set ``sample_every``): the first ``record_first`` iterations, then
  every N-th. Rows the writer cannot take are dropped and counted: the user asked for them.
- ``auto`` (the default): the first ``record_first`` iterations, then an interval that widens
  so that (a) the recorder's own time stays within ``budget`` of the run's time, (b) the store
  grows by at most ``ROWS_PER_SECOND`` rows per second of run time, and (c) older parts of a
  long run are kept ever more sparsely (at least one iteration in ``AGE_FRACTION`` of the
  iterations so far lies between two recorded ones). While the writer has a backlog, nothing
  new is recorded. Defaults therefore never drop rows.

An iteration right after one with an anomaly (NaN/Inf) is always recorded.
"""

from __future__ import annotations

import math
from collections.abc import Callable

# (recorded, reason) of an iteration, as stored in iterations.recorded and .reason
FIRST, ANOMALY, INTERVAL, AUTO = ((True, r) for r in ("first", "anomaly", "interval", "auto"))
SAMPLED_OUT, BACKLOG = (False, "sampled out"), (False, "backlog")
ROWS_PER_SECOND = 5_000
AGE_FRACTION = 100
_EMA = 0.2  # weight of the newest measurement in the running averages


class Sampler:
    """Decides per iteration whether it is recorded, and learns what recording costs."""

    def __init__(self, record_first: int = 10, sample_every: int | None = None,
                 budget: float = 0.02) -> None:
        self.record_first = max(int(record_first), 0)
        self.sample_every = sample_every
        self.budget = max(float(budget), 1e-6)
        self.next_at = self.record_first  # auto: the next iteration to record
        self.last_recorded = -1
        self._cost = None    # running average: recorder's own seconds per recorded iteration
        self._rows = None    # rows per recorded iteration
        self._wall = None    # seconds per iteration without the recorder's own time

    @property
    def policy(self) -> str:
        return "auto" if self.sample_every is None else f"every {self.sample_every}"

    def decide(self, index: int, forced: bool = False,
               backlogged: Callable[[], bool] = bool) -> tuple[bool, str]:
        """Whether iteration ``index`` is recorded, and why (or why not): one of the
        module's constants. ``backlogged()`` tells whether the writer is behind (asked only
        when it matters)."""
        if index < self.record_first:
            return FIRST
        if forced:
            return ANOMALY
        every = self.sample_every
        if every is not None:
            return INTERVAL if every > 0 and (index - self.record_first) % every == 0 \
                else SAMPLED_OUT
        if index < self.next_at:
            return SAMPLED_OUT
        if backlogged():
            return BACKLOG
        return AUTO

    def plain(self, wall: float) -> None:
        """Learn the time of an iteration the recorder did not look into."""
        w = self._wall
        self._wall = wall if w is None else w + _EMA * (wall - w)

    def finished(self, index: int, recorded: bool, wall: float, own: float, rows: int) -> None:
        """Learn from an iteration that ended: its wall time, the recorder's own time in it
        and the rows it queued."""
        if recorded and self._wall is not None:
            # what recording cost is what the iteration took beyond a plain one (garbage
            # collection and caches included), or what the recorder measured, if more
            own = max(own, wall - self._wall)
        plain = max(wall - own, 1e-9)
        self._wall = plain if self._wall is None else self._wall + _EMA * (plain - self._wall)
        if not recorded:
            return
        self.last_recorded = index
        self._cost = own if self._cost is None else self._cost + _EMA * (own - self._cost)
        self._rows = rows if self._rows is None else self._rows + _EMA * (rows - self._rows)
        if self.sample_every is None and index >= self.record_first - 1:
            self.next_at = index + self.gap(index)

    def gap(self, index: int) -> int:
        """Iterations from one recorded iteration to the next under the auto policy."""
        wall = self._wall or 1e-9
        by_time = (self._cost or 0.0) / (self.budget * wall)
        by_disk = (self._rows or 0.0) / (ROWS_PER_SECOND * wall)
        by_age = index / AGE_FRACTION
        return max(1, math.ceil(max(by_time, by_disk, by_age)))
