"""Scenarios 1 and 3: backward-mode, forward-mode and conditional breakpoints."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from dap_client import MLP, label_line
from oracle import backward_nodes

pytestmark = pytest.mark.slow


def _tensor(dap, frame_id, expression, fmt="binary", **kw):
    body = dap.request("glassgrad/tensor", {"frameId": frame_id, "expression": expression,
                                            "format": fmt, "maxElements": 1_000_000,
                                            **kw})["body"]
    data = np.frombuffer(base64.b64decode(body["data"]), dtype=np.dtype(body["dtype"]))
    return data.reshape(body["sliceShape"])


def test_backward_mode_stops_only_in_backward_with_the_gradient_w_grad_gets(dap):
    matmul, update = label_line(MLP, "matmul"), label_line(MLP, "update")
    dap.start(MLP, ["--steps", "3"],
              breakpoints={MLP: [{"line": matmul, "mode": "backward"},
                                 {"line": update, "mode": "forward"}]})
    after, stops = 0, []
    expected_grad = None
    while True:
        i, e = dap.next_stop_or_end(after)
        after = i + 1
        if e["event"] != "stopped":
            break
        tid = e["body"]["threadId"]
        frame = dap.top_frame(tid)
        stops.append((frame["name"], frame["line"]))
        if frame["line"] == matmul:
            assert frame["name"] == "matmul.backward"
            names = dap.locals_of(frame["id"])
            assert {"grad_output", "ctx", "a", "b"} <= set(names)
            x = _tensor(dap, frame["id"], "a")
            g = _tensor(dap, frame["id"], "grad_output")
            expected_grad = x.T.astype(np.float64) @ g.astype(np.float64)
        else:
            assert frame["line"] == update and frame["name"] == "train"
            w_grad = _tensor(dap, frame["id"], "w.grad")
            np.testing.assert_allclose(w_grad, expected_grad, rtol=1e-5, atol=1e-7)
            expected_grad = None
        dap.request("continue", {"threadId": tid})
    assert stops == [("matmul.backward", matmul), ("train", update)] * 3


def test_forward_mode_never_stops_in_backward(dap):
    tanh = label_line(MLP, "tanh")
    dap.start(MLP, ["--steps", "4"], breakpoints={MLP: [{"line": tanh, "mode": "forward"}]})
    after, names = 0, []
    while True:
        i, e = dap.next_stop_or_end(after)
        after = i + 1
        if e["event"] != "stopped":
            break
        frame = dap.top_frame(e["body"]["threadId"])
        names.append((frame["name"], frame["line"]))
        dap.request("continue", {"threadId": e["body"]["threadId"]})
    assert names == [("train", tanh)] * 4


def test_conditional_backward_breakpoint_stops_only_when_it_holds(dap):
    tanh = label_line(MLP, "tanh")
    steps = 6
    maxima = [g for p in backward_nodes(steps) for (name, line, g, _) in p
              if name == "tanh.backward" and line == tanh]
    assert len(maxima) == steps
    threshold = float(np.median(maxima))
    expected = [m for m in maxima if m > threshold]
    assert 0 < len(expected) < steps
    cond = f"grad_output.abs().max().item() > {threshold!r}"
    dap.start(MLP, ["--steps", str(steps)],
              breakpoints={MLP: [{"line": tanh, "mode": "backward", "condition": cond}]})
    after, seen = 0, []
    while True:
        i, e = dap.next_stop_or_end(after)
        after = i + 1
        if e["event"] != "stopped":
            break
        frame = dap.top_frame(e["body"]["threadId"])
        assert frame["name"] == "tanh.backward"
        seen.append(float(dap.evaluate("grad_output.abs().max().item()", frame["id"])))
        dap.request("continue", {"threadId": e["body"]["threadId"]})
    np.testing.assert_allclose(seen, expected, rtol=1e-6)


def test_backward_mode_hit_count_counts_backward_hits_only(dap):
    matmul = label_line(MLP, "matmul")
    dap.start(MLP, ["--steps", "4"],
              breakpoints={MLP: [{"line": matmul, "mode": "backward", "hitCondition": "3"}]})
    i, e = dap.next_stop_or_end(0)
    assert e["event"] == "stopped"
    frame = dap.top_frame(e["body"]["threadId"])
    assert frame["name"] == "matmul.backward"
    # counting forward hits too would make the third hit the second iteration's forward
    dap.request("continue", {"threadId": e["body"]["threadId"]})
    _, e = dap.next_stop_or_end(i + 1)
    assert e["event"] != "stopped"


def test_backward_mode_log_point_logs_in_backward_only(dap):
    matmul = label_line(MLP, "matmul")
    dap.start(MLP, ["--steps", "2"],
              breakpoints={MLP: [{"line": matmul, "mode": "backward",
                                  "logMessage": "bw {tuple(grad_output.shape)}"}]})
    _, e = dap.next_stop_or_end(0)
    assert e["event"] != "stopped"

    def is_log(ev: dict) -> bool:
        return ev["body"].get("output", "").startswith("bw")

    # output events may trail the end of the program, and debugpy may label a log point's
    # output "stdout" or "console": wait for both iterations' lines, whatever the category
    i, first = dap.wait_event("output", predicate=is_log)
    _, second = dap.wait_event("output", after=i + 1, predicate=is_log)
    logged = [ln for ev in (first, second) for ln in ev["body"]["output"].splitlines()]
    assert logged == ["bw (64, 16)"] * 2
    assert not any(is_log(ev) for ev in dap.events[:i] if ev["event"] == "output")
