"""Every optimizer and option against torch.optim: same start, same gradient function, the
parameters compared after every step."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glassgrad as gg
from glassgrad import optim

SHAPES = [(5, 4), (4,), (3, 2, 2)]
STEPS = 60
# norm-wise relative error: elementwise relative error is meaningless for entries near zero,
# and torch's kernels use fused multiply-adds, so float32 results differ by rounding
TOL = {np.float32: 1e-6, np.float64: 1e-12}
GG_DTYPE = {np.float32: gg.float32, np.float64: gg.float64}

CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.02, momentum=0.9)),
    ("SGD", dict(lr=0.02, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.02, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, weight_decay=0.1)),
    ("SGD", dict(lr=0.02, momentum=0.8, weight_decay=0.1, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-3)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True, weight_decay=0.05, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.2, amsgrad=True)),
    ("AdamW", dict(lr=0.01, betas=(0.5, 0.9), maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-4)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, eps=1e-3, maximize=True)),
]


def _ids(case: tuple) -> str:
    name, kw = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in kw.items())


def grad_of(x: np.ndarray, step: int, i: int) -> np.ndarray:
    """A gradient that depends on the parameter (so errors would compound) and on the step."""
    noise = np.random.default_rng(1000 * step + i).standard_normal(x.shape).astype(x.dtype)
    return np.cos(3 * x) + x * x.dtype.type(0.5) + noise


class Pair:
    """The same parameters in glassgrad and torch, each driven by its own optimizer."""

    def __init__(self, name: str, dtype: type, groups: list[dict] | None = None,
                 **kw: object) -> None:
        rng = np.random.default_rng(0)
        self.init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
        self.gp = [gg.Parameter(gg.tensor(a)) for a in self.init]
        self.tp = [torch.nn.Parameter(torch.tensor(a)) for a in self.init]
        self.name, self.dtype, self.kw = name, dtype, kw
        if groups is None:
            self.gopt = getattr(optim, name)(self.gp, **kw)
            self.topt = getattr(torch.optim, name)(self.tp, **kw)
        else:  # groups: [{"idx": [...], **options}]
            self.gopt = getattr(optim, name)(
                [{**{k: v for k, v in g.items() if k != "idx"},
                  "params": [self.gp[i] for i in g["idx"]]} for g in groups], **kw)
            self.topt = getattr(torch.optim, name)(
                [{**{k: v for k, v in g.items() if k != "idx"},
                  "params": [self.tp[i] for i in g["idx"]]} for g in groups], **kw)
        self.step_no = 0

    def set_grads(self) -> None:
        for i, (g, t) in enumerate(zip(self.gp, self.tp)):
            g.grad = gg.tensor(grad_of(g.detach().numpy(), self.step_no, i))
            t.grad = torch.tensor(grad_of(t.detach().numpy(), self.step_no, i))

    def step(self) -> None:
        self.set_grads()
        self.gopt.step()
        self.topt.step()
        self.step_no += 1
        self.check()

    def check(self) -> None:
        for g, t in zip(self.gp, self.tp):
            assert g.dtype is GG_DTYPE[self.dtype]
            a, b = g.detach().numpy(), t.detach().numpy()
            err = np.abs(a - b).max() / np.abs(b).max()
            assert err <= TOL[self.dtype], f"step {self.step_no}: relative error {err:.2e}"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_matches_torch(case: tuple, dtype: type) -> None:
    name, kw = case
    pair = Pair(name, dtype, **kw)
    for _ in range(STEPS):
        pair.step()


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.02, momentum=0.9)),
                                     ("Adam", dict(lr=0.01, amsgrad=True)),
                                     ("RMSprop", dict(lr=0.01, centered=True, momentum=0.3)),
                                     ("Adagrad", dict(lr=0.1, lr_decay=0.01))])
def test_param_groups_with_different_options(name: str, kw: dict) -> None:
    groups = [{"idx": [0, 2], "lr": kw["lr"] * 3, "weight_decay": 0.1}, {"idx": [1]}]
    pair = Pair(name, np.float64, groups=groups, **kw)
    assert pair.gopt.param_groups[0]["lr"] == kw["lr"] * 3
    assert pair.gopt.param_groups[1]["lr"] == kw["lr"]
    for _ in range(STEPS):
        pair.step()


@pytest.mark.parametrize("case", [c for i, c in enumerate(CASES) if i % 3 == 0 or
                                  "amsgrad" in c[1] or "centered" in c[1]], ids=_ids)
def test_state_dict_round_trip_mid_training(case: tuple) -> None:
    """Save at step 25, rebuild the optimizer from the state dict, continue: still equal."""
    name, kw = case
    pair = Pair(name, np.float64, **kw)
    for _ in range(25):
        pair.step()
    sd = pair.gopt.state_dict()
    tsd = pair.topt.state_dict()
    assert sd["param_groups"][0]["params"] == tsd["param_groups"][0]["params"]
    assert sorted(sd["state"]) == sorted(tsd["state"])
    for i, tstate in tsd["state"].items():
        assert set(sd["state"][i]) == set(tstate)
        for k, v in tstate.items():
            np.testing.assert_allclose(sd["state"][i][k].numpy(), v.numpy(), rtol=1e-12)
    fresh = getattr(optim, name)(pair.gp, lr=123.0)
    fresh.load_state_dict(sd)
    assert fresh.param_groups[0]["lr"] == kw["lr"]
    # the loaded state is a copy: stepping the old optimizer must not move the new one
    assert all(a is not b for a, b in zip(fresh.state.values(), pair.gopt.state.values()))
    pair.gopt = fresh
    for _ in range(30):
        pair.step()


def test_load_state_dict_from_torch_layout() -> None:
    """A torch optimizer's state dict (tensors converted) loads and continues in step."""
    pair = Pair("Adam", np.float64, lr=0.01, amsgrad=True)
    for _ in range(10):
        pair.step()
    tsd = pair.topt.state_dict()
    converted = {"state": {i: {k: gg.tensor(v.numpy()) for k, v in s.items()}
                           for i, s in tsd["state"].items()},
                 "param_groups": tsd["param_groups"]}
    pair.gopt = optim.Adam(pair.gp)
    pair.gopt.load_state_dict(converted)
    for _ in range(20):
        pair.step()


