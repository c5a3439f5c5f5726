"""glassgrad: an eager autograd runtime with PyTorch's API on NumPy and CuPy, whose forward and
backward passes can be stepped through and inspected. ``import glassgrad as gg``."""

from . import autograd, distributed, dtypes, nn, optim, utils
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .backends import device
from .creation import (
    Generator,
    arange,
    as_tensor,
    default_generator,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    initial_seed,
    linspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .dtypes import (
    bool,
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    int32,
    int64,
    promote_types,
    set_default_dtype,
)
from .errors import GlassgradError, GraphFreedError, InplaceError, OpError
from .ops import *
from .ops import registry as _registry
from .serialization import load, save
from .tensor import Parameter, Tensor

half, float, double, long = float16, float32, float64, int64  # noqa: A001
int = int32  # noqa: A001

__version__ = "0.1.0"


def is_tensor(obj: object) -> bool:
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:  # noqa: A002
    return input.numel()


def cuda_is_available() -> bool:
    try:
        from .backends import get_device as _get

        _get("cuda")
        return True
    except Exception:
        return False


class cuda:  # noqa: N801 - mirrors torch.cuda's most used call
    is_available = staticmethod(cuda_is_available)

from .recording import record  # noqa: E402
from .recording.auto import start_from_env as _start_from_env  # noqa: E402

_start_from_env()

OPS = _registry()  # the op table, once nn and every op module are imported
