"""Scenario 5: the NaN/Inf exception filters stop in the frame of the op that made it."""

from __future__ import annotations

import pytest
from dap_client import NAN, label_line

pytestmark = pytest.mark.slow


def test_initialize_advertises_modes_and_filters(dap):
    body = dap.request("initialize", {"adapterID": "glassgrad"})["body"]
    assert [m["mode"] for m in body["breakpointModes"]] == ["both", "forward", "backward"]
    filters = {f["filter"]: f["label"] for f in body["exceptionBreakpointFilters"]}
    assert filters["glassgrad-nonfinite-forward"] == "NaN/Inf in forward"
    assert filters["glassgrad-nonfinite-backward"] == "NaN/Inf in gradients"
    assert "raised" in filters and "uncaught" in filters  # debugpy's own stay


def test_nan_in_gradients_stops_in_the_backward_frame_of_sqrt(dap):
    sqrt = label_line(NAN, "sqrt")
    dap.start(NAN, ["backward"], exception_filters=["glassgrad-nonfinite-backward", "uncaught"])
    i, e = dap.next_stop_or_end(0)
    assert e["event"] == "stopped" and e["body"]["reason"] == "exception"
    text = e["body"]["description"]
    assert "NaN/Inf in gradients" in text and "sqrt" in text and "1 of 4" in text
    tid = e["body"]["threadId"]
    frame = dap.top_frame(tid)
    assert (frame["name"], frame["line"], frame["source"]["path"]) == ("sqrt.backward", sqrt,
                                                                       NAN)
    names = dap.locals_of(frame["id"])
    assert {"ctx", "grad_output", "grad_input"} <= set(names)
    assert dap.evaluate("__name__", frame["id"]) == "'__glassgrad_backward__'"
    info = dap.request("exceptionInfo", {"threadId": tid})["body"]
    assert info["exceptionId"].endswith("NonFiniteError")
    dap.request("continue", {"threadId": tid})
    _, e = dap.next_stop_or_end(i + 1)
    assert e["event"] != "stopped"  # the program runs on, as it would without the debugger
    assert "done" in dap.output()


def test_nan_in_forward_stops_at_the_log_line(dap):
    log = label_line(NAN, "log")
    dap.start(NAN, ["forward"], exception_filters=["glassgrad-nonfinite-forward"])
    i, e = dap.next_stop_or_end(0)
    assert e["event"] == "stopped" and e["body"]["reason"] == "exception"
    text = e["body"]["description"]
    assert "NaN/Inf in forward" in text and "'log'" in text and "1 of 3" in text
    frames = dap.frames(e["body"]["threadId"])
    assert (frames[0]["name"], frames[0]["line"]) == ("log.forward", log)
    assert (frames[1]["name"], frames[1]["line"]) == ("forward_nan", log)
    dap.request("continue", {"threadId": e["body"]["threadId"]})
    _, e = dap.next_stop_or_end(i + 1)
    assert e["event"] != "stopped"


def test_without_the_filters_nothing_stops(dap):
    dap.start(NAN, ["backward"], exception_filters=["uncaught"])
    _, e = dap.next_stop_or_end(0)
    assert e["event"] != "stopped"
