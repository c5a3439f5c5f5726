"""The ``import torch`` finder, light enough to install at interpreter start.

This file imports nothing of glassgrad: the ``glassgrad-torch.pth`` line that an installed
glassgrad puts in site-packages loads it by path when ``GLASSGRAD_TORCH`` is set, so a program
started by any launcher (a debugger, a test runner, ``python train.py``) gets the alias, and one
that never imports torch pays for nothing more. glassgrad itself is imported only when the
program first imports ``torch`` (``glassgrad.torch_alias.modules`` builds the alias modules).
"""

from __future__ import annotations

import os
import sys
from typing import Any

ENV = "GLASSGRAD_TORCH"


def enabled_in_env() -> bool:
    """Whether ``GLASSGRAD_TORCH`` asks for the alias (``1``, ``true``, ``yes``, ``on``)."""
    return os.environ.get(ENV, "").strip().lower() in ("1", "true", "yes", "on")


class TorchAliasFinder:
    """A ``sys.meta_path`` finder that answers ``torch`` and ``torch.*`` with glassgrad's alias
    modules, ahead of any real PyTorch on the path. Any other name is left to the next finder."""

    glassgrad_torch_alias = True  # how install() recognises a finder of either copy of this file

    @classmethod
    def find_spec(cls, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != "torch" and not fullname.startswith("torch."):
            return None
        from glassgrad.torch_alias import modules

        return modules.find_spec(fullname)

    @classmethod
    def invalidate_caches(cls) -> None:
        pass


def installed() -> bool:
    return any(getattr(f, "glassgrad_torch_alias", False) for f in sys.meta_path)


def install() -> None:
    """Put the finder first on ``sys.meta_path`` (once). A real PyTorch already imported in this
    process is an error: half a program on each library would fail in obscure ways."""
    if installed():
        return
    torch = sys.modules.get("torch")
    if torch is not None and not getattr(torch, "__glassgrad_alias__", False):
        raise RuntimeError("the glassgrad torch alias must be installed before the first "
                           f"`import torch`; PyTorch is already imported from {torch.__file__}")
    sys.meta_path.insert(0, TorchAliasFinder)


def uninstall() -> None:
    """Take the finder out and forget the alias modules (tests)."""
    sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "glassgrad_torch_alias", False)]
    for name in [n for n in sys.modules if n == "torch" or n.startswith("torch.")]:
        if getattr(sys.modules[name], "__glassgrad_alias__", False):
            del sys.modules[name]


def install_from_env() -> None:
    """What the ``.pth`` line calls at interpreter start."""
    if enabled_in_env():
        install()
