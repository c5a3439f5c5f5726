"""Losses against PyTorch: values and gradients for every reduction and option, float64
gradcheck, and the numerical edge cases (extreme logits, probabilities of exactly 0 and 1)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from nn_helpers import close

import glassgrad as gg
import glassgrad.nn as nn
import glassgrad.nn.functional as F
from glassgrad.autograd import gradcheck

REDUCTIONS = ["none", "mean", "sum"]


def _pair(a: Any, grad: bool) -> tuple[Any, Any]:
    """(glassgrad, torch) versions of a NumPy value (None and Python values pass through)."""
    if not isinstance(a, np.ndarray):
        return a, a
    g = a.dtype.kind == "f" and grad
    return gg.tensor(a, requires_grad=g), torch.tensor(a, requires_grad=g)


def check(gfn: Any, tfn: Any, args: list, kwargs: dict | None = None, grad: tuple = (0,),
          atol: float = 1e-10) -> None:
    """Same NumPy inputs to both losses: values agree, and gradients of every input in
    ``grad`` (positions in ``args``) agree, with a random upstream gradient."""
    kwargs = kwargs or {}
    pairs = [_pair(a, i in grad) for i, a in enumerate(args)]
    kw = {k: _pair(v, False) for k, v in kwargs.items()}
    gout = gfn(*[p[0] for p in pairs], **{k: v[0] for k, v in kw.items()})
    tout = tfn(*[p[1] for p in pairs], **{k: v[1] for k, v in kw.items()})
    close(gout, tout, atol=atol, rtol=1e-7, what="forward")
    up = np.random.default_rng(1).standard_normal(tuple(tout.shape))
    gout.backward(gg.tensor(up))
    tout.backward(torch.tensor(up))
    for i in grad:
        close(pairs[i][0].grad, pairs[i][1].grad, atol=atol, rtol=1e-7, what=f"grad {i}")


rng = np.random.default_rng(0)
LOGITS = rng.standard_normal((6, 5))
TARGET = np.array([1, 0, 4, 2, -100, 3])
WEIGHT = rng.uniform(0.5, 2.0, 5)
PROBS = rng.dirichlet(np.ones(5), 6)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, WEIGHT], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("smoothing", [0.0, 0.15])
def test_cross_entropy_indices(reduction: str, weight: Any, smoothing: float) -> None:
    check(F.cross_entropy, TF.cross_entropy, [LOGITS, TARGET, weight],
          {"reduction": reduction, "label_smoothing": smoothing})


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, WEIGHT], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_probabilities(reduction: str, weight: Any, smoothing: float) -> None:
    check(F.cross_entropy, TF.cross_entropy, [LOGITS, PROBS, weight],
          {"reduction": reduction, "label_smoothing": smoothing}, grad=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_spatial_and_ignore_index(reduction: str) -> None:
    x = rng.standard_normal((2, 4, 3, 3))
    t = rng.integers(0, 4, (2, 3, 3))
    t[0, 0, 0] = t[1, 2, 1] = 2
    check(F.cross_entropy, TF.cross_entropy, [x, t, WEIGHT[:4]],
          {"reduction": reduction, "ignore_index": 2, "label_smoothing": 0.1})


def test_cross_entropy_unbatched_and_extreme_logits() -> None:
    check(F.cross_entropy, TF.cross_entropy, [LOGITS[0], np.array(3)])
    huge = np.array([[1e4, -1e4, 0.0], [-3e3, 2e3, 2e3]])
    check(F.cross_entropy, TF.cross_entropy, [huge, np.array([1, 0])])
    out = F.cross_entropy(gg.tensor(huge.astype(np.float32)), gg.tensor(np.array([1, 0])))
    assert np.isfinite(out.item())


def test_cross_entropy_float32() -> None:
    check(F.cross_entropy, TF.cross_entropy, [LOGITS.astype(np.float32), TARGET, None],
          {"label_smoothing": 0.1}, atol=1e-5)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, WEIGHT], ids=["unweighted", "weighted"])
def test_nll_loss(reduction: str, weight: Any) -> None:
    logp = np.log(PROBS)
    check(F.nll_loss, TF.nll_loss, [logp, TARGET, weight], {"reduction": reduction})
    check(F.nll_loss, TF.nll_loss, [logp, np.where(TARGET < 0, 4, TARGET), weight],
          {"reduction": reduction, "ignore_index": 4})


@pytest.mark.filterwarnings("ignore:invalid value")
def test_nll_loss_all_ignored_mean_is_nan() -> None:
    out = F.nll_loss(gg.tensor(np.log(PROBS[:2])), gg.tensor(np.array([-100, -100])))
    assert np.isnan(out.item())
    assert np.isnan(TF.nll_loss(torch.tensor(np.log(PROBS[:2])),
                                torch.tensor([-100, -100])).item())


def test_nll_loss_rejects_out_of_range_target() -> None:
    with pytest.raises(IndexError):
        F.nll_loss(gg.tensor(np.log(PROBS)), gg.tensor(np.array([0, 1, 2, 3, 4, 5])))


X = rng.standard_normal((4, 3))
Y = X + rng.standard_normal((4, 3)) * np.array([0.1, 1.0, 3.0])
Y[0, 0] = X[0, 0]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_regression(name: str, reduction: str) -> None:
    check(getattr(F, name), getattr(TF, name), [X, Y], {"reduction": reduction}, grad=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0, 2.5])
def test_smooth_l1(reduction: str, beta: float) -> None:
    check(F.smooth_l1_loss, TF.smooth_l1_loss, [X, Y], {"reduction": reduction, "beta": beta},
          grad=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("delta", [0.3, 1.0, 2.5])
def test_huber(reduction: str, delta: float) -> None:
    check(F.huber_loss, TF.huber_loss, [X, Y], {"reduction": reduction, "delta": delta},
          grad=(0, 1))


P = rng.uniform(0.02, 0.98, (4, 3))
T01 = rng.uniform(0, 1, (4, 3))
BW = rng.uniform(0.5, 2.0, (4, 3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, BW], ids=["unweighted", "weighted"])
def test_binary_cross_entropy(reduction: str, weight: Any) -> None:
    check(F.binary_cross_entropy, TF.binary_cross_entropy, [P, T01, weight],
          {"reduction": reduction}, grad=(0, 1))


def test_binary_cross_entropy_at_zero_and_one() -> None:
    """Logs clamp at -100 and the gradient stays finite, exactly as PyTorch."""
    p = np.array([0.0, 1.0, 0.0, 1.0, 1e-30, 0.5])
    t = np.array([0.0, 1.0, 1.0, 0.0, 0.3, 0.5])
    check(F.binary_cross_entropy, TF.binary_cross_entropy, [p, t], {"reduction": "none"},
          atol=1e-3)
    with pytest.raises(Exception, match="between 0 and 1"):
        F.binary_cross_entropy(gg.tensor([1.5]), gg.tensor([1.0]))


LOGIT = rng.standard_normal((4, 3)) * 3
LOGIT[0, 0] = 0.0  # the softplus kink: the gradient must still be sigmoid(0) - y
POSW = rng.uniform(0.5, 3.0, 3)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, BW], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("pos_weight", [None, POSW], ids=["no_pos_weight", "pos_weight"])
def test_bce_with_logits(reduction: str, weight: Any, pos_weight: Any) -> None:
    check(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits,
          [LOGIT, T01, weight], {"reduction": reduction, "pos_weight": pos_weight},
          grad=(0, 1))


def test_bce_with_logits_is_stable_for_huge_logits() -> None:
    x = np.array([1e4, -1e4, 800.0, -800.0])
    t = np.array([0.0, 1.0, 0.5, 0.5])
    check(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits, [x, t],
          {"reduction": "none"}, grad=(0, 1))


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction: str, log_target: bool) -> None:
    logq = np.log(rng.dirichlet(np.ones(5), 4))
    p = rng.dirichlet(np.ones(5), 4)
    p[0, 1] = 0.0  # xlogy(0, 0) = 0
    target = np.log(rng.dirichlet(np.ones(5), 4)) if log_target else p
    check(F.kl_div, TF.kl_div, [logq, target], {"reduction": reduction,
                                                "log_target": log_target},
          grad=(0,) if not log_target else (0, 1))


# modules ------------------------------------------------------------------------------------


MODULES = [
    ("CrossEntropyLoss", {"label_smoothing": 0.1, "reduction": "sum"}, LOGITS, TARGET),
    ("CrossEntropyLoss", {"ignore_index": 0}, LOGITS, np.where(TARGET < 0, 0, TARGET)),
    ("NLLLoss", {}, np.log(PROBS), TARGET),
    ("MSELoss", {"reduction": "sum"}, X, Y),
    ("L1Loss", {}, X, Y),
    ("SmoothL1Loss", {"beta": 0.5}, X, Y),
    ("HuberLoss", {"delta": 0.5}, X, Y),
    ("BCELoss", {}, P, T01),
    ("BCEWithLogitsLoss", {"reduction": "none"}, LOGIT, T01),
    ("KLDivLoss", {"reduction": "batchmean"}, np.log(PROBS), PROBS),
    ("KLDivLoss", {"log_target": True, "reduction": "sum"}, np.log(PROBS),
     np.log(PROBS[::-1].copy())),
]


@pytest.mark.parametrize("name,kwargs,x,y", MODULES, ids=[m[0] for m in MODULES])
def test_loss_modules(name: str, kwargs: dict, x: np.ndarray, y: np.ndarray) -> None:
    check(getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs), [x, y])


def test_weighted_modules_keep_weight_as_buffer() -> None:
    w = WEIGHT
    gm, tm = nn.CrossEntropyLoss(weight=gg.tensor(w)), torch.nn.CrossEntropyLoss(
        weight=torch.tensor(w))
    assert set(gm.state_dict()) == set(tm.state_dict()) == {"weight"}
    check(gm, tm, [LOGITS, TARGET])
    gm = nn.BCEWithLogitsLoss(weight=gg.tensor(BW), pos_weight=gg.tensor(POSW))
    tm = torch.nn.BCEWithLogitsLoss(weight=torch.tensor(BW), pos_weight=torch.tensor(POSW))
    assert set(gm.state_dict()) == set(tm.state_dict())
    check(gm, tm, [LOGIT, T01])


def test_legacy_reduction_flags() -> None:
    assert nn.MSELoss(size_average=False).reduction == "sum"
    assert nn.MSELoss(reduce=False).reduction == "none"
    assert nn.L1Loss(size_average=True, reduce=True).reduction == "mean"


def test_bad_reduction() -> None:
    with pytest.raises(ValueError):
        F.mse_loss(gg.tensor(X), gg.tensor(Y), reduction="avg")


# float64 gradcheck (including second derivatives through log_softmax / BCE's rule) ----------


def _leaf(a: np.ndarray) -> gg.Tensor:
    return gg.tensor(a, requires_grad=True)


def test_gradcheck_losses() -> None:
    t = gg.tensor(TARGET[:4])
    w = gg.tensor(WEIGHT)
    assert gradcheck(lambda x: F.cross_entropy(x, t, w, label_smoothing=0.2),
                     [_leaf(LOGITS[:4])])
    assert gradcheck(lambda x, p: F.cross_entropy(x, p, label_smoothing=0.1),
                     [_leaf(LOGITS[:3]), _leaf(PROBS[:3])])
    assert gradcheck(lambda x, y: F.binary_cross_entropy(x, y, reduction="sum"),
                     [_leaf(P[:2]), _leaf(T01[:2])])
    pw = gg.tensor(POSW)
    assert gradcheck(lambda x, y: F.binary_cross_entropy_with_logits(x, y, pos_weight=pw),
                     [_leaf(LOGIT[:2]), _leaf(T01[:2])])
    assert gradcheck(lambda x, y: F.smooth_l1_loss(x, y, beta=0.7), [_leaf(X), _leaf(Y)])
    assert gradcheck(lambda x, y: F.huber_loss(x, y, delta=0.7), [_leaf(X), _leaf(Y)])
    assert gradcheck(lambda x, y: F.kl_div(x, y, reduction="batchmean", log_target=True),
                     [_leaf(np.log(PROBS[:2])), _leaf(np.log(PROBS[2:4]))])


def _grad_of(f: Any) -> Any:
    """x -> df/dx with create_graph, for gradcheck of second derivatives. (autograd's
    gradgradcheck passes its perturbed inputs without requires_grad; see the report.)"""

    def g(x: gg.Tensor) -> gg.Tensor:
        x = x if x.requires_grad else x.detach().requires_grad_()
        return gg.autograd.grad(f(x), x, create_graph=True)[0]

    return g


def test_second_derivatives() -> None:
    t = gg.tensor(TARGET[:3])
    y = gg.tensor(T01[:2])
    assert gradcheck(_grad_of(lambda x: F.cross_entropy(x, t, label_smoothing=0.1)),
                     [_leaf(LOGITS[:3])])
    assert gradcheck(_grad_of(lambda x: F.binary_cross_entropy(x, y)), [_leaf(P[:2])])
    assert gradcheck(_grad_of(lambda x: F.binary_cross_entropy_with_logits(x, y)),
                     [_leaf(LOGIT[:2])])
