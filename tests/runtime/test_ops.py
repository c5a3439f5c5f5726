"""Op tests generated from the table in ``op_db.py``, with PyTorch as the oracle.

For every (op, sample): forward values and dtypes in float32 and float64, gradients against
PyTorch's, ``gradcheck`` and ``gradgradcheck`` in float64, and non-contiguous inputs
(strided slices and transposes of a leaf).
"""

from __future__ import annotations

import os
import zlib
from typing import Any

import numpy as np
import pytest
import torch
from op_db import OPS, C, F, L, OpInfo, S, V

import glassgrad as gg

ARRAY_API = os.environ.get("GLASSGRAD_CPU_BACKEND", "numpy") != "numpy"

CASES = [pytest.param(info, i, s, id=f"{info.name}-{i}-{s!r}")
         for info in OPS for i, s in enumerate(info.samples)]
GRAD_CASES = [c for c in CASES if c.values[0].grad]


# building inputs ------------------------------------------------------------------------------


def host_args(info: OpInfo, idx: int, sample: S, dtype: str) -> list:
    """The sample's arguments as NumPy data: ("t", array, diff) | ("l", [...]) | ("v", value)."""
    rng = np.random.default_rng(zlib.crc32(f"{info.name}/{idx}".encode()))
    lo, hi = info.domain

    def one(a: Any) -> Any:
        if isinstance(a, tuple) and all(isinstance(d, int) for d in a):
            return ("t", rng.uniform(lo, hi, a).astype(dtype), True)
        if isinstance(a, F):
            return ("t", np.asarray(a.values, dtype=dtype), True)
        if isinstance(a, C):
            v = np.asarray(a.values)
            if v.dtype.kind == "f":
                v = v.astype(dtype)
            elif v.dtype.kind in "iu":
                v = v.astype(np.int64)
            return ("t", v, False)
        if isinstance(a, L):
            return ("l", [one(i) for i in a.items])
        return ("v", a.value if isinstance(a, V) else a)

    return [one(a) for a in sample.args]


def build(m: Any, hargs: list, requires_grad: bool = True,
          wrap: Any = None) -> tuple[list, list]:
    """Tensors of module ``m`` (glassgrad or torch) from ``host_args``; returns (args, diff
    leaves). ``wrap(m, leaf_host)`` may return (leaf, view) to feed a view of a leaf."""
    leaves: list = []

    def one(h: Any) -> Any:
        if h[0] == "t":
            diff = h[2] and requires_grad
            if diff and wrap is not None:
                leaf, x = wrap(m, h[1])
                leaves.append(leaf)
                return x
            t = m.tensor(h[1].copy(), requires_grad=diff)
            if diff:
                leaves.append(t)
            return t
        if h[0] == "l":
            return [one(i) for i in h[1]]
        return h[1]

    return [one(h) for h in hargs], leaves


def flat(out: Any) -> list:
    if isinstance(out, (gg.Tensor, torch.Tensor)):
        return [out]
    return [t for o in out for t in flat(o)]


def tol(info: OpInfo, dtype: str, grad: bool = False) -> dict:
    if dtype == "float64":
        return {"rtol": 1e-7, "atol": 1e-9}
    return {"rtol": info.grad_rtol, "atol": info.grad_atol} if grad else \
        {"rtol": info.rtol, "atol": info.atol}


def dtype_name(t: Any) -> str:
    return str(t.dtype).rsplit(".", 1)[-1]


def check_close(ours: gg.Tensor, theirs: torch.Tensor, what: str, **kw: Any) -> None:
    assert tuple(ours.shape) == tuple(theirs.shape), f"{what}: shape {ours.shape} vs " \
        f"{tuple(theirs.shape)}"
    assert dtype_name(ours) == dtype_name(theirs), f"{what}: dtype {ours.dtype} vs {theirs.dtype}"
    a = np.asarray(ours.detach()._host())
    b = theirs.detach().numpy()
    if a.dtype == np.bool_ or a.dtype.kind in "iu":
        np.testing.assert_array_equal(a, b, err_msg=what)
    else:
        np.testing.assert_allclose(a, b, equal_nan=True, err_msg=what, **kw)


def run_both(info: OpInfo, sample: S, hargs: list, wrap: Any = None,
             requires_grad: bool = True) -> tuple:
    ga, gl = build(gg, hargs, requires_grad, wrap)
    ta, tl = build(torch, hargs, requires_grad, wrap)
    gout = flat(info.op(gg, *ga, **sample.kwargs))
    tout = flat(info.torch_fn()(torch, *ta, **sample.kwargs))
    assert len(gout) == len(tout), f"{len(gout)} outputs vs {len(tout)}"
    return gout, tout, gl, tl


