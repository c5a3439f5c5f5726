"""DistributedDataParallel on 2 and 4 ranks gives what one process gives on the whole batch."""

from __future__ import annotations

import numpy as np
import pytest
from dist_helpers import load, mpirun, needs_mpi
from workers import GLOBAL_BATCH, STEPS, data, make_model, make_optimizer

import glassgrad as gg

pytestmark = needs_mpi


def single_process(opt_name: str) -> dict[str, np.ndarray]:
    model = make_model(seed=0)
    opt = make_optimizer(opt_name, model.parameters())
    xs, ys = data()
    for step in range(STEPS):
        opt.zero_grad()
        loss = ((model(gg.tensor(xs[step])) - gg.tensor(ys[step])) ** 2).mean()
        loss.backward()
        opt.step()
    return {n: p.detach().numpy() for n, p in model.named_parameters()}


@pytest.mark.parametrize("opt_name", ["sgd", "adam"])
@pytest.mark.parametrize("world", [2, 4])
def test_ddp_matches_single_process(tmp_path, world, opt_name):
    assert GLOBAL_BATCH % world == 0
    out = str(tmp_path / "p")
    proc = mpirun(world, "parity", out, opt_name, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    ranks = load(out)
    assert len(ranks) == world
    assert int(ranks[0]["buckets"]) > 1  # the gradients went in several buckets
    ref = single_process(opt_name)
    for r, got in enumerate(ranks):
        for name, want in ref.items():
            np.testing.assert_allclose(got[name], want, rtol=0, atol=1e-6,
                                       err_msg=f"rank {r} {name}")
            np.testing.assert_array_equal(got[name], ranks[0][name])  # replicas identical


def test_no_sync_accumulates_then_averages(tmp_path):
    out = str(tmp_path / "p")
    proc = mpirun(2, "parity", out, "sgd", "1", cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    ref = single_process("sgd")  # two half micro-batches of mean/2 = the mean of the batch
    for got in load(out):
        for name, want in ref.items():
            np.testing.assert_allclose(got[name], want, rtol=0, atol=1e-6, err_msg=name)


def test_unused_parameters_found(tmp_path):
    out = str(tmp_path / "u")
    proc = mpirun(2, "unused", out, "1", cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    r0, r1 = load(out)
    # head a is used on rank 0 only, head b on rank 1 only: both get the average (half)
    for name in ("a.weight", "a.bias", "b.weight", "b.bias", "body.weight"):
        np.testing.assert_allclose(r0[name], r1[name], err_msg=name)
    assert np.isnan(r0["never.weight"]).all()  # unused on every rank: .grad stays None


def test_unused_parameters_without_find_unused_is_an_error(tmp_path):
    out = str(tmp_path / "u")
    proc = mpirun(2, "unused", out, "0", cwd=str(tmp_path))
    assert proc.returncode != 0
    assert "Expected to have finished reduction in the prior iteration" in proc.stderr
    assert "never.weight" in proc.stderr and "find_unused_parameters=True" in proc.stderr
