"""Compare a glassgrad module (or function) with PyTorch's on the same weights and inputs:
forward values, and gradients with respect to inputs and parameters."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

import glassgrad as gg


def to_gg(t: torch.Tensor, requires_grad: bool = False) -> gg.Tensor:
    out = gg.tensor(t.detach().numpy().copy())
    return out.requires_grad_(requires_grad) if requires_grad else out


def sync(gm: Any, tm: torch.nn.Module) -> None:
    """Copy every parameter and buffer of ``tm`` into ``gm`` through state dicts."""
    gm.load_state_dict({k: to_gg(v) for k, v in tm.state_dict().items()})


def close(a: Any, b: Any, atol: float = 1e-5, rtol: float = 1e-4, what: str = "") -> None:
    a = a.detach().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs torch {b.shape}"
    np.testing.assert_allclose(a, b, atol=atol, rtol=rtol, err_msg=what)


def compare_module(gm: Any, tm: torch.nn.Module, inputs: list[np.ndarray],
                   atol: float = 1e-5, grad: bool = True, seed: int = 0) -> None:
    """Same weights, same inputs: outputs, input gradients and parameter gradients agree."""
    sync(gm, tm)
    tin = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in inputs]
    gin = [to_gg(t, t.requires_grad) for t in tin]
    tout, gout = tm(*tin), gm(*gin)
    close(gout, tout, atol, what="forward")
    if not grad:
        return
    g = np.random.default_rng(seed).standard_normal(tuple(tout.shape)).astype(
        tout.detach().numpy().dtype)
    tout.backward(torch.tensor(g))
    gout.backward(gg.tensor(g))
    for i, (t, x) in enumerate(zip(tin, gin)):
        if t.requires_grad:
            close(x.grad, t.grad, atol, what=f"grad of input {i}")
    gparams = dict(gm.named_parameters())
    for name, p in tm.named_parameters():
        if p.grad is None:
            assert gparams[name].grad is None or not gparams[name].grad.numpy().any(), name
            continue
        close(gparams[name].grad, p.grad, atol, what=f"grad of {name}")
    for name, b in tm.named_buffers():
        close(dict(gm.named_buffers())[name], b, atol, what=f"buffer {name}")