def compare_grads(info: OpInfo, gout: list, tout: list, gl: list, tl: list, dtype: str,
                  seed: int) -> None:
    rng = np.random.default_rng(seed)
    pairs = [(g, t) for g, t in zip(gout, tout) if t.dtype.is_floating_point and t.requires_grad]
    if not pairs or not tl:
        return
    weights = [rng.uniform(-1, 1, tuple(t.shape)).astype(dtype) for _, t in pairs]
    gloss = sum((g * gg.tensor(w)).sum() for (g, _), w in zip(pairs, weights))
    tloss = sum((t * torch.tensor(w)).sum() for (_, t), w in zip(pairs, weights))
    tgrads = torch.autograd.grad(tloss, tl, allow_unused=True)
    ggrads = gg.autograd.grad([gloss], gl, allow_unused=True)
    for k, (ours, theirs) in enumerate(zip(ggrads, tgrads)):
        if theirs is None:
            theirs = torch.zeros_like(tl[k])
        if ours is None:
            ours = gg.zeros(tuple(theirs.shape), dtype=getattr(gg, dtype))
        check_close(ours, theirs, f"grad of input {k}", **tol(info, dtype, grad=True))


# the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("info,idx,sample", CASES)
def test_op(info: OpInfo, idx: int, sample: S) -> None:
    """Forward values and dtypes, then gradients, against torch in float32 and float64."""
    for dtype in info.float_dtypes:
        hargs = host_args(info, idx, sample, dtype)
        gout, tout, gl, tl = run_both(info, sample, hargs, requires_grad=info.grad)
        for k, (g, t) in enumerate(zip(gout, tout)):
            check_close(g, t, f"{dtype} output {k}", **tol(info, dtype))
        if info.grad:
            compare_grads(info, gout, tout, gl, tl, dtype, idx)


def _flat_fn(info: OpInfo, sample: S, hargs: list) -> tuple:
    """The op as a function of its differentiable tensors only (for gradcheck)."""
    args, leaves = build(gg, hargs)

    def fn(*xs: gg.Tensor) -> Any:
        it = iter(xs)

        def sub(a: Any, h: Any) -> Any:
            if h[0] == "t" and h[2]:
                return next(it)
            if h[0] == "l":
                return [sub(x, hx) for x, hx in zip(a, h[1])]
            return a

        return info.op(gg, *[sub(a, h) for a, h in zip(args, hargs)], **sample.kwargs)

    return fn, leaves


@pytest.mark.parametrize("info,idx,sample", [c for c in GRAD_CASES if c.values[0].gradcheck])
def test_gradcheck(info: OpInfo, idx: int, sample: S) -> None:
    hargs = host_args(info, idx, sample, "float64")
    fn, leaves = _flat_fn(info, sample, hargs)
    if not leaves:
        pytest.skip("no differentiable inputs")
    assert gg.autograd.gradcheck(fn, leaves, eps=1e-6, atol=1e-5, rtol=1e-3)
    if info.gradgrad:
        assert gg.autograd.gradgradcheck(fn, leaves, eps=1e-6, atol=1e-5, rtol=1e-3)


def _strided(m: Any, host: np.ndarray) -> tuple:
    """A leaf twice as long in the last dim; the op sees every other element."""
    if host.ndim == 0:
        leaf = m.tensor(host.copy(), requires_grad=True)
        return leaf, leaf * 1
    big = np.repeat(host, 2, axis=-1)
    big[..., 1::2] = 7.0  # values the op must never see
    leaf = m.tensor(big, requires_grad=True)
    return leaf, leaf[..., ::2]


def _transposed(m: Any, host: np.ndarray) -> tuple:
    if host.ndim < 2:
        return _strided(m, host)
    leaf = m.tensor(np.ascontiguousarray(np.swapaxes(host, -1, -2)), requires_grad=True)
    return leaf, leaf.transpose(-1, -2)


@pytest.mark.parametrize("info,idx,sample", [c for c in GRAD_CASES if c.values[0].noncontig])
def test_noncontiguous(info: OpInfo, idx: int, sample: S) -> None:
    """Inputs that are strided slices and transposes of a leaf; gradients reach the leaf."""
    hargs = host_args(info, idx, sample, "float64")
    for layout in (_strided, _transposed):
        gout, tout, gl, tl = run_both(info, sample, hargs, wrap=layout)
        for k, (g, t) in enumerate(zip(gout, tout)):
            check_close(g, t, f"{layout.__name__} output {k}", **tol(info, "float64"))
        compare_grads(info, gout, tout, gl, tl, "float64", idx)


# hand-written edge cases ----------------------------------------------------------------------


def _grads(fn: Any, *values: Any) -> tuple[list, list]:
    """fn's gradients (of out.sum()) in glassgrad and torch for float64 inputs."""
    out = []
    for m in (gg, torch):
        xs = [m.tensor(np.asarray(v, np.float64), requires_grad=True) for v in values]
        fn(m, *xs).sum().backward()
        out.append([np.asarray(x.grad.numpy()) for x in xs])
    return out[0], out[1]


