"""The op tests again, with the CPU device on array_api_strict (a strict Array API library):
any NumPy-only call in op code fails there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
MODULES = ["test_ops.py", "test_elementwise_hypothesis.py", "test_promotion.py"]


@pytest.mark.skipif(os.environ.get("GLASSGRAD_CPU_BACKEND", "numpy") != "numpy",
                    reason="already running on another backend")
def test_op_suite_on_array_api_strict() -> None:
    pytest.importorskip("array_api_strict")
    env = dict(os.environ, GLASSGRAD_CPU_BACKEND="array_api_strict")
    # gradcheck and non-contiguous layouts test gradient rules and NumPy strides, not the
    # namespace; forward, gradients vs torch, promotion and hypothesis cover every op's code
    cmd = [sys.executable, "-m", "pytest", *MODULES, "-q", "-x", "-p", "no:cacheprovider",
           "-p", "no:xdist", "-k", "not gradcheck and not noncontiguous"]
    proc = subprocess.run(cmd, cwd=HERE, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
