"""gg.record: what ran is what the store holds (ops, edges, tensors, backward, iterations),
sampling, statistics, anomalies, pruning and the GLASSGRAD_* environment."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from rec_helpers import env

import glassgrad as gg
from glassgrad import runs
from glassgrad.recording import AnomalyError, Recorder
from glassgrad.recording.recorder import RecordOptions
from markers import line_of

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _line(marker: str) -> int:
    return line_of(__file__, marker)


def _train(n: int, rec: Recorder | None = None, nan_at: int | None = None) -> list[float]:
    """A loop without optimizer: its iterations end at each backward."""
    gg.manual_seed(0)
    w = gg.randn(3, 2, requires_grad=True)
    x = gg.randn(4, 3)
    losses = []
    for i in range(n):
        if i:  # the update of the previous step opens the iteration (no ops after backward)
            with gg.no_grad():
                w.sub_(0.1 * w.grad)
            w.grad = None
        h = x @ w  # MATMUL-LINE
        if nan_at == i:
            h = h * float("nan")
        loss = (h.tanh() ** 2).mean()  # LOSS-LINE
        loss.backward()
        losses.append(float(loss.detach()))
    return losses


def test_context_manager_records_ops_edges_tensors_backward(tmp_path):
    gg.manual_seed(0)
    a = gg.randn(2, 3, requires_grad=True)
    b = gg.randn(3, 4, requires_grad=True)
    with gg.record(stats="full") as rec:
        c = a @ b  # C-LINE
        d = c.relu()
        loss = d.sum()
        loss.backward()
    assert rec.writer is None and os.path.dirname(rec.path) == os.path.join(".glassgrad", "runs")
    with runs.open_run() as run:
        info = run.info
        assert info.status == "finished" and info.exit_code == 0 and info.dropped == 0
        assert info.stats == "full" and info.schema_version == runs.SCHEMA_VERSION
        ops = run.ops()
        assert [o["op"] for o in ops] == ["matmul", "relu", "sum"]
        assert all(o["has_node"] == 1 and o["file"] == __file__ for o in ops)
        assert ops[0]["line"] == _line("C-LINE") and ops[1]["line"] == _line("C-LINE") + 1
        mm, relu, total = ops
        # edges: matmul's inputs are leaves; relu reads matmul's output; sum reads relu's
        graph = run.graph(0)
        edges = {(e["dst"], e["idx"]): e for e in graph["edges"]}
        assert edges[(mm["seq"], 0)]["src"] is None and edges[(mm["seq"], 1)]["src"] is None
        assert edges[(relu["seq"], 0)]["src"] == mm["seq"]
        assert edges[(total["seq"], 0)]["src"] == relu["seq"]
        assert edges[(relu["seq"], 0)]["tensor"] == mm["output"]
        assert set(graph["leaves"]) == {edges[(mm["seq"], 0)]["tensor"],
                                        edges[(mm["seq"], 1)]["tensor"]}
        # tensors: shapes, dtypes and full statistics of each output
        t = run.tensor(mm["output"])
        assert t["shape"] == (2, 4) and t["dtype"] == "float32" and t["device"] == "cpu"
        cv = c.detach().numpy()
        assert t["min"] == pytest.approx(cv.min()) and t["max"] == pytest.approx(cv.max())
        assert t["mean"] == pytest.approx(cv.mean(), rel=1e-5, abs=1e-6)
        assert t["norm"] == pytest.approx(np.linalg.norm(cv), rel=1e-5)
        assert t["nan"] == 0 and t["inf"] == 0
        # backward: one row per node, newest first, at the forward lines
        bw = run.backward(0)
        assert [r["node"] for r in bw] == [total["seq"], relu["seq"], mm["seq"]]
        assert [r["op"] for r in bw] == ["sum", "relu", "matmul"]
        assert bw[2]["line"] == _line("C-LINE") and len(bw[2]["grad_inputs"]) == 2
        # gradients: of the relu output (relu's grad_output) and of the leaves
        g_relu = run.grad_of(relu["output"])
        assert g_relu["shape"] == (2, 4) and g_relu["max"] == pytest.approx(1.0)
        g_c = run.grad_of(mm["output"])
        np.testing.assert_allclose(g_c["mean"], (cv > 0).mean(), rtol=1e-6)
        leaf_a = edges[(mm["seq"], 0)]["tensor"]
        ga = run.grad_of(leaf_a)
        assert ga["shape"] == (2, 3)
        assert ga["norm"] == pytest.approx(np.linalg.norm(a.grad.numpy()), rel=1e-5)
        # iterations: one, with its loss and counts
        (it,) = run.iterations()
        assert it["loss"] == pytest.approx(float(loss.detach()))
        assert it["n_ops"] == 3 and it["n_backward"] == 3 and it["recorded"] == 1
        assert it["ended"] is not None
        # the source file is stored with its hash; ops_at finds the line's op with its grad
        assert [s["path"] for s in run.sources()] == [__file__]
        assert not run.is_stale(__file__)
        at = run.ops_at(__file__, _line("C-LINE"))
        assert [o["op"] for o in at] == ["matmul"]
        assert at[0]["tensor"]["shape"] == (2, 4) and at[0]["grad"]["shape"] == (2, 4)
        assert at[0]["backward_ns"] > 0
        assert run.top_ops(1)[0]["count"] == 1


def test_decorator_and_explicit_path(tmp_path):
    path = str(tmp_path / "mine.db")

    @gg.record(path)
    def work():
        return (gg.ones(3) * 2).sum()

    assert float(work()) == 6.0
    with runs.Run(path) as run:
        assert [o["op"] for o in run.ops()] == ["mul", "sum"]
        assert all(o["has_node"] == 0 for o in run.ops())
        assert run.info.status == "finished"


def test_failure_inside_record_is_stored_with_line():
    with pytest.raises(ZeroDivisionError):
        with gg.record():
            gg.ones(2) + 1
            raise ZeroDivisionError("division by zero")  # RAISE-LINE
    with runs.open_run() as run:
        info = run.info
        assert info.status == "failed" and info.exit_code == 1
        assert info.error.startswith("ZeroDivisionError")
        (err,) = run.errors()
        assert err["type"] == "ZeroDivisionError"
        assert (err["file"], err["line"]) == (__file__, _line("RAISE-LINE"))
        assert "Traceback" in err["traceback"]


def test_op_error_recorded_once_with_user_line():
    with pytest.raises(gg.OpError):
        with gg.record():
            gg.ones(2, 3) @ gg.ones(2, 3)  # BAD-MATMUL
    with runs.open_run() as run:
        errs = run.errors()
        assert len(errs) == 1, errs
        assert errs[0]["op"] == "matmul" and errs[0]["line"] == _line("BAD-MATMUL")
        assert errs[0]["traceback"]


def test_iterations_and_loss_without_optimizer():
    with gg.record() as rec:
        losses = _train(5, rec)
    with runs.open_run() as run:
        its = run.iterations()
        assert [i["iter"] for i in its] == [0, 1, 2, 3, 4]
        assert [i["loss"] for i in its] == pytest.approx(losses)
        assert all(i["n_backward"] == 4 for i in its)
        assert all(i["ended"] is not None for i in its)
        s = run.summary()
        assert s["iterations"] == 5 and s["first_loss"] == pytest.approx(losses[0])
        assert s["last_loss"] == pytest.approx(losses[-1])
        # every recorded iteration has the same graph shape
        assert {len(run.graph(i)["nodes"]) for i in (1, 2, 3)} == {
            len(run.graph(4)["nodes"])}
        assert run.ops_at(__file__, _line("MATMUL-LINE"), 2)[0]["iter"] == 2


def test_mark_iteration_by_hand():
    with gg.record() as rec:
        for i in range(3):
            gg.ones(2) * i
            rec.mark_iteration(loss=float(i))
    with runs.open_run() as run:
        its = run.iterations()
        assert [i["loss"] for i in its] == [0.0, 1.0, 2.0]
        assert [len(run.ops(i["iter"])) for i in its] == [1, 1, 1]


def test_optimizer_step_ends_iterations_when_optimizers_report_it():
    w = gg.ones(2, requires_grad=True)

    class FakeOpt:  # what optimizers do once they call STATE.observer.step(self)
        param_groups = [{"lr": 0.5}]

    with gg.record() as rec:
        for i in range(3):
            (w * 2).sum().backward()
            if i:  # after the first step, a second backward stays in the same iteration
                (w * 3).sum().backward()
            rec.step(FakeOpt())
    with runs.open_run() as run:
        its = run.iterations()
        assert [i["n_backward"] for i in its] == [2, 4, 4]
        assert [(i["optimizer"], i["lr"]) for i in its] == [("FakeOpt", 0.5)] * 3


@pytest.mark.parametrize("first,every,n,expected", [
    (2, 3, 10, [0, 1, 2, 5, 8]),
    (0, 4, 9, [0, 4, 8]),
    (3, 0, 6, [0, 1, 2]),
])
def test_sampling_record_first_then_every_nth(first, every, n, expected):
    with gg.record(record_first=first, sample_every=every):
        _train(n)
    with runs.open_run() as run:
        its = run.iterations()
        assert len(its) == n and run.recorded_iterations() == expected
        # a recorded iteration counts its ops; the others' ops were never looked at
        assert [i["n_ops"] is not None and i["n_ops"] > 0 for i in its] == \
            [i["iter"] in expected for i in its]
        assert {i["reason"] for i in its if not i["recorded"]} <= {"sampled out"}
        assert sorted({o["iter"] for o in run.ops()}) == expected
        assert sorted({b["iter"] for b in run.backward()}) == expected
        assert all(i["loss"] is not None for i in its)  # summary rows for every iteration


def test_anomaly_in_sampled_out_iteration_is_recorded_and_next_recorded_in_full():
    with gg.record(record_first=1, sample_every=100, stats="none"):
        _train(6, nan_at=3)
    with runs.open_run() as run:
        a = run.anomalies()[0]
        assert a["iter"] == 3 and a["kind"] == "nan" and a["phase"] == "forward"
        assert a["line"] == _line("LOSS-LINE") and a["file"] == __file__
        assert a["op"] == "mean"
        # the NaN poisoned the weights: every later iteration has anomalies and is recorded
        assert run.recorded_iterations() == [0, 1, 4, 5]  # 1 = record_first + 0 * 100
        assert [i["anomalies"] > 0 for i in run.iterations()] == [False] * 3 + [True] * 3
        assert run.tensor(run.ops(4)[0]["output"])["nan"] is not None  # stats forced on


@pytest.mark.parametrize("mode", ["none", "cheap", "full"])
def test_stats_modes(mode):
    with gg.record(stats=mode, stats_every=2):
        _train(4)
    with runs.open_run() as run:
        with_stats = sorted({r["iter"] for r in run.db.execute(
            "SELECT iter FROM tensors WHERE mean IS NOT NULL")})
        assert with_stats == {"none": [], "cheap": [0, 2], "full": [0, 1, 2, 3]}[mode]
        assert run.info.stats == mode


def test_anomaly_rows_with_op_and_forward_line():
    x = gg.tensor([1.0, -1.0], requires_grad=True)
    with gg.record(stats="full"):
        y = x.sqrt()  # SQRT-ANOMALY
        y.sum().backward()
    with runs.open_run() as run:
        an = run.anomalies()
        fwd = [a for a in an if a["phase"] == "forward"]
        bwd = [a for a in an if a["phase"] == "backward"]
        assert fwd[0]["op"] == "sqrt" and fwd[0]["kind"] == "nan" and fwd[0]["count"] == 1
        assert fwd[0]["numel"] == 2
        assert (fwd[0]["file"], fwd[0]["line"]) == (__file__, _line("SQRT-ANOMALY"))
        assert any(a["op"] == "sqrt" and a["line"] == _line("SQRT-ANOMALY") for a in bwd)
        assert "SqrtBackward" in bwd[-1]["message"]
        assert run.iterations()[0]["anomalies"] == len(an)
        assert run.summary()["anomalies"]


def test_anomaly_option_raises_and_is_recorded():
    with pytest.raises(AnomalyError, match="'log'"):
        with gg.record(anomaly=True):
            gg.log(gg.tensor([-1.0]))  # ANOMALY-RAISE
    with runs.open_run() as run:
        assert run.info.status == "failed"
        (a,) = run.anomalies()
        assert a["line"] == _line("ANOMALY-RAISE")
        assert run.errors()[0]["type"] == "AnomalyError"


def test_keep_newest_k_runs(tmp_path):
    paths = []
    for i in range(5):
        with gg.record(keep=3, name=f"r{i}") as rec:
            gg.ones(1) + i
        paths.append(rec.path)
        os.utime(rec.path, (1000 + i, 1000 + i))  # distinct mtimes, oldest first
    left = sorted(os.listdir(os.path.join(".glassgrad", "runs")))
    assert [p for p in left if p.endswith(".db")] == sorted(os.path.basename(p)
                                                            for p in paths[2:])
    assert not [p for p in left if p.endswith(("-wal", "-shm")) and
                p.split(".db")[0] + ".db" not in left]
    assert [r.name for r in runs.list_runs()][0].endswith(f"r4-{os.getpid()}")


def test_options_from_environment(monkeypatch):
    monkeypatch.setenv("GLASSGRAD_STATS", "cheap")
    monkeypatch.setenv("GLASSGRAD_RECORD_FIRST", "7")
    monkeypatch.setenv("GLASSGRAD_SAMPLE_EVERY", "5")
    monkeypatch.setenv("GLASSGRAD_KEEP_RUNS", "4")
    monkeypatch.setenv("GLASSGRAD_DETECT_ANOMALY", "1")
    monkeypatch.setenv("GLASSGRAD_RUN_DIR", "elsewhere")
    opts = RecordOptions.from_env(sample_every=6)
    assert (opts.stats, opts.record_first, opts.sample_every, opts.keep, opts.anomaly,
            opts.root) == ("cheap", 7, 6, 4, True, "elsewhere")
    with pytest.raises(ValueError):
        RecordOptions.from_env(stats="everything")


SCRIPT = """
import glassgrad as gg
w = gg.ones(3, requires_grad=True)
for i in range(4):
    loss = (w * w).sum()  # SCRIPT-LOSS
    loss.backward()
