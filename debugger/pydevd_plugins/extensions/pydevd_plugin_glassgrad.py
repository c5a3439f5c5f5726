"""glassgrad tensors and modules in the Variables view: a pydevd extension.

pydevd (inside debugpy) imports every module named ``pydevd_plugin*`` under
``pydevd_plugins.extensions`` it finds on the debuggee's ``sys.path`` and uses the classes
that are ``StrPresentationProvider``s (the one-line value) and ``TypeResolveProvider``s (the
children). ``glassgrad dap`` puts this folder's parent on the launched program's
``PYTHONPATH``; an installed wheel ships it in site-packages.
See docs/debugger.md, "The Variables view".

A tensor shows as ``Tensor (64, 256) float32 cpu · μ 0.0123 σ 0.981 · grad ✓`` and expands to
shape, dtype, device, requires_grad, grad, grad_fn (``MatmulBackward at train.py:12``),
statistics and values (a NumPy array). Nothing here is slow on big tensors: μ/σ in the line
only up to ``INLINE_STATS_MAX`` elements; the statistics child computes when expanded, exactly
up to ``EXACT_STATS_MAX`` elements and on a strided sample of about ``SAMPLE_SIZE`` beyond.

The top half is pure formatting (unit-tested without a debugger); the providers at the end
are thin. Nothing imports glassgrad at import time: pydevd loads extensions in every
debuggee, glassgrad or not.
"""

from __future__ import annotations

import os
from typing import Any

INLINE_STATS_MAX = 1 << 20   # elements: μ/σ computed for the one-line summary
EXACT_STATS_MAX = 1 << 24    # elements: exact statistics on expand (about 0.2 s on 2 cores)
SAMPLE_SIZE = 1 << 20        # elements: the strided sample's size beyond EXACT_STATS_MAX

STAT_NAMES = ("min", "max", "mean", "std", "norm", "NaN count", "Inf count")
MENU_CONTEXT = "glassgrad.tensor"  # __vscodeVariableMenuContext (set by the adapter)

# ---------------------------------------------------------------------------------------------
# pure formatting


def fmt_number(x: Any) -> str:
    """A statistic in three significant digits: ``0.0123``, ``-1.5e+03``, ``nan``."""
    if x is None:
        return "—"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return str(x)
    x = float(x)
    if x != x:
        return "nan"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    return f"{x:.3g}"


def fmt_shape(shape: tuple) -> str:
    """``(64, 256)``; ``(3,)`` reads as ``(3)``, a 0-d tensor as ``()``."""
    return "(" + ", ".join(str(int(n)) for n in shape) + ")"


def fmt_stats(stats: tuple) -> str:
    """``μ 0.0123 σ 0.981`` plus ``3 NaN``/``1 Inf`` when there are any."""
    _min, _max, mean, std, _norm, nan, inf = stats
    parts = []
    if mean is not None:
        parts.append(f"μ {fmt_number(mean)} σ {fmt_number(std)}")
    bad = []
    if nan:
        bad.append(f"{nan} NaN")
    if inf:
        bad.append(f"{inf} Inf")
    if bad:
        parts.append(" ".join(bad))
    return " · ".join(parts)


def fmt_site(site: tuple | None) -> str:
    """``train.py:12`` (the forward call site of a graph node)."""
    if not site:
        return "<unknown>"
    return f"{os.path.basename(site[0])}:{site[1]}"


def grad_fn_label(name: str, site: tuple | None) -> str:
    """``MatmulBackward at train.py:12``."""
    return f"{name} at {fmt_site(site)}"


def summary(kind: str, shape: tuple, dtype: str, device: str, *, numel: int,
            stats: tuple | None = None, value: Any = None, grad_fn: str | None = None,
            requires_grad: bool = False, has_grad: bool = False) -> str:
    """The one-line value of a tensor.

    ``stats`` (summarize's tuple) when it was cheap to compute, else the line says
    ``statistics on expand``; ``value`` is the single element of a one-element tensor."""
    parts = [f"{kind} {fmt_shape(shape)} {dtype} {device}"]
    if numel == 0:
        parts.append("empty")
    elif numel == 1 and value is not None:
        parts.append(f"= {fmt_number(value)}")
    elif stats is not None:
        text = fmt_stats(stats)
        if text:
            parts.append(text)
    else:
        parts.append("statistics on expand")
    if grad_fn:
        parts.append(grad_fn)
    if has_grad:
        parts.append("grad ✓")
    elif requires_grad and not grad_fn:
        parts.append("requires_grad")
    return " · ".join(parts)


