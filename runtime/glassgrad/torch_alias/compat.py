"""PyTorch idioms that scripts use and glassgrad's own namespace does not spell the same way.

Only the torch alias exposes these (``import torch`` under ``glassgrad run --torch``). Flags that
tune PyTorch's CUDA libraries are accepted and ignored only where ignoring them cannot change a
result; each is listed in docs/pytorch-coverage.md and docs/runtime.md.
"""

from __future__ import annotations

import os
import types
import warnings
from typing import Any

import numpy as np

import glassgrad as gg
from glassgrad import dtypes

# torch.Tensor: the class for isinstance checks and annotations, and the legacy constructor ------


def _legacy_new(dtype: dtypes.dtype, args: tuple, device: Any) -> gg.Tensor:
    """``torch.Tensor(2, 3)`` (sizes, zero-filled here: PyTorch leaves it uninitialised),
    ``torch.Tensor(torch.Size([2, 3]))``, ``torch.Tensor([1, 2])`` (data), ``torch.Tensor()``."""
    if not args:
        return gg.empty(0, dtype=dtype, device=device)
    if len(args) == 1 and isinstance(args[0], Size):
        return gg.zeros(*args[0], dtype=dtype, device=device)
    if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        return gg.zeros(*args, dtype=dtype, device=device)
    if len(args) == 1:
        data = args[0]
        if isinstance(data, gg.Tensor):
            return data if data.dtype is dtype else data.to(dtype)
        return gg.tensor(data, dtype=dtype, device=device)
    raise TypeError(f"new(): invalid arguments {args!r}: give sizes (ints) or one sequence")


class _TensorMeta(type):
    """``isinstance(x, torch.Tensor)`` is true of every glassgrad tensor (the typed variants
    also check the dtype)."""

    _dtype: dtypes.dtype | None = None

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, gg.Tensor) and (cls._dtype is None or obj.dtype is cls._dtype)

    def __subclasscheck__(cls, sub: type) -> bool:
        return cls._dtype is None and issubclass(sub, gg.Tensor)


class Tensor(gg.Tensor, metaclass=_TensorMeta):
    """``torch.Tensor``: glassgrad's Tensor for ``isinstance``, annotations and its methods
    (``torch.Tensor.add``); called, it is PyTorch's legacy constructor, float32 by default."""

    __slots__ = ()

    def __new__(cls, *args: Any, device: Any = None) -> Any:  # type: ignore[misc]
        return _legacy_new(cls._dtype or dtypes.get_default_dtype(), args, device)


Tensor.__module__ = "torch"


def _typed(name: str, dtype: dtypes.dtype) -> type:
    return _TensorMeta(name, (Tensor,), {"__slots__": (), "_dtype": dtype, "__module__": "torch"})


FloatTensor = _typed("FloatTensor", dtypes.float32)
DoubleTensor = _typed("DoubleTensor", dtypes.float64)
HalfTensor = _typed("HalfTensor", dtypes.float16)
LongTensor = _typed("LongTensor", dtypes.int64)
IntTensor = _typed("IntTensor", dtypes.int32)
BoolTensor = _typed("BoolTensor", dtypes.bool)


class Size(tuple):
    """``torch.Size``: a tuple of ints with ``numel()``. (glassgrad's ``tensor.size()`` and
    ``.shape`` return plain tuples, which compare equal to it.)"""

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))

    def __getitem__(self, key: Any) -> Any:
        out = tuple.__getitem__(self, key)
        return Size(out) if isinstance(key, slice) else out

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"


Size.__module__ = "torch"

# grad modes that also decorate without parentheses (@torch.no_grad) ----------------------------


def _bare_decorator(mode: type) -> type:
    class Mode(mode):  # type: ignore[misc, valid-type]
        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            if len(args) == 1 and not kwargs and callable(args[0]) and \
                    not isinstance(args[0], bool):
                return mode()(args[0])  # @torch.no_grad, no parentheses
            return super().__new__(cls)

    Mode.__name__ = Mode.__qualname__ = mode.__name__
    Mode.__module__ = "torch"
    return Mode


