"""Every collective against a NumPy reference, on 2 and 3 ranks."""

from __future__ import annotations

import numpy as np
import pytest
from dist_helpers import load, mpirun, needs_mpi

pytestmark = needs_mpi


@pytest.mark.parametrize("n", [2, 3])
def test_collectives_match_numpy(tmp_path, n):
    out = str(tmp_path / "c")
    proc = mpirun(n, "collectives", out, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    ranks = load(out)
    base = np.arange(6, dtype=np.float64).reshape(2, 3)
    inputs = [base + r for r in range(n)]
    want = {"all_reduce_sum": sum(inputs), "all_reduce_product": np.prod(inputs, axis=0),
            "all_reduce_min": np.min(inputs, axis=0), "all_reduce_max": np.max(inputs, axis=0),
            "all_reduce_avg": sum(inputs) / n,
            "all_reduce_strided": sum(i.T for i in inputs),
            "broadcast": base * n,
            "all_gather": np.stack([base + 10 * r for r in range(n)]),
            "all_gather_into_tensor": np.concatenate([base + 10 * r for r in range(n)]),
            "async": np.full(4, float(sum(range(n)))),
            "int_sum": np.array([sum(range(n)), n]),
            "objects": np.arange(n)}
    for r, got in enumerate(ranks):
        for key, value in want.items():
            np.testing.assert_allclose(got[key], value, err_msg=f"rank {r} {key}")
        np.testing.assert_allclose(got["reduce_scatter"],
                                   sum(base * (r + 1) + k for k in range(n)))
        np.testing.assert_allclose(got["reduce_scatter_tensor_max"],
                                   (np.arange(3.0 * n) + n - 1)[3 * r:3 * r + 3])
        assert got["int_sum"].dtype == np.int64
        assert got["object_list"].tolist() == ["from 0"]
