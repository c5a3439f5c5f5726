"""``glassgrad.autograd.Function``: user-defined ops, as in PyTorch.

A user's Function is a node like every built-in op: the same engine runs it, its backward runs
in a backward frame at the forward's call site, and it shows in the graph under its class name.
"""

from __future__ import annotations

from typing import Any

from .._callsite import callsite
from .._state import STATE
from ..function import Function as _Op
from ..tensor import Tensor, wrap
from .grad_mode import no_grad


class Function(_Op):
    """Subclass with ``@staticmethod forward(ctx, *args)`` (on tensors, run without recording)
    and ``@staticmethod backward(ctx, *grad_outputs)`` returning one gradient per input."""

    custom = True  # a user-defined op: its gradients may be any tensors (never taken uncopied)

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a custom Function must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError("a custom Function must define backward(ctx, ...) to be "
                                  "differentiated")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        ctx = object.__new__(cls)
        tensors = [a for a in args if isinstance(a, Tensor)]
        ctx.device = tensors[0]._device if tensors else None
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx._to_save, ctx._non_diff, ctx._materialize = (), set(), True
        ctx._saved = None
        with no_grad():
            out = cls.forward(ctx, *args, **kwargs)
        if not (STATE.grad_enabled and any(ctx.needs_input_grad)):
            return out
        single = not isinstance(out, (tuple, list))
        outs = (out,) if single else tuple(out)
        ctx.n_outputs = len(outs)
        ctx.out_meta = [(o.shape, o.dtype, o._device) if isinstance(o, Tensor) else None
                        for o in outs]
        results = []
        for i, o in enumerate(outs):
            if isinstance(o, Tensor) and id(o) not in ctx._non_diff and o.dtype.is_floating_point:
                r = wrap(o._data, o._device, True, ctx)
                r._output_nr = i
                results.append(r)
            else:
                results.append(o)
        ctx.next = tuple((a._grad_fn or a, a._output_nr, a._data.shape, a._data.dtype,
                          a._grad_fn is None)
                         if isinstance(a, Tensor) and a.requires_grad else None for a in args)
        ctx.seq = next(STATE.seq)
        ctx.site = callsite(2)
        ctx.module = STATE.module_path[-1] if STATE.module_path else None
        ctx._hooks = ctx._retained = None
        ctx._saved = tuple((t, t._version) if isinstance(t, Tensor) else (t, None)
                           for t in ctx._to_save)
        return results[0] if single else tuple(results)

    # ctx API ---------------------------------------------------------------------------------
    def save_for_backward(self, *tensors: Any) -> None:
        self._to_save = tensors

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        self._non_diff.update(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        self._materialize = value

    @property
    def saved_tensors(self) -> tuple:
        saved = self._saved
        if saved is None:
            return self._to_save
        self.unpack()  # raises for a freed graph
        for i, (t, version) in enumerate(saved):
            if version is not None and t._version != version:
                raise self._modified_error(f"saved_tensors[{i}]", t._version, version)
        return tuple(t for t, _ in saved)

    @classmethod
    def display_name(cls) -> str:
        """``MyOpBackward``, from the class name as PyTorch spells it (not the op name)."""
        return cls.__name__ + "Backward"

    # engine protocol -------------------------------------------------------------------------
    def backward_args(self) -> list[Any]:
        return []

    def fill_missing(self, grads: list) -> list:
        if not self._materialize:
            return grads
        from ..creation import zeros

        return [g if g is not None or meta is None else
                zeros(meta[0], dtype=meta[1], device=meta[2])
                for g, meta in zip(grads, self.out_meta)]

    @classmethod
    def frame_signature(cls) -> tuple[str, str]:
        return "ctx, *grad_outputs", "type(ctx).backward(ctx, *grad_outputs)"


# PyTorch spells the ctx type FunctionCtx; here the ctx is the Function instance itself.
FunctionCtx = Function
