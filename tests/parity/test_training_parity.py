"""Training parity with PyTorch: same weights, same batches, losses equal step for step.

Each case builds the same model in PyTorch and glassgrad, copies PyTorch's initial weights
into glassgrad through state_dict, trains both for 50 optimizer steps on identical batches and
compares every step's loss (relative difference < 1e-4 in float32, < 1e-8 in float64).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch

import glassgrad as gg
from glassgrad import nn

STEPS = 50
TOL = {"float32": 1e-4, "float64": 1e-8}


def copy_weights(src: torch.nn.Module, dst: nn.Module) -> None:
    state = {k: gg.tensor(v.detach().numpy()) for k, v in src.state_dict().items()}
    dst.load_state_dict(state)


def run_both(make_torch: Callable, make_gg: Callable, make_opt: Callable, batches: list,
             loss_fns: tuple, dtype: str, clip: float | None = None,
             schedule: Callable | None = None) -> tuple[list[float], list[float]]:
    torch.manual_seed(0)
    tdt, gdt = getattr(torch, dtype), getattr(gg, dtype)
    tm = make_torch().to(tdt)
    gm = make_gg().to(gdt)
    copy_weights(tm, gm)
    topt, gopt = make_opt(torch.optim, tm), make_opt(gg.optim, gm)
    tsched = schedule(torch.optim, topt) if schedule else None
    gsched = schedule(gg.optim, gopt) if schedule else None
    t_losses, g_losses = [], []
    for x, y in batches:
        tx = torch.tensor(x).to(tdt) if x.dtype.kind == "f" else torch.tensor(x)
        gx = gg.tensor(x).to(gdt) if x.dtype.kind == "f" else gg.tensor(x)
        ty = torch.tensor(y).to(tdt) if y.dtype.kind == "f" else torch.tensor(y)
        gy = gg.tensor(y).to(gdt) if y.dtype.kind == "f" else gg.tensor(y)
        for model, opt, lx, ly, fn, out, lib, sched in (
                (tm, topt, tx, ty, loss_fns[0], t_losses, torch, tsched),
                (gm, gopt, gx, gy, loss_fns[1], g_losses, gg, gsched)):
            loss = fn(model(lx), ly)
            opt.zero_grad()
            loss.backward()
            if clip is not None:
                lib.nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            if sched is not None:
                sched.step()
            out.append(loss.item())
    return t_losses, g_losses


def assert_same(t_losses: list[float], g_losses: list[float], dtype: str) -> None:
    t, g = np.array(t_losses), np.array(g_losses)
    rel = np.abs(t - g) / np.maximum(np.abs(t), 1e-12)
    worst = int(rel.argmax())
    assert rel.max() < TOL[dtype], (
        f"step {worst}: torch {t[worst]!r} glassgrad {g[worst]!r} (relative {rel[worst]:.2e})")
    assert t[-1] < t[0], "the model should learn something in 50 steps"


def classification_batches(shape: tuple, classes: int, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((classes, *shape[1:]))
    out = []
    for _ in range(STEPS):
        y = rng.integers(0, classes, shape[0])
        x = centers[y] + 0.5 * rng.standard_normal(shape)
        out.append((x, y))
    return out


def ce(lib: object) -> Callable:
    return lib.nn.CrossEntropyLoss()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mlp_sgd_momentum(dtype: str) -> None:
    def make(lib: object) -> Callable:
        return lambda: lib.nn.Sequential(lib.nn.Linear(20, 64), lib.nn.ReLU(),
                                         lib.nn.Linear(64, 64), lib.nn.Tanh(),
                                         lib.nn.Linear(64, 5))

    losses = run_both(make(torch), make(gg), lambda o, m: o.SGD(
        m.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4),
        classification_batches((32, 20), 5), (ce(torch), ce(gg)), dtype)
    assert_same(*losses, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mlp_gradient_clipping(dtype: str) -> None:
    def make(lib: object) -> Callable:
        return lambda: lib.nn.Sequential(lib.nn.Linear(20, 64), lib.nn.GELU(),
                                         lib.nn.Linear(64, 5))

    losses = run_both(make(torch), make(gg), lambda o, m: o.SGD(m.parameters(), lr=0.5),
                      classification_batches((32, 20), 5, seed=1), (ce(torch), ce(gg)), dtype,
                      clip=0.5)
    assert_same(*losses, dtype)


def _cnn(lib: object) -> Callable:
    n = lib.nn
    return lambda: n.Sequential(
        n.Conv2d(1, 8, 3, padding=1), n.BatchNorm2d(8), n.ReLU(),
        n.Conv2d(8, 16, 3, padding=1, stride=2), n.BatchNorm2d(16), n.ReLU(),
        n.MaxPool2d(2), n.Flatten(), n.Linear(16 * 2 * 2, 4))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cnn_batchnorm_adamw(dtype: str) -> None:
    losses = run_both(_cnn(torch), _cnn(gg), lambda o, m: o.AdamW(
        m.parameters(), lr=3e-3, weight_decay=0.05),
        classification_batches((16, 1, 8, 8), 4, seed=2), (ce(torch), ce(gg)), dtype)
    assert_same(*losses, dtype)


class _SeqModel:
    """LSTM over a sequence, classifying from the last step (built for either library)."""

    @staticmethod
    def make(lib: object) -> Callable:
        class Model(lib.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.lstm = lib.nn.LSTM(6, 24, num_layers=2, batch_first=True)
                self.head = lib.nn.Linear(24, 3)

            def forward(self, x: object) -> object:
                h, _ = self.lstm(x)
                return self.head(h[:, -1])

        return Model


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lstm_adam(dtype: str) -> None:
    losses = run_both(_SeqModel.make(torch), _SeqModel.make(gg),
                      lambda o, m: o.Adam(m.parameters(), lr=1e-2),
                      classification_batches((8, 10, 6), 3, seed=3), (ce(torch), ce(gg)),
                      dtype)
    assert_same(*losses, dtype)


def _encoder(lib: object) -> Callable:
    class Model(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            layer = lib.nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.0,
                                                   batch_first=True)
            self.encoder = lib.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False) \
                if lib is torch else lib.nn.TransformerEncoder(layer, 2)
            self.head = lib.nn.Linear(16, 3)

        def forward(self, x: object) -> object:
            return self.head(self.encoder(x).mean(1))

    return Model


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_transformer_encoder_adamw_cosine(dtype: str) -> None:
    losses = run_both(_encoder(torch), _encoder(gg),
                      lambda o, m: o.AdamW(m.parameters(), lr=3e-3),
                      classification_batches((8, 6, 16), 3, seed=4), (ce(torch), ce(gg)),
                      dtype, schedule=lambda o, opt: o.lr_scheduler.CosineAnnealingLR(opt, STEPS))
    assert_same(*losses, dtype)
