"""Binary elementwise ops on hypothesis-generated broadcastable shapes, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes
from op_db import BINARY_ELEMENTWISE

import glassgrad as gg

SHAPES = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=0,
                                       max_side=3)


@pytest.mark.parametrize("name", sorted(BINARY_ELEMENTWISE))
@settings(max_examples=12, deadline=None, derandomize=True)
@given(shapes=SHAPES, seed=st.integers(0, 2**16))
def test_broadcast(name: str, shapes: object, seed: int) -> None:
    op, domain = BINARY_ELEMENTWISE[name]
    rng = np.random.default_rng(seed)
    sa, sb = shapes.input_shapes
    a = rng.uniform(-2, 2, sa)
    b = rng.uniform(*(domain or (-2, 2)), sb)
    results = []
    for m in (gg, torch):
        x, y = m.tensor(a, requires_grad=True), m.tensor(b, requires_grad=True)
        out = op(m, x, y)
        w = m.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)))
        gx, gy = m.autograd.grad([(out * w).sum()], [x, y], allow_unused=True)
        results.append([out.detach(), gx, gy])
    for ours, theirs, what in zip(*results, ("out", "grad a", "grad b")):
        if theirs is None:
            theirs = torch.zeros_like(torch.tensor(a if what == "grad a" else b))
        ours = np.zeros(theirs.shape) if ours is None else np.asarray(ours._host())
        assert ours.shape == tuple(theirs.shape), what
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-10, atol=1e-12, err_msg=what)
