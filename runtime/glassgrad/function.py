"""Function: one op, its forward (on arrays) and its gradient rule (on Tensors), side by side.

An instance of a Function subclass is the graph node a result's ``grad_fn`` points at. Its
``apply`` is the hot path every op runs through, so it does only what every op needs: device
check, forward, and, when a graph is being built, the edges to the inputs, the saved values,
the call site and the module path.

Saved values are declared, not pushed: ``saves = ("a", "b")`` names forward arguments, ``"out"``
(the result) or intermediates the forward hands to ``ctx.save(name=array)``. Nothing is saved
unless a graph is built, so forward code stays pure. The saved values become the arguments of
``backward`` and the locals of the op's backward frame, which is what the debugger, the TUI and
the language server show.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable
from time import perf_counter
from typing import Any, ClassVar

from ._callsite import Site, callsite, format_site
from ._state import STATE
from .errors import GraphFreedError, InplaceError, OpError, OpIndexError
from .tensor import Tensor, _HookHandle, wrap

_new = object.__new__
_FREED = object()
_OUTPUT, _INPUT, _CONST = 2, 1, 0


class Function:
    """Base class of every op. Subclasses define ``forward`` and ``backward``.

    ``forward(ctx, *arrays, **params)`` computes on arrays of the inputs' library.
    ``saves`` names what backward needs: forward arguments (saved as those input tensors),
    ``"out"``, or intermediates passed to ``ctx.save(name=array)``; ``save_if = {"a": 1}`` keeps
    ``a`` only when input 1 needs a gradient. ``backward(ctx, grad_output, *saved)`` returns one
    gradient per input (``None`` where there is none), written with glassgrad ops, so
    higher-order gradients work. The engine reduces broadcast gradients to each input's shape.
    """

    __slots__ = ("device", "needs_input_grad", "__dict__", "__weakref__")

    op_name: ClassVar[str] = ""
    saves: ClassVar[tuple[str, ...]] = ()
    save_if: ClassVar[dict[str, int]] = {}
    input_names: ClassVar[tuple[str, ...]] = ()
    _positions: ClassVar[dict[str, int]] = {}
    _plan: ClassVar[tuple] = ()
    differentiable: ClassVar[bool] = True
    is_view: ClassVar[bool] = False
    n_outputs: ClassVar[int] = 1
    builtin: ClassVar[bool] = False
    # per-node state, stored on the instance only once it is set
    next: list = []  # one edge per input: (node or leaf, output_nr, shape, dtype, is_leaf)
    site: Site | None = None
    seq: int = -1
    module: str | None = None
    _saved: Any = None
    _hooks: dict | None = None
    _retained: dict | None = None

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        # glassgrad's own single-output ops: their gradients are fresh arrays (engine.py)
        cls.builtin = cls.__module__.startswith("glassgrad.") and cls.n_outputs == 1 and \
            not getattr(cls, "custom", False)
        if "op_name" not in cls.__dict__:
            cls.op_name = cls.__name__.lower()
        fwd = cls.__dict__.get("forward")
        if fwd is not None and not isinstance(fwd, staticmethod):
            params = [p for p in list(inspect.signature(fwd).parameters.values())[1:]
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            cls.input_names = tuple(p.name for p in params if p.default is p.empty)
            cls._positions = {p.name: i for i, p in enumerate(params)}
        # how to find each saved value: (0, input position) | (1, None) output | (2, name)
        # intermediate, with the input whose need decides whether to keep it (-1: always)
        cls._plan = tuple(((0, cls._positions[n]) if n in cls._positions else
                           (1, None) if n == "out" else (2, n)) + (cls.save_if.get(n, -1),)
                          for n in cls.saves)

    # the hot path ----------------------------------------------------------------------------
    @classmethod
    def apply(cls, *args: Any, **params: Any) -> Tensor:
        ctx = _new(cls)
        device = None
        grad = False
        arrays = []
        for a in args:
            if isinstance(a, Tensor):
                if device is None:
                    device = a._device
                elif a._device is not device:
                    raise _op_error(cls, args, RuntimeError(
                        f"expected all tensors to be on the same device, found {device} and "
                        f"{a._device}"))
                if a.requires_grad:
                    grad = True
                arrays.append(a._data)
            else:
                arrays.append(a)
        ctx.device = device
        if grad and STATE.grad_enabled and cls.differentiable:
            need, edges = [], []
            for a in args:
                if isinstance(a, Tensor) and a.requires_grad:
                    need.append(True)
                    fn = a._grad_fn
                    data = a._data
                    edges.append((fn or a, a._output_nr, data.shape, data.dtype, fn is None))
                else:
                    need.append(False)
                    edges.append(None)
            ctx.needs_input_grad = need
        else:
            grad = False
            ctx.needs_input_grad = _NO_GRAD[len(args)] if len(args) < 8 else (False,) * len(args)
        obs = STATE.observer
        if obs is not None:
            t0 = perf_counter()
        try:
            out = ctx.forward(*arrays, **params)
        except Exception as e:
            err = _op_error(cls, args, e)
            if STATE.boundary is not None:
                STATE.boundary.op_error(cls, args, err)
            raise err from e
        device = ctx.device  # forward may move the result (to_device)
        if out.__class__ is not device.backend.array_type:  # NumPy returns scalars for 0-d
            out = device.xp.asarray(out)
        t = _new(Tensor)
        t._data = out
        t._device = device
        if cls.is_view:
            src = args[0]
            t._vbox = src._shared_vbox()
            t._base = src._base if src._base is not None else src
        if grad:
            t.requires_grad = True
            t._grad_fn = ctx
            ctx.next = edges
            ctx.seq = next(STATE.seq)
            ctx.site = callsite(2)
            path = STATE.module_path
            if path:
                ctx.module = path[-1]
            if cls.saves:
                ctx._saved = ctx._pack(args, t, need)
        if obs is not None:
            obs.op(ctx if grad else None, cls, args, t, t0, perf_counter())
        return t

    def save(self, **values: Any) -> None:
        """Keep intermediate arrays for backward (names listed in ``saves``)."""
        self._extra = values

    def _pack(self, args: tuple, out: Tensor, need: list) -> tuple:
        """Record what ``saves`` names, with version counters to catch later in-place edits."""
        packed = []
        extra = None
        for source, key, cond in self._plan:
            if cond >= 0 and not need[cond]:
                packed.append(None)
            elif source == 0:
                a = args[key] if key < len(args) else None
                if isinstance(a, Tensor):
                    vb = a._vbox
                    packed.append((_INPUT, a, vb, vb[0] if vb is not None else 0))
                else:
                    packed.append(None if a is None else (_CONST, a, None, 0))
            elif source == 1:
                vb = out._vbox
                if vb is None:
                    vb = out._vbox = [0]
                packed.append((_OUTPUT, out._data, vb, 0))
            else:
                if extra is None:
                    extra = self.__dict__.pop("_extra", {})
                v = extra.get(key)
                packed.append(None if v is None else (_CONST, v, None, 0))
        return tuple(packed)

    def unpack(self) -> list[Any]:
        """The saved values as tensors, checking none was modified in place since."""
        saved = self._saved
        if saved is _FREED:
            raise GraphFreedError(
                f"{self.display_name()} (from {format_site(self.site)}): trying to backward "
                "through the graph a second time (or directly access saved tensors after they "
                "have already been freed). Saved intermediate values of the graph are freed when "
                "you call .backward() or autograd.grad(). Specify retain_graph=True if you need "
                "to backward through the graph a second time.")
        if saved is None:
            return [None] * len(self.saves)
        out = []
        for name, entry in zip(self.saves, saved):
            if entry is None:
                out.append(None)
                continue
            kind, value, box, version = entry
            if kind == _INPUT:
                vb = value._vbox
                if vb is not None and vb[0] != version:
                    raise self._modified_error(name, vb[0], version)
                out.append(value)
            elif kind == _OUTPUT:
                if box[0] != version:
                    raise self._modified_error(name, box[0], version)
                out.append(wrap(value, self.device, True, self))
            else:
                out.append(wrap(value, self.device) if hasattr(value, "shape") else value)
        return out

    def _modified_error(self, name: str, now: int, then: int) -> InplaceError:
        return InplaceError(
            f"one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: '{name}' saved by {self.display_name()} at "
            f"{format_site(self.site)} is at version {now}; expected version {then} instead.")

    # what the engine calls -------------------------------------------------------------------
    def backward_args(self) -> list[Any]:
        """Arguments after ``grad_output`` for the backward frame: the saved values."""
        return self.unpack()

    def fill_missing(self, grads: list) -> list:
        """Zeros for outputs that received no gradient (multi-output custom Functions)."""
        return grads

    @classmethod
    def frame_signature(cls) -> tuple[str, str]:
        """Parameters and body of the backward frame (its locals are what a debugger shows)."""
        names = ("grad_output",) + cls.saves
        return "ctx, " + ", ".join(names), f"ctx.backward({', '.join(names)})"

    # hooks -----------------------------------------------------------------------------------
    def add_tensor_hook(self, output_nr: int, hook: Callable) -> _HookHandle:
        if self._hooks is None:
            self._hooks = {}
        return _HookHandle(self._hooks.setdefault(output_nr, []), hook)

    def add_retain_grad(self, t: Tensor) -> None:
        if self._retained is None:
            self._retained = {}
        self._retained[t._output_nr] = weakref.ref(t)

    # introspection (PyTorch's grad_fn API, and what the UIs read) ----------------------------
    @classmethod
    def display_name(cls) -> str:
        return "".join(p[:1].upper() + p[1:] for p in cls.op_name.split("_")) + "Backward"

    def name(self) -> str:
        return self.display_name()

    @property
    def next_functions(self) -> tuple:
        return tuple((None, 0) if e is None else
                     ((AccumulateGrad(e[0]) if e[4] else e[0]), e[1])
                     for e in self.next)

    def saved_values(self) -> dict[str, Any]:
        return dict(zip(self.saves, self.unpack()))

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_saved_") and attr[7:] in type(self).saves:
            return self.saved_values()[attr[7:]]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {attr!r}")

    def __repr__(self) -> str:
        return f"<{self.display_name()}>"


class AccumulateGrad:
    """What ``next_functions`` shows for a leaf, as in PyTorch."""

    __slots__ = ("variable",)

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


# ``needs_input_grad`` when no graph is built, by number of inputs
_NO_GRAD = [(False,) * n for n in range(8)]


def describe(x: Any) -> str:
    if isinstance(x, Tensor):
        return f"Tensor{tuple(x._data.shape)} {x.dtype.name}" + (
            f" {x.device}" if x.device.type != "cpu" else "")
    return repr(x)


def _op_error(cls: type[Function], args: tuple, exc: Exception) -> OpError:
    names = cls.input_names + tuple(f"arg{i}" for i in range(len(cls.input_names), len(args)))
    operands = ", ".join(f"{n}={describe(a)}" for n, a in zip(names, args))
    site = callsite(3)
    err_type = OpIndexError if isinstance(exc, IndexError) else OpError
    msg = str(exc).split("\n  at ")[0] or type(exc).__name__
    if msg.startswith(cls.op_name + ": "):  # NumPy names the op itself (matmul)
        msg = msg[len(cls.op_name) + 2:]
    err = err_type(f"{cls.op_name}: {msg}\n  operands: {operands}\n  at {format_site(site)}")
    err.op, err.site = cls.op_name, site
    return err


def site_of(t: Tensor) -> Site | None:
    """The forward call site that made ``t`` (None for leaves)."""
    return t._grad_fn.site if t._grad_fn is not None else None