print("trained")
"""


def test_glassgrad_record_env_in_subprocess(tmp_path):
    script = tmp_path / "train_env.py"
    script.write_text(SCRIPT)
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60,
                         env=env(GLASSGRAD_RECORD="1", GLASSGRAD_STATS="full"))
    assert out.returncode == 0, out.stderr
    assert "trained" in out.stdout
    (info,) = runs.list_runs()
    assert info.status == "finished" and info.iterations == 4 and info.stats == "full"
    assert "train_env" in info.name
    with runs.open_run() as run:
        ops = run.ops_at(str(script), 5)
        assert [o["op"] for o in ops] == ["mul", "sum"]


def test_glassgrad_record_env_failing_subprocess(tmp_path):
    script = tmp_path / "boom.py"
    script.write_text("import glassgrad as gg\ngg.ones(2) + 1\nraise ValueError('boom')\n")
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60, env=env(GLASSGRAD_RECORD="1"))
    assert out.returncode == 1 and "ValueError: boom" in out.stderr
    with runs.open_run() as run:
        assert run.info.status == "failed"
        (err,) = run.errors()
        assert (err["file"], err["line"], err["type"]) == (str(script), 3, "ValueError")


def test_nothing_listens_after_record():
    from glassgrad._state import STATE

    with gg.record():
        assert STATE.observer is not None
    assert STATE.observer is None


def test_module_calls_nest_around_their_ops(tmp_path):
    gg.manual_seed(0)
    model = gg.nn.Sequential(gg.nn.Linear(3, 4), gg.nn.ReLU(),
                             gg.nn.Sequential(gg.nn.Linear(4, 2)))
    opt = gg.optim.SGD(model.parameters(), lr=0.1)
    path = str(tmp_path / "modules.db")
    with gg.record(path):
        for _ in range(2):
            loss = model(gg.randn(5, 3)).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
    with runs.Run(path) as run:
        calls = run.modules(0)
        assert [(c["path"], c["type"]) for c in calls] == [
            ("Sequential", "Sequential"), ("Sequential.0", "Linear"),
            ("Sequential.1", "ReLU"), ("Sequential.2", "Sequential"),
            ("Sequential.2.0", "Linear")]
        outer, inner = calls[3], calls[4]
        assert outer["first"] < inner["first"] < inner["last"] < outer["last"]
        for op in run.ops(0):
            owners = [c["path"] for c in calls if c["first"] < op["seq"] < c["last"]]
            assert (owners[-1] if owners else None) == op["module"]
        assert len(run.modules(1)) == 5
