"""Recording a long run keeps memory flat: a tight loop under `glassgrad run`, RSS sampled
after warm-up (the soak benchmark, benchmarks/bench_soak.py, runs it for ten minutes)."""

from __future__ import annotations

import os
import sys
import time

import pytest
from rec_helpers import spawn

TIGHT = """
import glassgrad as gg
w = gg.randn(8, 4, requires_grad=True)
x = gg.randn(16, 8)
while True:
    loss = (x @ w).tanh().mean()
    loss.backward()
    with gg.no_grad():
        w -= 0.01 * w.grad
    w.grad = None
"""


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS:"))


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_recorder_memory_stays_flat_on_a_tight_loop(tmp_path):
    (tmp_path / "tight.py").write_text(TIGHT)
    proc = spawn("-m", "glassgrad.cli", "run", "tight.py", cwd=tmp_path,
                 OPENBLAS_NUM_THREADS="1")
    try:
        time.sleep(8)  # warm-up: imports, the first recorded iterations, caches
        assert proc.poll() is None, proc.stderr.read()
        start = rss_mb(proc.pid)
        samples = []
        for _ in range(6):
            time.sleep(2)
            samples.append(rss_mb(proc.pid))
        # a recorder keeping anything per iteration grows by megabytes a second here
        assert max(samples) - start < 4.0, (start, samples)
    finally:
        proc.kill()
        proc.wait(10)
    assert os.path.exists(tmp_path / ".glassgrad" / "runs")
