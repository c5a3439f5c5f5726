"""``nn.Module``: parameters, buffers, submodules, hooks, state dicts, train/eval, devices.

Calling a module pushes its path (``Net.encoder.0.fc``) for the duration of its forward, so every
op recorded inside knows which module made it; that path is what the debugger, the TUI and the
language server group the graph by.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator
from typing import Any

from ..._state import STATE
from ...autograd.function import Function
from ...tensor import Parameter, Tensor

_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])
_module_stack: list[tuple[Module, str]] = []


class Module:
    """Base class of every layer and model; subclass and define ``forward``."""

    training: bool
    _version = 1

    def __init__(self) -> None:
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()
        d["_forward_pre_hooks"] = OrderedDict()
        d["_backward_hooks"] = OrderedDict()
        d["_child_names"] = None

    forward: Callable[..., Any]

    # registration ----------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._drop(name)
            params[name] = value
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._drop(name)
            self._modules[name] = value
            self.__dict__["_child_names"] = None
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(glassgrad.nn.Parameter or None expected)")
            params[name] = None
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(glassgrad.Tensor or None expected)")
            self._buffers[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module "
                                f"'{name}' (glassgrad.nn.Module or None expected)")
            self._modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def _drop(self, name: str) -> None:
        self.__dict__.pop(name, None)
        for store in (self._parameters, self._buffers, self._modules):
            store.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self.__dict__["_child_names"] = None
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter "
                            f"'{name}' (glassgrad.nn.Parameter or None required)")
        self._drop(name)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        self._drop(name)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        self._drop(name)
        self._modules[name] = module
        self.__dict__["_child_names"] = None

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        mod = self
        for part in target.split(".") if target else []:
            if part not in mod._modules:
                raise AttributeError(f"{type(mod).__name__} has no attribute `{part}`")
            mod = mod._modules[part]
        return mod

    def get_parameter(self, target: str) -> Parameter:
        path, _, name = target.rpartition(".")
        return self.get_submodule(path)._parameters[name]

    # traversal -------------------------------------------------------------------------------
    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name,
                                               remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def _named(self, store: str, prefix: str, recurse: bool,
               remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        mods = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mod_prefix, mod in mods:
            for name, t in getattr(mod, store).items():
                if t is None or (remove_duplicate and id(t) in seen):
                    continue
                seen.add(id(t))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), t

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        return self._named("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # modes and bulk changes ------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            m.__dict__["training"] = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad = p.grad.detach() * 0

    def apply(self, fn: Callable[[Module], None]) -> Module:
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def _apply_to_tensors(self, fn: Callable[[Tensor], Tensor]) -> Module:
        """Replace every parameter's and buffer's array (and grad's) with ``fn`` of it, keeping
        the Parameter objects, so optimizers built before ``.to()`` still hold them."""
        for m in self.modules():
            for p in m._parameters.values():
                if p is None:
                    continue
                new = fn(p.detach())
                p._data, p._device = new._data, new._device
                if p.grad is not None:
                    g = fn(p.grad)
                    p.grad = g
            for name, b in m._buffers.items():
                if b is not None:
                    m._buffers[name] = fn(b)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        def move(t: Tensor) -> Tensor:
            if not t.dtype.is_floating_point:
                kw = {k: v for k, v in kwargs.items() if k != "dtype"}
                return t.to(*[a for a in args if not hasattr(a, "is_floating_point")], **kw)
            return t.to(*args, **kwargs)

        return self._apply_to_tensors(move)

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self, device: int | None = None) -> Module:
        return self.to("cuda" if device is None else f"cuda:{device}")

    def float(self) -> Module:
        from ... import dtypes

        return self.to(dtypes.float32)

    def double(self) -> Module:
        from ... import dtypes

        return self.to(dtypes.float64)

    def half(self) -> Module:
        from ... import dtypes

        return self.to(dtypes.float16)

    # state dicts -----------------------------------------------------------------------------
    def state_dict(self, destination: OrderedDict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict:
        out = OrderedDict() if destination is None else destination
        for name, mod in self.named_modules(prefix=prefix.rstrip(".")):
            base = f"{name}." if name else ""
            for pname, p in mod._parameters.items():
                if p is not None:
                    out[base + pname] = p if keep_vars else p.detach()
            for bname, b in mod._buffers.items():
                if b is not None and bname not in mod._non_persistent:
                    out[base + bname] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict: dict, strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        from ...autograd.grad_mode import no_grad

        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        for k, target in own.items():
            if k not in state_dict:
                continue
            value = state_dict[k]
            value = value if isinstance(value, Tensor) else Tensor(value)
            if value.shape != target.shape:
                errors.append(f"size mismatch for {k}: copying a param with shape {value.shape} "
                              f"from checkpoint, the shape in current model is {target.shape}.")
                continue
            with no_grad():
                target.copy_(value)  # in place: optimizers keep the same Parameter objects
        if strict and (missing or unexpected):
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: " +
                              ", ".join(f'"{k}"' for k in unexpected) + ".")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: " +
                              ", ".join(f'"{k}"' for k in missing) + ".")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        return _IncompatibleKeys(missing, unexpected)

    # hooks -----------------------------------------------------------------------------------
    def register_forward_pre_hook(self, hook: Callable, *, with_kwargs: bool = False,
                                  prepend: bool = False) -> _DictHandle:
        return _DictHandle(self._forward_pre_hooks, (hook, with_kwargs), prepend)

    def register_forward_hook(self, hook: Callable, *, with_kwargs: bool = False,
                              prepend: bool = False) -> _DictHandle:
        return _DictHandle(self._forward_hooks, (hook, with_kwargs), prepend)

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False) -> _DictHandle:
        """``hook(module, grad_input, grad_output)`` once the gradients with respect to the
        module's inputs are computed; a returned tuple replaces ``grad_input``."""
        return _DictHandle(self._backward_hooks, hook, prepend)

    # calling ---------------------------------------------------------------------------------
    def _path(self) -> str:
        if not _module_stack:
            return type(self).__name__
        parent, parent_path = _module_stack[-1]
        names = parent.__dict__["_child_names"]
        if names is None:
            names = {id(m): n for n, m in parent._modules.items() if m is not None}
            parent.__dict__["_child_names"] = names
        name = names.get(id(self))
        return f"{parent_path}.{name}" if name is not None else \
            f"{parent_path}.{type(self).__name__}"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        d = self.__dict__
        if d["_forward_pre_hooks"]:
            for hook, with_kwargs in list(d["_forward_pre_hooks"].values()):
                if with_kwargs:
                    r = hook(self, args, kwargs)
                    if r is not None:
                        args, kwargs = r
                else:
                    r = hook(self, args)
                    if r is not None:
                        args = r if isinstance(r, tuple) else (r,)
        backward_hooks = d["_backward_hooks"]
        if backward_hooks:
            args = _BackwardHookInput.wrap(self, args)
        path = self._path()
        _module_stack.append((self, path))
        STATE.module_path.append(path)
        try:
            out = self.forward(*args, **kwargs)
        finally:
            _module_stack.pop()
            STATE.module_path.pop()
        if d["_forward_hooks"]:
            for hook, with_kwargs in list(d["_forward_hooks"].values()):
                r = hook(self, args, kwargs, out) if with_kwargs else hook(self, args, out)
                if r is not None:
                    out = r
        if backward_hooks:
            out = _BackwardHookOutput.wrap(self, args, out)
        return out

    # printing --------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = []
        extra = self.extra_repr()
        for name, child in self._modules.items():
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {body}")
        main = type(self).__name__ + "("
        if extra and not lines:
            return main + extra + ")"
        inner = ([extra] if extra else []) + lines
        if not inner:
            return main + ")"
        return main + "\n  " + "\n  ".join(inner) + "\n)"


class _DictHandle:
    """A removable hook registration (what ``register_*_hook`` returns)."""

    _ids = itertools.count()

    def __init__(self, hooks: OrderedDict, entry: Any, prepend: bool = False) -> None:
        self.id = next(self._ids)
        self.hooks = hooks
        hooks[self.id] = entry
        if prepend:
            hooks.move_to_end(self.id, last=False)

    def remove(self) -> None:
        self.hooks.pop(self.id, None)

    def __enter__(self) -> _DictHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class _BackwardHookInput(Function):
    """Identity on a module's inputs; its backward sees the gradients w.r.t. those inputs and
    hands them, with the recorded output gradients, to the module's backward hooks."""

    @staticmethod
    def forward(ctx: Any, state: dict, *tensors: Tensor) -> Any:
        ctx.state = state
        return tuple(t.detach() for t in tensors) if len(tensors) > 1 else tensors[0].detach()

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        state = ctx.state
        grads = tuple(grads)
        for hook in list(state["module"]._backward_hooks.values()):
            r = hook(state["module"], grads, state.get("grad_output", ()))
            if r is not None:
                grads = tuple(r)
        return (None, *grads)

    @classmethod
    def wrap(cls, module: Module, args: tuple) -> tuple:
        state: dict = {"module": module}
        module.__dict__["_hook_state"] = state
        idx = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        if not idx:
            return args
        out = cls.apply(state, *[args[i] for i in idx])
        out = out if isinstance(out, tuple) else (out,)
        args = list(args)
        for i, t in zip(idx, out):
            args[i] = t
        return tuple(args)


class _BackwardHookOutput(Function):
    """Identity on a module's outputs that records the gradients w.r.t. them."""

    @staticmethod
    def forward(ctx: Any, state: dict, *tensors: Tensor) -> Any:
        ctx.state = state
        return tuple(t.detach() for t in tensors) if len(tensors) > 1 else tensors[0].detach()

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        ctx.state["grad_output"] = tuple(grads)
        if not ctx.state.get("inputs_seen", True):
            for hook in list(ctx.state["module"]._backward_hooks.values()):
                hook(ctx.state["module"], (None,), tuple(grads))
        return (None, *grads)

    @classmethod
    def wrap(cls, module: Module, args: tuple, out: Any) -> Any:
        state = module.__dict__.get("_hook_state", {"module": module})
        state["inputs_seen"] = any(isinstance(a, Tensor) and a.requires_grad for a in args)
        if isinstance(out, Tensor):
            return cls.apply(state, out) if out.requires_grad else out
        return out
