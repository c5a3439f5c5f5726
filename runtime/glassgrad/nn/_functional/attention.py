"""Attention: ``scaled_dot_product_attention`` and the ``multi_head_attention_forward`` that
``nn.MultiheadAttention`` runs, both composed from matmul, softmax and masking ops, so every
step of attention (scores, mask, weights, mix) is its own node in the graph.
"""

from __future__ import annotations

import math

from ... import creation, dtypes, ops
from ...ops._util import dtype_of
from ...tensor import Tensor
from .dropout import dropout
from .linear import linear

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _causal(L: int, S: int, like: Tensor) -> Tensor:  # noqa: N803
    """Bool (L, S): True where key j may be seen by query i (j <= i), as ``ones.tril()``."""
    rows = creation.arange(L, device=like.device).unsqueeze(-1)
    return rows >= creation.arange(S, device=like.device)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(q k^T * scale + mask) v over the last two dims.

    A bool ``attn_mask`` marks what may be attended (True = keep); a float one is added to the
    scores. Rows whose every key is masked give zeros, as PyTorch's math kernel does.
    """
    L, S = query.shape[-2], key.shape[-2]  # noqa: N806
    if enable_gqa and query.ndim >= 3 and query.shape[-3] != key.shape[-3]:
        groups = query.shape[-3] // key.shape[-3]
        key = _repeat_heads(key, groups)
        value = _repeat_heads(value, groups)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = ops.matmul(query, key.transpose(-2, -1)) * scale
    keep = None
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                               "set when is_causal=True")
        keep = _causal(L, S, query)
    elif attn_mask is not None:
        if dtype_of(attn_mask) is dtypes.bool:
            keep = attn_mask
        else:
            scores = scores + attn_mask
    if keep is not None:
        scores = scores.masked_fill(~keep, -math.inf)
    weights = _safe_softmax(scores)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    return ops.matmul(weights, value)


def _repeat_heads(t: Tensor, groups: int) -> Tensor:
    """(..., Hkv, S, E) -> (..., Hkv * groups, S, E), each head repeated ``groups`` times."""
    shape = t.shape
    t = t.unsqueeze(-3).expand(*shape[:-2], groups, *shape[-2:])
    return t.reshape(*shape[:-3], shape[-3] * groups, *shape[-2:])


def _safe_softmax(scores: Tensor) -> Tensor:
    """Softmax over the last dim; 0 (not NaN) in rows that are entirely -inf, and no NaN in
    their gradient either (the dead rows are neutralised before the softmax)."""
    dead = (scores == -math.inf).all(-1, keepdim=True)
    if not bool(dead.any()):
        return scores.softmax(-1)
    return scores.masked_fill(dead, 0.0).softmax(-1).masked_fill(dead, 0.0)


def _canonical_mask(mask: Tensor | None, dtype: dtypes.dtype, name: str) -> Tensor | None:
    """MultiheadAttention's masks: bool True = *not* allowed, turned into -inf additive
    masks; float masks are used as they are."""
    if mask is None:
        return None
    if dtype_of(mask) is dtypes.bool:
        return creation.zeros(mask.shape, dtype=dtype, device=mask.device) \
            .masked_fill(mask, -math.inf)
    if not dtype_of(mask).is_floating_point:
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return mask


def _in_projection_packed(q: Tensor, k: Tensor, v: Tensor, w: Tensor,
                          b: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:
    """q, k, v projections from the packed (3E, E) weight; one matmul for self-attention."""
    E = q.shape[-1]  # noqa: N806
    if k is v and q is k:
        proj = linear(q, w, b)
        return proj[..., :E], proj[..., E:2 * E], proj[..., 2 * E:]
    ws = (w[:E], w[E:2 * E], w[2 * E:])
    bs = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
    if k is v:
        kv = linear(k, w[E:], None if b is None else b[E:])
        return linear(q, ws[0], bs[0]), kv[..., :E], kv[..., E:]
    return linear(q, ws[0], bs[0]), linear(k, ws[1], bs[1]), linear(v, ws[2], bs[2])


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor,
        out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
        static_v: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """PyTorch's multi-head attention on sequence-first inputs ``(L, N, E)`` (or unbatched
    ``(L, E)``); returns (output, weights averaged over heads or per head, or None)."""
    batched = query.ndim == 3
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    if embed_dim % num_heads:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    head_dim = embed_dim // num_heads
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")

    key_padding_mask = _canonical_mask(key_padding_mask, query.dtype, "key_padding_mask")
    attn_mask = _canonical_mask(attn_mask, query.dtype, "attn_mask")

    # projections
    if not use_separate_proj_weight:
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    else:
        bs = (None, None, None) if in_proj_bias is None else (
            in_proj_bias[:embed_dim], in_proj_bias[embed_dim:2 * embed_dim],
            in_proj_bias[2 * embed_dim:])
        q = linear(query, q_proj_weight, bs[0])
        k = linear(key, k_proj_weight, bs[1])
        v = linear(value, v_proj_weight, bs[2])

    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if attn_mask.shape != (tgt_len, key.shape[0]):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(tgt_len, key.shape[0])}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.ndim == 3:
            if attn_mask.shape != (bsz * num_heads, tgt_len, key.shape[0]):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(bsz * num_heads, tgt_len, key.shape[0])}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")

    if bias_k is not None and bias_v is not None:
        k = ops.cat([k, bias_k.reshape(1, 1, embed_dim).expand(1, bsz, embed_dim)])
        v = ops.cat([v, bias_v.reshape(1, 1, embed_dim).expand(1, bsz, embed_dim)])
        attn_mask = None if attn_mask is None else ops.pad(attn_mask, (0, 1))
        key_padding_mask = None if key_padding_mask is None else ops.pad(key_padding_mask,
                                                                         (0, 1))

    # heads: (N * H, L, head_dim)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_k is None \
        else static_k
    v = v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_v is None \
        else static_v

    if add_zero_attn:
        zeros = creation.zeros((bsz * num_heads, 1, head_dim), dtype=q.dtype, device=q.device)
        k, v = ops.cat([k, zeros], 1), ops.cat([v, zeros], 1)
        attn_mask = None if attn_mask is None else ops.pad(attn_mask, (0, 1))
        key_padding_mask = None if key_padding_mask is None else ops.pad(key_padding_mask,
                                                                         (0, 1))

    src_len = k.shape[1]
    if key_padding_mask is not None:
        if key_padding_mask.shape != (bsz, src_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but "
                                 f"got {key_padding_mask.shape}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len) \
            .expand(bsz, num_heads, 1, src_len).reshape(bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm

    if not training:
        dropout_p = 0.0

    scores = ops.matmul(q * (1.0 / math.sqrt(head_dim)), k.transpose(-2, -1))
    if attn_mask is not None:
        scores = scores + attn_mask
    if need_weights:
        weights = scores.softmax(-1)  # fully masked rows give NaN, as in PyTorch
    else:
        weights = _safe_softmax(scores)  # PyTorch's SDPA path gives zeros there
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    out = ops.matmul(weights, v)  # (N * H, L, head_dim)
    out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    if not batched:
        out = out.squeeze(1)
    if not need_weights:
        return out, None
    weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
    if average_attn_weights:
        weights = weights.mean(1)
    if not batched:
        weights = weights.squeeze(0)
    return out, weights
