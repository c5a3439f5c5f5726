"""The alias modules: ``torch``, ``torch.nn``, ... as views of glassgrad's modules.

Each alias module is a package (an empty ``__path__``) whose attributes come, on first use, from
one glassgrad module plus a few PyTorch idioms (``compat``). Values are glassgrad's own objects
(``torch.nn.Linear is glassgrad.nn.Linear``), so a script mixes both freely. A name that is in
neither raises ``TorchAttributeError`` (an AttributeError: ``hasattr`` works) naming the full
PyTorch name and the user's line; from an import statement it raises ``TorchImportError``; a
submodule that is not in the table below raises ``TorchModuleNotFoundError``.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
import types
from collections.abc import Callable
from typing import Any

import glassgrad as gg
from glassgrad.function import Function

from . import compat
from .errors import TorchAttributeError, TorchImportError, TorchModuleNotFoundError, user_site


def _backends(name: str) -> Callable[[], dict[str, Any]]:
    return lambda: dict(vars(compat.BACKENDS[name]))


# alias module -> (glassgrad module it shows, or None; what it adds or overrides)
TABLE: dict[str, tuple[str | None, Callable[[], dict[str, Any]] | None]] = {
    "torch": ("glassgrad", compat.top_level),
    "torch.nn": ("glassgrad.nn", None),
    "torch.nn.functional": ("glassgrad.nn.functional", None),
    "torch.nn.init": ("glassgrad.nn.init", None),
    "torch.nn.utils": ("glassgrad.nn.utils", None),
    "torch.nn.utils.clip_grad": ("glassgrad.nn.utils.clip_grad", None),
    "torch.nn.parameter": (None, lambda: {"Parameter": gg.Parameter}),
    "torch.nn.modules": ("glassgrad.nn.modules", None),
    "torch.nn.modules.module": ("glassgrad.nn.modules.module", None),
    "torch.nn.modules.loss": ("glassgrad.nn.modules.loss", None),
    "torch.optim": ("glassgrad.optim", None),
    "torch.optim.optimizer": ("glassgrad.optim.optimizer", None),
    "torch.optim.lr_scheduler": ("glassgrad.optim.lr_scheduler", None),
    "torch.utils": ("glassgrad.utils", None),
    "torch.utils.data": ("glassgrad.utils.data", None),
    "torch.utils.data.dataset": ("glassgrad.utils.data.dataset", None),
    "torch.utils.data.dataloader": ("glassgrad.utils.data.dataloader", None),
    "torch.utils.data.sampler": ("glassgrad.utils.data.sampler", None),
    "torch.autograd": ("glassgrad.autograd", None),
    "torch.autograd.function": ("glassgrad.autograd.function", None),
    "torch.cuda": (None, lambda: dict(compat.CUDA)),
    "torch.backends": (None, None),
    "torch.backends.cudnn": (None, _backends("cudnn")),
    "torch.backends.cuda": (None, _backends("cuda")),
    "torch.backends.mps": (None, _backends("mps")),
    "torch.distributed": (None, lambda: dict(compat.DISTRIBUTED)),
    "torch.random": (None, lambda: dict(compat.RANDOM)),
    "torch.version": (None, lambda: dict(vars(compat.version_module()))),
}

# helpers glassgrad's top-level namespace shows that are not PyTorch's (nor glassgrad's API)
_INTERNAL = frozenset({
    "binary", "binary_op", "dim_index", "dims", "dtype_of", "floating", "kept_shape",
    "operands", "size_args", "getitem", "setitem", "registry", "cast", "get_device",
    "cuda_is_available", "wrap", "init",
})


def _shown(src: types.ModuleType, name: str, value: Any) -> bool:
    """Whether glassgrad module ``src`` shows ``name`` through its alias: its ``__all__``, or
    else glassgrad's own objects less the helpers above (imports of other libraries never)."""
    if name.startswith("_") or name in _INTERNAL or \
            isinstance(value, types.ModuleType):
        return False
    if src is gg and isinstance(value, type) and issubclass(value, Function):
        return False  # op classes (gg.Add): the op table's entries, not functions to call
    names = getattr(src, "__all__", None)
    if names is not None and src is not gg:
        return name in names
    owner = getattr(value, "__module__", None) or type(value).__module__
    return isinstance(owner, str) and owner.startswith("glassgrad")


class AliasModule(types.ModuleType):
    """``torch`` or one of its submodules, answered by glassgrad."""

    __glassgrad_alias__ = True

    def __init__(self, name: str) -> None:
        super().__init__(name)
        source, extras = TABLE[name]
        src = importlib.import_module(source) if source else None
        self.__dict__.update(__path__=[], __glassgrad_source__=src,
                             __file__=getattr(src, "__file__", None) or compat.__file__,
                             __doc__=f"PyTorch's {name}, answered by glassgrad"
                                     f"{f' ({source})' if source else ''}.")
        if extras is not None:
            self.__dict__.update(extras())

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            if name == "__all__":
                return self.__dir__()
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        full = f"{self.__name__}.{name}"
        if full in TABLE:
            return importlib.import_module(full)
        src = self.__dict__.get("__glassgrad_source__")
        if src is not None and name in src.__dict__ and _shown(src, name, src.__dict__[name]):
            value = self.__dict__[name] = src.__dict__[name]
            return value
        site = user_site(2)
        if sys._getframe(1).f_code.co_name == "_handle_fromlist":  # from torch.x import name
            raise TorchImportError(full, site)
        raise TorchAttributeError(full, site)

    def __dir__(self) -> list[str]:
        src = self.__dict__.get("__glassgrad_source__")
        names = {n for n in self.__dict__ if not n.startswith("_")}
        if src is not None:
            names.update(n for n, v in vars(src).items() if _shown(src, n, v))
        prefix = self.__name__ + "."
        names.update(m[len(prefix):] for m in TABLE if m.startswith(prefix)
                     and "." not in m[len(prefix):])
        return sorted(names)

    def __repr__(self) -> str:
        return f"<module {self.__name__!r} (glassgrad's torch alias)>"


class AliasLoader:
    """Makes the alias module for a name in the table."""

    @staticmethod
    def create_module(spec: importlib.machinery.ModuleSpec) -> AliasModule:
        return AliasModule(spec.name)

    @staticmethod
    def exec_module(module: types.ModuleType) -> None:
        pass


def find_spec(fullname: str) -> importlib.machinery.ModuleSpec:
    """The spec of an alias module; a torch module glassgrad lacks is a clear error."""
    if fullname not in TABLE:
        raise TorchModuleNotFoundError(fullname, user_site(2))
    spec = importlib.util.spec_from_loader(fullname, AliasLoader(), is_package=True)
    assert spec is not None
    return spec


def build(name: str) -> AliasModule:
    """An alias module outside the import system (docs, tests): ``build("torch.nn")``."""
    return AliasModule(name)
