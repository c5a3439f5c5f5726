"""``glassgrad.nn``: modules, layers, losses, ``functional`` and ``init``, as in PyTorch."""

from ..tensor import Parameter
from . import functional, init, parallel, utils  # noqa: F401
from .modules import *  # noqa: F403
from .modules import __all__ as _modules_all

__all__ = ["Parameter", *_modules_all]
