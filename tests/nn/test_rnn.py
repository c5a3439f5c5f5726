"""RNN, LSTM, GRU and their cells against PyTorch with identical weights (loaded from
PyTorch's state dict): outputs, final states, input/state/parameter gradients, and gradcheck."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from nn_helpers import close, sync, to_gg

import glassgrad as gg
import glassgrad.nn as nn
from glassgrad.autograd import gradcheck

CONFIGS = [
    {},
    {"num_layers": 2},
    {"bias": False},
    {"batch_first": True},
    {"bidirectional": True},
    {"num_layers": 2, "bidirectional": True, "batch_first": True},
]
KINDS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]


def _states(h: Any) -> tuple:
    return h if isinstance(h, tuple) else (h,)


def _make(kind: str, extra: dict, cfg: dict) -> tuple[Any, torch.nn.Module]:
    torch.manual_seed(0)
    tm = getattr(torch.nn, kind)(3, 4, **extra, **cfg).double()
    gm = getattr(nn, kind)(3, 4, **extra, **cfg, dtype=gg.float64)
    sync(gm, tm)
    return gm, tm


def _run(gm: Any, tm: torch.nn.Module, x: np.ndarray, hx: tuple | None) -> None:
    tx = torch.tensor(x, requires_grad=True)
    gx = to_gg(tx, True)
    th = None if hx is None else tuple(torch.tensor(h, requires_grad=True) for h in hx)
    gh = None if th is None else tuple(to_gg(h, True) for h in th)
    unpack = (lambda s: s) if isinstance(tm, torch.nn.LSTM) else (lambda s: s[0])
    tout, tstate = tm(tx, None if th is None else unpack(th))
    gout, gstate = gm(gx, None if gh is None else unpack(gh))
    close(gout, tout, 1e-12, what="output")
    for a, b in zip(_states(gstate), _states(tstate)):
        close(a, b, 1e-12, what="final state")
    rng = np.random.default_rng(2)
    ups = [rng.standard_normal(tuple(t.shape)) for t in (tout, *_states(tstate))]
    torch.autograd.backward([tout, *_states(tstate)], [torch.tensor(u) for u in ups])
    gg.autograd.backward([gout, *_states(gstate)], [gg.tensor(u) for u in ups])
    close(gx.grad, tx.grad, 1e-12, what="input grad")
    for a, b in zip(gh or (), th or ()):
        close(a.grad, b.grad, 1e-12, what="initial state grad")
    params = dict(gm.named_parameters())
    for name, p in tm.named_parameters():
        close(params[name].grad, p.grad, 1e-12, what=name)


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: "-".join(f"{k}={v}" for k, v in
                                                               c.items()) or "default")
@pytest.mark.parametrize("kind,extra", KINDS, ids=["rnn_tanh", "rnn_relu", "lstm", "gru"])
def test_recurrent_matches_torch(kind: str, extra: dict, cfg: dict) -> None:
    gm, tm = _make(kind, extra, cfg)
    assert list(gm.state_dict()) == list(tm.state_dict())
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 5, 3) if cfg.get("batch_first") else (5, 2, 3))
    _run(gm, tm, x, None)
    gm.zero_grad()
    tm.zero_grad()
    d = (2 if cfg.get("bidirectional") else 1) * cfg.get("num_layers", 1)
    n_states = 2 if kind == "LSTM" else 1
    _run(gm, tm, x, tuple(rng.standard_normal((d, 2, 4)) for _ in range(n_states)))


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_unbatched_input(kind: str) -> None:
    gm, tm = _make(kind, {}, {"num_layers": 2})
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 3))
    _run(gm, tm, x, None)
    gm.zero_grad()
    tm.zero_grad()
    _run(gm, tm, x, tuple(rng.standard_normal((2, 4)) for _ in range(2 if kind == "LSTM"
                                                                     else 1)))


def test_parameter_names_shapes_and_init() -> None:
    lstm = nn.LSTM(3, 5, num_layers=2, bidirectional=True)
    ref = torch.nn.LSTM(3, 5, num_layers=2, bidirectional=True)
    assert [(k, v.shape) for k, v in lstm.named_parameters()] == \
        [(k, tuple(v.shape)) for k, v in ref.named_parameters()]
    k = 1 / np.sqrt(5)
    for p in lstm.parameters():
        v = p.detach().numpy()
        assert np.all(np.abs(v) <= k) and v.std() > k / 4
    assert [(k, v.shape) for k, v in nn.GRU(2, 3, bias=False).named_parameters()] == \
        [("weight_ih_l0", (9, 2)), ("weight_hh_l0", (9, 3))]
    assert len(lstm.all_weights) == 4 and len(lstm.all_weights[0]) == 4


def test_dropout_between_layers_only_in_training() -> None:
    gm, tm = _make("GRU", {}, {"num_layers": 2, "dropout": 0.5})
    x = gg.tensor(np.random.default_rng(0).standard_normal((5, 2, 3)))
    gm.eval()
    tm.eval()
    close(gm(x)[0], tm(torch.tensor(x.numpy()))[0], 1e-12, what="eval output")
    gm.train()
    gg.manual_seed(0)
    a = gm(x)[0]
    gg.manual_seed(1)
    b = gm(x)[0]
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("batched", [True, False])
def test_cells(kind: str, batched: bool) -> None:
    torch.manual_seed(0)
    tm = getattr(torch.nn, kind)(3, 4).double()
    gm = getattr(nn, kind)(3, 4, dtype=gg.float64)
    sync(gm, tm)
    rng = np.random.default_rng(0)
    lead = (2,) if batched else ()
    x = rng.standard_normal(lead + (3,))
    hs = [rng.standard_normal(lead + (4,)) for _ in range(2 if kind == "LSTMCell" else 1)]
    tin = [torch.tensor(a, requires_grad=True) for a in [x, *hs]]
    gin = [to_gg(t, True) for t in tin]
    pick = (lambda a: tuple(a[1:])) if kind == "LSTMCell" else (lambda a: a[1])
    tout, gout = _states(tm(tin[0], pick(tin))), _states(gm(gin[0], pick(gin)))
    for a, b in zip(gout, tout):
        close(a, b, 1e-12)
    sum((o * o).sum() for o in tout).backward()
    sum((o * o).sum() for o in gout).backward()
    for a, b in zip(gin, tin):
        close(a.grad, b.grad, 1e-12)
    for name, p in tm.named_parameters():
        close(gm.get_parameter(name).grad, p.grad, 1e-12, what=name)
    # no initial state: zeros
    close(_states(gm(gin[0]))[0], _states(tm(tin[0]))[0], 1e-12)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_gradcheck(kind: str) -> None:
    gm = getattr(nn, kind)(2, 3, bidirectional=True, dtype=gg.float64)
    w = gm.weight_hh_l0_reverse
    x = gg.tensor(np.random.default_rng(0).standard_normal((3, 1, 2)), requires_grad=True)

    def f(x: gg.Tensor, w_: gg.Tensor) -> gg.Tensor:
        gm._parameters["weight_hh_l0_reverse"] = w_
        try:
            out, h = gm(x)
            return out.sum() + _states(h)[-1].sum()
        finally:
            gm._parameters["weight_hh_l0_reverse"] = w

    assert gradcheck(f, [x, w.detach().clone().requires_grad_()])


def test_wrong_shapes() -> None:
    with pytest.raises(RuntimeError, match="input_size"):
        nn.GRU(3, 4)(gg.zeros(5, 2, 2))
    with pytest.raises(RuntimeError, match="hidden size"):
        nn.RNN(3, 4)(gg.zeros(5, 2, 3), gg.zeros(2, 2, 4))
