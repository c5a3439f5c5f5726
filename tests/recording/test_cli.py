"""`glassgrad run / runs / show`: recording a script, exit codes, errors at the user's line,
readable listings and --json for scripts."""

from __future__ import annotations

import json

import pytest
from rec_helpers import glassgrad

from glassgrad import runs

TRAIN = """
import sys
import glassgrad as gg
import glassgrad.nn as nn

steps = int(sys.argv[1])
gg.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
x, y = gg.randn(32, 4), gg.randn(32, 1)
for step in range(steps):
    loss = ((model(x) - y) ** 2).mean()  # LOSS
    for p in model.parameters():
        p.grad = None
    loss.backward()
    with gg.no_grad():
        for p in model.parameters():
            p.sub_(0.05 * p.grad)
print("final", float(loss.detach()))
sys.exit(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
"""


@pytest.fixture()
def script(tmp_path):
    path = tmp_path / "train_mlp.py"
    path.write_text(TRAIN)
    return path


def test_run_records_a_training_script(script, tmp_path):
    out = glassgrad("run", "--stats", "full", "train_mlp.py", "6", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "final" in out.stdout and "glassgrad: recorded" in out.stderr
    (info,) = runs.list_runs()
    assert info.status == "finished" and info.exit_code == 0 and info.stats == "full"
    assert info.argv == ["train_mlp.py", "6"] and info.name.split("-")[2] == "train_mlp"
    with runs.open_run() as run:
        its = run.iterations()
        assert len(its) >= 6
        losses = [i["loss"] for i in its if i["loss"] is not None]
        assert len(losses) == 6 and losses[-1] < losses[0]
        at = run.ops_at(str(script), 11)  # the LOSS line, by its absolute path
        assert {o["op"] for o in at} >= {"tanh", "sub", "pow", "mean"}
        linear = {"matmul", "linear"}  # nn.Linear's op (fused or not)
        assert {o["module"] for o in at if o["op"] in linear} == {"Sequential.0",
                                                                  "Sequential.2"}
        assert run.sources()[0]["path"] == str(script)


def test_exit_code_propagates(script, tmp_path):
    out = glassgrad("run", "train_mlp.py", "2", "3", cwd=tmp_path)
    assert out.returncode == 3
    (info,) = runs.list_runs()
    assert info.status == "failed" and info.exit_code == 3


def test_failing_script_records_error_at_user_line(tmp_path):
    (tmp_path / "bad.py").write_text(
        "import glassgrad as gg\n"
        "a = gg.ones(2, 3, requires_grad=True)\n"
        "b = gg.ones(4, 5)\n"
        "c = a @ b\n")
    out = glassgrad("run", "bad.py", cwd=tmp_path)
    assert out.returncode == 1
    assert "matmul" in out.stderr and "Traceback" in out.stderr
    with runs.open_run() as run:
        assert run.info.status == "failed" and run.info.exit_code == 1
        (err,) = run.errors()
        assert err["op"] == "matmul" and err["line"] == 4
        assert err["file"] == str(tmp_path / "bad.py")
        assert err["traceback"] and err["type"] == "OpError"
    show = glassgrad("show", cwd=tmp_path)
    assert show.returncode == 0 and "bad.py:4" in show.stdout


def test_error_in_backward_names_forward_line(tmp_path):
    (tmp_path / "hook.py").write_text(
        "import glassgrad as gg\n"
        "x = gg.ones(3, requires_grad=True)\n"
        "y = (x * 2).sum()\n"
        "def hook(g):\n"
        "    raise ValueError('bad grad')\n"
        "x.register_hook(hook)\n"
        "y.backward()\n")
    out = glassgrad("run", "hook.py", cwd=tmp_path)
    assert out.returncode == 1 and "bad grad" in out.stderr
    with runs.open_run() as run:
        (err,) = run.errors()
        assert err["type"] == "ValueError" and err["line"] == 5


def test_module_mode_and_missing_target(tmp_path):
    (tmp_path / "pkgmod.py").write_text("import glassgrad as gg\nprint(float(gg.ones(2).sum()))\n")
    out = glassgrad("run", "-m", "pkgmod", cwd=tmp_path, env={"PYTHONPATH": str(tmp_path)})
    assert out.returncode == 0 and "2.0" in out.stdout, out.stderr
    assert glassgrad("run", cwd=tmp_path).returncode == 2


def test_runs_and_show_readable_and_json(script, tmp_path):
    assert glassgrad("runs", cwd=tmp_path).stdout.startswith("no runs")
    assert json.loads(glassgrad("runs", "--json", cwd=tmp_path).stdout) == []
    assert glassgrad("show", cwd=tmp_path).returncode == 1
    for n in ("2", "3"):
        assert glassgrad("run", "--name", f"mlp{n}", "train_mlp.py", n,
                         cwd=tmp_path).returncode == 0
    listing = glassgrad("runs", cwd=tmp_path, env={"COLUMNS": "200"})
    assert listing.returncode == 0
    assert "mlp2" in listing.stdout and "mlp3" in listing.stdout
    assert "finished" in listing.stdout
    data = json.loads(glassgrad("runs", "--json", cwd=tmp_path).stdout)
    assert [d["status"] for d in data] == ["finished", "finished"]
    assert {d["iterations"] for d in data} >= {3}
    names = {d["name"] for d in data}
    assert any("mlp3" in n for n in names)
    show = glassgrad("show", cwd=tmp_path, env={"COLUMNS": "200"})  # the newest
    assert show.returncode == 0
    assert "mlp3" in show.stdout and "top ops" in show.stdout and "tanh" in show.stdout
    summary = json.loads(glassgrad("show", "--json", cwd=tmp_path).stdout)
    assert summary["run"]["name"].split("-")[2] == "mlp3"
    assert summary["iterations"] >= 3 and summary["ops"] > 0 and summary["graph_nodes"] > 0
    assert summary["top_ops"][0]["total_ns"] > 0
    prefix = next(n for n in names if "mlp2" in n)
    by_name = json.loads(glassgrad("show", prefix, "--json", cwd=tmp_path).stdout)
    assert by_name["run"]["name"] == prefix
    path = by_name["run"]["path"]
    assert json.loads(glassgrad("show", path, "--json", cwd=tmp_path).stdout)["run"]["name"] \
        == prefix
    missing = glassgrad("show", "nope", cwd=tmp_path)
    assert missing.returncode == 1 and "no runs match" in missing.stderr
