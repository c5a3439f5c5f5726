"""The layers of ``glassgrad.nn``, one module per family."""

from .container import ModuleDict, ModuleList, Sequential
from .module import Module

__all__ = ["Module", "Sequential", "ModuleList", "ModuleDict"]
