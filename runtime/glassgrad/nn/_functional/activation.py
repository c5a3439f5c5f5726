"""Activation functions of ``nn.functional``: thin compositions over the op table.

Only ops that need their own gradient rule (relu, sigmoid, softmax, ...) live in ``ops``; the
rest are written here with glassgrad ops, so their backward is the composition's backward.
"""

from __future__ import annotations

from typing import Any

from ... import ops
from ...tensor import Tensor

__all__ = [
    "relu", "relu_", "relu6", "leaky_relu", "gelu", "silu", "sigmoid", "tanh", "softplus",
    "softmax", "log_softmax", "softmin", "elu", "selu", "celu", "mish", "hardtanh",
    "hardsigmoid", "hardswish", "logsigmoid", "softsign", "tanhshrink", "threshold", "glu",
]


def _inplace(input: Tensor, out: Tensor, inplace: bool) -> Tensor:  # noqa: A002
    """PyTorch's ``inplace=True``: write the result into ``input`` (recorded as in-place)."""
    if not inplace:
        return out
    return input._inplace("activation_", lambda s: out)


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(x, 0)."""
    return _inplace(input, ops.relu(input), inplace)


def relu_(input: Tensor) -> Tensor:  # noqa: A002
    return relu(input, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01,  # noqa: A002
               inplace: bool = False) -> Tensor:
    """x for x > 0, else negative_slope * x."""
    return _inplace(input, ops.leaky_relu(input, negative_slope), inplace)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """x * Phi(x) (exact, through erf) or its tanh approximation."""
    return ops.gelu(input, approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x * sigmoid(x) (a.k.a. swish)."""
    return _inplace(input, ops.silu(input), inplace)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    return ops.sigmoid(input)


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    return ops.tanh(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """log(1 + exp(beta * x)) / beta, linear above ``threshold`` as in PyTorch."""
    return ops.softplus(input, beta=beta, threshold=threshold)


def _softmax_dim(ndim: int) -> int:
    # PyTorch's legacy implicit dim (with a warning there): 0 for 0-, 1- and 3-D inputs
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
            dtype: Any = None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``."""
    return ops.softmax(input, _softmax_dim(input.ndim) if dim is None else dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
                dtype: Any = None) -> Tensor:
    """log(softmax(x)) computed stably."""
    return ops.log_softmax(input, _softmax_dim(input.ndim) if dim is None else dim, dtype=dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
            dtype: Any = None) -> Tensor:
    return softmax(-input, dim, dtype=dtype)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """x for x > 0, else alpha * (exp(x) - 1)."""
    x = input
    neg = (x.clamp(max=0.0).exp() - 1) * alpha  # clamp: no overflow where x is large
    return _inplace(input, ops.where(x > 0, x, neg), inplace)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    x = input
    neg = ((x.clamp(max=0.0) / alpha).exp() - 1) * alpha
    return _inplace(input, ops.where(x > 0, x, neg), inplace)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return _inplace(input, elu(input, _SELU_ALPHA) * _SELU_SCALE, inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x * tanh(softplus(x))."""
    return _inplace(input, input * ops.softplus(input).tanh(), inplace)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,  # noqa: A002
             inplace: bool = False) -> Tensor:
    return _inplace(input, input.clamp(min_val, max_val), inplace)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return _inplace(input, (input / 6 + 0.5).clamp(0.0, 1.0), inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return _inplace(input, input * (input + 3).clamp(0.0, 6.0) / 6, inplace)


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return -ops.softplus(-input)


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    return input - input.tanh()


def threshold(input: Tensor, threshold: float, value: float,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """x where x > threshold, else ``value``."""
    return _inplace(input, ops.where(input > threshold, input, value), inplace)


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    """a * sigmoid(b) for the two halves of ``input`` along ``dim``."""
    a, b = input.chunk(2, dim)
    return a * b.sigmoid()


