"""Scenario 7: training under the debugger reaches the same loss as without it."""

from __future__ import annotations

import pytest
from dap_client import MLP, label_line
from oracle import plain_output

pytestmark = pytest.mark.slow


def _final(text: str) -> str:
    return next(ln for ln in text.splitlines() if ln.startswith("final loss"))


def test_same_final_loss_with_and_without_the_debugger(dap):
    plain = _final(plain_output("debug_mlp.py", "--steps", "20"))
    matmul = label_line(MLP, "matmul")
    dap.start(MLP, ["--steps", "20"], breakpoints={MLP: [{"line": matmul, "mode": "backward",
                                                          "hitCondition": "5"}]},
              exception_filters=["glassgrad-nonfinite-forward",
                                 "glassgrad-nonfinite-backward"])
    i, e = dap.next_stop_or_end(0)
    assert e["event"] == "stopped"
    dap.request("continue", {"threadId": e["body"]["threadId"]})
    _, e = dap.next_stop_or_end(i + 1)
    assert e["event"] == "exited" and e["body"]["exitCode"] == 0
    dap.wait_event("terminated")
    assert _final(dap.output()) == plain
