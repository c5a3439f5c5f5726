"""Lines of the source a run recorded, mapped to the lines of the editor's buffer.

When the buffer still hashes to what the run recorded, lines map to themselves. After an edit,
a diff of the recorded text and the buffer maps every line of an unchanged stretch to where it
is now; lines the edit touched map to nothing (their results are hidden: they may no longer
mean what they meant).
"""

from __future__ import annotations

import difflib
import hashlib


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class LineMap:
    """1-based recorded line <-> 1-based buffer line."""

    def __init__(self, recorded: str | None, buffer: str, recorded_hash: str | None) -> None:
        self.exact = recorded_hash is not None and sha256(buffer) == recorded_hash
        self.to_buffer: dict[int, int] = {}
        self.to_recorded: dict[int, int] = {}
        if self.exact or recorded is None:
            # identical, or nothing to diff against (results are then marked stale, unmapped)
            self.identity = True
            return
        self.identity = False
        old, new = recorded.splitlines(), buffer.splitlines()
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for tag, i1, i2, j1, _ in matcher.get_opcodes():
            if tag == "equal":
                for k in range(i2 - i1):
                    self.to_buffer[i1 + k + 1] = j1 + k + 1
                    self.to_recorded[j1 + k + 1] = i1 + k + 1

    @property
    def stale(self) -> bool:
        """The buffer differs from what the run recorded."""
        return not self.exact

    def buffer_line(self, recorded_line: int) -> int | None:
        return recorded_line if self.identity else self.to_buffer.get(recorded_line)

    def recorded_line(self, buffer_line: int) -> int | None:
        return buffer_line if self.identity else self.to_recorded.get(buffer_line)
