"""`"torch": true` in launch: an unmodified PyTorch script under the debugger, on glassgrad,
with a backward-mode breakpoint on its own forward line."""

from __future__ import annotations

import json
import os
import sys
import sysconfig

import pytest
from dap_client import REPO, label_line

from glassgrad_dap import core

SCRIPT = os.path.join(REPO, "tests", "compat", "scripts", "torch_mlp.py")


def test_torch_launch_option_becomes_the_environment_variable():
    args = core.launch_arguments({"program": "p.py", "torch": True}, None)
    assert "torch" not in args and args["env"] == {"GLASSGRAD_TORCH": "1"}
    args = core.launch_arguments({"program": "p.py", "torch": False, "env": {"A": "1"}}, None)
    assert "torch" not in args and args["env"] == {"A": "1"}


@pytest.mark.slow
def test_a_pytorch_script_stops_in_the_backward_of_its_own_line(dap):
    if not os.path.exists(os.path.join(sysconfig.get_paths()["purelib"], "glassgrad-torch.pth")):
        if os.environ.get("CI"):
            pytest.fail("glassgrad-torch.pth is not installed (pip install -e . installs it)")
        pytest.skip("glassgrad is not installed in this Python (pip install -e .)")
    fc1 = label_line(SCRIPT, "fc1")
    dap.start(SCRIPT, ["--epochs", "1"], torch=True, python=sys.executable,
              breakpoints={SCRIPT: [{"line": fc1, "mode": "backward", "hitCondition": "1"}]})
    i, e = dap.next_stop_or_end(0)
    assert e["event"] == "stopped", e
    frame = dap.top_frame(e["body"]["threadId"])
    assert (frame["line"], frame["name"]) == (fc1, "relu.backward")
    assert "grad_output" in dap.locals_of(frame["id"])
    dap.request("continue", {"threadId": e["body"]["threadId"]})
    _, e = dap.next_stop_or_end(i + 1)
    assert e["event"] == "exited" and e["body"]["exitCode"] == 0, dap.output("stderr")
    dap.wait_event("terminated")
    assert len(json.loads(dap.output().strip().splitlines()[-1])["losses"]) == 8
