"""In-place updates against PyTorch: version counters, saved-tensor checks, gradients."""

import re

import numpy as np
import pytest
import torch

import glassgrad as gg
from glassgrad.errors import InplaceError
from markers import line_of

X0 = np.array([[0.5, -1.0, 2.0], [1.5, -0.25, 3.0]])


def pair(values=X0):
    arr = np.asarray(values, dtype=np.float64)
    return gg.tensor(arr, requires_grad=True), torch.tensor(arr, requires_grad=True)


def close(g, t):
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-10)


def _line_of(marker: str) -> int:
    return line_of(__file__, marker)


def test_modifying_saved_input_raises_naming_op_and_forward_line():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = h * h  # @saved-mul
    h.add_(1)
    with pytest.raises(InplaceError) as info:
        y.sum().backward()
    msg = str(info.value)
    assert "MulBackward" in msg and "modified by an inplace operation" in msg
    assert f"{__file__}:{_line_of('# @saved-mul')}" in msg
    assert re.search(r"version 1; expected version 0", msg)
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    th = tx * 2
    ty = th * th
    th.add_(1)
    with pytest.raises(RuntimeError, match="version 1; expected version 0"):
        ty.sum().backward()


def test_modifying_saved_output_raises():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()  # exp saves its output
    y = h * 2
    h.mul_(2)
    with pytest.raises(InplaceError, match="ExpBackward"):
        y.sum().backward()


def test_modifying_tensor_not_saved_is_fine_and_matches_torch():
    (x, tx) = pair()
    for lib, v in ((gg, x), (torch, tx)):
        h = v * 2
        y = lib.exp(h)  # saves the output, not h
        h.add_(1)  # so this is allowed
        (y * 1).sum().backward()
    close(x.grad, tx.grad)


def test_modifying_a_view_bumps_the_base_version():
    x = gg.tensor([1.0, 2.0, 3.0, 4.0])
    v = x.reshape(2, 2)
    d = x.detach()
    assert x._version == 0
    with gg.no_grad():
        v.mul_(2)
    assert x._version == v._version == d._version == 1
    np.testing.assert_array_equal(x.numpy(), [2.0, 4.0, 6.0, 8.0])


def test_saved_tensor_modified_through_view_raises():
    x = gg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    w = gg.tensor([1.0, 2.0, 3.0, 4.0])
    y = (x * w).sum()
    w.reshape(2, 2).mul_(2)  # w is saved by MulBackward; changed through a view
    with pytest.raises(InplaceError, match="MulBackward"):
        y.backward()


def test_leaf_requiring_grad_inplace_is_an_error():
    x, tx = pair()
    for t in (x, tx):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            t.add_(1)
    with pytest.raises(InplaceError, match="add_"):
        x.add_(1)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x[0] = 1.0


def test_inplace_under_no_grad_optimizer_style():
    (x, tx) = pair()
    for lib, v in ((gg, x), (torch, tx)):
        for _ in range(3):
            loss = (v * v * v).sum()
            loss.backward()
            with lib.no_grad():
                v.sub_(v.grad, alpha=0.1)
                v.mul_(0.99)
                v.clamp_(-1.5, 2.5)
            v.grad.zero_()
        assert v.requires_grad and v.is_leaf and v.grad_fn is None
    close(x, tx)
    assert x._version == 9


INPLACE = [
    ("add_", lambda t, lib: t.add_(lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64), alpha=2)),
    ("add_scalar", lambda t, lib: t.add_(1.5)),
    ("sub_", lambda t, lib: t.sub_(t * 0.5)),
    ("mul_", lambda t, lib: t.mul_(t * 0.5)),
    ("mul_scalar", lambda t, lib: t.mul_(3)),
    ("div_", lambda t, lib: t.div_(lib.tensor([2.0, 4.0, 8.0], dtype=lib.float64))),
    ("pow_", lambda t, lib: t.pow_(2)),
    ("clamp_", lambda t, lib: t.clamp_(-0.5, 1.0)),
    ("clamp_min", lambda t, lib: t.clamp_(min=0.0)),
    ("masked_fill_", lambda t, lib: t.masked_fill_(t > 1.0, 0.25)),
    ("zero_", lambda t, lib: t.zero_()),
    ("fill_", lambda t, lib: t.fill_(2.5)),
    ("copy_", lambda t, lib: t.copy_(lib.ones(2, 3, dtype=lib.float64) * 7)),
    ("setitem_scalar", lambda t, lib: t.__setitem__((0, 1), 9.0)),
    ("setitem_slice", lambda t, lib: t.__setitem__((slice(None), 0), t[:, 2] * 2)),
    ("setitem_mask", lambda t, lib: t.__setitem__(t < 0, 0.0)),
]


@pytest.mark.parametrize("name,op", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_op_values_and_grads_match_torch(name, op):
    (x, tx) = pair()
    res = []
    for lib, v in ((gg, x), (torch, tx)):
        h = v * 1.5  # a non-leaf, so in-place is recorded
        before = h._version
        out = op(h, lib)
        if out is not None:
            assert out is h
        assert h._version > before
        assert h.requires_grad and h.grad_fn is not None
        (h * lib.tensor(X0 + 1)).sum().backward()
        res.append((h, v.grad))
    close(res[0][0], res[1][0])
    close(res[0][1], res[1][1])


def test_inplace_on_plain_tensor_values_match_torch():
    for name, op in INPLACE:
        g, t = gg.tensor(X0), torch.tensor(X0)
        op(g, gg)
        op(t, torch)
        assert not g.requires_grad, name
        close(g, t)


def test_copy_from_tensor_requiring_grad_into_plain_tensor():
    (s, ts) = pair()
    res = []
    for lib, src in ((gg, s), (torch, ts)):
        dst = lib.zeros(2, 3, dtype=lib.float64)
        dst.copy_(src * 2)
        assert dst.requires_grad and not dst.is_leaf
        (dst * dst).sum().backward()
        res.append(src.grad)
    close(*res)


def test_setitem_with_grad_value_into_plain_tensor():
    (s, ts) = pair([1.0, 2.0])
    res = []
    for lib, src in ((gg, s), (torch, ts)):
        dst = lib.zeros(3, dtype=lib.float64)
        dst[1:] = src * 3
        assert dst.requires_grad
        (dst * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum().backward()
        res.append(src.grad)
    close(*res)


def test_inplace_dtype_rules_match_torch():
    for lib in (gg, torch):
        i = lib.tensor([1, 2])
        with pytest.raises(RuntimeError, match="can't be cast"):
            i.add_(1.5)  # float result into an int tensor
        f = lib.tensor([1.0, 2.0])
        f.add_(lib.tensor([1, 2]))  # int into float is fine
        assert f.dtype == lib.float32
    with pytest.raises(RuntimeError, match="shape"):
        gg.ones(3).add_(gg.ones(2, 3))


def test_inplace_returns_self_and_chains():
    x = gg.zeros(3)
    assert x.add_(1).mul_(3) is x
    np.testing.assert_array_equal(x.numpy(), [3.0, 3.0, 3.0])


def test_inplace_on_view_of_grad_tensor_is_a_clear_error():
    # PyTorch rebases the view's graph (CopySlices); glassgrad refuses with a clear message.
    x = gg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 2
    with pytest.raises(InplaceError, match="view of a tensor that requires grad"):
        h.reshape(3, 1).mul_(2)
