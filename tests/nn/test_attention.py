"""scaled_dot_product_attention, MultiheadAttention, TransformerEncoderLayer and
TransformerEncoder against PyTorch with identical weights: values, weights and gradients."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from nn_helpers import close, sync

import glassgrad as gg
import glassgrad.nn as nn
import glassgrad.nn.functional as F
from glassgrad.autograd import gradcheck

pytestmark = pytest.mark.filterwarnings("ignore:Support for mismatched")
rng = np.random.default_rng(0)


def _pair(a: Any, grad: bool = False) -> tuple[Any, Any]:
    if not isinstance(a, np.ndarray):
        return a, a
    g = grad and a.dtype.kind == "f"
    return gg.tensor(a, requires_grad=g), torch.tensor(a, requires_grad=g)


def _compare(gfn: Any, tfn: Any, inputs: list, kwargs: dict, params: tuple = ()) -> None:
    """Outputs (tuples, None entries allowed) and gradients of inputs and parameters."""
    pairs = [_pair(a, True) for a in inputs]
    kw = {k: _pair(v) for k, v in kwargs.items()}
    gout = gfn(*[p[0] for p in pairs], **{k: v[0] for k, v in kw.items()})
    tout = tfn(*[p[1] for p in pairs], **{k: v[1] for k, v in kw.items()})
    gouts = gout if isinstance(gout, tuple) else (gout,)
    touts = tout if isinstance(tout, tuple) else (tout,)
    used = []
    for a, b in zip(gouts, touts):
        assert (a is None) == (b is None)
        if b is not None:
            close(a, b, 1e-12, what="output")
            used.append((a, b, rng.standard_normal(tuple(b.shape))))
    torch.autograd.backward([b for _, b, _ in used], [torch.tensor(u) for _, _, u in used])
    gg.autograd.backward([a for a, _, _ in used], [gg.tensor(u) for _, _, u in used])
    for i, (g, t) in enumerate(pairs):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            close(g.grad, t.grad, 1e-12, what=f"grad of input {i}")
    for gm, tm in params:
        gp = dict(gm.named_parameters())
        for name, p in tm.named_parameters():
            close(gp[name].grad, p.grad, 1e-12, what=name)


# scaled_dot_product_attention ----------------------------------------------------------------

Q = rng.standard_normal((2, 3, 4, 8))
K = rng.standard_normal((2, 3, 6, 8))
V = rng.standard_normal((2, 3, 6, 5))
BOOL_MASK = rng.uniform(size=(4, 6)) > 0.3
BOOL_MASK[:, 0] = True
SDPA_CASES = {
    "plain": {},
    "causal": {"is_causal": True},
    "bool_mask": {"attn_mask": BOOL_MASK},
    "float_mask": {"attn_mask": rng.standard_normal((2, 1, 4, 6))},
    "scale": {"scale": 0.3},
}


@pytest.mark.parametrize("case", SDPA_CASES)
def test_sdpa(case: str) -> None:
    _compare(F.scaled_dot_product_attention, TF.scaled_dot_product_attention, [Q, K, V],
             SDPA_CASES[case])


def test_sdpa_fully_masked_rows_are_zero_with_finite_grads() -> None:
    mask = BOOL_MASK.copy()
    mask[1] = False
    _compare(F.scaled_dot_product_attention, TF.scaled_dot_product_attention, [Q, K, V],
             {"attn_mask": mask})


def test_sdpa_dropout() -> None:
    q, k, v = (gg.tensor(a) for a in (Q, K, V))
    gg.manual_seed(0)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    gg.manual_seed(0)
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    c = F.scaled_dot_product_attention(q, k, v)
    close(a, b, 0)
    assert not np.allclose(a.numpy(), c.numpy())
    with pytest.raises(RuntimeError):
        F.scaled_dot_product_attention(q, k, v, attn_mask=gg.tensor(BOOL_MASK), is_causal=True)


def test_sdpa_gradcheck() -> None:
    leaves = [gg.tensor(a[:1, :1], requires_grad=True) for a in (Q, K, V)]
    m = gg.tensor(BOOL_MASK)
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
                     leaves)


# MultiheadAttention --------------------------------------------------------------------------

X = rng.standard_normal((5, 2, 8))
KPM = np.array([[False] * 5, [False, False, False, True, True]])
AM = rng.uniform(size=(5, 5)) > 0.7
np.fill_diagonal(AM, False)
MASKS = {
    "none": {},
    "key_padding": {"key_padding_mask": KPM},
    "bool_attn": {"attn_mask": AM},
    "float_attn": {"attn_mask": rng.standard_normal((5, 5))},
    "3d_attn_and_padding": {"attn_mask": rng.standard_normal((4, 5, 5)),
                            "key_padding_mask": KPM},
}
MHA_CFGS = {
    "default": {},
    "batch_first": {"batch_first": True},
    "no_bias": {"bias": False},
    "bias_kv_zero_attn": {"add_bias_kv": True, "add_zero_attn": True},
}
WEIGHTS = {"avg": {}, "per_head": {"average_attn_weights": False},
           "no_weights": {"need_weights": False}}


def _mha(cfg: dict, **kw: Any) -> tuple[Any, torch.nn.Module]:
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(8, 2, **cfg, **kw).double()
    gm = nn.MultiheadAttention(8, 2, **cfg, **kw, dtype=gg.float64)
    sync(gm, tm)
    return gm, tm


@pytest.mark.parametrize("weights", WEIGHTS)
@pytest.mark.parametrize("masks", MASKS)
@pytest.mark.parametrize("cfg", MHA_CFGS)
def test_multihead_self_attention(cfg: str, masks: str, weights: str) -> None:
    gm, tm = _mha(MHA_CFGS[cfg])
    assert list(gm.state_dict()) == list(tm.state_dict())
    x = X.transpose(1, 0, 2).copy() if cfg == "batch_first" else X
    pair = _pair(x, True)

    def call(m: Any, i: int) -> Any:
        return lambda **kw: m(pair[i], pair[i], pair[i], **kw)

    kwargs = {**MASKS[masks], **WEIGHTS[weights]}
    _compare(call(gm, 0), call(tm, 1), [], kwargs, params=((gm, tm),))
    close(pair[0].grad, pair[1].grad, 1e-12, what="input grad")


@pytest.mark.parametrize("batch_first", [False, True])
def test_multihead_cross_attention_kdim_vdim(batch_first: bool) -> None:
    gm, tm = _mha({"batch_first": batch_first}, kdim=3, vdim=6)
    assert list(gm.state_dict()) == list(tm.state_dict())
    q, k, v = X, rng.standard_normal((7, 2, 3)), rng.standard_normal((7, 2, 6))
    if batch_first:
        q, k, v = (a.transpose(1, 0, 2).copy() for a in (q, k, v))
    _compare(gm, tm, [q, k, v], {"key_padding_mask": np.zeros((2, 7), bool)},
             params=((gm, tm),))


def test_multihead_unbatched_and_dropout_eval() -> None:
    gm, tm = _mha({}, dropout=0.3)
    gm.eval()
    tm.eval()
    _compare(gm, tm, [X[:, 0], X[:, 0], X[:, 1]], {"key_padding_mask": KPM[1]},
             params=((gm, tm),))
    gm.train()
    out, w = gm(*(gg.tensor(X),) * 3)
    assert out.shape == (5, 2, 8) and w.shape == (2, 5, 5)


def test_multihead_init() -> None:
    m = nn.MultiheadAttention(16, 4)
    assert not m.in_proj_bias.detach().numpy().any()
    assert not m.out_proj.bias.detach().numpy().any()
    bound = np.sqrt(6 / (16 + 48))
    assert np.abs(m.in_proj_weight.detach().numpy()).max() <= bound


# Transformer encoder -------------------------------------------------------------------------

ENC_CFGS = {
    "post_norm_relu": {},
    "pre_norm_gelu_batch_first": {"norm_first": True, "activation": "gelu",
                                  "batch_first": True},
    "no_bias_eps": {"bias": False, "layer_norm_eps": 1e-3},
}


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("cfg", ENC_CFGS)
def test_transformer_encoder_layer(cfg: str, masked: bool) -> None:
    torch.manual_seed(0)
    kw = ENC_CFGS[cfg]
    tm = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, **kw).double().eval()
    gm = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, **kw, dtype=gg.float64).eval()
    sync(gm, tm)
    assert list(gm.state_dict()) == list(tm.state_dict())
    bf = kw.get("batch_first", False)
    x = X.transpose(1, 0, 2).copy() if bf else X
    masks = {}
    if masked:
        masks = {"src_key_padding_mask": KPM,
                 "src_mask": np.triu(np.full((5, 5), -np.inf), 1)}
    _compare(gm, tm, [x], masks, params=((gm, tm),))


def test_transformer_encoder_stack_with_norm() -> None:
    torch.manual_seed(0)
    tl = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0).double()
    tm = torch.nn.TransformerEncoder(tl, 2, norm=torch.nn.LayerNorm(8).double(),
                                     enable_nested_tensor=False)
    gl = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, dtype=gg.float64)
    gm = nn.TransformerEncoder(gl, 2, norm=nn.LayerNorm(8, dtype=gg.float64))
    sync(gm, tm)
    assert list(gm.state_dict()) == list(tm.state_dict())
    assert gm.layers[0].linear1.weight is not gm.layers[1].linear1.weight
    _compare(gm, tm, [X], {"src_key_padding_mask": KPM}, params=((gm, tm),))


def test_transformer_training_dropout_is_random() -> None:
    gm = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5, dtype=gg.float64)
    x = gg.tensor(X)
    a, b = gm(x), gm(x)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    with pytest.raises(RuntimeError, match="relu/gelu"):
        nn.TransformerEncoderLayer(8, 2, activation="swish")