no_grad = _bare_decorator(gg.no_grad)
enable_grad = _bare_decorator(gg.enable_grad)
inference_mode = _bare_decorator(gg.inference_mode)

# finfo / iinfo ---------------------------------------------------------------------------------


def _np_dtype(d: dtypes.dtype | None) -> np.dtype:
    return np.dtype((d or dtypes.get_default_dtype()).name)


class finfo:  # noqa: N801 - PyTorch's name
    """``torch.finfo(dtype)``: machine limits of a floating dtype (the default dtype if none)."""

    def __init__(self, type: dtypes.dtype | None = None) -> None:  # noqa: A002
        d = type or dtypes.get_default_dtype()
        if not d.is_floating_point:
            raise TypeError(f"torch.finfo() requires a floating point input type, got {d}")
        f = np.finfo(_np_dtype(d))
        self.dtype = d.name
        self.bits = int(f.bits)
        self.eps, self.max, self.min = float(f.eps), float(f.max), float(f.min)
        self.tiny = self.smallest_normal = float(f.smallest_normal)
        self.resolution = float(f.resolution)

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution}, min={self.min}, max={self.max}, "
                f"eps={self.eps}, smallest_normal={self.smallest_normal}, tiny={self.tiny}, "
                f"dtype={self.dtype})")


class iinfo:  # noqa: N801
    """``torch.iinfo(dtype)``: limits of an integer dtype."""

    def __init__(self, type: dtypes.dtype) -> None:  # noqa: A002
        if type.is_floating_point or type is dtypes.bool:
            raise TypeError(f"torch.iinfo() requires an integer input type, got {type}")
        i = np.iinfo(_np_dtype(type))
        self.dtype, self.bits, self.max, self.min = type.name, int(i.bits), int(i.max), int(i.min)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


# settings scripts make, accepted where they cannot change a result ----------------------------

_settings: dict[str, Any] = {"deterministic": False, "matmul_precision": "highest",
                             "threads": None}


