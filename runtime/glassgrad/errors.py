"""Errors that point at the user's line, not at glassgrad's internals."""

from __future__ import annotations

_AT = "\n  at "


class GlassgradError(RuntimeError):
    """Base class: a message naming the op, its operands and the user's source line."""


class OpError(GlassgradError):
    """An op rejected its operands (shapes, dtypes, devices, arguments).

    A message without a call site (raised by an op's argument checks, before ``apply``) gets
    the user's line appended, so every op error points at the line that called the op."""

    site: tuple | None = None
    op: str | None = None

    def __init__(self, *args: object, operands: dict | None = None) -> None:
        if len(args) == 1 and isinstance(args[0], str) and _AT not in args[0]:
            from ._callsite import callsite, format_site

            self.site = callsite(2)
            text = args[0]
            if operands:
                from .function import describe

                text += "\n  operands: " + ", ".join(f"{k}={describe(v)}"
                                                     for k, v in operands.items())
            args = (f"{text}{_AT}{format_site(self.site)}",)
        super().__init__(*args)


class OpIndexError(OpError, IndexError):
    """An index out of range; still an IndexError so Python's protocols keep working."""


class InplaceError(GlassgradError):
    """A tensor saved for backward was modified in place, or an in-place op is not allowed."""


class GraphFreedError(GlassgradError):
    """Backward through a graph whose saved tensors were already freed."""
