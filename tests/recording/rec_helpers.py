"""Helpers for the recording tests: polling, subprocess environments, the glassgrad CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate: Callable[[], object], timeout: float = 10.0, what: str = "condition",
             interval: float = 0.02) -> object:
    """Poll ``predicate`` until it returns something truthy (never sleep-and-hope)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def env(**extra: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("GLASSGRAD_")}
    e["PYTHONPATH"] = os.pathsep.join([str(ROOT / "runtime"), e.get("PYTHONPATH", "")])
    e.update(extra)
    return e


def glassgrad(*args: str, cwd: Path | None = None, timeout: float = 60, **kw) -> \
        subprocess.CompletedProcess:
    """Run the ``glassgrad`` command (as ``python -m glassgrad.cli``) and wait for it."""
    return subprocess.run([sys.executable, "-m", "glassgrad.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout,
                          env=env(**kw.pop("env", {})), **kw)


def spawn(*args: str, cwd: Path | None = None, **extra_env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *args], cwd=cwd, env=env(**extra_env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