@pytest.mark.parametrize("case", [
    ("abs at 0", lambda m, x: x.abs(), [[-1.0, 0.0, 2.0]], [[-1.0, 0.0, 1.0]]),
    ("relu at 0", lambda m, x: x.relu(), [[-1.0, 0.0, 2.0]], [[0.0, 0.0, 1.0]]),
    ("clamp boundary", lambda m, x: x.clamp(-1, 1), [[-2.0, -1.0, 1.0, 2.0]],
     [[0.0, 1.0, 1.0, 0.0]]),
    ("max ties", lambda m, x: x.max(), [[1.0, 3.0, 3.0]], [[0.0, 0.5, 0.5]]),
    ("max dim ties", lambda m, x: x.max(0).values, [[1.0, 3.0, 3.0]], [[0.0, 1.0, 0.0]]),
    ("maximum ties", lambda m, x, y: m.maximum(x, y), [[1.0, 2.0], [1.0, 3.0]],
     [[0.5, 0.0], [0.5, 1.0]]),
    ("norm at 0", lambda m, x: x.norm(), [[0.0, 0.0]], [[0.0, 0.0]]),
    ("norm inf ties", lambda m, x: x.norm(float("inf")), [[-3.0, 3.0, 1.0]],
     [[-0.5, 0.5, 0.0]]),
    ("prod single zero", lambda m, x: x.prod(), [[2.0, 0.0, 3.0]], [[0.0, 6.0, 0.0]]),
    ("prod two zeros", lambda m, x: x.prod(), [[2.0, 0.0, 0.0]], [[0.0, 0.0, 0.0]]),
    ("pow zero base", lambda m, x: x ** 2.0, [[0.0, 1.0]], [[0.0, 2.0]]),
], ids=lambda c: c[0])
def test_subgradient_conventions(case: tuple) -> None:
    _, fn, values, expected = case
    ours, theirs = _grads(fn, *values)
    for o, t, e in zip(ours, theirs, expected):
        np.testing.assert_allclose(t, e)  # the convention, as PyTorch has it
        np.testing.assert_allclose(o, e)


def test_table_covers_public_ops() -> None:
    """Every differentiable op class in ``gg.OPS`` is reached by some table entry."""
    covered: set[str] = set()
    for info in OPS:
        sample = info.samples[0]
        hargs = host_args(info, 0, sample, "float64")
        args, _ = build(gg, hargs)
        out = flat(info.op(gg, *args, **sample.kwargs))
        stack = [o.grad_fn for o in out if o.grad_fn is not None]
        while stack:
            fn = stack.pop()
            covered.add(fn.op_name)
            stack.extend(f for f, _ in fn.next_functions if f is not None and
                         hasattr(f, "op_name"))
    ours = ("elementwise", "reduce", "movement", "indexing", "linalg")  # tests/nn has the rest
    missing = {n for n, cls in gg.OPS.items() if cls.differentiable and
               cls.__module__.rsplit(".", 1)[-1] in ours} - covered - {
        "to_device", "index_set",  # not ops of this table (devices, x[i] = v)
        # gradients of getitem, relu and log_softmax: reached by those ops' gradgradchecks
        "index_put", "threshold_backward", "log_softmax_backward"}
    assert not missing, f"ops without a table entry: {sorted(missing)}"


def test_int_inputs() -> None:
    """Integer inputs of floating ops compute in the default float dtype, as in PyTorch."""
    for name in ("exp", "sqrt", "sigmoid", "tanh"):
        a = getattr(gg, name)(gg.tensor([1, 2, 3]))
        b = getattr(torch, name)(torch.tensor([1, 2, 3]))
        check_close(a, b, name, rtol=1e-6)
    for fn in (lambda m, x: x.sum(), lambda m, x: x.prod(), lambda m, x: x.cumsum(0),
               lambda m, x: x // 2, lambda m, x: x / 2, lambda m, x: x.abs(),
               lambda m, x: x.max(), lambda m, x: x.clamp(0, 2), lambda m, x: -x,
               lambda m, x: x * 2.5):
        check_close(fn(gg, gg.tensor([1, -2, 3])), fn(torch, torch.tensor([1, -2, 3])), "int")


@pytest.mark.skipif(ARRAY_API, reason="float16 is not in the Array API standard")
@pytest.mark.parametrize("name", ["add", "mul", "exp", "sum", "matmul", "softmax"])
def test_float16_forward(name: str) -> None:
    fns = {"add": lambda m, a, b: a + b, "mul": lambda m, a, b: a * b,
           "exp": lambda m, a, b: a.exp(), "sum": lambda m, a, b: a.sum(1),
           "matmul": lambda m, a, b: a @ b.T, "softmax": lambda m, a, b: a.softmax(-1)}
    rng = np.random.default_rng(0)
    a, b = rng.uniform(-1, 1, (3, 4)).astype("float16"), rng.uniform(-1, 1, (3, 4)).astype(
        "float16")
    ours = fns[name](gg, gg.tensor(a), gg.tensor(b))
    theirs = fns[name](torch, torch.tensor(a), torch.tensor(b))
    check_close(ours, theirs, name, rtol=2e-3, atol=2e-3)
