"""What a PyTorch name that glassgrad lacks raises: its full name, and the user's line."""

from __future__ import annotations

import os
import sys

COVERAGE_DOC = "docs/pytorch-coverage.md"

_GLASSGRAD_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def user_site(depth: int = 2) -> tuple[str, int] | None:
    """``(file, line)`` of the innermost frame that is neither glassgrad's nor the import
    system's: the line of the user's program that asked for the name."""
    f = sys._getframe(depth)
    while f is not None:
        name = f.f_code.co_filename
        if not name.startswith("<frozen importlib") and \
                not os.path.abspath(name).startswith(_GLASSGRAD_DIR):
            return name, f.f_lineno
        f = f.f_back
    return None


class NotInGlassgrad(Exception):  # noqa: N818 - a mixin of the two errors below
    """Base of the errors for a PyTorch name glassgrad does not have (yet)."""

    def _setup(self, name: str, site: tuple[str, int] | None) -> str:
        self.torch_name = name
        self.filename, self.lineno = site if site is not None else (None, None)
        where = f", used at {site[0]}:{site[1]}" if site is not None else ""
        return f"{name} is not in glassgrad yet ({COVERAGE_DOC}){where}"


class TorchAttributeError(NotInGlassgrad, AttributeError):
    """``torch.nn.functional.grid_sample``: an attribute glassgrad lacks. An AttributeError, so
    ``hasattr`` and ``getattr(mod, name, default)`` keep working."""

    def __init__(self, name: str, site: tuple[str, int] | None) -> None:
        AttributeError.__init__(self, self._setup(name, site))


class TorchImportError(NotInGlassgrad, ImportError):
    """``from torch.nn.functional import grid_sample``: an ImportError, as Python's own."""

    def __init__(self, name: str, site: tuple[str, int] | None) -> None:
        ImportError.__init__(self, self._setup(name, site), name=name.rpartition(".")[0])


class TorchModuleNotFoundError(NotInGlassgrad, ModuleNotFoundError):
    """``import torch.fft``: a module glassgrad lacks (``except ImportError`` catches it)."""

    def __init__(self, name: str, site: tuple[str, int] | None) -> None:
        ModuleNotFoundError.__init__(self, self._setup(name, site), name=name)
