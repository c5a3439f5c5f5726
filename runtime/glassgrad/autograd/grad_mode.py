"""no_grad / enable_grad / set_grad_enabled: context managers that also work as decorators."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from .._state import STATE

F = TypeVar("F", bound=Callable[..., Any])


class _GradMode:
    enabled: bool

    def __enter__(self) -> None:
        self._prev = STATE.grad_enabled
        STATE.grad_enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        STATE.grad_enabled = self._prev

    def __call__(self, fn: F) -> F:
        mode = self.enabled

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = STATE.grad_enabled
            STATE.grad_enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                STATE.grad_enabled = prev

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):  # noqa: N801 - PyTorch's name
    """Ops inside build no graph (inference, optimizer updates)."""

    enabled = False


class enable_grad(_GradMode):  # noqa: N801
    """Re-enable graph building inside a ``no_grad`` block."""

    enabled = True


class set_grad_enabled(_GradMode):  # noqa: N801
    """``set_grad_enabled(False)`` works as a call, a context manager or a decorator."""

    def __init__(self, mode: bool) -> None:
        self.enabled = bool(mode)
        self._prev = STATE.grad_enabled
        STATE.grad_enabled = self.enabled

    def __enter__(self) -> None:
        STATE.grad_enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        STATE.grad_enabled = self._prev

    def __call__(self, fn: F) -> F:
        STATE.grad_enabled = self._prev  # used as a decorator: the call did not set the mode
        return super().__call__(fn)


class inference_mode(no_grad):  # noqa: N801
    """Same as ``no_grad`` here (there is no separate inference tensor kind)."""

    def __init__(self, mode: bool = True) -> None:
        self.enabled = not mode


def is_grad_enabled() -> bool:
    return STATE.grad_enabled
