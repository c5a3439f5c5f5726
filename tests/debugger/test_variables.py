"""Scenario 4: tensors and modules in the Variables view, over the real protocol (the pydevd
plugin in debugger/pydevd_plugins/ runs inside the real debuggee)."""

from __future__ import annotations

import base64
import os
import time

import numpy as np
import pytest
from dap_client import EXAMPLES, MLP, label_line

pytestmark = pytest.mark.slow

VARIABLES = os.path.join(EXAMPLES, "debug_variables.py")
TENSOR_CHILDREN = ["shape", "dtype", "device", "requires_grad", "grad", "grad_fn", "statistics",
                   "values"]


def _children(dap, variable):
    assert variable["variablesReference"] > 0, variable
    body = dap.request("variables", {"variablesReference": variable["variablesReference"]})
    return {v["name"]: v for v in body["body"]["variables"]}


def _stop(dap, program, label, **launch):
    line = label_line(program, label)
    dap.start(program, breakpoints={program: [{"line": line, "mode": "forward"}]}, **launch)
    _, e = dap.wait_event("stopped")
    frame = dap.top_frame(e["body"]["threadId"])
    assert frame["line"] == line
    return e["body"]["threadId"], frame


def _values(dap, frame_id, expression):
    body = dap.request("glassgrad/tensor", {"frameId": frame_id, "expression": expression,
                                            "format": "binary",
                                            "maxElements": 1_000_000})["body"]
    data = np.frombuffer(base64.b64decode(body["data"]), dtype=np.dtype(body["dtype"]))
    return data.reshape(body["sliceShape"])


def test_tensor_summary_and_children_in_the_mlp(dap):
    tid, frame = _stop(dap, MLP, "after_backward", args=["--steps", "2"])
    local = dap.locals_of(frame["id"])
    w, h = local["w"], local["h"]
    assert w["type"] == "Tensor"
    assert w["value"].startswith("Tensor (8, 16) float32 cpu · μ ")
    assert w["value"].endswith(" · grad ✓")
    assert w["__vscodeVariableMenuContext"] == "glassgrad.tensor"
    assert h["value"].startswith("Tensor (64, 16) float32 cpu · μ ")
    assert h["value"].endswith(" · MatmulBackward")
    assert local["loss"]["value"].startswith("Tensor () float32 cpu · = ")
    assert "__vscodeVariableMenuContext" not in local["step"]

    kids = _children(dap, w)
    assert list(kids) == TENSOR_CHILDREN
    assert kids["shape"]["value"] == "(8, 16)"
    assert kids["dtype"]["value"] == "glassgrad.float32"
    assert "cpu" in kids["device"]["value"]
    assert kids["requires_grad"]["value"] == "True"
    assert kids["grad"]["value"].startswith("Tensor (8, 16) float32 cpu · μ ")
    assert kids["grad"]["evaluateName"] == "w.grad"
    assert kids["grad_fn"]["value"] == "None"
    assert kids["values"]["type"] == "ndarray"
    assert kids["values"]["evaluateName"] == "w.detach().cpu().numpy()"
    assert dap.evaluate("type(w.detach().cpu().numpy()).__name__", frame["id"]) == "'ndarray'"

    stats = _children(dap, kids["statistics"])
    w_values = _values(dap, frame["id"], "w").astype(np.float64)
    assert float(stats["mean"]["value"]) == pytest.approx(w_values.mean(), rel=1e-4)
    assert float(stats["std"]["value"]) == pytest.approx(w_values.std(), rel=1e-4)
    assert float(stats["min"]["value"]) == pytest.approx(w_values.min(), rel=1e-6)
    assert stats["NaN count"]["value"] == "0" and stats["Inf count"]["value"] == "0"
    assert stats["elements"]["value"] == "128"

    h_kids = _children(dap, h)
    matmul = label_line(MLP, "matmul")
    assert h_kids["grad_fn"]["value"] == f"MatmulBackward at debug_mlp.py:{matmul}"
    assert h_kids["grad"]["value"] == "None"


def test_module_parameters_big_and_nonfinite_tensors(dap):
    tid, frame = _stop(dap, VARIABLES, "inspect")
    t0 = time.perf_counter()
    local = dap.locals_of(frame["id"])
    listing = time.perf_counter() - t0

    big = local["big"]
    assert big["value"] == "Tensor (4000, 4000) float32 cpu · statistics on expand"
    assert listing < 5.0, f"listing locals with a 4000x4000 tensor took {listing:.1f}s"
    big_kids = _children(dap, big)
    assert big_kids["statistics"]["value"] == "expand to compute (16,000,000 elements)"
    t0 = time.perf_counter()
    big_stats = _children(dap, big_kids["statistics"])
    assert time.perf_counter() - t0 < 10.0
    assert big_stats["elements"]["value"] == "16000000"
    assert abs(float(big_stats["mean"]["value"])) < 0.01
    assert float(big_stats["std"]["value"]) == pytest.approx(1.0, abs=0.01)

    bad = local["bad"]
    assert bad["value"] == "Tensor (5) float32 cpu · μ 1.5 σ 0.5 · 2 NaN 1 Inf"
    bad_stats = _children(dap, _children(dap, bad)["statistics"])
    assert bad_stats["NaN count"]["value"] == "2" and bad_stats["Inf count"]["value"] == "1"
    assert bad_stats["mean"]["value"] == "1.5"

    model = _children(dap, local["model"])
    assert "__vscodeVariableMenuContext" not in local["model"]
    params = model["parameters"]
    assert params["value"] == "4 parameters, 195 elements"
    group = _children(dap, params)
    assert list(group) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    weight = group["0.weight"]
    assert weight["type"] == "Parameter"
    assert weight["value"].startswith("Parameter (16, 8) float32 cpu · μ ")
    assert weight["value"].endswith(" · grad ✓")
    assert weight["__vscodeVariableMenuContext"] == "glassgrad.tensor"
    assert weight["evaluateName"] == "dict(model.named_parameters())['0.weight']"
    assert dap.evaluate(f"{weight['evaluateName']} is model[0].weight", frame["id"]) == "True"
