"""``import torch`` answered by glassgrad: run a PyTorch script unchanged.

Switched on by ``glassgrad run --torch script.py``, the debugger's ``"torch": true`` launch
option, or ``GLASSGRAD_TORCH=1`` in the environment (an installed glassgrad's
``glassgrad-torch.pth`` reads it at interpreter start), never otherwise: a real PyTorch stays
what ``import torch`` gives unless you ask. ``install()`` does it from Python.

How: a ``sys.meta_path`` finder (``startup.TorchAliasFinder``) first in line answers ``torch``
and ``torch.*`` with alias modules (``modules.AliasModule``) whose attributes are glassgrad's own
objects, plus PyTorch idioms glassgrad spells differently (``compat``). A PyTorch name glassgrad
lacks raises an error naming it and the line that used it (``errors``); docs/pytorch-coverage.md
lists what is there.
"""

from __future__ import annotations

from .errors import NotInGlassgrad, TorchAttributeError, TorchImportError, TorchModuleNotFoundError
from .startup import ENV, enabled_in_env, install, installed, uninstall

__all__ = ["ENV", "NotInGlassgrad", "TorchAttributeError", "TorchImportError",
           "TorchModuleNotFoundError", "enabled_in_env", "install", "installed", "uninstall"]
