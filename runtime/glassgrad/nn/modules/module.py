"""``nn.Module``: parameters, buffers, submodules, hooks, state dicts, train/eval, devices.

Calling a module pushes its path (``Net.encoder.0.fc``) for the duration of its forward, so every
op recorded inside knows which module made it; that path is what the debugger, the TUI and the
language server group the graph by.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..._state import STATE
from ...autograd.function import Function
from ...tensor import Parameter, Tensor, zero_grads


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: ``(missing_keys, unexpected_keys)``."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__

_module_stack: list[tuple[Module, str]] = []
# bumped whenever a module is added to or removed from any module, so the cached names that
# module paths are built from (``Module._path``) are rebuilt
_STRUCTURE = [0]


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
        d["_backward_pre_hooks"] = OrderedDict()
        d["_child_names"] = None

    def _forward_unimplemented(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  '"forward" function')

    forward: Callable[..., Any] = _forward_unimplemented

    # registration ----------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._drop(name, self._parameters)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(glassgrad.nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._drop(name, self._modules)
            self._modules[name] = value
            _STRUCTURE[0] += 1
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module "
                                f"'{name}' (glassgrad.nn.Module or None expected)")
            self._modules[name] = None
            _STRUCTURE[0] += 1
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(glassgrad.Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _drop(self, name: str, keep: dict) -> None:
        """Forget ``name`` everywhere but in ``keep`` (where a new value replaces it in place,
        keeping its position, as in PyTorch)."""
        self.__dict__.pop(name, None)
        if keep is not self._parameters:
            self._parameters.pop(name, None)
        if keep is not self._buffers:
            self._buffers.pop(name, None)
        self._non_persistent.discard(name)
        if keep is not self._modules and self._modules.pop(name, None) is not None:
            _STRUCTURE[0] += 1

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
                self._non_persistent.discard(name)
                _STRUCTURE[0] += 1
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    def _check_name(self, kind: str, name: Any, store: dict) -> None:
        """PyTorch's checks before registering: a non-empty string without dots, not already
        an ordinary attribute."""
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain "."')
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if hasattr(self, name) and name not in store:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        self._check_name("parameter", name, self.__dict__.get("_parameters", {}))
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter "
                            f"'{name}' (glassgrad.nn.Parameter or None required)")
        if param is not None and param.grad_fn is not None:
            raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model "
                             f"parameters must be created explicitly. To express '{name}' as a "
                             "function of another Tensor, compute the value in the forward() "
                             "method.")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        self._check_name("buffer", name, self.__dict__.get("_buffers", {}))
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer "
                            f"'{name}' (glassgrad.Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._check_name("module", name, self.__dict__.get("_modules", {}))
        self._modules[name] = module
        _STRUCTURE[0] += 1

    register_module = add_module

    def _get_name(self) -> str:
        return type(self).__name__

    def get_submodule(self, target: str) -> Module:
        mod = self
        for part in target.split(".") if target else []:
            if not hasattr(mod, part):
                raise AttributeError(f"{mod._get_name()} has no attribute `{part}`")
            mod = getattr(mod, part)
            if not isinstance(mod, Module):
                raise AttributeError(f"`{part}` is not an nn.Module")
        return mod

    def _get_owned(self, target: str, store: str, what: str) -> Tensor:
        """``target``'s tensor if it is registered in the owning module's ``store``."""
        path, _, name = target.rpartition(".")
        mod = self.get_submodule(path)
        if not hasattr(mod, name):
            raise AttributeError(f"{mod._get_name()} has no attribute `{name}`")
        value = mod.__dict__[store].get(name)
        if value is None:
            raise AttributeError(f"`{name}` is not {what}")
        return value

    def get_parameter(self, target: str) -> Parameter:
        return self._get_owned(target, "_parameters", "an nn.Parameter")

    def get_buffer(self, target: str) -> Tensor:
        return self._get_owned(target, "_buffers", "a buffer")

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
        seen: set[int] = set()
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
        mods = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                if recurse else [(prefix, self)])
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
        self.__dict__["training"] = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        zero_grads(self.parameters(), set_to_none)

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
        """Parameters and persistent buffers by dotted name; a module registered under two
        names appears under both, as in PyTorch."""
        out = OrderedDict() if destination is None else destination
        for pname, p in self._parameters.items():
            if p is not None:
                out[prefix + pname] = p if keep_vars else p.detach()
        for bname, b in self._buffers.items():
            if b is not None and bname not in self._non_persistent:
                out[prefix + bname] = b if keep_vars else b.detach()
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(out, prefix + name + ".", keep_vars)
        return out

    def load_state_dict(self, state_dict: Mapping, strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy values in place (the Parameter objects stay, so optimizers built before keep
        working); with ``assign=True`` the module takes the given tensors instead. Errors,
        and the order of missing and unexpected keys, are PyTorch's."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing: list[str] = []
        unexpected: list[str] = []
        errors: list[str] = []

        def load(mod: Module, sd: Mapping, prefix: str) -> None:
            mod._load_from_state_dict(sd, prefix, assign, missing, unexpected, errors)
            for name, child in mod._modules.items():
                if child is not None:
                    p = prefix + name + "."
                    load(child, {k: v for k, v in sd.items() if k.startswith(p)}, p)

        load(self, state_dict, "")
        if strict and unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        if strict and missing:
            errors.insert(0, "Missing key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in missing) + ". ")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        return _IncompatibleKeys(missing, unexpected)

    def _load_from_state_dict(self, state_dict: Mapping, prefix: str, assign: bool,
                              missing: list, unexpected: list, errors: list) -> None:
        from ...autograd.grad_mode import no_grad

        local = {k: v for k, v in itertools.chain(
            self._parameters.items(),
            ((k, b) for k, b in self._buffers.items() if k not in self._non_persistent))
            if v is not None}
        for name, target in local.items():
            key = prefix + name
            if key not in state_dict:
                missing.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                try:
                    value = Tensor(value)
                except Exception:  # noqa: BLE001
                    errors.append(f'While copying the parameter named "{key}", expected '
                                  "glassgrad.Tensor or Tensor-like object from checkpoint but "
                                  f"received {type(state_dict[key])}")
                    continue
            if target.ndim == 0 and value.shape == (1,):
                value = value.reshape(())
            if value.shape != target.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape "
                              f"{value.shape} from checkpoint, the shape in current model is "
                              f"{target.shape}.")
                continue
            if assign:
                if isinstance(target, Parameter):
                    value = (value.requires_grad_(target.requires_grad)
                             if isinstance(value, Parameter)
                             else Parameter(value.detach(), requires_grad=target.requires_grad))
                setattr(self, name, value)
                continue
            try:
                with no_grad():
                    target.copy_(value)  # in place: optimizers keep the same Parameter objects
            except Exception as e:  # noqa: BLE001
                errors.append(f'While copying the parameter named "{key}", whose dimensions in '
                              f"the model are {target.shape} and whose dimensions in the "
                              f"checkpoint are {value.shape}, an exception occurred : {e.args}.")
        for key in state_dict:
            if key.startswith(prefix):
                parts = key[len(prefix):].split(".", 1)
                if len(parts) > 1:
                    if parts[0] not in self._modules:
                        unexpected.append(key)
                elif parts[0] not in local:
                    unexpected.append(key)

    # hooks -----------------------------------------------------------------------------------
    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> _DictHandle:
        """``hook(module, args)`` (or ``hook(module, args, kwargs)``) before ``forward``; a
        returned value replaces ``args`` (or ``(args, kwargs)``)."""
        return _DictHandle(self._forward_pre_hooks, (hook, with_kwargs), prepend)

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False, always_call: bool = False
                              ) -> _DictHandle:
        """``hook(module, args, output)`` (or ``hook(module, args, kwargs, output)``) after
        ``forward``; a returned value replaces the output. ``always_call`` hooks also run when
        ``forward`` raises."""
        return _DictHandle(self._forward_hooks, (hook, with_kwargs, always_call), prepend)

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False) -> _DictHandle:
        """``hook(module, grad_input, grad_output)`` once the gradients with respect to the
        module's positional inputs are computed (``None`` for non-tensors and inputs without
        gradient); a returned tuple replaces ``grad_input``."""
        return _DictHandle(self._backward_hooks, hook, prepend)

    def register_full_backward_pre_hook(self, hook: Callable,
                                        prepend: bool = False) -> _DictHandle:
        """``hook(module, grad_output)`` when the gradients with respect to the module's
        outputs are known; a returned tuple replaces ``grad_output``."""
        return _DictHandle(self._backward_pre_hooks, hook, prepend)

    # calling ---------------------------------------------------------------------------------
    def _path(self) -> str:
        """``Parent.path.name``: this module's name among the calling module's descendants
        (``encoder.0`` when ``Net.forward`` calls ``self.encoder[0]``), else its class name."""
        if not _module_stack:
            return type(self).__name__
        parent, parent_path = _module_stack[-1]
        cache = parent.__dict__["_child_names"]
        if cache is None or cache[0] != _STRUCTURE[0]:
            names: dict[int, str] = {}
            for n, m in parent.named_modules():
                names.setdefault(id(m), n)
            cache = parent.__dict__["_child_names"] = (_STRUCTURE[0], names)
        name = cache[1].get(id(self))
        return f"{parent_path}.{name or type(self).__name__}"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        d = self.__dict__
        if d["_forward_pre_hooks"]:
            for hook, with_kwargs in list(d["_forward_pre_hooks"].values()):
                if with_kwargs:
                    r = hook(self, args, kwargs)
                    if r is not None:
                        if not (isinstance(r, tuple) and len(r) == 2):
                            raise RuntimeError("forward pre-hook must return None or a tuple of "
                                               f"(new_args, new_kwargs), but got {r}.")
                        args, kwargs = r
                else:
                    r = hook(self, args)
                    if r is not None:
                        args = r if isinstance(r, tuple) else (r,)
        bw = None
        if (d["_backward_hooks"] or d["_backward_pre_hooks"]) and STATE.grad_enabled:
            bw = _BackwardHooks(self)
            args = bw.setup_input(args)
        path = self._path()
        _module_stack.append((self, path))
        STATE.module_path.append(path)
        obs = STATE.observer
        if obs is not None:
            obs.module_enter(self, path)
        try:
            out = self.forward(*args, **kwargs)
        except BaseException:
            if d["_forward_hooks"]:
                for hook, with_kwargs, always in list(d["_forward_hooks"].values()):
                    if always:
                        try:
                            hook(self, args, kwargs, None) if with_kwargs else \
                                hook(self, args, None)
                        except Exception:  # noqa: BLE001, S110 - the forward's error wins
                            pass
            raise
        finally:
            _module_stack.pop()
            STATE.module_path.pop()
            if obs is not None:
                obs.module_exit(self, path)
        if d["_forward_hooks"]:
            for hook, with_kwargs, _ in list(d["_forward_hooks"].values()):
                r = hook(self, args, kwargs, out) if with_kwargs else hook(self, args, out)
                if r is not None:
                    out = r
        if bw is not None:
            out = bw.setup_output(out)
        return out

    # printing --------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _indent(repr(child))
                       for name, child in self._modules.items()]
        main = self._get_name() + "("
        if len(extra_lines) == 1 and not child_lines:
            return main + extra_lines[0] + ")"
        lines = extra_lines + child_lines
        if lines:
            main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"


def _indent(text: str) -> str:
    return text.replace("\n", "\n  ")


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


class BackwardHookFunction(Function):
    """Identity on a module's input (or output) tensors, whose backward hands the gradients to
    the module's full backward hooks (pre-hooks on the output side). As in PyTorch, it shows in
    the graph as ``BackwardHookFunctionBackward``."""

    @staticmethod
    def forward(ctx: Any, hooks: _BackwardHooks, is_input: bool, *tensors: Tensor) -> Any:
        ctx.hooks, ctx.is_input = hooks, is_input
        ctx.set_materialize_grads(False)
        out = []
        for t in tensors:
            if t.requires_grad:
                out.append(t.detach())
            else:
                ctx.mark_non_differentiable(t)
                out.append(t)
        return tuple(out)

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        hooks = ctx.hooks
        grads = hooks.on_input_grads(grads) if ctx.is_input else hooks.on_output_grads(grads)
        return (None, None, *grads)


class _BackwardHooks:
    """One module call's backward-hook bookkeeping (PyTorch's ``BackwardHook``)."""

    __slots__ = ("module", "n_inputs", "input_idx", "grad_output", "no_grad_inputs")

    def __init__(self, module: Module) -> None:
        self.module = module
        self.input_idx: list[int] | None = None
        self.grad_output: tuple | None = None

    @staticmethod
    def _wrap(hooks: _BackwardHooks, is_input: bool, values: tuple) -> tuple[tuple, list | None]:
        idx = [i for i, v in enumerate(values) if isinstance(v, Tensor)]
        if not any(values[i].requires_grad for i in idx):
            return values, None
        new = BackwardHookFunction.apply(hooks, is_input, *[values[i] for i in idx])
        out = list(values)
        for i, t in zip(idx, new):
            out[i] = t
        return tuple(out), idx

    def setup_input(self, args: tuple) -> tuple:
        self.n_inputs = len(args)
        if not self.module._backward_hooks:
            return args
        # PyTorch hands zeros to the hooks for tensor inputs that need no gradient
        self.no_grad_inputs = {i: (a.shape, a.dtype, a.device) for i, a in enumerate(args)
                               if isinstance(a, Tensor) and not a.requires_grad}
        args, self.input_idx = self._wrap(self, True, args)
        return args

    def setup_output(self, out: Any) -> Any:
        single = isinstance(out, Tensor)
        if not single and not isinstance(out, tuple):
            return out
        new, _ = self._wrap(self, False, (out,) if single else out)
        return new[0] if single else new

    def on_output_grads(self, grads: tuple) -> tuple:
        module = self.module
        for hook in list(module._backward_pre_hooks.values()):
            r = hook(module, grads)
            if r is not None:
                r = r if isinstance(r, tuple) else (r,)
                if len(r) != len(grads):
                    raise RuntimeError("Backward pre hook returned an invalid number of "
                                       f"grad_output, got {len(r)}, but expected {len(grads)}")
                grads = r
        if self.input_idx is None and module._backward_hooks:
            # no input needs a gradient: the hooks fire now, with grad_input all None
            grad_input = (None,) * self.n_inputs
            for hook in list(module._backward_hooks.values()):
                r = hook(module, grad_input, grads)
                if r is not None and not all(v is None for v in r):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
        else:
            self.grad_output = grads
        return grads

    def on_input_grads(self, grads: tuple) -> tuple:
        module, idx = self.module, self.input_idx
        from ...creation import zeros

        pos = {i: k for k, i in enumerate(idx)}
        meta = self.no_grad_inputs
        grad_input = tuple(
            zeros(meta[i][0], dtype=meta[i][1], device=meta[i][2]) if i in meta
            else grads[pos[i]] if i in pos else None for i in range(self.n_inputs))
        grad_output, self.grad_output = self.grad_output or (), None
        for hook in list(module._backward_hooks.values()):
            r = hook(module, grad_input, grad_output)
            if r is None:
                continue
            r = r if isinstance(r, tuple) else (r,)
            if len(r) != self.n_inputs:
                raise RuntimeError("Backward hook returned an invalid number of grad_input, "
                                   f"got {len(r)}, but expected {self.n_inputs}")
            grad_input = r
        return tuple(grad_input[i] for i in idx)
