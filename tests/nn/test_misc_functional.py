"""interpolate (nearest, nearest-exact, bilinear with and without align_corners, linear,
trilinear; size or scale_factor) and one_hot against PyTorch, values and gradients."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from nn_helpers import close

import glassgrad as gg
import glassgrad.nn.functional as F
from glassgrad.autograd import gradcheck

rng = np.random.default_rng(0)
IMG = rng.standard_normal((2, 3, 5, 7))
SIZES = {
    "size_up": {"size": (8, 11)},
    "size_down": {"size": (3, 4)},
    "size_int": {"size": 6},
    "scale_up": {"scale_factor": 1.7},
    "scale_mixed": {"scale_factor": (0.5, 2.3)},
    "scale_2x": {"scale_factor": 2},
    "recompute": {"scale_factor": 1.3, "recompute_scale_factor": True},
}
MODES = {
    "nearest": {"mode": "nearest"},
    "nearest_exact": {"mode": "nearest-exact"},
    "bilinear": {"mode": "bilinear", "align_corners": False},
    "bilinear_align": {"mode": "bilinear", "align_corners": True},
}


def _check(x: np.ndarray, kw: dict, atol: float) -> None:
    gx = gg.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    a, b = F.interpolate(gx, **kw), TF.interpolate(tx, **kw)
    close(a, b, atol, what="forward")
    up = rng.standard_normal(tuple(b.shape)).astype(x.dtype)
    a.backward(gg.tensor(up))
    b.backward(torch.tensor(up))
    close(gx.grad, tx.grad, atol, what="grad")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_interpolate_2d(size: str, mode: str, dtype: Any) -> None:
    _check(IMG.astype(dtype), {**SIZES[size], **MODES[mode]},
           1e-12 if dtype == np.float64 else 1e-5)


@pytest.mark.parametrize("kw", [{"mode": "linear", "size": 9},
                                {"mode": "linear", "scale_factor": 0.6, "align_corners": True},
                                {"mode": "nearest", "scale_factor": 1.5},
                                {"mode": "trilinear", "size": (3, 4, 5)},
                                {"mode": "nearest", "size": (3, 1, 5)}])
def test_interpolate_1d_3d(kw: dict) -> None:
    shape = (1, 2, 6) if kw["mode"] == "linear" or kw.get("scale_factor") else (1, 2, 2, 3, 4)
    _check(rng.standard_normal(shape), kw, 1e-12)


def test_interpolate_gradcheck() -> None:
    x = gg.tensor(rng.standard_normal((1, 1, 3, 4)), requires_grad=True)
    assert gradcheck(lambda t: F.interpolate(t, size=(5, 3), mode="bilinear",
                                             align_corners=False), [x])
    assert gradcheck(lambda t: F.interpolate(t, scale_factor=1.5, mode="nearest"), [x])


def test_interpolate_errors() -> None:
    x = gg.tensor(IMG)
    with pytest.raises(ValueError):
        F.interpolate(x)
    with pytest.raises(ValueError):
        F.interpolate(x, size=4, scale_factor=2)
    with pytest.raises(ValueError):
        F.interpolate(x, size=4, mode="nearest", align_corners=True)
    with pytest.raises(NotImplementedError):
        F.interpolate(x, size=4, mode="bicubic")
    with pytest.raises(NotImplementedError):
        F.interpolate(x, size=4, mode="trilinear")


@pytest.mark.parametrize("num_classes", [-1, 7])
def test_one_hot(num_classes: int) -> None:
    idx = rng.integers(0, 5, (3, 4))
    a = F.one_hot(gg.tensor(idx), num_classes)
    b = TF.one_hot(torch.tensor(idx), num_classes)
    assert a.dtype == gg.int64
    np.testing.assert_array_equal(a.numpy(), b.numpy())
