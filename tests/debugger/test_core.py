"""The DAP-free translations (no processes)."""

from __future__ import annotations

import os

from glassgrad_dap import core


def test_modes_become_conditions():
    args = core.set_breakpoints_arguments(
        {"source": {"path": "/a.py"}, "breakpoints": [
            {"line": 3, "mode": "backward", "condition": "x > 1", "hitCondition": ">= 2"},
            {"line": 4, "mode": "forward"}, {"line": 5, "condition": "y"},
            {"line": 6, "mode": "both", "hitCondition": "3"}]}, 7)
    b = args["breakpoints"]
    assert b[0]["condition"].startswith("__name__ == '__glassgrad_backward__' and (x > 1) and ")
    assert "hit('7:/a.py:3:backward', '>= 2')" in b[0]["condition"]
    assert "hitCondition" not in b[0] and "mode" not in b[0]
    assert b[1]["condition"] == "__name__ != '__glassgrad_backward__'"
    assert b[2] == {"line": 5, "condition": "y"}
    assert b[3] == {"line": 6, "hitCondition": "3"}


def test_exception_filters_split():
    args, phases = core.split_exception_filters({"filters": ["uncaught"]})
    assert phases == [] and args == {"filters": ["uncaught"]}
    args, phases = core.split_exception_filters(
        {"filters": ["raised", core.FILTER_BACKWARD, core.FILTER_FORWARD]})
    assert phases == ["backward", "forward"] and args["filters"] == ["raised"]
    paths = [(o["path"][-1]["names"], o["breakMode"]) for o in args["exceptionOptions"]]
    assert paths == [(["Python Exceptions"], "always"), ([core.NONFINITE_ERROR], "always")]


def test_launch_arguments_exclude_the_runtime_by_path():
    args = core.launch_arguments({"program": "p.py", "record": True, "rules": [
        {"module": "x", "include": True}]}, "/tmp/ctl")
    assert args["rules"][0] == {"module": "x", "include": True}
    assert all("path" in r and r["include"] is False for r in args["rules"][1:])
    env = {k: v for k, v in args["env"].items() if k != "PYTHONPATH"}
    assert env == {"GLASSGRAD_RECORD": "1", core.NONFINITE_ENV: "/tmp/ctl"}


def test_plugin_folder_goes_first_on_the_debuggees_python_path(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", "/inherited")
    folder = core.plugin_dir()
    assert folder is not None and os.path.isdir(os.path.join(folder, "pydevd_plugins"))
    env = core.launch_arguments({"program": "a.py"}, "/tmp/control")["env"]
    assert env["PYTHONPATH"] == os.pathsep.join([folder, "/inherited"])
    env = core.launch_arguments({"program": "a.py", "env": {"PYTHONPATH": "/mine"}},
                                "/tmp/control")["env"]
    assert env["PYTHONPATH"] == os.pathsep.join([folder, "/mine"])
    assert "env" not in core.launch_arguments({"processId": 1}, None)  # attach: untouched
    assert core.with_python_path({"PYTHONPATH": "/x"}, "/x", None) == {"PYTHONPATH": "/x"}
    assert core.with_python_path({}, None, "/y") == {}


def test_tensor_variables_are_tagged_for_the_context_menu():
    body = {"variables": [
        {"name": "w", "value": "Tensor (8, 16) float32 cpu · μ 0.01 σ 1 · grad ✓",
         "type": "Tensor", "variablesReference": 3},
        {"name": "p", "value": "Parameter (3) float64 cuda:0 · statistics on expand",
         "type": "Parameter", "variablesReference": 4},
        {"name": "l", "value": "Tensor () float32 cpu", "variablesReference": 5},
        {"name": "t", "value": "tensor([1., 2.])", "type": "Tensor", "variablesReference": 6},
        {"name": "s", "value": "'Tensor (8) float32 cpu'", "type": "str",
         "variablesReference": 0},
        {"name": "n", "value": "3", "type": "int", "variablesReference": 0}]}
    out = core.tag_tensor_variables(body)["variables"]
    tagged = [v["name"] for v in out if v.get("__vscodeVariableMenuContext") ==
              core.TENSOR_MENU_CONTEXT]
    assert tagged == ["w", "p", "l"]
    assert core.tag_tensor_variables(None) is None
    assert core.tag_tensor_variables({"variables": None}) == {"variables": None}
