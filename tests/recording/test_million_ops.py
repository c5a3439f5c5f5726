"""A run of a million ops records and reads back."""

from __future__ import annotations

import time

import pytest

import glassgrad as gg
from glassgrad import runs

N = 1_000_000


@pytest.mark.slow
def test_a_million_ops_record_and_read_back():
    x = gg.ones(2)
    t0 = time.monotonic()
    # one long iteration, recorded in full; the buffer is large enough that nothing drops
    with gg.record("million.db", record_first=N, buffer=4 * N):
        for _ in range(N):
            x + 1.0
    recorded = time.monotonic() - t0
    with runs.Run("million.db") as run:
        info = run.info
        assert info.status == "finished" and info.dropped == 0
        assert run.db.execute("SELECT COUNT(*) FROM ops").fetchone()[0] == N
        assert run.summary()["ops"] == N
        (it,) = run.iterations()
        assert it["n_ops"] == N and it["recorded"] == 1
        last = run.db.execute(
            "SELECT * FROM ops ORDER BY seq DESC LIMIT 1").fetchone()
        assert last["op"] == "add" and last["file"] == __file__
        assert run.db.execute("SELECT COUNT(*) FROM edges").fetchone()[0] == N
        t1 = time.monotonic()  # the (file, line) index answers quickly at this size
        assert run.db.execute("SELECT COUNT(*) FROM ops WHERE file = ? AND line = ?",
                              (__file__, last["line"])).fetchone()[0] == N
        assert run.ops(0, limit=5)[0]["iter"] == 0
        assert time.monotonic() - t1 < 10
    assert recorded < 120, f"recording {N} ops took {recorded:.0f}s"
