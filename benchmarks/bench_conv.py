"""A small CNN training step: glassgrad vs hand-written NumPy im2col vs PyTorch CPU.

Model: Conv2d(1,16,3,p=1) -> ReLU -> Conv2d(16,32,3,p=1) -> ReLU -> MaxPool2d(2) -> Flatten ->
Linear(32*4*4, 10), log-softmax NLL loss, batch of 64 1x8x8 images; one step = forward,
backward (all parameter gradients) and an SGD update. Prints a table of ms/step and ratios.

    python benchmarks/bench_conv.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

import glassgrad as gg
import glassgrad.nn as nn
import glassgrad.nn.functional as F

N, LR = 64, 0.01


# hand-written NumPy: im2col convolutions, the same algorithm glassgrad runs ------------------


def windows(x: np.ndarray, k: int, s: int, p: int) -> np.ndarray:
    """(N, C, Ho, Wo, k, k) strided view of the windows of the padded input."""
    if p:
        x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    return np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::s, ::s]


def fold(cols: np.ndarray, shape: tuple, k: int, s: int, p: int) -> np.ndarray:
    """col2im: add the (N, C, Ho, Wo, k, k) window gradients back into (N, C, H, W)."""
    n, c, h, w = shape
    ho, wo = cols.shape[2:4]
    out = np.zeros((n, c, h + 2 * p, w + 2 * p), cols.dtype)
    for i in range(k):
        for j in range(k):
            out[:, :, i:i + s * (ho - 1) + 1:s, j:j + s * (wo - 1) + 1:s] += cols[..., i, j]
    return out[:, :, p:p + h, p:p + w]


def conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple:
    """3x3 'same' convolution by im2col + one GEMM; NCHW in and out."""
    win = windows(x, 3, 1, 1)
    n, _, ho, wo = win.shape[:4]
    rows = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, -1)
    out = (rows @ w.reshape(w.shape[0], -1).T).reshape(n, ho, wo, -1).transpose(0, 3, 1, 2)
    return np.ascontiguousarray(out) + b.reshape(-1, 1, 1), rows


def conv_backward(g: np.ndarray, rows: np.ndarray, w: np.ndarray, x_shape: tuple) -> tuple:
    n, o, ho, wo = g.shape
    g2 = g.transpose(0, 2, 3, 1).reshape(-1, o)
    gw = (g2.T @ rows).reshape(w.shape)
    gcols = (g2 @ w.reshape(o, -1)).reshape(n, ho, wo, x_shape[1], 3, 3)
    gx = fold(gcols.transpose(0, 3, 1, 2, 4, 5), x_shape, 3, 1, 1)
    return gx, gw, g.sum((0, 2, 3))


class NumpyNet:
    """The same model and algorithm written directly in NumPy (no autograd)."""

    def __init__(self, params: dict[str, np.ndarray]) -> None:
        self.p = {k: v.copy() for k, v in params.items()}

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        p = self.p
        n = x.shape[0]
        a1, rows1 = conv_forward(x, p["0.weight"], p["0.bias"])
        h1 = np.maximum(a1, 0)
        a2, rows2 = conv_forward(h1, p["2.weight"], p["2.bias"])
        h2 = np.maximum(a2, 0)
        win = windows(h2, 2, 2, 0)
        flat_win = win.reshape(win.shape[:4] + (4,))
        arg = flat_win.argmax(-1)
        pooled = np.take_along_axis(flat_win, arg[..., None], -1)[..., 0]
        flat = pooled.reshape(n, -1)
        logits = flat @ p["6.weight"].T + p["6.bias"]
        m = logits.max(1, keepdims=True)
        logp = logits - m - np.log(np.exp(logits - m).sum(1, keepdims=True))
        loss = -logp[np.arange(n), y].mean()
        # backward
        gl = np.exp(logp)
        gl[np.arange(n), y] -= 1
        gl /= n
        g = {"6.weight": gl.T @ flat, "6.bias": gl.sum(0)}
        gpool = (gl @ p["6.weight"]).reshape(pooled.shape)
        onehot = (arg[..., None] == np.arange(4)).reshape(arg.shape + (2, 2))
        gh2 = fold(gpool[..., None, None] * onehot, h2.shape, 2, 2, 0)
        gh1, g["2.weight"], g["2.bias"] = conv_backward(gh2 * (a2 > 0), rows2, p["2.weight"],
                                                        h1.shape)
        _, g["0.weight"], g["0.bias"] = conv_backward(gh1 * (a1 > 0), rows1, p["0.weight"],
                                                      x.shape)
        for k in p:
            p[k] -= LR * g[k]
        return float(loss)


def build_glassgrad() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 4 * 4, 10))


def glassgrad_step(model: nn.Module, x: gg.Tensor, y: gg.Tensor) -> Callable[[], float]:
    params = list(model.parameters())

    def step() -> float:
        logp = F.log_softmax(model(x), 1)
        loss = -logp[gg.arange(N), y].mean()
        for p in params:
            p.grad = None
        loss.backward()
        with gg.no_grad():
            for p in params:
                p.sub_(p.grad * LR)
        return loss.item()

    return step


def torch_step(params: dict[str, np.ndarray], x: np.ndarray,
               y: np.ndarray) -> Callable[[], float] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    tn = torch.nn
    model = tn.Sequential(tn.Conv2d(1, 16, 3, padding=1), tn.ReLU(),
                          tn.Conv2d(16, 32, 3, padding=1), tn.ReLU(), tn.MaxPool2d(2),
                          tn.Flatten(), tn.Linear(32 * 4 * 4, 10))
    model.load_state_dict({k: torch.tensor(v) for k, v in params.items()})
    tx, ty = torch.tensor(x), torch.tensor(y)
    opt = torch.optim.SGD(model.parameters(), lr=LR)

    def step() -> float:
        loss = torch.nn.functional.cross_entropy(model(tx), ty)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    return step


def timeit(fns: list[Callable[[], float]], repeat: int, rounds: int = 7) -> list[float]:
    """ms/step of each function: rounds interleaved (so load drift hits all alike), best
    round kept."""
    for fn in fns:
        for _ in range(3):
            fn()
    best = [float("inf")] * len(fns)
    per = max(1, repeat // rounds)
    for _ in range(rounds):
        for k, fn in enumerate(fns):
            t = time.perf_counter()
            for _ in range(per):
                fn()
            best[k] = min(best[k], (time.perf_counter() - t) / per * 1e3)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args()
    gg.manual_seed(0)
    model = build_glassgrad()
    params = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, 1, 8, 8)).astype(np.float32)
    y = rng.integers(0, 10, N)
    ref = NumpyNet(params)
    gstep = glassgrad_step(model, gg.tensor(x), gg.tensor(y))
    tstep = torch_step(params, x, y)
    # the three implementations agree on the first steps' losses
    losses = [(ref.step(x, y), gstep()) + ((tstep(),) if tstep else ()) for _ in range(3)]
    for row in losses:
        assert np.allclose(row, row[0], rtol=1e-4), losses
    names = ["numpy (im2col, hand-written)", "glassgrad"] + (["torch CPU (1 thread)"]
                                                            if tstep else [])
    fns = [lambda: ref.step(x, y), gstep] + ([tstep] if tstep else [])
    rows = list(zip(names, timeit(fns, args.repeat)))
    base = rows[0][1]
    print(f"conv training step, batch {N} x 1x8x8 (float32), best of 7 interleaved rounds, ms/step")
    print(f"{'implementation':<30}{'ms/step':>10}{'vs numpy':>10}")
    for name, ms in rows:
        print(f"{name:<30}{ms:>10.3f}{ms / base:>9.2f}x")
    g = dict(rows)
    if tstep:
        print(f"glassgrad / torch: {g['glassgrad'] / g['torch CPU (1 thread)']:.2f}x")


if __name__ == "__main__":
    main()
