"""Every scheduler against torch.optim.lr_scheduler over many steps, two param groups with
different learning rates, including a state-dict round trip mid-schedule."""

from __future__ import annotations

import io
import warnings

import pytest
import torch

import glassgrad as gg
from glassgrad import optim
from glassgrad.optim import lr_scheduler as gsched

STEPS = 120


def _lam(epoch: int) -> float:
    return 0.97 ** epoch + 0.1 * (epoch % 7)


SCHEDULERS = [
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[10, 30, 30, 80], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.97)),
    ("CosineAnnealingLR", dict(T_max=25)),
    ("CosineAnnealingLR", dict(T_max=40, eta_min=0.001)),
    ("LambdaLR", dict(lr_lambda=_lam)),
    ("OneCycleLR", dict(max_lr=[0.5, 1.0], total_steps=STEPS + 1)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=STEPS + 1, anneal_strategy="linear",
                        pct_start=0.25, div_factor=10.0, final_div_factor=100.0)),
    ("OneCycleLR", dict(max_lr=0.5, epochs=11, steps_per_epoch=11, three_phase=True)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=STEPS + 1, cycle_momentum=False)),
]
OPTIMIZERS = [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.1))]


def _ids(case: tuple) -> str:
    name, kw = case
    return name + "-" + ",".join(f"{k}={getattr(v, '__name__', v)}" for k, v in kw.items())


def _make(lib: object, opt_case: tuple, sched_case: tuple) -> tuple:
    opt_name, okw = opt_case
    sched_name, skw = sched_case
    is_torch = lib is torch
    mk = (lambda: torch.nn.Parameter(torch.zeros(2))) if is_torch else \
        (lambda: gg.Parameter(gg.zeros(2)))
    opt_mod = torch.optim if is_torch else optim
    sched_mod = torch.optim.lr_scheduler if is_torch else gsched
    opt = getattr(opt_mod, opt_name)([{"params": [mk()]}, {"params": [mk()], "lr": 0.03}],
                                     **okw)
    return opt, getattr(sched_mod, sched_name)(opt, **skw)


def _momentum(group: dict) -> float:
    return group["betas"][0] if "betas" in group else group["momentum"]


def _compare(gopt: optim.Optimizer, gs: gsched.LRScheduler, topt: torch.optim.Optimizer,
             ts: torch.optim.lr_scheduler.LRScheduler, step: int) -> None:
    assert gs.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-13, abs=1e-15), step
    for g, t in zip(gopt.param_groups, topt.param_groups):
        assert g["lr"] == pytest.approx(t["lr"], rel=1e-13, abs=1e-15), step
        assert _momentum(g) == pytest.approx(_momentum(t), rel=1e-13), step
    assert gs.last_epoch == ts.last_epoch


@pytest.mark.parametrize("opt_case", OPTIMIZERS, ids=_ids)
@pytest.mark.parametrize("sched_case", SCHEDULERS, ids=_ids)
def test_matches_torch(sched_case: tuple, opt_case: tuple) -> None:
    gopt, gs = _make(gg, opt_case, sched_case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        topt, ts = _make(torch, opt_case, sched_case)
    _compare(gopt, gs, topt, ts, 0)
    for step in range(1, STEPS + 1):
        gopt.step()
        topt.step()
        gs.step()
        ts.step()
        _compare(gopt, gs, topt, ts, step)


@pytest.mark.parametrize("sched_case", SCHEDULERS, ids=_ids)
def test_state_dict_round_trip(sched_case: tuple) -> None:
    """Save optimizer and scheduler at step 50 (through gg.save), rebuild both, continue."""
    opt_case = OPTIMIZERS[0]
    gopt, gs = _make(gg, opt_case, sched_case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        topt, ts = _make(torch, opt_case, sched_case)
    for _ in range(50):
        gopt.step(), topt.step(), gs.step(), ts.step()
    buf = io.BytesIO()
    gg.save({"optimizer": gopt.state_dict(), "scheduler": gs.state_dict()}, buf)
    buf.seek(0)
    ckpt = gg.load(buf)
    gopt, gs2 = _make(gg, opt_case, sched_case)
    gopt.load_state_dict(ckpt["optimizer"])
    gs2.load_state_dict(ckpt["scheduler"])
    _compare(gopt, gs2, topt, ts, 50)
    for step in range(51, STEPS + 1):
        gopt.step(), topt.step(), gs2.step(), ts.step()
        _compare(gopt, gs2, topt, ts, step)


def test_step_with_epoch_uses_closed_form() -> None:
    opt = optim.SGD([gg.Parameter(gg.zeros(1))], lr=1.0)
    s = gsched.StepLR(opt, step_size=3, gamma=0.5)
    s.step(7)
    assert s.get_last_lr() == [0.25]


def test_one_cycle_rejects_stepping_past_the_end() -> None:
    opt = optim.SGD([gg.Parameter(gg.zeros(1))], lr=1.0, momentum=0.9)
    s = gsched.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(2):
        s.step()
    s.step()
    with pytest.raises(ValueError, match="Tried to step"):
        s.step()


def test_one_cycle_needs_momentum() -> None:
    opt = optim.Adagrad([gg.Parameter(gg.zeros(1))])
    with pytest.raises(ValueError, match="momentum"):
        gsched.OneCycleLR(opt, max_lr=1.0, total_steps=10)