def sample_index(shape: tuple, limit: int) -> tuple:
    """Slices (one per dimension) that keep about ``limit`` elements: a step on the leading
    dimensions, so the sample is a view (no copy) on NumPy and CuPy alike."""
    size = 1
    for n in shape:
        size *= int(n)
    index = []
    for n in shape:
        n = int(n)
        if size <= limit or n <= 1:
            index.append(slice(None))
            continue
        rest = size // n
        keep = max(1, limit // rest)
        step = -(-n // keep)
        index.append(slice(None, None, step))
        size = rest * len(range(0, n, step))
    return tuple(index)


def stats_rows(stats: tuple, numel: int, sampled: int | None = None) -> list[tuple[str, Any]]:
    """The children of ``statistics``: min, max, mean, std, norm (of the finite values),
    NaN and Inf counts, the element count, and how it was sampled (when it was)."""
    rows: list[tuple[str, Any]] = [(n, v) for n, v in zip(STAT_NAMES, stats)]
    rows.append(("elements", numel))
    if sampled is not None:
        rows.append(("sampled", f"a strided sample of {sampled:,} of {numel:,} elements "
                                f"(counts are of the sample)"))
    return rows


def stats_line(stats: tuple, sampled: int | None = None) -> str:
    """The value of the expanded ``statistics`` child."""
    mn, mx, mean, std, norm, nan, inf = stats
    text = (f"min {fmt_number(mn)} max {fmt_number(mx)} μ {fmt_number(mean)} "
            f"σ {fmt_number(std)} · {nan} NaN {inf} Inf")
    return text + (" (sampled)" if sampled is not None else "")


# ---------------------------------------------------------------------------------------------
# reading glassgrad objects (glassgrad is imported by then: the object exists)


def _is(type_object: type, module: str, name: str) -> bool:
    return any(c.__module__ == module and c.__name__ == name
               for c in getattr(type_object, "__mro__", ()))


def is_tensor_type(type_object: type) -> bool:
    return _is(type_object, "glassgrad.tensor", "Tensor")


def is_module_type(type_object: type) -> bool:
    return _is(type_object, "glassgrad.nn.modules.module", "Module")


def is_node_type(type_object: type) -> bool:
    return _is(type_object, "glassgrad.function", "Function")


def _numel(t: Any) -> int:
    n = 1
    for d in t._data.shape:
        n *= int(d)
    return n


class _Sample:
    """What ``summarize`` needs of a tensor (its array and device), for a strided view."""

    __slots__ = ("_data", "_device")

    def __init__(self, data: Any, device: Any) -> None:
        self._data, self._device = data, device


def compute_stats(t: Any) -> tuple[tuple, int | None]:
    """(summarize's tuple, the sample size or None when exact), bounded by EXACT_STATS_MAX."""
    from glassgrad.recording.stats import summarize

    n = _numel(t)
    if n <= EXACT_STATS_MAX:
        return summarize(t), None
    view = t._data[sample_index(tuple(t._data.shape), SAMPLE_SIZE)]
    return summarize(_Sample(view, t._device)), int(view.size)


def tensor_summary(t: Any) -> str:
    n = _numel(t)
    stats = value = None
    if n == 1:
        value = t._host().reshape(()).item()
    elif 0 < n <= INLINE_STATS_MAX:
        from glassgrad.recording.stats import summarize

        stats = summarize(t)
    fn = t._grad_fn
    return summary(type(t).__name__, tuple(t._data.shape), t.dtype.name, str(t._device),
                   numel=n, stats=stats, value=value,
                   grad_fn=fn.display_name() if fn is not None else None,
                   requires_grad=bool(t.requires_grad), has_grad=t.grad is not None)


def node_label(fn: Any) -> str:
    return grad_fn_label(fn.display_name(), fn.site)


class Statistics:
    """The ``statistics`` child of a tensor: computed when it is expanded (or shown)."""

    def __init__(self, tensor: Any) -> None:
        self.tensor = tensor
        self._result: tuple | None = None

    def result(self) -> tuple[tuple, int | None]:
        if self._result is None:
            self._result = compute_stats(self.tensor)
        return self._result

    def line(self) -> str:
        n = _numel(self.tensor)
        if self._result is None and n > INLINE_STATS_MAX:
            return f"expand to compute ({n:,} elements)"
        return stats_line(*self.result())

    def children(self) -> list[tuple[str, Any, Any]]:
        stats, sampled = self.result()
        return [(name, value, None) for name, value in
                stats_rows(stats, _numel(self.tensor), sampled)]


class NamedTensors:
    """A module's parameters (or buffers) as one named group: ``0.weight``, ``0.bias``..."""

    def __init__(self, module: Any, what: str) -> None:
        self.module, self.what = module, what

    def items(self) -> list[tuple[str, Any]]:
        return list(getattr(self.module, "named_" + self.what)())

    def line(self) -> str:
        items = self.items()
        total = sum(_numel(t) for _, t in items)
        word = self.what if len(items) != 1 else self.what[:-1]
        return f"{len(items)} {word}, {total:,} elements"

    def children(self) -> list[tuple[str, Any, Any]]:
        return [(name, t, lambda parent, name=name: f"{parent}[{name!r}]")
                for name, t in self.items()]


def tensor_children(t: Any) -> list[tuple[str, Any, Any]]:
    """(name, value, evaluateName suffix) for an expanded tensor, in display order."""
    return [
        ("shape", tuple(t._data.shape), ".shape"),
        ("dtype", t.dtype, ".dtype"),
        ("device", t._device, ".device"),
        ("requires_grad", bool(t.requires_grad), ".requires_grad"),
        ("grad", t.grad, ".grad"),
        ("grad_fn", t._grad_fn, ".grad_fn"),
        ("statistics", Statistics(t), None),
        ("values", t._host(), ".detach().cpu().numpy()"),
    ]


def module_children(m: Any, rest: list) -> list[tuple[str, Any, Any]]:
    """A module's parameters (and buffers, if any) as named groups, then its attributes."""
    groups: list[tuple[str, Any, Any]] = [
        ("parameters", NamedTensors(m, "parameters"),
         lambda parent: f"dict({parent}.named_parameters())")]
    buffers = NamedTensors(m, "buffers")
    if buffers.items():
        groups.append(("buffers", buffers, lambda parent: f"dict({parent}.named_buffers())"))
    return groups + list(rest)


# ---------------------------------------------------------------------------------------------
# pydevd providers


class _Resolver:
    """resolve/get_dictionary in terms of the DAP children list."""

    def children(self, obj: Any, fmt: Any = None) -> list:
        raise NotImplementedError

    def get_contents_debug_adapter_protocol(self, obj: Any, fmt: Any = None) -> list:
        return self.children(obj, fmt)

    def get_dictionary(self, obj: Any) -> dict:
        return {name: value for name, value, _ in self.children(obj)}

    def resolve(self, obj: Any, attribute: str) -> Any:
        return self.get_dictionary(obj).get(attribute)


class TensorResolver(_Resolver):
    def can_provide(self, type_object: type, type_name: str) -> bool:
        return is_tensor_type(type_object)

    def children(self, obj: Any, fmt: Any = None) -> list:
        return tensor_children(obj)


class ModuleResolver(_Resolver):
    def can_provide(self, type_object: type, type_name: str) -> bool:
        return is_module_type(type_object)

    def children(self, obj: Any, fmt: Any = None) -> list:
        from _pydevd_bundle.pydevd_resolver import defaultResolver

        return module_children(obj, defaultResolver.get_contents_debug_adapter_protocol(
            obj, fmt=fmt))


class GroupResolver(_Resolver):
    def can_provide(self, type_object: type, type_name: str) -> bool:
        return type_object in (Statistics, NamedTensors)

    def children(self, obj: Any, fmt: Any = None) -> list:
        return obj.children()


class TensorStr:
    def can_provide(self, type_object: type, type_name: str) -> bool:
        return is_tensor_type(type_object)

    def get_str_in_context(self, val: Any, context: str) -> str:
        if context == "clipboard":  # Copy Value: the values themselves
            return repr(val)
        return self.get_str(val)

    def get_str(self, val: Any) -> str:
        try:
            return tensor_summary(val)
        except Exception as e:  # never break the Variables view
            return f"{type(val).__name__} (unreadable: {type(e).__name__}: {e})"


class NodeStr:
    def can_provide(self, type_object: type, type_name: str) -> bool:
        return is_node_type(type_object)

    def get_str(self, val: Any) -> str:
        try:
            return node_label(val)
        except Exception:
            return repr(val)


class GroupStr:
    def can_provide(self, type_object: type, type_name: str) -> bool:
        return type_object in (Statistics, NamedTensors)

    def get_str(self, val: Any) -> str:
        try:
            return val.line()
        except Exception as e:
            return f"unavailable ({type(e).__name__}: {e})"


try:  # inside pydevd only; the formatting above is importable anywhere
    from _pydevd_bundle.pydevd_extension_api import (
        StrPresentationProvider,
        TypeResolveProvider,
    )
except ImportError:  # pragma: no cover - outside a debuggee
    pass
else:
    for _cls in (TensorResolver, ModuleResolver, GroupResolver):
        TypeResolveProvider.register(_cls)
    for _cls in (TensorStr, NodeStr, GroupStr):
        StrPresentationProvider.register(_cls)
    del _cls

# what pydevd's extension manager instantiates (it scans ``__all__`` when there is one)
__all__ = ["TensorResolver", "ModuleResolver", "GroupResolver", "TensorStr", "NodeStr",
           "GroupStr"]
