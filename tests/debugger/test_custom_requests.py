"""Scenario 6: glassgrad/graph and glassgrad/tensor answer as docs/debugger.md says."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from dap_client import MLP, label_line

pytestmark = pytest.mark.slow


def _stop(dap, label, mode="both", steps=1):
    line = label_line(MLP, label)
    dap.start(MLP, ["--steps", str(steps)], breakpoints={MLP: [{"line": line, "mode": mode}]})
    _, e = dap.next_stop_or_end(0)
    assert e["event"] == "stopped"
    return dap.top_frame(e["body"]["threadId"]), e["body"]["threadId"]


def test_graph_in_backward_marks_the_current_node(dap):
    frame, tid = _stop(dap, "tanh", "backward")
    g = dap.request("glassgrad/graph", {"frameId": frame["id"]})["body"]
    assert g["phase"] == "backward"
    nodes = {n["id"]: n for n in g["nodes"]}
    current = nodes[g["current"]]
    assert (current["op"], current["line"], current["state"]) == ("tanh", frame["line"],
                                                                  "current")
    assert current["outputs"] == [{"shape": [64, 16], "dtype": "float32"}]
    h = next(n for n in g["nodes"] if n["line"] == label_line(MLP, "matmul"))
    assert h["op"] == "matmul" and h["state"] == "pending" and h["file"] == MLP
    assert all(n["state"] == "done" for n in g["nodes"] if n["line"] == label_line(MLP, "loss"))
    leaves = {t["name"]: t for t in g["leaves"]}
    assert leaves["w"]["shape"] == [8, 16] and leaves["w2"]["shape"] == [16, 3]
    ids = set(nodes) | {t["id"] for t in g["leaves"]}
    for e in g["edges"]:
        assert e["from"] in ids and e["to"] in nodes
    assert {"from": leaves["w"]["id"], "to": h["id"], "output": 0, "input": 1,
            "shape": [8, 16], "dtype": "float32"} in g["edges"]
    assert g["roots"] == [g["nodes"][0]["id"]]
    # without a frame id: the first thread's top frame
    assert dap.request("glassgrad/graph", {"threadId": tid})["body"]["current"] == g["current"]


def test_graph_in_forward_reaches_from_the_locals(dap):
    frame, _ = _stop(dap, "backward", "forward")
    g = dap.request("glassgrad/graph", {"frameId": frame["id"]})["body"]
    assert g["phase"] == "forward" and g["current"] is None
    ops = [(n["op"], n["line"]) for n in g["nodes"]]
    assert ops[-1] == ("matmul", label_line(MLP, "matmul"))
    assert ("tanh", label_line(MLP, "tanh")) in ops


def test_tensor_values_json_and_binary_agree(dap):
    frame, _ = _stop(dap, "update", "forward")
    args = {"frameId": frame["id"], "expression": "w"}
    full = dap.request("glassgrad/tensor", {**args, "maxElements": 1000})["body"]
    assert full["shape"] == [8, 16] and full["dtype"] == "float32"
    assert full["count"] == 128 and not full["truncated"] and full["requiresGrad"]
    values = np.array(full["values"], dtype=np.float32).reshape(8, 16)
    part = dap.request("glassgrad/tensor", {**args, "slice": [[1, 3], [0, 16, 4]],
                                            "format": "binary"})["body"]
    assert part["sliceShape"] == [2, 4] and part["encoding"] == "base64"
    got = np.frombuffer(base64.b64decode(part["data"]), "<f4").reshape(2, 4)
    np.testing.assert_array_equal(got, values[1:3, 0:16:4])
    capped = dap.request("glassgrad/tensor", {**args, "maxElements": 5})["body"]
    assert capped["truncated"] and capped["values"] == full["values"][:5]
    assert float(dap.evaluate("float(w[2, 3])", frame["id"])) == pytest.approx(values[2, 3])
    s = full["stats"]
    assert s["min"] == pytest.approx(values.min()) and s["nan"] == 0


def test_tensor_errors_are_error_responses(dap):
    frame, _ = _stop(dap, "update", "forward")
    r = dap.request("glassgrad/tensor", {"frameId": frame["id"], "expression": "step"},
                    check=False)
    assert not r["success"] and "not a tensor" in r["message"]
    r = dap.request("glassgrad/tensor", {"frameId": frame["id"]}, check=False)
    assert not r["success"] and "expression" in r["message"]


def test_live_op_events(dap):
    # events before the adapter connects to the live channel are not replayed: run long enough
    dap.start(MLP, ["--steps", "20000"], liveOps=True)
    _, e = dap.wait_event("glassgrad/op", predicate=lambda e: e["body"]["type"] == "backward")
    assert e["body"]["op"] and e["body"]["file"] == MLP
    _, e = dap.wait_event("glassgrad/op", predicate=lambda e: e["body"]["type"] == "op")
    assert e["body"]["output"]["shape"]
