"""The Tensor: an array (NumPy, CuPy or any Array API array) plus autograd bookkeeping.

Differentiable operations are bound onto this class by ``glassgrad.ops`` from the op table,
so this module holds only what is not an op: properties, conversion, printing, in-place
updates and ``backward``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from . import dtypes
from ._state import STATE
from .backends import device as Device
from .backends import get_device
from .errors import InplaceError, OpError

_new = object.__new__


class Tensor:
    """An n-dimensional array that records the operations applied to it."""

    # Only the array and the device are set on every tensor; the rest are class defaults,
    # stored on the instance only when they differ (the hot path makes one object, two stores).
    __slots__ = ("_data", "_device", "__dict__", "__weakref__")
    requires_grad: bool = False
    grad: Tensor | None = None
    _grad_fn: Any = None
    _output_nr: int = 0
    _vbox: list[int] | None = None  # version counter, shared with views; None = version 0
    _hooks: list | None = None
    _base: Tensor | None = None
    _retains_grad: bool = False
    _uid: int = 0  # id in events and run stores, given on first appearance (recording/events.py)

    # construction ---------------------------------------------------------------------------
    def __init__(self, data: Any = None, *, dtype: dtypes.dtype | None = None,
                 device: Any = None, requires_grad: bool = False) -> None:
        from .creation import _to_array

        dev = get_device(device)
        init(self, _to_array(data if data is not None else [], dtype, dev), dev, requires_grad)

    # properties -----------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._data.shape)

    def size(self, dim: int | None = None) -> Any:
        shape = tuple(self._data.shape)
        return shape if dim is None else shape[dim]

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(np.prod(self._data.shape, dtype=np.int64))

    def nelement(self) -> int:
        return self.numel()

    def element_size(self) -> int:
        return self.dtype.itemsize

    @property
    def dtype(self) -> dtypes.dtype:
        return self._device.backend.from_native[self._data.dtype]

    @property
    def device(self) -> Device:
        return self._device

    @property
    def is_cuda(self) -> bool:
        return self._device.type == "cuda"

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    @property
    def is_leaf(self) -> bool:
        return self._grad_fn is None

    @property
    def grad_fn(self) -> Any:
        return self._grad_fn

    @property
    def _version(self) -> int:
        return self._vbox[0] if self._vbox is not None else 0

    @property
    def data(self) -> Tensor:
        """The same storage, detached from the graph (PyTorch's ``.data``)."""
        return wrap(self._data, self._device)

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data

    @property
    def T(self) -> Tensor:  # noqa: N802
        return self.permute(*range(self.ndim - 1, -1, -1))

    @property
    def mT(self) -> Tensor:  # noqa: N802
        return self.transpose(-2, -1)

    # conversion ------------------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        if self.requires_grad and STATE.grad_enabled:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        if self._device.type != "cpu":
            raise TypeError(f"can't convert {self._device} tensor to numpy; "
                            "use Tensor.cpu() first")
        return self._device.backend.to_numpy(self._data)

    def _host(self) -> np.ndarray:
        """The values as a NumPy array, whatever the device (a copy off the CPU)."""
        return self._device.backend.to_numpy(self._data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        host = self._host()
        return host if dtype is None else host.astype(dtype)

    def item(self) -> Any:
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted "
                               "to Scalar")
        return self._host().reshape(()).item()

    def tolist(self) -> Any:
        return self._host().tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.dtype.is_floating_point or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self.numel()} elements is "
                               "ambiguous")
        return bool(self.item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    __hash__ = object.__hash__

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other)``, keywords too."""
        dev, dt = kwargs.get("device"), kwargs.get("dtype")
        for a in args:
            if isinstance(a, dtypes.dtype):
                dt = a
            elif isinstance(a, Tensor):
                dev, dt = a._device, a.dtype
            else:
                dev = a
        out = self
        if dt is not None and dt is not self.dtype:
            out = out._cast(dt)
        if dev is not None and get_device(dev) is not self._device:
            out = out._move(get_device(dev))
        return out

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self, index: int | None = None) -> Tensor:
        return self.to("cuda" if index is None else f"cuda:{index}")

    def float(self) -> Tensor:
        return self.to(dtypes.float32)

    def double(self) -> Tensor:
        return self.to(dtypes.float64)

    def half(self) -> Tensor:
        return self.to(dtypes.float16)

    def int(self) -> Tensor:
        return self.to(dtypes.int32)

    def long(self) -> Tensor:
        return self.to(dtypes.int64)

    def bool(self) -> Tensor:
        return self.to(dtypes.bool)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    def contiguous(self) -> Tensor:
        return self

    # autograd -------------------------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if self._grad_fn is not None:
            if not requires_grad:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. "
                                   "Use detach() to get a tensor without grad.")
            return self
        if requires_grad and not self.dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self.requires_grad = requires_grad
        return self

    def detach(self) -> Tensor:
        return wrap(self._data, self._device, vbox=self._shared_vbox())

    def detach_(self) -> Tensor:
        self._grad_fn, self.requires_grad = None, False
        return self

    def retain_grad(self) -> None:
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is not None and not self._retains_grad:
            self._retains_grad = True
            self._grad_fn.add_retain_grad(self)

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Any:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle with ``remove()``."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            return self._grad_fn.add_tensor_hook(self._output_nr, hook)
        if self._hooks is None:
            self._hooks = []
        return _HookHandle(self._hooks, hook)

    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``."""
        from .autograd.engine import backward

        backward([self], None if gradient is None else [gradient], retain_graph, create_graph,
                 inputs)

    # in-place --------------------------------------------------------------------------------
    def _shared_vbox(self) -> list[int]:
        if self._vbox is None:
            self._vbox = [0]
        return self._vbox

    def _check_inplace(self, name: str) -> bool:
        """Whether this in-place op must be recorded in the graph; errors where PyTorch does."""
        if not STATE.grad_enabled:
            return False
        if self._grad_fn is None and self.requires_grad:
            raise InplaceError(f"{name}: a leaf Variable that requires grad is being used in an "
                               "in-place operation (wrap it in `with glassgrad.no_grad():`)")
        if self._base is not None and (self.requires_grad or self._base.requires_grad):
            raise InplaceError(f"{name}: in-place changes to a view of a tensor that requires "
                               "grad are not supported; use the out-of-place op")
        return True

    def _frozen_copy(self) -> Tensor:
        """This tensor's current values in a new buffer, at the same place in the graph."""
        t = wrap(self._device.xp.asarray(self._data, copy=True), self._device,
                 self.requires_grad, self._grad_fn)
        t._output_nr = self._output_nr
        return t

    def _apply_inplace(self, name: str, result: Tensor) -> Tensor:
        """Write ``result`` into this tensor's storage and make it the result's graph node."""
        if result.dtype is not self.dtype:
            if result.dtype.category > self.dtype.category:
                raise OpError(f"{name}: result type {result.dtype.name} can't be cast to the "
                              f"desired output type {self.dtype.name}")
            result = result._cast(self.dtype)
        backend = self._device.backend
        if tuple(result._data.shape) != tuple(self._data.shape):
            raise OpError(f"{name}: output with shape {self.shape} doesn't match the broadcast "
                          f"shape {result.shape}")
        backend.setitem(self._data, ..., result._data)
        self._shared_vbox()[0] += 1
        if result._grad_fn is not None:
            self._grad_fn, self._output_nr, self.requires_grad = result._grad_fn, 0, True
        return self

    def _inplace(self, name: str, fn: Callable[..., Tensor], *args: Any, **kw: Any) -> Tensor:
        if self._check_inplace(name):
            if self.requires_grad or any(isinstance(a, Tensor) and a.requires_grad
                                         for a in args):
                # The recorded op saves its inputs for backward; writing the result into
                # ``self`` would change them. Compute from a copy of the old values that stands
                # in for ``self`` in the graph (PyTorch saves ``original_self`` the same way).
                old = self._frozen_copy()
                args = tuple(old if a is self else a for a in args)
                return self._apply_inplace(name, fn(old, *args, **kw))
            return self._apply_inplace(name, fn(self, *args, **kw))
        from .autograd.grad_mode import no_grad

        with no_grad():
            return self._apply_inplace(name, fn(self, *args, **kw))

    def add_(self, other: Any, *, alpha: float = 1) -> Tensor:
        return self._inplace("add_", lambda s, o: s.add(o, alpha=alpha), other)

    def sub_(self, other: Any, *, alpha: float = 1) -> Tensor:
        return self._inplace("sub_", lambda s, o: s.sub(o, alpha=alpha), other)

    def mul_(self, other: Any) -> Tensor:
        return self._inplace("mul_", Tensor.mul, other)

    def div_(self, other: Any) -> Tensor:
        return self._inplace("div_", Tensor.div, other)

    def pow_(self, other: Any) -> Tensor:
        return self._inplace("pow_", Tensor.pow, other)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return self._inplace("clamp_", Tensor.clamp, min, max)

    clip_ = clamp_

    def masked_fill_(self, mask: Tensor, value: Any) -> Tensor:
        return self._inplace("masked_fill_", Tensor.masked_fill, mask, value)

    def copy_(self, src: Tensor) -> Tensor:
        def _copy(s: Tensor, o: Any) -> Tensor:
            from .creation import as_tensor

            o = as_tensor(o, device=s.device).to(s.dtype)
            # ``s * 0``: the old values get a zero gradient, as PyTorch's CopyBackwards
            return s * 0 + o if o.requires_grad or s.requires_grad else o.expand(*s.shape)

        return self._inplace("copy_", _copy, src)

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def fill_(self, value: Any) -> Tensor:
        if isinstance(value, Tensor) and value.requires_grad:
            return self._inplace("fill_", lambda s, v: s * 0 + v)
        if self._check_inplace("fill_") and self.requires_grad:
            return self._apply_inplace("fill_", self * 0 + value)
        self._device.backend.setitem(self._data, ..., value if not isinstance(value, Tensor)
                                     else value._data)
        self._shared_vbox()[0] += 1
        return self

    # creation helpers that follow this tensor's dtype and device ------------------------------
    def new_tensor(self, data: Any, **kw: Any) -> Tensor:
        from .creation import tensor

        return tensor(data, dtype=kw.get("dtype", self.dtype),
                      device=kw.get("device", self.device),
                      requires_grad=kw.get("requires_grad", False))

    def new_zeros(self, *size: Any, **kw: Any) -> Tensor:
        return self.new_full(_size(size), 0, **kw)

    def new_ones(self, *size: Any, **kw: Any) -> Tensor:
        return self.new_full(_size(size), 1, **kw)

    def new_empty(self, *size: Any, **kw: Any) -> Tensor:
        return self.new_full(_size(size), 0, **kw)

    def new_full(self, size: Any, fill_value: Any, **kw: Any) -> Tensor:
        from .creation import full

        return full(size, fill_value, dtype=kw.get("dtype", self.dtype),
                    device=kw.get("device", self.device),
                    requires_grad=kw.get("requires_grad", False))

    # printing --------------------------------------------------------------------------------
    def __repr__(self) -> str:
        from ._format import tensor_repr

        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0 and spec:
            return format(self.item(), spec)
        return repr(self)


