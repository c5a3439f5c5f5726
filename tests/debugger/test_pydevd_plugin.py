"""The Variables view plugin's pure formatting and its children, without a debugger
(debugger/pydevd_plugins/extensions/pydevd_plugin_glassgrad.py)."""

from __future__ import annotations

import importlib.util
import math
import os
import sys

import numpy as np
import pytest

import glassgrad as gg

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLUGIN = os.path.join(REPO, "debugger", "pydevd_plugins", "extensions",
                      "pydevd_plugin_glassgrad.py")


@pytest.fixture(scope="module")
def plugin():
    spec = importlib.util.spec_from_file_location("pydevd_plugin_glassgrad", PLUGIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_plugin_is_named_for_pydevds_extension_manager():
    # pydevd imports only modules named pydevd_plugin* under pydevd_plugins.extensions
    assert os.path.basename(PLUGIN).startswith("pydevd_plugin")
    for pkg in ("pydevd_plugins", "pydevd_plugins/extensions"):
        with open(os.path.join(REPO, "debugger", pkg, "__init__.py")) as f:
            assert "extend_path" in f.read()


def test_numbers_and_shapes(plugin):
    assert plugin.fmt_number(0.012345) == "0.0123"
    assert plugin.fmt_number(0.98) == "0.98"
    assert plugin.fmt_number(-1500.0) == "-1.5e+03"
    assert plugin.fmt_number(float("nan")) == "nan"
    assert plugin.fmt_number(float("-inf")) == "-inf"
    assert plugin.fmt_number(None) == "—"
    assert plugin.fmt_number(3) == "3"
    assert plugin.fmt_shape((64, 256)) == "(64, 256)"
    assert plugin.fmt_shape((3,)) == "(3)"
    assert plugin.fmt_shape(()) == "()"


def test_summary_line(plugin):
    stats = (-1.0, 1.0, 0.012, 0.98, 5.0, 0, 0)
    assert plugin.summary("Tensor", (64, 256), "float32", "cpu", numel=64 * 256, stats=stats,
                          requires_grad=True, has_grad=True) == \
        "Tensor (64, 256) float32 cpu · μ 0.012 σ 0.98 · grad ✓"
    assert plugin.summary("Tensor", (8, 16), "float32", "cpu", numel=128, stats=stats,
                          requires_grad=True) == \
        "Tensor (8, 16) float32 cpu · μ 0.012 σ 0.98 · requires_grad"
    assert plugin.summary("Tensor", (64, 16), "float32", "cuda:0", numel=1024, stats=stats,
                          grad_fn="MatmulBackward", requires_grad=True) == \
        "Tensor (64, 16) float32 cuda:0 · μ 0.012 σ 0.98 · MatmulBackward"
    assert plugin.summary("Tensor", (4000, 4000), "float32", "cpu", numel=16_000_000) == \
        "Tensor (4000, 4000) float32 cpu · statistics on expand"
    assert plugin.summary("Tensor", (), "float32", "cpu", numel=1, value=0.6931) == \
        "Tensor () float32 cpu · = 0.693"
    assert plugin.summary("Tensor", (0, 3), "int64", "cpu", numel=0) == \
        "Tensor (0, 3) int64 cpu · empty"
    bad = (1.0, 2.0, 1.5, 0.5, 2.2, 2, 1)
    assert plugin.summary("Parameter", (5,), "float32", "cpu", numel=5, stats=bad) == \
        "Parameter (5) float32 cpu · μ 1.5 σ 0.5 · 2 NaN 1 Inf"
    all_bad = (None, None, None, None, None, 4, 0)
    assert plugin.fmt_stats(all_bad) == "4 NaN"


def test_grad_fn_label(plugin):
    assert plugin.grad_fn_label("MatmulBackward", ("/src/train.py", 12, "step")) == \
        "MatmulBackward at train.py:12"
    assert plugin.grad_fn_label("MulBackward", None) == "MulBackward at <unknown>"


@pytest.mark.parametrize("shape", [(4000, 4000), (1, 100_000_000), (10, 3, 500_000), (7,),
                                   (2_000_001,)])
def test_sample_index_keeps_about_the_limit(plugin, shape):
    limit = 1 << 20
    index = plugin.sample_index(shape, limit)
    kept = math.prod(len(range(*s.indices(n))) for s, n in zip(index, shape))
    total = math.prod(shape)
    assert kept <= max(limit, total) and (kept >= limit // 4 or kept == total)


def test_stats_rows(plugin):
    stats = (-1.0, 1.0, 0.0, 0.5, 3.0, 2, 1)
    rows = dict(plugin.stats_rows(stats, 100))
    assert list(rows) == ["min", "max", "mean", "std", "norm", "NaN count", "Inf count",
                          "elements"]
    assert rows["NaN count"] == 2 and rows["Inf count"] == 1 and rows["elements"] == 100
    sampled = dict(plugin.stats_rows(stats, 10_000_000, sampled=1000))
    assert "1,000 of 10,000,000" in sampled["sampled"]
    assert plugin.stats_line(stats) == "min -1 max 1 μ 0 σ 0.5 · 2 NaN 1 Inf"


def test_tensor_children_and_statistics(plugin):
    w = gg.randn(8, 16, requires_grad=True)
    x = gg.randn(4, 8)
    line = sys._getframe().f_lineno + 1
    h = x @ w
    h.sum().backward()
    assert plugin.tensor_summary(w).endswith("· grad ✓")
    assert plugin.tensor_summary(h).endswith("· MatmulBackward")
    kids = {name: (value, ev) for name, value, ev in plugin.tensor_children(h)}
    assert list(kids) == ["shape", "dtype", "device", "requires_grad", "grad", "grad_fn",
                          "statistics", "values"]
    assert kids["shape"][0] == (4, 16) and kids["requires_grad"][0] is True
    assert plugin.node_label(kids["grad_fn"][0]) == \
        f"MatmulBackward at test_pydevd_plugin.py:{line}"
    values = kids["values"][0]
    assert isinstance(values, np.ndarray) and values.shape == (4, 16)
    assert kids["values"][1] == ".detach().cpu().numpy()"
    stats = dict((n, v) for n, v, _ in kids["statistics"][0].children())
    assert stats["mean"] == pytest.approx(float(values.mean()), rel=1e-5)
    assert stats["NaN count"] == 0 and stats["Inf count"] == 0


def test_big_statistics_are_sampled_beyond_the_exact_bound(plugin, monkeypatch):
    monkeypatch.setattr(plugin, "EXACT_STATS_MAX", 10_000)
    monkeypatch.setattr(plugin, "SAMPLE_SIZE", 1_000)
    t = gg.tensor(np.arange(200 * 100, dtype=np.float32).reshape(200, 100))
    s = plugin.Statistics(t)
    assert s.line().startswith("min 0 max")  # 20,000 <= INLINE_STATS_MAX: computed
    rows = dict((n, v) for n, v, _ in s.children())
    assert "sampled" in rows and rows["elements"] == 20_000
    assert rows["min"] == 0.0  # row 0 is in every strided sample
    monkeypatch.setattr(plugin, "INLINE_STATS_MAX", 100)
    assert plugin.Statistics(t).line() == "expand to compute (20,000 elements)"
    assert plugin.tensor_summary(t) == "Tensor (200, 100) float32 cpu · statistics on expand"


def test_nonfinite_counts(plugin):
    t = gg.tensor([1.0, float("nan"), float("inf"), 2.0, float("nan")])
    assert plugin.tensor_summary(t) == "Tensor (5) float32 cpu · μ 1.5 σ 0.5 · 2 NaN 1 Inf"
    rows = dict((n, v) for n, v, _ in plugin.Statistics(t).children())
    assert rows["NaN count"] == 2 and rows["Inf count"] == 1


def test_module_parameters_are_a_named_group(plugin):
    model = gg.nn.Sequential(gg.nn.Linear(8, 16), gg.nn.Tanh(), gg.nn.Linear(16, 3))
    kids = plugin.module_children(model, [("training", True, ".training")])
    assert [k[0] for k in kids] == ["parameters", "training"]
    group = kids[0][1]
    assert kids[0][2]("model") == "dict(model.named_parameters())"
    assert group.line() == "4 parameters, 195 elements"
    names = [(name, ev("dict(model.named_parameters())")) for name, _, ev in group.children()]
    assert names[0] == ("0.weight", "dict(model.named_parameters())['0.weight']")
    assert [n for n, _ in names] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    bn = gg.nn.BatchNorm1d(4)
    assert [k[0] for k in plugin.module_children(bn, [])] == ["parameters", "buffers"]


def test_providers_pick_glassgrad_types(plugin):
    assert plugin.TensorStr().can_provide(gg.nn.Parameter, "Parameter")
    assert not plugin.TensorStr().can_provide(np.ndarray, "ndarray")
    assert plugin.ModuleResolver().can_provide(gg.nn.Linear, "Linear")
    h = gg.randn(2, requires_grad=True) * 2
    assert plugin.NodeStr().can_provide(type(h.grad_fn), "Mul")
    assert plugin.TensorStr().get_str_in_context(h, "clipboard") == repr(h)
    assert plugin.TensorStr().get_str_in_context(h, "hover").startswith("Tensor (2) float32")
