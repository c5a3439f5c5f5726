"""Every recording test runs in its own working directory (run stores and live files go under
``.glassgrad/`` there) and must leave no observer attached."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from glassgrad.recording import events

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    for var in list(os.environ):
        if var.startswith("GLASSGRAD_"):
            monkeypatch.delenv(var)
    yield
    left = events.observers()
    for o in left:
        events.detach(o)
    assert not left, f"observers left attached: {left}"
