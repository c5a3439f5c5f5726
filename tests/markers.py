"""Test helper: find lines by a marker comment instead of hard-coding line numbers."""

from __future__ import annotations


def line_of(path: str, marker: str) -> int:
    """The first line of ``path`` containing ``marker`` (lines calling this helper excluded)."""
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if marker in line and "line_of(" not in line and "_line(" not in line:
                return i
    raise AssertionError(f"no {marker!r} in {path}")
