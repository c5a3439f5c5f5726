"""nn.functional's convolution and pooling against PyTorch: values, gradients w.r.t. every
input, float64 gradcheck, and second derivatives (double backward) against PyTorch's."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import glassgrad as gg
import glassgrad.nn.functional as F

R = np.random.default_rng(0)


def rnd(*shape: int) -> np.ndarray:
    return R.standard_normal(shape)


def _run(fn: Callable, mod: object, arrays: list[np.ndarray], tensor: Callable) -> tuple:
    xs = [tensor(a) for a in arrays]
    return xs, fn(mod, *xs)


# (name, fn(F, *inputs), inputs): fn is called with torch.nn.functional and glassgrad's
CASES: list[tuple[str, Callable, list[np.ndarray]]] = [
    ("conv2d", lambda F, x, w, b: F.conv2d(x, w, b), [rnd(2, 3, 6, 5), rnd(4, 3, 3, 3), rnd(4)]),
    ("conv2d-stride-pad-groups", lambda F, x, w, b: F.conv2d(x, w, b, 2, 1, 1, 2),
     [rnd(2, 4, 7, 8), rnd(6, 2, 3, 3), rnd(6)]),
    ("conv2d-same-dilation", lambda F, x, w: F.conv2d(x, w, None, 1, "same", 2),
     [rnd(2, 3, 7, 8), rnd(4, 3, 3, 2)]),
    ("conv2d-asym", lambda F, x, w: F.conv2d(x, w, None, (2, 1), (0, 2), (1, 2), 2),
     [rnd(1, 2, 7, 8), rnd(4, 1, 2, 3)]),
    ("conv2d-unbatched", lambda F, x, w: F.conv2d(x, w, padding="valid"),
     [rnd(3, 5, 5), rnd(2, 3, 2, 2)]),
    ("conv1d", lambda F, x, w, b: F.conv1d(x, w, b, 2, 1, 2, 2),
     [rnd(2, 4, 10), rnd(6, 2, 3), rnd(6)]),
    ("conv1d-same", lambda F, x, w: F.conv1d(x, w, padding="same", dilation=2),
     [rnd(2, 3, 9), rnd(2, 3, 4)]),
    ("conv_transpose2d", lambda F, x, w, b: F.conv_transpose2d(x, w, b, 2, 1, 1),
     [rnd(2, 3, 4, 5), rnd(3, 4, 3, 2), rnd(4)]),
    ("conv_transpose2d-dil", lambda F, x, w: F.conv_transpose2d(x, w, None, (2, 3), (1, 0),
                                                                 (0, 1), 1, 2),
     [rnd(1, 3, 4, 4), rnd(3, 2, 3, 3)]),
    ("conv_transpose2d-groups", lambda F, x, w: F.conv_transpose2d(x, w, groups=2, stride=2),
     [rnd(2, 4, 3, 3), rnd(4, 3, 2, 2)]),
    ("conv_transpose1d", lambda F, x, w: F.conv_transpose1d(x, w, stride=2),
     [rnd(2, 4, 6), rnd(4, 3, 3)]),
    ("unfold", lambda F, x: F.unfold(x, (2, 3), 1, 1, 2), [rnd(2, 3, 5, 6)]),
    ("fold", lambda F, x: F.fold(x, (5, 6), (2, 3), 1, 1, 2), [rnd(2, 18, 9)]),
    ("max_pool2d", lambda F, x: F.max_pool2d(x, 2), [rnd(2, 3, 6, 7)]),
    ("max_pool2d-all", lambda F, x: F.max_pool2d(x, 3, 2, 1, (1, 2), True),
     [rnd(2, 3, 7, 9)]),
    ("max_pool1d", lambda F, x: F.max_pool1d(x, 3, 2), [rnd(2, 3, 9)]),
    ("avg_pool2d", lambda F, x: F.avg_pool2d(x, 3, 2, 1), [rnd(2, 3, 7, 9)]),
    ("avg_pool2d-ceil-nopad", lambda F, x: F.avg_pool2d(x, 3, 2, 1, True, False),
     [rnd(2, 3, 7, 9)]),
    ("avg_pool2d-ceil", lambda F, x: F.avg_pool2d(x, (2, 3), (3, 2), 1, True), [rnd(2, 3, 7, 9)]),
    ("avg_pool2d-divisor", lambda F, x: F.avg_pool2d(x, 2, divisor_override=3),
     [rnd(2, 3, 6, 6)]),
    ("avg_pool1d", lambda F, x: F.avg_pool1d(x, 3, 2, 1), [rnd(2, 3, 9)]),
    ("adaptive_avg_pool2d", lambda F, x: F.adaptive_avg_pool2d(x, (3, 4)), [rnd(2, 3, 7, 9)]),
    ("adaptive_avg_pool2d-div", lambda F, x: F.adaptive_avg_pool2d(x, 2), [rnd(2, 3, 6, 4)]),
    ("adaptive_avg_pool2d-1", lambda F, x: F.adaptive_avg_pool2d(x, 1), [rnd(2, 3, 5, 4)]),
    ("adaptive_avg_pool1d", lambda F, x: F.adaptive_avg_pool1d(x, 4), [rnd(2, 3, 9)]),
    ("adaptive_max_pool2d", lambda F, x: F.adaptive_max_pool2d(x, (3, 4)), [rnd(2, 3, 7, 9)]),
    ("linear", lambda F, x, w, b: F.linear(x, w, b), [rnd(2, 5, 3), rnd(4, 3), rnd(4)]),
    ("bilinear", lambda F, x, y, w, b: F.bilinear(x, y, w, b),
     [rnd(5, 3), rnd(5, 2), rnd(4, 3, 2), rnd(4)]),
    ("layer_norm", lambda F, x, w, b: F.layer_norm(x, (4,), w, b), [rnd(3, 4), rnd(4), rnd(4)]),
    ("group_norm", lambda F, x, w, b: F.group_norm(x, 2, w, b),
     [rnd(2, 4, 3), rnd(4), rnd(4)]),
    ("batch_norm-train", lambda F, x, w, b: F.batch_norm(x, None, None, w, b, True),
     [rnd(5, 3, 2), rnd(3), rnd(3)]),
    ("normalize", lambda F, x: F.normalize(x, dim=1), [rnd(3, 4)]),
    ("elu", lambda F, x: F.elu(x, 0.7), [rnd(3, 4)]),
    ("mish", lambda F, x: F.mish(x), [rnd(3, 4)]),
    ("logsigmoid", lambda F, x: F.logsigmoid(x), [rnd(3, 4) * 10]),
    ("glu", lambda F, x: F.glu(x, 0), [rnd(4, 3)]),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name,fn,arrays", CASES, ids=IDS)
def test_matches_torch(name: str, fn: Callable, arrays: list) -> None:
    tx, tout = _run(fn, TF, arrays, lambda a: torch.tensor(a, requires_grad=True))
    gx, gout = _run(fn, F, arrays, lambda a: gg.tensor(a, requires_grad=True))
    np.testing.assert_allclose(gout.detach().numpy(), tout.detach().numpy(), atol=1e-10)
    g = R.standard_normal(tuple(tout.shape))
    tout.backward(torch.tensor(g))
    gout.backward(gg.tensor(g))
    for i, (t, x) in enumerate(zip(tx, gx)):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=1e-10,
                                   err_msg=f"grad of input {i}")


@pytest.mark.parametrize("name,fn,arrays", CASES, ids=IDS)
def test_gradcheck(name: str, fn: Callable, arrays: list) -> None:
    xs = [gg.tensor(a, requires_grad=True) for a in arrays]
    assert gg.autograd.gradcheck(lambda *a: fn(F, *a), xs)


# ops bilinear in their inputs (or more): pools, unfold and fold are linear, second
# derivatives zero
DOUBLE = [c for c in CASES if c[0].startswith(("conv", "linear", "bilinear", "layer_norm",
                                                "group_norm", "batch_norm"))]


@pytest.mark.parametrize("name,fn,arrays", DOUBLE, ids=[c[0] for c in DOUBLE])
def test_double_backward_matches_torch(name: str, fn: Callable, arrays: list) -> None:
    """d/d(inputs) of <grad(out . v), u> against PyTorch's (all second derivatives)."""
    v = R.standard_normal(fn(TF, *[torch.tensor(a) for a in arrays]).shape)
    us = [R.standard_normal(a.shape) for a in arrays]

    def second(lib: object, tensor: Callable, grad: Callable) -> list:
        xs = [tensor(a) for a in arrays]
        out = fn(lib, *xs)
        firsts = grad((out * tensor(v).detach()).sum(), xs)
        total = sum((f * tensor(u).detach()).sum() for f, u in zip(firsts, us))
        return [g for g in grad(total, xs, allow_unused=True)]

    tg = second(TF, lambda a: torch.tensor(a, requires_grad=True),
                lambda o, xs, **kw: torch.autograd.grad(o, xs, create_graph=True, **kw))
    gl = second(F, lambda a: gg.tensor(a, requires_grad=True),
                lambda o, xs, **kw: gg.autograd.grad(o, xs, create_graph=True, **kw))
    for i, (t, g) in enumerate(zip(tg, gl)):
        if t is None:
            assert g is None or not g.detach().numpy().any(), i
        else:
            np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), atol=1e-9,
                                       err_msg=f"second derivative for input {i}")


def test_max_pool_return_indices_and_nan() -> None:
    x = rnd(2, 3, 7, 9)
    t, ti = TF.max_pool2d(torch.tensor(x), 3, 2, 1, (1, 2), True, return_indices=True)
    g, gi = F.max_pool2d(gg.tensor(x), 3, 2, 1, (1, 2), True, return_indices=True)
    np.testing.assert_array_equal(gi.numpy(), ti.numpy())
    x[0, 0, 0, 1] = np.nan
    assert np.isnan(F.max_pool2d(gg.tensor(x), 2).numpy()[0, 0, 0, 0])


def test_conv2d_errors() -> None:
    with pytest.raises(ValueError, match="channels"):
        F.conv2d(gg.randn(1, 3, 5, 5), gg.randn(2, 2, 3, 3))
    with pytest.raises(ValueError, match="strided"):
        F.conv2d(gg.randn(1, 3, 5, 5), gg.randn(2, 3, 3, 3), stride=2, padding="same")
