"""Utilities with ``torch.utils``'s names: ``glassgrad.utils.data``."""

from . import data

__all__ = ["data"]
