"""nn.init: gains and fans as PyTorch computes them, distributions by their statistics,
in-place fills that record no graph, reproducible under manual_seed."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import glassgrad as gg
import glassgrad.nn as nn
from glassgrad.nn import init


@pytest.mark.parametrize("name,param", [("linear", None), ("conv2d", None), ("sigmoid", None),
                                        ("tanh", None), ("relu", None), ("leaky_relu", None),
                                        ("leaky_relu", 0.2), ("selu", None)])
def test_calculate_gain(name: str, param: float | None) -> None:
    assert init.calculate_gain(name, param) == pytest.approx(
        torch.nn.init.calculate_gain(name, param))


@pytest.mark.parametrize("shape", [(30, 20), (8, 4, 3, 3), (5, 6, 7)])
def test_fans(shape: tuple) -> None:
    t = torch.empty(shape)
    assert init._calculate_fan_in_and_fan_out(gg.empty(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(t)


def _stats(fn, shape=(400, 300), **kw) -> np.ndarray:  # noqa: ANN001
    p = nn.Parameter(gg.empty(*shape))
    out = fn(p, **kw)
    assert out is p and p.requires_grad and p.grad_fn is None
    return p.detach().numpy()


def test_distributions() -> None:
    gg.manual_seed(0)
    u = _stats(init.uniform_, a=-2.0, b=3.0)
    assert u.min() >= -2 and u.max() < 3 and abs(u.mean() - 0.5) < 0.02
    n = _stats(init.normal_, mean=1.0, std=2.0)
    assert abs(n.mean() - 1) < 0.02 and abs(n.std() - 2) < 0.02
    fan_in, fan_out = 300, 400
    xu = _stats(init.xavier_uniform_, gain=2.0)
    a = 2.0 * math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(xu).max() <= a and abs(xu.std() - a / math.sqrt(3)) < 0.01 * a
    xn = _stats(init.xavier_normal_)
    assert abs(xn.std() - math.sqrt(2 / (fan_in + fan_out))) < 2e-3
    ku = _stats(init.kaiming_uniform_, a=math.sqrt(5))
    bound = math.sqrt(3) * init.calculate_gain("leaky_relu", math.sqrt(5)) / math.sqrt(fan_in)
    assert np.abs(ku).max() <= bound and np.abs(ku).max() > 0.99 * bound
    kn = _stats(init.kaiming_normal_, mode="fan_out", nonlinearity="relu")
    assert abs(kn.std() - math.sqrt(2 / fan_out)) < 2e-3
    tn = _stats(init.trunc_normal_, std=1.0, a=-1.0, b=1.5)
    assert tn.min() >= -1 and tn.max() <= 1.5


def test_constants_eye_dirac_orthogonal() -> None:
    assert (_stats(init.constant_, val=0.3) == np.float32(0.3)).all()
    assert not _stats(init.zeros_).any() and (_stats(init.ones_) == 1).all()
    np.testing.assert_array_equal(_stats(init.eye_, (3, 4)), np.eye(3, 4))
    w = nn.Parameter(gg.empty(4, 2, 3, 3))
    init.dirac_(w, groups=2)
    t = torch.empty(4, 2, 3, 3)
    torch.nn.init.dirac_(t, groups=2)
    np.testing.assert_array_equal(w.detach().numpy(), t.numpy())
    q = _stats(init.orthogonal_, (6, 4), gain=2.0)
    np.testing.assert_allclose(q.T @ q, 4 * np.eye(4), atol=1e-5)
    q = _stats(init.orthogonal_, (3, 5))
    np.testing.assert_allclose(q @ q.T, np.eye(3), atol=1e-5)


def test_seeded_and_generator() -> None:
    gg.manual_seed(3)
    a = _stats(init.normal_)
    gg.manual_seed(3)
    np.testing.assert_array_equal(a, _stats(init.normal_))
    g1, g2 = gg.Generator().manual_seed(7), gg.Generator().manual_seed(7)
    np.testing.assert_array_equal(_stats(init.uniform_, generator=g1),
                                  _stats(init.uniform_, generator=g2))


def test_init_bumps_version_and_keeps_graph_free() -> None:
    p = nn.Parameter(gg.zeros(3))
    v = p._version
    init.normal_(p)
    assert p._version > v and p.is_leaf