def compile(model: Any = None, **options: Any) -> Any:  # noqa: A001
    """``torch.compile``: glassgrad runs eagerly, so the model or function comes back as it
    is (the results are the same; the speed is glassgrad's). Works as ``@torch.compile`` and
    ``@torch.compile(mode=...)`` too."""
    if model is None:
        return lambda m: m
    return model


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Accepted: glassgrad's NumPy ops are deterministic. On CUDA the scatter-adds of some
    gradients (embedding, index_select, gather) use atomics, so a warning says so."""
    _settings["deterministic"] = bool(mode)
    if mode and gg.cuda_is_available():
        warnings.warn("glassgrad on CUDA: gradients that scatter-add (embedding, gather, "
                      "index_select) are not bitwise deterministic", stacklevel=2)


def are_deterministic_algorithms_enabled() -> bool:
    return _settings["deterministic"]


def set_float32_matmul_precision(precision: str) -> None:
    """Accepted and ignored: glassgrad never lowers float32 matmul precision (no TF32)."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"invalid precision {precision!r}: highest, high or medium")
    _settings["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    return _settings["matmul_precision"]


def set_num_threads(n: int) -> None:
    """Accepted and ignored: set OPENBLAS_NUM_THREADS / OMP_NUM_THREADS before starting."""
    _settings["threads"] = int(n)


def get_num_threads() -> int:
    return _settings["threads"] or os.cpu_count() or 1


def is_floating_point(input: gg.Tensor) -> bool:  # noqa: A002
    return input.is_floating_point()


def _module(name: str, doc: str, **attrs: Any) -> types.ModuleType:
    m = types.ModuleType(name, doc)
    m.__dict__.update(attrs)
    return m


# torch.cuda ----------------------------------------------------------------------------------


def _device_count() -> int:
    if not gg.cuda_is_available():
        return 0
    import cupy  # type: ignore[import-not-found]

    return int(cupy.cuda.runtime.getDeviceCount())


def _cuda_seed_all(seed: int) -> None:
    """Seed every CUDA device's generator (glassgrad's manual_seed already does)."""
    if gg.cuda_is_available():
        for i in range(_device_count()):
            gg.default_generator(f"cuda:{i}").manual_seed(seed)


def _cuda_synchronize(device: Any = None) -> None:
    if gg.cuda_is_available():
        import cupy  # type: ignore[import-not-found]

        cupy.cuda.Device(gg.device(device or "cuda").index or 0).synchronize()


def _cuda_empty_cache() -> None:
    """Free CuPy's cached blocks (nothing to do without CUDA, as in PyTorch)."""
    if gg.cuda_is_available():
        import cupy  # type: ignore[import-not-found]

        cupy.get_default_memory_pool().free_all_blocks()


CUDA = dict(is_available=gg.cuda_is_available, device_count=_device_count,
            manual_seed=_cuda_seed_all, manual_seed_all=_cuda_seed_all,
            synchronize=_cuda_synchronize, empty_cache=_cuda_empty_cache)

# torch.backends: flags for PyTorch's CUDA libraries ------------------------------------------

# cuDNN and TF32 do not exist in glassgrad: `benchmark` picks among cuDNN algorithms (speed
# only), `deterministic` asks cuDNN for deterministic kernels (glassgrad's convolutions are
# matmuls over strided windows), `enabled` switches cuDNN off, `allow_tf32` permits (never
# requires) TF32. Storing them changes nothing a script can observe but the flag itself.
BACKENDS = {
    "cudnn": _module("torch.backends.cudnn", "cuDNN flags: accepted, stored, not used.",
                     enabled=True, benchmark=False, deterministic=False, allow_tf32=True,
                     is_available=lambda: False, version=lambda: None),
    "cuda": _module("torch.backends.cuda", "CUDA matmul flags: accepted, stored, not used.",
                    matmul=types.SimpleNamespace(allow_tf32=False,
                                                 allow_fp16_reduced_precision_reduction=True,
                                                 allow_bf16_reduced_precision_reduction=True),
                    is_built=gg.cuda_is_available),
    "mps": _module("torch.backends.mps", "Apple's MPS: not in glassgrad.",
                   is_available=lambda: False, is_built=lambda: False),
}

DISTRIBUTED = dict(is_available=lambda: False, is_initialized=lambda: False)

RANDOM = dict(manual_seed=gg.manual_seed, initial_seed=gg.initial_seed,
              seed=lambda: gg.default_generator("cpu").seed())

API_VERSION = "2.13.0"  # the PyTorch release whose API and semantics glassgrad's tests check
VERSION = f"{API_VERSION}+glassgrad{gg.__version__}"


def version_module() -> types.ModuleType:
    return _module("torch.version", "Versions.", __version__=VERSION, cuda=None, hip=None,
                   git_version="glassgrad")


def top_level() -> dict[str, Any]:
    """What ``torch`` adds to or changes in glassgrad's top-level namespace."""
    return dict(
        Tensor=Tensor, FloatTensor=FloatTensor, DoubleTensor=DoubleTensor, HalfTensor=HalfTensor,
        LongTensor=LongTensor, IntTensor=IntTensor, BoolTensor=BoolTensor, Size=Size,
        no_grad=no_grad, enable_grad=enable_grad, inference_mode=inference_mode,
        finfo=finfo, iinfo=iinfo, compile=compile,
        use_deterministic_algorithms=use_deterministic_algorithms,
        are_deterministic_algorithms_enabled=are_deterministic_algorithms_enabled,
        set_float32_matmul_precision=set_float32_matmul_precision,
        get_float32_matmul_precision=get_float32_matmul_precision,
        set_num_threads=set_num_threads, get_num_threads=get_num_threads,
        is_floating_point=is_floating_point,
        __version__=VERSION,
    )

