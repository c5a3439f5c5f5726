"""Where the user called an op from: the first frame whose file is not glassgrad's own.

Runs on every op that builds a graph, so it caches the is-internal verdict per filename and
walks frames without creating any objects but the result tuple.
"""

from __future__ import annotations

import os
import sys

Site = tuple  # (filename, lineno, function)

_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_internal: dict[str, bool] = {}


def is_internal(filename: str) -> bool:
    verdict = _internal.get(filename)
    if verdict is None:
        verdict = _internal[filename] = os.path.abspath(filename).startswith(_RUNTIME_DIR)
    return verdict


def callsite(depth: int = 2) -> Site | None:
    """``(file, line, function)`` of the innermost frame outside glassgrad."""
    f = sys._getframe(depth)
    internal = _internal
    while f is not None:
        code = f.f_code
        name = code.co_filename
        verdict = internal.get(name)
        if verdict is None:
            verdict = is_internal(name)
        if not verdict:
            return (name, f.f_lineno, code.co_name)
        f = f.f_back
    return None


def format_site(site: Site | None) -> str:
    if site is None:
        return "<unknown>"
    return f"{site[0]}:{site[1]} in {site[2]}"
