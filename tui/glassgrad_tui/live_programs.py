"""The live programs one can attach to: token files of running programs under the live folder."""

from __future__ import annotations

import os
from typing import Any

from glassgrad.recording.live import LIVE_DIR, read_info


def live_programs(directory: str = LIVE_DIR) -> list[dict[str, Any]]:
    """Connection details of each running live program, newest first (a program that is gone
    is skipped; the live channel removes its token file)."""
    found = []
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    for name in names:
        stem, ext = os.path.splitext(name)
        if ext != ".json" or not stem.isdigit():
            continue
        try:
            found.append(read_info(int(stem), directory))
        except (OSError, ValueError):
            continue
    return sorted(found, key=lambda i: -(i.get("started") or 0))
