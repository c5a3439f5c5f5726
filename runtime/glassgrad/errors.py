"""Errors that point at the user's line, not at glassgrad's internals."""

from __future__ import annotations


class GlassgradError(RuntimeError):
    """Base class: a message naming the op, its operands and the user's source line."""


class OpError(GlassgradError):
    """An op rejected its operands (shapes, dtypes, devices, arguments)."""


class OpIndexError(OpError, IndexError):
    """An index out of range; still an IndexError so Python's protocols keep working."""


class InplaceError(GlassgradError):
    """A tensor saved for backward was modified in place, or an in-place op is not allowed."""


class GraphFreedError(GlassgradError):
    """Backward through a graph whose saved tensors were already freed."""
