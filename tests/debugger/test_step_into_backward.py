"""Scenario 2: Step Into on ``loss.backward()`` walks the backward frames, then returns."""

from __future__ import annotations

import pytest
from dap_client import MLP, label_line
from oracle import backward_nodes

pytestmark = pytest.mark.slow


def test_step_into_backward_visits_each_node_in_reverse_then_returns(dap):
    backward = label_line(MLP, "backward")
    expected = [(name, line) for name, line, _, _ in backward_nodes(1)[0]]
    loss = label_line(MLP, "loss")
    assert sum(1 for _, line in expected if line == loss) >= 3  # several ops on one line
    assert [line for _, line in expected] == sorted((ln for _, ln in expected), reverse=True)

    dap.start(MLP, ["--steps", "1"], breakpoints={MLP: [{"line": backward}]})
    i, e = dap.next_stop_or_end(0)
    tid = e["body"]["threadId"]
    frame = dap.top_frame(tid)
    assert (frame["name"], frame["line"]) == ("train", backward)
    visited = []
    for _ in range(len(expected) + 3):
        dap.request("stepIn", {"threadId": tid})
        i, e = dap.next_stop_or_end(i + 1)
        assert e["event"] == "stopped" and e["body"]["reason"] == "step"
        frame = dap.top_frame(tid)
        if frame["name"] == "train":
            break
        assert frame["source"]["path"] == MLP  # never inside the runtime
        visited.append((frame["name"], frame["line"]))
    assert visited == expected
    assert frame["name"] == "train" and frame["line"] in (backward, backward + 1)
