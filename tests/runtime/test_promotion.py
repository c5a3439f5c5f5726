"""dtype promotion of binary ops against torch: tensor/tensor, tensor/0-dim, tensor/scalar."""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest
import torch

import glassgrad as gg

ARRAY_API = os.environ.get("GLASSGRAD_CPU_BACKEND", "numpy") != "numpy"
DTYPES = [d for d in ("float16", "float32", "float64", "int32", "int64", "bool")
          if not (ARRAY_API and d == "float16")]  # float16 is not in the Array API standard
SCALARS = [True, 2, -3, 2.5]
OPS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "maximum": lambda a, b: gg.maximum(a, b) if isinstance(a, gg.Tensor) else
    torch.maximum(a, b),
    "eq": lambda a, b: a == b,
    "where": lambda a, b: (gg if isinstance(a, gg.Tensor) else torch).where(a != 0, a, b),
}


def _values(dtype: str, shape: tuple) -> np.ndarray:
    return (np.arange(int(np.prod(shape))).reshape(shape) % 3 + 1).astype(dtype)


def _pair(da: str, db: str, shape_b: tuple) -> tuple:
    a, b = _values(da, (2, 3)), _values(db, shape_b)
    return (gg.tensor(a), gg.tensor(b)), (torch.tensor(a), torch.tensor(b))


def _check(ours: gg.Tensor, theirs: torch.Tensor) -> None:
    assert ours.dtype.name == str(theirs.dtype).split(".")[1]
    np.testing.assert_allclose(np.asarray(ours._host(), np.float64),
                               theirs.to(torch.float64).numpy(), rtol=1e-3)


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("da,db", list(itertools.product(DTYPES, DTYPES)))
def test_tensor_tensor(op: str, da: str, db: str) -> None:
    fn = OPS[op]
    for shape_b in ((2, 3), (), (3,)):  # dimensioned, 0-dim, broadcast
        (ga, gb), (ta, tb) = _pair(da, db, shape_b)
        for x, y, tx, ty in ((ga, gb, ta, tb), (gb, ga, tb, ta)):
            assert gg.promote_types(x.dtype, y.dtype).name == \
                str(torch.promote_types(tx.dtype, ty.dtype)).split(".")[1]
            expected = fn(tx, ty)
            _check(fn(x, y), expected)
            if op != "eq":
                assert expected.dtype == torch.result_type(tx, ty) or op == "div"


@pytest.mark.parametrize("op", ["add", "mul", "div", "eq", "sub", "pow"])
@pytest.mark.parametrize("da", DTYPES)
def test_tensor_scalar(op: str, da: str) -> None:
    fns = dict(OPS, sub=lambda a, b: a - b, pow=lambda a, b: a ** b)
    fn = fns[op]
    a = _values(da, (2, 3))
    for s in SCALARS:
        if op == "sub" and (da == "bool" or s is True):
            continue  # torch refuses bool subtraction
        if op == "pow" and (isinstance(s, int) and s < 0 and da != "float16" and
                            not da.startswith("float")):
            continue  # integers to negative integer powers
        if op == "pow" and da == "bool" and s is True:
            continue  # torch: "pow" not implemented for 'Bool'
        for reflected in (False, True):
            x, tx = gg.tensor(a), torch.tensor(a)
            ours = fn(s, x) if reflected else fn(x, s)
            theirs = fn(s, tx) if reflected else fn(tx, s)
            if not reflected and op not in ("div", "eq"):
                assert theirs.dtype == torch.result_type(tx, s)
            _check(ours, theirs)
