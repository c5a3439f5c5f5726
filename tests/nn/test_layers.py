"""Every layer against PyTorch's on the same weights (copied through state dicts) and inputs:
outputs, gradients with respect to inputs and parameters, buffers, repr."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from nn_helpers import compare_module

import glassgrad as gg
import glassgrad.nn as nn

R = np.random.default_rng(0)


def rnd(*shape: int) -> np.ndarray:
    return R.standard_normal(shape).astype(np.float32)


def ints(high: int, *shape: int) -> np.ndarray:
    return R.integers(0, high, shape).astype(np.int64)


# (name, constructor args, kwargs, inputs); the same args build torch's and glassgrad's layer
LAYERS: list[tuple[str, tuple, dict, list]] = [
    ("Linear", (3, 4), {}, [rnd(5, 3)]),
    ("Linear", (3, 4), {"bias": False}, [rnd(2, 5, 3)]),
    ("Bilinear", (3, 2, 4), {}, [rnd(5, 3), rnd(5, 2)]),
    ("Identity", (), {}, [rnd(2, 3)]),
    ("ReLU", (), {}, [rnd(4, 5)]),
    ("ReLU6", (), {}, [rnd(4, 5) * 5]),
    ("LeakyReLU", (0.2,), {}, [rnd(4, 5)]),
    ("GELU", (), {}, [rnd(4, 5)]),
    ("GELU", (), {"approximate": "tanh"}, [rnd(4, 5)]),
    ("SiLU", (), {}, [rnd(4, 5)]),
    ("Sigmoid", (), {}, [rnd(4, 5)]),
    ("Tanh", (), {}, [rnd(4, 5)]),
    ("Softplus", (), {}, [rnd(4, 5)]),
    ("Softplus", (), {"beta": 2.0, "threshold": 1.0}, [rnd(4, 5)]),
    ("Softmax", (), {"dim": 1}, [rnd(4, 5)]),
    ("LogSoftmax", (), {"dim": -1}, [rnd(4, 5)]),
    ("Softmin", (), {"dim": 0}, [rnd(4, 5)]),
    ("ELU", (), {"alpha": 0.5}, [rnd(4, 5)]),
    ("CELU", (), {"alpha": 0.7}, [rnd(4, 5)]),
    ("SELU", (), {}, [rnd(4, 5)]),
    ("Mish", (), {}, [rnd(4, 5)]),
    ("Hardtanh", (-0.5, 0.5), {}, [rnd(4, 5)]),
    ("Hardsigmoid", (), {}, [rnd(4, 5) * 4]),
    ("Hardswish", (), {}, [rnd(4, 5) * 4]),
    ("LogSigmoid", (), {}, [rnd(4, 5)]),
    ("Softsign", (), {}, [rnd(4, 5)]),
    ("Tanhshrink", (), {}, [rnd(4, 5)]),
    ("Threshold", (0.1, 20.0), {}, [rnd(4, 5)]),
    ("GLU", (), {}, [rnd(4, 6)]),
    ("Flatten", (), {}, [rnd(2, 3, 4)]),
    ("Flatten", (0, 1), {}, [rnd(2, 3, 4)]),
    ("Unflatten", (1, (2, 3)), {}, [rnd(2, 6)]),
    ("LayerNorm", (5,), {}, [rnd(3, 4, 5)]),
    ("LayerNorm", ((4, 5),), {"elementwise_affine": False}, [rnd(3, 4, 5)]),
    ("LayerNorm", (5,), {"bias": False}, [rnd(3, 5)]),
    ("RMSNorm", (5,), {}, [rnd(3, 5)]),
    ("GroupNorm", (2, 6), {}, [rnd(3, 6, 4)]),
    ("GroupNorm", (3, 6), {"affine": False}, [rnd(2, 6, 2, 3)]),
    ("InstanceNorm1d", (3,), {}, [rnd(2, 3, 5)]),
    ("InstanceNorm2d", (3,), {"affine": True}, [rnd(2, 3, 4, 4)]),
    ("BatchNorm1d", (4,), {}, [rnd(8, 4)]),
    ("BatchNorm1d", (4,), {"affine": False}, [rnd(5, 4, 3)]),
    ("BatchNorm1d", (4,), {"track_running_stats": False}, [rnd(5, 4)]),
    ("BatchNorm1d", (4,), {"momentum": None}, [rnd(5, 4)]),
    ("BatchNorm2d", (3,), {}, [rnd(4, 3, 2, 5)]),
    ("Embedding", (10, 3), {}, [ints(10, 4, 5)]),
    ("Embedding", (10, 3), {"padding_idx": 2}, [np.array([[2, 1, 2], [0, 9, 2]])]),
    ("Dropout", (0.3,), {}, [rnd(4, 5)]),  # compared in eval mode below
    ("Conv2d", (1, 16, 3), {"padding": 1}, [rnd(4, 1, 8, 8)]),
    ("Conv2d", (4, 6, (3, 2)), {"stride": 2, "dilation": (1, 2), "groups": 2, "bias": False},
     [rnd(2, 4, 9, 8)]),
    ("Conv2d", (3, 4, 3), {"padding": "same"}, [rnd(2, 3, 5, 6)]),
    ("Conv1d", (3, 4, 3), {"stride": 2, "padding": 1}, [rnd(2, 3, 9)]),
    ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "padding": 1, "output_padding": 1,
                                    "groups": 2}, [rnd(2, 4, 4, 5)]),
    ("ConvTranspose1d", (3, 2, 3), {"stride": 2}, [rnd(2, 3, 5)]),
    ("MaxPool2d", (2,), {}, [rnd(2, 3, 6, 6)]),
    ("MaxPool2d", (3, 2, 1), {"ceil_mode": True}, [rnd(2, 3, 7, 8)]),
    ("MaxPool1d", (3,), {}, [rnd(2, 3, 9)]),
    ("AvgPool2d", (3, 2, 1), {"count_include_pad": False}, [rnd(2, 3, 7, 8)]),
    ("AvgPool1d", (2,), {}, [rnd(2, 3, 8)]),
    ("AdaptiveAvgPool2d", ((3, 2),), {}, [rnd(2, 3, 7, 5)]),
    ("AdaptiveAvgPool1d", (3,), {}, [rnd(2, 3, 7)]),
    ("AdaptiveMaxPool2d", (2,), {}, [rnd(2, 3, 6, 6)]),
]


def _make(name: str, args: tuple, kwargs: dict) -> tuple[Any, torch.nn.Module]:
    torch.manual_seed(0)
    return getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)


@pytest.mark.parametrize("name,args,kwargs,inputs", LAYERS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(LAYERS)])
def test_layer_matches_torch(name: str, args: tuple, kwargs: dict, inputs: list) -> None:
    gm, tm = _make(name, args, kwargs)
    if name.startswith("Dropout"):
        gm.eval(), tm.eval()
    compare_module(gm, tm, inputs)
    assert repr(gm) == repr(tm)
    assert sorted(gm.state_dict()) == sorted(tm.state_dict())
    for (gn, gp), (tn, tp) in zip(gm.named_parameters(), tm.named_parameters()):
        assert gn == tn and gp.shape == tuple(tp.shape)


@pytest.mark.parametrize("name", ["BatchNorm1d", "BatchNorm2d"])
def test_batchnorm_running_stats_and_eval(name: str) -> None:
    gm, tm = _make(name, (3,), {"momentum": 0.3})
    shape = (6, 3) if name == "BatchNorm1d" else (4, 3, 2, 2)
    for _ in range(3):
        compare_module(gm, tm, [rnd(*shape) * 2 + 1])
    assert int(gm.num_batches_tracked.item()) == 3
    gm.eval(), tm.eval()
    compare_module(gm, tm, [rnd(*shape)])


def test_default_init_statistics() -> None:
    gg.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / np.sqrt(400)
    w = lin.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.01 * bound
    assert np.abs(lin.bias.detach().numpy()).max() <= bound
    emb = nn.Embedding(1000, 20, padding_idx=0)
    assert abs(emb.weight.detach().numpy()[1:].std() - 1) < 0.05
    assert not emb.weight.detach().numpy()[0].any()


def test_dropout_training() -> None:
    gg.manual_seed(1)
    d = nn.Dropout(0.25)
    x = gg.ones(200, 100, requires_grad=True)
    y = d(x)
    kept = y.detach().numpy() != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(y.detach().numpy()[kept], 1 / 0.75, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), kept / 0.75, rtol=1e-6)
    gg.manual_seed(1)
    np.testing.assert_array_equal(d(gg.ones(200, 100)).numpy(), y.detach().numpy())  # seeded
    d.eval()
    assert d(x) is x
    assert not nn.Dropout(1.0)(x).detach().numpy().any()


def test_dropout2d_drops_channels() -> None:
    gg.manual_seed(0)
    y = nn.Dropout2d(0.5)(gg.ones(8, 16, 3, 3)).numpy()
    per_channel = y.reshape(8, 16, 9)
    assert ((per_channel == 0).all(-1) | (per_channel != 0).all(-1)).all()


def test_layer_gradcheck_float64() -> None:
    for layer in (nn.Linear(3, 2), nn.LayerNorm(4), nn.GroupNorm(2, 4), nn.BatchNorm1d(4)):
        layer.double()
        x = gg.randn(3, 4 if not isinstance(layer, nn.Linear) else 3, dtype=gg.float64,
                     requires_grad=True)
        assert gg.autograd.gradcheck(layer, (x,))
    for layer, shape in ((nn.Conv2d(2, 3, 2, padding=1), (1, 2, 3, 3)),
                         (nn.ConvTranspose2d(2, 2, 2, stride=2), (1, 2, 2, 2)),
                         (nn.MaxPool2d(2), (1, 2, 4, 4))):
        layer.double()
        assert gg.autograd.gradcheck(layer, (gg.randn(*shape, dtype=gg.float64,
                                                      requires_grad=True),))


def test_conv_state_dict_roundtrip_and_init_bounds() -> None:
    gg.manual_seed(0)
    conv = nn.Conv2d(16, 32, 3)
    bound = 1 / np.sqrt(16 * 9)
    w = conv.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert np.abs(conv.bias.detach().numpy()).max() <= bound
    other = nn.Conv2d(16, 32, 3)
    other.load_state_dict(conv.state_dict())
    np.testing.assert_array_equal(other.weight.detach().numpy(), w)
