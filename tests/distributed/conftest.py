"""Distributed tests run rank programs under mpiexec, each in its own working directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    for var in list(os.environ):
        if var.startswith("GLASSGRAD_"):
            monkeypatch.delenv(var)
    yield