def test_zero_grad() -> None:
    p = gg.Parameter(gg.ones(3))
    opt = optim.SGD([p], lr=0.1)
    p.grad = gg.ones(3)
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and p.grad.numpy().tolist() == [0, 0, 0]
    opt.zero_grad()
    assert p.grad is None
    opt.step()  # no gradient: nothing moves, no error
    assert p.detach().numpy().tolist() == [1, 1, 1]


def test_with_autograd_and_closure() -> None:
    """A small regression trained end to end through glassgrad's autograd matches torch."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((16, 3))
    y = rng.standard_normal((16, 1))
    w0, b0 = rng.standard_normal((3, 1)), np.zeros(1)
    gw, gb = gg.Parameter(gg.tensor(w0)), gg.Parameter(gg.tensor(b0))
    tw, tb = torch.nn.Parameter(torch.tensor(w0)), torch.nn.Parameter(torch.tensor(b0))
    gopt = optim.AdamW([gw, gb], lr=0.05)
    topt = torch.optim.AdamW([tw, tb], lr=0.05)
    gx, gy, tx, ty = gg.tensor(x), gg.tensor(y), torch.tensor(x), torch.tensor(y)

    def gclosure() -> gg.Tensor:
        gopt.zero_grad()
        loss = ((gx.matmul(gw) + gb).tanh() - gy).pow(2).mean()
        loss.backward()
        return loss

    def tclosure() -> torch.Tensor:
        topt.zero_grad()
        loss = ((tx @ tw + tb).tanh() - ty).pow(2).mean()
        loss.backward()
        return loss

    for _ in range(50):
        gl, tl = gopt.step(gclosure), topt.step(tclosure)
        np.testing.assert_allclose(gl.item(), tl.item(), rtol=1e-12)
    np.testing.assert_allclose(gw.detach().numpy(), tw.detach().numpy(), rtol=1e-12)


def test_add_param_group_and_errors() -> None:
    a, b = gg.Parameter(gg.ones(2)), gg.Parameter(gg.ones(2))
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.5})
    assert opt.param_groups[1]["momentum"] == 0.9 and opt.param_groups[1]["lr"] == 0.5
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])
    with pytest.raises(ValueError, match="Invalid learning rate"):
        optim.SGD([a], lr=-1)
    with pytest.raises(TypeError):
        optim.SGD(a, lr=0.1)


def test_step_bumps_version_counter() -> None:
    p = gg.Parameter(gg.ones(2))
    p.grad = gg.ones(2)
    v = p._version
    optim.SGD([p], lr=0.1).step()
    assert p._version == v + 1
