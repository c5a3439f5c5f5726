"""Shared helpers for the nn tests: moving values between glassgrad and PyTorch."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