class Parameter(Tensor):
    """A Tensor that is a module's learnable weight (``requires_grad`` by default)."""

    __slots__ = ()

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            from .creation import empty

            data = empty(0)
        init(self, data._data, data._device, requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class _HookHandle:
    """What ``register_hook`` returns: ``remove()`` takes the hook out again."""

    __slots__ = ("_hooks", "_hook")

    def __init__(self, hooks: list, hook: Callable) -> None:
        hooks.append(hook)
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def zero_grads(params: Iterable[Tensor], set_to_none: bool = True) -> None:
    """Reset gradients: to None (frees memory, PyTorch's default) or to zeros in place."""
    from .autograd.grad_mode import no_grad

    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
            continue
        g = p.grad
        if g.grad_fn is not None:
            p.grad = g = g.detach()
        g.requires_grad = False
        with no_grad():
            g.zero_()


def init(t: Tensor, data: Any, device: Device, requires_grad: bool = False,
         grad_fn: Any = None, vbox: list[int] | None = None) -> Tensor:
    """Set up a new tensor; attributes left at their class defaults are not stored."""
    t._data = data
    t._device = device
    if requires_grad:
        t.requires_grad = True
    if grad_fn is not None:
        t._grad_fn = grad_fn
    if vbox is not None:
        t._vbox = vbox
    return t


def wrap(data: Any, device: Device, requires_grad: bool = False, grad_fn: Any = None,
         vbox: list[int] | None = None) -> Tensor:
    """A tensor around an existing array (no copy); the hot path's constructor."""
    return init(_new(Tensor), data, device, requires_grad, grad_fn, vbox)


def _size(size: tuple) -> tuple[int, ...]:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` like PyTorch."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)
